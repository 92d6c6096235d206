// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 10^8 messages from a producer on one CPU to a consumer on another, each
 * carrying its sequence number, in each layout (latency, throughput): the
 * consumer checks that none is lost, duplicated or reordered. The producer
 * turns between post, post_batch and post_burst every 4096 messages; the
 * consumer between poll, poll_burst, read and isolator_poll_all() through a
 * doorbell, so every path and every barrier pair ([P1]-[P3], [C1]-[C3],
 * [B1]/[B2]) runs against every other. Under ThreadSanitizer (make
 * check-tsan) the same test runs 10^6 messages per layout, which is enough
 * for it to see every barrier pair (and 10^7 under AddressSanitizer).
 *
 * ISOLATOR_TEST_MESSAGES overrides the count.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "isolator.h"
#include "tap.h"

#if defined(__SANITIZE_THREAD__)
#define DEFAULT_MESSAGES 1000000ull
#elif defined(__SANITIZE_ADDRESS__)
#define DEFAULT_MESSAGES 10000000ull /* ASan: the same paths, a tenth of the time */
#else
#define DEFAULT_MESSAGES 100000000ull
#endif

struct stress {
	struct isolator_chan *chan;
	unsigned flags;
	uint64_t messages;
	int cpu_producer, cpu_consumer;
	/* consumer's findings */
	uint64_t next, lost_or_dup, bad_len;
	int err;
};

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void check(void *arg, const void *msg, size_t len)
{
	struct stress *s = arg;
	uint64_t v;

	if (len != sizeof(v)) {
		s->bad_len++;
		return;
	}
	memcpy(&v, msg, sizeof(v));
	if (v != s->next)
		s->lost_or_dup++;
	s->next = v + 1; /* resynchronise so one fault is counted once */
}

static void check_burst(void *arg, const struct isolator_chan_msg *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		check(arg, m[i].data, m[i].len);
}

/* The consumer's four ways to take messages, in turn. */
static int take(struct stress *s, uint64_t got)
{
	uint64_t buf[64];
	size_t lens[64];
	int n;

	switch ((got >> 12) & 3) {
	case 0:
		return isolator_chan_poll(s->chan, check, s, 256);
	case 1:
		return isolator_chan_poll_burst(s->chan, check_burst, s, ISOLATOR_CHAN_BURST_MAX);
	case 2:
		n = isolator_chan_read(s->chan, buf, sizeof(buf[0]), lens, 64);
		for (int i = 0; i < n; i++)
			check(s, &buf[i], lens[i]);
		return n;
	default:
		return isolator_poll_all(256); /* through the doorbell */
	}
}

static void *consumer(void *arg)
{
	struct stress *s = arg;
	uint64_t got = 0;
	unsigned idle = 0;

	pin(s->cpu_consumer);
	while (got < s->messages) {
		int n = take(s, got);

		if (n < 0) {
			s->err = n;
			break;
		}
		got += (uint64_t)n;
		/* on one shared CPU, spinning would starve the producer */
		if (!n && ++idle > 1000) {
			sched_yield();
			idle = 0;
		}
	}
	return NULL;
}

static void *producer(void *arg)
{
	struct stress *s = arg;
	uint64_t batch[16];
	struct isolator_chan_msg m[16];
	unsigned idle = 0;

	pin(s->cpu_producer);
	for (unsigned i = 0; i < 16; i++) {
		m[i].data = &batch[i];
		m[i].len = sizeof(batch[i]);
	}
	for (uint64_t v = 0; v < s->messages;) {
		unsigned way = (unsigned)((v >> 12) % 3); /* 4096 of each in turn */
		int r;

		if (way) {
			unsigned n = s->messages - v < 16 ? (unsigned)(s->messages - v) : 16;

			for (unsigned i = 0; i < n; i++)
				batch[i] = v + i;
			r = way == 1 ? isolator_chan_post_batch(s->chan, batch, sizeof(batch[0]), n)
				     : isolator_chan_post_burst(s->chan, m, n);
			if (r > 0) {
				v += (uint64_t)r;
				continue;
			}
		} else {
			r = isolator_chan_post(s->chan, &v, sizeof(v));
			if (r == 0) {
				v++;
				continue;
			}
		}
		if (r != -EAGAIN) {
			s->err = r;
			break;
		}
		if (++idle > 1000) {
			sched_yield();
			idle = 0;
		}
	}
	return NULL;
}

/* One layout: a channel with a doorbell (one handle, both sides), the two
 * threads, and what the consumer found. */
static void run(unsigned flags, uint64_t messages, int cpu_p, int cpu_c)
{
	struct stress s = { .flags = flags, .messages = messages, .cpu_producer = cpu_p,
			    .cpu_consumer = cpu_c };
	const char *layout = flags ? "throughput" : "latency";
	struct isolator_bell *bell = isolator_bell_create(NULL, 0);
	pthread_t tp, tc;

	s.chan = isolator_chan_create_flags(NULL, 1024, 8, 0, flags);
	ok(s.chan && bell && !isolator_chan_set_bell(s.chan, bell, 5) &&
	   !isolator_chan_register(s.chan, check, &s),
	   "%s layout: channel of 1024 x 8 bytes with a doorbell, registered", layout);
	pthread_create(&tc, NULL, consumer, &s);
	pthread_create(&tp, NULL, producer, &s);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	is_int(s.err, 0, "%s: no error from post or poll", layout);
	ok(s.next == s.messages && !s.lost_or_dup && !s.bad_len,
	   "%s: %llu messages across two CPUs: none lost, duplicated or reordered "
	   "(last %llu, faults %llu, bad lengths %llu)", layout,
	   (unsigned long long)s.messages, (unsigned long long)s.next,
	   (unsigned long long)s.lost_or_dup, (unsigned long long)s.bad_len);
	is_int(isolator_chan_pending(s.chan), 0, "%s: nothing left in the ring", layout);
	isolator_chan_free(s.chan);
	isolator_bell_free(bell);
}

int main(void)
{
	struct isolator_cpuset online;
	const char *env = getenv("ISOLATOR_TEST_MESSAGES");
	uint64_t messages = env ? strtoull(env, NULL, 0) : DEFAULT_MESSAGES;
	int cpus[2] = { -1, -1 };
	unsigned n = 0;

	if (isolator_cpus_online(NULL, &online) == 0)
		for (unsigned c = 0; c < ISOLATOR_MAX_CPUS && n < 2; c++)
			if (isolator_cpuset_has(&online, c))
				cpus[n++] = (int)c;
	if (n == 2) {
		diag("producer on CPU %d, consumer on CPU %d", cpus[0], cpus[1]);
	} else {
		diag("one CPU online: both threads share it");
		cpus[0] = cpus[1] = -1;
	}
	run(0, messages, cpus[0], cpus[1]);
	run(ISOLATOR_CHAN_THROUGHPUT, messages, cpus[0], cpus[1]);
	return done_testing();
}
