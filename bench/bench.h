/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The benchmark core shared by every `isolator bench` test: a latency
 * histogram that holds days of samples in fixed memory, its summary
 * (min/avg/percentiles/max/jitter/over-threshold), cyclictest-format
 * histogram files, and the machine description every output carries (the
 * JSON emitter is util/json.h, shared with the other commands).
 */
#ifndef ISOLATOR_BENCH_H
#define ISOLATOR_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "../util/json.h"

/*
 * Latency histogram: exact 1 ns buckets below BENCH_EXACT_NS, then 64
 * log-linear buckets per power of two (under 1.6% wide) up to 2^40 ns. A
 * 24-hour run at a 2 us period (4.3e10 samples) fits, which an array of
 * samples would not. Percentiles below BENCH_EXACT_NS are exact; above, they
 * are the upper edge of their bucket (never an underestimate).
 */
#define BENCH_EXACT_NS 4096u
#define BENCH_SUB_BITS 6
#define BENCH_MAX_POW 40
#define BENCH_BUCKETS (BENCH_EXACT_NS + (BENCH_MAX_POW - 12) * (1u << BENCH_SUB_BITS))

struct bench_hist {
	uint64_t count;
	uint64_t min_ns, max_ns;
	long double sum_ns;
	uint64_t over_threshold; /* samples > threshold_ns */
	uint64_t threshold_ns;   /* 0: none */
	uint64_t bucket[BENCH_BUCKETS];
};

struct bench_summary {
	uint64_t count;
	uint64_t min_ns, max_ns, p50_ns, p99_ns, p9999_ns;
	double avg_ns;
	uint64_t jitter_ns;      /* max - min */
	uint64_t over_threshold;
	uint64_t threshold_ns;
};

void bench_hist_init(struct bench_hist *h, uint64_t threshold_ns);
void bench_hist_add(struct bench_hist *h, uint64_t ns);
/* Merge @from into @into (same threshold). */
void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from);
/* Largest value that falls in bucket @b (for an exact bucket, the value). */
uint64_t bench_hist_bucket_top(unsigned b);
/* Value at quantile @q in [0, 1]; 0 for an empty histogram. */
uint64_t bench_hist_quantile(const struct bench_hist *h, double q);
void bench_hist_summary(const struct bench_hist *h, struct bench_summary *out);

/*
 * Write histograms in cyclictest's --histfile layout: one line per bucket
 * "%06d %06llu\t%06llu..." (one column per curve) up to @max_ns, then
 * "# Total:", the minimum, average and maximum, and "# Histogram
 * Overflows:" for samples past @max_ns. @unit_ns 1000 is cyclictest's own
 * format (1 us buckets, values in us); 1 counts in 1 ns buckets, and the
 * header and every trailer title say "(ns)".
 * Return: 0 or a negative errno (-EINVAL unit, -E2BIG too many rows).
 */
int bench_histogram_write(FILE *f, const struct bench_hist *const *hists, const char *const *labels,
			  unsigned n, uint64_t max_ns, unsigned unit_ns);
/* The unit a histogram of these curves should have: 1 (ns) when every p99
 * is under 1 us, else 1000 (us). */
int bench_histogram_unit(const struct bench_hist *const *hists, unsigned n);

/* A whole summary as {"min":..,"avg":..,"p50":..,"p99":..,"p9999":..,"max":..}. */
void json_summary(struct json *j, const struct bench_summary *s);

/* --- the machine ------------------------------------------------------------ */

struct bench_machine {
	char cpu_model[128];
	char kernel[160];      /* uname -r and -v */
	int preempt_rt;
	const char *backend;   /* "kernel" or "stock" */
	int cpu;               /* the CPU under test */
	int isolated;          /* 1 if isolator_start() succeeded on it */
	int virtualized;       /* the hypervisor CPU flag is set */
	unsigned long long tsc_hz;
};

void bench_machine_describe(struct bench_machine *m, int cpu, int isolated);
/* "# machine: ..." lines for the readable table. */
void bench_machine_print(FILE *f, const struct bench_machine *m);
/* "machine": {...} into an open JSON object. */
void bench_machine_json(struct json *j, const struct bench_machine *m);

/* A readable table row: "%-10s" label then the summary in ns. */
void bench_summary_header(FILE *f);
void bench_summary_row(FILE *f, const char *label, const struct bench_summary *s);

/* `isolator bench ipc` (bench/ipc.c): channels vs floor, futex, eventfd, pipe, ck_ring, rte_ring. */
int bench_ipc(int argc, char **argv);

#endif
