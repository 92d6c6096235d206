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

#include "isolator.h"

#include "../tune/tune.h"
#include "stock.h"

/* --- channels a peer can truncate (chan_guard.c) ------------------------ */

/* Guard the mapping @map of @len bytes of @fd against a peer shrinking the
 * file (a SIGBUS there maps zeros and marks the channel broken), unless the
 * file is sealed against it. 0 or a negative errno. */
int chan_guard_add(void *map, size_t len, int fd);
void chan_guard_remove(void *map);

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
