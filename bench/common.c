// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What `isolator bench response|toggle|noise` share: one option parser, one
 * report (table or JSON, cyclictest histogram, plot), pinning, futexes and
 * the progress line.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../util/util.h"
#include "suite.h"

void bench_usage_common(FILE *out, unsigned accepts)
{
	fprintf(out,
		"  -d, --duration T        run time: 10s, 0.5s, 24h, 2d (a bare number is seconds,\n"
		"                          as cyclictest -D; default 10 s, at least 0.1 s)\n"
		"  -c, --cpu N             the isolated CPU (default: the last online CPU)\n"
		"  -C, --other-cpu M       stimulus or control CPU (default: another online CPU)\n"
		"  -t, --threshold T       count samples over T in the 'over' column: 1us, 500ns\n"
		"                          (a bare number is us, as oslat -T; default 1 us)\n"
		"      --hist-max T        range of the --histogram file: 1ms, 50us (a bare\n"
		"                          number is us, as cyclictest -h; default 1 ms in us\n"
		"                          buckets, 10 us in ns buckets)\n"
		"      --hist-unit U       ns or us buckets in the --histogram file; us is\n"
		"                          cyclictest's format (default: ns when every p99 is\n"
		"                          under 1 us, else us)\n"
		"  -H, --histogram FILE    histogram in cyclictest's --histfile format\n"
		"  -P, --plot FILE         latency histogram plot through gnuplot (.png or .svg)\n"
		JSON_OPT_HELP "       JSON (schema " BENCH_SCHEMA ") instead of the table;\n"
		"                          =FILE or FILE: into FILE, and the table stays\n"
		"  -q, --quiet             no progress line\n");
	if (accepts & BENCH_OPT_PERIOD)
		fprintf(out, "  -p, --period T          event period: 2us, 1ms (a bare number is us, as\n"
			     "                          cyclictest -i; default 2 us)\n");
	if (accepts & BENCH_OPT_IO)
		fprintf(out,
			"  -g, --gpio CHIP:IN,OUT  real GPIO lines through libgpiod (gpio-sim in the VM)\n"
			"  -m, --mmio FILE:IN[,OUT]  a memory-mapped register: FILE is /dev/mem (IN, OUT\n"
			"                          physical addresses), a PCI BAR resource file or\n"
			"                          /dev/uioN (byte offsets); OUT defaults to IN + 4\n"
			"  -x, --external          no stimulus thread: something outside drives IN\n");
}

/* An output file's directory must exist now, not after a 24-hour run. */
static int check_output_path(const char *what, const char *path)
{
	char copy[PATH_MAX];
	struct stat st;
	const char *dir;

	if (!*path) {
		fail("%s: empty file name", what);
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fail("%s '%s': directory '%s' does not exist", what, path, dir);
		return -1;
	}
	if (access(dir, W_OK) < 0) {
		fail("%s '%s': directory '%s' is not writable", what, path, dir);
		return -1;
	}
	return 0;
}

static int other_online_cpu(int not)
{
	struct isolator_cpuset online;

	if (isolator_cpus_online(NULL, &online) < 0)
		return -1;
	for (unsigned i = 0; i < ISOLATOR_MAX_CPUS; i++)
		if (isolator_cpuset_has(&online, i) && (int)i != not)
			return (int)i;
	return -1;
}

int bench_parse(struct bench_params *p, unsigned accepts, int argc, char **argv,
		void (*usage)(FILE *out))
{
	enum { OPT_HIST_MAX = 256, OPT_HIST_UNIT };
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "other-cpu", required_argument, NULL, 'C' },
		{ "stim-cpu", required_argument, NULL, 'C' },
		{ "control-cpu", required_argument, NULL, 'C' },
		{ "threshold", required_argument, NULL, 't' },
		{ "hist-max", required_argument, NULL, OPT_HIST_MAX },
		{ "hist-unit", required_argument, NULL, OPT_HIST_UNIT },
		{ "histogram", required_argument, NULL, 'H' },
		{ "plot", required_argument, NULL, 'P' },
		{ "json", optional_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "period", required_argument, NULL, 'p' },
		{ "gpio", required_argument, NULL, 'g' },
		{ "mmio", required_argument, NULL, 'm' },
		{ "external", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char cmd[64];
	unsigned cpu;
	int c;

	snprintf(cmd, sizeof(cmd), "bench %s", p->test);
	optind = 1;
	opterr = 0; /* bad_option() says it in one line */
	while ((c = getopt_long(argc, argv, "d:c:C:t:H:P:jqp:g:m:xh", opts, NULL)) != -1) {
		if (((c == 'p') && !(accepts & BENCH_OPT_PERIOD)) ||
		    ((c == 'g' || c == 'm' || c == 'x') && !(accepts & BENCH_OPT_IO))) {
			fail("%s: option '%s' does not apply to this test", cmd, argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case 'd':
			if (parse_duration("--duration", optarg, &p->duration_ns) < 0)
				return -1;
			if (p->duration_ns < 100000000ull) {
				fail("--duration '%s': at least 0.1 s", optarg);
				return -1;
			}
			break;
		case 'c':
		case 'C':
			if (parse_cpu_online(c == 'c' ? "--cpu" : "--other-cpu", optarg, &cpu) < 0)
				return -1;
			*(c == 'c' ? &p->cpu : &p->other_cpu) = (int)cpu;
			break;
		case 't':
			if (parse_time("--threshold", optarg, UNIT_US, &p->threshold_ns) < 0)
				return -1;
			if (p->threshold_ns < 1 || p->threshold_ns > 1000000000ull) {
				fail("--threshold '%s': between 1 ns and 1 s", optarg);
				return -1;
			}
			break;
		case OPT_HIST_MAX:
			if (parse_time("--hist-max", optarg, UNIT_US, &p->hist_max_ns) < 0)
				return -1;
			if (p->hist_max_ns < 1 || p->hist_max_ns > 10000000000ull) {
				fail("--hist-max '%s': between 1 ns and 10 s", optarg);
				return -1;
			}
			break;
		case OPT_HIST_UNIT:
			if (!strcmp(optarg, "ns") || !strcmp(optarg, "us")) {
				p->hist_unit_ns = optarg[0] == 'n' ? 1 : 1000;
			} else {
				fail("--hist-unit '%s': ns or us", optarg);
				return -1;
			}
			break;
		case 'H':
			if (check_output_path("--histogram", optarg) < 0)
				return -1;
			p->histogram = optarg;
			break;
		case 'P': {
			const char *dot = strrchr(optarg, '.');

			if (!dot || (strcmp(dot, ".png") && strcmp(dot, ".svg"))) {
				fail("--plot '%s': the file name must end in .png or .svg", optarg);
				return -1;
			}
			if (check_output_path("--plot", optarg) < 0)
				return -1;
			p->plot = optarg;
			break;
		}
		case 'j':
			if (json_out_getopt(&p->json, "--json", argc, argv) < 0)
				return -1;
			break;
		case 'q':
			p->quiet = 1;
			break;
		case 'p':
			if (parse_time("--period", optarg, UNIT_US, &p->period_ns) < 0)
				return -1;
			if (p->period_ns == 0 || p->period_ns > 10000000000ull) {
				fail("--period '%s': between 1 ns and 10 s", optarg);
				return -1;
			}
			break;
		case 'g':
			p->gpio = optarg;
			break;
		case 'm':
			p->mmio = optarg;
			break;
		case 'x':
			p->external = 1;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			bad_option(cmd, argv);
			return -1;
		}
	}
	if (optind < argc) {
		fail("%s: unexpected argument '%s'", cmd, argv[optind]);
		return -1;
	}
	if (p->gpio && p->mmio) {
		fail("%s: --gpio and --mmio exclude each other", cmd);
		return -1;
	}
	if (p->external && !p->gpio && !p->mmio) {
		fail("%s: --external needs --gpio or --mmio (memory has nobody outside)", cmd);
		return -1;
	}
	if (p->cpu < 0)
		p->cpu = last_online_cpu();
	if (p->other_cpu < 0)
		p->other_cpu = other_online_cpu(p->cpu);
	if (p->cpu < 0 || p->other_cpu < 0) {
		fail("%s: needs two online CPUs", cmd);
		return -1;
	}
	if (p->cpu == p->other_cpu) {
		fail("%s: --cpu and --other-cpu must differ", cmd);
		return -1;
	}
	return 0;
}

/* --- the report ------------------------------------------------------------- */

static void table(const struct bench_params *p, const struct bench_report *r)
{
	struct bench_summary s;

	printf("isolator bench %s: %s, %.1f s, CPU %d isolated, CPU %d %s\n", r->test, r->quantity,
	       (double)p->duration_ns / 1e9, p->cpu, p->other_cpu,
	       !strcmp(r->test, "response") ? "stimulus" : "control");
	bench_machine_print(stdout, &r->machine);
	bench_summary_header(stdout);
	for (unsigned i = 0; i < r->n; i++) {
		bench_hist_summary(r->series[i].hist, &s);
		bench_summary_row(stdout, r->series[i].mode, &s);
	}
	if (r->n_extra) {
		printf("%s\n", r->extra_title ? r->extra_title : "");
		for (unsigned i = 0; i < r->n_extra; i++) {
			bench_hist_summary(r->extra[i].hist, &s);
			bench_summary_row(stdout, r->extra[i].mode, &s);
		}
	}
	printf("modes:\n");
	for (unsigned i = 0; i < r->n; i++)
		printf("  %-9s %s%s\n", r->series[i].mode, r->series[i].what,
		       r->series[i].lost ? "" : "");
	for (unsigned i = 0; i < r->n; i++)
		if (r->series[i].lost)
			printf("  %-9s %llu events got no response within 1 s (not in the statistics)\n",
			       r->series[i].mode, (unsigned long long)r->series[i].lost);
	if (p->threshold_ns)
		printf("'over': samples over %llu ns.\n", (unsigned long long)p->threshold_ns);
	if (r->table_more)
		r->table_more(stdout, r->arg);
}

static void json_series(struct json *j, const struct bench_series *v, unsigned n)
{
	struct bench_summary s;

	json_array_begin(j);
	for (unsigned i = 0; i < n; i++) {
		bench_hist_summary(v[i].hist, &s);
		json_object_begin(j);
		json_key(j, "mode");
		json_string(j, v[i].mode);
		json_key(j, "count");
		json_uint(j, s.count);
		json_key(j, "latency_ns");
		json_summary(j, &s);
		json_key(j, "jitter_ns");
		json_uint(j, s.jitter_ns);
		json_key(j, "over_threshold");
		json_uint(j, s.over_threshold);
		json_key(j, "lost");
		json_uint(j, v[i].lost);
		json_key(j, "description");
		json_string(j, v[i].what);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_out(FILE *f, const struct bench_params *p, const struct bench_report *r)
{
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_key(&j, "schema");
	json_string(&j, BENCH_SCHEMA);
	json_key(&j, "test");
	json_string(&j, r->test);
	json_key(&j, "quantity");
	json_string(&j, r->quantity);
	bench_machine_json(&j, &r->machine);
	json_key(&j, "params");
	json_object_begin(&j);
	json_key(&j, "duration_ns");
	json_uint(&j, p->duration_ns);
	if (p->period_ns) {
		json_key(&j, "period_ns");
		json_uint(&j, p->period_ns);
	}
	json_key(&j, "threshold_ns");
	json_uint(&j, p->threshold_ns);
	json_key(&j, "cpu");
	json_uint(&j, (uint64_t)p->cpu);
	json_key(&j, "other_cpu");
	json_uint(&j, (uint64_t)p->other_cpu);
	json_object_end(&j);
	json_key(&j, "results");
	json_series(&j, r->series, r->n);
	if (r->n_extra) {
		json_key(&j, "split");
		json_series(&j, r->extra, r->n_extra);
	}
	if (r->json_more)
		r->json_more(&j, r->arg);
	json_object_end(&j);
}

int bench_report(const struct bench_params *p, const struct bench_report *r)
{
	char err[256];

	if (p->json.on) {
		FILE *f = json_out_open(&p->json);

		if (!f)
			return EXIT_ERROR;
		json_out(f, p, r);
		if (json_out_close(&p->json, f) < 0)
			return EXIT_ERROR;
	}
	if (json_out_table(&p->json))
		table(p, r);
	fflush(stdout);
	if (p->histogram) {
		const struct bench_hist *hs[16];
		const char *labels[16];
		FILE *f = fopen(p->histogram, "w");
		unsigned n = r->n < 16 ? r->n : 16, unit;
		uint64_t max;

		if (!f)
			return fail("--histogram '%s': %s", p->histogram, strerror(errno));
		for (unsigned i = 0; i < n; i++) {
			hs[i] = r->series[i].hist;
			labels[i] = r->series[i].mode;
		}
		unit = p->hist_unit_ns ? p->hist_unit_ns : (unsigned)bench_histogram_unit(hs, n);
		max = p->hist_max_ns ? p->hist_max_ns : unit == 1 ? 10000 : 1000000;
		fprintf(f, "# isolator bench %s: %s histogram, 1 %s buckets, columns:", r->test,
			r->quantity, unit == 1 ? "ns" : "us");
		for (unsigned i = 0; i < n; i++)
			fprintf(f, " %s", labels[i]);
		fprintf(f, "\n# machine: %s; kernel %s; backend %s; CPU %d %s\n", r->machine.cpu_model,
			r->machine.kernel, r->machine.backend, r->machine.cpu,
			r->machine.isolated ? "isolated" : "not isolated");
		if (bench_histogram_write(f, hs, labels, n, max, unit) < 0 || fclose(f) != 0)
			return fail("--histogram '%s': write failed", p->histogram);
	}
	if (p->plot && bench_plot(p->plot, r, err, sizeof(err)) < 0)
		return fail("--plot '%s': %s", p->plot, err);
	if (p->plot && json_out_table(&p->json))
		printf("plot: %s\n", p->plot);
	return EXIT_OK;
}

/* --- threads ---------------------------------------------------------------- */

int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void bench_avoid(int cpu)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return;
	CPU_CLR(cpu, &set);
	if (CPU_COUNT(&set))
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int bench_futex_wait(atomic_uint *word, unsigned expected)
{
	return (int)syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

int bench_futex_wake(atomic_uint *word, int n)
{
	return (int)syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

void bench_progress(const struct bench_params *p, atomic_int *done)
{
	uint64_t total = p->duration_ns / 1000000000ull, t = 0;

	while (!atomic_load_explicit(done, memory_order_acquire)) {
		sleep_ns(250000000ull, NULL);
		if (++t % 4 || p->quiet)
			continue;
		if (t / 4 <= total)
			fprintf(stderr, "\risolator bench %s: %llu/%llu s", p->test,
				(unsigned long long)(t / 4), (unsigned long long)total);
	}
	if (!p->quiet && t >= 4)
		fputc('\n', stderr);
}
