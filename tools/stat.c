// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator stat [--cpu LIST] [--interval S] [--count K] [--prometheus FILE [--bench JSON]]
 *
 * Interrupts each CPU took during the last interval, by kind, redrawn like
 * top on a terminal and appended as blocks otherwise. With the kernel
 * extension, its counters (suppressed ticks, filtered IPIs, deferred work)
 * follow, then the forced deliveries of the interval with their culprits.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/util.h"
#include "commands.h"
#include "prometheus.h"

struct stat_params {
	struct isolator_cpuset cpus;
	int have_cpus;
	uint64_t interval_ns;
	unsigned long count; /* 0: until interrupted */
	int count_given, interval_given;
	const char *prometheus; /* node_exporter textfile to write instead of the table */
	const char *bench;      /* an `isolator bench --json` file to export with it */
};

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Columns of the table: the interrupt kinds, in an order that puts the
 * usual suspects on an isolated CPU first. */
static const enum isolator_kind columns[] = {
	ISOLATOR_KIND_TIMER, ISOLATOR_KIND_RESCHED, ISOLATOR_KIND_CALL, ISOLATOR_KIND_TLB,
	ISOLATOR_KIND_IRQ_WORK, ISOLATOR_KIND_NMI, ISOLATOR_KIND_DEVICE, ISOLATOR_KIND_OTHER,
	ISOLATOR_KIND_SOFT_TIMER, ISOLATOR_KIND_SOFT_HRTIMER, ISOLATOR_KIND_SOFT_SCHED,
	ISOLATOR_KIND_SOFT_RCU, ISOLATOR_KIND_SOFT_NET_RX, ISOLATOR_KIND_SOFT_NET_TX,
	ISOLATOR_KIND_SOFT_BLOCK, ISOLATOR_KIND_SOFT_TASKLET, ISOLATOR_KIND_SOFT_HI,
	ISOLATOR_KIND_SOFT_IRQ_POLL,
};

/* The forced deliveries of the interval (held work that reached the kernel's
 * bound, max_defer_ms), newest last, with who sent the work: the kernel keeps
 * the last 64, so a busy interval shows its most recent ones. */
static void print_culprits(const struct stat_params *p, const struct isolator_counts *delta)
{
	struct isolator_culprit e[64];
	uint64_t forced = 0;
	int n, bound;

	for (unsigned cpu = 0; cpu < isolator_counts_ncpus(delta); cpu++)
		if (!p->have_cpus || isolator_cpuset_has(&p->cpus, cpu))
			forced += isolator_counts_get(delta, cpu, ISOLATOR_KIND_X_FORCED);
	bound = isolator_max_defer_get(NULL);
	if (bound >= 0)
		printf("held work is delivered after max_defer_ms = %d ms\n", bound);
	if (!forced)
		return;
	printf("forced deliveries in this interval: %llu\n", (unsigned long long)forced);
	n = isolator_culprits_read(NULL, e, 64);
	if (n < 0) {
		printf("  (culprits: %s)\n", isolator_errmsg());
		return;
	}
	printf("%4s %12s %5s %8s %-16s %s\n", "CPU", "waited(us)", "scans", "pid", "sender", "work");
	/* the newest entries are the ones of this interval: walk back to the
	 * first of them, counting only the CPUs shown */
	int first = n;

	for (uint64_t seen = 0; first > 0 && seen < forced; first--)
		if (!p->have_cpus || isolator_cpuset_has(&p->cpus, e[first - 1].cpu))
			seen++;
	for (int i = first; i < n; i++)
		if (!p->have_cpus || isolator_cpuset_has(&p->cpus, e[i].cpu))
			printf("%4u %12llu %5u %8d %-16s %s\n", e[i].cpu,
			       (unsigned long long)(e[i].waited_ns / 1000), e[i].scans, e[i].pid,
			       e[i].sender, e[i].work);
}

static void print_table(const struct stat_params *p, const struct isolator_counts *delta,
			double seconds)
{
	char when[32];
	time_t now = time(NULL);

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	printf("isolator stat %s: interrupts per CPU in the last %.2f s (hard: LOC..other, soft: TIMER..)\n",
	       when, seconds);
	printf("%4s %8s", "CPU", "total");
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		printf(" %7s", isolator_kind_name(columns[i]));
	putchar('\n');
	for (unsigned cpu = 0; cpu < isolator_counts_ncpus(delta); cpu++) {
		if (p->have_cpus && !isolator_cpuset_has(&p->cpus, cpu))
			continue;
		printf("%4u %8llu", cpu, (unsigned long long)isolator_counts_total(delta, cpu));
		for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
			printf(" %7llu", (unsigned long long)isolator_counts_get(delta, cpu, columns[i]));
		putchar('\n');
	}
	if (!isolator_counts_have_kernel(delta))
		return;
	printf("\nisolator kernel extension, same interval:\n%4s", "CPU");
	for (int k = ISOLATOR_KIND_FIRST_X; k < ISOLATOR_KIND_COUNT; k++)
		printf(" %*s", (int)strlen(isolator_kind_name((enum isolator_kind)k)),
		       isolator_kind_name((enum isolator_kind)k));
	putchar('\n');
	for (unsigned cpu = 0; cpu < isolator_counts_ncpus(delta); cpu++) {
		if (p->have_cpus && !isolator_cpuset_has(&p->cpus, cpu))
			continue;
		printf("%4u", cpu);
		for (int k = ISOLATOR_KIND_FIRST_X; k < ISOLATOR_KIND_COUNT; k++)
			printf(" %*llu", (int)strlen(isolator_kind_name((enum isolator_kind)k)),
			       (unsigned long long)isolator_counts_get(delta, cpu, (enum isolator_kind)k));
		putchar('\n');
	}
	print_culprits(p, delta);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator stat [--cpu LIST] [--interval T] [--count K] [--prometheus FILE [--bench JSON]]\n"
		"Interrupts per CPU by kind, from /proc/interrupts and /proc/softirqs (and\n"
		"/proc/isolator/stats with the kernel extension), every interval.\n"
		"  -c, --cpu LIST      CPUs to show, e.g. 1 or 0-3,7 (default: all)\n"
		"  -i, --interval T    time between samples: 1s, 200ms, 5m (a bare number is us,\n"
		"                      as cyclictest -i; default 1 s, at least 10 ms)\n"
		"  -n, --count K       stop after K samples (default: until Ctrl-C)\n"
		"  -P, --prometheus FILE  write node_exporter textfile metrics (interrupts since\n"
		"                      boot per CPU and kind, kernel extension counters) to FILE\n"
		"                      atomically, once; with --interval or --count, every interval\n"
		"  -B, --bench JSON    with --prometheus: also export the percentiles of an\n"
		"                      'isolator bench ... --json' output file\n"
		"Hard IRQs: LOC local timer, RES reschedule, CAL function call, TLB shootdown,\n"
		"IWI irq_work, NMI, dev device IRQs, other. Soft IRQs: TIMER, HRTIMER, SCHED, RCU, ...\n"
		"With the kernel extension: its counters, then each forced delivery (held work\n"
		"that waited max_defer_ms) with the sender and the work, from /proc/isolator/culprits.\n");
}

/* Rewrite the textfile every interval (once without --interval/--count). */
static int prometheus_loop(const struct stat_params *p)
{
	int forever = p->interval_given || p->count_given;

	for (unsigned long i = 0;; i++) {
		struct isolator_counts *now = isolator_counts_read(NULL);
		int err;

		if (!now)
			return fail("stat: %s", isolator_errmsg());
		err = prometheus_write(p->prometheus, now, p->have_cpus ? &p->cpus : NULL, p->bench);
		isolator_counts_free(now);
		if (err)
			return EXIT_ERROR;
		if (!forever || (p->count && i + 1 >= p->count))
			return EXIT_OK;
		sleep_ns(p->interval_ns, &stop_requested);
		if (stop_requested)
			return EXIT_OK;
	}
}

int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "prometheus", required_argument, NULL, 'P' },
		{ "bench", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct stat_params p = { .interval_ns = 1000000000ull };
	struct isolator_counts *before, *after, *delta;
	int c, tty = isatty(STDOUT_FILENO);

	optind = 1;
	opterr = 0; /* bad_option() says it in one line */
	while ((c = getopt_long(argc, argv, "c:i:n:P:B:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_cpulist_online("--cpu", optarg, &p.cpus) < 0)
				return EXIT_ERROR;
			p.have_cpus = 1;
			break;
		case 'i':
			/* a bare number is us, as cyclictest -i */
			if (parse_time("--interval", optarg, UNIT_US, &p.interval_ns) < 0)
				return EXIT_ERROR;
			if (p.interval_ns < 10000000ull)
				return fail("--interval '%s': at least 10 ms (a bare number is us, as "
					    "cyclictest -i; write 1s, 200ms)", optarg);
			p.interval_given = 1;
			break;
		case 'P':
			p.prometheus = optarg;
			break;
		case 'B':
			p.bench = optarg;
			break;
		case 'n':
			if (parse_uint("--count", optarg, 1, 1000000000ul, &p.count) < 0)
				return EXIT_ERROR;
			p.count_given = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return bad_option("stat", argv);
		}
	}
	if (optind < argc)
		return fail("stat: unexpected argument '%s'", argv[optind]);
	if (p.bench && !p.prometheus)
		return fail("stat: --bench goes with --prometheus FILE");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (p.prometheus)
		return prometheus_loop(&p);
	before = isolator_counts_read(NULL);
	if (!before)
		return fail("stat: %s", isolator_errmsg());
	for (unsigned long i = 0; !p.count || i < p.count; i++) {
		sleep_ns(p.interval_ns, &stop_requested);
		if (stop_requested)
			break;
		after = isolator_counts_read(NULL);
		delta = isolator_counts_dup(after);
		if (!after || !delta) {
			isolator_counts_free(before);
			isolator_counts_free(after);
			return fail("stat: %s", isolator_errmsg());
		}
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (i)
			putchar('\n');
		isolator_counts_delta(delta, before);
		print_table(&p, delta, (double)p.interval_ns / 1e9);
		fflush(stdout);
		isolator_counts_free(before);
		isolator_counts_free(delta);
		before = after;
	}
	isolator_counts_free(before);
	return EXIT_OK;
}
