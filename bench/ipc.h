/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `isolator bench ipc` internals: the two-thread measurements every ring
 * (ours, ck_ring, rte_ring) runs the same way, written once as
 * always-inline templates. Each ring's file instantiates them with its own
 * inline send and receive, so no ring pays for an indirect call in its hot
 * loop and every ring runs the identical loop.
 *
 *  - round trip: A stamps the counter, sends an 8-byte sequence number to B
 *    and spins for the echo; B spins, receives, sends it back.
 *  - stream: A sends messages of 8, 64, 256 or 1024 bytes as fast as the
 *    ring takes them, one per call (single) or IPC_BURST per call (burst,
 *    for the rings that have a burst send); each carries its sequence
 *    number. B receives in bursts of up to IPC_BURST and checks the
 *    sequence. Messages per second is what B received over the time from
 *    its first message after two laps of the ring (IPC_STREAM_WARMUP) to
 *    its last.
 */
#ifndef ISOLATOR_BENCH_IPC_H
#define ISOLATOR_BENCH_IPC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bench.h"
#include "isolator.h"

#define IPC_STOP UINT64_MAX
#define IPC_WARMUP 1000       /* round trips not recorded (caches, frequency) */
#define IPC_BURST 32          /* most messages a consumer takes per receive, a producer sends per burst */
#define IPC_BURST_BYTES 8192  /* and at most this many bytes per burst (8 of 1024 bytes): a
			       * 32 KiB burst fills L1 and measured 5x slower for every ring */
#define IPC_RING_SLOTS 1024   /* every ring's capacity */
#define IPC_STREAM_WARMUP (2 * IPC_RING_SLOTS) /* messages a stream's clock does not count */
#define IPC_MAX_MSG 1024
#define IPC_NSIZES 4          /* message sizes streamed: ipc_size() */
#define IPC_RTT_BATCH 32      /* round trips timed together in a batch (ipc_job.hist_batch) */

/* How A sends in a stream. */
enum ipc_send { IPC_SINGLE, IPC_BURSTS, IPC_NSENDS };

/* Bytes of the @i-th streamed message size: 8, 64, 256, 1024. */
static inline size_t ipc_size(int i)
{
	return i == 0 ? 8 : (size_t)64 << (2 * (i - 1));
}

/* Shared by the two threads of one measurement. */
struct ipc_job {
	void *ab, *ba;          /* rings A->B and B->A (round trip uses both) */
	size_t size;            /* message bytes (stream) */
	uint64_t end_tsc;       /* A stops sending at this counter value */
	uint64_t mid_tsc;       /* round trip with hist_batch: where the batches start */
	struct bench_hist *hist;
	struct bench_hist *hist_batch; /* round trip: IPC_RTT_BATCH timed together, or NULL */
	/* results */
	uint64_t errors;        /* sequence numbers out of place */
	uint64_t received;      /* B: messages */
	uint64_t t_first, t_last;
	void *ctx;              /* a mode's own state */
};

/* A ring's instantiated measurements (IPC_RING_MODE below). */
struct ipc_ring_mode {
	void (*rtt_a)(struct ipc_job *j);
	void (*rtt_b)(struct ipc_job *j);
	/* [send][size]; [IPC_BURSTS] all NULL for a ring without a burst send */
	void (*stream_a[IPC_NSENDS][IPC_NSIZES])(struct ipc_job *j);
	void (*stream_b[IPC_NSIZES])(struct ipc_job *j);
};

/* A ring's constructor and destructor: a ring of IPC_RING_SLOTS messages of @size bytes. */
struct ipc_ring_ops {
	void *(*create)(size_t size);
	void (*destroy)(void *ring);
};

#define IPC_INLINE static inline __attribute__((always_inline))

/* 0 if sent, non-zero if the ring was full. */
typedef int (*ipc_send_fn)(void *ring, const void *msg, size_t size);
/* Messages sent of the @n stored @size bytes apart at @msgs, 0 to @n. */
typedef unsigned (*ipc_send_burst_fn)(void *ring, const void *msgs, size_t size, unsigned n);
/* Messages received into @buf (@size bytes apart), 0 to @max. */
typedef unsigned (*ipc_recv_fn)(void *ring, void *buf, size_t size, unsigned max);

/* A batch's time per round trip, ns, rounded to the nearest. */
static inline uint64_t ipc_batch_ns(uint64_t cycles)
{
	return (isolator_cycles_to_ns(cycles) + IPC_RTT_BATCH / 2) / IPC_RTT_BATCH;
}

static inline void ipc_relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* The rings are read from the job once, as the floor's loop reads its lines:
 * a ring's copy may write through a pointer that could alias the job, so
 * j->ab in the loop would be loaded again before every send and receive. */
IPC_INLINE void ipc_rtt_a(struct ipc_job *j, ipc_send_fn send, ipc_recv_fn recv)
{
	void *const ab = j->ab, *const ba = j->ba;
	const uint64_t stop = j->hist_batch ? j->mid_tsc : j->end_tsc;
	uint64_t out[1], in[IPC_BURST], seq = 1;

	for (;; seq++) {
		uint64_t t0, t1;

		out[0] = seq;
		t0 = isolator_tsc_ordered();
		while (send(ab, out, 8))
			ipc_relax();
		while (!recv(ba, in, 8, 1))
			ipc_relax();
		t1 = isolator_tsc_ordered();
		if (in[0] != seq)
			j->errors++;
		if (seq > IPC_WARMUP)
			bench_hist_add(j->hist, isolator_cycles_to_ns(t1 - t0));
		if (t1 > stop)
			break;
	}
	/* The same round trips, IPC_RTT_BATCH of them timed together with no
	 * counter read between them: each sample is their mean, so the
	 * counter's tick (10 ns on some hosts) does not limit its resolution. */
	while (j->hist_batch) {
		uint64_t t0 = isolator_tsc_ordered(), t1;

		for (unsigned k = 0; k < IPC_RTT_BATCH; k++) {
			out[0] = ++seq;
			while (send(ab, out, 8))
				ipc_relax();
			while (!recv(ba, in, 8, 1))
				ipc_relax();
			if (in[0] != seq)
				j->errors++;
		}
		t1 = isolator_tsc_ordered();
		bench_hist_add(j->hist_batch, ipc_batch_ns(t1 - t0));
		if (t1 > j->end_tsc)
			break;
	}
	out[0] = IPC_STOP;
	while (send(ab, out, 8))
		ipc_relax();
}

IPC_INLINE void ipc_rtt_b(struct ipc_job *j, ipc_send_fn send, ipc_recv_fn recv)
{
	void *const ab = j->ab, *const ba = j->ba;
	uint64_t in[1];

	for (;;) {
		if (!recv(ab, in, 8, 1)) {
			ipc_relax();
			continue;
		}
		if (in[0] == IPC_STOP)
			break;
		while (send(ba, in, 8))
			ipc_relax();
	}
}

IPC_INLINE void ipc_stream_a(struct ipc_job *j, size_t size, ipc_send_fn send)
{
	uint64_t msg[IPC_MAX_MSG / 8] = { 0 };

	for (uint64_t seq = 0;;) {
		msg[0] = seq;
		if (send(j->ab, msg, size)) {
			ipc_relax();
			continue;
		}
		if (!(++seq & 1023) && isolator_tsc() > j->end_tsc)
			break;
	}
	msg[0] = IPC_STOP;
	while (send(j->ab, msg, size))
		ipc_relax();
}

IPC_INLINE void ipc_stream_a_burst(struct ipc_job *j, size_t size, ipc_send_burst_fn send)
{
	uint64_t msgs[IPC_BURST_BYTES / 8];
	const unsigned burst = IPC_BURST * size <= IPC_BURST_BYTES ? IPC_BURST : IPC_BURST_BYTES / size;
	uint64_t seq = 0, checked = 0;

	memset(msgs, 0, burst * size);
	for (;;) {
		unsigned n;

		for (unsigned i = 0; i < burst; i++)
			msgs[i * (size / 8)] = seq + i;
		n = send(j->ab, msgs, size, burst);
		if (!n) {
			ipc_relax();
			continue;
		}
		seq += n;
		if (seq - checked >= 1024) {
			checked = seq;
			if (isolator_tsc() > j->end_tsc)
				break;
		}
	}
	msgs[0] = IPC_STOP;
	while (!send(j->ab, msgs, size, 1))
		ipc_relax();
}

IPC_INLINE void ipc_stream_b(struct ipc_job *j, size_t size, ipc_recv_fn recv)
{
	uint64_t buf[IPC_BURST * IPC_MAX_MSG / 8];
	uint64_t expect = 0;

	uint64_t first = 0, t0 = 0;

	for (;;) {
		unsigned n = recv(j->ab, buf, size, IPC_BURST);

		if (!n) {
			ipc_relax();
			continue;
		}
		/* the clock starts again after two laps of the ring: every
		 * ring's memory is then warm, a fresh memfd's as a reused
		 * malloc's (a stream too short to time as many messages after
		 * that counts from its first) */
		if (!expect) {
			t0 = isolator_tsc();
		} else if (!first && expect >= IPC_STREAM_WARMUP) {
			first = expect;
			j->t_first = isolator_tsc();
		}
		for (unsigned i = 0; i < n; i++) {
			uint64_t v = buf[i * (size / 8)];

			if (v == IPC_STOP) {
				j->t_last = isolator_tsc();
				if (expect - first < IPC_STREAM_WARMUP) {
					first = 0;
					j->t_first = t0;
				}
				j->received = expect - first;
				return;
			}
			if (v != expect)
				j->errors++;
			expect = v + 1;
		}
	}
}

/* Instantiate a ring's measurements from its inline send, burst send and
 * recv; IPC_RING_MODE_SINGLE for a ring without a burst send. */
#define IPC_SIZES_(X, name, fn) X(name, fn, 8) X(name, fn, 64) X(name, fn, 256) X(name, fn, 1024)
#define IPC_SA_(name, fn, sz) static void name##_sa##sz(struct ipc_job *j) { ipc_stream_a(j, sz, fn); }
#define IPC_SAB_(name, fn, sz) static void name##_sab##sz(struct ipc_job *j) { ipc_stream_a_burst(j, sz, fn); }
#define IPC_SB_(name, fn, sz) static void name##_sb##sz(struct ipc_job *j) { ipc_stream_b(j, sz, fn); }
#define IPC_RING_COMMON_(name, send, recv)                                                    \
	static void name##_rtt_a(struct ipc_job *j) { ipc_rtt_a(j, send, recv); }             \
	static void name##_rtt_b(struct ipc_job *j) { ipc_rtt_b(j, send, recv); }             \
	IPC_SIZES_(IPC_SA_, name, send)                                                       \
	IPC_SIZES_(IPC_SB_, name, recv)
#define IPC_RING_MODE(name, send, send_burst, recv)                                           \
	IPC_RING_COMMON_(name, send, recv)                                                    \
	IPC_SIZES_(IPC_SAB_, name, send_burst)                                                \
	static const struct ipc_ring_mode name##_mode = {                                     \
		name##_rtt_a, name##_rtt_b,                                                   \
		{ { name##_sa8, name##_sa64, name##_sa256, name##_sa1024 },                   \
		  { name##_sab8, name##_sab64, name##_sab256, name##_sab1024 } },             \
		{ name##_sb8, name##_sb64, name##_sb256, name##_sb1024 }                      \
	}
#define IPC_RING_MODE_SINGLE(name, send, recv)                                                \
	IPC_RING_COMMON_(name, send, recv)                                                    \
	static const struct ipc_ring_mode name##_mode = {                                     \
		name##_rtt_a, name##_rtt_b,                                                   \
		{ { name##_sa8, name##_sa64, name##_sa256, name##_sa1024 }, { NULL } },       \
		{ name##_sb8, name##_sb64, name##_sb256, name##_sb1024 }                      \
	}

/* The peers (bench/ipc_peers.c): NULL when built without them. */
extern const struct ipc_ring_mode *const ipc_ck_mode, *const ipc_rte_mode;
extern const struct ipc_ring_ops ipc_ck_ops, ipc_rte_ops;
/* Why a peer is missing ("built without libck-dev"), or NULL. */
extern const char *const ipc_ck_missing, *const ipc_rte_missing;

#endif
