// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * 10^8 messages from a producer on one CPU to a consumer on another, each
 * carrying its sequence number: the consumer checks that none is lost,
 * duplicated or reordered. Batched and single posts alternate so that both
 * paths run. Under ThreadSanitizer (make check-tsan) the same test runs
 * 10^6 messages, which is enough for it to see every barrier pair.
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
#else
#define DEFAULT_MESSAGES 100000000ull
#endif

struct stress {
	struct isolator_chan *chan;
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

static void *consumer(void *arg)
{
	struct stress *s = arg;
	uint64_t got = 0;
	unsigned idle = 0;

	pin(s->cpu_consumer);
	while (got < s->messages) {
		int n = isolator_chan_poll(s->chan, check, s, 256);

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
	unsigned idle = 0;

	pin(s->cpu_producer);
	for (uint64_t v = 0; v < s->messages;) {
		int r;

		if ((v >> 12) & 1) { /* alternate 4096 single posts and 4096 in batches */
			unsigned n = s->messages - v < 16 ? (unsigned)(s->messages - v) : 16;

			for (unsigned i = 0; i < n; i++)
				batch[i] = v + i;
			r = isolator_chan_post_batch(s->chan, batch, sizeof(batch[0]), n);
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

int main(void)
{
	struct stress s = { .cpu_producer = -1, .cpu_consumer = -1 };
	struct isolator_cpuset online;
	const char *env = getenv("ISOLATOR_TEST_MESSAGES");
	pthread_t tp, tc;
	unsigned cpus[2], n = 0;

	s.messages = env ? strtoull(env, NULL, 0) : DEFAULT_MESSAGES;
	if (isolator_cpus_online(NULL, &online) == 0)
		for (unsigned c = 0; c < ISOLATOR_MAX_CPUS && n < 2; c++)
			if (isolator_cpuset_has(&online, c))
				cpus[n++] = c;
	if (n == 2) {
		s.cpu_producer = (int)cpus[0];
		s.cpu_consumer = (int)cpus[1];
		diag("producer on CPU %u, consumer on CPU %u", cpus[0], cpus[1]);
	} else {
		diag("one CPU online: both threads share it");
	}
	s.chan = isolator_chan_create(NULL, 1024, 8, 0);
	ok(s.chan != NULL, "channel of 1024 x 8 bytes");
	pthread_create(&tc, NULL, consumer, &s);
	pthread_create(&tp, NULL, producer, &s);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	is_int(s.err, 0, "no error from post or poll");
	ok(s.next == s.messages && !s.lost_or_dup && !s.bad_len,
	   "%llu messages across two CPUs: none lost, duplicated or reordered "
	   "(last %llu, faults %llu, bad lengths %llu)",
	   (unsigned long long)s.messages, (unsigned long long)s.next,
	   (unsigned long long)s.lost_or_dup, (unsigned long long)s.bad_len);
	is_int(isolator_chan_pending(s.chan), 0, "nothing left in the ring");
	isolator_chan_free(s.chan);
	return done_testing();
}
