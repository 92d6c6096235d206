// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Shared-memory channels: creating and opening regions, validating what a
 * peer left in them, and the per-process registry that isolator_poll_all()
 * and isolator_tick() dispatch. The fast path (post, poll) is inline in
 * include/isolator/channel.h, where the memory orders are explained.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define CHAN_MAX_CAPACITY (1u << 24)
#define CHAN_MAX_SLOT     (1u << 16)
#define CHAN_MAX_REGION   (1ull << 30)
#define CHAN_MAX_REGISTERED 64

/* Slot stride for @slot_size bytes of data: the 8-byte slot header plus the
 * data, rounded up to a power of two while it fits in a cache line (so no
 * slot straddles two lines), else to whole cache lines. */
static uint32_t chan_stride(uint32_t slot_size)
{
	uint32_t need = (uint32_t)sizeof(struct isolator_chan_slot) + slot_size;
	uint32_t s = 16;

	if (need > 64)
		return (need + 63) & ~63u;
	while (s < need)
		s <<= 1;
	return s;
}

static uint64_t chan_region_size(uint32_t capacity, uint32_t slot_size)
{
	return offsetof(struct isolator_chan_region, slots) + (uint64_t)capacity * chan_stride(slot_size);
}

static int name_valid(const char *name)
{
	size_t len = strlen(name);

	/* shm_open's rule: one leading slash, no other */
	return name[0] == '/' && len > 1 && len < NAME_MAX && !strchr(name + 1, '/');
}

/* Wrap a mapped region in a new handle; the handle takes @fd. */
static struct isolator_chan *chan_handle(struct isolator_chan_region *r, size_t map_size, int fd)
{
	struct isolator_chan *c = aligned_alloc(64, sizeof(*c));

	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->region = r;
	c->slots = (unsigned char *)r + r->hdr.slots_offset;
	c->capacity = r->hdr.capacity;
	c->mask = c->capacity - 1;
	c->slot_size = r->hdr.slot_size;
	c->stride = r->hdr.stride;
	c->tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	c->head = atomic_load_explicit(&r->head, memory_order_acquire);
	c->head_cache = c->head;
	c->fd = fd;
	c->map_size = map_size;
	return c;
}

static void *map_region(int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Locked if allowed, so no page fault on the fast path; not an error
	 * when RLIMIT_MEMLOCK says no. */
	(void)mlock(p, size);
	return p;
}

ISOLATOR_API struct isolator_chan *isolator_chan_create(const char *name, unsigned capacity,
							size_t slot_size, unsigned mode)
{
	struct isolator_chan_region *r;
	struct isolator_chan *c;
	uint64_t size;
	int fd, err;

	if (!capacity || capacity & (capacity - 1) || capacity < 2 || capacity > CHAN_MAX_CAPACITY) {
		errno = -set_error(EINVAL, "channel capacity %u: want a power of two in 2..%u",
				   capacity, CHAN_MAX_CAPACITY);
		return NULL;
	}
	if (!slot_size || slot_size > CHAN_MAX_SLOT) {
		errno = -set_error(EINVAL, "channel slot size %zu: want 1..%u bytes", slot_size,
				   CHAN_MAX_SLOT);
		return NULL;
	}
	size = chan_region_size(capacity, (uint32_t)slot_size);
	if (size > CHAN_MAX_REGION) {
		errno = -set_error(ENOMEM, "channel of %llu bytes: over the 1 GiB limit",
				   (unsigned long long)size);
		return NULL;
	}
	if (name && !name_valid(name)) {
		errno = -set_error(EINVAL, "channel name '%s': want \"/name\" with no other '/'", name);
		return NULL;
	}

	if (name)
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	else
		fd = memfd_create("isolator-chan", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		err = errno;
		errno = -set_error(err, "creating channel %s: %s", name ? name : "(memfd)", strerror(err));
		return NULL;
	}
	/* The creator sets the permissions, not its umask. */
	if ((name && fchmod(fd, mode ? mode : 0600) < 0) || ftruncate(fd, (off_t)size) < 0) {
		err = errno;
		goto fail_fd;
	}
	/* A memfd cannot be shrunk under a peer (which would make it fault). */
	if (!name)
		(void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	r = map_region(fd, size);
	if (!r) {
		err = errno;
		goto fail_fd;
	}
	r->hdr.version = ISOLATOR_CHAN_VERSION;
	r->hdr.slots_offset = (uint32_t)offsetof(struct isolator_chan_region, slots);
	r->hdr.capacity = capacity;
	r->hdr.slot_size = (uint32_t)slot_size;
	r->hdr.stride = chan_stride((uint32_t)slot_size);
	r->hdr.region_size = size;
	/* The geometry is visible before the magic that says it is there,
	 * for an opener that maps the name meanwhile (pairs with the acquire
	 * in validate()). */
	atomic_store_explicit(&r->hdr.magic, ISOLATOR_CHAN_MAGIC, memory_order_release);

	c = chan_handle(r, size, fd);
	if (!c) {
		munmap(r, size);
		err = ENOMEM;
		goto fail_fd;
	}
	return c;

fail_fd:
	close(fd);
	if (name)
		shm_unlink(name);
	errno = -set_error(err, "creating channel %s: %s", name ? name : "(memfd)", strerror(err));
	return NULL;
}

/* Check everything in a region before trusting any of it. */
static int validate(const struct isolator_chan_region *r, uint64_t file_size)
{
	const struct isolator_chan_header *h = &r->hdr;
	uint32_t magic = atomic_load_explicit(&h->magic, memory_order_acquire);
	uint32_t head, tail;

	if (magic != ISOLATOR_CHAN_MAGIC)
		return set_error(EPROTO, "not an isolator channel (magic 0x%08x)", magic);
	if (h->version != ISOLATOR_CHAN_VERSION)
		return set_error(EPROTO, "channel version %u, this library reads %u", h->version,
				 ISOLATOR_CHAN_VERSION);
	if (h->capacity < 2 || h->capacity > CHAN_MAX_CAPACITY || h->capacity & (h->capacity - 1))
		return set_error(EPROTO, "channel capacity %u is impossible", h->capacity);
	if (!h->slot_size || h->slot_size > CHAN_MAX_SLOT || h->stride != chan_stride(h->slot_size))
		return set_error(EPROTO, "channel slot size %u, stride %u are impossible",
				 h->slot_size, h->stride);
	if (h->slots_offset != offsetof(struct isolator_chan_region, slots))
		return set_error(EPROTO, "channel slots at offset %u, expected %zu", h->slots_offset,
				 offsetof(struct isolator_chan_region, slots));
	if (h->region_size != chan_region_size(h->capacity, h->slot_size) || h->region_size != file_size)
		return set_error(EPROTO, "channel size %llu, geometry says %llu, file has %llu",
				 (unsigned long long)h->region_size,
				 (unsigned long long)chan_region_size(h->capacity, h->slot_size),
				 (unsigned long long)file_size);
	tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (tail - head > h->capacity)
		return set_error(EPROTO, "channel indices out of range (head %u, tail %u, capacity %u)",
				 head, tail, h->capacity);
	return 0;
}

ISOLATOR_API struct isolator_chan *isolator_chan_open_fd(int fd)
{
	struct isolator_chan_region *r;
	struct isolator_chan *c;
	struct stat st;
	int own, err;

	if (fd < 0) {
		errno = -set_error(EBADF, "channel fd %d", fd);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		errno = -set_error(err, "channel fd %d: %s", fd, strerror(err));
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(struct isolator_chan_region) ||
	    (uint64_t)st.st_size > CHAN_MAX_REGION) {
		errno = -set_error(EPROTO, "not an isolator channel (%lld bytes)", (long long)st.st_size);
		return NULL;
	}
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0) {
		err = errno;
		errno = -set_error(err, "dup of channel fd: %s", strerror(err));
		return NULL;
	}
	r = map_region(own, (size_t)st.st_size);
	if (!r) {
		err = errno;
		close(own);
		errno = -set_error(err, "mapping channel: %s", strerror(err));
		return NULL;
	}
	err = validate(r, (uint64_t)st.st_size);
	if (err) {
		munmap(r, (size_t)st.st_size);
		close(own);
		errno = -err;
		return NULL;
	}
	c = chan_handle(r, (size_t)st.st_size, own);
	if (!c) {
		munmap(r, (size_t)st.st_size);
		close(own);
		errno = -set_error(ENOMEM, "no memory for a channel handle");
	}
	return c;
}

ISOLATOR_API struct isolator_chan *isolator_chan_open(const char *name)
{
	struct isolator_chan *c;
	int fd, err;

	if (!name || !name_valid(name)) {
		errno = -set_error(EINVAL, "channel name '%s': want \"/name\" with no other '/'",
				   name ? name : "(null)");
		return NULL;
	}
	fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		errno = -set_error(err, "opening channel %s: %s", name, strerror(err));
		return NULL;
	}
	c = isolator_chan_open_fd(fd);
	err = errno;
	close(fd);
	errno = err;
	return c;
}

ISOLATOR_API int isolator_chan_unlink(const char *name)
{
	if (!name || !name_valid(name))
		return set_error(EINVAL, "channel name '%s'", name ? name : "(null)");
	if (shm_unlink(name) < 0)
		return set_error(errno, "unlinking channel %s: %s", name, strerror(errno));
	return 0;
}

ISOLATOR_API int isolator_chan_fd(const struct isolator_chan *c)
{
	return c ? c->fd : -EINVAL;
}

ISOLATOR_API size_t isolator_chan_slot_size(const struct isolator_chan *c)
{
	return c ? c->slot_size : 0;
}

ISOLATOR_API unsigned isolator_chan_capacity(const struct isolator_chan *c)
{
	return c ? c->capacity : 0;
}

/* --- the registry: what isolator_poll_all() and isolator_tick() dispatch --- */

static struct {
	struct isolator_chan *chan[CHAN_MAX_REGISTERED];
	unsigned n;
	int tick_hooked;
	unsigned tick_batch;
} registry = { .tick_batch = 64 };

static void tick_poll(void *arg, unsigned flags)
{
	(void)arg;
	(void)flags;
	(void)isolator_poll_all(registry.tick_batch);
}

ISOLATOR_API int isolator_chan_register(struct isolator_chan *c, isolator_chan_fn fn, void *arg)
{
	if (!c || !fn)
		return set_error(EINVAL, "NULL channel or callback");
	if (c->registered)
		return set_error(EBUSY, "channel already registered");
	if (registry.n == CHAN_MAX_REGISTERED)
		return set_error(ENOSPC, "more than %d registered channels", CHAN_MAX_REGISTERED);
	if (!registry.tick_hooked) {
		int err = isolator_tick_register(tick_poll, NULL);
		if (err)
			return err;
		registry.tick_hooked = 1;
	}
	c->fn = fn;
	c->fn_arg = arg;
	c->registered = 1;
	registry.chan[registry.n++] = c;
	return 0;
}

ISOLATOR_API int isolator_chan_unregister(struct isolator_chan *c)
{
	if (!c || !c->registered)
		return -ENOENT;
	for (unsigned i = 0; i < registry.n; i++) {
		if (registry.chan[i] != c)
			continue;
		memmove(&registry.chan[i], &registry.chan[i + 1],
			(registry.n - i - 1) * sizeof(registry.chan[0]));
		registry.n--;
		break;
	}
	c->registered = 0;
	c->fn = NULL;
	if (!registry.n && registry.tick_hooked) {
		isolator_tick_unregister(tick_poll, NULL);
		registry.tick_hooked = 0;
	}
	return 0;
}

ISOLATOR_API int isolator_poll_all(unsigned max_each)
{
	int total = 0, first_err = 0;

	for (unsigned i = 0; i < registry.n; i++) {
		struct isolator_chan *c = registry.chan[i];
		int n = isolator_chan_poll(c, c->fn, c->fn_arg, max_each);

		if (n < 0) {
			if (!first_err)
				first_err = set_error(-n, "channel %u: a slot with an impossible length", i);
			continue;
		}
		total += n;
	}
	return first_err ? first_err : total;
}

ISOLATOR_API void isolator_chan_free(struct isolator_chan *c)
{
	if (!c)
		return;
	if (c->registered)
		isolator_chan_unregister(c);
	munmap(c->region, c->map_size);
	close(c->fd);
	free(c);
}
