// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator bench noise: oslat/osnoise in the isolator's terms.
 *
 * The isolated CPU spins reading the time-stamp counter and records every gap
 * between two reads longer than --threshold (time the loop did not run); a
 * control loop does the same on an ordinary CPU at the same time (the
 * approach of `isolator demo`). The interrupts each CPU took during the run,
 * by kind, come from the statistics (/proc/interrupts and /proc/softirqs, and
 * the kernel extension's counters when it is there).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "suite.h"

struct spinner {
	const struct bench_params *p;
	int cpu, isolate;
	int start_err;
	char status[2048];
	uint64_t loops;
	struct bench_hist *gaps;
	pthread_barrier_t *barrier;
	atomic_int *go, *finished, *done;
};

static void spin(struct spinner *s)
{
	uint64_t thr, end, last, now;
	struct bench_hist *h = s->gaps;
	uint64_t loops = 0;

	s->start_err = bench_pin(s->cpu);
	if (!s->start_err && s->isolate) {
		s->start_err = isolator_start(ISOLATOR_MASK_ALL);
		if (s->start_err)
			snprintf(s->status, sizeof(s->status), "%s", isolator_errmsg());
		else
			isolator_status_describe(s->status, sizeof(s->status));
	}
	pthread_barrier_wait(s->barrier);
	while (!atomic_load_explicit(s->go, memory_order_acquire))
		;
	if (s->start_err)
		return;
	thr = isolator_ns_to_cycles(s->p->threshold_ns);
	last = isolator_tsc();
	end = last + isolator_ns_to_cycles(s->p->duration_ns);
	do {
		/* the raw read, as oslat: a gap of a microsecond does not care
		 * about a few cycles of reordering */
		now = isolator_tsc();
		if (__builtin_expect(now - last > thr, 0))
			bench_hist_add(h, isolator_cycles_to_ns(now - last));
		last = now;
		loops++;
	} while (now < end);
	s->loops = loops;
	if (s->isolate)
		isolator_stop();
}

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;

	spin(s);
	if (atomic_fetch_add(s->finished, 1) == 1)
		atomic_store_explicit(s->done, 1, memory_order_release);
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator bench noise [options]\n"
		"oslat/osnoise: spin reading the time-stamp counter on the isolated CPU and,\n"
		"at the same time, on a control CPU; record every gap over --threshold\n"
		"(default 1000 ns) and the interrupts each CPU took, by kind.\n");
	bench_usage_common(out, 0);
}

struct noise_more {
	const struct spinner *s;
	struct isolator_counts *delta; /* NULL if the counters could not be read */
};

static void table_more(FILE *f, const void *arg)
{
	const struct noise_more *m = arg;
	const struct spinner *s = m->s;
	unsigned c0 = (unsigned)s[0].cpu, c1 = (unsigned)s[1].cpu;

	fprintf(f, "%-34s %14s %14s\n", "", "isolated", "control");
	fprintf(f, "%-34s %14.1f %14.1f\n", "loop iterations (millions)", (double)s[0].loops / 1e6,
		(double)s[1].loops / 1e6);
	fprintf(f, "%-34s %14.0f %14.0f\n", "time lost to gaps (us)",
		(double)s[0].gaps->sum_ns / 1e3, (double)s[1].gaps->sum_ns / 1e3);
	if (!m->delta) {
		fprintf(f, "interrupts: not readable (%s)\n", isolator_errmsg());
	} else {
		fprintf(f, "%-34s %14llu %14llu\n", "interrupts, all kinds",
			(unsigned long long)isolator_counts_total(m->delta, c0),
			(unsigned long long)isolator_counts_total(m->delta, c1));
		for (int k = 0; k < ISOLATOR_KIND_COUNT; k++) {
			uint64_t a = isolator_counts_get(m->delta, c0, (enum isolator_kind)k);
			uint64_t b = isolator_counts_get(m->delta, c1, (enum isolator_kind)k);
			char label[64];

			if (!a && !b)
				continue;
			snprintf(label, sizeof(label), "  %s %s",
				 k <= ISOLATOR_KIND_OTHER ? "irq" :
				 k <= ISOLATOR_KIND_LAST_IRQ ? "softirq" : "isolator",
				 isolator_kind_name((enum isolator_kind)k));
			fprintf(f, "%-34s %14llu %14llu\n", label, (unsigned long long)a,
				(unsigned long long)b);
		}
	}
	fprintf(f, "A gap is time the loop did not run: an interrupt, another task, or, on a\n"
		   "virtual machine, the host taking the vCPU (no guest setting removes that).\n");
	fprintf(f, "%s", s[0].status);
	if (s[0].status[0] && s[0].status[strlen(s[0].status) - 1] != '\n')
		fputc('\n', f);
}

static void json_more(struct json *j, const void *arg)
{
	const struct noise_more *m = arg;

	json_key(j, "loops");
	json_array_begin(j);
	json_uint(j, m->s[0].loops);
	json_uint(j, m->s[1].loops);
	json_array_end(j);
	json_key(j, "interrupts");
	if (!m->delta) {
		json_null(j);
		return;
	}
	json_array_begin(j);
	for (int i = 0; i < 2; i++) {
		json_object_begin(j);
		json_key(j, "cpu");
		json_uint(j, (uint64_t)m->s[i].cpu);
		for (int k = 0; k < ISOLATOR_KIND_COUNT; k++) {
			uint64_t v = isolator_counts_get(m->delta, (unsigned)m->s[i].cpu,
							 (enum isolator_kind)k);

			if (v) {
				json_key(j, isolator_kind_name((enum isolator_kind)k));
				json_uint(j, v);
			}
		}
		json_object_end(j);
	}
	json_array_end(j);
}

int bench_noise(int argc, char **argv)
{
	struct bench_params p = {
		.test = "noise", .duration_ns = 10000000000ull, .threshold_ns = 1000,
		.cpu = -1, .other_cpu = -1, .hist_max_ns = 0,
	};
	struct bench_report rep = { .test = "noise", .quantity = "gap" };
	struct bench_series series[2];
	struct spinner s[2];
	struct isolator_counts *before, *after;
	struct noise_more more;
	pthread_barrier_t barrier;
	pthread_t t[2];
	atomic_int go = 0, done = 0, finished = 0;
	char what[2][128];
	int rc;

	if (bench_parse(&p, 0, argc, argv, usage) < 0)
		return EXIT_ERROR;
	isolator_clock();
	bench_avoid(p.cpu);
	pthread_barrier_init(&barrier, NULL, 3);
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 2; i++) {
		s[i].p = &p;
		s[i].cpu = i == 0 ? p.cpu : p.other_cpu;
		s[i].isolate = i == 0;
		s[i].barrier = &barrier;
		s[i].go = &go;
		s[i].finished = &finished;
		s[i].done = &done;
		s[i].gaps = malloc(sizeof(struct bench_hist));
		if (!s[i].gaps)
			return fail("bench noise: out of memory");
		bench_hist_init(s[i].gaps, 0);
		if (pthread_create(&t[i], NULL, spin_thread, &s[i]))
			return fail("bench noise: cannot start a thread: %s", strerror(errno));
	}
	pthread_barrier_wait(&barrier);
	before = isolator_counts_read(NULL);
	atomic_store_explicit(&go, 1, memory_order_release);
	if (!p.quiet)
		fprintf(stderr, "isolator bench noise: %.1f s, CPU %d isolated, CPU %d control, gaps > %llu ns\n",
			(double)p.duration_ns / 1e9, p.cpu, p.other_cpu,
			(unsigned long long)p.threshold_ns);
	bench_progress(&p, &done);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	after = isolator_counts_read(NULL);
	if (s[0].start_err || s[1].start_err) {
		isolator_counts_free(before);
		isolator_counts_free(after);
		return fail("bench noise: isolating CPU %d: %s", p.cpu,
			    s[0].status[0] ? s[0].status : "cannot pin a thread");
	}
	if (before && after)
		isolator_counts_delta(after, before);
	more.s = s;
	more.delta = before && after ? after : NULL;
	bench_machine_describe(&rep.machine, p.cpu, 1);
	snprintf(what[0], sizeof(what[0]), "CPU %d isolated with libisolator, spinning on the TSC", p.cpu);
	snprintf(what[1], sizeof(what[1]), "CPU %d not isolated, the same loop at the same time",
		 p.other_cpu);
	series[0] = (struct bench_series){ "isolated", what[0], s[0].gaps, 0 };
	series[1] = (struct bench_series){ "control", what[1], s[1].gaps, 0 };
	rep.series = series;
	rep.n = 2;
	rep.table_more = table_more;
	rep.json_more = json_more;
	rep.arg = &more;
	/* in noise, the threshold is what makes a gap; 'over' would repeat the count */
	rc = bench_report(&p, &rep);
	isolator_counts_free(before);
	isolator_counts_free(after);
	free(s[0].gaps);
	free(s[1].gaps);
	return rc;
}
