// SPDX-License-Identifier: GPL-2.0-or-later
/* The benchmark core against known sample sets: summary, percentiles,
 * cyclictest histogram, JSON. */
#include <stdlib.h>

#include "bench.h"
#include "tap.h"

int main(void)
{
	struct bench_hist h, h2;
	struct bench_summary s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	bench_hist_init(&h, 100);
	for (uint64_t v = 1; v <= 1000; v++)
		bench_hist_add(&h, v);
	bench_hist_summary(&h, &s);
	is_int(s.count, 1000, "count");
	is_int(s.min_ns, 1, "min");
	is_int(s.max_ns, 1000, "max");
	ok(s.avg_ns > 500.49 && s.avg_ns < 500.51, "avg 500.5 (%.2f)", s.avg_ns);
	is_int(s.p50_ns, 500, "p50 of 1..1000 is 500 (exact region)");
	is_int(s.p99_ns, 990, "p99 is 990");
	is_int(s.p9999_ns, 1000, "p99.99 is 1000");
	is_int(s.jitter_ns, 999, "jitter = max - min");
	is_int(s.over_threshold, 900, "900 samples over 100 ns");

	/* beyond the exact region: an upper bucket edge, within 1.6%, never below */
	bench_hist_init(&h2, 0);
	for (int i = 0; i < 99; i++)
		bench_hist_add(&h2, 10000);
	bench_hist_add(&h2, 5000000);
	bench_hist_summary(&h2, &s);
	ok(s.p50_ns >= 10000 && s.p50_ns <= 10160, "p50 of 10 us samples ~10000 (%llu)",
	   (unsigned long long)s.p50_ns);
	is_int(s.max_ns, 5000000, "max exact");
	is_int(s.p9999_ns, 5000000, "p99.99 clamps to max");
	is_int(s.over_threshold, 0, "no threshold, nothing over");
	is_int(bench_hist_quantile(&h2, 0), 10000, "q=0 is min");

	bench_hist_merge(&h, &h2);
	is_int(h.count, 1100, "merge adds counts");
	is_int(h.max_ns, 5000000, "merge keeps max");

	struct bench_hist empty;
	bench_hist_init(&empty, 0);
	bench_hist_summary(&empty, &s);
	ok(s.count == 0 && s.max_ns == 0 && s.p99_ns == 0, "empty histogram summarises to zeros");

	/* cyclictest format */
	bench_hist_init(&h, 0);
	bench_hist_add(&h, 500);   /* 0 us */
	bench_hist_add(&h, 1500);  /* 1 us */
	bench_hist_add(&h, 1700);  /* 1 us */
	bench_hist_add(&h, 50000); /* overflow at max_us 10 */
	const struct bench_hist *hs[] = { &h, &empty };
	const char *labels[] = { "poll", "wake" };
	f = open_memstream(&buf, &len);
	is_int(bench_histogram_write(f, hs, labels, 2, 10000, 1000), 0, "histogram written");
	fclose(f);
	ok(strstr(buf, "\n000000 000001\t000000\n") != NULL, "bucket 0 us");
	ok(strstr(buf, "\n000001 000002\t000000\n") != NULL, "bucket 1 us has two");
	ok(strstr(buf, "# Total: 00004 00000\n") != NULL, "total row");
	ok(strstr(buf, "# Max Latencies: 00050 00000\n") != NULL, "max row in us");
	ok(strstr(buf, "# Histogram Overflows: 00001 00000\n") != NULL, "overflow row");
	ok(strstr(buf, "latency (us)") != NULL, "us: the unit in the header");
	free(buf);
	is_int(bench_histogram_unit(hs, 2), 1000, "a p99 of 1.7 us: us buckets");

	/* ns buckets for sub-microsecond results */
	bench_hist_init(&h, 0);
	bench_hist_add(&h, 250);
	bench_hist_add(&h, 251);
	bench_hist_add(&h, 470);
	bench_hist_add(&h, 20000); /* past 10 us: overflow */
	for (int i = 0; i < 200; i++)
		bench_hist_add(&h, 300);
	is_int(bench_histogram_unit(hs, 1), 1, "every p99 under 1 us: ns buckets");
	buf = NULL;
	f = open_memstream(&buf, &len);
	is_int(bench_histogram_write(f, hs, labels, 1, 10000, 1), 0, "ns histogram written");
	fclose(f);
	ok(strstr(buf, "latency (ns), 1 ns buckets") != NULL, "ns: the unit in the header");
	ok(strstr(buf, "\n000250 000001\n000251 000001\n") != NULL, "1 ns buckets");
	ok(strstr(buf, "\n000300 000200\n") != NULL, "200 samples at 300 ns");
	ok(strstr(buf, "\n000470 000001\n") != NULL, "470 ns in its own bucket");
	ok(strstr(buf, "# Min Latencies (ns): 00250\n") != NULL, "min in ns, not 0 us");
	ok(strstr(buf, "# Histogram Overflows: 00001\n") != NULL, "overflow past 10 us");
	ok(strstr(buf, "\n009999 ") != NULL && !strstr(buf, "\n010000 "), "rows up to max_ns");
	free(buf);

	/* JSON */
	buf = NULL;
	f = open_memstream(&buf, &len);
	struct json j;
	json_init(&j, f);
	json_object_begin(&j);
	json_key(&j, "schema");
	json_string(&j, "isolator-bench/1");
	json_key(&j, "results");
	json_array_begin(&j);
	json_object_begin(&j);
	json_key(&j, "mode");
	json_string(&j, "p\"q\n");
	json_key(&j, "x");
	json_double(&j, 0.0 / 0.0);
	json_object_end(&j);
	json_uint(&j, 7);
	json_array_end(&j);
	json_object_end(&j);
	fclose(f);
	is_str(buf, "{\"schema\":\"isolator-bench/1\",\"results\":[{\"mode\":\"p\\\"q\\u000a\",\"x\":null},7]}\n",
	       "JSON with nesting, escapes, NaN as null");
	free(buf);
	return done_testing();
}
