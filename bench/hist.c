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

int bench_histogram_write(FILE *f, const struct bench_hist *const *hists, const char *const *labels,
			  unsigned n, unsigned max_us)
{
	/* per curve: samples in each [us, us + 1) microsecond, then overflows */
	uint64_t *per_us = calloc((size_t)n * (max_us + 1), sizeof(*per_us));

	if (!per_us)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		for (unsigned b = 0; b < BENCH_BUCKETS; b++) {
			uint64_t us = bench_hist_bucket_top(b) / 1000;

			per_us[(size_t)i * (max_us + 1) + (us < max_us ? us : max_us)] +=
				hists[i]->bucket[b];
		}
	fprintf(f, "# isolator histogram, cyclictest format: latency (us), then samples per curve:");
	for (unsigned i = 0; i < n; i++)
		fprintf(f, " %s", labels[i]);
	fputc('\n', f);
	for (unsigned us = 0; us < max_us; us++) {
		fprintf(f, "%06u", us);
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "%s%06llu", i ? "\t" : " ",
				(unsigned long long)per_us[(size_t)i * (max_us + 1) + us]);
		fputc('\n', f);
	}
#define ROW(title, expr)                                                   \
	do {                                                               \
		fprintf(f, "# %s", title);                                 \
		for (unsigned i = 0; i < n; i++)                           \
			fprintf(f, " %05llu", (unsigned long long)(expr)); \
		fputc('\n', f);                                            \
	} while (0)
	ROW("Total:", hists[i]->count);
	ROW("Min Latencies:", hists[i]->count ? hists[i]->min_ns / 1000 : 0);
	ROW("Avg Latencies:", hists[i]->count ? (uint64_t)(hists[i]->sum_ns / hists[i]->count) / 1000 : 0);
	ROW("Max Latencies:", hists[i]->max_ns / 1000);
	ROW("Histogram Overflows:", per_us[(size_t)i * (max_us + 1) + max_us]);
#undef ROW
	free(per_us);
	return ferror(f) ? -EIO : 0;
}
