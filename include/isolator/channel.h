/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file isolator/channel.h
 * @brief Inline fast path of the shared-memory channels. Included by
 *        isolator.h; do not include it alone.
 *
 * A channel is a single-producer/single-consumer ring of fixed-size slots in
 * one shared region (a memfd or a name under /dev/shm), usable between
 * threads and between processes. The region holds no pointers: only a
 * header, the two free-running uint32_t indices and the slots.
 *
 * Region layout (offsets in bytes; 128-byte spacing, because x86's
 * adjacent-line prefetcher pulls 64-byte lines in pairs, as in DPDK):
 *
 *     0    header: magic, version, geometry (written once by the creator)
 *   128    tail: next index the producer writes   (written by the producer)
 *   256    head: next index the consumer reads    (written by the consumer)
 *   384    slots[capacity], each `stride` bytes:  stamp, len, data[slot_size]
 *
 * How a message travels, and why it costs one cache-line transfer:
 *  - The producer copies the message into slot `tail & mask`, then stores the
 *    slot's stamp = tail + 1 with release [P1]. The consumer polls the stamp
 *    of slot `head & mask` with acquire [C1]: when it reads head + 1 the data
 *    before it is visible. The consumer never reads the producer's index on
 *    the fast path; the stamp, which shares the cache line with the data, is
 *    its cached view of it. So a message moves the one line the raw
 *    cache-line ping-pong (`isolator bench ipc` mode floor) moves.
 *  - The producer caches the consumer's index (head_cache) and reloads it
 *    with acquire [P2] only when the cache says the ring is full; the
 *    consumer publishes head with release [C2] after each poll that took
 *    something, so the producer never overwrites a slot being read.
 *  - The producer also publishes tail with release [P3] for
 *    isolator_chan_pending() [O1] and for a process that opens the channel
 *    later; nobody reads it on the fast path, so it stays in the producer's
 *    cache.
 * Stamps of the previous lap are (index + 1 - capacity), never index + 1, so
 * a stale slot is never taken for a new message, across the uint32_t wrap too.
 *
 * Concurrency: one producer thread and one consumer thread at a time (they
 * may be in different processes, each with its own handle, or share one
 * handle). Post and poll are wait-free: a bounded number of steps, no locks,
 * no system calls. A full ring returns -EAGAIN; nothing is overwritten.
 *
 * Trust: the peer may be hostile. Everything read from the region is checked
 * before it is used: a length over slot_size or a head that claims more than
 * the capacity is refused with -EPROTO; indices that address memory live in
 * the private handle, never in the region.
 */
#ifndef ISOLATOR_CHANNEL_H
#define ISOLATOR_CHANNEL_H

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** First word of a region: "ICHN" in memory order on little-endian CPUs. */
#define ISOLATOR_CHAN_MAGIC 0x4e484349u
/** Layout version of the region; an opener refuses any other. */
#define ISOLATOR_CHAN_VERSION 1u

/** Spacing of the parts of a region that different cores write. */
#define ISOLATOR_CHAN_SPACING 128

/** Header of a channel region; written once by the creator, magic last. */
struct isolator_chan_header {
	_Atomic uint32_t magic;  /**< ISOLATOR_CHAN_MAGIC, stored last with release */
	uint32_t version;        /**< ISOLATOR_CHAN_VERSION */
	uint32_t slots_offset;   /**< offset of slot 0 in the region */
	uint32_t capacity;       /**< slots; a power of two */
	uint32_t slot_size;      /**< largest message, bytes */
	uint32_t stride;         /**< bytes from one slot to the next */
	uint64_t region_size;    /**< bytes of the whole region */
};

/** The shared region. No pointers: every field means the same in every process. */
struct isolator_chan_region {
	alignas(ISOLATOR_CHAN_SPACING) struct isolator_chan_header hdr;
	alignas(ISOLATOR_CHAN_SPACING) _Atomic uint32_t tail; /**< producer's index */
	alignas(ISOLATOR_CHAN_SPACING) _Atomic uint32_t head; /**< consumer's index */
	alignas(ISOLATOR_CHAN_SPACING) unsigned char slots[];
};

/** One slot; data[] holds up to slot_size bytes. */
struct isolator_chan_slot {
	_Atomic uint32_t stamp; /**< index + 1 of the message it holds */
	uint32_t len;           /**< bytes of data */
	unsigned char data[];
};

/**
 * A process's handle on a channel. The fields are private to libisolator
 * (they are here only so that post and poll can be inline) and may change
 * with ISOLATOR_API_VERSION. Producer and consumer state sit on their own
 * cache lines, so one handle can serve a producer thread and a consumer
 * thread.
 */
struct isolator_chan {
	struct isolator_chan_region *region;
	unsigned char *slots;
	uint32_t capacity, mask, slot_size, stride;
	/* producer side */
	alignas(64) uint32_t tail;  /* next index to write */
	uint32_t head_cache;        /* the consumer's head as last read */
	/* consumer side */
	alignas(64) uint32_t head;  /* next index to read */
	/* slow-path state (lib/channel.c) */
	alignas(64) int fd;
	int registered;
	size_t map_size;
	isolator_chan_fn fn;
	void *fn_arg;
};

static inline struct isolator_chan_slot *isolator_chan_slot_(const struct isolator_chan *c, uint32_t i)
{
	return (struct isolator_chan_slot *)(c->slots + (size_t)(i & c->mask) * c->stride);
}

/* Reload the consumer's index (slow path of post). 0 if @want slots are free. */
static inline int isolator_chan_reload_head_(struct isolator_chan *c, uint32_t want)
{
	/* [P2] pairs with [C2]: the consumer is done with every slot below h */
	uint32_t h = atomic_load_explicit(&c->region->head, memory_order_acquire);
	uint32_t used = c->tail - h;

	if (__builtin_expect(used > c->capacity, 0))
		return -EPROTO; /* a head the ring cannot have: refuse it */
	c->head_cache = h;
	return c->capacity - used >= want ? 0 : -EAGAIN;
}

/**
 * @brief Post one message. Never blocks, never overwrites.
 *
 * Producer thread only.
 * @param c The channel.
 * @param msg The bytes to copy in.
 * @param len Their number, at most the channel's slot size.
 * @return 0; -EAGAIN if the ring is full; -EMSGSIZE if @p len is over the
 *         slot size; -EPROTO if the region's head index is impossible.
 */
static inline int isolator_chan_post(struct isolator_chan *c, const void *msg, size_t len)
{
	uint32_t t = c->tail;
	struct isolator_chan_slot *s;

	if (__builtin_expect(len > c->slot_size, 0))
		return -EMSGSIZE;
	if (__builtin_expect(t - c->head_cache >= c->capacity, 0)) {
		int err = isolator_chan_reload_head_(c, 1);
		if (err)
			return err;
	}
	s = isolator_chan_slot_(c, t);
	memcpy(s->data, msg, len);
	s->len = (uint32_t)len;
	/* [P1] pairs with [C1]: data and len are visible before the stamp */
	atomic_store_explicit(&s->stamp, t + 1, memory_order_release);
	c->tail = t + 1;
	/* [P3] pairs with [O1] */
	atomic_store_explicit(&c->region->tail, t + 1, memory_order_release);
	return 0;
}

/**
 * @brief Post up to @p n messages of @p len bytes each, stored back to back
 *        at @p msgs. Never blocks, never overwrites: posts what fits.
 *
 * Producer thread only.
 * @return The number posted (1 to @p n); -EAGAIN if none fit; -EMSGSIZE;
 *         -EPROTO as isolator_chan_post(). 0 only for @p n = 0.
 */
static inline int isolator_chan_post_batch(struct isolator_chan *c, const void *msgs, size_t len,
					   unsigned n)
{
	const unsigned char *src = (const unsigned char *)msgs;
	uint32_t t = c->tail, room;

	if (__builtin_expect(len > c->slot_size, 0))
		return -EMSGSIZE;
	if (!n)
		return 0;
	room = c->capacity - (t - c->head_cache);
	if (room < n) {
		int err = isolator_chan_reload_head_(c, n);
		if (err == -EPROTO)
			return err;
		room = c->capacity - (t - c->head_cache);
		if (!room)
			return -EAGAIN;
	}
	if (n > room)
		n = room;
	for (unsigned i = 0; i < n; i++, t++, src += len) {
		struct isolator_chan_slot *s = isolator_chan_slot_(c, t);

		memcpy(s->data, src, len);
		s->len = (uint32_t)len;
		/* [P1] pairs with [C1] */
		atomic_store_explicit(&s->stamp, t + 1, memory_order_release);
	}
	c->tail = t;
	/* [P3] pairs with [O1] */
	atomic_store_explicit(&c->region->tail, t, memory_order_release);
	return (int)n;
}

/* Consumer: publish how far it has read (after a poll that took something). */
static inline void isolator_chan_release_(struct isolator_chan *c, uint32_t h)
{
	c->head = h;
	/* [C2] pairs with [P2]: every read of slots below h happened before */
	atomic_store_explicit(&c->region->head, h, memory_order_release);
}

/**
 * @brief Deliver up to @p max waiting messages to @p fn, in order.
 *
 * Consumer thread only. The slots are handed back to the producer when the
 * call returns.
 * @return The number delivered (0 if none waited); -EPROTO if a slot holds
 *         an impossible length (messages before it are still delivered and
 *         the bad one is not consumed).
 */
static inline int isolator_chan_poll(struct isolator_chan *c, isolator_chan_fn fn, void *arg,
				     unsigned max)
{
	uint32_t h = c->head;
	unsigned n = 0;
	int err = 0;

	for (; n < max; n++, h++) {
		struct isolator_chan_slot *s = isolator_chan_slot_(c, h);
		uint32_t len;

		/* [C1] pairs with [P1] */
		if (atomic_load_explicit(&s->stamp, memory_order_acquire) != h + 1)
			break;
		len = s->len; /* read once: the peer may rewrite it */
		if (__builtin_expect(len > c->slot_size, 0)) {
			err = -EPROTO;
			break;
		}
		fn(arg, s->data, len);
	}
	if (n)
		isolator_chan_release_(c, h);
	return err ? err : (int)n;
}

/**
 * @brief Copy up to @p max waiting messages out, in order.
 *
 * Consumer thread only. Message i goes to @p buf + i * @p stride.
 * @param lens /\* OUT: *\/ the length of each message; may be NULL.
 * @return The number copied (0 if none waited); -EINVAL if @p stride is
 *         smaller than the slot size; -EPROTO as isolator_chan_poll().
 */
static inline int isolator_chan_read(struct isolator_chan *c, void *buf, size_t stride,
				     size_t *lens, unsigned max)
{
	unsigned char *dst = (unsigned char *)buf;
	uint32_t h = c->head;
	unsigned n = 0;
	int err = 0;

	if (stride < c->slot_size)
		return -EINVAL;
	for (; n < max; n++, h++, dst += stride) {
		struct isolator_chan_slot *s = isolator_chan_slot_(c, h);
		uint32_t len;

		/* [C1] pairs with [P1] */
		if (atomic_load_explicit(&s->stamp, memory_order_acquire) != h + 1)
			break;
		len = s->len;
		if (__builtin_expect(len > c->slot_size, 0)) {
			err = -EPROTO;
			break;
		}
		memcpy(dst, s->data, len);
		if (lens)
			lens[n] = len;
	}
	if (n)
		isolator_chan_release_(c, h);
	return err ? err : (int)n;
}

/**
 * @brief Messages posted and not yet consumed, as the region's indices say.
 *
 * Any thread; a snapshot, which may be stale by the time it returns.
 * @return 0 to capacity; -EPROTO if the indices are impossible.
 */
static inline int isolator_chan_pending(const struct isolator_chan *c)
{
	/* [O1] pairs with [P3]; tail first: the consumer may already have taken
	 * a message whose tail is not yet published (it follows stamps), so a
	 * head read later can pass this tail by a little, never by a lap. */
	uint32_t t = atomic_load_explicit(&c->region->tail, memory_order_acquire);
	uint32_t h = atomic_load_explicit(&c->region->head, memory_order_acquire);
	int32_t d = (int32_t)(t - h);

	if (d < 0)
		return -d <= (int32_t)c->capacity ? 0 : -EPROTO;
	return (uint32_t)d > c->capacity ? -EPROTO : d;
}

#ifdef __cplusplus
}
#endif

#endif /* ISOLATOR_CHANNEL_H */
