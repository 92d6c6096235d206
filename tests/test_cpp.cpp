// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The public header from C++: isolator.h compiles (this file is built as
 * C++11, 14, 17, 20 and 23 with -Wall -Wextra -Wpedantic -Werror) and the
 * inline channel fast path, compiled here with std::atomic, works against
 * regions the C library created: both layouts, bursts, a doorbell, the
 * hostile-peer checks, and a stream between two std::threads checked
 * message by message.
 */
#include <isolator.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "tap.h"

namespace {

struct seq {
	uint64_t next = 0, bad = 0;
};

void expect(void *arg, const void *msg, size_t len)
{
	seq *s = static_cast<seq *>(arg);
	uint64_t v;

	std::memcpy(&v, msg, sizeof(v));
	if (len != sizeof(v) || v != s->next)
		s->bad++;
	s->next = v + 1;
}

void expect_burst(void *arg, const isolator_chan_msg *m, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		expect(arg, m[i].data, m[i].len);
}

void layout(unsigned flags)
{
	const char *name = flags ? "throughput" : "latency";
	isolator_chan *c = isolator_chan_create_flags(nullptr, 64, 8, 0, flags);
	seq s;
	uint64_t batch[16];
	isolator_chan_msg m[16];
	int bad = 0;

	ok(c != nullptr, "C++, %s layout: create a channel", name);
	is_int(isolator_chan_flags(c), flags, "its flags");
	for (uint64_t v = 0; v < 1000;) {
		switch (v % 3) {
		case 0:
			bad += isolator_chan_post(c, &v, sizeof(v)) != 0;
			v++;
			break;
		case 1:
			for (unsigned i = 0; i < 8; i++)
				batch[i] = v + i;
			bad += isolator_chan_post_batch(c, batch, sizeof(batch[0]), 8) != 8;
			v += 8;
			break;
		default:
			for (unsigned i = 0; i < 4; i++) {
				batch[i] = v + i;
				m[i].data = &batch[i];
				m[i].len = sizeof(batch[i]);
			}
			bad += isolator_chan_post_burst(c, m, 4) != 4;
			v += 4;
		}
		if (v % 2)
			while (isolator_chan_poll(c, expect, &s, 7) > 0)
				;
		else
			while (isolator_chan_poll_burst(c, expect_burst, &s, 5) > 0)
				;
	}
	ok(!bad && s.next >= 1000 && !s.bad, "%s: post, post_batch, post_burst, poll, poll_burst in order", name);
	is_int(isolator_chan_pending(c), 0, "%s: nothing pending", name);

	// hostile: an impossible head
	c->region->head.store(c->tail + 1000);
	while (isolator_chan_post(c, batch, 8) == 0)
		;
	is_int(isolator_chan_post(c, batch, 8), -EPROTO, "%s: a head the ring cannot have: -EPROTO", name);
	isolator_chan_free(c);
}

void stream()
{
	const uint64_t n = 1000000;
	isolator_chan *c = isolator_chan_create_flags(nullptr, 1024, 8, 0, ISOLATOR_CHAN_THROUGHPUT);
	seq s;

	std::thread consumer([&] {
		std::vector<uint64_t> buf(64);
		std::vector<size_t> lens(64);

		while (s.next < n) {
			int got = isolator_chan_read(c, buf.data(), sizeof(uint64_t), lens.data(), 64);

			for (int i = 0; i < got; i++)
				expect(&s, &buf[i], lens[i]);
			if (got <= 0)
				std::this_thread::yield();
		}
	});
	for (uint64_t v = 0; v < n;) {
		if (isolator_chan_post(c, &v, sizeof(v)) == 0)
			v++;
		else
			std::this_thread::yield();
	}
	consumer.join();
	ok(s.next == n && !s.bad, "C++: 10^6 messages between two std::threads, in order");
	isolator_chan_free(c);
}

void doorbell()
{
	isolator_bell *b = isolator_bell_create(nullptr, 0);
	isolator_chan *c = isolator_chan_create(nullptr, 16, 8, 0);
	seq s;
	uint64_t v = 0;

	ok(b && c && !isolator_chan_set_bell(c, b, 3) && !isolator_chan_register(c, expect, &s),
	   "C++: a channel with a doorbell, registered");
	isolator_chan_post(c, &v, sizeof(v));
	is_int(isolator_poll_all(8), 1, "C++: poll_all delivers through the doorbell");
	isolator_chan_free(c);
	isolator_bell_free(b);
}

} // namespace

int main()
{
	diag("C++ %ld", static_cast<long>(__cplusplus));
	layout(0);
	layout(ISOLATOR_CHAN_THROUGHPUT);
	stream();
	doorbell();
	return done_testing();
}
