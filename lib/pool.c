// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The per-core memory pool: the paper's "dedicated SLUB" of the isolated
 * core. One mapping holds everything (the pool's own state, a stack of free
 * object numbers per class, and the objects), pre-faulted and locked, so the
 * owning core never faults, locks or enters the kernel to allocate.
 *
 * Why a stack of indices and not a free list threaded through the objects:
 * a stray write into a freed object (the bug class a pool must survive)
 * cannot corrupt the allocator's state, and a put can be checked against
 * the class's bounds before anything is trusted.
 *
 * Ownership: get and put run only on the owning CPU; one thread isolated
 * there is the only writer of free stacks and in_use, so they need no
 * atomic read-modify-write. Statistics are stored with relaxed atomics so
 * that any thread may read them; the refusal counters are the only fields
 * another CPU writes, with relaxed fetch-add.
 */
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define POOL_MAX_CLASSES 16
#define POOL_ALIGN 16
#define POOL_MAX_OBJECTS (1u << 24)
#define HUGE_PAGE (2u << 20)

#ifndef NDEBUG
#define POOL_DEBUG 1 /* track which objects are out, to catch double puts */
#endif

struct pool_class {
	size_t size;
	unsigned count;
	unsigned nfree;            /* owner only */
	unsigned char *base;       /* object i at base + i * size */
	uint32_t *free_stack;      /* free object numbers; top at nfree - 1 */
#ifdef POOL_DEBUG
	uint8_t *out;              /* 1 while object i is handed out */
#endif
	_Atomic unsigned in_use;     /* owner stores, anyone loads */
	_Atomic unsigned high_water; /* owner stores, anyone loads */
};

struct isolator_pool {
	int cpu;
	unsigned nclasses;
	void *mem;
	size_t bytes;
	int locked, huge;
	struct pool_class cls[POOL_MAX_CLASSES];
	/* written by other CPUs: their own line */
	alignas(64) _Atomic uint64_t refused;
	_Atomic uint64_t bad_puts;
};

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int cmp_class(const void *a, const void *b)
{
	const struct isolator_pool_class *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/* Explicit huge pages when the system has some reserved, else normal pages
 * with a transparent-huge-page hint. Pre-faulted either way. */
static void *map_pool(size_t *bytes, int *huge)
{
	size_t hsize = align_up(*bytes, HUGE_PAGE);
	void *p = mmap(NULL, hsize, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);

	if (p != MAP_FAILED) {
		*bytes = hsize;
		*huge = 1;
		return p;
	}
	*huge = 0;
	*bytes = align_up(*bytes, (size_t)sysconf(_SC_PAGESIZE));
	p = mmap(NULL, *bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, *bytes, MADV_HUGEPAGE);
	return p;
}

ISOLATOR_API struct isolator_pool *isolator_pool_new(unsigned cpu,
						     const struct isolator_pool_class *classes,
						     unsigned nclasses)
{
	struct isolator_pool_class sorted[POOL_MAX_CLASSES];
	struct isolator_cpuset online;
	struct isolator_pool *p;
	size_t bytes, off;
	unsigned char *mem;
	int huge;

	if (!classes || !nclasses || nclasses > POOL_MAX_CLASSES) {
		errno = -set_error(EINVAL, "pool: want 1 to %d size classes", POOL_MAX_CLASSES);
		return NULL;
	}
	if (isolator_cpus_online(NULL, &online) == 0 && !isolator_cpuset_has(&online, cpu)) {
		errno = -set_error(EINVAL, "pool: CPU %u is not online", cpu);
		return NULL;
	}
	memcpy(sorted, classes, nclasses * sizeof(*classes));
	qsort(sorted, nclasses, sizeof(*sorted), cmp_class);

	/* Layout: the pool, then per class its free stack (and debug map),
	 * then the objects of every class, each class on a fresh cache line. */
	bytes = align_up(sizeof(*p), 64);
	for (unsigned i = 0; i < nclasses; i++) {
		size_t size = align_up(sorted[i].size, POOL_ALIGN);

		if (!sorted[i].size || sorted[i].size > (1u << 30) || !sorted[i].count ||
		    sorted[i].count > POOL_MAX_OBJECTS) {
			errno = -set_error(EINVAL, "pool class %zu bytes x %u: want 1..2^30 bytes, "
					   "1..2^24 objects", sorted[i].size, sorted[i].count);
			return NULL;
		}
		bytes += align_up(sorted[i].count * sizeof(uint32_t), 64);
#ifdef POOL_DEBUG
		bytes += align_up(sorted[i].count, 64);
#endif
		bytes += align_up(size * sorted[i].count, 64);
		if (bytes > (1ull << 40)) {
			errno = -set_error(ENOMEM, "pool: too large");
			return NULL;
		}
	}

	/* Fault the pages in from the owning CPU, so that they come from its
	 * NUMA node; carry on from here if this thread may not run there. */
	cpu_set_t was, there;
	int moved = cpu < CPU_SETSIZE && sched_getaffinity(0, sizeof(was), &was) == 0;

	CPU_ZERO(&there);
	if (moved)
		CPU_SET(cpu, &there);
	moved = moved && sched_setaffinity(0, sizeof(there), &there) == 0;
	mem = map_pool(&bytes, &huge);
	if (moved)
		sched_setaffinity(0, sizeof(was), &was);
	if (!mem) {
		errno = -set_error(ENOMEM, "pool: cannot map %zu bytes", bytes);
		return NULL;
	}
	p = (struct isolator_pool *)mem;
	p->cpu = (int)cpu;
	p->nclasses = nclasses;
	p->mem = mem;
	p->bytes = bytes;
	p->huge = huge;
	p->locked = mlock(mem, bytes) == 0;
	off = align_up(sizeof(*p), 64);
	for (unsigned i = 0; i < nclasses; i++) {
		struct pool_class *c = &p->cls[i];

		c->size = align_up(sorted[i].size, POOL_ALIGN);
		c->count = sorted[i].count;
		c->free_stack = (uint32_t *)(mem + off);
		off += align_up(c->count * sizeof(uint32_t), 64);
#ifdef POOL_DEBUG
		c->out = mem + off;
		off += align_up(c->count, 64);
#endif
		/* lowest addresses come out first */
		for (unsigned k = 0; k < c->count; k++)
			c->free_stack[k] = c->count - 1 - k;
		c->nfree = c->count;
	}
	for (unsigned i = 0; i < nclasses; i++) {
		struct pool_class *c = &p->cls[i];

		c->base = mem + off;
		off += align_up(c->size * c->count, 64);
	}
	return p;
}

ISOLATOR_API void isolator_pool_free(struct isolator_pool *pool)
{
	if (pool)
		munmap(pool->mem, pool->bytes);
}

/* On the owning CPU? sched_getcpu() reads the rseq area glibc registers
 * (or the vDSO), so this costs no system call. */
static int on_owner(struct isolator_pool *p)
{
	if (__builtin_expect(sched_getcpu() == p->cpu, 1))
		return 1;
	atomic_fetch_add_explicit(&p->refused, 1, memory_order_relaxed);
	return 0;
}

ISOLATOR_API void *isolator_pool_get(struct isolator_pool *p, size_t size)
{
	if (!p || !size) {
		errno = EINVAL;
		return NULL;
	}
	if (!on_owner(p)) {
		errno = EXDEV;
		return NULL;
	}
	/* at most POOL_MAX_CLASSES steps: O(1) */
	for (unsigned i = 0; i < p->nclasses; i++) {
		struct pool_class *c = &p->cls[i];
		unsigned used;
		uint32_t k;

		if (c->size < size || !c->nfree)
			continue;
		k = c->free_stack[--c->nfree];
#ifdef POOL_DEBUG
		c->out[k] = 1;
#endif
		used = c->count - c->nfree;
		atomic_store_explicit(&c->in_use, used, memory_order_relaxed);
		if (used > atomic_load_explicit(&c->high_water, memory_order_relaxed))
			atomic_store_explicit(&c->high_water, used, memory_order_relaxed);
		return c->base + (size_t)k * c->size;
	}
	errno = ENOMEM;
	return NULL;
}

ISOLATOR_API int isolator_pool_put(struct isolator_pool *p, void *ptr)
{
	uintptr_t a = (uintptr_t)ptr;

	if (!p || !ptr)
		return -EINVAL;
	if (!on_owner(p))
		return -EXDEV;
	for (unsigned i = 0; i < p->nclasses; i++) {
		struct pool_class *c = &p->cls[i];
		uintptr_t base = (uintptr_t)c->base;
		size_t k;

		if (a < base || a >= base + c->size * c->count)
			continue;
		if ((a - base) % c->size)
			break; /* inside an object, not its start */
		k = (a - base) / c->size;
#ifdef POOL_DEBUG
		if (!c->out[k]) {
			atomic_fetch_add_explicit(&p->bad_puts, 1, memory_order_relaxed);
			return -EALREADY;
		}
		c->out[k] = 0;
#else
		if (c->nfree == c->count)
			break; /* nothing is out: certainly a double put */
#endif
		c->free_stack[c->nfree++] = (uint32_t)k;
		atomic_store_explicit(&c->in_use, c->count - c->nfree, memory_order_relaxed);
		return 0;
	}
	atomic_fetch_add_explicit(&p->bad_puts, 1, memory_order_relaxed);
	return -EINVAL;
}

ISOLATOR_API int isolator_pool_class_stats(const struct isolator_pool *p, unsigned cls,
					   struct isolator_pool_stats *st)
{
	if (!p || !st || cls >= p->nclasses)
		return -EINVAL;
	st->size = p->cls[cls].size;
	st->count = p->cls[cls].count;
	st->in_use = atomic_load_explicit(&p->cls[cls].in_use, memory_order_relaxed);
	st->high_water = atomic_load_explicit(&p->cls[cls].high_water, memory_order_relaxed);
	return 0;
}

ISOLATOR_API int isolator_pool_info(const struct isolator_pool *p, struct isolator_pool_info *info)
{
	if (!p || !info)
		return -EINVAL;
	info->cpu = p->cpu;
	info->nclasses = p->nclasses;
	info->bytes = p->bytes;
	info->locked = p->locked;
	info->huge_pages = p->huge;
	info->refused = atomic_load_explicit(&p->refused, memory_order_relaxed);
	info->bad_puts = atomic_load_explicit(&p->bad_puts, memory_order_relaxed);
	return 0;
}
