// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator bench response: the paper's Table 1 in software.
 *
 * A stimulus thread on one CPU writes an event (sequence number, TSC) into an
 * "input register" every --period; a responder on the isolated CPU polls it,
 * as the paper polls the GPIO interrupt status register, and writes the
 * sequence number to an "output register", which the stimulus watches like
 * the oscilloscope's second channel. Latency = output seen - input written,
 * both read with the stimulus CPU's counter. The responder also notes when it
 * saw the input (the one-way split), with the counter of its own CPU (the TSC
 * is synchronised across CPUs; `isolator_clock()->invariant` says so).
 *
 * Three modes share one run, in interleaved rounds of up to 100 ms, so that every
 * mode sees the same host noise:
 *   poll   the responder isolated with libisolator, spinning on the input;
 *   wake   the same responder thread blocked in the kernel on a futex, woken
 *          by the stimulus: the path an RTOS or PREEMPT_RT takes;
 *   floor  a raw ping-pong on the same CPUs, no library: the cost of moving
 *          two cache lines between the cores, the floor of what poll can do.
 *
 * With --gpio or --mmio, poll and wake use the device's input and output
 * instead of memory (wake: GPIO edge events; an MMIO register cannot be
 * waited on) and floor stays the memory ping-pong as the reference.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "suite.h"

enum mode { M_POLL, M_WAKE, M_FLOOR, M_COUNT };
/* Values of the round word besides the modes. */
enum { ROUND_IDLE = M_COUNT, ROUND_END };

#define ROUND_NS 100000000ull      /* one round of one mode, at most */
#define TIMEOUT_NS 1000000000ull   /* an event with no response by then is lost */

static const char *const mode_name[M_COUNT] = { "poll", "wake", "floor" };

/* One cache line each for what one core writes and the other reads. */
struct regs {
	alignas(64) atomic_uint in_seq;     /* stimulus -> responder; futex word */
	atomic_ullong in_tsc;               /* TSC of the input write */
	alignas(64) atomic_uint out_seq;    /* responder -> stimulus */
	alignas(64) atomic_uint round;      /* conductor -> responders; futex word */
	alignas(64) atomic_uint ready;      /* responder -> conductor: mode it serves */
};

struct response {
	const struct bench_params *p;
	struct bench_io *io;                /* NULL: memory registers */
	struct regs *r;
	int start_err;
	int isolated;
	char status[2048];
	pthread_barrier_t barrier;
	atomic_int done;
	/* written by the stimulus thread only */
	struct bench_hist *lat[M_COUNT];
	uint64_t lost[M_COUNT];
	uint64_t events[M_COUNT];
	/* written by the responder threads only (one per mode) */
	struct bench_hist *oneway[M_COUNT];
	uint64_t responses;                 /* --external: inputs answered */
};

static unsigned round_now(struct regs *r)
{
	return atomic_load_explicit(&r->round, memory_order_acquire);
}

/* Block until the round is @mode or the end; returns the round. */
static unsigned await_round(struct regs *r, unsigned mode)
{
	unsigned cur;

	while ((cur = round_now(r)) != mode && cur != ROUND_END)
		bench_futex_wait(&r->round, cur);
	return cur;
}

static void note_oneway(struct response *x, enum mode m, uint64_t seen)
{
	uint64_t sent = atomic_load_explicit(&x->r->in_tsc, memory_order_relaxed);

	if (seen > sent)
		bench_hist_add(x->oneway[m], isolator_cycles_to_ns(seen - sent));
}

/* --- responder on memory --------------------------------------------------- */

static void poll_memory(struct response *x)
{
	struct regs *r = x->r;
	unsigned last = atomic_load_explicit(&r->in_seq, memory_order_relaxed);

	for (;;) {
		/* acquire: pairs with the stimulus's release store of in_seq,
		 * so in_tsc written before it is visible */
		unsigned s = atomic_load_explicit(&r->in_seq, memory_order_acquire);

		if (s != last) {
			/* the branch depends on the load, so the counter is read
			 * after the input was seen, without a fence */
			uint64_t seen = isolator_tsc();

			/* release: pairs with the stimulus's acquire load of out_seq */
			atomic_store_explicit(&r->out_seq, s, memory_order_release);
			last = s;
			note_oneway(x, M_POLL, seen);
			continue;
		}
		if (atomic_load_explicit(&r->round, memory_order_relaxed) != M_POLL)
			return;
	}
}

static void wake_memory(struct response *x)
{
	struct regs *r = x->r;
	unsigned last = atomic_load_explicit(&r->in_seq, memory_order_relaxed);

	for (;;) {
		unsigned s = atomic_load_explicit(&r->in_seq, memory_order_acquire);

		if (s != last) {
			uint64_t seen = isolator_tsc();

			atomic_store_explicit(&r->out_seq, s, memory_order_release);
			last = s;
			note_oneway(x, M_WAKE, seen);
			continue;
		}
		if (round_now(r) != M_WAKE)
			return;
		/* sleeps only while in_seq still holds @last: no lost wake-up */
		bench_futex_wait(&r->in_seq, last);
	}
}

/* --- responder on a device --------------------------------------------------- */

static void poll_io(struct response *x, enum mode m)
{
	struct bench_io *io = x->io;
	unsigned last = io->read_in(io->priv);

	for (;;) {
		unsigned v = io->read_in(io->priv);

		if (v != last) {
			uint64_t seen = isolator_tsc();

			io->write_out(io->priv, v);
			last = v;
			if (x->p->external)
				bench_hist_add(x->oneway[m], isolator_cycles_to_ns(isolator_tsc() - seen));
			else
				note_oneway(x, m, seen);
			x->responses++;
			continue;
		}
		if (m == M_WAKE)
			io->wait_in(io->priv, last, 50000000ull);
		if (round_now(x->r) != m)
			return;
	}
}

/* The responder on the isolated CPU: poll and wake rounds. */
static void *responder(void *arg)
{
	struct response *x = arg;
	unsigned round;

	x->start_err = bench_pin(x->p->cpu);
	if (!x->start_err) {
		x->start_err = isolator_start(ISOLATOR_MASK_ALL);
		if (x->start_err)
			snprintf(x->status, sizeof(x->status), "%s", isolator_errmsg());
		else
			isolator_status_describe(x->status, sizeof(x->status));
	}
	x->isolated = !x->start_err;
	pthread_barrier_wait(&x->barrier);
	if (x->start_err)
		return NULL;
	for (;;) {
		round = round_now(x->r);
		if (round == ROUND_END)
			break;
		if (round != M_POLL && round != M_WAKE) {
			bench_futex_wait(&x->r->round, round);
			continue;
		}
		atomic_store_explicit(&x->r->ready, round, memory_order_release);
		if (x->io)
			poll_io(x, (enum mode)round);
		else if (round == M_POLL)
			poll_memory(x);
		else
			wake_memory(x);
		/* the paper's isolator_tick(): maintenance at a moment we chose,
		 * between rounds, never while an event may be pending */
		isolator_tick(ISOLATOR_TICK_ALL);
	}
	isolator_stop();
	return NULL;
}

/* The floor: a plain thread on the same CPU, no library, no isolation. */
static void *floor_responder(void *arg)
{
	struct response *x = arg;
	struct regs *r = x->r;
	int err = bench_pin(x->p->cpu);

	pthread_barrier_wait(&x->barrier);
	if (err)
		return NULL;
	while (await_round(r, M_FLOOR) == M_FLOOR) {
		unsigned last = atomic_load_explicit(&r->in_seq, memory_order_relaxed);

		atomic_store_explicit(&r->ready, M_FLOOR, memory_order_release);
		for (;;) {
			unsigned s = atomic_load_explicit(&r->in_seq, memory_order_acquire);

			if (s != last) {
				atomic_store_explicit(&r->out_seq, s, memory_order_release);
				last = s;
				continue;
			}
			if (atomic_load_explicit(&r->round, memory_order_relaxed) != M_FLOOR)
				break;
		}
	}
	return NULL;
}

/* --- the stimulus and conductor --------------------------------------------- */

static void set_round(struct response *x, unsigned round)
{
	atomic_store_explicit(&x->r->ready, ROUND_IDLE, memory_order_relaxed);
	atomic_store_explicit(&x->r->round, round, memory_order_release);
	bench_futex_wake(&x->r->round, 16);
	/* a wake-mode responder sleeps on in_seq: let it see the new round */
	bench_futex_wake(&x->r->in_seq, 16);
	/* a responder waiting for a GPIO edge re-checks the round every 50 ms */
}

/* One event in mode @m; returns 0, or -1 if it timed out. */
static int event(struct response *x, enum mode m, unsigned seq, uint64_t timeout)
{
	struct regs *r = x->r;
	int device = x->io && m != M_FLOOR;
	unsigned want = device ? seq & 1 : seq;
	uint64_t t0, t1;

	t0 = isolator_tsc_ordered();
	atomic_store_explicit(&r->in_tsc, t0, memory_order_relaxed);
	if (device) {
		atomic_store_explicit(&r->in_seq, seq, memory_order_release);
		x->io->drive_in(x->io->priv, want);
		while (x->io->watch_out(x->io->priv) != want)
			if (isolator_tsc() - t0 > timeout)
				return -1;
	} else {
		/* release: pairs with the responder's acquire load of in_seq */
		atomic_store_explicit(&r->in_seq, seq, memory_order_release);
		if (m == M_WAKE)
			bench_futex_wake(&r->in_seq, 1);
		/* acquire: pairs with the responder's release store of out_seq */
		while (atomic_load_explicit(&r->out_seq, memory_order_acquire) != want)
			if (isolator_tsc() - t0 > timeout)
				return -1;
	}
	t1 = isolator_tsc_ordered();
	bench_hist_add(x->lat[m], isolator_cycles_to_ns(t1 - t0));
	return 0;
}

static void *stimulus(void *arg)
{
	struct response *x = arg;
	const struct bench_params *p = x->p;
	uint64_t period = isolator_ns_to_cycles(p->period_ns);
	/* at least three rounds of each mode, even in a short run */
	uint64_t round_ns = p->duration_ns / (3 * M_COUNT) < ROUND_NS ?
			    p->duration_ns / (3 * M_COUNT) : ROUND_NS;
	uint64_t round_len = isolator_ns_to_cycles(round_ns);
	uint64_t timeout = isolator_ns_to_cycles(TIMEOUT_NS);
	uint64_t start, end, now, next;
	unsigned seq = 0, k = 0;
	int err = bench_pin(p->other_cpu);

	pthread_barrier_wait(&x->barrier);
	if (err || x->start_err)
		goto out;
	start = isolator_tsc();
	end = start + isolator_ns_to_cycles(p->duration_ns);
	while ((now = isolator_tsc()) < end) {
		enum mode m = (enum mode)(k++ % M_COUNT);
		uint64_t round_end;

		if (x->io && m == M_WAKE && !x->io->can_wait)
			continue;
		set_round(x, m);
		/* wait for the responder of this mode to be running, so the
		 * first event does not time its wake-up */
		while (atomic_load_explicit(&x->r->ready, memory_order_acquire) != (unsigned)m)
			if (isolator_tsc() - now > timeout)
				break;
		round_end = isolator_tsc() + round_len;
		if (round_end > end)
			round_end = end;
		next = isolator_tsc();
		while ((now = isolator_tsc()) < round_end) {
			if (now < next)
				continue;
			x->events[m]++;
			if (event(x, m, ++seq, timeout) < 0)
				x->lost[m]++;
			/* the next event at its slot, or now if the response took
			 * longer than a period: never a burst to catch up */
			next += period;
			now = isolator_tsc();
			if (next < now)
				next = now;
		}
	}
out:
	set_round(x, ROUND_END);
	atomic_store_explicit(&x->done, 1, memory_order_release);
	return NULL;
}

/* --external: only the responder; the input comes from outside. */
static void *external_conductor(void *arg)
{
	struct response *x = arg;
	int err = bench_pin(x->p->other_cpu);

	pthread_barrier_wait(&x->barrier);
	if (!err && !x->start_err) {
		set_round(x, M_POLL);
		sleep_ns(x->p->duration_ns, NULL);
	}
	set_round(x, ROUND_END);
	atomic_store_explicit(&x->done, 1, memory_order_release);
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator bench response [options]\n"
		"The paper's Table 1: event -> response latency. A stimulus CPU writes an\n"
		"event to an input register every period; the isolated CPU polls it and\n"
		"writes an output register the stimulus watches. Modes, interleaved in\n"
		"rounds of up to 100 ms of one run: poll (isolated, spinning), wake (the same\n"
		"responder blocked on a futex: the PREEMPT_RT path), floor (a raw\n"
		"ping-pong, no library: the cache-line round trip).\n");
	bench_usage_common(out, BENCH_OPT_PERIOD | BENCH_OPT_IO);
}

static void table_more(FILE *f, const void *arg)
{
	const struct response *x = arg;
	struct bench_summary poll, wake, floor_;

	bench_hist_summary(x->lat[M_POLL], &poll);
	bench_hist_summary(x->lat[M_WAKE], &wake);
	bench_hist_summary(x->lat[M_FLOOR], &floor_);
	if (x->p->external) {
		fprintf(f, "inputs answered: %llu (latency is measured outside)\n",
			(unsigned long long)x->responses);
		return;
	}
	if (x->io)
		fprintf(f, "device: %s\n", x->io->desc);
	if (floor_.p50_ns && poll.count)
		fprintf(f, "goal: poll p50 / floor p50 = %.2f (goal <= 1.2)\n",
			(double)poll.p50_ns / (double)floor_.p50_ns);
	else
		fprintf(f, "goal: poll p50 / floor p50 = n/a (a mode got no samples in this run)\n");
	if (poll.p99_ns && wake.count)
		fprintf(f, "goal: wake p99 / poll p99 = %.1f (goal >= 100)\n",
			(double)wake.p99_ns / (double)poll.p99_ns);
	else if (!x->io || x->io->can_wait)
		fprintf(f, "goal: wake p99 / poll p99 = n/a (a mode got no samples in this run)\n");
	fprintf(f, "%s", x->status);
	if (x->status[0] && x->status[strlen(x->status) - 1] != '\n')
		fputc('\n', f);
}

static void json_more(struct json *j, const void *arg)
{
	const struct response *x = arg;

	json_key(j, "io");
	json_string(j, x->io ? x->io->desc : "memory");
	if (x->p->external) {
		json_key(j, "responses");
		json_uint(j, x->responses);
	}
}

int bench_response(int argc, char **argv)
{
	struct bench_params p = {
		.test = "response", .duration_ns = 10000000000ull, .period_ns = 2000,
		.threshold_ns = 1000, .cpu = -1, .other_cpu = -1, .hist_max_ns = 0,
	};
	struct response *x;
	struct bench_io io;
	struct bench_series series[M_COUNT], split[M_COUNT];
	struct bench_report rep = { .test = "response", .quantity = "latency" };
	pthread_t t[3];
	unsigned n = 0, ns = 0;
	int rc;

	if (bench_parse(&p, BENCH_OPT_PERIOD | BENCH_OPT_IO, argc, argv, usage) < 0)
		return EXIT_ERROR;
	memset(&io, 0, sizeof(io));
	if (p.gpio && bench_gpio_open(&io, p.gpio, 0) < 0)
		return EXIT_ERROR;
	if (p.mmio && bench_mmio_open(&io, p.mmio, 0) < 0)
		return EXIT_ERROR;
	if ((p.gpio || p.mmio) && !p.external && !io.can_stimulate) {
		io.close(io.priv);
		return fail("bench response: %s: nothing here can drive the input; use --external "
			    "with a signal generator", io.desc);
	}
	x = calloc(1, sizeof(*x));
	if (!x || posix_memalign((void **)&x->r, 64, sizeof(*x->r)))
		return fail("bench response: out of memory");
	memset(x->r, 0, sizeof(*x->r));
	atomic_store(&x->r->round, ROUND_IDLE);
	x->p = &p;
	x->io = (p.gpio || p.mmio) ? &io : NULL;
	for (int m = 0; m < M_COUNT; m++) {
		x->lat[m] = malloc(sizeof(struct bench_hist));
		x->oneway[m] = malloc(sizeof(struct bench_hist));
		if (!x->lat[m] || !x->oneway[m])
			return fail("bench response: out of memory");
		bench_hist_init(x->lat[m], p.threshold_ns);
		bench_hist_init(x->oneway[m], p.threshold_ns);
	}
	isolator_clock(); /* calibrate before the threads start */
	bench_avoid(p.cpu);
	pthread_barrier_init(&x->barrier, NULL, 3);
	if (pthread_create(&t[0], NULL, responder, x) ||
	    pthread_create(&t[1], NULL, floor_responder, x) ||
	    pthread_create(&t[2], NULL, p.external ? external_conductor : stimulus, x))
		return fail("bench response: cannot start a thread: %s", strerror(errno));
	if (!p.quiet)
		fprintf(stderr, "isolator bench response: %.1f s, CPU %d isolated, CPU %d %s\n",
			(double)p.duration_ns / 1e9, p.cpu, p.other_cpu,
			p.external ? "idle (input from outside)" : "stimulus");
	bench_progress(&p, &x->done);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	if (x->start_err)
		return fail("bench response: isolating CPU %d: %s", p.cpu,
			    x->status[0] ? x->status : strerror(-x->start_err));

	bench_machine_describe(&rep.machine, p.cpu, x->isolated);
	if (p.external) {
		series[n++] = (struct bench_series){ "poll", "detect -> output written, on the isolated CPU",
						     x->oneway[M_POLL], 0 };
		rep.quantity = "service time";
	} else {
		static const char *const what[M_COUNT] = {
			"isolated responder spinning on the input (libisolator)",
			"the same responder blocked on a futex, woken by the stimulus (PREEMPT_RT path)",
			"raw ping-pong, plain thread, no library: the cache-line floor",
		};
		static const char *const what_io[M_COUNT] = {
			"isolated responder polling the device input",
			"the same responder waiting for an edge event in the kernel",
			"raw memory ping-pong, plain thread, no library: the floor",
		};
		for (int m = 0; m < M_COUNT; m++) {
			if (x->io && m == M_WAKE && !io.can_wait)
				continue;
			series[n++] = (struct bench_series){ mode_name[m], x->io ? what_io[m] : what[m],
							     x->lat[m], x->lost[m] };
		}
		split[ns++] = (struct bench_series){ "poll", "input written -> responder saw it",
						     x->oneway[M_POLL], 0 };
		if (!x->io || io.can_wait)
			split[ns++] = (struct bench_series){ "wake", "input written -> responder saw it",
							     x->oneway[M_WAKE], 0 };
	}
	rep.series = series;
	rep.n = n;
	rep.extra = split;
	rep.n_extra = ns;
	rep.extra_title = "one-way split (input written -> responder saw it), same clock:";
	rep.table_more = table_more;
	rep.json_more = json_more;
	rep.arg = x;
	rc = bench_report(&p, &rep);
	if (x->io)
		io.close(io.priv);
	for (int m = 0; m < M_COUNT; m++) {
		free(x->lat[m]);
		free(x->oneway[m]);
	}
	free(x->r);
	free(x);
	return rc;
}
