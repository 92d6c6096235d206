// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator explain's reader and rules on the fixtures of tests/data/explain:
 * the question's report verbatim, and reports the real tools printed on the
 * development VM (see tests/data/explain/README.md for the commands). Each
 * fixture's .expect lists the findings it must give (id, kind, quoted line),
 * judged against the fake machine in tests/data/explain/sysroot. Then bad
 * input (empty, truncated, binary, another tool's file) and a deterministic
 * mutation fuzz of every fixture: each input is read or refused with a
 * reason, never crashes (check-asan runs it with exact-size buffers).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../tune/tune.h"
#include "../tools/explain.h"
#include "tap.h"

#define ROUNDS 1500 /* per fixture */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static const char interesting[] = "0123456789.:{}[]\",-#PT \n\t\r\033\0xus%";

static size_t mutate(char *buf, size_t len, size_t cap)
{
	unsigned n = 1 + next() % 8;

	for (unsigned k = 0; k < n; k++) {
		size_t at = len ? next() % len : 0;

		switch (next() % 6) {
		case 0:
			if (len)
				buf[at] ^= (char)(1u << (next() % 8));
			break;
		case 1:
			if (len)
				buf[at] = interesting[next() % (sizeof(interesting) - 1)];
			break;
		case 2:
			if (len + 1 < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = interesting[next() % (sizeof(interesting) - 1)];
				len++;
			}
			break;
		case 3:
			if (len) {
				size_t d = 1 + next() % 32;

				if (at + d > len)
					d = len - at;
				memmove(buf + at, buf + at + d, len - at - d);
				len -= d;
			}
			break;
		case 4: /* a run of digits: overflows */
			for (unsigned d = next() % 30; d && len + 1 < cap; d--) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (char)('0' + next() % 10);
				len++;
			}
			break;
		case 5:
			len = at;
			break;
		}
	}
	return len;
}

static char *read_fixture(const char *name, size_t *len)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "explain/%s", name);
	return read_file_alloc(data_path(rel), len);
}

static int parse_text(const char *text, struct xreport *r, char *why, size_t wl)
{
	/* an exact-size copy, not NUL-terminated: a read past the end is ASan's */
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int err;

	memcpy(copy, text, len);
	err = explain_parse(copy, len, r, why, wl);
	free(copy);
	return err;
}

/* Every finding of @fixture against its .expect, in order. */
static void check_fixture(const char *fixture, const char *sysroot, struct xreport *r,
			  struct xfindings *fs)
{
	char why[256], expect[512], *text, *want, *line, *save = NULL;
	size_t len;
	unsigned i = 0, mismatches = 0;
	int err;

	snprintf(expect, sizeof(expect), "%.*s.expect", (int)(strrchr(fixture, '.') - fixture), fixture);
	text = read_fixture(fixture, &len);
	want = read_fixture(expect, NULL);
	if (!ok(text && want, "%s: fixture and %s read", fixture, expect)) {
		free(text);
		free(want);
		return;
	}
	err = explain_parse(text, len, r, why, sizeof(why));
	if (!ok(err == 0, "%s: read as a report", fixture)) {
		diag("%d: %s", err, why);
		goto out;
	}
	explain_rules(r, sysroot, -1, NULL, fs);
	for (line = strtok_r(want, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char id[64], kind[32];
		unsigned qline;

		if (line[0] == '#') {
			char fmt[64];
			unsigned n;

			if (sscanf(line, "# format %63[^,], %u series", fmt, &n) == 2 &&
			    (strcmp(fmt, r->format_name) || n != r->nseries)) {
				diag("format %s with %u series, want %s with %u", r->format_name,
				     r->nseries, fmt, n);
				mismatches++;
			}
			continue;
		}
		if (sscanf(line, "%63s %31s %u", id, kind, &qline) != 3)
			continue;
		if (i >= fs->n || strcmp(fs->f[i].id, id) || strcmp(explain_kind_name(fs->f[i].kind), kind) ||
		    fs->f[i].quote.line != qline) {
			diag("finding %u: got %s %s %u, want %s %s %u", i,
			     i < fs->n ? fs->f[i].id : "(none)",
			     i < fs->n ? explain_kind_name(fs->f[i].kind) : "", i < fs->n ? fs->f[i].quote.line : 0,
			     id, kind, qline);
			mismatches++;
		}
		i++;
	}
	if (i != fs->n) {
		diag("%u findings, want %u", fs->n, i);
		mismatches++;
	}
	ok(!mismatches, "%s: the findings of %s", fixture, expect);
	for (unsigned k = 0; k < fs->n; k++)
		if (!fs->f[k].cause[0] || (fs->f[k].kind == XK_CAUSE && !fs->f[k].fix[0])) {
			ok(0, "%s: %s has a cause and, when a cause, a fix", fixture, fs->f[k].id);
			break;
		}
out:
	free(text);
	free(want);
}

static void question(const char *sysroot, struct xreport *r, struct xfindings *fs)
{
	char why[256];
	size_t len;
	char *text = read_fixture("question-microsecond-rt-kernel.txt", &len);
	const struct xfinding *f;

	if (!ok(text && !explain_parse(text, len, r, why, sizeof(why)), "question: read"))
		return;
	explain_rules(r, sysroot, -1, NULL, fs);
	is_int(r->nseries, 4, "question: the four threads of cyclictest --smp");
	is_int(r->rt_policy, XR_NO, "question: policy other/other is SCHED_OTHER");
	is_int(r->mlock, XR_NO, "question: 'sudo cyclictest --smp' has no -m");
	f = explain_find(fs, "sched_other");
	ok(f && f->kind == XK_CAUSE && strstr(f->cause, "timer slack") &&
	   strstr(f->share, "about 50 us of the 56 us average"),
	   "question: SCHED_OTHER and timer slack explain 50 us of the 56 us average");
	ok(f && strstr(f->quote.text, "policy: other/other"), "question: ... quoting the policy line");
	f = explain_find(fs, "no_mlock");
	ok(f && f->kind == XK_CAUSE && !strcmp(f->quote.text, "sudo cyclictest --smp") &&
	   strstr(f->fix, " -m"), "question: the missing -m, quoting the command line");
	f = explain_find(fs, "cpus_shared");
	ok(f && f->kind == XK_CAUSE && strstr(f->cause, "--smp pins one thread to each CPU") &&
	   strstr(f->fix, "-a 3"), "question: threads on CPUs shared with 812 tasks, fix pins to CPU 3");
	f = explain_find(fs, "cpu_dma_latency");
	ok(f && f->kind == XK_RULED_OUT, "question: /dev/cpu_dma_latency was set: ruled out");
	f = explain_find(fs, "deadline_window");
	ok(f && f->kind == XK_ANSWER && strstr(f->fix, "isolator run --deadline 200us/10ms/10ms") &&
	   strstr(f->cause, "admission test") && strstr(f->quote.text, "10ms time window"),
	   "question: the 10 ms window answered with isolator run --deadline and admission");
	f = explain_find(fs, "min_wakeup");
	ok(f && f->kind == XK_CAUSE && strstr(f->quote.text, "Min: 2") && strstr(f->fix, "isolate"),
	   "question: the 2 us minimum is the wake-up path; polling on an isolated CPU instead");
	f = explain_find(fs, "max_same_policy");
	ok(f && f->kind == XK_CAUSE, "question: 9 ms maxima at P: 0: ordinary tasks at the same policy");
	free(text);
}

static void bad_input(struct xreport *r)
{
	static const struct { const char *name, *text; int err; } cases[] = {
		{ "empty", "", -ENODATA },
		{ "blank lines", "\n \n\t\n", -ENODATA },
		{ "prose only", "My latency is 53us, what can I do?\n", -EINVAL },
		{ "/proc/interrupts", "           CPU0       CPU1\n  0:         22          0   IO-APIC   2-edge      timer\n", -EINVAL },
		{ "isolator check --json", "{\"schema\":\"isolator-check/1\",\"cpus\":\"1\",\"checks\":[]}\n", -EINVAL },
		{ "truncated summary line", "policy: other/other: loadavg: 1.33 1.00 0.73 1/812 6256\n\n"
		  "T: 0 ( 6185) P: 0 I:1000 C: 151177 Min: 3 Act: 53 Avg: 56 Max: 9369\nT: 1 ( 6186) P: 0 I:1500 C: 10", -EPROTO },
		{ "header only", "# /dev/cpu_dma_latency set to 0us\npolicy: other/other: loadavg: 1.33 1.00 0.73 1/812 6256\n", -EPROTO },
		{ "command line only", "sudo cyclictest --smp\n", -EPROTO },
		{ "histogram without totals", "# Histogram\n000000 000000\t000000\n000001 000003\t000001\n", -EPROTO },
		{ "oslat without Maximum", "oslat V 2.40\n        Core:\t 1\nCounter Freq:\t 2597 (Mhz)\n    001 (us):\t 58173877\n", -EPROTO },
		{ "truncated JSON", "{\"file_version\": 1, \"cmdline:\": \"cyclictest -q\", \"thread\": {\"0\": {\"min\": 1", -EPROTO },
		{ "rtla timerlat top header only", "                                     Timer Latency\n"
		  "  0 00:00:10   |          IRQ Timer Latency (us)        |         Thread Timer Latency (us)\n", -EPROTO },
	};
	static const char elf[] = "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0";
	char why[256];
	char *copy = malloc(sizeof(elf));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = parse_text(cases[i].text, r, why, sizeof(why));

		if (!ok(err == cases[i].err && why[0] && !strchr(why, '\n'), "bad input: %s: %s",
			cases[i].name, why))
			diag("got %d, want %d", err, cases[i].err);
	}
	memcpy(copy, elf, sizeof(elf));
	ok(explain_parse(copy, sizeof(elf), r, why, sizeof(why)) == -EINVAL && strstr(why, "binary"),
	   "bad input: an ELF header: %s", why);
	free(copy);
}

/* cyclictest -N prints ns in the same lines: read by their field widths, the
 * command line or "resolution_in_ns", scaled to ns like every other report. */
static void nsecs(const char *sysroot, struct xreport *r, struct xfindings *fs)
{
	static const char hist[] =
		"$ cyclictest -N -q -l 300 -t 1 -p 80 -m -h 50\n"
		"# Histogram\n000000 000000\n000001 000000\n"
		"# Total: 000000000\n# Min Latencies: 13233\n# Avg Latencies: 24600\n"
		"# Max Latencies: 94713\n# Histogram Overflows: 00300\n";
	static const char collapsed[] =
		"T: 0 (27778) P:80 I:1000 C: 1000 Min: 21569 Act: 26869 Avg: 131827 Max:50644887\n";
	char why[256];
	size_t len;
	char *text = read_fixture("cyclictest-N-t1-p80-m-q.txt", &len);
	const struct xfinding *f;

	ok(text && !explain_parse(text, len, r, why, sizeof(why)) && r->nsecs == XR_YES &&
	   r->series[0].min_ns == 21569 && r->series[0].avg_ns == 131827 &&
	   r->series[0].max_ns == 50644887 && r->series[0].interval_ns == 1000000,
	   "cyclictest -N: Min 21569 Avg 131827 Max 50644887 read as ns (Act/Avg padded to 8), I:1000 as us");
	explain_rules(r, sysroot, -1, NULL, fs);
	f = explain_find(fs, "min_wakeup");
	ok(f && strstr(f->cause, "a minimum of 22 us"), "cyclictest -N: the minimum is 22 us, not 22 ms");
	f = explain_find(fs, "max_ms");
	ok(f && strstr(f->cause, "a maximum of 50.6 ms"), "cyclictest -N: the maximum is 50.6 ms, not 51 s");
	free(text);
	text = read_fixture("cyclictest-N-t1-p80-m.json", &len);
	ok(text && !explain_parse(text, len, r, why, sizeof(why)) && r->nsecs == XR_YES &&
	   r->series[0].min_ns == 11798 && r->series[0].max_ns == 53930021,
	   "cyclictest -N --json: \"resolution_in_ns\": 1, min and max read as ns");
	free(text);
	ok(!parse_text(hist, r, why, sizeof(why)) && r->nsecs == XR_YES && r->series[0].min_ns == 13233 &&
	   r->series[0].max_ns == 94713, "cyclictest -N histogram, its command line pasted above: ns");
	text = read_fixture("cyclictest-p99-m-q.txt", &len);
	ok(text && !explain_parse(text, len, r, why, sizeof(why)) && r->nsecs == XR_NO &&
	   r->series[0].min_ns == 13000, "cyclictest without -N (Act/Avg padded to 5): us");
	free(text);
	text = read_fixture("question-microsecond-rt-kernel.txt", &len);
	ok(text && !explain_parse(text, len, r, why, sizeof(why)) && r->nsecs == XR_NO &&
	   r->series[1].min_ns == 2000, "the question's pasted report (spaces collapsed): us");
	free(text);
	/* the limit: collapsed spaces and no command line leave nothing to tell ns by */
	ok(!parse_text(collapsed, r, why, sizeof(why)) && r->nsecs == XR_NO,
	   "a -N line with its spaces collapsed and no command line: read as us (nothing tells)");
}

/* Inputs BUILT FROM rtla's format strings (tools/tracing/rtla/src of Linux
 * 6.12), not printed by the tool: the real rtla fixtures (tests/data/explain
 * rtla-*.txt, from the VM) have no "Blocking thread ... (%)" share and no
 * osnoise hist (rtla osnoise hist fails on the test kernel); these cover
 * those branches, and the test names say where they came from. */
static void rtla_formats(const char *sysroot, struct xreport *r, struct xfindings *fs)
{
	static const char top[] =
		"                                     Timer Latency\n"
		"  0 00:00:10   |          IRQ Timer Latency (us)        |         Thread Timer Latency (us)\n"
		"CPU COUNT      |      cur       min       avg       max |      cur       min       avg       max\n"
		"  0 #10000     |        2         1         3        40 |        6         4         8      2210\n"
		"  1 #10000     |        1         1         2        12 |        5         4         6        30\n"
		"rtla timerlat hit stop tracing\n"
		"## CPU 0 hit stop tracing, analyzing it ##\n"
		"  IRQ handler delay:                                          0.51 us (0.02 %)\n"
		"  IRQ latency:                                                  40.00 us\n"
		"  Blocking thread:                                           2100.00 us (95.02 %)\n"
		"                    kworker/0:1:42\n"
		"------------------------------------------------------------------------\n"
		"  Thread latency:                                            2210.00 us (100%)\n";
	static const char hist[] =
		"# RTLA timerlat histogram\n# Time unit is microseconds (us)\n# Duration:   0 00:00:10\n"
		"Index   IRQ-000   Thr-000   IRQ-001   Thr-001\n"
		"0             5         0         7         0\n"
		"1          9990         2      9989         3\n"
		"over:         0         0         0         0\n"
		"count:    10000     10000     10000     10000\n"
		"min:          0         1         0         1\n"
		"avg:          1         5         1         4\n"
		"max:         14      1500        12        28\n";
	static const char osnoise[] =
		"                                          Operating System Noise\n"
		"duration:   0 00:00:10 | time is in us\n"
		"CPU Period       Runtime        Noise  % CPU Aval   Max Noise   Max Single          HW          NMI          IRQ      Softirq       Thread\n"
		"  0 #9        9000000         3210    99.96433         1200         1100            2            0         9012           15            3\n";
	static const char ohist[] =
		"# RTLA osnoise histogram\n# Time unit is microseconds (us)\n# Duration:   0 00:00:10\n"
		"Index   CPU-000   CPU-001\n"
		"1           100        90\n"
		"over:         0         0\n"
		"count:      100        90\n"
		"min:          1         1\n"
		"avg:       1.00      1.00\n"
		"max:          1       950\n";
	char why[256];

	ok(!parse_text(ohist, r, why, sizeof(why)) && r->format == XF_OSNOISE_HIST && r->nseries == 2 &&
	   r->series[r->worst].max_ns == 950000, "rtla osnoise hist (built from its format strings): %s",
	   why);
	ok(!parse_text(top, r, why, sizeof(why)) && r->format == XF_TIMERLAT_TOP && r->nseries == 4 &&
	   r->series[r->worst].max_ns == 2210000 && !strcmp(r->aa_kind, "blocking"),
	   "rtla timerlat top (built from rtla's format strings, not tool output): IRQ and thread per CPU, the analysis");
	explain_rules(r, sysroot, -1, NULL, fs);
	ok(explain_find(fs, "rtla_analysis") && explain_find(fs, "max_ms") &&
	   explain_find(fs, "sched_other")->kind == XK_RULED_OUT,
	   "rtla timerlat top: the analysis and the 2.2 ms maximum are findings; FIFO is ruled out");
	ok(!parse_text(hist, r, why, sizeof(why)) && r->format == XF_TIMERLAT_HIST && r->nseries == 4 &&
	   r->series[r->worst].max_ns == 1500000, "rtla timerlat hist (built from its format strings): %s",
	   why);
	ok(!parse_text(osnoise, r, why, sizeof(why)) && r->format == XF_OSNOISE_TOP && r->nseries == 1 &&
	   r->series[0].max_ns == 1100000, "rtla osnoise top (built from its format strings): %s", why);
}

static unsigned count_lines(const char *s, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n + 1;
}

static void fuzz(const char *fixture, const char *sysroot, struct xreport *r, struct xfindings *fs)
{
	size_t seed_len, cap;
	char *seed = read_fixture(fixture, &seed_len), why[256];
	unsigned parsed = 0, refused = 0, bad = 0;

	if (!seed)
		return;
	cap = seed_len * 2 + 4096;
	for (unsigned round = 0; round < ROUNDS; round++) {
		char *buf = malloc(cap), *exact;
		size_t len;
		int err;

		memcpy(buf, seed, seed_len);
		len = mutate(buf, seed_len, cap);
		exact = malloc(len ? len : 1); /* exact size: ASan sees a read past the end */
		memcpy(exact, buf, len);
		free(buf);
		why[0] = 'x';
		err = explain_parse(exact, len, r, why, sizeof(why));
		if (!err) {
			parsed++;
			if (round % 16 == 0)
				explain_rules(r, sysroot, -1, NULL, fs);
			for (unsigned i = 0; i < r->nseries; i++)
				if (r->series[i].quote.line > count_lines(exact, len))
					bad++;
		} else if (err == -EINVAL || err == -EPROTO || err == -ENODATA) {
			refused++;
			if (!why[0] || strchr(why, '\n'))
				bad++;
		} else {
			bad++;
		}
		free(exact);
	}
	ok(!bad && parsed + refused == ROUNDS, "fuzz %s: %u rounds, %u read, %u refused with a reason",
	   fixture, ROUNDS, parsed, refused);
	free(seed);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(void)
{
	char sysroot[1024];
	struct xreport *r = malloc(sizeof(*r));
	struct xfindings *fs = malloc(sizeof(*fs));
	const char *names[64];
	unsigned n = 0;
	DIR *d = opendir(data_path("explain"));
	struct dirent *de;

	snprintf(sysroot, sizeof(sysroot), "%s", data_path("explain/sysroot"));
	if (!ok(d && r && fs, "tests/data/explain"))
		return done_testing();
	while ((de = readdir(d)) && n < 64) {
		const char *dot = strrchr(de->d_name, '.');

		if (dot && (!strcmp(dot, ".txt") || !strcmp(dot, ".json")))
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	/* a fixed order: the fuzz's one random stream must give the same inputs every run */
	qsort(names, n, sizeof(names[0]), by_name);
	ok(n >= 10, "%u fixtures", n);
	for (unsigned i = 0; i < n; i++)
		check_fixture(names[i], sysroot, r, fs);
	question(sysroot, r, fs);
	bad_input(r);
	nsecs(sysroot, r, fs);
	rtla_formats(sysroot, r, fs);
	for (unsigned i = 0; i < n; i++)
		fuzz(names[i], sysroot, r, fs);
	for (unsigned i = 0; i < n; i++)
		free((void *)names[i]);
	free(r);
	free(fs);
	return done_testing();
}
