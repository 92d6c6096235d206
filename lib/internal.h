/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal interfaces of libisolator, shared by lib/, tools/ and tests/
 * (which link the static core library). Not installed; not exported from
 * libisolator.so.
 */
#ifndef ISOLATOR_INTERNAL_H
#define ISOLATOR_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "isolator.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- errors (errors.c) --------------------------------------------------- */

/* Record a one-line message for isolator_errmsg() and return -err, so a
 * failing path reads: return set_error(EINVAL, "cpu %d is not online", cpu); */
int set_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void clear_error(void);

/* --- sysroot and small file I/O (sysfs.c) -------------------------------- */

/* The root the /proc, /sys and /dev paths are read under: @sysroot if not
 * NULL, else $ISOLATOR_SYSROOT, else "". Never ends in '/'. */
const char *sysroot_get(const char *sysroot);

/* Build "<root><path>" into @buf. Returns 0 or -ENAMETOOLONG. */
int sysroot_path(char *buf, size_t len, const char *root, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Read a whole small file into a NUL-terminated string, trailing newline
 * stripped. Returns length or a negative errno. */
ssize_t read_text(const char *path, char *buf, size_t len);

/* Read a whole file of any size; caller frees. NULL with errno on failure. */
char *read_file_alloc(const char *path, size_t *len_out);

/* Write @text to @path in one write(2), as sysfs and procfs want.
 * Returns 0 or a negative errno. */
int write_text(const char *path, const char *text);

/* --- journal of changed settings (journal.c) ----------------------------- */

/*
 * A journal records "path, value before, value we wrote" for every setting
 * changed, fsync'd before the change is made, so that a crash at any point
 * leaves enough on disk to undo exactly what was done. Restoring writes the
 * old value back only where the setting still holds the value we wrote;
 * anything changed since by someone else is left alone and reported.
 */
struct journal;

/* The directory journals live in: $ISOLATOR_STATE_DIR or /var/lib/isolator. */
const char *journal_dir(void);

/* Create (truncate) the journal at @path, owned by this process. */
struct journal *journal_create(const char *path);
/* Append one change; fsync'd before returning. */
int journal_record(struct journal *j, const char *path, const char *old_value,
		   const char *new_value);
void journal_close(struct journal *j);
const char *journal_path(const struct journal *j);

/* Outcome of restoring one entry, for reporting. */
enum restore_result {
	RESTORE_DONE,       /* old value written back */
	RESTORE_UNCHANGED,  /* already held the old value */
	RESTORE_SKIPPED,    /* changed by someone else since; left alone */
	RESTORE_FAILED,     /* write refused */
};
typedef void (*restore_report_fn)(void *arg, const char *path, const char *old_value,
				  enum restore_result result, int err);

/*
 * Undo every entry of the journal file at @path, newest first, then remove the
 * file if every entry was resolved. @report may be NULL.
 * Returns the number of entries restored, or a negative errno.
 */
int journal_restore(const char *path, restore_report_fn report, void *arg);

/* The pid that owns a journal file (from its header), or -1. */
pid_t journal_owner(const char *path);

/* --- IRQ affinity (irq.c) ------------------------------------------------ */

/*
 * Where an IRQ allowed on @mask goes when the CPUs in @away must be left
 * alone: the online CPUs of its mask that stay, or, if none stays, every
 * online CPU outside @away. Returns 0, or -EIO when no CPU is left at all.
 */
int irq_affinity_away(const struct isolator_cpuset *mask, const struct isolator_cpuset *away,
		      const struct isolator_cpuset *online, struct isolator_cpuset *out);

/*
 * Move every IRQ whose affinity includes @cpu to the other online CPUs of its
 * mask (or to every other online CPU if @cpu was its only one), recording each
 * change in @j first. Counts moved and unmovable IRQs.
 */
int irq_steer_away(const char *sysroot, unsigned cpu, struct journal *j,
		   unsigned *moved, unsigned *unmovable);

/* --- the stock backend (stock.c) ----------------------------------------- */

/* System-wide parts of stock isolation, separable from the thread parts so
 * that `isolator run` can hold them for a child it exec()s. */
struct stock_system {
	int cpu;
	int dma_fd;               /* /dev/cpu_dma_latency, or -1 */
	struct journal *journal;  /* NULL when nothing system-wide was changed */
	char journal_file[512];
	char cpuset_dir[512];     /* partition we created, or "" */
	char cpuset_orig[512];    /* cgroup the process came from */
	unsigned applied, failed;
	unsigned irqs_moved, irqs_unmovable;
	char reasons[1024];       /* why steps failed, one per line */
};

int stock_system_apply(struct stock_system *sys, const char *sysroot, unsigned cpu,
		       const struct isolator_params *params, pid_t pid);
int stock_system_restore(struct stock_system *sys, const char *sysroot);

/* Whether kernel parameter @param= (isolcpus, nohz_full, rcu_nocbs...) in
 * /proc/cmdline lists @cpu; flags before the list (isolcpus=domain,2) are
 * skipped. 1 or 0. */
int cmdline_lists_cpu(const char *sysroot, const char *param, unsigned cpu);
/* Whether the CPU list in /sys/devices/system/cpu/@file lists @cpu. 1 or 0. */
int sysfs_lists_cpu(const char *sysroot, const char *file, unsigned cpu);

/* The cgroup v2 mount point (under @sysroot) into @out. 0 or -ENOENT. */
int cgroup2_mount(const char *sysroot, char *out, size_t len);

/* Which interrupt sources remain on @cpu given what was applied. */
unsigned stock_remaining_sources(const char *sysroot, unsigned cpu, unsigned applied);

/* --- kernel backend (kernel.c) ------------------------------------------- */

int kernel_control(const char *sysroot, const char *line);
int kernel_available(const char *sysroot);
/* Parse /proc/isolator/culprits text (tests call it on built strings).
 * Returns the number of entries stored (the newest @max) or -errno. */
int culprits_parse(const char *text, struct isolator_culprit *out, unsigned max);

/* --- statistics internals (stats.c) -------------------------------------- */

/* Parse the text of /proc/interrupts, /proc/softirqs or /proc/isolator/stats
 * into @c. Exposed for the tests and the fuzzers. */
int counts_parse_interrupts(struct isolator_counts *c, const char *text);
int counts_parse_softirqs(struct isolator_counts *c, const char *text);
int counts_parse_isolator(struct isolator_counts *c, const char *text);
struct isolator_counts *counts_new(void);

/* The CPU the calling thread is pinned to, or a negative errno (-EINVAL if
 * not exactly one). */
int pinned_cpu(void);

#endif /* ISOLATOR_INTERNAL_H */
