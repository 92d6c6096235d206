// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator bench ipc: notify-and-respond between two CPUs, and streaming
 * throughput, for every way two cores can talk, in one run:
 *
 *   shm        our channel, latency layout (isolator_chan_post / _post_batch / _read)
 *   shm_tput   our channel, throughput layout (ISOLATOR_CHAN_THROUGHPUT)
 *   floor      raw cache-line ping-pong: one line each way, the hardware's limit
 *   floor_ring the latency layout's pattern without the library: a stamp per
 *              16-byte slot, 1024 slots (one line each way per message, but
 *              a walk over 256 lines, each new line not claimed ahead)
 *   poll_all   B receives through isolator_poll_all() over 64 channels with a
 *              doorbell, one of them active
 *   poll_scan  the same without the doorbell: every channel polled
 *   futex      the responder sleeps in futex(2); the sender wakes it
 *   eventfd    the same through eventfd(2)
 *   pipe       the message itself through pipe(2)
 *   ck_ring    Concurrency Kit's SPSC ring (libck-dev)
 *   rte_ring   DPDK's SPSC ring (dpdk-dev), without EAL
 *   memcpy     the copy alone: a shared 1 MiB buffer filled and emptied
 *              with memcpy() in pieces of 8, 64, 256 and 1024 bytes (each
 *              size a constant, as a ring's message size), one flag per
 *              16 KiB chunk; the best piece's bandwidth between the two
 *              cores is the limit of every stream
 *
 * Round trip with 8-byte messages: min, p50, p99, p99.99, max; for floor
 * and shm also IPC_RTT_BATCH round trips timed together, whose mean is not
 * rounded to the counter's tick (10 ns on some hosts). Streaming:
 * messages and bytes per second with 8, 64, 256 and 1024-byte messages, sent
 * one per call and (where the ring has a burst send) IPC_BURST per call; the
 * wake-up modes carry the payload in our channel and wake a sleeping
 * consumer through their mechanism, which is how a blocking design would use
 * them (pipe carries the bytes itself). The rings share one loop (ipc.h), so
 * they differ only in their own code.
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

enum ipc_mode_id {
	M_SHM, M_SHM_TPUT, M_FLOOR, M_FLOOR_RING, M_POLL_ALL, M_POLL_SCAN, M_FUTEX, M_EVENTFD, M_PIPE, M_CK, M_RTE,
	M_MEMCPY, M_COUNT
};

static const struct {
	const char *name;
	const char *what;
} mode_info[M_COUNT] = {
	[M_SHM] = { "shm", "isolator channel, latency" },
	[M_SHM_TPUT] = { "shm_tput", "isolator channel, throughput" },
	[M_FLOOR] = { "floor", "raw cache-line ping-pong" },
	[M_FLOOR_RING] = { "floor_ring", "raw stamped ring, 1024 x 16 B" },
	[M_POLL_ALL] = { "poll_all", "poll_all, 64 chans, doorbell" },
	[M_POLL_SCAN] = { "poll_scan", "poll_all, 64 chans, no bell" },
	[M_FUTEX] = { "futex", "futex(2) wake-up" },
	[M_EVENTFD] = { "eventfd", "eventfd(2) wake-up" },
	[M_PIPE] = { "pipe", "pipe(2) write/read" },
	[M_CK] = { "ck_ring", "Concurrency Kit SPSC ring" },
	[M_RTE] = { "rte_ring", "DPDK SPSC ring" },
	[M_MEMCPY] = { "memcpy", "memcpy stream, best piece size" },
};

static const char *const send_names[IPC_NSENDS] = { "single", "burst" };

/* Configuration; not changed once parsed. */
struct ipc_params {
	unsigned cpu_a, cpu_b;
	uint64_t duration_ns;  /* per mode: half round trip, half shared by its streams */
	unsigned rounds;       /* the modes run in turn this many times, duration_ns / rounds each */
	unsigned round_no;     /* in the copy that runs one round: which (0 to rounds - 1) */
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
	struct bench_hist batch; /* shm, floor: round trips timed IPC_RTT_BATCH together */
	int has_batch;
	struct bench_hist leg;  /* shm, poll_all, poll_scan: one receive, timed on B */
	int has_leg;
	double tput[IPC_NSENDS][IPC_NSIZES]; /* msgs/s, the median of the rounds'; < 0: not measured */
	double bytes_per_s[IPC_NSIZES]; /* memcpy: the copy bandwidth per piece size; < 0: not measured */
	double copy_limit;      /* memcpy: the best of them, the streams' limit; < 0: not measured */
	/* each round's rate of each stream (msgs/s; 0: none), round r's at
	 * rate[(k * IPC_NSIZES + s) * rounds + r]: a round that another task
	 * or the host interrupted moves a median less than a sum, and the
	 * rings' rates of one round (run side by side) can be compared as a
	 * pair */
	double *rate;
	double bytes[IPC_NSIZES], bytes_ns[IPC_NSIZES]; /* memcpy, summed over the rounds */
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
	j->mid_tsc = isolator_tsc() + isolator_ns_to_cycles(ns / 2);
	j->end_tsc = j->mid_tsc + isolator_ns_to_cycles(ns - ns / 2);
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

IPC_INLINE unsigned shm_send_burst(void *ring, const void *msgs, size_t size, unsigned n)
{
	int r = isolator_chan_post_batch(ring, msgs, size, n);

	return r > 0 ? (unsigned)r : 0;
}

IPC_RING_MODE(shm, shm_send, shm_send_burst, shm_recv);

static void *shm_create(size_t size)
{
	return isolator_chan_create(NULL, IPC_RING_SLOTS, size, 0);
}

static void *shm_tput_create(size_t size)
{
	return isolator_chan_create_flags(NULL, IPC_RING_SLOTS, size, 0, ISOLATOR_CHAN_THROUGHPUT);
}

static void shm_destroy(void *ring)
{
	isolator_chan_free(ring);
}

static const struct ipc_ring_ops shm_ops = { shm_create, shm_destroy };
static const struct ipc_ring_ops shm_tput_ops = { shm_tput_create, shm_destroy };

/* --- poll_all: B receives through the registry of 64 channels ------------------ */

#define POLL_CHANNELS 64
#define POLL_ACTIVE 37 /* the one that carries the messages */

struct poll_set {
	struct isolator_chan *chan[POLL_CHANNELS];
	struct isolator_bell *bell; /* NULL: poll_scan */
	uint64_t got;               /* B: the message the callback saw */
	int have;
};

static void poll_set_msg(void *arg, const void *msg, size_t len)
{
	struct poll_set *ps = arg;

	(void)len;
	memcpy(&ps->got, msg, sizeof(ps->got));
	ps->have = 1;
}

/* B: register the 64 channels in this thread (the registry is the consumer
 * thread's), answer each message on j->ba, unregister at the end. */
static void poll_rtt_b(struct ipc_job *j)
{
	struct poll_set *ps = j->ctx;
	int err = 0;

	for (int i = 0; i < POLL_CHANNELS && !err; i++)
		err = isolator_chan_register(ps->chan[i], poll_set_msg, ps);
	if (err) {
		j->errors++;
		abort(); /* registration of fresh channels cannot fail but for ENOMEM */
	}
	for (;;) {
		ps->have = 0;
		if (isolator_poll_all(1) <= 0 || !ps->have) {
			ipc_relax();
			continue;
		}
		if (ps->got == IPC_STOP)
			break;
		while (isolator_chan_post(j->ba, &ps->got, 8))
			ipc_relax();
	}
	for (int i = 0; i < POLL_CHANNELS; i++)
		isolator_chan_unregister(ps->chan[i]);
}

static void poll_rtt_a(struct ipc_job *j)
{
	ipc_rtt_a(j, shm_send, shm_recv);
}

static void poll_set_free(struct poll_set *ps)
{
	for (int i = 0; i < POLL_CHANNELS; i++)
		isolator_chan_free(ps->chan[i]);
	isolator_bell_free(ps->bell);
	free(ps);
}

static struct poll_set *poll_set_new(int bell)
{
	struct poll_set *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return NULL;
	if (bell && !(ps->bell = isolator_bell_create(NULL, 0)))
		goto fail;
	for (int i = 0; i < POLL_CHANNELS; i++) {
		ps->chan[i] = isolator_chan_create(NULL, IPC_RING_SLOTS, 8, 0);
		if (!ps->chan[i] || (bell && isolator_chan_set_bell(ps->chan[i], ps->bell, (unsigned)i)))
			goto fail;
	}
	return ps;
fail:
	poll_set_free(ps);
	return NULL;
}

/* --- the receive leg: one poll that finds one message, timed on B ------------- */

/* A posts one message, then says so on `posted`; B, which has not touched
 * the channel since its last receive, times one poll (isolator_chan_poll()
 * on the channel, or isolator_poll_all() over the 64), checks that it
 * delivered that message, and answers on `done`. So the time is the whole
 * receive as a consumer pays it when a message waits: the misses on the
 * lines the producer wrote (the doorbell word, the slot) and the code
 * between them, with the handshake outside the timed window. */
struct leg_sync {
	alignas(128) _Atomic uint64_t posted; /* A: the sequence number just posted */
	alignas(128) _Atomic uint64_t done;   /* B: the one it received */
};

static void leg_a(struct ipc_job *j)
{
	struct leg_sync *ls = j->ba;

	for (uint64_t seq = 1;; seq++) {
		while (isolator_chan_post(j->ab, &seq, 8))
			ipc_relax();
		atomic_store_explicit(&ls->posted, seq, memory_order_release);
		while (atomic_load_explicit(&ls->done, memory_order_acquire) != seq)
			ipc_relax();
		if (isolator_tsc() > j->end_tsc)
			break;
	}
	atomic_store_explicit(&ls->posted, IPC_STOP, memory_order_release);
}

static void leg_b(struct ipc_job *j)
{
	struct poll_set *ps = j->ctx;
	struct leg_sync *ls = j->ba;
	int all = ps->chan[POLL_ACTIVE] == j->ab, err = 0;

	for (int i = 0; all && i < POLL_CHANNELS && !err; i++)
		err = isolator_chan_register(ps->chan[i], poll_set_msg, ps);
	if (err)
		abort(); /* registration of fresh channels cannot fail but for ENOMEM */
	for (uint64_t last = 0;;) {
		uint64_t v, t0, t1;
		int n;

		while ((v = atomic_load_explicit(&ls->posted, memory_order_acquire)) == last)
			ipc_relax();
		if (v == IPC_STOP)
			break;
		ps->have = 0;
		t0 = isolator_tsc_ordered();
		n = all ? isolator_poll_all(1) : isolator_chan_poll(j->ab, poll_set_msg, ps, 1);
		t1 = isolator_tsc_ordered();
		if (n != 1 || !ps->have || ps->got != v)
			j->errors++;
		else if (v > IPC_WARMUP)
			bench_hist_add(j->hist, isolator_cycles_to_ns(t1 - t0));
		atomic_store_explicit(&ls->done, v, memory_order_release);
		last = v;
	}
	for (int i = 0; all && i < POLL_CHANNELS; i++)
		isolator_chan_unregister(ps->chan[i]);
}

/* --- memcpy: the copy bandwidth between the two cores ------------------------- */

/* 16 KiB chunks in a 1 MiB buffer, as the 1024-byte rings: measured here,
 * 4 KiB chunks gave 8.7 GB/s and 16 to 64 KiB 11.5 to 13 GB/s, so smaller
 * chunks would measure the handshake, not the copy. Each chunk is copied in
 * and out in pieces of a constant size, one memcpy() each, and the best
 * piece size is the limit: one 16 KiB memcpy() takes another path in the C
 * library (rep movsb above 2 KiB on x86) that measured half as fast on an
 * AMD EPYC host as 1 KiB pieces, and the rings' 1024-byte streams then beat
 * their own "limit" by 2x. The piece size is a constant for the same
 * reason the rings' message size is: on an Intel Xeon host a memcpy() call
 * per piece (the size read at run time) streamed 10.7 GB/s at best, below
 * the rings' 13-14 GB/s, and the compiler's own moves for a constant size
 * 14.6 GB/s (3 December). */
#define COPY_CHUNK 16384
#define COPY_CHUNKS 64

struct copy_stream {
	alignas(64) unsigned char buf[COPY_CHUNKS][COPY_CHUNK];
	struct {
		alignas(64) _Atomic uint64_t full;  /* chunk seq + 1 once A copied it in */
		alignas(64) _Atomic uint64_t freed; /* chunk seq + 1 once B copied it out */
	} flag[COPY_CHUNKS];
	alignas(64) _Atomic int stop;
};

IPC_INLINE void copy_a(struct ipc_job *j, const size_t piece)
{
	struct copy_stream *cs = j->ab;
	static _Thread_local alignas(64) unsigned char src[COPY_CHUNK];

	memset(src, 0x5a, sizeof(src));
	for (uint64_t seq = 0;; seq++) {
		unsigned k = (unsigned)(seq % COPY_CHUNKS);

		/* the chunk's previous lap has been copied out */
		while (seq >= COPY_CHUNKS &&
		       atomic_load_explicit(&cs->flag[k].freed, memory_order_acquire) != seq + 1 - COPY_CHUNKS)
			ipc_relax();
		for (size_t off = 0; off < COPY_CHUNK; off += piece)
			memcpy(cs->buf[k] + off, src + off, piece);
		atomic_store_explicit(&cs->flag[k].full, seq + 1, memory_order_release);
		if (!(seq & 63) && isolator_tsc() > j->end_tsc) {
			atomic_store_explicit(&cs->stop, 1, memory_order_release);
			break;
		}
	}
}

IPC_INLINE void copy_b(struct ipc_job *j, const size_t piece)
{
	struct copy_stream *cs = j->ab;
	static _Thread_local alignas(64) unsigned char dst[COPY_CHUNK];

	for (uint64_t seq = 0;; seq++) {
		unsigned k = (unsigned)(seq % COPY_CHUNKS);

		while (atomic_load_explicit(&cs->flag[k].full, memory_order_acquire) != seq + 1) {
			if (atomic_load_explicit(&cs->stop, memory_order_acquire) &&
			    atomic_load_explicit(&cs->flag[k].full, memory_order_acquire) != seq + 1) {
				j->t_last = isolator_tsc();
				j->received = seq;
				return;
			}
			ipc_relax();
		}
		if (!seq)
			j->t_first = isolator_tsc();
		for (size_t off = 0; off < COPY_CHUNK; off += piece)
			memcpy(dst + off, cs->buf[k] + off, piece);
		__asm__ __volatile__("" : : "r"(dst) : "memory"); /* the copy is used */
		atomic_store_explicit(&cs->flag[k].freed, seq + 1, memory_order_release);
	}
}

/* One copy per piece size with the size a constant, as the rings' streams
 * are instantiated per message size (IPC_SIZES_): the compiler then copies
 * a piece with its own moves, not with a call that reads the size. */
#define COPY_SIZES_(sz) \
	static void copy_a##sz(struct ipc_job *j) { copy_a(j, sz); } \
	static void copy_b##sz(struct ipc_job *j) { copy_b(j, sz); }
COPY_SIZES_(8)
COPY_SIZES_(64)
COPY_SIZES_(256)
COPY_SIZES_(1024)
static void (*const copy_as[IPC_NSIZES])(struct ipc_job *) = { copy_a8, copy_a64, copy_a256, copy_a1024 };
static void (*const copy_bs[IPC_NSIZES])(struct ipc_job *) = { copy_b8, copy_b64, copy_b256, copy_b1024 };

/* --- floor: one cache line each way ------------------------------------------ */

struct floor_lines {
	alignas(128) _Atomic uint64_t ping; /* A writes, B reads */
	alignas(128) _Atomic uint64_t pong; /* B writes, A reads */
};

static void floor_a(struct ipc_job *j)
{
	struct floor_lines *l = j->ab;
	uint64_t seq = 1;

	for (;; seq++) {
		uint64_t t0 = isolator_tsc_ordered(), t1;

		atomic_store_explicit(&l->ping, seq, memory_order_release);
		while (atomic_load_explicit(&l->pong, memory_order_acquire) != seq)
			ipc_relax();
		t1 = isolator_tsc_ordered();
		if (seq > IPC_WARMUP)
			bench_hist_add(j->hist, isolator_cycles_to_ns(t1 - t0));
		if (t1 > j->mid_tsc)
			break;
	}
	/* batches, as ipc_rtt_a()'s */
	for (;;) {
		uint64_t t0 = isolator_tsc_ordered(), t1;

		for (unsigned k = 0; k < IPC_RTT_BATCH; k++) {
			atomic_store_explicit(&l->ping, ++seq, memory_order_release);
			while (atomic_load_explicit(&l->pong, memory_order_acquire) != seq)
				ipc_relax();
		}
		t1 = isolator_tsc_ordered();
		bench_hist_add(j->hist_batch, ipc_batch_ns(t1 - t0));
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

/* --- floor_ring: the latency layout's lines, without the library ----------------- */

#define FLOOR_RING_SLOTS 1024

/* A message as the latency layout stores an 8-byte one: stamp, len, data. */
struct floor_slot {
	_Atomic uint32_t stamp; /* index + 1 once written */
	uint32_t len;
	uint64_t data;
};

struct floor_ring {
	alignas(128) struct floor_slot ab[FLOOR_RING_SLOTS];
	alignas(128) struct floor_slot ba[FLOOR_RING_SLOTS];
};

static void floor_ring_put(struct floor_slot *s, uint32_t i, uint64_t v)
{
	s += i % FLOOR_RING_SLOTS;
	s->data = v;
	s->len = 8;
	atomic_store_explicit(&s->stamp, i + 1, memory_order_release);
}

static uint64_t floor_ring_get(struct floor_slot *s, uint32_t i)
{
	s += i % FLOOR_RING_SLOTS;
	while (atomic_load_explicit(&s->stamp, memory_order_acquire) != i + 1)
		ipc_relax();
	return s->data;
}

static void floor_ring_a(struct ipc_job *j)
{
	struct floor_ring *r = j->ab;
	uint32_t i = 0;

	for (uint64_t seq = 1;; seq++, i++) {
		uint64_t t0 = isolator_tsc_ordered(), t1;

		floor_ring_put(r->ab, i, seq);
		if (floor_ring_get(r->ba, i) != seq)
			j->errors++;
		t1 = isolator_tsc_ordered();
		if (seq > IPC_WARMUP)
			bench_hist_add(j->hist, isolator_cycles_to_ns(t1 - t0));
		if (t1 > j->end_tsc)
			break;
	}
	floor_ring_put(r->ab, i + 1, IPC_STOP);
}

static void floor_ring_b(struct ipc_job *j)
{
	struct floor_ring *r = j->ab;

	for (uint32_t i = 0;; i++) {
		uint64_t v = floor_ring_get(r->ab, i);

		if (v == IPC_STOP)
			break;
		floor_ring_put(r->ba, i, v);
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

/* Stream @k, @s's rate in round @r of a result of @rounds rounds. */
static double *rate_of(const struct ipc_result *res, unsigned rounds, int k, int s, unsigned r)
{
	return res->rate + (size_t)(k * IPC_NSIZES + s) * rounds + r;
}

/* Keep the rate of stream @j (what it received over how long) as round
 * p->round_no's. */
static void add_stream(struct ipc_result *res, const struct ipc_params *p, int k, int s, const struct ipc_job *j)
{
	uint64_t ns = j->received && j->t_last > j->t_first ? isolator_cycles_to_ns(j->t_last - j->t_first) : 0;

	if (ns)
		*rate_of(res, p->rounds, k, s, p->round_no) = (double)j->received * 1e9 / (double)ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double ratio_or_0(double v)
{
	return v > 0 ? v : 0;
}

/* The median of the @n values at @v that are > 0 (sorts them); -1 if none. */
static double median_of(double *v, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if (v[i] > 0)
			v[k++] = v[i];
	if (!k)
		return -1;
	qsort(v, k, sizeof(*v), cmp_double);
	return k & 1 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/* The median of the rounds' rates of stream @k, @s; -1 if none ran. */
static double median_rate(const struct ipc_result *res, unsigned rounds, int k, int s)
{
	double v[1000]; /* --rounds is at most 1000 */

	memcpy(v, rate_of(res, rounds, k, s, 0), rounds * sizeof(v[0]));
	return median_of(v, rounds);
}

/* The best rate of modes @from..@to (inclusive) at size @s in round @r, over their sends. */
static double best_in_round(const struct ipc_result *res, unsigned rounds, int from, int to, int s, unsigned r)
{
	double v = 0;

	for (int m = from; m <= to; m++)
		for (int k = 0; k < IPC_NSENDS; k++)
			if (*rate_of(&res[m], rounds, k, s, r) > v)
				v = *rate_of(&res[m], rounds, k, s, r);
	return v;
}

/* Best shm over best @peer at size @s, round by round (their streams ran
 * side by side): the median of the rounds' ratios; 0 if none. */
static double paired_ratio(const struct ipc_result *res, unsigned rounds, int peer, int s)
{
	double v[1000];

	for (unsigned r = 0; r < rounds; r++) {
		double a = best_in_round(res, rounds, M_SHM, M_SHM_TPUT, s, r);
		double b = best_in_round(res, rounds, peer, peer, s, r);

		v[r] = a > 0 && b > 0 ? a / b : 0;
	}
	return ratio_or_0(median_of(v, rounds));
}

/* A ring mode's round trip, for @ns. Its streams run apart (run_stream). */
static int run_ring(const struct ipc_params *p, const struct ipc_ring_mode *m,
		    const struct ipc_ring_ops *ops, uint64_t ns, struct ipc_result *res)
{
	/* shm's round trips also in batches, as the floor's */
	struct ipc_job j = { .hist = &res->rtt, .hist_batch = ops == &shm_ops ? &res->batch : NULL };
	int err;

	j.ab = ops->create(8);
	j.ba = ops->create(8);
	err = j.ab && j.ba ? run_pair(p, &j, ns, m->rtt_a, m->rtt_b) : -ENOMEM;
	if (j.ab)
		ops->destroy(j.ab);
	if (j.ba)
		ops->destroy(j.ba);
	if (err)
		return err;
	res->has_rtt = 1;
	res->has_batch = j.hist_batch != NULL;
	res->errors += j.errors;
	return 0;
}

/* The ring modes' measurements and constructors; 0 for the other modes. */
static int ring_of(enum ipc_mode_id i, const struct ipc_ring_mode **m, const struct ipc_ring_ops **ops)
{
	switch (i) {
	case M_SHM:
		*m = &shm_mode;
		*ops = &shm_ops;
		return 1;
	case M_SHM_TPUT:
		*m = &shm_mode;
		*ops = &shm_tput_ops;
		return 1;
	case M_CK:
		*m = ipc_ck_mode;
		*ops = &ipc_ck_ops;
		return *m != NULL;
	case M_RTE:
		*m = ipc_rte_mode;
		*ops = &ipc_rte_ops;
		return *m != NULL;
	default:
		return 0;
	}
}

/* Ring mode @i's stream of sends @k at size @s, if it has one: its share of
 * the half of the mode's time that its streams take. */
static int run_stream(const struct ipc_params *p, enum ipc_mode_id i, int k, int s, struct ipc_result *res)
{
	const struct ipc_ring_mode *m;
	const struct ipc_ring_ops *ops;
	struct ipc_job js = { .size = ipc_size(s) };
	int nstreams = 0, err;

	if (!ring_of(i, &m, &ops) || !m->stream_a[k][s])
		return 0;
	for (int kk = 0; kk < IPC_NSENDS; kk++)
		nstreams += m->stream_a[kk][0] ? IPC_NSIZES : 0;
	js.ab = ops->create(ipc_size(s));
	if (!js.ab)
		return -ENOMEM;
	err = run_pair(p, &js, p->duration_ns / 2 / (uint64_t)nstreams, m->stream_a[k][s], m->stream_b[s]);
	ops->destroy(js.ab);
	if (err)
		return err;
	add_stream(res, p, k, s, &js);
	res->errors += js.errors;
	return 0;
}

/* The receive leg (leg_a, leg_b) for @ns: @kind 0 on one plain channel with
 * isolator_chan_poll(), 1 through isolator_poll_all() over 64 channels, 2
 * the same with a doorbell. */
static int run_leg(const struct ipc_params *p, int kind, uint64_t ns, struct ipc_result *res)
{
	struct poll_set *ps = kind ? poll_set_new(kind == 2) : calloc(1, sizeof(*ps));
	struct leg_sync *ls = aligned_alloc(128, sizeof(*ls));
	struct ipc_job j = { .hist = &res->leg, .ctx = ps, .ba = ls };
	struct isolator_chan *one = NULL;
	int err = -ENOMEM;

	if (ps && ls && (kind || (one = shm_create(8)))) {
		memset(ls, 0, sizeof(*ls));
		j.ab = kind ? ps->chan[POLL_ACTIVE] : one;
		err = run_pair(p, &j, ns, leg_a, leg_b);
	}
	if (one)
		shm_destroy(one);
	if (ps)
		poll_set_free(ps);
	free(ls);
	res->has_leg |= !err;
	res->errors += j.errors;
	return err;
}

/* Round trip, then the receive leg: A posts on the active channel of 64, B
 * takes it through isolator_poll_all() and answers on a plain channel. */
static int run_poll(const struct ipc_params *p, int bell, struct ipc_result *res)
{
	struct poll_set *ps = poll_set_new(bell);
	struct ipc_job j = { .hist = &res->rtt, .ctx = ps };
	int err = -ENOMEM;

	if (!ps)
		return -ENOMEM;
	j.ab = ps->chan[POLL_ACTIVE];
	j.ba = shm_create(8);
	if (j.ba)
		err = run_pair(p, &j, p->duration_ns / 2, poll_rtt_a, poll_rtt_b);
	shm_destroy(j.ba);
	poll_set_free(ps);
	res->has_rtt = !err;
	res->errors += j.errors;
	return err ? err : run_leg(p, bell ? 2 : 1, p->duration_ns / 2, res);
}

static int run_memcpy(const struct ipc_params *p, struct ipc_result *res)
{
	struct copy_stream *cs = aligned_alloc(64, sizeof(*cs));
	int err = 0;

	if (!cs)
		return -ENOMEM;
	/* the mode's whole time, shared by the piece sizes: it has no round trip */
	for (int s = 0; s < IPC_NSIZES && !err; s++) {
		struct ipc_job j = { .ab = cs, .size = ipc_size(s) };
		uint64_t ns;

		memset(cs, 0, sizeof(*cs));
		err = run_pair(p, &j, p->duration_ns / IPC_NSIZES, copy_as[s], copy_bs[s]);
		ns = isolator_cycles_to_ns(j.t_last - j.t_first);
		if (!err && ns) {
			res->bytes[s] += (double)j.received * COPY_CHUNK;
			res->bytes_ns[s] += (double)ns;
		}
	}
	free(cs);
	return err;
}

/* A round trip on @size zeroed bytes of shared memory of its own: floor, floor_ring. */
static int run_raw(const struct ipc_params *p, size_t size, void (*fn_a)(struct ipc_job *),
		   void (*fn_b)(struct ipc_job *), struct ipc_result *res)
{
	void *mem = aligned_alloc(128, (size + 127) & ~(size_t)127);
	struct ipc_job j = { .hist = &res->rtt, .hist_batch = &res->batch, .ab = mem };
	int err;

	if (!mem)
		return -ENOMEM;
	memset(mem, 0, size);
	err = run_pair(p, &j, p->duration_ns / 2, fn_a, fn_b);
	free(mem);
	res->has_rtt = !err;
	res->has_batch = !err && fn_a == floor_a;
	res->errors += j.errors;
	return err;
}

static int run_wake(const struct ipc_params *p, enum ipc_mode_id kind, struct ipc_result *res)
{
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
	for (int s = 0; s < IPC_NSIZES && !err; s++) {
		struct ipc_job js = { .size = ipc_size(s), .ab = ab };

		err = wake_open(ab, kind, ipc_size(s));
		if (!err)
			err = run_pair(p, &js, p->duration_ns / 2 / IPC_NSIZES,
				       kind == M_PIPE ? pipe_stream_a : wake_stream_a,
				       kind == M_PIPE ? pipe_stream_b : wake_stream_b);
		wake_close(ab);
		add_stream(res, p, IPC_SINGLE, s, &js);
		res->errors += js.errors;
	}
out:
	free(ab);
	free(ba);
	return err;
}

/* Mode @m's part of a round but for a ring's streams (run_stream). */
static int run_mode(const struct ipc_params *p, enum ipc_mode_id m, struct ipc_result *res)
{
	const struct ipc_ring_mode *rm;
	const struct ipc_ring_ops *ops;
	int err;

	switch (m) {
	case M_SHM:
		/* a quarter for the receive leg, the yardstick of poll_all's */
		err = run_ring(p, &shm_mode, &shm_ops, p->duration_ns / 4, res);
		return err ? err : run_leg(p, 0, p->duration_ns / 4, res);
	case M_FLOOR:
		return run_raw(p, sizeof(struct floor_lines), floor_a, floor_b, res);
	case M_FLOOR_RING:
		return run_raw(p, sizeof(struct floor_ring), floor_ring_a, floor_ring_b, res);
	case M_POLL_ALL:
	case M_POLL_SCAN:
		return run_poll(p, m == M_POLL_ALL, res);
	case M_MEMCPY:
		return run_memcpy(p, res);
	default:
		if (ring_of(m, &rm, &ops))
			return run_ring(p, rm, ops, p->duration_ns / 2, res);
		return run_wake(p, m, res);
	}
}

/* --- output ----------------------------------------------------------------------- */

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* The best stream of modes @from..@to (inclusive) at size @s; which one in *@mode, *@send. */
static double best(const struct ipc_result *r, int from, int to, int s, int *mode, int *send)
{
	double v = 0;

	for (int m = from; m <= to; m++)
		for (int k = 0; k < IPC_NSENDS; k++)
			if (r[m].ran && r[m].tput[k][s] > v) {
				v = r[m].tput[k][s];
				if (mode)
					*mode = m;
				if (send)
					*send = k;
			}
	return v;
}

/* p50 of histogram @h of a result that ran and has it (@has), else 0. */
static uint64_t hist_p50(const struct ipc_result *r, const struct bench_hist *h, int has)
{
	struct bench_summary s;

	if (!r->ran || !has)
		return 0;
	bench_hist_summary(h, &s);
	return s.count ? s.p50_ns : 0;
}

static uint64_t p50_of(const struct ipc_result *r)
{
	return hist_p50(r, &r->rtt, r->has_rtt);
}

static uint64_t leg_p50_of(const struct ipc_result *r)
{
	return hist_p50(r, &r->leg, r->has_leg);
}

static uint64_t batch_p50_of(const struct ipc_result *r)
{
	return hist_p50(r, &r->batch, r->has_batch);
}

/* The goals of issue 17, each a ratio of two results of this run (0: not measured). */
struct ipc_goals {
	double p50_over_floor;           /* shm p50 / floor p50, want <= 1.1 */
	double batch_over_floor;         /* the same of round trips timed IPC_RTT_BATCH together */
	double vs_ck[IPC_NSIZES];        /* best shm / best ck_ring, want >= 1 */
	double vs_rte[IPC_NSIZES];       /* best shm / best rte_ring, want >= 1 */
	double vs_ck_paired[IPC_NSIZES]; /* the same two, round by round: the median of the ratios */
	double vs_rte_paired[IPC_NSIZES];
	double vs_rte_single[IPC_NSIZES];/* best single-send shm / rte_ring single */
	int shm_mode[IPC_NSIZES], shm_send[IPC_NSIZES];
	double of_memcpy[IPC_NSIZES];    /* best shm bytes/s / memcpy bytes/s */
	double poll_leg[2];              /* poll_all, poll_scan: receive leg / one channel's, from round trips */
	double poll_recv[2];             /* the same timed directly (leg_b): p50 / one channel's p50 */
};

static void goals(const struct ipc_params *p, const struct ipc_result *r, struct ipc_goals *g)
{
	uint64_t shm = p50_of(&r[M_SHM]), fl = p50_of(&r[M_FLOOR]);

	memset(g, 0, sizeof(*g));
	g->p50_over_floor = ratio((double)shm, (double)fl);
	g->batch_over_floor = ratio((double)batch_p50_of(&r[M_SHM]), (double)batch_p50_of(&r[M_FLOOR]));
	for (int s = 0; s < IPC_NSIZES; s++) {
		double b = best(r, M_SHM, M_SHM_TPUT, s, &g->shm_mode[s], &g->shm_send[s]);
		double single = 0;

		if (r[M_CK].ran) {
			g->vs_ck[s] = ratio(b, best(r, M_CK, M_CK, s, NULL, NULL));
			g->vs_ck_paired[s] = paired_ratio(r, p->rounds, M_CK, s);
		}
		if (r[M_RTE].ran) {
			g->vs_rte[s] = ratio(b, best(r, M_RTE, M_RTE, s, NULL, NULL));
			g->vs_rte_paired[s] = paired_ratio(r, p->rounds, M_RTE, s);
			for (int m = M_SHM; m <= M_SHM_TPUT; m++)
				if (r[m].ran && r[m].tput[IPC_SINGLE][s] > single)
					single = r[m].tput[IPC_SINGLE][s];
			g->vs_rte_single[s] = ratio(single, r[M_RTE].tput[IPC_SINGLE][s]);
		}
		if (r[M_MEMCPY].ran)
			g->of_memcpy[s] = ratio(b * (double)ipc_size(s), r[M_MEMCPY].copy_limit);
	}
	for (int i = 0; i < 2; i++) {
		uint64_t pa = p50_of(&r[M_POLL_ALL + i]);
		uint64_t la = leg_p50_of(&r[M_POLL_ALL + i]), one = leg_p50_of(&r[M_SHM]);

		/* estimated: a round trip is two legs, with one channel each p50 / 2 */
		if (pa && shm)
			g->poll_leg[i] = 2.0 * (double)pa / (double)shm - 1;
		/* timed: the receive legs on B, against one channel's */
		if (la && one)
			g->poll_recv[i] = (double)la / (double)one;
	}
}

static void print_sizes(const char *label, const double *v, const char *want)
{
	int any = 0;

	for (int s = 0; s < IPC_NSIZES; s++)
		any |= v[s] > 0;
	if (!any)
		return;
	printf("# goal: %s:", label);
	for (int s = 0; s < IPC_NSIZES; s++)
		if (v[s] > 0)
			printf(" %zu B %.2f%s", ipc_size(s), v[s], s < IPC_NSIZES - 1 ? "," : "");
	printf("%s\n", want);
}

/* One row of a latency table: min, p50, p99, p99.99 and max, ns; no newline. */
static void print_latency_row(const char *mode, const char *what, const struct bench_summary *s)
{
	printf("%-9s %-30s %8llu %8llu %8llu %9llu %10llu", mode, what,
	       (unsigned long long)s->min_ns, (unsigned long long)s->p50_ns,
	       (unsigned long long)s->p99_ns, (unsigned long long)s->p9999_ns,
	       (unsigned long long)s->max_ns);
}

static void print_table(const struct ipc_params *p, const struct ipc_result *r,
			const struct bench_machine *m)
{
	struct ipc_goals g;

	bench_machine_print(stdout, m);
	printf("# isolator bench ipc: CPU %u <-> CPU %u, %.2f s per mode in %u rounds, %s\n", p->cpu_a,
	       p->cpu_b, (double)p->duration_ns / 1e9, p->rounds, p->fifo ? "SCHED_FIFO" : "default policy");
	printf("# round trip, 8-byte messages, ns\n");
	printf("%-9s %-30s %8s %8s %8s %9s %10s\n", "mode", "what", "min(ns)", "p50(ns)", "p99(ns)",
	       "p9999(ns)", "max(ns)");
	for (int i = 0; i < M_COUNT; i++) {
		struct bench_summary s;

		if (!(p->modes & (1u << i)))
			continue;
		if (!r[i].ran) {
			printf("%-9s %-30s unavailable: %s\n", mode_info[i].name, mode_info[i].what, r[i].why);
			continue;
		}
		if (!r[i].has_rtt)
			continue;
		bench_hist_summary(&r[i].rtt, &s);
		if (!s.count)
			printf("%-9s %-30s %s", mode_info[i].name, mode_info[i].what,
			       "no round trip: the CPUs were busy (try --fifo)");
		else
			print_latency_row(mode_info[i].name, mode_info[i].what, &s);
		if (r[i].errors)
			printf("  SEQUENCE ERRORS: %llu", (unsigned long long)r[i].errors);
		putchar('\n');
	}

	printf("# round trip, %d timed together with no counter read between them: their mean, ns\n",
	       IPC_RTT_BATCH);
	for (int i = 0; i < M_COUNT; i++) {
		struct bench_summary s;

		if (!(p->modes & (1u << i)) || !r[i].ran || !r[i].has_batch)
			continue;
		bench_hist_summary(&r[i].batch, &s);
		if (s.count) {
			print_latency_row(mode_info[i].name, mode_info[i].what, &s);
			putchar('\n');
		}
	}
	printf("# receive leg: one poll that finds the one message waiting, timed on B, ns\n");
	for (int i = 0; i < M_COUNT; i++) {
		struct bench_summary s;

		if (!(p->modes & (1u << i)) || !r[i].ran || !r[i].has_leg)
			continue;
		bench_hist_summary(&r[i].leg, &s);
		if (s.count) {
			print_latency_row(mode_info[i].name,
					  i == M_SHM ? "isolator_chan_poll, 1 channel" : mode_info[i].what, &s);
			putchar('\n');
		}
	}

	printf("# streaming A -> B: Mmsg/s = 10^6 messages/s, MB/s = 10^6 bytes/s; burst = %d per send"
	       " (%d of 1024 B); the median of the %u rounds' rates, each after %d messages\n", IPC_BURST,
	       IPC_BURST_BYTES / 1024, p->rounds, IPC_STREAM_WARMUP);
	printf("%-9s %-6s", "mode", "send");
	for (int s = 0; s < IPC_NSIZES; s++) {
		char h[32];

		snprintf(h, sizeof(h), "%zuB:Mmsg/s", ipc_size(s));
		printf(" %12s %7s", h, "MB/s");
	}
	putchar('\n');
	for (int i = 0; i < M_COUNT; i++) {
		if (!(p->modes & (1u << i)) || !r[i].ran)
			continue;
		if (i == M_MEMCPY) {
			printf("%-9s %-6s", mode_info[i].name, "stream");
			for (int s = 0; s < IPC_NSIZES; s++)
				printf(" %12.2f %7.0f", r[i].copy_limit / (double)ipc_size(s) / 1e6,
				       r[i].copy_limit / 1e6);
			printf("\n#   memcpy's row is its best piece size: MB/s in pieces of");
			for (int s = 0; s < IPC_NSIZES; s++)
				printf(" %zu B %.0f%s", ipc_size(s), r[i].bytes_per_s[s] / 1e6,
				       s + 1 < IPC_NSIZES ? "," : "\n");
			continue;
		}
		for (int k = 0; k < IPC_NSENDS; k++) {
			if (r[i].tput[k][0] < 0)
				continue;
			printf("%-9s %-6s", mode_info[i].name, send_names[k]);
			for (int s = 0; s < IPC_NSIZES; s++) {
				double v = r[i].tput[k][s];

				if (v < 0)
					printf(" %12s %7s", "-", "-");
				else
					printf(" %12.2f %7.0f", v / 1e6, v * (double)ipc_size(s) / 1e6);
			}
			putchar('\n');
		}
	}

	goals(p, r, &g);
	if (g.p50_over_floor > 0)
		printf("# goal: shm p50 / floor p50 = %.2f (want <= 1.10)\n", g.p50_over_floor);
	if (g.batch_over_floor > 0)
		printf("#   the same of round trips timed %d together = %.2f (finer than the counter's tick)\n",
		       IPC_RTT_BATCH, g.batch_over_floor);
	print_sizes("best shm / best ck_ring throughput", g.vs_ck, " (want >= 1)");
	print_sizes("best shm / best rte_ring throughput", g.vs_rte, " (want >= 1)");
	print_sizes("the same, paired by round (median of the rounds' ratios) vs ck_ring", g.vs_ck_paired, "");
	print_sizes("the same, paired by round (median of the rounds' ratios) vs rte_ring", g.vs_rte_paired, "");
	print_sizes("single-send shm / single-send rte_ring", g.vs_rte_single, "");
	if (g.vs_ck[0] > 0 || g.vs_rte[0] > 0) {
		printf("#   best shm is:");
		for (int s = 0; s < IPC_NSIZES; s++)
			printf(" %zu B %s %s%s", ipc_size(s), mode_info[g.shm_mode[s]].name,
			       send_names[g.shm_send[s]], s < IPC_NSIZES - 1 ? "," : "\n");
	}
	print_sizes("best shm bytes/s / memcpy bytes/s", g.of_memcpy, " (the physical limit is 1)");
	if (g.poll_recv[0] > 0)
		printf("# goal: poll_all's receive leg / one channel's, p50 timed on B = %.2f (want <= 2);"
		       " without the doorbell %.2f\n", g.poll_recv[0], g.poll_recv[1]);
	if (g.poll_leg[0] > 0)
		printf("#   the same estimated from round trips, 2 * p50(poll_all) / p50(shm) - 1 = %.2f;"
		       " without the doorbell %.2f\n", g.poll_leg[0], g.poll_leg[1]);
}

static void json_tput(struct json *j, double v)
{
	if (v < 0)
		json_null(j);
	else
		json_uint(j, (uint64_t)(v + 0.5));
}

static void json_ratio(struct json *j, const char *key, double v)
{
	json_key(j, key);
	v > 0 ? json_double(j, v) : json_null(j);
}

static void print_json(FILE *f, const struct ipc_params *p, const struct ipc_result *r,
		       const struct bench_machine *m)
{
	struct ipc_goals g;
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
	json_key(&j, "burst");
	json_uint(&j, IPC_BURST);
	json_key(&j, "rounds");
	json_uint(&j, p->rounds);
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
		if (r[i].has_batch) {
			struct bench_summary bs;

			bench_hist_summary(&r[i].batch, &bs);
			json_key(&j, "batch_round_trip_ns");
			json_summary(&j, &bs);
		}
		if (r[i].has_leg) {
			struct bench_summary ls;

			bench_hist_summary(&r[i].leg, &ls);
			json_key(&j, "receive_leg_ns");
			json_summary(&j, &ls);
		}
		/* the first two streams under their old names */
		json_key(&j, "throughput_msgs_per_s");
		json_tput(&j, r[i].tput[IPC_SINGLE][0]);
		json_key(&j, "throughput_64B_msgs_per_s");
		json_tput(&j, r[i].tput[IPC_SINGLE][1]);
		json_key(&j, "streams");
		json_array_begin(&j);
		for (int k = 0; k < IPC_NSENDS; k++)
			for (int sz = 0; sz < IPC_NSIZES; sz++) {
				if (r[i].tput[k][sz] < 0)
					continue;
				json_object_begin(&j);
				json_key(&j, "send");
				json_string(&j, send_names[k]);
				json_key(&j, "message_bytes");
				json_uint(&j, ipc_size(sz));
				json_key(&j, "msgs_per_s");
				json_tput(&j, r[i].tput[k][sz]);
				json_key(&j, "bytes_per_s");
				json_tput(&j, r[i].tput[k][sz] * (double)ipc_size(sz));
				json_object_end(&j);
			}
		/* memcpy: the copy in pieces of each size, one "stream" each */
		for (int sz = 0; sz < IPC_NSIZES; sz++) {
			if (r[i].bytes_per_s[sz] <= 0)
				continue;
			json_object_begin(&j);
			json_key(&j, "send");
			json_string(&j, "stream");
			json_key(&j, "message_bytes");
			json_uint(&j, ipc_size(sz));
			json_key(&j, "msgs_per_s");
			json_tput(&j, r[i].bytes_per_s[sz] / (double)ipc_size(sz));
			json_key(&j, "bytes_per_s");
			json_tput(&j, r[i].bytes_per_s[sz]);
			json_object_end(&j);
		}
		json_array_end(&j);
		/* memcpy: its best piece's bandwidth, the limit; every other mode: null */
		json_key(&j, "bytes_per_s");
		json_tput(&j, i == M_MEMCPY ? r[i].copy_limit : -1);
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
	goals(p, r, &g);
	json_key(&j, "goals");
	json_object_begin(&j);
	json_ratio(&j, "shm_p50_over_floor_p50", g.p50_over_floor);
	json_ratio(&j, "shm_batch_p50_over_floor_batch_p50", g.batch_over_floor);
	json_ratio(&j, "shm_over_ck_ring_throughput", g.vs_ck[0]);
	json_ratio(&j, "shm_over_rte_ring_throughput", g.vs_rte[0]);
	/* flat, as the schema's goals are: one ratio per key */
	for (int sz = 0; sz < IPC_NSIZES; sz++) {
		char key[64];

		snprintf(key, sizeof(key), "best_shm_over_best_ck_ring_%zuB", ipc_size(sz));
		json_ratio(&j, key, g.vs_ck[sz]);
		snprintf(key, sizeof(key), "best_shm_over_best_rte_ring_%zuB", ipc_size(sz));
		json_ratio(&j, key, g.vs_rte[sz]);
		snprintf(key, sizeof(key), "best_shm_over_best_ck_ring_paired_%zuB", ipc_size(sz));
		json_ratio(&j, key, g.vs_ck_paired[sz]);
		snprintf(key, sizeof(key), "best_shm_over_best_rte_ring_paired_%zuB", ipc_size(sz));
		json_ratio(&j, key, g.vs_rte_paired[sz]);
		snprintf(key, sizeof(key), "single_shm_over_single_rte_ring_%zuB", ipc_size(sz));
		json_ratio(&j, key, g.vs_rte_single[sz]);
		snprintf(key, sizeof(key), "best_shm_bytes_over_memcpy_%zuB", ipc_size(sz));
		json_ratio(&j, key, g.of_memcpy[sz]);
	}
	json_ratio(&j, "poll_all_leg_over_one_channel", g.poll_leg[0]);
	json_ratio(&j, "poll_scan_leg_over_one_channel", g.poll_leg[1]);
	json_ratio(&j, "poll_all_receive_leg_over_one_channel_timed", g.poll_recv[0]);
	json_ratio(&j, "poll_scan_receive_leg_over_one_channel_timed", g.poll_recv[1]);
	json_object_end(&j);
	json_object_end(&j);
}

/* --- command line --------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator bench ipc [--cpus A,B] [--duration SECONDS] [--modes LIST] [--rounds N] [--fifo PRIO]\n"
		"                          [--json[=FILE]] [--quiet]\n"
		"Notify-and-respond round trip (8-byte messages) and streaming throughput\n"
		"(8, 64, 256 and 1024-byte messages, single and burst sends; messages/s and\n"
		"bytes/s) between CPU A and CPU B, every mode in one run, with the memcpy\n"
		"bandwidth between the two CPUs as the limit.\n\n"
		"  --cpus A,B       the two CPUs (default: the last online CPU and the one before)\n"
		"  --duration T     time per mode: half round trip, half shared by its streams (default 1 s)\n"
		"  --modes LIST     comma-separated subset of: shm,shm_tput,floor,floor_ring,poll_all,poll_scan,\n"
		"                   futex,eventfd,pipe,ck_ring,rte_ring,memcpy\n"
		"  --rounds N       run the modes in turn N times, T/N each, so that a change in the host's\n"
		"                   speed during the run falls on every mode alike (default 20); in each\n"
		"                   round the rings' streams run size by size, side by side\n"
		"  --fifo PRIO      run both threads SCHED_FIFO at PRIO (1-99) so other tasks cannot share\n"
		"                   their CPUs; both CPUs are then busy for the whole run (default: off)\n"
		"  --json[=FILE]    JSON (schema isolator-bench/1) on stdout instead of the table;\n"
		"                   =FILE or FILE: into FILE, and the table stays\n"
		"  --quiet          no progress lines on stderr\n"
		"Goals reported (not enforced): shm p50 within 1.1x of floor; shm throughput >= ck_ring and\n"
		"rte_ring at every size; poll_all over 64 channels at most twice one channel's poll.\n");
}

#define MODE_LIST "shm, shm_tput, floor, floor_ring, poll_all, poll_scan, futex, eventfd, pipe, ck_ring, rte_ring, memcpy"

static int parse_modes(const char *text, unsigned *modes)
{
	char buf[256], *save = NULL, *tok;

	if (!text || !*text || strlen(text) >= sizeof(buf))
		return fail("bench ipc: --modes '%s': want a comma-separated list of " MODE_LIST,
			    text ? text : ""), -1;
	strcpy(buf, text);
	*modes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i;

		for (i = 0; i < M_COUNT && strcmp(tok, mode_info[i].name); i++)
			;
		if (i == M_COUNT)
			return fail("bench ipc: unknown mode '%s' (" MODE_LIST ")", tok), -1;
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
		{ "rounds", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int have_cpus = 0, c;

	memset(p, 0, sizeof(*p));
	p->duration_ns = 1000000000ull;
	p->rounds = 20;
	p->modes = (1u << M_COUNT) - 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:d:m:f:r:jqh", opts, NULL)) != -1) {
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
		case 'r': {
			unsigned long n;

			if (parse_uint("--rounds", optarg, 1, 1000, &n) < 0)
				return -1;
			p->rounds = (unsigned)n;
			break;
		}
		case 'j':
			if (json_out_getopt(&p->json, "--json", argc, argv) < 0)
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
	/* no round shorter than 10 ms: fewer rounds for a short run */
	if (p->duration_ns / p->rounds < 10000000ull)
		p->rounds = (unsigned)(p->duration_ns / 10000000ull) ? (unsigned)(p->duration_ns / 10000000ull) : 1;
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
	struct ipc_params round;
	unsigned nrun = 0;
	int rc = EXIT_OK, done = 0;

	if (parse(&p, argc, argv) < 0)
		return EXIT_ERROR;
	res = calloc(M_COUNT, sizeof(*res));
	if (!res)
		return fail("bench ipc: out of memory");
	(void)isolator_clock(); /* calibrate before anything is timed */
	pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved);
	pthread_getschedparam(pthread_self(), &saved_policy, &saved_param);
	for (int i = 0; i < M_COUNT; i++) {
		bench_hist_init(&res[i].rtt, 0);
		bench_hist_init(&res[i].batch, 0);
		bench_hist_init(&res[i].leg, 0);
		res[i].rate = calloc((size_t)IPC_NSENDS * IPC_NSIZES * p.rounds, sizeof(double));
		if (!res[i].rate) {
			for (int k = 0; k < i; k++)
				free(res[k].rate);
			free(res);
			return fail("bench ipc: out of memory");
		}
		if (i == M_CK && !ipc_ck_mode)
			res[i].why = ipc_ck_missing;
		if (i == M_RTE && !ipc_rte_mode)
			res[i].why = ipc_rte_missing;
		if ((p.modes & (1u << i)) && !res[i].why)
			nrun++;
	}
	/* The modes in turn, round after round, so that the host's moods (a
	 * shared VM's cross-core latency moved 3x between seconds here) fall
	 * on every mode alike and the ratios of one run stay fair. */
	round = p;
	round.duration_ns = p.duration_ns / p.rounds;
	for (unsigned r = 0; r < p.rounds && rc == EXIT_OK; r++) {
		round.round_no = r;
		if (!p.quiet && (uint64_t)nrun * p.duration_ns > 3000000000ull)
			fprintf(stderr, "isolator bench ipc: round %u/%u, %u modes (%.1f s)\n", r + 1, p.rounds,
				nrun, (double)nrun * (double)round.duration_ns / 1e9);
		for (int i = 0; i < M_COUNT && rc == EXIT_OK; i++) {
			int err;

			if (!(p.modes & (1u << i)) || res[i].why)
				continue;
			err = run_mode(&round, (enum ipc_mode_id)i, &res[i]);
			if (err) {
				rc = fail("bench ipc: mode %s: %s", mode_info[i].name, strerror(-err));
				break;
			}
			res[i].ran = 1;
			done = 1;
		}
		/* The rings' streams size by size, every ring's beside the
		 * others': the streams compared in a goal run milliseconds
		 * apart, not a mode's whole round apart. */
		for (int s = 0; s < IPC_NSIZES && rc == EXIT_OK; s++)
			for (int k = 0; k < IPC_NSENDS && rc == EXIT_OK; k++)
				for (int i = 0; i < M_COUNT && rc == EXIT_OK; i++) {
					int err;

					if (!(p.modes & (1u << i)) || res[i].why)
						continue;
					err = run_stream(&round, (enum ipc_mode_id)i, k, s, &res[i]);
					if (err)
						rc = fail("bench ipc: mode %s: %s", mode_info[i].name, strerror(-err));
				}
	}
	for (int i = 0; i < M_COUNT; i++) {
		for (int k = 0; k < IPC_NSENDS; k++)
			for (int sz = 0; sz < IPC_NSIZES; sz++)
				res[i].tput[k][sz] = median_rate(&res[i], p.rounds, k, sz);
		res[i].copy_limit = -1;
		for (int sz = 0; sz < IPC_NSIZES; sz++) {
			res[i].bytes_per_s[sz] = res[i].bytes_ns[sz] > 0 ?
				res[i].bytes[sz] * 1e9 / res[i].bytes_ns[sz] : -1;
			if (res[i].bytes_per_s[sz] > res[i].copy_limit)
				res[i].copy_limit = res[i].bytes_per_s[sz];
		}
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
	for (int i = 0; i < M_COUNT; i++)
		free(res[i].rate);
	free(res);
	return rc;
}
