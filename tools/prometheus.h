/* SPDX-License-Identifier: GPL-2.0-or-later */
/* node_exporter textfile-collector output of `isolator stat --prometheus`. */
#ifndef ISOLATOR_PROMETHEUS_H
#define ISOLATOR_PROMETHEUS_H

#include "isolator.h"

/*
 * Write @counts (cumulative, since boot) for @cpus (NULL: all) and, if
 * @bench_file names an `isolator bench --json` output, its percentiles, to
 * @file atomically (FILE.tmp.PID, then rename).
 * Return: 0, or -1 after printing one line on stderr.
 */
int prometheus_write(const char *file, const struct isolator_counts *counts,
		     const struct isolator_cpuset *cpus, const char *bench_file);

#endif
