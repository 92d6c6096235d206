// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* Bucket of a value: identity below BENCH_EXACT_NS; above, the power of two
 * and the top BENCH_SUB_BITS bits under the leading one. */
static unsigned bucket_of(uint64_t ns)
{
	unsigned pow, sub;

	if (ns < BENCH_EXACT_NS)
		return (unsigned)ns;
	pow = 63u - (unsigned)__builtin_clzll(ns);  /* >= 12 */
	if (pow >= BENCH_MAX_POW)
		return BENCH_BUCKETS - 1;
	sub = (unsigned)(ns >> (pow - BENCH_SUB_BITS)) & ((1u << BENCH_SUB_BITS) - 1);
	return BENCH_EXACT_NS + (pow - 12) * (1u << BENCH_SUB_BITS) + sub;
}

/* Largest value that falls in bucket @b (for exact buckets, the value). */
uint64_t bench_hist_bucket_top(unsigned b)
{
	unsigned pow, sub;

	if (b < BENCH_EXACT_NS)
		return b;
	pow = 12 + (b - BENCH_EXACT_NS) / (1u << BENCH_SUB_BITS);
	sub = (b - BENCH_EXACT_NS) % (1u << BENCH_SUB_BITS);
	return ((1ull << pow) | ((uint64_t)(sub + 1) << (pow - BENCH_SUB_BITS))) - 1;
}

void bench_hist_init(struct bench_hist *h, uint64_t threshold_ns)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
	h->threshold_ns = threshold_ns;
}

void bench_hist_add(struct bench_hist *h, uint64_t ns)
{
	h->bucket[bucket_of(ns)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (h->threshold_ns && ns > h->threshold_ns)
		h->over_threshold++;
}

void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from)
{
	for (unsigned b = 0; b < BENCH_BUCKETS; b++)
		into->bucket[b] += from->bucket[b];
	into->count += from->count;
	into->sum_ns += from->sum_ns;
	into->over_threshold += from->over_threshold;
	if (from->min_ns < into->min_ns)
		into->min_ns = from->min_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
}

uint64_t bench_hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	if (q <= 0)
		return h->min_ns;
	if (q >= 1)
		return h->max_ns;
	/* the smallest value with at least ceil(q * count) samples at or below */
	rank = (uint64_t)ceill((long double)q * h->count);
	if (!rank)
		rank = 1;
	for (unsigned b = 0; b < BENCH_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank) {
			uint64_t top = bench_hist_bucket_top(b);

			return top > h->max_ns ? h->max_ns : top;
		}
	}
	return h->max_ns;
}

void bench_hist_summary(const struct bench_hist *h, struct bench_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->count = h->count;
	s->threshold_ns = h->threshold_ns;
	if (!h->count)
		return;
	s->min_ns = h->min_ns;
	s->max_ns = h->max_ns;
	s->avg_ns = (double)(h->sum_ns / h->count);
	s->p50_ns = bench_hist_quantile(h, 0.50);
	s->p99_ns = bench_hist_quantile(h, 0.99);
	s->p9999_ns = bench_hist_quantile(h, 0.9999);
	s->jitter_ns = h->max_ns - h->min_ns;
	s->over_threshold = h->over_threshold;
}

int bench_histogram_unit(const struct bench_hist *const *hists, unsigned n)
{
	/* sub-microsecond results (this project's) would all land in the
	 * first 1 us bucket: count them in ns when every curve's p99 is
	 * under 1 us */
	for (unsigned i = 0; i < n; i++)
		if (hists[i]->count && bench_hist_quantile(hists[i], 0.99) >= 1000)
			return 1000;
	return 1;
}

int bench_histogram_write(FILE *f, const struct bench_hist *const *hists, const char *const *labels,
			  unsigned n, uint64_t max_ns, unsigned unit_ns)
{
	const char *unit = unit_ns == 1 ? "ns" : "us";
	uint64_t rows = max_ns / unit_ns;
	/* per curve: samples in each [v, v + unit) row, then overflows */
	uint64_t *per = NULL;

	if (unit_ns != 1 && unit_ns != 1000)
		return -EINVAL;
	if (rows < 1)
		rows = 1;
	if (rows > 100000000ull)
		return -E2BIG;
	per = calloc((size_t)n * (rows + 1), sizeof(*per));
	if (!per)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		for (unsigned b = 0; b < BENCH_BUCKETS; b++) {
			uint64_t v;

			if (!hists[i]->bucket[b])
				continue;
			v = bench_hist_bucket_top(b) / unit_ns;
			per[(size_t)i * (rows + 1) + (v < rows ? v : rows)] += hists[i]->bucket[b];
		}
	if (unit_ns == 1)
		fprintf(f, "# isolator histogram: latency (ns), 1 ns buckets, then samples per curve:");
	else
		fprintf(f, "# isolator histogram, cyclictest format: latency (us), then samples per curve:");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %s", labels[i]);
	fputc('\n', f);
	for (uint64_t v = 0; v < rows; v++) {
		fprintf(f, "%06llu", (unsigned long long)v);
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "%s%06llu", i ? "\t" : " ",
				(unsigned long long)per[(size_t)i * (rows + 1) + v]);
		fputc('\n', f);
	}
	/* cyclictest's trailer; in ns mode each title names its unit, so a
	 * reader that expects us cannot take ns for us */
#define ROW(title, expr)                                                           \
	do {                                                                       \
		if (unit_ns == 1)                                                  \
			fprintf(f, "# %s (%s):", title, unit);                     \
		else                                                               \
			fprintf(f, "# %s:", title);                                \
		for (unsigned i = 0; i < n; i++)                                   \
			fprintf(f, " %05llu", (unsigned long long)(expr));         \
		fputc('\n', f);                                                    \
	} while (0)
	fprintf(f, "# Total:");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %05llu", (unsigned long long)hists[i]->count);
	fputc('\n', f);
	ROW("Min Latencies", hists[i]->count ? hists[i]->min_ns / unit_ns : 0);
	ROW("Avg Latencies",
	    hists[i]->count ? (uint64_t)(hists[i]->sum_ns / hists[i]->count) / unit_ns : 0);
	ROW("Max Latencies", hists[i]->max_ns / unit_ns);
#undef ROW
	fprintf(f, "# Histogram Overflows:");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %05llu", (unsigned long long)per[(size_t)i * (rows + 1) + rows]);
	fputc('\n', f);
	free(per);
	return ferror(f) ? -EIO : 0;
}
