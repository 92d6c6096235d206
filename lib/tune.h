/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit behind `isolator check` and `isolator apply`: every known source
 * of latency for a set of CPUs, each judged pass, warn, fail or skip with the
 * evidence read and the fix. Everything is read through sysroot_path(), so
 * the tests run it on fake trees. Internal; not exported from libisolator.so.
 */
#ifndef ISOLATOR_TUNE_H
#define ISOLATOR_TUNE_H

#include <stddef.h>

#include "isolator.h"

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
