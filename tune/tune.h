/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tuning engine: reading and changing the machine's state for the CPUs a
 * session isolates. Below both the library (whose stock backend steers IRQs
 * through it, journaled) and the commands (check, apply, revert, run):
 *
 *   - errors: the one-line message behind a negative errno (isolator_errmsg)
 *   - sysroot and small file I/O: every path is read under a sysroot, so the
 *     tests run the engine on fake trees
 *   - CPU lists and the online set (the public isolator_cpuset_* functions)
 *   - the journal of changed settings, and its restore
 *   - IRQ affinity
 *   - the audit behind `isolator check` and `isolator apply`: every known
 *     source of latency for a set of CPUs, judged pass, warn, fail or skip
 *     with the evidence read and the fix
 *
 * Internal; not installed, not exported from libisolator.so beyond the
 * ISOLATOR_API functions of include/isolator.h.
 */
#ifndef ISOLATOR_TUNE_H
#define ISOLATOR_TUNE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "isolator.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- errors (errors.c) --------------------------------------------------- */

/* Record a one-line message for isolator_errmsg() and return -err, so a
 * failing path reads: return set_error(EINVAL, "cpu %d is not online", cpu); */
int set_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void clear_error(void);

/* Append printf output to the NUL-terminated string in @buf (@len bytes in
 * all), cutting it at the end of @buf: how `isolator check` builds its
 * evidence and `isolator explain` its findings, a clause at a time. */
void text_appendf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

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

/*
 * Set the setting at @path to @text as a sysfs attribute takes a value: a
 * kill at any instant leaves the old value or the new one. On procfs, sysfs,
 * cgroupfs, debugfs and tracefs, and for anything but a regular file, that is
 * one write(2), as those take a value per write(). A regular file (a fake
 * sysroot's) gets the value staged in ".<name>.isolator-<our pid>" beside it,
 * with its mode, then rename(2)d over it; a kill before the rename leaves
 * that file, which remove_staged_value() and remove_dead_staged_values()
 * take away, and so does the next write_value() of @path. @flags: 0, or
 * O_NOFOLLOW to refuse a symbolic link as @path's last component (-ELOOP).
 * Returns 0 or a negative errno.
 */
int write_value(const char *path, const char *text, int flags);

/* Write all @len bytes of @buf to @fd (a stream: a journal, a staged value),
 * retrying short writes and EINTR. 0 or a negative errno. */
int write_all(int fd, const char *buf, size_t len);

/* write_value(@path, @text, 0): a symbolic link is followed. */
int write_text(const char *path, const char *text);

/* Remove what a write_value() by process @writer, killed before its rename,
 * left beside @path. 0 (also when there is none) or a negative errno. */
int remove_staged_value(const char *path, pid_t writer);

/* Remove what any write_value() of @path killed before its rename left,
 * whose process is gone (a live writer's may be mid-write: kept). 0 (also
 * when there is none, or @path is on a kernel filesystem) or -errno. */
int remove_dead_staged_values(const char *path);

/* Split @path into its directory (into @dir) and its last component (@base,
 * pointing into @path). 0, -EINVAL for a path without a '/' ("foo", ".",
 * "": every caller names a file in a directory, and a bare name would go
 * wherever the cwd is), -EISDIR for a trailing '/', or -ENAMETOOLONG. */
int split_path(const char *path, char *dir, size_t len, const char **base);

/* --- journal of changed settings (journal.c) ----------------------------- */

/*
 * A journal records "path, value before, value we wrote" for every setting
 * changed, fsync'd before the change is made, so that a crash at any point
 * leaves enough on disk to undo exactly what was done. Restoring writes the
 * old value back only where the setting still holds the value we wrote;
 * anything changed since by someone else is left alone and reported.
 */
struct journal;

/* The state directory journals and CPU locks live in: $ISOLATOR_STATE_DIR or
 * /var/lib/isolator (state.c). */
const char *journal_dir(void);

/*
 * Create the journal at @path, owned by this process, for a session that
 * isolates @cpus (NULL: none named), checking every change against the
 * allow-list of settings under @sysroot. Fails (NULL, errno EEXIST, the
 * message in isolator_errmsg()) when @path exists: it is never truncated.
 */
struct journal *journal_create(const char *path, const char *sysroot,
			       const struct isolator_cpuset *cpus);
/* Append one change; fsync'd before returning. -EPERM for a setting not on
 * the allow-list (tune/journal.c). */
int journal_record(struct journal *j, const char *path, const char *old_value,
		   const char *new_value);
void journal_close(struct journal *j);
const char *journal_path(const struct journal *j);

/* The name apply gives its /dev/cpu_dma_latency holder (prctl PR_SET_NAME);
 * restore signals a journaled "process:" only if it still has this name. */
#define JOURNAL_HELPER_NAME "isolator-dma"

/* Outcome of restoring one entry, for reporting. */
enum restore_result {
	RESTORE_DONE,       /* old value written back */
	RESTORE_UNCHANGED,  /* already held the old value */
	RESTORE_SKIPPED,    /* changed by someone else since; left alone */
	RESTORE_FAILED,     /* write refused */
	RESTORE_DAMAGED,    /* the line does not parse; the journal is kept */
	RESTORE_REFUSED,    /* not a setting a journal may name; not touched, kept */
};

/* One entry's outcome. */
struct restore_event {
	const char *journal;      /* the journal file */
	unsigned line;            /* its line, from 1 (the header) */
	const char *path;         /* the setting; NULL for RESTORE_DAMAGED */
	const char *old_value;    /* NULL for RESTORE_DAMAGED */
	enum restore_result result;
	int err;                  /* errno for RESTORE_FAILED */
};
typedef void (*restore_report_fn)(void *arg, const struct restore_event *e);

/*
 * Undo every entry of the journal file at @path, newest first, writing only
 * allow-listed settings under @sysroot (NULL: $ISOLATOR_SYSROOT), then remove
 * the file if every entry was resolved. A line that does not parse is
 * reported (RESTORE_DAMAGED) and the rest restored; the journal is then kept.
 * A torn last line (no newline: a crash mid-write) is a change never made.
 * @report may be NULL.
 * Return: the number of entries restored, or a negative errno (the journal
 * is unreadable, untrusted or not a journal).
 */
int journal_restore(const char *path, const char *sysroot, restore_report_fn report, void *arg);

/* Serialise changes to IRQ affinities between sessions: an exclusive flock
 * on irq.lock beside the journal @journal, held until the fd is closed.
 * fd or -errno (callers go on unlocked: the lock narrows a race, it does not
 * decide anything). */
int journal_irq_lock(const char *journal);

/* The pid that owns a journal file (from its header), or -1. */
pid_t journal_owner(const char *path);
/* The CPUs a journal's session isolated (from its header) into @cpus. 0 or -errno. */
int journal_cpus(const char *path, struct isolator_cpuset *cpus);

/* --- the state directory and CPU ownership (state.c) --------------------- */

/*
 * Open the state directory @dir (creating it 0700 if @create), refusing it
 * unless it is a directory, not a symbolic link, owned by the caller and not
 * writable by group or others. Return: a directory fd, or a negative errno
 * with the reason in isolator_errmsg().
 */
int state_dir_open(const char *dir, int create);
/* Open @name in the state directory @dirfd (named @dir for messages) with
 * O_NOFOLLOW, refusing anything but our own regular file that group and
 * others cannot write (a FIFO is refused, never waited on). fd or -errno. */
int state_open(int dirfd, const char *dir, const char *name, int flags, mode_t mode);

/* A CPU owned by this process, machine-wide. */
struct cpu_claim {
	int fd;           /* the locked <state>/cpu<N>.lock, or -1 */
	unsigned cpu;
};

/*
 * Own @cpu: an exclusive flock on <state>/cpu<N>.lock, held until
 * cpu_release() or the process ends. Return: 0; -EBUSY when another session
 * owns it (isolator_errmsg() names its pid and command); another -errno when
 * the state directory cannot be used.
 */
int cpu_claim(unsigned cpu, struct cpu_claim *claim);
void cpu_release(struct cpu_claim *claim);
/* Whether a session owns @cpu now (this one included); its "pid command"
 * into @buf if not NULL. 1 or 0. */
int cpu_holder(unsigned cpu, char *buf, size_t len);
/*
 * The CPUs that sessions own now, and those the journals in the state
 * directory isolated (apply, or a session that died before it restored),
 * except the journal @skip_journal (ours; may be NULL): IRQs must not be
 * steered onto any of them (journal.c, which reads the headers). 0 or -errno.
 */
int cpus_taken(const char *skip_journal, struct isolator_cpuset *set);

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
 * mask (or to every other online CPU if @cpu was its only one), never onto
 * the CPUs in @keep_off nor onto those other sessions and applies hold
 * (cpus_taken(), read under the IRQ lock and added to @keep_off, so the
 * caller can name them), recording each change in @j first. Counts moved and
 * unmovable IRQs (an IRQ with nowhere left to go counts as unmovable and stays).
 */
int irq_steer_away(const char *sysroot, unsigned cpu, struct isolator_cpuset *keep_off,
		   struct journal *j, unsigned *moved, unsigned *unmovable);

/* --- CPU lists the kernel was booted with (cpuset.c) ---------------------- */

/*
 * The kernel's CPU-list syntax (3, 0-3,7, N, 2-N, all, 0-7:2/4), the one
 * parser behind isolator_cpuset_parse(). N and all stand for the CPUs of
 * @nbits (refused when 0); cpulist_parse() takes @nbits from
 * <sysroot>/sys/devices/system/cpu/possible (else online) when it needs it.
 * Return: 0; -EINVAL malformed (also "" and N without a CPU count);
 * -ERANGE a CPU past @nbits or ISOLATOR_MAX_CPUS.
 */
int cpulist_parse_nbits(const char *text, unsigned nbits, struct isolator_cpuset *set);
int cpulist_parse(const char *sysroot, const char *text, struct isolator_cpuset *set);

/* Whether kernel parameter @param= (isolcpus, nohz_full, rcu_nocbs...) in
 * /proc/cmdline lists @cpu; flags before the list (isolcpus=domain,2) are
 * skipped. 1 or 0. */
int cmdline_lists_cpu(const char *sysroot, const char *param, unsigned cpu);
/* Whether the CPU list in /sys/devices/system/cpu/@file lists @cpu. 1 or 0. */
int sysfs_lists_cpu(const char *sysroot, const char *file, unsigned cpu);

/* --- where cgroup v2 is mounted (sysfs.c) ------------------------------- */

/* The cgroup v2 mount point (under @sysroot) into @out. 0 or -ENOENT. */
int cgroup2_mount(const char *sysroot, char *out, size_t len);

/* --- the audit (tune_check.c) -------------------------------------------- */

/*
 * The values tuned's cpu-partitioning and realtime profiles set, which
 * `check` passes at or above and `apply` raises to: one place for both.
 */
#define TUNE_STAT_INTERVAL_S		10	/* vm.stat_interval */
#define TUNE_HUNG_TASK_TIMEOUT_S	600	/* kernel.hung_task_timeout_secs; 0 (off) passes too */

enum tune_status {
	TUNE_PASS,
	TUNE_WARN,
	TUNE_FAIL,
	TUNE_SKIP, /* cannot be judged here (file absent, not readable) */
};

/* One audit item. */
struct tune_check {
	const char *id;       /* stable identifier, as in the JSON schema */
	const char *title;    /* a few words for the table */
	enum tune_status status;
	char evidence[1024];  /* what was read, and where */
	char fix[512];        /* what to do; "" when nothing */
	char boot[160];       /* kernel parameters that fix it at boot; "" if none */
};

/* Names of the statuses: "pass", "warn", "fail", "skip". */
const char *tune_status_name(enum tune_status status);

/*
 * Run every check for @cpus under @sysroot (NULL: $ISOLATOR_SYSROOT or /).
 * @checks: OUT: an array the caller frees; @count: OUT: its length.
 * Return: 0 or a negative errno (-ENOMEM; -EINVAL for an empty set).
 */
int tune_check_run(const char *sysroot, const struct isolator_cpuset *cpus,
		   struct tune_check **checks, size_t *count);

/* The check with id @id in @checks, or NULL. */
const struct tune_check *tune_check_find(const struct tune_check *checks, size_t count,
					 const char *id);

/*
 * The kernel parameters the failed or warned checks propose, as one line
 * ("isolcpus=domain,managed_irq,1 nohz_full=1 ..."), into @buf; "" when the
 * command line needs nothing. Return: its length.
 */
size_t tune_boot_cmdline(const struct tune_check *checks, size_t count, char *buf, size_t len);

/* The value of kernel parameter @param in /proc/cmdline into @out ("" for a
 * bare flag). Return: 1 if present, 0 if not. */
int cmdline_param(const char *sysroot, const char *param, char *out, size_t len);

/* A kernel hex CPU mask ("3", "00000000,0000000f") to a set and back
 * (the kernel's own format: 32-bit groups, comma separated, the first one
 * without leading zeros unless @width_from gives the text to match). */
int hexmask_parse(const char *text, struct isolator_cpuset *set);
void hexmask_format(const struct isolator_cpuset *set, const char *width_from, char *buf,
		    size_t len);

/* Pids of processes holding /dev/cpu_dma_latency open, up to @max, into @pids.
 * Return: how many were found. */
unsigned dma_latency_holders(const char *sysroot, int *pids, unsigned max);

#endif /* ISOLATOR_TUNE_H */
