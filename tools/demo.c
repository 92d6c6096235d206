// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator demo [--duration S] [--cpu N] [--control-cpu M] [--threshold NS]
 *
 * The point of the project in one table: the same spinning loop twice, at
 * the same time, once on a CPU isolated by libisolator and once on an
 * ordinary CPU. Each loop reads the time-stamp counter as fast as it can and
 * records every gap over the threshold (time the CPU was taken away); the
 * interrupts each CPU took come from /proc/interrupts and /proc/softirqs.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/util.h"
#include "commands.h"

struct demo_params {
	uint64_t duration_ns;
	uint64_t threshold_ns;
	int cpu, control_cpu;
};

/* One spinning loop; the two run concurrently. */
struct loop {
	int cpu;
	int isolate;
	int start_err;
	char status[2048];
	struct isolator_gaps gaps;
	uint64_t duration_ns, threshold_ns;
	pthread_barrier_t *ready;
	atomic_int *go;
};

static void *spin(void *arg)
{
	struct loop *l = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(l->cpu, &set);
	l->start_err = -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (!l->start_err && l->isolate) {
		l->start_err = isolator_start(ISOLATOR_MASK_ALL);
		if (l->start_err)
			snprintf(l->status, sizeof(l->status), "%s", isolator_errmsg());
		else
			isolator_status_describe(l->status, sizeof(l->status));
	}
	pthread_barrier_wait(l->ready);
	while (!atomic_load_explicit(l->go, memory_order_acquire))
		;
	if (l->start_err)
		return NULL;
	isolator_gaps_init(&l->gaps, l->threshold_ns);
	uint64_t end = l->gaps.first + isolator_ns_to_cycles(l->duration_ns);

	while (isolator_gaps_observe(&l->gaps) < end)
		;
	if (l->isolate)
		isolator_stop();
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator demo [--duration S] [--cpu N] [--control-cpu M] [--threshold NS]\n"
		"Spin on CPU N isolated by libisolator and, at the same time, on CPU M not\n"
		"isolated; print side by side the interrupts each CPU took and the gaps each\n"
		"loop saw in the time-stamp counter.\n"
		"  -d, --duration T      run time: 10s, 2m (a bare number is seconds; default 10)\n"
		"  -c, --cpu N           isolated CPU (default: the last online CPU)\n"
		"  -C, --control-cpu M   control CPU (default: the first other online CPU)\n"
		"  -t, --threshold T     smallest gap recorded: 1us, 500ns (a bare number is us,\n"
		"                        as oslat -T and rtla osnoise -T; default 1 us)\n");
}

static int parse(int argc, char **argv, struct demo_params *p)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "control-cpu", required_argument, NULL, 'C' },
		{ "threshold", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct isolator_cpuset online;
	unsigned cpu;
	int c;

	p->duration_ns = 10000000000ull;
	p->threshold_ns = 1000;
	p->cpu = p->control_cpu = -1;
	optind = 1;
	opterr = 0; /* bad_option() says it in one line */
	while ((c = getopt_long(argc, argv, "d:c:C:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_duration("--duration", optarg, &p->duration_ns) < 0)
				return -1;
			if (p->duration_ns < 100000000ull || p->duration_ns > 3600e9) {
				fail("--duration '%s': between 0.1 s and 1 h", optarg);
				return -1;
			}
			break;
		case 'c':
		case 'C':
			if (parse_cpu_online(c == 'c' ? "--cpu" : "--control-cpu", optarg, &cpu) < 0)
				return -1;
			*(c == 'c' ? &p->cpu : &p->control_cpu) = (int)cpu;
			break;
		case 't':
			if (parse_time("--threshold", optarg, UNIT_US, &p->threshold_ns) < 0)
				return -1;
			if (p->threshold_ns < 50 || p->threshold_ns > 1000000000ull) {
				fail("--threshold '%s': between 50 ns and 1 s", optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			bad_option("demo", argv);
			return -1;
		}
	}
	if (optind < argc) {
		fail("demo: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (p->cpu < 0)
		p->cpu = last_online_cpu();
	if (p->control_cpu < 0 && isolator_cpus_online(NULL, &online) == 0)
		for (unsigned i = 0; i < ISOLATOR_MAX_CPUS && p->control_cpu < 0; i++)
			if (isolator_cpuset_has(&online, i) && (int)i != p->cpu)
				p->control_cpu = (int)i;
	if (p->cpu < 0 || p->control_cpu < 0) {
		fail("demo: needs two online CPUs");
		return -1;
	}
	if (p->cpu == p->control_cpu) {
		fail("demo: --cpu and --control-cpu must differ");
		return -1;
	}
	return 0;
}

static void row(const char *label, unsigned long long a, unsigned long long b)
{
	printf("  %-34s %14llu %14llu\n", label, a, b);
}

/* For the signal thread: the isolated loop may be mid-spin. */
static void restore(void)
{
	isolator_restore_system();
}

int cmd_demo(int argc, char **argv)
{
	struct demo_params p;
	struct loop loops[2];
	struct isolator_counts *before, *after;
	pthread_barrier_t ready;
	pthread_t threads[2];
	atomic_int go = 0;
	uint64_t ms;

	if (parse(argc, argv, &p) < 0)
		return EXIT_ERROR;
	if (exit_on_signal("demo", restore) < 0)
		return fail("demo: cannot watch for signals");
	ms = p.duration_ns / 1000000ull;
	isolator_clock(); /* calibrate before the loops start */
	pthread_barrier_init(&ready, NULL, 3);
	for (int i = 0; i < 2; i++) {
		memset(&loops[i], 0, sizeof(loops[i]));
		loops[i].cpu = i == 0 ? p.cpu : p.control_cpu;
		loops[i].isolate = i == 0;
		loops[i].ready = &ready;
		loops[i].go = &go;
		loops[i].duration_ns = p.duration_ns;
		loops[i].threshold_ns = p.threshold_ns;
		if (pthread_create(&threads[i], NULL, spin, &loops[i]))
			return fail("demo: cannot start a thread: %s", strerror(errno));
	}
	pthread_barrier_wait(&ready);
	before = isolator_counts_read(NULL);
	atomic_store_explicit(&go, 1, memory_order_release);
	fprintf(stderr, "isolator demo: spinning %.1f s on CPU %d (isolated) and CPU %d (control)\n",
		(double)ms / 1000, p.cpu, p.control_cpu);
	for (uint64_t t = 0; t + 1000 <= ms; t += 1000) {
		sleep_ns(1000000000ull, NULL);
		fprintf(stderr, "\risolator demo: %llu/%llu s", (unsigned long long)(t / 1000 + 1),
			(unsigned long long)(ms / 1000));
	}
	for (int i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	fputc('\n', stderr);
	after = isolator_counts_read(NULL);
	if (loops[0].start_err || loops[1].start_err) {
		isolator_counts_free(before);
		isolator_counts_free(after);
		return fail("demo: isolating CPU %d: %s", p.cpu,
			    loops[0].status[0] ? loops[0].status : strerror(-loops[0].start_err));
	}
	if (!before || !after)
		return fail("demo: %s", isolator_errmsg());
	isolator_counts_delta(after, before);

	printf("%s\n", loops[0].status);
	printf("  %-34s %14s %14s\n", "", "isolated", "control");
	printf("  %-34s %14d %14d\n", "CPU", p.cpu, p.control_cpu);
	printf("  %-34s %14.1f %14.1f\n", "duration (s)", (double)ms / 1000, (double)ms / 1000);
	row("interrupts, all kinds", isolator_counts_total(after, (unsigned)p.cpu),
	    isolator_counts_total(after, (unsigned)p.control_cpu));
	for (int k = ISOLATOR_KIND_FIRST_IRQ; k <= ISOLATOR_KIND_LAST_IRQ; k++) {
		uint64_t a = isolator_counts_get(after, (unsigned)p.cpu, (enum isolator_kind)k);
		uint64_t b = isolator_counts_get(after, (unsigned)p.control_cpu, (enum isolator_kind)k);
		char label[64];

		if (!a && !b)
			continue;
		snprintf(label, sizeof(label), "  %s %s", k <= ISOLATOR_KIND_OTHER ? "irq" : "softirq",
			 isolator_kind_name((enum isolator_kind)k));
		row(label, a, b);
	}
	char label[64];

	snprintf(label, sizeof(label), "TSC gaps > %llu ns", (unsigned long long)p.threshold_ns);
	row(label, loops[0].gaps.count, loops[1].gaps.count);
	row("longest gap (ns)", isolator_cycles_to_ns(loops[0].gaps.max_cycles),
	    isolator_cycles_to_ns(loops[1].gaps.max_cycles));
	row("time lost to gaps (us)", isolator_cycles_to_ns(loops[0].gaps.stolen_cycles) / 1000,
	    isolator_cycles_to_ns(loops[1].gaps.stolen_cycles) / 1000);
	row("loop iterations (millions)", loops[0].gaps.loops / 1000000,
	    loops[1].gaps.loops / 1000000);
	printf("\nA gap is time the loop did not run: an interrupt, another task, or, on a\n"
	       "virtual machine, the host taking the vCPU (no guest setting removes that).\n");
	isolator_counts_free(before);
	isolator_counts_free(after);
	return EXIT_OK;
}
