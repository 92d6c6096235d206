// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator bench ipc: notify-and-respond between two CPUs, and streaming
 * throughput, for every way two cores can talk, in one run:
 *
 *   shm       our channel (isolator_chan_post / isolator_chan_read)
 *   floor     raw cache-line ping-pong: one line each way, the hardware's limit
 *   futex     the responder sleeps in futex(2); the sender wakes it
 *   eventfd   the same through eventfd(2)
 *   pipe      the message itself through pipe(2)
 *   ck_ring   Concurrency Kit's SPSC ring (libck-dev)
 *   rte_ring  DPDK's SPSC ring (dpdk-dev), without EAL
 *
 * Round trip with 8-byte messages: min, p50, p99, p99.99, max. Streaming:
 * messages per second with 8- and 64-byte messages; the wake-up modes carry
 * the payload in our channel and wake a sleeping consumer through their
 * mechanism, which is how a blocking design would use them (pipe carries
 * the bytes itself). The rings share one loop (ipc.h), so they differ only
 * in their own code.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../util/util.h"
#include "bench.h"
#include "ipc.h"

enum ipc_mode_id { M_SHM, M_FLOOR, M_FUTEX, M_EVENTFD, M_PIPE, M_CK, M_RTE, M_COUNT };

static const struct {
	const char *name;
	const char *what;
} mode_info[M_COUNT] = {
	[M_SHM] = { "shm", "isolator channel" },
	[M_FLOOR] = { "floor", "raw cache-line ping-pong" },
	[M_FUTEX] = { "futex", "futex(2) wake-up" },
	[M_EVENTFD] = { "eventfd", "eventfd(2) wake-up" },
	[M_PIPE] = { "pipe", "pipe(2) write/read" },
	[M_CK] = { "ck_ring", "Concurrency Kit SPSC ring" },
	[M_RTE] = { "rte_ring", "DPDK SPSC ring" },
};

/* Configuration; not changed once parsed. */
struct ipc_params {
	unsigned cpu_a, cpu_b;
	uint64_t duration_ns;  /* per mode: half round trip, a quarter per stream size */
	unsigned modes;        /* bit per enum ipc_mode_id */
	int fifo;              /* SCHED_FIFO priority of both threads; 0: leave the policy */
	struct json_out json;
	int quiet;
};

/* What one mode measured. */
struct ipc_result {
	int available, ran;
	const char *why;        /* not available: the reason */
	struct bench_hist rtt;
	int has_rtt;
	double tput[2];         /* msgs/s, 8 and 64 bytes; < 0: not measured */
	uint64_t errors;        /* sequence numbers lost, duplicated or reordered */
};

/* --- two pinned threads ---------------------------------------------------- */

/* Pin the calling thread to @cpu and, with @fifo, make it SCHED_FIFO there
 * (so that a loaded machine's other tasks do not share the CPU with it). */
static int pin(unsigned cpu, int fifo)
{
	struct sched_param sp = { .sched_priority = fifo };
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (!err && fifo)
		err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	return -err;
}

struct side_b {
	struct ipc_job *j;
	void (*fn)(struct ipc_job *j);
	unsigned cpu;
	int fifo;
	atomic_int ready;
	int err;
};

static void *run_b(void *arg)
{
	struct side_b *b = arg;

	b->err = pin(b->cpu, b->fifo);
	atomic_store_explicit(&b->ready, 1, memory_order_release);
	if (!b->err)
		b->fn(b->j);
	return NULL;
}

/* Run @fn_b on CPU B in a new thread and @fn_a on CPU A in this one, for
 * about @ns. 0 or a negative errno. */
static int run_pair(const struct ipc_params *p, struct ipc_job *j, uint64_t ns,
		    void (*fn_a)(struct ipc_job *), void (*fn_b)(struct ipc_job *))
{
	struct side_b b = { .j = j, .fn = fn_b, .cpu = p->cpu_b, .fifo = p->fifo };
	struct sched_param sp = { .sched_priority = p->fifo };
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t t;
	int err;

	err = pin(p->cpu_a, p->fifo);
	if (err)
		return err;
	/* B starts on its CPU with its policy: inheriting A's (pinned, FIFO)
	 * would queue it behind A's spinning on A's CPU. */
	CPU_ZERO(&set);
	CPU_SET(p->cpu_b, &set);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, p->fifo ? SCHED_FIFO : SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &sp);
	err = -pthread_create(&t, &attr, run_b, &b);
	pthread_attr_destroy(&attr);
	if (err)
		return err;
	while (!atomic_load_explicit(&b.ready, memory_order_acquire))
		ipc_relax();
	if (b.err) {
		pthread_join(t, NULL);
		return b.err;
	}
	j->end_tsc = isolator_tsc() + isolator_ns_to_cycles(ns);
	fn_a(j);
	pthread_join(t, NULL);
	return 0;
}

/* --- shm: our channel --------------------------------------------------------- */

IPC_INLINE int shm_send(void *ring, const void *msg, size_t size)
{
	return isolator_chan_post(ring, msg, size);
}

IPC_INLINE unsigned shm_recv(void *ring, void *buf, size_t size, unsigned max)
{
	int n = isolator_chan_read(ring, buf, size, NULL, max);

	return n > 0 ? (unsigned)n : 0;
}

IPC_RING_MODE(shm, shm_send, shm_recv);

static void *shm_create(size_t size)
{
	return isolator_chan_create(NULL, IPC_RING_SLOTS, size, 0);
}

static void shm_destroy(void *ring)
{
	isolator_chan_free(ring);
}

static const struct ipc_ring_ops shm_ops = { shm_create, shm_destroy };

/* --- floor: one cache line each way ------------------------------------------ */

struct floor_lines {
	alignas(128) _Atomic uint64_t ping; /* A writes, B reads */
	alignas(128) _Atomic uint64_t pong; /* B writes, A reads */
};

static void floor_a(struct ipc_job *j)
{
	struct floor_lines *l = j->ab;

	for (uint64_t seq = 1;; seq++) {
		uint64_t t0 = isolator_tsc_ordered(), t1;

		atomic_store_explicit(&l->ping, seq, memory_order_release);
		while (atomic_load_explicit(&l->pong, memory_order_acquire) != seq)
			ipc_relax();
		t1 = isolator_tsc_ordered();
		if (seq > IPC_WARMUP)
			bench_hist_add(j->hist, isolator_cycles_to_ns(t1 - t0));
		if (t1 > j->end_tsc)
			break;
	}
	atomic_store_explicit(&l->ping, IPC_STOP, memory_order_release);
}

static void floor_b(struct ipc_job *j)
{
	struct floor_lines *l = j->ab;
	uint64_t last = 0, v;

	for (;;) {
		while ((v = atomic_load_explicit(&l->ping, memory_order_acquire)) == last)
			ipc_relax();
		if (v == IPC_STOP)
			break;
		atomic_store_explicit(&l->pong, v, memory_order_release);
		last = v;
	}
}

/* --- futex, eventfd, pipe: the kernel wakes the other side ---------------------- */

/* One direction of a wake-up channel. */
struct wake {
	enum ipc_mode_id kind;
	alignas(64) atomic_uint word;     /* futex: bumped on every send */
	_Atomic uint64_t value;           /* futex, eventfd: the 8-byte message */
	alignas(64) atomic_uint sleeping; /* stream: the consumer is (about to be) asleep */
	int efd;
	int pfd[2];
	struct isolator_chan *chan;       /* stream payload (futex, eventfd) */
	unsigned seen;                    /* receiver's last futex word */
};

static long futex(atomic_uint *word, int op, unsigned val)
{
	return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void wake_send(struct wake *w, uint64_t v)
{
	uint64_t one = 1;

	switch (w->kind) {
	case M_FUTEX:
		atomic_store_explicit(&w->value, v, memory_order_relaxed);
		/* release: the value is visible to whoever sees the new word */
		atomic_fetch_add_explicit(&w->word, 1, memory_order_release);
		futex(&w->word, FUTEX_WAKE, 1);
		break;
	case M_EVENTFD:
		atomic_store_explicit(&w->value, v, memory_order_relaxed);
		/* the kernel's eventfd lock orders the value before the read */
		if (write(w->efd, &one, sizeof(one)) != sizeof(one))
			abort();
		break;
	default:
		if (write(w->pfd[1], &v, sizeof(v)) != sizeof(v))
			abort();
	}
}

static uint64_t wake_wait(struct wake *w)
{
	uint64_t v;
	unsigned cur;

	switch (w->kind) {
	case M_FUTEX:
		while ((cur = atomic_load_explicit(&w->word, memory_order_acquire)) == w->seen)
			futex(&w->word, FUTEX_WAIT, cur);
		w->seen = cur;
		return atomic_load_explicit(&w->value, memory_order_relaxed);
	case M_EVENTFD:
		while (read(w->efd, &v, sizeof(v)) != sizeof(v))
			;
		return atomic_load_explicit(&w->value, memory_order_relaxed);
	default:
		while (read(w->pfd[0], &v, sizeof(v)) != sizeof(v))
			;
		return v;
	}
}

static void wake_rtt_a(struct ipc_job *j)
{
	for (uint64_t seq = 1;; seq++) {
		uint64_t t0 = isolator_tsc_ordered(), t1;

		wake_send(j->ab, seq);
		if (wake_wait(j->ba) != seq)
			j->errors++;
		t1 = isolator_tsc_ordered();
		if (seq > IPC_WARMUP / 10)
			bench_hist_add(j->hist, isolator_cycles_to_ns(t1 - t0));
		if (t1 > j->end_tsc)
			break;
	}
	wake_send(j->ab, IPC_STOP);
}

static void wake_rtt_b(struct ipc_job *j)
{
	for (;;) {
		uint64_t v = wake_wait(j->ab);

		if (v == IPC_STOP)
			break;
		wake_send(j->ba, v);
	}
}

/* Stream through futex or eventfd: payload in our channel; the producer
 * wakes the consumer only when it said it was going to sleep. The Dekker
 * pair: consumer stores sleeping then re-polls; producer posts then loads
 * sleeping; seq_cst fences on both sides [W1]/[W2] so one of them sees the
 * other. */
static void wake_stream_a(struct ipc_job *j)
{
	struct wake *w = j->ab;
	uint64_t msg[IPC_MAX_MSG / 8] = { 0 };

	for (uint64_t seq = 0;;) {
		int stop;

		msg[0] = seq;
		if (isolator_chan_post(w->chan, msg, j->size)) {
			sched_yield(); /* full: the consumer is behind; let it run */
			continue;
		}
		stop = !(++seq & 1023) && isolator_tsc() > j->end_tsc;
		if (stop) {
			msg[0] = IPC_STOP;
			while (isolator_chan_post(w->chan, msg, j->size))
				sched_yield();
		}
		atomic_thread_fence(memory_order_seq_cst); /* [W1] pairs with [W2] */
		if (atomic_load_explicit(&w->sleeping, memory_order_relaxed))
			wake_send(w, 0);
		if (stop)
			break;
	}
}

struct stream_check {
	struct ipc_job *j;
	uint64_t expect;
	int done;
};

static void stream_msg(void *arg, const void *msg, size_t len)
{
	struct stream_check *c = arg;
	uint64_t v;

	(void)len;
	memcpy(&v, msg, sizeof(v));
	if (c->done)
		return;
	if (!c->expect && !c->j->t_first)
		c->j->t_first = isolator_tsc();
	if (v == IPC_STOP) {
		c->done = 1;
		c->j->t_last = isolator_tsc();
		c->j->received = c->expect;
		return;
	}
	if (v != c->expect)
		c->j->errors++;
	c->expect = v + 1;
}

static void wake_stream_b(struct ipc_job *j)
{
	struct wake *w = j->ab;
	struct stream_check c = { .j = j };

	while (!c.done) {
		if (isolator_chan_poll(w->chan, stream_msg, &c, IPC_BURST) > 0)
			continue;
		unsigned seen = atomic_load_explicit(&w->word, memory_order_acquire);

		atomic_store_explicit(&w->sleeping, 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst); /* [W2] pairs with [W1] */
		if (isolator_chan_poll(w->chan, stream_msg, &c, IPC_BURST) == 0) {
			uint64_t n;

			if (w->kind == M_FUTEX)
				futex(&w->word, FUTEX_WAIT, seen);
			else if (read(w->efd, &n, sizeof(n)) < 0)
				abort();
		}
		atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
	}
}

/* Stream through a pipe: the bytes themselves, one write per message. */
static void pipe_stream_a(struct ipc_job *j)
{
	struct wake *w = j->ab;
	uint64_t msg[IPC_MAX_MSG / 8] = { 0 };

	for (uint64_t seq = 0;;) {
		msg[0] = seq;
		if (write(w->pfd[1], msg, j->size) != (ssize_t)j->size)
			abort();
		if (!(++seq & 255) && isolator_tsc() > j->end_tsc)
			break;
	}
	msg[0] = IPC_STOP;
	if (write(w->pfd[1], msg, j->size) != (ssize_t)j->size)
		abort();
}

static void pipe_stream_b(struct ipc_job *j)
{
	struct wake *w = j->ab;
	static _Thread_local unsigned char buf[65536];
	size_t have = 0;
	uint64_t expect = 0;

	for (;;) {
		ssize_t r = read(w->pfd[0], buf + have, sizeof(buf) - have);
		size_t off = 0;

		if (r <= 0)
			continue;
		if (!j->t_first)
			j->t_first = isolator_tsc();
		have += (size_t)r;
		for (; off + j->size <= have; off += j->size) {
			uint64_t v;

			memcpy(&v, buf + off, sizeof(v));
			if (v == IPC_STOP) {
				j->t_last = isolator_tsc();
				j->received = expect;
				return;
			}
			if (v != expect)
				j->errors++;
			expect = v + 1;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
}

static int wake_open(struct wake *w, enum ipc_mode_id kind, size_t stream_size)
{
	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->efd = -1;
	w->pfd[0] = w->pfd[1] = -1;
	if (kind == M_EVENTFD && (w->efd = eventfd(0, EFD_CLOEXEC)) < 0)
		return -errno;
	if (kind == M_PIPE && pipe2(w->pfd, O_CLOEXEC) < 0)
		return -errno;
	if (kind != M_PIPE && stream_size && !(w->chan = isolator_chan_create(NULL, IPC_RING_SLOTS, stream_size, 0)))
		return -errno;
	return 0;
}

static void wake_close(struct wake *w)
{
	if (w->efd >= 0)
		close(w->efd);
	if (w->pfd[0] >= 0) {
		close(w->pfd[0]);
		close(w->pfd[1]);
	}
	isolator_chan_free(w->chan);
}

/* --- one mode ------------------------------------------------------------------- */

static double rate(const struct ipc_job *j)
{
	uint64_t ns = isolator_cycles_to_ns(j->t_last - j->t_first);

	return ns ? (double)j->received * 1e9 / (double)ns : 0;
}

static int run_ring(const struct ipc_params *p, const struct ipc_ring_mode *m,
		    const struct ipc_ring_ops *ops, struct ipc_result *res)
{
	static const size_t sizes[2] = { 8, 64 };
	struct ipc_job j = { .hist = &res->rtt };
	int err;

	j.ab = ops->create(8);
	j.ba = ops->create(8);
	err = j.ab && j.ba ? run_pair(p, &j, p->duration_ns / 2, m->rtt_a, m->rtt_b) : -ENOMEM;
	if (j.ab)
		ops->destroy(j.ab);
	if (j.ba)
		ops->destroy(j.ba);
	if (err)
		return err;
	res->has_rtt = 1;
	res->errors += j.errors;
	for (int s = 0; s < 2; s++) {
		struct ipc_job js = { .size = sizes[s] };

		js.ab = ops->create(sizes[s]);
		if (!js.ab)
			return -ENOMEM;
		err = run_pair(p, &js, p->duration_ns / 4, m->stream_a[s], m->stream_b[s]);
		ops->destroy(js.ab);
		if (err)
			return err;
		res->tput[s] = rate(&js);
		res->errors += js.errors;
	}
	return 0;
}

static int run_floor(const struct ipc_params *p, struct ipc_result *res)
{
	struct floor_lines *l = aligned_alloc(128, sizeof(*l));
	struct ipc_job j = { .hist = &res->rtt };
	int err;

	if (!l)
		return -ENOMEM;
	memset(l, 0, sizeof(*l));
	j.ab = l;
	err = run_pair(p, &j, p->duration_ns / 2, floor_a, floor_b);
	free(l);
	res->has_rtt = !err;
	return err;
}

static int run_wake(const struct ipc_params *p, enum ipc_mode_id kind, struct ipc_result *res)
{
	static const size_t sizes[2] = { 8, 64 };
	struct wake *ab = aligned_alloc(64, sizeof(*ab)), *ba = aligned_alloc(64, sizeof(*ba));
	struct ipc_job j = { .hist = &res->rtt };
	int err = -ENOMEM;

	if (!ab || !ba)
		goto out;
	err = wake_open(ab, kind, 0);
	if (!err)
		err = wake_open(ba, kind, 0);
	j.ab = ab;
	j.ba = ba;
	if (!err)
		err = run_pair(p, &j, p->duration_ns / 2, wake_rtt_a, wake_rtt_b);
	wake_close(ab);
	wake_close(ba);
	if (err)
		goto out;
	res->has_rtt = 1;
	res->errors += j.errors;
	for (int s = 0; s < 2 && !err; s++) {
		struct ipc_job js = { .size = sizes[s], .ab = ab };

		err = wake_open(ab, kind, sizes[s]);
		if (!err)
			err = run_pair(p, &js, p->duration_ns / 4,
				       kind == M_PIPE ? pipe_stream_a : wake_stream_a,
				       kind == M_PIPE ? pipe_stream_b : wake_stream_b);
		wake_close(ab);
		res->tput[s] = rate(&js);
		res->errors += js.errors;
	}
out:
	free(ab);
	free(ba);
	return err;
}

static int run_mode(const struct ipc_params *p, enum ipc_mode_id m, struct ipc_result *res)
{
	switch (m) {
	case M_SHM:
		return run_ring(p, &shm_mode, &shm_ops, res);
	case M_FLOOR:
		return run_floor(p, res);
	case M_CK:
		return run_ring(p, ipc_ck_mode, &ipc_ck_ops, res);
	case M_RTE:
		return run_ring(p, ipc_rte_mode, &ipc_rte_ops, res);
	default:
		return run_wake(p, m, res);
	}
}

/* --- output ----------------------------------------------------------------------- */

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void print_tput(FILE *f, double v)
{
	if (v < 0)
		fprintf(f, " %12s", "-");
	else
		fprintf(f, " %12.0f", v);
}

static void goals(const struct ipc_result *r, double *p50_ratio, double *vs_ck, double *vs_rte)
{
	struct bench_summary shm, fl;

	*p50_ratio = *vs_ck = *vs_rte = 0;
	if (r[M_SHM].has_rtt && r[M_FLOOR].has_rtt) {
		bench_hist_summary(&r[M_SHM].rtt, &shm);
		bench_hist_summary(&r[M_FLOOR].rtt, &fl);
		if (shm.count && fl.count)
			*p50_ratio = ratio((double)shm.p50_ns, (double)fl.p50_ns);
	}
	if (r[M_SHM].ran && r[M_CK].ran)
		*vs_ck = ratio(r[M_SHM].tput[0], r[M_CK].tput[0]);
	if (r[M_SHM].ran && r[M_RTE].ran)
		*vs_rte = ratio(r[M_SHM].tput[0], r[M_RTE].tput[0]);
	/* both measured in this run, or no ratio */
}

static void print_table(const struct ipc_params *p, const struct ipc_result *r,
			const struct bench_machine *m)
{
	double p50_ratio, vs_ck, vs_rte;

	bench_machine_print(stdout, m);
	printf("# isolator bench ipc: CPU %u <-> CPU %u, %.2f s per mode, %s; round trip with 8-byte messages\n",
	       p->cpu_a, p->cpu_b, (double)p->duration_ns / 1e9, p->fifo ? "SCHED_FIFO" : "default policy");
	printf("%-9s %-26s %8s %8s %8s %8s %10s %12s %12s\n", "mode", "what", "min(ns)", "p50(ns)",
	       "p99(ns)", "p9999(ns)", "max(ns)", "8B(msg/s)", "64B(msg/s)");
	for (int i = 0; i < M_COUNT; i++) {
		struct bench_summary s;

		if (!(p->modes & (1u << i)))
			continue;
		if (!r[i].ran) {
			printf("%-9s %-26s unavailable: %s\n", mode_info[i].name, mode_info[i].what, r[i].why);
			continue;
		}
		bench_hist_summary(&r[i].rtt, &s);
		if (!s.count)
			printf("%-9s %-26s %48s", mode_info[i].name, mode_info[i].what,
			       "no round trip: the CPUs were busy (try --fifo)");
		else
			printf("%-9s %-26s %8llu %8llu %8llu %9llu %10llu", mode_info[i].name, mode_info[i].what,
		       (unsigned long long)s.min_ns, (unsigned long long)s.p50_ns,
		       (unsigned long long)s.p99_ns, (unsigned long long)s.p9999_ns,
		       (unsigned long long)s.max_ns);
		print_tput(stdout, r[i].tput[0]);
		print_tput(stdout, r[i].tput[1]);
		if (r[i].errors)
			printf("  SEQUENCE ERRORS: %llu", (unsigned long long)r[i].errors);
		putchar('\n');
	}
	goals(r, &p50_ratio, &vs_ck, &vs_rte);
	if (p50_ratio > 0)
		printf("# goal: shm p50 / floor p50 = %.2f (want <= 1.10)\n", p50_ratio);
	if (vs_ck > 0)
		printf("# goal: shm / ck_ring throughput, 8 B = %.2f, 64 B = %.2f (want >= 1)\n", vs_ck,
		       ratio(r[M_SHM].tput[1], r[M_CK].tput[1]));
	if (vs_rte > 0)
		printf("# goal: shm / rte_ring throughput, 8 B = %.2f, 64 B = %.2f (want >= 1)\n", vs_rte,
		       ratio(r[M_SHM].tput[1], r[M_RTE].tput[1]));
}

static void json_tput(struct json *j, double v)
{
	if (v < 0)
		json_null(j);
	else
		json_uint(j, (uint64_t)(v + 0.5));
}

static void print_json(FILE *f, const struct ipc_params *p, const struct ipc_result *r,
		       const struct bench_machine *m)
{
	double p50_ratio, vs_ck, vs_rte;
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_key(&j, "schema");
	json_string(&j, "isolator-bench/1");
	json_key(&j, "test");
	json_string(&j, "ipc");
	bench_machine_json(&j, m);
	json_key(&j, "quantity");
	json_string(&j, "round trip");
	json_key(&j, "params");
	json_object_begin(&j);
	json_key(&j, "duration_ns");
	json_uint(&j, p->duration_ns);
	json_key(&j, "cpu");
	json_uint(&j, p->cpu_a);
	json_key(&j, "other_cpu");
	json_uint(&j, p->cpu_b);
	json_key(&j, "message_bytes");
	json_uint(&j, 8);
	json_object_end(&j);
	/* the round trips as every bench reports latency (count, latency_ns), so
	 * one schema and one reader (stat --prometheus) serve them all; the
	 * throughputs ride along in the same entry */
	json_key(&j, "results");
	json_array_begin(&j);
	for (int i = 0; i < M_COUNT; i++) {
		struct bench_summary s;

		if (!(p->modes & (1u << i)) || !r[i].ran)
			continue;
		bench_hist_summary(&r[i].rtt, &s);
		json_object_begin(&j);
		json_key(&j, "mode");
		json_string(&j, mode_info[i].name);
		json_key(&j, "description");
		json_string(&j, mode_info[i].what);
		json_key(&j, "count");
		json_uint(&j, s.count);
		json_key(&j, "latency_ns");
		json_summary(&j, &s);
		json_key(&j, "jitter_ns");
		json_uint(&j, s.jitter_ns);
		json_key(&j, "throughput_msgs_per_s");
		json_tput(&j, r[i].tput[0]);
		json_key(&j, "throughput_64B_msgs_per_s");
		json_tput(&j, r[i].tput[1]);
		json_key(&j, "sequence_errors");
		json_uint(&j, r[i].errors);
		json_object_end(&j);
	}
	json_array_end(&j);
	/* modes asked for that could not run here, and why */
	json_key(&j, "unavailable");
	json_array_begin(&j);
	for (int i = 0; i < M_COUNT; i++) {
		if (!(p->modes & (1u << i)) || r[i].ran)
			continue;
		json_object_begin(&j);
		json_key(&j, "mode");
		json_string(&j, mode_info[i].name);
		json_key(&j, "reason");
		json_string(&j, r[i].why);
		json_object_end(&j);
	}
	json_array_end(&j);
	goals(r, &p50_ratio, &vs_ck, &vs_rte);
	json_key(&j, "goals");
	json_object_begin(&j);
	json_key(&j, "shm_p50_over_floor_p50");
	p50_ratio > 0 ? json_double(&j, p50_ratio) : json_null(&j);
	json_key(&j, "shm_over_ck_ring_throughput");
	vs_ck > 0 ? json_double(&j, vs_ck) : json_null(&j);
	json_key(&j, "shm_over_rte_ring_throughput");
	vs_rte > 0 ? json_double(&j, vs_rte) : json_null(&j);
	json_object_end(&j);
	json_object_end(&j);
}

/* --- command line --------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator bench ipc [--cpus A,B] [--duration SECONDS] [--modes LIST] [--fifo PRIO] [--json[=FILE]] [--quiet]\n"
		"Notify-and-respond round trip (8-byte messages) and streaming throughput\n"
		"(8- and 64-byte messages) between CPU A and CPU B, every mode in one run.\n\n"
		"  --cpus A,B       the two CPUs (default: the last online CPU and the one before)\n"
		"  --duration T     time per mode: half round trip, a quarter per message size (default 1 s)\n"
		"  --modes LIST     comma-separated subset of: shm,floor,futex,eventfd,pipe,ck_ring,rte_ring\n"
		"  --fifo PRIO      run both threads SCHED_FIFO at PRIO (1-99) so other tasks cannot share\n"
		"                   their CPUs; both CPUs are then busy for the whole run (default: off)\n"
		"  --json[=FILE]    JSON (schema isolator-bench/1) on stdout instead of the table;\n"
		"                   =FILE: into FILE, and the table stays\n"
		"  --quiet          no progress lines on stderr\n"
		"Goals reported (not enforced): shm p50 within 1.1x of floor; shm throughput >= ck_ring, rte_ring.\n");
}

static int parse_modes(const char *text, unsigned *modes)
{
	char buf[256], *save = NULL, *tok;

	if (!text || !*text || strlen(text) >= sizeof(buf))
		return fail("bench ipc: --modes '%s': want a list of shm,floor,futex,eventfd,pipe,ck_ring,rte_ring",
			    text ? text : ""), -1;
	strcpy(buf, text);
	*modes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < M_COUNT && strcmp(tok, mode_info[i].name); i++)
			;
		if (i == M_COUNT)
			return fail("bench ipc: unknown mode '%s' (shm, floor, futex, eventfd, pipe, ck_ring, rte_ring)",
				    tok), -1;
		*modes |= 1u << i;
	}
	if (!*modes)
		return fail("bench ipc: --modes '%s' names no mode", text), -1;
	return 0;
}

static int parse_cpus(const char *text, unsigned *a, unsigned *b)
{
	char buf[64];
	char *comma;

	if (strlen(text) >= sizeof(buf) || !(comma = strchr(strcpy(buf, text), ',')))
		return fail("bench ipc: --cpus '%s': want two CPUs, 'A,B'", text), -1;
	*comma = '\0';
	if (parse_cpu_online("--cpus", buf, a) < 0 || parse_cpu_online("--cpus", comma + 1, b) < 0)
		return -1;
	if (*a == *b)
		return fail("bench ipc: --cpus %u,%u: the same CPU twice; want two different CPUs", *a, *b), -1;
	return 0;
}

static int parse(struct ipc_params *p, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "modes", required_argument, NULL, 'm' },
		{ "json", optional_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "fifo", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int have_cpus = 0, c;

	memset(p, 0, sizeof(*p));
	p->duration_ns = 1000000000ull;
	p->modes = (1u << M_COUNT) - 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:m:f:jqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_cpus(optarg, &p->cpu_a, &p->cpu_b) < 0)
				return -1;
			have_cpus = 1;
			break;
		case 'd':
			if (parse_duration("--duration", optarg, &p->duration_ns) < 0)
				return -1;
			if (p->duration_ns < 10000000ull || p->duration_ns > 3600000000000ull)
				return fail("bench ipc: --duration %s: want 10 ms to 1 h per mode", optarg), -1;
			break;
		case 'm':
			if (parse_modes(optarg, &p->modes) < 0)
				return -1;
			break;
		case 'f': {
			unsigned long prio;

			if (parse_uint("--fifo", optarg, 1, 99, &prio) < 0)
				return -1;
			p->fifo = (int)prio;
			break;
		}
		case 'j':
			if (json_out_parse(&p->json, "--json", optarg) < 0)
				return -1;
			break;
		case 'q':
			p->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			return bad_option("bench ipc", argv), -1;
		}
	}
	if (optind < argc)
		return fail("bench ipc: unexpected argument '%s'", argv[optind]), -1;
	if (!have_cpus) {
		int last = last_online_cpu();
		struct isolator_cpuset online;
		int other = -1;

		if (isolator_cpus_online(NULL, &online) == 0)
			for (int i = last - 1; i >= 0 && other < 0; i--)
				if (isolator_cpuset_has(&online, (unsigned)i))
					other = i;
		if (last < 0 || other < 0)
			return fail("bench ipc: needs two online CPUs"), -1;
		p->cpu_a = (unsigned)other;
		p->cpu_b = (unsigned)last;
	}
	return 0;
}

int bench_ipc(int argc, char **argv)
{
	struct ipc_params p;
	struct ipc_result *res;
	struct bench_machine machine;
	cpu_set_t saved;
	struct sched_param saved_param;
	int saved_policy;
	unsigned nmodes = 0, done = 0;
	int rc = EXIT_OK;

	if (parse(&p, argc, argv) < 0)
		return EXIT_ERROR;
	res = calloc(M_COUNT, sizeof(*res));
	if (!res)
		return fail("bench ipc: out of memory");
	nmodes = (unsigned)__builtin_popcount(p.modes);
	(void)isolator_clock(); /* calibrate before anything is timed */
	pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
	pthread_getschedparam(pthread_self(), &saved_policy, &saved_param);
	for (int i = 0; i < M_COUNT; i++) {
		int err;

		res[i].tput[0] = res[i].tput[1] = -1;
		bench_hist_init(&res[i].rtt, 0);
		if (!(p.modes & (1u << i)))
			continue;
		if (i == M_CK && !ipc_ck_mode) {
			res[i].why = ipc_ck_missing;
			continue;
		}
		if (i == M_RTE && !ipc_rte_mode) {
			res[i].why = ipc_rte_missing;
			continue;
		}
		done++;
		/* a long run says where it is */
		if (!p.quiet && (uint64_t)nmodes * p.duration_ns > 3000000000ull)
			fprintf(stderr, "isolator bench ipc: %u/%u %s (%.1f s)\n", done, nmodes,
				mode_info[i].name, (double)p.duration_ns / 1e9);
		err = run_mode(&p, (enum ipc_mode_id)i, &res[i]);
		if (err) {
			rc = fail("bench ipc: mode %s: %s", mode_info[i].name, strerror(-err));
			break;
		}
		res[i].ran = 1;
		if (res[i].errors)
			rc = fail("bench ipc: mode %s: %llu messages lost, duplicated or reordered",
				  mode_info[i].name, (unsigned long long)res[i].errors);
	}
	pthread_setschedparam(pthread_self(), saved_policy, &saved_param);
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	if (rc == EXIT_OK || done) {
		bench_machine_describe(&machine, (int)p.cpu_a, 0);
		if (p.json.on) {
			FILE *f = json_out_open(&p.json);

			if (!f || (print_json(f, &p, res, &machine), json_out_close(&p.json, f) < 0))
				rc = EXIT_ERROR;
		}
		if (json_out_table(&p.json))
			print_table(&p, res, &machine);
	}
	free(res);
	return rc;
}
