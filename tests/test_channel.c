// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shared-memory channels, behaviour only: full and empty edges, batches of
 * every size, the uint32_t wrap, the registry, a channel shared with another
 * process by name, and regions that are refused (corrupted header, hostile
 * indices and lengths). The long two-CPU sequence check is test_chan_stress.c.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakeroot.h"
#include "isolator.h"
#include "tap.h"

struct seq_check {
	uint64_t next;
	uint64_t bad;
	size_t last_len;
};

static void expect_seq(void *arg, const void *msg, size_t len)
{
	struct seq_check *s = arg;
	uint64_t v;

	memcpy(&v, msg, sizeof(v));
	if (v != s->next || len != sizeof(v))
		s->bad++;
	s->next++;
	s->last_len = len;
}

static const char *layout_name(unsigned flags)
{
	return flags & ISOLATOR_CHAN_THROUGHPUT ? "throughput" : "latency";
}

static void full_and_empty(unsigned flags)
{
	struct isolator_chan *c = isolator_chan_create_flags(NULL, 8, 8, 0, flags);
	struct seq_check chk = { 0 };
	uint64_t v, buf[8];
	size_t lens[8];
	int n;

	diag("%s layout", layout_name(flags));
	ok(c != NULL, "create a memfd channel of 8 x 8 bytes");
	is_int(isolator_chan_flags(c), flags, "its layout flags");
	is_int(isolator_chan_capacity(c), 8, "capacity");
	is_int(isolator_chan_slot_size(c), 8, "slot size");
	is_int(isolator_chan_poll(c, expect_seq, &chk, 64), 0, "poll of an empty ring delivers nothing");
	is_int(isolator_chan_read(c, buf, sizeof(buf[0]), lens, 8), 0, "read of an empty ring copies nothing");
	is_int(isolator_chan_pending(c), 0, "nothing pending");

	for (v = 0; v < 8; v++)
		if (isolator_chan_post(c, &v, sizeof(v)))
			break;
	is_int(v, 8, "8 posts fill the ring");
	is_int(isolator_chan_pending(c), 8, "8 pending");
	v = 99;
	is_int(isolator_chan_post(c, &v, sizeof(v)), -EAGAIN, "post to a full ring: -EAGAIN");
	is_int(isolator_chan_post_batch(c, &v, sizeof(v), 1), -EAGAIN, "batch post to a full ring: -EAGAIN");
	is_int(isolator_chan_post(c, buf, 9), -EMSGSIZE, "a message over the slot size: -EMSGSIZE");

	is_int(isolator_chan_poll(c, expect_seq, &chk, 3), 3, "poll takes at most its max (3)");
	for (v = 8; v < 11; v++)
		if (isolator_chan_post(c, &v, sizeof(v)))
			break;
	is_int(v, 11, "3 freed slots take 3 more");
	v = 99;
	is_int(isolator_chan_post(c, &v, sizeof(v)), -EAGAIN, "and the ring is full again (nothing overwritten)");
	n = isolator_chan_poll(c, expect_seq, &chk, 64);
	is_int(n, 8, "poll drains the remaining 8");
	ok(chk.next == 11 && chk.bad == 0, "11 messages in order, none lost or duplicated");
	is_int(isolator_chan_poll(c, expect_seq, &chk, 64), 0, "empty again");

	if (flags & ISOLATOR_CHAN_THROUGHPUT) {
		/* fixed-size records */
		is_int(isolator_chan_post(c, "abc", 3), -EMSGSIZE, "a record shorter than the slot: -EMSGSIZE");
		is_int(isolator_chan_post(c, "abcdefg", 8), 0, "post a record of the slot size");
		memset(buf, 0, sizeof(buf));
		is_int(isolator_chan_read(c, buf, 8, lens, 8), 1, "read one");
		ok(lens[0] == 8 && !memcmp(buf, "abcdefg", 8), "its length and bytes");
	} else {
		/* short messages keep their length */
		is_int(isolator_chan_post(c, "abc", 3), 0, "post 3 bytes");
		memset(buf, 0, sizeof(buf));
		is_int(isolator_chan_read(c, buf, 8, lens, 8), 1, "read one");
		ok(lens[0] == 3 && !memcmp(buf, "abc", 3), "its length and bytes");
	}
	is_int(isolator_chan_read(c, buf, 4, lens, 8), -EINVAL, "read with a stride under the slot size: -EINVAL");
	is_int(isolator_chan_poll(c, expect_seq, &chk, 0), 0, "poll with max 0 takes nothing");
	isolator_chan_free(c);
	isolator_chan_free(NULL);
	ok(1, "isolator_chan_free(NULL) is a no-op");
}

static void batches(unsigned flags)
{
	enum { CAP = 32 };
	struct isolator_chan *c = isolator_chan_create_flags(NULL, CAP, 8, 0, flags);
	uint64_t out[CAP], in[CAP], next_in = 0, next_out = 0;
	size_t lens[CAP];
	int bad = 0;

	for (unsigned n = 1; n <= CAP; n++) {
		for (unsigned i = 0; i < n; i++)
			out[i] = next_out++;
		if (isolator_chan_post_batch(c, out, sizeof(out[0]), n) != (int)n) {
			bad++;
			break;
		}
		/* read back in batches of every size up to n */
		for (unsigned got = 0, want = 1; got < n; want = want % n + 1) {
			int r = isolator_chan_read(c, in, sizeof(in[0]), lens, want);

			if (r <= 0) {
				bad++;
				break;
			}
			for (int i = 0; i < r; i++)
				if (in[i] != next_in++ || lens[i] != 8)
					bad++;
			got += (unsigned)r;
		}
	}
	is_int(bad, 0, "%s: batches of 1 to %d posted and read back in order, batch reads of every size",
	       layout_name(flags), CAP);

	/* a batch larger than the room posts what fits */
	for (uint64_t i = 0; i < CAP - 2; i++)
		isolator_chan_post(c, &i, sizeof(i));
	is_int(isolator_chan_post_batch(c, out, sizeof(out[0]), 5), 2, "batch of 5 with room for 2 posts 2");
	is_int(isolator_chan_pending(c), CAP, "ring full");
	is_int(isolator_chan_read(c, in, sizeof(in[0]), lens, CAP), CAP, "read it all in one batch");
	is_int(isolator_chan_post_batch(c, out, sizeof(out[0]), 0), 0, "batch of 0 posts nothing");
	is_int(isolator_chan_post_batch(c, out, 9, 1), -EMSGSIZE, "batch of oversized messages: -EMSGSIZE");
	isolator_chan_free(c);
}

/* Start the indices just below 2^32 and run several laps across the wrap. */
static void wrap(unsigned flags)
{
	enum { CAP = 4 };
	struct isolator_chan *a = isolator_chan_create_flags(NULL, CAP, 8, 0, flags), *b;
	struct seq_check chk = { 0 };
	const uint32_t t0 = UINT32_MAX - 5;
	int bad = 0;

	/* what the region would hold after running to t0: both indices at t0,
	 * every slot stamped by the previous lap */
	atomic_store(&a->region->tail, t0);
	atomic_store(&a->region->head, t0);
	if (!(flags & ISOLATOR_CHAN_THROUGHPUT))
		for (uint32_t i = t0 - CAP; i != t0; i++)
			atomic_store(&isolator_chan_slot_(a, i)->stamp, i + 1);
	b = isolator_chan_open_fd(isolator_chan_fd(a));
	ok(b != NULL, "open a region whose indices are about to wrap");
	for (uint64_t v = 0; v < 5 * CAP; v++) {
		if (isolator_chan_post(b, &v, sizeof(v)))
			bad++;
		if (v % 3 == 2 && isolator_chan_poll(b, expect_seq, &chk, CAP) <= 0)
			bad++;
	}
	while (isolator_chan_poll(b, expect_seq, &chk, CAP) > 0)
		;
	ok(!bad && chk.next == 5 * CAP && !chk.bad, "%s: 20 messages across the uint32_t wrap, in order",
	   layout_name(flags));
	ok(atomic_load(&b->region->tail) < 100, "the tail did wrap (%u)", atomic_load(&b->region->tail));
	isolator_chan_free(b);
	isolator_chan_free(a);
}

static int registry_hits;
static void count_msg(void *arg, const void *msg, size_t len)
{
	(void)msg;
	(void)len;
	(*(int *)arg)++;
}

static void registry(void)
{
	struct isolator_chan *a = isolator_chan_create(NULL, 16, 8, 0);
	struct isolator_chan *b = isolator_chan_create(NULL, 16, 8, 0);
	int hits_b = 0;
	uint64_t v = 1;

	is_int(isolator_chan_register(a, count_msg, &registry_hits), 0, "register a");
	is_int(isolator_chan_register(b, count_msg, &hits_b), 0, "register b");
	is_int(isolator_chan_register(b, count_msg, &hits_b), -EBUSY, "registering twice: -EBUSY");
	is_int(isolator_chan_register(NULL, count_msg, &hits_b), -EINVAL, "register NULL: -EINVAL");
	for (int i = 0; i < 5; i++)
		isolator_chan_post(a, &v, sizeof(v));
	for (int i = 0; i < 3; i++)
		isolator_chan_post(b, &v, sizeof(v));
	is_int(isolator_poll_all(4), 7, "poll_all delivers up to 4 from each channel");
	is_int(isolator_poll_all(4), 1, "and the rest next time");
	ok(registry_hits == 5 && hits_b == 3, "each channel's callback got its own messages");
	is_int(isolator_chan_unregister(a), 0, "unregister a");
	is_int(isolator_chan_unregister(a), -ENOENT, "unregister twice: -ENOENT");
	isolator_chan_post(a, &v, sizeof(v));
	is_int(isolator_poll_all(4), 0, "an unregistered channel is not polled");
	isolator_chan_free(b); /* frees a registered channel: unregisters it */
	is_int(isolator_poll_all(4), 0, "freed channel left the registry");
	isolator_chan_free(a);
}

/* isolator_tick() and isolator_stop() deliver what registered channels hold
 * (stock backend on a fake /proc and /sys, so nothing real changes). */
static void tick_dispatch(void)
{
	struct isolator_chan *c = isolator_chan_create(NULL, 16, 8, 0);
	struct isolator_params p;
	char *root = fake_root_new();
	char state[512];
	cpu_set_t set;
	uint64_t v = 7;
	int hits = 0;

	snprintf(state, sizeof(state), "%s/state", root);
	setenv("ISOLATOR_SYSROOT", root, 1);
	setenv("ISOLATOR_STATE_DIR", state, 1);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	isolator_params_init(&p);
	p.fifo_priority = 0;
	p.prefault_stack = 0;
	is_int(isolator_chan_register(c, count_msg, &hits), 0, "register a channel");
	is_int(isolator_start_params(ISOLATOR_MASK_ALL, &p), 0, "isolate CPU 0 (stock, fake tree): %s",
	       isolator_errmsg());
	isolator_chan_post(c, &v, sizeof(v));
	isolator_chan_post(c, &v, sizeof(v));
	is_int(isolator_tick(0), 0, "tick");
	is_int(hits, 2, "isolator_tick() delivered the 2 waiting messages");
	isolator_chan_post(c, &v, sizeof(v));
	is_int(isolator_stop(), 0, "stop");
	is_int(hits, 3, "isolator_stop() delivered the last one");
	isolator_chan_free(c);
	unsetenv("ISOLATOR_SYSROOT");
	unsetenv("ISOLATOR_STATE_DIR");
	fake_root_free(root);
	CPU_ZERO(&set);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* post_burst and poll_burst: messages of their own lengths, handed over in one call. */
struct burst_check {
	uint64_t next, bad, calls, most;
	int fixed; /* throughput layout: every message 64 bytes */
};

/* The length of message @v in bursts(): 1 to 64, or 64 in fixed-size records. */
static size_t burst_len(int fixed, uint64_t v)
{
	return fixed ? 64 : 1 + v % 64;
}

static void expect_burst(void *arg, const struct isolator_chan_msg *m, unsigned n)
{
	struct burst_check *b = arg;

	b->calls++;
	if (n > b->most)
		b->most = n;
	for (unsigned i = 0; i < n; i++) {
		unsigned char want[64];

		memset(want, (int)(b->next & 0xff), sizeof(want));
		if (m[i].len != burst_len(b->fixed, b->next) || memcmp(m[i].data, want, m[i].len))
			b->bad++;
		b->next++;
	}
}

static void bursts(unsigned flags)
{
	enum { CAP = 128 };
	struct isolator_chan *c = isolator_chan_create_flags(NULL, CAP, 64, 0, flags);
	unsigned char bytes[CAP][64];
	struct isolator_chan_msg m[CAP];
	int fixed = !!(flags & ISOLATOR_CHAN_THROUGHPUT);
	struct burst_check chk = { .fixed = fixed };
	uint64_t next = 0;
	int bad = 0;

	for (unsigned round = 0; round < 50; round++) {
		unsigned n = 1 + (round * 7) % 40;

		for (unsigned i = 0; i < n; i++) {
			uint64_t v = next + i;

			memset(bytes[i], (int)(v & 0xff), sizeof(bytes[i]));
			m[i].data = bytes[i];
			m[i].len = burst_len(fixed, v);
		}
		if (isolator_chan_post_burst(c, m, n) != (int)n)
			bad++;
		next += n;
		while (isolator_chan_poll_burst(c, expect_burst, &chk, 1 + round % 16) > 0)
			;
	}
	ok(!bad && chk.next == next && !chk.bad,
	   "%s: 50 bursts of 1 to 40 messages of %s bytes, delivered in order with their lengths",
	   layout_name(flags), fixed ? "64" : "1 to 64");
	ok(chk.most <= 16 && chk.calls >= next / 16, "poll_burst hands over at most its max per call");

	/* what fits, and the edges */
	for (unsigned i = 0; i < CAP; i++) {
		m[i].data = bytes[0];
		m[i].len = 64;
	}
	is_int(isolator_chan_post_burst(c, m, CAP - 3), CAP - 3, "burst of capacity - 3");
	is_int(isolator_chan_post_burst(c, m, 10), 3, "a burst of 10 with room for 3 posts 3");
	is_int(isolator_chan_post_burst(c, m, 1), -EAGAIN, "burst to a full ring: -EAGAIN");
	chk = (struct burst_check){ .fixed = 1 };
	is_int(isolator_chan_poll_burst(c, expect_burst, &chk, 1000), ISOLATOR_CHAN_BURST_MAX,
	       "poll_burst takes at most ISOLATOR_CHAN_BURST_MAX");
	is_int(isolator_chan_pending(c), CAP - ISOLATOR_CHAN_BURST_MAX, "the rest is pending");
	m[2].len = 65;
	is_int(isolator_chan_post_burst(c, m, 3), -EMSGSIZE, "a burst with one oversized message: -EMSGSIZE");
	is_int(isolator_chan_pending(c), CAP - ISOLATOR_CHAN_BURST_MAX, "and nothing of it was posted");
	is_int(isolator_chan_post_burst(c, m, 0), 0, "a burst of 0 posts nothing");
	chk = (struct burst_check){ .fixed = 1 };
	while (isolator_chan_poll_burst(c, expect_burst, &chk, 64) > 0)
		;
	is_int(isolator_chan_poll_burst(c, expect_burst, &chk, 64), 0, "empty: poll_burst delivers nothing");
	is_int(chk.calls, 1, "and does not call the callback");
	isolator_chan_free(c);
}

/* The throughput layout's geometry and what a hostile peer can do to it. */
static void throughput_layout(void)
{
	struct isolator_chan *c = isolator_chan_create_flags(NULL, 16, 64, 0, ISOLATOR_CHAN_THROUGHPUT), *o;
	struct seq_check chk = { 0 };
	struct burst_check bchk = { 0 };
	uint64_t v[8] = { 0 }, buf[16 * 8];
	size_t lens[16];

	ok(c && c->stride == 64 && c->region->hdr.version == ISOLATOR_CHAN_VERSION_THROUGHPUT,
	   "throughput layout: a 64-byte record takes a 64-byte stride (one line), region version 2");
	ok(c && ((uintptr_t)c->slots & 63) == 0, "records on line boundaries");
	o = isolator_chan_create(NULL, 16, 64, 0);
	ok(o && o->stride == 128, "the latency layout takes 128 bytes for the same slot (stamp and length beside)");
	isolator_chan_free(o);
	ok(isolator_chan_create_flags(NULL, 16, 64, 0, 0x80) == NULL && errno == EINVAL,
	   "unknown flags: EINVAL");
	is_int(isolator_chan_post(c, v, 8), -EMSGSIZE, "a record shorter than the slot size: -EMSGSIZE");
	is_int(isolator_chan_post_batch(c, buf, 65, 1), -EMSGSIZE, "post_batch of longer ones: -EMSGSIZE");

	o = isolator_chan_open_fd(isolator_chan_fd(c));
	ok(o && isolator_chan_flags(o) == ISOLATOR_CHAN_THROUGHPUT, "an opener sees the throughput layout");
	isolator_chan_free(o);

	/* corrupted headers of a version-2 region */
	struct isolator_chan_header *h = &c->region->hdr, saved = *h;
	static const char *const cases[] = {
		"version 2 without the throughput flag", "the latency layout's stride",
		"version 3",
	};
	for (unsigned i = 0; i < 3; i++) {
		switch (i) {
		case 0: h->flags = 0; break;
		case 1: h->stride = 128; break;
		case 2: h->version = 3; break;
		}
		o = isolator_chan_open_fd(isolator_chan_fd(c));
		ok(o == NULL && errno == EPROTO, "refused: %s (%s)", cases[i], isolator_errmsg());
		isolator_chan_free(o);
		*h = saved;
		atomic_store(&h->magic, ISOLATOR_CHAN_MAGIC);
	}

	/* hostile indices at run time */
	is_int(isolator_chan_post(c, v, sizeof(v)), 0, "post a record");
	atomic_store(&c->region->tail, c->head + 17);
	is_int(isolator_chan_poll(c, expect_seq, &chk, 8), -EPROTO, "poll: a tail more than a lap ahead: -EPROTO");
	is_int(isolator_chan_poll_burst(c, expect_burst, &bchk, 8), -EPROTO, "poll_burst: the same");
	atomic_store(&c->region->tail, c->head - 1);
	is_int(isolator_chan_read(c, buf, 64, lens, 8), -EPROTO, "read: a tail behind the head: -EPROTO");
	ok(chk.next == 0 && bchk.calls == 0, "and nothing was delivered");
	atomic_store(&c->region->tail, c->head + 1);
	is_int(isolator_chan_read(c, buf, 64, lens, 8), 1, "the repaired tail delivers the record");
	atomic_store(&c->region->head, c->tail + 1000);
	for (int i = 0; i < 16; i++)
		isolator_chan_post(c, v, sizeof(v));
	is_int(isolator_chan_post(c, v, sizeof(v)), -EPROTO, "a head the ring cannot have: -EPROTO");
	is_int(isolator_chan_post_batch(c, buf, 64, 4), -EPROTO, "post_batch says so too");
	isolator_chan_free(c);
}

/*
 * The doorbell: 64 channels registered, one active. An idle channel whose
 * slot is made impossible (a length over its slot size) would make poll_all
 * fail if it were polled: it does not, so idle channels are not touched.
 */
static void doorbell(void)
{
	enum { N = 64 };
	struct isolator_bell *bell = isolator_bell_create(NULL, 0), *b2;
	struct isolator_chan *ch[N];
	int hits[N] = { 0 }, bad = 0;
	uint64_t v = 5;

	ok(bell != NULL, "create a doorbell");
	for (int i = 0; i < N; i++) {
		ch[i] = isolator_chan_create(NULL, 16, 8, 0);
		if (!ch[i] || isolator_chan_set_bell(ch[i], bell, (unsigned)i) ||
		    isolator_chan_register(ch[i], count_msg, &hits[i]))
			bad++;
	}
	is_int(bad, 0, "64 channels, each with its doorbell bit, registered");
	is_int(isolator_poll_all(8), 0, "nothing posted: poll_all delivers nothing");

	/* idle channel 9 holds a hostile slot, but nobody rang its bit */
	atomic_store(&isolator_chan_slot_(ch[9], 0)->stamp, 1);
	isolator_chan_slot_(ch[9], 0)->len = 1000;
	for (int i = 0; i < 3; i++)
		isolator_chan_post(ch[41], &v, sizeof(v));
	is_int(isolator_poll_all(8), 3, "3 posted on channel 41: poll_all delivers them");
	is_int(hits[41], 3, "to channel 41's callback");
	is_int(isolator_poll_all(8), 0, "and again nothing (channel 9, idle, was never polled)");
	for (int i = 0; i < 12; i++)
		isolator_chan_post(ch[41], &v, sizeof(v));
	is_int(isolator_poll_all(8), 8, "12 waiting, max 8: 8");
	is_int(isolator_poll_all(8), 4, "the bit stays set while the channel delivers: the last 4");
	is_int(isolator_poll_all(8), 0, "then nothing");

	/* the same without doorbells: every channel is polled, 9 is found */
	for (int i = 0; i < N; i++) {
		isolator_chan_unregister(ch[i]);
		isolator_chan_set_bell(ch[i], NULL, 0);
		isolator_chan_register(ch[i], count_msg, &hits[i]);
	}
	is_int(isolator_poll_all(8), -EPROTO, "without doorbells poll_all polls the idle channel too: -EPROTO");
	atomic_store(&isolator_chan_slot_(ch[9], 0)->stamp, 0);

	/* the rules */
	isolator_chan_unregister(ch[0]);
	is_int(isolator_chan_set_bell(ch[0], bell, 64), -EINVAL, "bit 64: -EINVAL");
	is_int(isolator_chan_set_bell(ch[1], bell, 3), -EBUSY, "a registered handle: -EBUSY");
	isolator_chan_set_bell(ch[0], bell, 7);
	isolator_chan_unregister(ch[2]);
	isolator_chan_set_bell(ch[2], bell, 7);
	is_int(isolator_chan_register(ch[0], count_msg, &hits[0]), 0, "register on bit 7");
	is_int(isolator_chan_register(ch[2], count_msg, &hits[2]), -EBUSY, "a second channel on bit 7: -EBUSY");

	/* the producer's side from another handle, the doorbell opened by fd */
	b2 = isolator_bell_open_fd(isolator_bell_fd(bell));
	ok(b2 != NULL, "open the doorbell from its fd");
	struct isolator_chan *prod = isolator_chan_open_fd(isolator_chan_fd(ch[0]));
	isolator_chan_set_bell(prod, b2, 7);
	hits[0] = 0;
	isolator_chan_post(prod, &v, sizeof(v));
	ok(isolator_poll_all(8) >= 1 && hits[0] == 1,
	   "a post on a producer handle rings the consumer's doorbell through another mapping");
	isolator_chan_free(prod);
	isolator_bell_free(b2);
	isolator_bell_free(bell);
	is_int(ch[0]->registered, 0, "freeing the doorbell unregistered its channels");
	for (int i = 0; i < N; i++)
		isolator_chan_free(ch[i]);
	is_int(isolator_poll_all(8), 0, "the registry is empty");

	int fd = memfd_create("not-a-bell", 0);
	ok(fd >= 0 && ftruncate(fd, 4096) == 0, "a zeroed memfd of a page");
	ok(isolator_bell_open_fd(fd) == NULL && errno == EPROTO, "is not a doorbell (%s)", isolator_errmsg());
	ok(ftruncate(fd, 8192) == 0 && isolator_bell_open_fd(fd) == NULL && errno == EPROTO,
	   "nor one of the wrong size");
	close(fd);
	ok(isolator_bell_open("nope") == NULL && errno == EINVAL, "a doorbell name without '/': EINVAL");
	isolator_bell_free(NULL);
	ok(1, "isolator_bell_free(NULL) is a no-op");
}

static void tick_nop(void *arg, unsigned flags)
{
	(void)flags;
	(*(int *)arg)++;
}

/* No fixed limits: 200 plain channels, 100 tick callbacks. */
static void many(void)
{
	enum { N = 200 };
	struct isolator_chan *ch[N];
	int hits = 0, bad = 0, ticks = 0;
	uint64_t v = 1;

	for (int i = 0; i < N; i++) {
		ch[i] = isolator_chan_create(NULL, 2, 8, 0);
		if (!ch[i] || isolator_chan_register(ch[i], count_msg, &hits))
			bad++;
		else
			isolator_chan_post(ch[i], &v, sizeof(v));
	}
	is_int(bad, 0, "200 channels registered");
	is_int(isolator_poll_all(4), N, "poll_all delivers one from each");
	for (int i = 0; i < N; i++)
		isolator_chan_free(ch[i]);
	bad = 0;
	for (int i = 0; i < 100; i++)
		if (isolator_tick_register(tick_nop, &ticks))
			bad++;
	is_int(bad, 0, "100 tick callbacks registered (no 16 limit)");
	for (int i = 0; i < 100; i++)
		if (isolator_tick_unregister(tick_nop, &ticks))
			bad++;
	is_int(bad, 0, "and unregistered");
}

static void cross_process(void)
{
	char name[64];
	struct isolator_chan *c, *o;
	uint64_t v;
	pid_t pid;
	int status, bad = 0;
	struct stat st;
	enum { N = 100000 };

	snprintf(name, sizeof(name), "/isolator-test-%d", (int)getpid());
	isolator_chan_unlink(name);
	c = isolator_chan_create(name, 64, 64, 0640);
	ok(c != NULL, "create %s", name);
	ok(fstat(isolator_chan_fd(c), &st) == 0 && (st.st_mode & 0777) == 0640,
	   "permissions are the creator's (0640), not the umask's");
	ok(isolator_chan_create(name, 64, 64, 0) == NULL && errno == EEXIST, "creating it again: EEXIST");

	pid = fork();
	if (pid == 0) {
		/* the child: a consumer in another process */
		struct isolator_chan *cc = isolator_chan_open(name);
		struct seq_check chk = { 0 };

		if (!cc)
			_exit(10);
		while (chk.next < N) {
			if (isolator_chan_poll(cc, expect_seq, &chk, 64) < 0)
				_exit(11);
		}
		isolator_chan_free(cc);
		_exit(chk.bad ? 12 : 0);
	}
	for (v = 0; v < N;) {
		int r = isolator_chan_post(c, &v, sizeof(v));

		if (r == 0)
			v++;
		else if (r != -EAGAIN && ++bad)
			break;
		else
			sched_yield();
	}
	waitpid(pid, &status, 0);
	ok(!bad && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "%d messages to another process through the name, in order (child exit %d)", N,
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	/* corrupt the header, field by field; every open must refuse */
	struct isolator_chan_header *h = &c->region->hdr, saved = *h;
	static const char *const cases[] = {
		"wrong magic", "wrong version", "capacity not a power of two",
		"slot size over the limit", "stride that disagrees",
		"region size that disagrees", "slots offset elsewhere",
		"tail - head over the capacity",
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t tail = atomic_load(&c->region->tail);

		switch (i) {
		case 0: atomic_store(&h->magic, 0xdeadbeef); break;
		case 1: h->version = 2; break;
		case 2: h->capacity = 48; break;
		case 3: h->slot_size = 1u << 20; break;
		case 4: h->stride = 64; break;
		case 5: h->region_size += 4096; break;
		case 6: h->slots_offset = 0; break;
		case 7: atomic_store(&c->region->tail, atomic_load(&c->region->head) + 65); break;
		}
		o = isolator_chan_open(name);
		ok(o == NULL && errno == EPROTO, "refused: %s (%s)", cases[i], isolator_errmsg());
		isolator_chan_free(o);
		*h = saved;
		atomic_store(&h->magic, ISOLATOR_CHAN_MAGIC);
		atomic_store(&c->region->tail, tail);
	}
	o = isolator_chan_open(name);
	ok(o != NULL, "the restored header opens again");

	/* a region whose file is shorter than its geometry */
	ok(ftruncate(isolator_chan_fd(c), 4096) == 0, "truncate the file");
	struct isolator_chan *t = isolator_chan_open(name);
	ok(t == NULL && errno == EPROTO, "refused: file shorter than the geometry (%s)", isolator_errmsg());

	/* hostile values at run time: a length over the slot, a head past the tail */
	isolator_chan_free(o);
	isolator_chan_free(c);
	isolator_chan_unlink(name);
	c = isolator_chan_create(NULL, 8, 8, 0);
	struct seq_check chk = { 0 };
	v = 0;
	isolator_chan_post(c, &v, sizeof(v));
	isolator_chan_slot_(c, 0)->len = 1000;
	is_int(isolator_chan_poll(c, expect_seq, &chk, 8), -EPROTO, "a slot with an impossible length: -EPROTO");
	ok(chk.next == 0, "and it was not delivered");
	for (int i = 0; i < 7; i++)
		isolator_chan_post(c, &v, sizeof(v));
	atomic_store(&c->region->head, 1000);
	is_int(isolator_chan_post(c, &v, sizeof(v)), -EPROTO, "a head the ring cannot have: -EPROTO");
	is_int(isolator_chan_pending(c), -EPROTO, "pending says so too");
	isolator_chan_free(c);

	ok(isolator_chan_open("no-slash") == NULL && errno == EINVAL, "a name without '/': EINVAL");
	ok(isolator_chan_open("/isolator-test-none") == NULL && errno == ENOENT, "an absent name: ENOENT");
	ok(isolator_chan_create(NULL, 12, 8, 0) == NULL && errno == EINVAL, "capacity 12: EINVAL");
	ok(isolator_chan_create(NULL, 8, 0, 0) == NULL && errno == EINVAL, "slot size 0: EINVAL");
	int fd = memfd_create("not-a-channel", 0);
	ok(fd >= 0 && ftruncate(fd, 65536) == 0, "a zeroed memfd");
	ok(isolator_chan_open_fd(fd) == NULL && errno == EPROTO, "is refused (%s)", isolator_errmsg());
	close(fd);
}

int main(void)
{
	for (unsigned flags = 0; flags <= ISOLATOR_CHAN_THROUGHPUT; flags += ISOLATOR_CHAN_THROUGHPUT) {
		full_and_empty(flags);
		batches(flags);
		wrap(flags);
		bursts(flags);
	}
	throughput_layout();
	registry();
	doorbell();
	many();
	tick_dispatch();
	cross_process();
	return done_testing();
}
