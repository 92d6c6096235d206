/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stock backend's system-wide half (stock.c), apart from the thread
 * half so that `isolator run` can hold it for a child it exec()s. Internal;
 * not exported from libisolator.so.
 */
#ifndef ISOLATOR_STOCK_H
#define ISOLATOR_STOCK_H

#include <sys/types.h>

#include "../tune/tune.h"
#include "isolator.h"

struct stock_system {
	int cpu;
	struct cpu_claim claim;   /* this session owns the CPU machine-wide */
	int dma_fd;               /* /dev/cpu_dma_latency, or -1 */
	struct journal *journal;  /* NULL when nothing system-wide was changed */
	char journal_file[512];
	char cpuset_dir[512];     /* partition we created, or "" */
	char cpuset_orig[512];    /* cgroup the process came from */
	unsigned applied, failed;
	unsigned irqs_moved, irqs_unmovable;
	char reasons[1024];       /* why steps failed, one per line */
};

/*
 * Own @cpu (tune/state.c), then take the system-wide steps @params ask for,
 * noting each one that fails. Return: 0 (steps may have failed: see
 * sys->failed and sys->reasons); -EBUSY when another session owns the CPU,
 * or another -errno when root finds the state directory untrusted or cannot
 * create the session's journal (-EEXIST: its name is taken): nothing was
 * changed, and isolator_errmsg() says why. Without root nothing
 * system-wide can change, so the steps are noted as needing it instead.
 */
int stock_system_apply(struct stock_system *sys, const char *sysroot, unsigned cpu,
		       const struct isolator_params *params, pid_t pid);
int stock_system_restore(struct stock_system *sys, const char *sysroot);

/* Which interrupt sources remain on @cpu given what was applied. */
unsigned stock_remaining_sources(const char *sysroot, unsigned cpu, unsigned applied);

#endif /* ISOLATOR_STOCK_H */
