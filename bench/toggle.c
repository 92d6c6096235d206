// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator bench toggle: the paper's Table 2 in software.
 *
 * A loop reads the time-stamp counter and flips an output at instants
 * computed from it (start + k * period); the lateness of each flip is the
 * counter read just after the output was written minus its scheduled
 * instant. Two loops run at the same time: one on the CPU isolated by
 * libisolator, one on an ordinary CPU, so both see the same host.
 *
 * The output is a word of memory (a stand-in for the GPIO data register), or
 * with --gpio / --mmio the device's output line or register for the isolated
 * loop; the control loop keeps a memory output, and the table says so.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "suite.h"

struct flipper {
	const struct bench_params *p;
	struct bench_io *io;        /* NULL: memory output */
	int cpu, isolate;
	int start_err;
	char status[2048];
	uint64_t flips, skipped;    /* slots missed because a flip was more than a period late */
	struct bench_hist *late;
	pthread_barrier_t *barrier;
	atomic_int *go;
	atomic_int *finished, *done; /* the last loop to end sets *done */
	alignas(64) atomic_uint out; /* the memory "output register" */
};

static void *flip_loop_(struct flipper *f);

static void *flip_loop(void *arg)
{
	struct flipper *f = arg;

	flip_loop_(f);
	if (atomic_fetch_add(f->finished, 1) == 1)
		atomic_store_explicit(f->done, 1, memory_order_release);
	return NULL;
}

static void *flip_loop_(struct flipper *f)
{
	uint64_t period = isolator_ns_to_cycles(f->p->period_ns);
	uint64_t next, end, now;
	unsigned v = 0;

	f->start_err = bench_pin(f->cpu);
	if (!f->start_err && f->isolate) {
		f->start_err = isolator_start(ISOLATOR_MASK_ALL);
		if (f->start_err)
			snprintf(f->status, sizeof(f->status), "%s", isolator_errmsg());
		else
			isolator_status_describe(f->status, sizeof(f->status));
	}
	pthread_barrier_wait(f->barrier);
	while (!atomic_load_explicit(f->go, memory_order_acquire))
		;
	if (f->start_err)
		return NULL;
	next = isolator_tsc() + period;
	end = next + isolator_ns_to_cycles(f->p->duration_ns);
	while (next < end) {
		while (isolator_tsc() < next)
			;
		v ^= 1;
		if (f->io)
			f->io->write_out(f->io->priv, v);
		else
			atomic_store_explicit(&f->out, v, memory_order_relaxed);
		/* ordered: the counter is read after the output store executed */
		now = isolator_tsc_ordered();
		bench_hist_add(f->late, isolator_cycles_to_ns(now - next));
		f->flips++;
		next += period;
		if (next < now) { /* late by more than a period: skip the missed slots */
			uint64_t missed = (now - next) / period + 1;

			f->skipped += missed;
			next += missed * period;
		}
	}
	if (f->isolate)
		isolator_stop();
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator bench toggle [options]\n"
		"The paper's Table 2: flip an output at instants computed from the\n"
		"time-stamp counter and report each flip's lateness against its schedule,\n"
		"on the isolated CPU and, at the same time, on a control CPU.\n");
	bench_usage_common(out, BENCH_OPT_PERIOD | BENCH_OPT_IO);
}

static void table_more(FILE *f, const void *arg)
{
	const struct flipper *fl = arg;

	fprintf(f, "flips: isolated %llu (%llu slots skipped), control %llu (%llu skipped); period %llu ns\n",
		(unsigned long long)fl[0].flips, (unsigned long long)fl[0].skipped,
		(unsigned long long)fl[1].flips, (unsigned long long)fl[1].skipped,
		(unsigned long long)fl[0].p->period_ns);
	fprintf(f, "%s", fl[0].status);
	if (fl[0].status[0] && fl[0].status[strlen(fl[0].status) - 1] != '\n')
		fputc('\n', f);
}

static void json_more(struct json *j, const void *arg)
{
	const struct flipper *fl = arg;

	json_key(j, "io");
	json_string(j, fl[0].io ? fl[0].io->desc : "memory");
	json_key(j, "skipped");
	json_array_begin(j);
	json_uint(j, fl[0].skipped);
	json_uint(j, fl[1].skipped);
	json_array_end(j);
}

int bench_toggle(int argc, char **argv)
{
	struct bench_params p = {
		.test = "toggle", .duration_ns = 10000000000ull, .period_ns = 2000,
		.threshold_ns = 1000, .cpu = -1, .other_cpu = -1, .hist_max_ns = 0,
	};
	struct bench_report rep = { .test = "toggle", .quantity = "lateness" };
	struct bench_series series[2];
	struct bench_io io;
	struct flipper *fl;
	pthread_barrier_t barrier;
	pthread_t t[2];
	atomic_int go = 0, done = 0, finished = 0;
	char what0[256];
	int rc;

	if (bench_parse(&p, BENCH_OPT_PERIOD | BENCH_OPT_IO, argc, argv, usage) < 0)
		return EXIT_ERROR;
	if (p.external)
		return fail("bench toggle: --external does not apply (toggle drives its own output)");
	memset(&io, 0, sizeof(io));
	if (p.gpio && bench_gpio_open(&io, p.gpio, 1) < 0)
		return EXIT_ERROR;
	if (p.mmio && bench_mmio_open(&io, p.mmio, 1) < 0)
		return EXIT_ERROR;
	if (posix_memalign((void **)&fl, 64, 2 * sizeof(*fl)))
		return fail("bench toggle: out of memory");
	memset(fl, 0, 2 * sizeof(*fl));
	isolator_clock();
	bench_avoid(p.cpu);
	pthread_barrier_init(&barrier, NULL, 3);
	for (int i = 0; i < 2; i++) {
		fl[i].p = &p;
		fl[i].io = i == 0 && (p.gpio || p.mmio) ? &io : NULL;
		fl[i].cpu = i == 0 ? p.cpu : p.other_cpu;
		fl[i].isolate = i == 0;
		fl[i].barrier = &barrier;
		fl[i].go = &go;
		fl[i].finished = &finished;
		fl[i].done = &done;
		fl[i].late = malloc(sizeof(struct bench_hist));
		if (!fl[i].late)
			return fail("bench toggle: out of memory");
		bench_hist_init(fl[i].late, p.threshold_ns);
		if (pthread_create(&t[i], NULL, flip_loop, &fl[i]))
			return fail("bench toggle: cannot start a thread: %s", strerror(errno));
	}
	pthread_barrier_wait(&barrier);
	atomic_store_explicit(&go, 1, memory_order_release);
	if (!p.quiet)
		fprintf(stderr, "isolator bench toggle: %.1f s, period %llu ns, CPU %d isolated, CPU %d control\n",
			(double)p.duration_ns / 1e9, (unsigned long long)p.period_ns, p.cpu, p.other_cpu);
	bench_progress(&p, &done);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (fl[0].start_err || fl[1].start_err)
		return fail("bench toggle: isolating CPU %d: %s", p.cpu,
			    fl[0].status[0] ? fl[0].status : strerror(-fl[0].start_err ? -fl[0].start_err : -fl[1].start_err));
	bench_machine_describe(&rep.machine, p.cpu, 1);
	snprintf(what0, sizeof(what0), "CPU %d isolated with libisolator, output: %s", p.cpu,
		 fl[0].io ? io.desc : "memory word");
	series[0] = (struct bench_series){ "isolated", what0, fl[0].late, 0 };
	series[1] = (struct bench_series){ "control", "ordinary CPU at the same time, output: memory word",
					   fl[1].late, 0 };
	rep.series = series;
	rep.n = 2;
	rep.table_more = table_more;
	rep.json_more = json_more;
	rep.arg = fl;
	rc = bench_report(&p, &rep);
	if (fl[0].io)
		io.close(io.priv);
	free(fl[0].late);
	free(fl[1].late);
	free(fl);
	return rc;
}
