/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file isolator/channel.h
 * @brief Inline fast path of the shared-memory channels. Included by
 *        isolator.h; do not include it alone.
 *
 * A channel is a single-producer/single-consumer ring of fixed-size slots in
 * one shared region (a memfd or a name under /dev/shm), usable between
 * threads and between processes. The region holds no pointers: only a
 * header, the two free-running uint32_t indices and the messages.
 *
 * Two layouts, chosen at creation (isolator_chan_create_flags()):
 *
 * **Latency** (the default; region version 1). 128-byte spacing, because
 * x86's adjacent-line prefetcher pulls 64-byte lines in pairs, as in DPDK:
 *
 *     0    header: magic, version, geometry (written once by the creator)
 *   128    tail: next index the producer writes   (written by the producer)
 *   256    head: next index the consumer reads    (written by the consumer)
 *   384    slots[capacity], each `stride` bytes:  stamp, len, data[slot_size]
 *
 *  - The producer copies the message into slot `tail & mask`, then stores the
 *    slot's stamp = tail + 1 with release [P1]. The consumer polls the stamp
 *    of slot `head & mask` with acquire [C1]: when it reads head + 1 the data
 *    before it is visible. The consumer never reads the producer's index;
 *    the stamp, which shares the cache line with the data, is its view of
 *    it. So a message of up to 56 bytes moves the one line the raw
 *    cache-line ping-pong (`isolator bench ipc` mode floor) moves.
 *  - Stamps of the previous lap are (index + 1 - capacity), never index + 1,
 *    so a stale slot is never taken for a new message, across the uint32_t
 *    wrap too.
 *  - After each post or burst the producer takes the line of the next slot
 *    when that slot starts a line and is free, by storing back its own stale
 *    stamp (isolator_chan_claim_()): a ring walks many lines, and the
 *    first message written into a line not written for a while paid an
 *    ownership transfer that the floor, reusing one line, never pays.
 *
 * **Throughput** (ISOLATOR_CHAN_THROUGHPUT; region version 2). Fixed-size
 * records, as in rte_ring's _elem rings and ck_ring's typed rings: every
 * message is exactly slot_size bytes, so no slot needs a header; messages
 * are packed at a stride of the slot size (a power of two up to 64 bytes,
 * whole lines above):
 *
 *     0    header           128  tail           256  head
 *   384    msgs[capacity], each `stride` bytes:   data[slot_size]
 *
 *  - The producer copies messages in, then publishes tail with release
 *    [P3], once per post or burst. The consumer keeps the tail it last read
 *    (tail_cache) and reloads it with acquire [C3] only when that says fewer
 *    wait than it asks for: one load of the tail line per poll buys every
 *    message posted meanwhile.
 *  - Why no array of lengths beside the messages: measured, it halved the
 *    8-byte stream (the lengths' line ping-pongs between the cores as the
 *    data's does, one more line per burst in each direction).
 *
 * Both layouts:
 *  - The producer caches the consumer's index (head_cache) and reloads it
 *    with acquire [P2] only when the cache says the ring is full; the
 *    consumer publishes head with release [C2] once per poll that took
 *    something, so the producer never overwrites a slot being read.
 *  - The producer publishes tail with release [P3] after each post or burst,
 *    for [C3], for isolator_chan_pending() [O1] and for a process that opens
 *    the channel later. In the latency layout nobody reads it on the fast
 *    path, so it stays in the producer's cache.
 *  - A channel given a doorbell (isolator_chan_set_bell()) also sets its bit
 *    in the doorbell word after publishing [B1], so that isolator_poll_all()
 *    reads one word instead of every idle channel (lib/channel.c, [B2]).
 *
 * Cost, in 64-byte lines that move from one core to the other. "On the
 * path": the receiver waits for the line. "Ahead": the producer's claim
 * (isolator_chan_claim_()), taken while no one waits for it. n messages per
 * poll or burst, a ring of C slots; what `isolator bench ipc` measures.
 *
 *   | message | latency layout (stride)            | throughput layout (stride) |
 *   |---------|------------------------------------|----------------------------|
 *   | 8 B     | 1/4 to 1 (16 B), + 1/4 ahead       | 1/8 + 2/n (8 B)            |
 *   | 56 B    | 1 (64 B), + 1 ahead                | -                          |
 *   | 64 B    | 2 (128 B), + 1 ahead               | 1 + 2/n (64 B)             |
 *   | 256 B   | 5 (320 B), + 1 ahead               | 4 + 2/n (256 B)            |
 *   | 1024 B  | 17 (1088 B), + 1 ahead             | 16 + 2/n (1024 B)          |
 *
 * (2/n: the tail line to the consumer and the head line back, once per poll
 * or burst.) The latency layout's head line adds 1/n only while the ring
 * is full (the producer reads it when its cached head says so); otherwise
 * 1/C. Its tail line does not move on the fast path (nobody reads it there).
 *
 * A round trip, one 8-byte message each way (bench ipc's `shm`, `floor`):
 *  - floor (the hardware's limit): 2 lines on the path, the same two every
 *    time.
 *  - latency layout: the same 2 on the path, a new line every 4th message
 *    each way; ahead of them 1/4 claim each way, and the consumer's poll of
 *    a claimed line before the message is in it brings that line back
 *    (1/4); the head line 1/C each way.
 *  - throughput layout: 4 on the path (message and tail line each way),
 *    though they overlap (the consumer's load of the message may be
 *    speculated past its load of the tail): bench ipc measured its p50
 *    10 ns over the latency layout's, not twice. Pick it for streams of
 *    records.
 *
 * Concurrency: one producer thread and one consumer thread at a time (they
 * may be in different processes, each with its own handle, or share one
 * handle). Post and poll are wait-free: a bounded number of steps, no locks,
 * no system calls. A full ring returns -EAGAIN; nothing is overwritten.
 *
 * Trust: the peer may be hostile. Everything read from the region is checked
 * before it is used: a length over slot_size (latency layout), a head that
 * claims more than the capacity, or a tail more than a lap ahead of head
 * (throughput layout) is refused with -EPROTO; indices that address memory
 * live in the private handle, never in the region. The data a callback sees
 * lives in the region: copy what must stay consistent.
 *
 * C++: the same header compiles as C++11 and later, with std::atomic in
 * place of _Atomic (same size, alignment and lock-free representation, which
 * the static assertions below check).
 */
#ifndef ISOLATOR_CHANNEL_H
#define ISOLATOR_CHANNEL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
#include <atomic>
#define ISOLATOR_ATOMIC_(T) std::atomic<T>
#define ISOLATOR_LOAD_(p, mo) (p)->load(std::memory_order_##mo)
#define ISOLATOR_STORE_(p, v, mo) (p)->store((v), std::memory_order_##mo)
#define ISOLATOR_FETCH_OR_(p, v, mo) (p)->fetch_or((v), std::memory_order_##mo)
static_assert(sizeof(std::atomic<uint32_t>) == 4 && alignof(std::atomic<uint32_t>) == 4 &&
		      ATOMIC_INT_LOCK_FREE == 2,
	      "isolator: std::atomic<uint32_t> must be a lock-free uint32_t to share a region with C");
static_assert(sizeof(std::atomic<uint64_t>) == 8 && ATOMIC_LLONG_LOCK_FREE == 2,
	      "isolator: std::atomic<uint64_t> must be a lock-free uint64_t to share a region with C");
#else
#include <stdalign.h>
#include <stdatomic.h>
#define ISOLATOR_ATOMIC_(T) _Atomic T
#define ISOLATOR_LOAD_(p, mo) atomic_load_explicit((p), memory_order_##mo)
#define ISOLATOR_STORE_(p, v, mo) atomic_store_explicit((p), (v), memory_order_##mo)
#define ISOLATOR_FETCH_OR_(p, v, mo) atomic_fetch_or_explicit((p), (v), memory_order_##mo)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The fast path is always inlined, as DPDK's rte_ring (__rte_always_inline)
 * is: left to its heuristics, GCC called isolator_chan_post() out of line
 * from a loop that posts in two places, so the length was not known at
 * the copy and the call sat on every message's path. */
#if defined(__GNUC__) || defined(__clang__)
#define ISOLATOR_CHAN_INLINE_ static inline __attribute__((always_inline))
#else
#define ISOLATOR_CHAN_INLINE_ static inline
#endif

/** First word of a region: "ICHN" in memory order on little-endian CPUs. */
#define ISOLATOR_CHAN_MAGIC 0x4e484349u
/** Region version of the latency layout; an opener refuses versions it does not know. */
#define ISOLATOR_CHAN_VERSION 1u
/** Region version of the throughput layout (a version-1 reader refuses it). */
#define ISOLATOR_CHAN_VERSION_THROUGHPUT 2u

/** Spacing of the parts of a region that different cores write. */
#define ISOLATOR_CHAN_SPACING 128

/** Most messages isolator_chan_poll_burst() hands over in one call. */
#define ISOLATOR_CHAN_BURST_MAX 64

/** Header of a channel region; written once by the creator, magic last. */
struct isolator_chan_header {
	ISOLATOR_ATOMIC_(uint32_t) magic; /**< ISOLATOR_CHAN_MAGIC, stored last with release */
	uint32_t version;        /**< ISOLATOR_CHAN_VERSION or _VERSION_THROUGHPUT */
	uint32_t slots_offset;   /**< offset of slot (or message) 0 in the region */
	uint32_t capacity;       /**< slots; a power of two */
	uint32_t slot_size;      /**< largest message, bytes */
	uint32_t stride;         /**< bytes from one slot to the next */
	uint64_t region_size;    /**< bytes of the whole region */
	uint32_t flags;          /**< ISOLATOR_CHAN_THROUGHPUT or 0 (version 2 on) */
};

/** The shared region's fixed part; the slots follow it.
 *  No pointers: every field means the same in every process. */
struct isolator_chan_region {
	alignas(ISOLATOR_CHAN_SPACING) struct isolator_chan_header hdr;
	alignas(ISOLATOR_CHAN_SPACING) ISOLATOR_ATOMIC_(uint32_t) tail; /**< producer's index */
	alignas(ISOLATOR_CHAN_SPACING) ISOLATOR_ATOMIC_(uint32_t) head; /**< consumer's index */
};

/** One slot of the latency layout; its data follows it (up to slot_size bytes). */
struct isolator_chan_slot {
	ISOLATOR_ATOMIC_(uint32_t) stamp; /**< index + 1 of the message it holds */
	uint32_t len;                     /**< bytes of data */
};

/** One message of a burst: where its bytes are, and how many. */
struct isolator_chan_msg {
	const void *data; /**< poll_burst: points into the region (see the trust rule) */
	size_t len;
};

/** Burst callback of isolator_chan_poll_burst(): @p n (1 or more) messages in order. */
typedef void (*isolator_chan_burst_fn)(void *arg, const struct isolator_chan_msg *msgs, unsigned n);

/**
 * A process's handle on a channel. The fields are private to libisolator
 * (they are here only so that post and poll can be inline) and may change
 * with ISOLATOR_API_VERSION. Producer and consumer state sit
 * ISOLATOR_CHAN_SPACING bytes apart, as the region's indices do, so one
 * handle can serve a producer thread and a consumer thread: 64 bytes apart
 * (as they were), a handle allocated at an odd line put the two in one
 * 128-byte pair, which x86's adjacent-line prefetcher fetches together.
 */
struct isolator_chan {
	struct isolator_chan_region *region;
	unsigned char *slots;       /* slot 0 (latency) or message 0 (throughput) */
	uint32_t capacity, mask, slot_size, stride;
	uint32_t flags;             /* ISOLATOR_CHAN_THROUGHPUT or 0 */
	/* producer side */
	alignas(ISOLATOR_CHAN_SPACING) uint32_t tail; /* next index to write */
	uint32_t head_cache;        /* the consumer's head as last read */
	ISOLATOR_ATOMIC_(uint64_t) *bell; /* doorbell word to ring after posting, or NULL */
	uint64_t bell_bit;
	/* consumer side */
	alignas(ISOLATOR_CHAN_SPACING) uint32_t head; /* next index to read */
	uint32_t tail_cache;        /* throughput: the producer's tail as last read */
	/* slow-path state (lib/channel.c) */
	alignas(64) int fd;
	int registered;
	size_t map_size;
	isolator_chan_fn fn;
	void *fn_arg;
	struct isolator_bell *bell_handle;
	unsigned bell_index;
};

/* What the fast path reads of a handle, read once at the top of each call.
 * A message is copied through an unsigned char pointer, which may alias
 * anything, so a field read after the copy would be read again from the
 * handle (and after an acquire load, from memory again as well): read
 * before, it stays in a register, and the stamp store (post) and the use of
 * a message (poll) wait for no second load of the handle. The fields are
 * set at creation or by isolator_chan_set_bell(), never by post or poll. */
struct isolator_chan_view_ {
	unsigned char *slots;
	struct isolator_chan_region *region;
	ISOLATOR_ATOMIC_(uint64_t) *bell;
	uint64_t bell_bit;
	uint32_t mask, stride, capacity, slot_size, flags;
};

ISOLATOR_CHAN_INLINE_ struct isolator_chan_view_ isolator_chan_view_(const struct isolator_chan *c)
{
	struct isolator_chan_view_ v = { c->slots, c->region, c->bell, c->bell_bit,
					 c->mask, c->stride, c->capacity, c->slot_size, c->flags };
	return v;
}

/* Address of slot (latency) or message (throughput) @i. */
ISOLATOR_CHAN_INLINE_ unsigned char *isolator_chan_at_v_(const struct isolator_chan_view_ *v, uint32_t i)
{
	return v->slots + (size_t)(i & v->mask) * v->stride;
}

/* Just past the last slot. */
ISOLATOR_CHAN_INLINE_ unsigned char *isolator_chan_end_(const struct isolator_chan_view_ *v)
{
	return v->slots + (size_t)v->capacity * v->stride;
}

ISOLATOR_CHAN_INLINE_ unsigned char *isolator_chan_at_(const struct isolator_chan *c, uint32_t i)
{
	return c->slots + (size_t)(i & c->mask) * c->stride;
}

ISOLATOR_CHAN_INLINE_ struct isolator_chan_slot *isolator_chan_slot_(const struct isolator_chan *c, uint32_t i)
{
	return (struct isolator_chan_slot *)isolator_chan_at_(c, i);
}

ISOLATOR_CHAN_INLINE_ unsigned char *isolator_chan_slot_data_(struct isolator_chan_slot *s)
{
	return (unsigned char *)(s + 1);
}

/* Consumer (and the producer's messages under 8 bytes): copy @len bytes
 * of a message. A message's length is known only at run time on the
 * consumer's side, and a call to memcpy costs more than moving a short
 * message: lengths up to 128 bytes move as two overlapping
 * fixed-size copies, which compile to a few loads and stores; longer ones
 * as 64-byte blocks and a last, overlapping one (measured: bench ipc's
 * 1024-byte burst stream paired by round against rte_ring went from
 * 0.79-0.88 with a memcpy call per record to 0.98-1.03). */
ISOLATOR_CHAN_INLINE_ void isolator_chan_copy_(void *dst, const void *src, size_t len)
{
	unsigned char *d = (unsigned char *)dst;
	const unsigned char *s = (const unsigned char *)src;

	if (len >= 8 && len <= 16) {
		memcpy(d, s, 8);
		memcpy(d + len - 8, s + len - 8, 8);
	} else if (len > 16 && len <= 32) {
		memcpy(d, s, 16);
		memcpy(d + len - 16, s + len - 16, 16);
	} else if (len > 32 && len <= 64) {
		memcpy(d, s, 32);
		memcpy(d + len - 32, s + len - 32, 32);
	} else if (len > 64 && len <= 128) {
		memcpy(d, s, 64);
		memcpy(d + len - 64, s + len - 64, 64);
	} else if (len >= 4 && len < 8) {
		memcpy(d, s, 4);
		memcpy(d + len - 4, s + len - 4, 4);
	} else if (len > 128) {
		size_t i = 0;

		for (; i < len - 64; i += 64)
			memcpy(d + i, s + i, 64);
		memcpy(d + len - 64, s + len - 64, 64);
	} else {
		memcpy(d, s, len);
	}
}

/* Copy @len (8 or more) bytes as 8-byte words, the last one overlapping
 * the one before. The empty asm keeps the compiler from merging the loads
 * into vector ones. */
ISOLATOR_CHAN_INLINE_ void isolator_chan_words_(unsigned char *d, const unsigned char *s, size_t len)
{
	for (size_t i = 0;; i += 8) {
		uint64_t w;

		if (i > len - 8)
			i = len - 8;
		memcpy(&w, s + i, 8);
#if defined(__GNUC__) || defined(__clang__)
		__asm__("" : "+r"(w));
#endif
		memcpy(d + i, &w, 8);
		if (i == len - 8)
			break;
	}
}

/* Producer: copy one message in (the consumer's side uses
 * isolator_chan_copy_()), loading up to 128 bytes of it, or the first 64 of
 * a longer one, 8 bytes at a time. A caller has usually just stored the
 * message's fields, 8 bytes wide or narrower (a sequence number, a type). A
 * 16- or 32-byte load that spans such a store cannot take its data from
 * the store buffer: it waits until that store is written to L1, and stores
 * are written in order, behind the previous message's stores into the
 * ring, which wait for their lines to come back from the consumer's cache.
 * So each post waited for the last one's line transfers: one message per
 * round trip between the cores. An 8-byte load inside an 8-byte store is
 * forwarded; rte_ring's copy (4-byte loads) never had the stall. Measured,
 * bench ipc single 64-byte sends, shm_tput / rte_ring in paired runs on
 * the slow host: 0.55-0.61 with the 16-byte loads, 1.04-1.21 with these. */
ISOLATOR_CHAN_INLINE_ void isolator_chan_copy_in_(void *dst, const void *src, size_t len)
{
	unsigned char *d = (unsigned char *)dst;
	const unsigned char *s = (const unsigned char *)src;

	if (len < 8) {
		isolator_chan_copy_(d, s, len);
	} else if (len <= 128) {
		isolator_chan_words_(d, s, len);
	} else {
		/* a header's fields are in the first 64 bytes; the rest as
		 * 64-byte blocks, as the consumer copies them */
		isolator_chan_words_(d, s, 64);
		isolator_chan_copy_(d + 64, s + 64, len - 64);
	}
}

/* Reload the consumer's index into c->head_cache (slow path of post). 0 if
 * @want slots are free. */
ISOLATOR_CHAN_INLINE_ int isolator_chan_reload_head_(struct isolator_chan *c, const struct isolator_chan_view_ *v,
						     uint32_t want)
{
	/* [P2] pairs with [C2]: the consumer is done with every slot below h */
	uint32_t h = ISOLATOR_LOAD_(&v->region->head, acquire);
	uint32_t used = c->tail - h;

	if (__builtin_expect(used > v->capacity, 0))
		return -EPROTO; /* a head the ring cannot have: refuse it */
	c->head_cache = h;
	return v->capacity - used >= want ? 0 : -EAGAIN;
}

/* Producer: how many of @n messages fit now (1 to @n); -EAGAIN, -EPROTO. */
ISOLATOR_CHAN_INLINE_ int isolator_chan_fit_(struct isolator_chan *c, const struct isolator_chan_view_ *v, unsigned n)
{
	uint32_t room = v->capacity - (c->tail - c->head_cache);

	if (room < n) {
		int err = isolator_chan_reload_head_(c, v, n);

		if (err == -EPROTO)
			return err;
		room = v->capacity - (c->tail - c->head_cache);
		if (!room)
			return -EAGAIN;
	}
	return (int)(n < room ? n : room);
}

/* Producer: whether @len is a message this channel takes (all of the slot
 * size in the throughput layout, up to it in the latency layout). */
ISOLATOR_CHAN_INLINE_ int isolator_chan_len_ok_(const struct isolator_chan_view_ *v, size_t len)
{
	return v->flags & ISOLATOR_CHAN_THROUGHPUT ? len == v->slot_size : len <= v->slot_size;
}

/* Producer: copy message @t in. The latency layout publishes it here [P1]. */
ISOLATOR_CHAN_INLINE_ void isolator_chan_put_(const struct isolator_chan_view_ *v, uint32_t t, const void *msg,
					      size_t len)
{
	if (v->flags & ISOLATOR_CHAN_THROUGHPUT) {
		isolator_chan_copy_in_(isolator_chan_at_v_(v, t), msg, len); /* published by [P3] */
	} else {
		struct isolator_chan_slot *s = (struct isolator_chan_slot *)isolator_chan_at_v_(v, t);

		isolator_chan_copy_in_(isolator_chan_slot_data_(s), msg, len);
		s->len = (uint32_t)len;
		/* [P1] pairs with [C1]: data and len are visible before the stamp */
		ISOLATOR_STORE_(&s->stamp, t + 1, release);
	}
}

/* Producer: publish every message below @t, and ring the doorbell. */
ISOLATOR_CHAN_INLINE_ void isolator_chan_publish_(struct isolator_chan *c, const struct isolator_chan_view_ *v,
						  uint32_t t)
{
	c->tail = t;
	/* [P3] pairs with [C3] and [O1] */
	ISOLATOR_STORE_(&v->region->tail, t, release);
	if (v->bell)
		/* [B1] pairs with [B2]: a consumer whose clearing RMW reads this
		 * one sees every message published above */
		ISOLATOR_FETCH_OR_(v->bell, v->bell_bit, release);
}

/* Producer, latency layout: once every message below @t is published, take
 * the line of the next slot now if that slot starts a line and is known to be
 * free (@head: the consumer's head as last read), by storing back the stamp
 * it holds (the producer is the only writer of stamps, so the value does not
 * change; the consumer, which may be polling it, reads the same stale stamp
 * either way). Measured on an EPYC host: the first message written into a
 * line that has not been written for a while (a ring of 1024 slots walks 256
 * lines) took about 35 ns more per round trip than one written into the line
 * of the message before; claiming the line while the consumer is busy with
 * the last message takes that ownership transfer off the path of the next
 * (bench ipc, mode floor_ring). prefetchw did not do the same there. */
ISOLATOR_CHAN_INLINE_ void isolator_chan_claim_(const struct isolator_chan_view_ *v, uint32_t t, uint32_t head)
{
	struct isolator_chan_slot *s;

	if ((v->flags & ISOLATOR_CHAN_THROUGHPUT) || ((t * v->stride) & 63) || t - head >= v->capacity)
		return;
	s = (struct isolator_chan_slot *)isolator_chan_at_v_(v, t);
	ISOLATOR_STORE_(&s->stamp, ISOLATOR_LOAD_(&s->stamp, relaxed), relaxed);
}

/**
 * @brief Post one message. Never blocks, never overwrites.
 *
 * Producer thread only.
 * @param c The channel.
 * @param msg The bytes to copy in.
 * @param len Their number: at most the slot size (latency layout), exactly
 *            the slot size (throughput layout).
 * @return 0; -EAGAIN if the ring is full; -EMSGSIZE for a length the
 *         layout does not take; -EPROTO if the region's head index is
 *         impossible.
 */
ISOLATOR_CHAN_INLINE_ int isolator_chan_post(struct isolator_chan *c, const void *msg, size_t len)
{
	const struct isolator_chan_view_ v = isolator_chan_view_(c);
	uint32_t t = c->tail, head = c->head_cache;

	if (__builtin_expect(!isolator_chan_len_ok_(&v, len), 0))
		return -EMSGSIZE;
	if (__builtin_expect(t - head >= v.capacity, 0)) {
		int err = isolator_chan_reload_head_(c, &v, 1);
		if (err)
			return err;
		head = c->head_cache;
	}
	isolator_chan_put_(&v, t, msg, len);
	isolator_chan_publish_(c, &v, t + 1);
	isolator_chan_claim_(&v, t + 1, head);
	return 0;
}

/**
 * @brief Post up to @p n messages of @p len bytes each, stored back to back
 *        at @p msgs. Never blocks, never overwrites: posts what fits, and
 *        publishes the tail once.
 *
 * Producer thread only.
 * @return The number posted (1 to @p n); -EAGAIN if none fit; -EMSGSIZE;
 *         -EPROTO as isolator_chan_post(). 0 only for @p n = 0.
 */
ISOLATOR_CHAN_INLINE_ int isolator_chan_post_batch(struct isolator_chan *c, const void *msgs, size_t len,
					   unsigned n)
{
	const struct isolator_chan_view_ v = isolator_chan_view_(c);
	const unsigned char *src = (const unsigned char *)msgs;
	uint32_t t = c->tail, head;
	int fit;

	if (__builtin_expect(!isolator_chan_len_ok_(&v, len), 0))
		return -EMSGSIZE;
	if (!n)
		return 0;
	fit = isolator_chan_fit_(c, &v, n);
	if (fit < 0)
		return fit;
	head = c->head_cache;
	if (v.flags & ISOLATOR_CHAN_THROUGHPUT) {
		/* records back to back: a pointer walks them, wrapping at the end */
		unsigned char *p = isolator_chan_at_v_(&v, t), *end = isolator_chan_end_(&v);

		for (int i = 0; i < fit; i++, src += len) {
			/* 64-byte blocks: measured, 8-byte loads here took the
			 * fast host's 1024-byte bursts from parity to 0.71x
			 * rte_ring (paired by round) */
			isolator_chan_copy_(p, src, len); /* published by [P3] */
			p += v.stride;
			if (p == end)
				p = v.slots;
		}
		t += (uint32_t)fit;
	} else {
		for (int i = 0; i < fit; i++, t++, src += len)
			isolator_chan_put_(&v, t, src, len);
	}
	isolator_chan_publish_(c, &v, t);
	isolator_chan_claim_(&v, t, head);
	return fit;
}

/**
 * @brief Post up to @p n messages, each of its own length and place.
 *        Never blocks, never overwrites: posts what fits, in order, and
 *        publishes the tail once.
 *
 * Producer thread only.
 * @param msgs The messages; each len as isolator_chan_post() takes.
 * @return The number posted (1 to @p n); -EAGAIN if none fit; -EMSGSIZE if
 *         the length of any of the @p n is refused (nothing posted); -EPROTO as
 *         isolator_chan_post(). 0 only for @p n = 0.
 */
ISOLATOR_CHAN_INLINE_ int isolator_chan_post_burst(struct isolator_chan *c, const struct isolator_chan_msg *msgs,
					   unsigned n)
{
	const struct isolator_chan_view_ v = isolator_chan_view_(c);
	uint32_t t = c->tail, head;
	int fit;

	for (unsigned i = 0; i < n; i++)
		if (__builtin_expect(!isolator_chan_len_ok_(&v, msgs[i].len), 0))
			return -EMSGSIZE;
	if (!n)
		return 0;
	fit = isolator_chan_fit_(c, &v, n);
	if (fit < 0)
		return fit;
	head = c->head_cache;
	for (int i = 0; i < fit; i++, t++)
		isolator_chan_put_(&v, t, msgs[i].data, msgs[i].len);
	isolator_chan_publish_(c, &v, t);
	isolator_chan_claim_(&v, t, head);
	return fit;
}

/* Consumer: publish how far it has read (after a poll that took something). */
ISOLATOR_CHAN_INLINE_ void isolator_chan_release_(struct isolator_chan *c, const struct isolator_chan_view_ *v,
						  uint32_t h)
{
	c->head = h;
	/* [C2] pairs with [P2]: every read of slots below h happened before */
	ISOLATOR_STORE_(&v->region->head, h, release);
}

/* Consumer, throughput layout: messages waiting at @h, at most @max;
 * -EPROTO for a tail more than a lap ahead (or behind). The tail line is
 * read only when what is known to wait is fewer than @max. */
ISOLATOR_CHAN_INLINE_ int isolator_chan_avail_(struct isolator_chan *c, const struct isolator_chan_view_ *v,
					       uint32_t h, unsigned max)
{
	uint32_t n = c->tail_cache - h;

	if (n < max) {
		/* [C3] pairs with [P3]: messages and lengths below t are written */
		uint32_t t = ISOLATOR_LOAD_(&v->region->tail, acquire);

		n = t - h;
		if (__builtin_expect(n > v->capacity, 0))
			return -EPROTO;
		c->tail_cache = t;
	}
	return (int)(n < max ? n : max);
}

/* Consumer: message @h if it is there; its length (read once, the peer may
 * rewrite it) in *len; NULL if none waits. Latency layout. */
ISOLATOR_CHAN_INLINE_ struct isolator_chan_slot *isolator_chan_ready_(const struct isolator_chan_view_ *v, uint32_t h,
							      uint32_t *len)
{
	struct isolator_chan_slot *s = (struct isolator_chan_slot *)isolator_chan_at_v_(v, h);

	/* [C1] pairs with [P1] */
	if (ISOLATOR_LOAD_(&s->stamp, acquire) != h + 1)
		return NULL;
	*len = s->len;
	return s;
}

/**
 * @brief Deliver up to @p max waiting messages to @p fn, one call each, in order.
 *
 * Consumer thread only. The slots are handed back to the producer (head
 * published once) when the call returns.
 * @return The number delivered (0 if none waited); -EPROTO if a slot holds
 *         an impossible length or the tail is impossible (messages before
 *         the bad one are still delivered and it is not consumed).
 */
ISOLATOR_CHAN_INLINE_ int isolator_chan_poll(struct isolator_chan *c, isolator_chan_fn fn, void *arg,
				     unsigned max)
{
	const struct isolator_chan_view_ v = isolator_chan_view_(c);
	uint32_t h = c->head, len;
	unsigned n = 0;
	int err = 0;

	if (v.flags & ISOLATOR_CHAN_THROUGHPUT) {
		int avail = isolator_chan_avail_(c, &v, h, max);

		if (avail < 0)
			return avail;
		for (; n < (unsigned)avail; n++, h++)
			fn(arg, isolator_chan_at_v_(&v, h), v.slot_size);
	} else {
		for (; n < max; n++, h++) {
			struct isolator_chan_slot *s = isolator_chan_ready_(&v, h, &len);

			if (!s)
				break;
			if (__builtin_expect(len > v.slot_size, 0)) {
				err = -EPROTO;
				break;
			}
			fn(arg, isolator_chan_slot_data_(s), len);
		}
	}
	if (n)
		isolator_chan_release_(c, &v, h);
	return err ? err : (int)n;
}

/**
 * @brief Hand up to @p max waiting messages (at most ISOLATOR_CHAN_BURST_MAX)
 *        to @p fn in one call, in order, then publish the head once.
 *
 * Consumer thread only. @p fn is not called when nothing waits. The
 * messages stay in the region until @p fn returns.
 * @return The number delivered; -EPROTO as isolator_chan_poll() (the
 *         messages before the bad one are still delivered).
 */
ISOLATOR_CHAN_INLINE_ int isolator_chan_poll_burst(struct isolator_chan *c, isolator_chan_burst_fn fn, void *arg,
					   unsigned max)
{
	const struct isolator_chan_view_ v = isolator_chan_view_(c);
	struct isolator_chan_msg m[ISOLATOR_CHAN_BURST_MAX];
	uint32_t h = c->head, len;
	unsigned n = 0;
	int err = 0;

	if (max > ISOLATOR_CHAN_BURST_MAX)
		max = ISOLATOR_CHAN_BURST_MAX;
	if (v.flags & ISOLATOR_CHAN_THROUGHPUT) {
		int avail = isolator_chan_avail_(c, &v, h, max);

		if (avail < 0)
			return avail;
		for (; n < (unsigned)avail; n++, h++) {
			m[n].data = isolator_chan_at_v_(&v, h);
			m[n].len = v.slot_size;
		}
	} else {
		for (; n < max; n++, h++) {
			struct isolator_chan_slot *s = isolator_chan_ready_(&v, h, &len);

			if (!s)
				break;
			if (__builtin_expect(len > v.slot_size, 0)) {
				err = -EPROTO;
				break;
			}
			m[n].data = isolator_chan_slot_data_(s);
			m[n].len = len;
		}
	}
	if (n) {
		fn(arg, m, n);
		isolator_chan_release_(c, &v, h);
	}
	return err ? err : (int)n;
}

/**
 * @brief Copy up to @p max waiting messages out, in order; head published once.
 *
 * Consumer thread only. Message i goes to @p buf + i * @p stride.
 * @param lens /\* OUT: *\/ the length of each message; may be NULL.
 * @return The number copied (0 if none waited); -EINVAL if @p stride is
 *         smaller than the slot size; -EPROTO as isolator_chan_poll().
 */
ISOLATOR_CHAN_INLINE_ int isolator_chan_read(struct isolator_chan *c, void *buf, size_t stride,
				     size_t *lens, unsigned max)
{
	const struct isolator_chan_view_ v = isolator_chan_view_(c);
	unsigned char *dst = (unsigned char *)buf;
	uint32_t h = c->head, len;
	unsigned n = 0;
	int err = 0;

	if (stride < v.slot_size)
		return -EINVAL;
	if (v.flags & ISOLATOR_CHAN_THROUGHPUT) {
		int avail = isolator_chan_avail_(c, &v, h, max);

		if (avail < 0)
			return avail;
		unsigned char *p = isolator_chan_at_v_(&v, h), *end = isolator_chan_end_(&v);

		len = v.slot_size;
		for (; n < (unsigned)avail; n++, dst += stride) {
			/* len <= stride: this tells the compiler so, when it
			 * knows the caller's stride */
			if (len > stride)
				break;
			isolator_chan_copy_(dst, p, len);
			if (lens)
				lens[n] = len;
			p += v.stride;
			if (p == end)
				p = v.slots;
		}
		h += n;
	} else {
		for (; n < max; n++, h++, dst += stride) {
			struct isolator_chan_slot *s = isolator_chan_ready_(&v, h, &len);

			if (!s)
				break;
			/* len <= slot_size <= stride; the second test tells the
			 * compiler so, when it knows the caller's stride */
			if (__builtin_expect(len > v.slot_size || len > stride, 0)) {
				err = -EPROTO;
				break;
			}
			isolator_chan_copy_(dst, isolator_chan_slot_data_(s), len);
			if (lens)
				lens[n] = len;
		}
	}
	if (n)
		isolator_chan_release_(c, &v, h);
	return err ? err : (int)n;
}

/**
 * @brief Messages posted and not yet consumed, as the region's indices say.
 *
 * Any thread; a snapshot, which may be stale by the time it returns.
 * @return 0 to capacity; -EPROTO if the indices are impossible.
 */
ISOLATOR_CHAN_INLINE_ int isolator_chan_pending(const struct isolator_chan *c)
{
	/* [O1] pairs with [P3]; tail first: in the latency layout the consumer
	 * may already have taken a message whose tail is not yet published (it
	 * follows stamps), so a head read later can pass this tail by a little,
	 * never by a lap. */
	uint32_t t = ISOLATOR_LOAD_(&c->region->tail, acquire);
	uint32_t h = ISOLATOR_LOAD_(&c->region->head, acquire);
	int32_t d = (int32_t)(t - h);

	if (d < 0)
		return -d <= (int32_t)c->capacity ? 0 : -EPROTO;
	return (uint32_t)d > c->capacity ? -EPROTO : d;
}

#ifdef __cplusplus
}
#endif

#endif /* ISOLATOR_CHANNEL_H */
