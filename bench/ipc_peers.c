// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The peers of `isolator bench ipc`: Concurrency Kit's ck_ring (libck-dev)
 * and DPDK's rte_ring (dpdk-dev), each in its single-producer/single-
 * consumer form with messages copied by value, run through the same loops
 * as our channel (bench/ipc.h). Built only with what meson found; a missing
 * peer is reported, not fatal.
 *
 * rte_ring without EAL: rte_ring_create() needs EAL's memzones, but
 * rte_ring_init() on our own memory (sized by rte_ring_get_memsize_elem())
 * is what rte_ring_create_elem() does after reserving one, and touches no
 * EAL state; the enqueue and dequeue paths are header-only.
 */
#include <stdlib.h>

#include "ipc.h"

#ifdef HAVE_CK
#include <ck_ring.h>

struct ck_m8 { uint64_t w[1]; };
struct ck_m64 { uint64_t w[8]; };
struct ck_m256 { uint64_t w[32]; };
struct ck_m1024 { uint64_t w[128]; };
CK_RING_PROTOTYPE(m8, ck_m8)
CK_RING_PROTOTYPE(m64, ck_m64)
CK_RING_PROTOTYPE(m256, ck_m256)
CK_RING_PROTOTYPE(m1024, ck_m1024)

struct ck_peer {
	struct ck_ring ring; /* ck keeps producer and consumer on their own lines */
	void *buf;
};

static void *ck_create(size_t size)
{
	/* aligned_alloc wants a size that is a multiple of the alignment */
	struct ck_peer *r = aligned_alloc(128, (sizeof(*r) + 127) & ~(size_t)127);

	if (!r)
		return NULL;
	r->buf = aligned_alloc(128, IPC_RING_SLOTS * size);
	if (!r->buf) {
		free(r);
		return NULL;
	}
	memset(r->buf, 0, IPC_RING_SLOTS * size);
	ck_ring_init(&r->ring, IPC_RING_SLOTS);
	return r;
}

static void ck_destroy(void *ring)
{
	struct ck_peer *r = ring;

	free(r->buf);
	free(r);
}

IPC_INLINE int ck_send(void *ring, const void *msg, size_t size)
{
	struct ck_peer *r = ring;

	switch (size) {
	case 8:
		return !ck_ring_enqueue_spsc_m8(&r->ring, r->buf, (struct ck_m8 *)msg);
	case 64:
		return !ck_ring_enqueue_spsc_m64(&r->ring, r->buf, (struct ck_m64 *)msg);
	case 256:
		return !ck_ring_enqueue_spsc_m256(&r->ring, r->buf, (struct ck_m256 *)msg);
	default:
		return !ck_ring_enqueue_spsc_m1024(&r->ring, r->buf, (struct ck_m1024 *)msg);
	}
}

IPC_INLINE bool ck_take(struct ck_peer *r, void *dst, size_t size)
{
	switch (size) {
	case 8:
		return ck_ring_dequeue_spsc_m8(&r->ring, r->buf, dst);
	case 64:
		return ck_ring_dequeue_spsc_m64(&r->ring, r->buf, dst);
	case 256:
		return ck_ring_dequeue_spsc_m256(&r->ring, r->buf, dst);
	default:
		return ck_ring_dequeue_spsc_m1024(&r->ring, r->buf, dst);
	}
}

IPC_INLINE unsigned ck_recv(void *ring, void *buf, size_t size, unsigned max)
{
	struct ck_peer *r = ring;
	unsigned char *dst = buf;
	unsigned n = 0;

	/* ck has no burst dequeue for spsc: one at a time, as its users do */
	for (; n < max; n++, dst += size)
		if (!ck_take(r, dst, size))
			break;
	return n;
}

/* ck has no burst enqueue for spsc: only the single stream */
IPC_RING_MODE_SINGLE(ckp, ck_send, ck_recv);
const struct ipc_ring_mode *const ipc_ck_mode = &ckp_mode;
const struct ipc_ring_ops ipc_ck_ops = { ck_create, ck_destroy };
const char *const ipc_ck_missing = NULL;
#else
const struct ipc_ring_mode *const ipc_ck_mode = NULL;
const struct ipc_ring_ops ipc_ck_ops = { NULL, NULL };
const char *const ipc_ck_missing = "built without Concurrency Kit (apt install libck-dev; rebuild)";
#endif

#ifdef HAVE_DPDK
#include <rte_ring.h>
#include <rte_ring_elem.h>

static void *rte_create(size_t size)
{
	ssize_t bytes = rte_ring_get_memsize_elem((unsigned)size, IPC_RING_SLOTS);
	struct rte_ring *r;

	if (bytes < 0)
		return NULL;
	r = aligned_alloc(128, ((size_t)bytes + 127) & ~(size_t)127);
	if (!r)
		return NULL;
	/* without RING_F_EXACT_SZ it holds IPC_RING_SLOTS - 1, as ck_ring does */
	if (rte_ring_init(r, "isolator-ipc", IPC_RING_SLOTS, RING_F_SP_ENQ | RING_F_SC_DEQ) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

static void rte_destroy(void *ring)
{
	free(ring);
}

IPC_INLINE int rte_send(void *ring, const void *msg, size_t size)
{
	return rte_ring_sp_enqueue_elem(ring, (void *)msg, (unsigned)size);
}

IPC_INLINE unsigned rte_recv(void *ring, void *buf, size_t size, unsigned max)
{
	return rte_ring_sc_dequeue_burst_elem(ring, buf, (unsigned)size, max, NULL);
}

IPC_INLINE unsigned rte_send_burst(void *ring, const void *msgs, size_t size, unsigned n)
{
	return rte_ring_sp_enqueue_burst_elem(ring, (void *)msgs, (unsigned)size, n, NULL);
}

IPC_RING_MODE(rtep, rte_send, rte_send_burst, rte_recv);
const struct ipc_ring_mode *const ipc_rte_mode = &rtep_mode;
const struct ipc_ring_ops ipc_rte_ops = { rte_create, rte_destroy };
const char *const ipc_rte_missing = NULL;
#else
const struct ipc_ring_mode *const ipc_rte_mode = NULL;
const struct ipc_ring_ops ipc_rte_ops = { NULL, NULL };
const char *const ipc_rte_missing = "built without DPDK (apt install dpdk-dev; rebuild)";
#endif
