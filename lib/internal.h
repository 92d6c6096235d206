/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal interfaces of libisolator, for lib/ and its unit tests only. What
 * the library stands on (sysroot I/O, the journal, IRQ steering, errors) is
 * the tuning engine's, in tune/tune.h. Not installed; not exported from
 * libisolator.so.
 */
#ifndef ISOLATOR_INTERNAL_H
#define ISOLATOR_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <stdatomic.h>

#include "isolator.h"

#include "../tune/tune.h"
#include "stock.h"

/* --- channels a peer can truncate (chan_guard.c) ------------------------ */

/* Guard the mapping @map of @len bytes of @fd against a peer shrinking the
 * file (a SIGBUS there maps zeros and marks the channel broken), unless the
 * file is sealed against it. 0 or a negative errno. */
int chan_guard_add(void *map, size_t len, int fd);
void chan_guard_remove(void *map);
/* Whether the SIGBUS handler broke the guarded mapping @map. */
int chan_guard_broken(const void *map);
/* How many mappings the SIGBUS handler has broken so far (a release RMW
 * after it marks one): isolator_poll_all() reads it relaxed, once a call,
 * and looks at its channels again only when it changed. */
extern atomic_uint chan_guard_breaks;

/* --- the counter (clock.c) ---------------------------------------------- */

/* The frequency to use: a register's (arm64 CNTFRQ_EL0) within 2% of the one
 * measured against CLOCK_MONOTONIC_RAW, else the measured one. */
uint64_t clock_pick_counter_hz(uint64_t reg_hz, uint64_t measured_hz);

/* --- kernel backend (kernel.c) ------------------------------------------- */

/* How the kernel extension is reached: its prctl(), or the control file of
 * an older series. */
enum kernel_via { KERNEL_VIA_NONE, KERNEL_VIA_PRCTL, KERNEL_VIA_CONTROL };
enum kernel_cmd { KERNEL_START, KERNEL_TICK, KERNEL_STOP };
/* prctl(option, arg, 0, 0, 0) as 0 or -errno; tests pass a fake one. */
typedef int (*kernel_prctl_fn)(int option, unsigned long arg);

/* Run @cmd with @bits (ISOLATOR_MASK_* or ISOLATOR_TICK_*): through *@via
 * if one was found already, else the prctl() first, falling back to
 * @sysroot's /proc/isolator/control only when the kernel does not announce
 * the prctl(); sets *@via to the path that worked. @pr NULL is prctl(2).
 * 0 or -errno, with isolator_errmsg() set. */
int kernel_command(const char *sysroot, kernel_prctl_fn pr, enum kernel_cmd cmd, unsigned bits,
		   enum kernel_via *via);
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
/* The /proc/isolator/stats format this library reads (its "version N" line;
 * a file without one is the same format, from an older series). */
#define ISOLATOR_STATS_VERSION 1
struct isolator_counts *counts_new(void);

/* The CPU the calling thread is pinned to, or a negative errno (-EINVAL if
 * not exactly one). */
int pinned_cpu(void);

#endif /* ISOLATOR_INTERNAL_H */
