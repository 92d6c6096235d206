// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Shared-memory channels: creating and opening regions, validating what a
 * peer left in them, and the per-process registry that isolator_poll_all()
 * and isolator_tick() dispatch. The fast path (post, poll) is inline in
 * include/isolator/channel.h, where the memory orders are explained.
 */
#include <fcntl.h>
#include <stdalign.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define CHAN_MAX_CAPACITY (1u << 24)
#define CHAN_MAX_SLOT     (1u << 16)
#define CHAN_MAX_REGION   (1ull << 30)
#define CHAN_FLAGS        ISOLATOR_CHAN_THROUGHPUT

#define BELL_MAGIC   0x4c454249u /* "IBEL" */
#define BELL_VERSION 1u
#define BELL_REGION  4096u       /* one page */

/* Where everything of a region lies, from its geometry alone: the creator
 * writes these, an opener recomputes and compares them. */
struct chan_geometry {
	uint32_t version, stride, slots_offset;
	uint64_t size;
};

static inline uint32_t align_up32(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Stride: what one slot holds (the 8-byte stamp and length plus the data in
 * the latency layout, the record alone in the throughput layout), rounded up
 * to a power of two while it fits in a cache line (so no slot straddles two
 * lines; at least 8 bytes), else to whole cache lines. */
static struct chan_geometry chan_geometry(uint32_t capacity, uint32_t slot_size, uint32_t flags)
{
	struct chan_geometry g = { 0 };
	uint32_t need = slot_size, s = 8;

	g.slots_offset = (uint32_t)sizeof(struct isolator_chan_region);
	if (flags & ISOLATOR_CHAN_THROUGHPUT) {
		g.version = ISOLATOR_CHAN_VERSION_THROUGHPUT;
	} else {
		g.version = ISOLATOR_CHAN_VERSION;
		need += (uint32_t)sizeof(struct isolator_chan_slot);
	}
	if (need > 64) {
		g.stride = align_up32(need, 64);
	} else {
		while (s < need)
			s <<= 1;
		g.stride = s;
	}
	g.size = g.slots_offset + (uint64_t)capacity * g.stride;
	return g;
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
	struct isolator_chan *c = aligned_alloc(alignof(struct isolator_chan), sizeof(*c));

	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->region = r;
	c->slots = (unsigned char *)r + r->hdr.slots_offset;
	c->flags = r->hdr.version == ISOLATOR_CHAN_VERSION ? 0 : r->hdr.flags;
	c->capacity = r->hdr.capacity;
	c->mask = c->capacity - 1;
	c->slot_size = r->hdr.slot_size;
	c->stride = r->hdr.stride;
	c->tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	c->head = atomic_load_explicit(&r->head, memory_order_acquire);
	c->head_cache = c->head;
	c->tail_cache = c->head; /* nothing known to wait: the first poll reads the tail */
	c->fd = fd;
	c->map_size = map_size;
	return c;
}

/* Every region mapped by map_region() is unmapped here: the guard goes first. */
static void unmap_region(void *p, size_t size)
{
	chan_guard_remove(p);
	munmap(p, size);
}

static void *map_region(int fd, size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Locked if allowed, so no page fault on the fast path; not an error
	 * when RLIMIT_MEMLOCK says no. */
	(void)mlock(p, size);
	/* a file a peer can shrink: survive it (chan_guard.c) */
	if (chan_guard_add(p, size, fd) < 0) {
		munmap(p, size);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/* Create the file of a region of @size bytes (by name, exclusively, or a
 * sealed memfd) and map it. The fd in *fd_out; NULL with errno on failure,
 * nothing left behind. */
static void *region_create(const char *name, uint64_t size, unsigned mode, int *fd_out)
{
	void *r;
	int fd, err;

	if (name)
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	else
		fd = memfd_create("isolator-chan", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return NULL;
	/* The creator sets the permissions, not its umask. */
	if ((name && fchmod(fd, mode ? mode : 0600) < 0) || ftruncate(fd, (off_t)size) < 0)
		goto fail;
	/* A memfd cannot be shrunk under a peer (which would make it fault). */
	if (!name)
		(void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	r = map_region(fd, size);
	if (!r)
		goto fail;
	*fd_out = fd;
	return r;
fail:
	err = errno;
	close(fd);
	if (name)
		shm_unlink(name);
	errno = err;
	return NULL;
}

/* Map a region from @fd, of @min to @max bytes, duplicating the fd into
 * *own. NULL with the error recorded (set_error) and in errno. */
static void *region_map_fd(int fd, uint64_t min, uint64_t max, const char *what, int *own, uint64_t *size)
{
	struct stat st;
	void *r;
	int err;

	if (fd < 0) {
		errno = -set_error(EBADF, "%s fd %d", what, fd);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		errno = -set_error(err, "%s fd %d: %s", what, fd, strerror(err));
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)min || (uint64_t)st.st_size > max) {
		errno = -set_error(EPROTO, "not an isolator %s (%lld bytes)", what, (long long)st.st_size);
		return NULL;
	}
	*own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (*own < 0) {
		err = errno;
		errno = -set_error(err, "dup of %s fd: %s", what, strerror(err));
		return NULL;
	}
	r = map_region(*own, (size_t)st.st_size);
	if (!r) {
		err = errno;
		close(*own);
		errno = -set_error(err, "mapping %s: %s", what, strerror(err));
		return NULL;
	}
	*size = (uint64_t)st.st_size;
	return r;
}

ISOLATOR_API struct isolator_chan *isolator_chan_create_flags(const char *name, unsigned capacity,
							      size_t slot_size, unsigned mode,
							      unsigned flags)
{
	struct isolator_chan_region *r;
	struct isolator_chan *c;
	struct chan_geometry g;
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
	if (flags & ~CHAN_FLAGS) {
		errno = -set_error(EINVAL, "channel flags 0x%x: want 0 or ISOLATOR_CHAN_THROUGHPUT", flags);
		return NULL;
	}
	g = chan_geometry(capacity, (uint32_t)slot_size, flags);
	if (g.size > CHAN_MAX_REGION) {
		errno = -set_error(ENOMEM, "channel of %llu bytes: over the 1 GiB limit",
				   (unsigned long long)g.size);
		return NULL;
	}
	if (name && !name_valid(name)) {
		errno = -set_error(EINVAL, "channel name '%s': want \"/name\" with no other '/'", name);
		return NULL;
	}

	r = region_create(name, g.size, mode, &fd);
	if (!r) {
		err = errno;
		errno = -set_error(err, "creating channel %s: %s", name ? name : "(memfd)", strerror(err));
		return NULL;
	}
	r->hdr.version = g.version;
	r->hdr.slots_offset = g.slots_offset;
	r->hdr.capacity = capacity;
	r->hdr.slot_size = (uint32_t)slot_size;
	r->hdr.stride = g.stride;
	r->hdr.region_size = g.size;
	r->hdr.flags = flags;
	/* The geometry is visible before the magic that says it is there,
	 * for an opener that maps the name meanwhile (pairs with the acquire
	 * in validate()). */
	atomic_store_explicit(&r->hdr.magic, ISOLATOR_CHAN_MAGIC, memory_order_release);

	c = chan_handle(r, g.size, fd);
	if (!c) {
		unmap_region(r, g.size);
		close(fd);
		if (name)
			shm_unlink(name);
		errno = -set_error(ENOMEM, "creating channel %s: no memory for a handle",
				   name ? name : "(memfd)");
	}
	return c;
}

ISOLATOR_API struct isolator_chan *isolator_chan_create(const char *name, unsigned capacity,
							size_t slot_size, unsigned mode)
{
	return isolator_chan_create_flags(name, capacity, slot_size, mode, 0);
}

/* Check everything in a region before trusting any of it. */
static int validate(const struct isolator_chan_region *r, uint64_t file_size)
{
	const struct isolator_chan_header *h = &r->hdr;
	uint32_t magic = atomic_load_explicit(&h->magic, memory_order_acquire);
	uint32_t head, tail, flags;
	struct chan_geometry g;

	if (magic != ISOLATOR_CHAN_MAGIC)
		return set_error(EPROTO, "not an isolator channel (magic 0x%08x)", magic);
	if (h->version != ISOLATOR_CHAN_VERSION && h->version != ISOLATOR_CHAN_VERSION_THROUGHPUT)
		return set_error(EPROTO, "channel version %u, this library reads %u and %u", h->version,
				 ISOLATOR_CHAN_VERSION, ISOLATOR_CHAN_VERSION_THROUGHPUT);
	/* version 1 predates the flags: whatever its padding holds means nothing */
	flags = h->version == ISOLATOR_CHAN_VERSION ? 0 : h->flags;
	if (h->version == ISOLATOR_CHAN_VERSION_THROUGHPUT && flags != ISOLATOR_CHAN_THROUGHPUT)
		return set_error(EPROTO, "channel version %u with flags 0x%x is impossible", h->version,
				 h->flags);
	if (h->capacity < 2 || h->capacity > CHAN_MAX_CAPACITY || h->capacity & (h->capacity - 1))
		return set_error(EPROTO, "channel capacity %u is impossible", h->capacity);
	if (!h->slot_size || h->slot_size > CHAN_MAX_SLOT)
		return set_error(EPROTO, "channel slot size %u is impossible", h->slot_size);
	g = chan_geometry(h->capacity, h->slot_size, flags);
	if (h->stride != g.stride)
		return set_error(EPROTO, "channel slot size %u, stride %u are impossible (want %u)",
				 h->slot_size, h->stride, g.stride);
	if (h->slots_offset != g.slots_offset)
		return set_error(EPROTO, "channel slots at offset %u, expected %u", h->slots_offset,
				 g.slots_offset);
	if (h->region_size != g.size || h->region_size != file_size)
		return set_error(EPROTO, "channel size %llu, geometry says %llu, file has %llu",
				 (unsigned long long)h->region_size, (unsigned long long)g.size,
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
	uint64_t size;
	int own, err;

	r = region_map_fd(fd, sizeof(struct isolator_chan_region), CHAN_MAX_REGION, "channel", &own, &size);
	if (!r)
		return NULL;
	err = validate(r, size);
	if (err) {
		unmap_region(r, (size_t)size);
		close(own);
		errno = -err;
		return NULL;
	}
	c = chan_handle(r, (size_t)size, own);
	if (!c) {
		unmap_region(r, (size_t)size);
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

ISOLATOR_API unsigned isolator_chan_flags(const struct isolator_chan *c)
{
	return c ? c->flags : 0;
}

/* --- doorbells ------------------------------------------------------------ */

struct bell_region {
	alignas(ISOLATOR_CHAN_SPACING) _Atomic uint32_t magic; /* BELL_MAGIC, stored last */
	uint32_t version;
	uint64_t size;
	alignas(ISOLATOR_CHAN_SPACING) _Atomic uint64_t word;  /* producers set, the consumer clears */
};

struct isolator_bell {
	struct bell_region *region;
	int fd;
	/* the consumer's registry: the channel registered under each bit */
	uint64_t registered;
	struct isolator_chan *chan[64];
};

static struct isolator_bell *bell_handle(struct bell_region *r, int fd)
{
	struct isolator_bell *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->region = r;
	b->fd = fd;
	return b;
}

ISOLATOR_API struct isolator_bell *isolator_bell_create(const char *name, unsigned mode)
{
	struct bell_region *r;
	struct isolator_bell *b;
	int fd, err;

	if (name && !name_valid(name)) {
		errno = -set_error(EINVAL, "doorbell name '%s': want \"/name\" with no other '/'", name);
		return NULL;
	}
	r = region_create(name, BELL_REGION, mode, &fd);
	if (!r) {
		err = errno;
		errno = -set_error(err, "creating doorbell %s: %s", name ? name : "(memfd)", strerror(err));
		return NULL;
	}
	r->version = BELL_VERSION;
	r->size = BELL_REGION;
	atomic_store_explicit(&r->magic, BELL_MAGIC, memory_order_release);
	b = bell_handle(r, fd);
	if (!b) {
		unmap_region(r, BELL_REGION);
		close(fd);
		if (name)
			shm_unlink(name);
		errno = -set_error(ENOMEM, "no memory for a doorbell handle");
	}
	return b;
}

ISOLATOR_API struct isolator_bell *isolator_bell_open_fd(int fd)
{
	struct bell_region *r;
	struct isolator_bell *b;
	uint64_t size;
	uint32_t magic;
	int own;

	r = region_map_fd(fd, BELL_REGION, BELL_REGION, "doorbell", &own, &size);
	if (!r)
		return NULL;
	/* the word itself needs no check: any bit only makes poll_all look */
	magic = atomic_load_explicit(&r->magic, memory_order_acquire);
	if (magic != BELL_MAGIC || r->version != BELL_VERSION || r->size != size) {
		errno = -set_error(EPROTO, "not an isolator doorbell (magic 0x%08x, version %u)", magic,
				   r->version);
		goto fail;
	}
	b = bell_handle(r, own);
	if (b)
		return b;
	errno = -set_error(ENOMEM, "no memory for a doorbell handle");
fail:
	unmap_region(r, (size_t)size);
	close(own);
	return NULL;
}

ISOLATOR_API struct isolator_bell *isolator_bell_open(const char *name)
{
	struct isolator_bell *b;
	int fd, err;

	if (!name || !name_valid(name)) {
		errno = -set_error(EINVAL, "doorbell name '%s': want \"/name\" with no other '/'",
				   name ? name : "(null)");
		return NULL;
	}
	fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		errno = -set_error(err, "opening doorbell %s: %s", name, strerror(err));
		return NULL;
	}
	b = isolator_bell_open_fd(fd);
	err = errno;
	close(fd);
	errno = err;
	return b;
}

ISOLATOR_API int isolator_bell_fd(const struct isolator_bell *b)
{
	return b ? b->fd : -EINVAL;
}

ISOLATOR_API int isolator_chan_set_bell(struct isolator_chan *c, struct isolator_bell *b, unsigned bit)
{
	if (!c || (b && bit > 63))
		return set_error(EINVAL, "doorbell bit %u: want a channel and a bit 0..63", bit);
	if (c->registered)
		return set_error(EBUSY, "channel registered: unregister it before changing its doorbell");
	c->bell_handle = b;
	c->bell_index = b ? bit : 0;
	c->bell = b ? &b->region->word : NULL;
	c->bell_bit = b ? 1ull << bit : 0;
	return 0;
}

/* --- the registry: what isolator_poll_all() and isolator_tick() dispatch --- */

/* The consumer thread's; grown (never shrunk) by register, read by poll_all. */
static struct {
	struct isolator_chan **plain;  /* channels without a doorbell: polled every time */
	unsigned nplain, cap_plain;
	struct isolator_bell **bells;  /* doorbells with a registered channel */
	unsigned nbells, cap_bells;
	unsigned nchans;
	int tick_hooked;
	unsigned tick_batch;
	unsigned breaks_seen;          /* chan_guard_breaks when last counted */
	unsigned nbroken;              /* registered channels a peer truncated */
	int broken_fd;                 /* one of them, for the message */
} registry = { .tick_batch = 64 };

/*
 * Count the registered channels a peer truncated (chan_guard.c marked them
 * broken; they read as zeros, so polling them delivers nothing, silently).
 * Run when the registry changes and when the SIGBUS handler broke a mapping
 * since the last count: poll_all's own cost is one relaxed load a call.
 */
static void count_broken(void)
{
	unsigned n = 0;

	registry.breaks_seen = atomic_load_explicit(&chan_guard_breaks, memory_order_relaxed);
	/* pairs with the handler's release RMW: its flag is seen below */
	atomic_thread_fence(memory_order_acquire);
	for (unsigned i = 0; i < registry.nplain; i++)
		if (chan_guard_broken(registry.plain[i]->region)) {
			registry.broken_fd = registry.plain[i]->fd;
			n++;
		}
	for (unsigned i = 0; i < registry.nbells; i++)
		for (uint64_t w = registry.bells[i]->registered; w; w &= w - 1) {
			struct isolator_chan *c = registry.bells[i]->chan[__builtin_ctzll(w)];

			if (chan_guard_broken(c->region)) {
				registry.broken_fd = c->fd;
				n++;
			}
		}
	registry.nbroken = n;
}

static void tick_poll(void *arg, unsigned flags)
{
	(void)arg;
	(void)flags;
	(void)isolator_poll_all(registry.tick_batch);
}

/* Make room for one more pointer in *@arr (of @n, room for *@cap). */
static int grow(void *arr, unsigned n, unsigned *cap)
{
	void ***a = arr;
	unsigned ncap = *cap ? *cap * 2 : 16;
	void **p;

	if (n < *cap)
		return 0;
	p = realloc(*a, ncap * sizeof(*p));
	if (!p)
		return set_error(ENOMEM, "no memory to register another channel");
	*a = p;
	*cap = ncap;
	return 0;
}

static void remove_ptr(void **arr, unsigned *n, const void *p)
{
	for (unsigned i = 0; i < *n; i++) {
		if (arr[i] != p)
			continue;
		memmove(&arr[i], &arr[i + 1], (*n - i - 1) * sizeof(arr[0]));
		(*n)--;
		return;
	}
}

ISOLATOR_API int isolator_chan_register(struct isolator_chan *c, isolator_chan_fn fn, void *arg)
{
	struct isolator_bell *b;
	int err;

	if (!c || !fn)
		return set_error(EINVAL, "NULL channel or callback");
	if (c->registered)
		return set_error(EBUSY, "channel already registered");
	b = c->bell_handle;
	if (b && b->chan[c->bell_index])
		return set_error(EBUSY, "doorbell bit %u already has a registered channel", c->bell_index);
	/* every allocation before anything changes: nothing half registered */
	err = b ? (b->registered ? 0 : grow(&registry.bells, registry.nbells, &registry.cap_bells))
		: grow(&registry.plain, registry.nplain, &registry.cap_plain);
	if (err)
		return err;
	if (!registry.tick_hooked) {
		err = isolator_tick_register(tick_poll, NULL);
		if (err)
			return err;
		registry.tick_hooked = 1;
	}
	c->fn = fn;
	c->fn_arg = arg;
	c->registered = 1;
	if (b) {
		if (!b->registered)
			registry.bells[registry.nbells++] = b;
		b->registered |= 1ull << c->bell_index;
		b->chan[c->bell_index] = c;
	} else {
		registry.plain[registry.nplain++] = c;
	}
	registry.nchans++;
	count_broken();
	return 0;
}

ISOLATOR_API int isolator_chan_unregister(struct isolator_chan *c)
{
	struct isolator_bell *b;

	if (!c || !c->registered)
		return -ENOENT;
	b = c->bell_handle;
	if (b) {
		b->registered &= ~(1ull << c->bell_index);
		b->chan[c->bell_index] = NULL;
		if (!b->registered)
			remove_ptr((void **)registry.bells, &registry.nbells, b);
	} else {
		remove_ptr((void **)registry.plain, &registry.nplain, c);
	}
	c->registered = 0;
	c->fn = NULL;
	if (!--registry.nchans && registry.tick_hooked) {
		isolator_tick_unregister(tick_poll, NULL);
		registry.tick_hooked = 0;
	}
	count_broken();
	return 0;
}

/* Poll one channel for poll_all: add what it delivered to *total, or note
 * its error. */
static int poll_one(struct isolator_chan *c, unsigned max, int *total, int *first_err)
{
	int n = isolator_chan_poll(c, c->fn, c->fn_arg, max);

	if (n < 0) {
		if (!*first_err)
			*first_err = set_error(-n, "channel with fd %d: an impossible length or index", c->fd);
		return n;
	}
	*total += n;
	return n;
}

/*
 * A bit stays set while its channel delivers; it is cleared only after a
 * poll found the channel empty, and the channel is polled once more after
 * the clear. [B2] pairs with [B1]: the clearing RMW (acquire) reads the
 * word as of some producer's setting RMW (release) or later; a message
 * published before a set that the clear reads is seen by the poll after
 * it; a set after the clear leaves the bit set for the next poll_all. So
 * no message waits behind a clear bit, and the steady state of a busy
 * channel is the bit left set: the producers' RMWs then find the line in
 * their cache and the consumer's reads find it unchanged.
 */
static void poll_bell(struct isolator_bell *b, unsigned max, int *total, int *first_err)
{
	uint64_t w = atomic_load_explicit(&b->region->word, memory_order_relaxed) & b->registered;

	while (w) {
		unsigned bit = (unsigned)__builtin_ctzll(w);
		uint64_t mask = 1ull << bit;
		struct isolator_chan *c = b->chan[bit];

		w &= w - 1;
		if (poll_one(c, max, total, first_err) != 0)
			continue;
		/* [B2] pairs with [B1] */
		atomic_fetch_and_explicit(&b->region->word, ~mask, memory_order_acquire);
		if (poll_one(c, max, total, first_err) > 0)
			/* more may wait than max: look again next time */
			atomic_fetch_or_explicit(&b->region->word, mask, memory_order_relaxed);
	}
}

ISOLATOR_API int isolator_poll_all(unsigned max_each)
{
	int total = 0, first_err = 0;

	for (unsigned i = 0; i < registry.nbells; i++)
		poll_bell(registry.bells[i], max_each, &total, &first_err);
	for (unsigned i = 0; i < registry.nplain; i++)
		poll_one(registry.plain[i], max_each, &total, &first_err);
	if (__builtin_expect(atomic_load_explicit(&chan_guard_breaks, memory_order_relaxed) !=
			     registry.breaks_seen, 0))
		count_broken();
	/* before any -EPROTO: a truncated throughput ring also reads as one */
	if (__builtin_expect(registry.nbroken != 0, 0))
		return set_error(EPIPE, "%u registered channel%s (fd %d%s): a peer truncated the shared "
				 "region; its messages are lost (unregister it; share channels as sealed "
				 "memfds: isolator_chan_send)", registry.nbroken,
				 registry.nbroken > 1 ? "s" : "", registry.broken_fd,
				 registry.nbroken > 1 ? ", ..." : "");
	return first_err ? first_err : total;
}

ISOLATOR_API void isolator_bell_free(struct isolator_bell *b)
{
	if (!b)
		return;
	for (unsigned bit = 0; bit < 64; bit++)
		if (b->chan[bit])
			isolator_chan_unregister(b->chan[bit]);
	unmap_region(b->region, BELL_REGION);
	close(b->fd);
	free(b);
}

ISOLATOR_API void isolator_chan_free(struct isolator_chan *c)
{
	if (!c)
		return;
	if (c->registered)
		isolator_chan_unregister(c);
	unmap_region(c->region, c->map_size);
	close(c->fd);
	free(c);
}

/* --- passing a channel to another process (SCM_RIGHTS) ------------------- */

/* An anonymous channel's memfd is sealed against shrinking, so the process
 * that receives it cannot make this one fault (chan_guard.c). */
ISOLATOR_API int isolator_chan_send(int sock, const struct isolator_chan *c)
{
	char byte = 'c', buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			      .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm;
	ssize_t n;

	if (!c)
		return set_error(EINVAL, "NULL channel");
	memset(buf, 0, sizeof(buf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &c->fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return set_error(errno, "sending a channel on socket %d: %s", sock, strerror(errno));
	return 0;
}

ISOLATOR_API struct isolator_chan *isolator_chan_recv(int sock)
{
	char byte, buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			      .msg_controllen = sizeof(buf) };
	struct isolator_chan *c;
	struct cmsghdr *cm;
	int fd = -1, err;
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = errno;
		errno = -set_error(err, "receiving a channel on socket %d: %s", sock, strerror(err));
		return NULL;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (n != 1 || byte != 'c' || fd < 0 || (msg.msg_flags & MSG_CTRUNC)) {
		if (fd >= 0)
			close(fd);
		errno = -set_error(EPROTO, "socket %d: no channel in the message", sock);
		return NULL;
	}
	c = isolator_chan_open_fd(fd); /* maps, validates, guards if unsealed */
	err = errno;
	close(fd);
	errno = err;
	return c;
}
