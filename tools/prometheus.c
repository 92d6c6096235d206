// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `isolator stat --prometheus FILE`: node_exporter textfile-collector
 * metrics, so a fleet can watch its isolated cores. The file is written to
 * FILE.tmp and renamed, as the collector asks, so it never sees half a file.
 *
 *   isolator_interrupts_total{cpu,kind,type}   counter, since boot (hard/soft)
 *   isolator_kernel_events_total{cpu,kind}     counter, kernel extension
 *   isolator_kernel_max_tick_seconds{cpu}      gauge, kernel extension
 *   isolator_kernel_extension                  gauge, 1 if /proc/isolator exists
 *   isolator_bench_latency_seconds{test,mode,quantile}  summary, from a bench --json
 *                                              file: quantile 0 is the min, 1 the max,
 *                                              with _sum and _count as a summary needs
 *   isolator_bench_samples{test,mode}          gauge, the same count
 *
 * `promtool check metrics` accepts the file (tests/prom_cli.sh runs it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tune/tune.h"
#include "../util/util.h"
#include "prometheus.h"

static void interrupts(FILE *f, const struct isolator_counts *c, const struct isolator_cpuset *cpus)
{
	fprintf(f, "# HELP isolator_interrupts_total Interrupts taken per CPU by kind since boot "
		   "(/proc/interrupts, /proc/softirqs).\n"
		   "# TYPE isolator_interrupts_total counter\n");
	for (unsigned cpu = 0; cpu < isolator_counts_ncpus(c); cpu++) {
		if (cpus && !isolator_cpuset_has(cpus, cpu))
			continue;
		for (int k = ISOLATOR_KIND_FIRST_IRQ; k <= ISOLATOR_KIND_LAST_IRQ; k++)
			fprintf(f, "isolator_interrupts_total{cpu=\"%u\",kind=\"%s\",type=\"%s\"} %llu\n",
				cpu, isolator_kind_name((enum isolator_kind)k),
				k >= ISOLATOR_KIND_SOFT_HI ? "soft" : "hard",
				(unsigned long long)isolator_counts_get(c, cpu, (enum isolator_kind)k));
	}
}

static void kernel(FILE *f, const struct isolator_counts *c, const struct isolator_cpuset *cpus)
{
	int have = isolator_counts_have_kernel(c);

	fprintf(f, "# HELP isolator_kernel_extension 1 if the isolator kernel extension "
		   "(/proc/isolator) is present.\n# TYPE isolator_kernel_extension gauge\n"
		   "isolator_kernel_extension %d\n", have);
	if (!have)
		return;
	fprintf(f, "# HELP isolator_kernel_events_total What the kernel extension blocked, "
		   "deferred or reported per CPU.\n# TYPE isolator_kernel_events_total counter\n");
	for (unsigned cpu = 0; cpu < isolator_counts_ncpus(c); cpu++) {
		if (cpus && !isolator_cpuset_has(cpus, cpu))
			continue;
		for (int k = ISOLATOR_KIND_FIRST_X; k < ISOLATOR_KIND_COUNT; k++)
			if (k != ISOLATOR_KIND_X_MAX_TICK_NS)
				fprintf(f, "isolator_kernel_events_total{cpu=\"%u\",kind=\"%s\"} %llu\n", cpu,
					isolator_kind_name((enum isolator_kind)k),
					(unsigned long long)isolator_counts_get(c, cpu, (enum isolator_kind)k));
	}
	fprintf(f, "# HELP isolator_kernel_max_tick_seconds Longest isolator_tick() per CPU.\n"
		   "# TYPE isolator_kernel_max_tick_seconds gauge\n");
	for (unsigned cpu = 0; cpu < isolator_counts_ncpus(c); cpu++)
		if (!cpus || isolator_cpuset_has(cpus, cpu))
			fprintf(f, "isolator_kernel_max_tick_seconds{cpu=\"%u\"} %.9f\n", cpu,
				(double)isolator_counts_get(c, cpu, ISOLATOR_KIND_X_MAX_TICK_NS) / 1e9);
}

/* The string value of "key": in @from (the bench JSON is compact, but allow
 * spaces); copies at most @len - 1 characters of it, no escapes expected. */
static int json_str(const char *from, const char *end, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(from, pat);
	if (!p || (end && p >= end))
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	if (*p++ != '"' || !(q = strchr(p, '"')))
		return -1;
	snprintf(out, len, "%.*s", (int)(q - p), p);
	return 0;
}

static int json_num(const char *from, const char *end, const char *key, double *out)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(from, pat);
	if (!p || (end && p >= end))
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	*out = strtod(p, NULL);
	return 0;
}

/* Every {"mode":..,"count":..,"latency_ns":{..}} of an isolator-bench/1 file. */
static int bench(FILE *f, const char *file)
{
	static const struct { const char *key, *q; } qs[] = {
		{ "min", "0" }, { "p50", "0.5" }, { "p99", "0.99" }, { "p9999", "0.9999" }, { "max", "1" },
	};
	char test[32], mode[64], *text;
	const char *p;
	int header = 0, samples_header = 0;
	const char *start, *stop;
	char seen[16][64];
	unsigned nseen;

	text = read_file_alloc(file, NULL);
	if (!text)
		return fail("stat: --bench %s: %s", file, strerror(errno)), -1;
	if (!strstr(text, "isolator-bench/1") || json_str(text, NULL, "test", test, sizeof(test))) {
		free(text);
		return fail("stat: --bench %s: not the --json output of isolator bench", file), -1;
	}
	/* "results" only ("split" repeats modes), each mode once; two passes,
	 * because the lines of one metric family must stay together */
	start = strstr(text, "\"results\"");
	stop = start ? strstr(start, "\"split\"") : NULL;
	for (int pass = 0; pass < 2 && start; pass++)
		for (p = strstr(start, "\"mode\""), nseen = 0; p && (!stop || p < stop);
		     p = strstr(p + 1, "\"mode\"")) {
			const char *lat = strstr(p, "\"latency_ns\""), *end = lat ? strchr(lat, '}') : NULL;
			double count = 0, v;
			int dup = 0;

			if (!end || json_str(p, lat, "mode", mode, sizeof(mode)))
				continue;
			for (unsigned i = 0; i < nseen; i++)
				dup |= !strcmp(seen[i], mode);
			if (dup || nseen == ARRAY_SIZE(seen))
				continue;
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", mode);
			if (pass == 1) {
				if (!samples_header++)
					fprintf(f, "# HELP isolator_bench_samples Samples behind the last "
						   "isolator bench result.\n# TYPE isolator_bench_samples gauge\n");
				json_num(p, lat, "count", &count);
				fprintf(f, "isolator_bench_samples{test=\"%s\",mode=\"%s\"} %.0f\n", test,
					mode, count);
				continue;
			}
			if (!header++)
				fprintf(f, "# HELP isolator_bench_latency_seconds Last isolator bench result "
					   "by quantile (0 = min, 1 = max).\n"
					   "# TYPE isolator_bench_latency_seconds summary\n");
			for (size_t i = 0; i < ARRAY_SIZE(qs); i++)
				if (!json_num(lat, end, qs[i].key, &v))
					fprintf(f, "isolator_bench_latency_seconds{test=\"%s\",mode=\"%s\","
						   "quantile=\"%s\"} %.9f\n", test, mode, qs[i].q, v / 1e9);
			/* a summary is its quantiles plus _sum and _count; the
			 * mean times the count gives the sum */
			json_num(p, lat, "count", &count);
			if (json_num(lat, end, "avg", &v))
				v = 0;
			fprintf(f, "isolator_bench_latency_seconds_sum{test=\"%s\",mode=\"%s\"} %.9f\n"
				   "isolator_bench_latency_seconds_count{test=\"%s\",mode=\"%s\"} %.0f\n",
				test, mode, v * count / 1e9, test, mode, count);
		}
	free(text);
	if (!header)
		return fail("stat: --bench %s: no results in it", file), -1;
	return 0;
}

int prometheus_write(const char *file, const struct isolator_counts *counts,
		     const struct isolator_cpuset *cpus, const char *bench_file)
{
	char tmp[1024];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return fail("stat: --prometheus %s: %s", tmp, strerror(errno)), -1;
	interrupts(f, counts, cpus);
	kernel(f, counts, cpus);
	if (bench_file && bench(f, bench_file) < 0) {
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fflush(f) || ferror(f) | fclose(f) || rename(tmp, file) < 0) {
		int err = errno;

		unlink(tmp);
		return fail("stat: --prometheus %s: %s", file, strerror(err)), -1;
	}
	return 0;
}
