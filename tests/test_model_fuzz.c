// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Deterministic random-mutation fuzzing of the trace parser and the model:
 * the seed traces of tests/data/model mutated byte by byte (flip, insert,
 * delete, duplicate a line, splice digits, truncate) with a fixed seed, so a
 * failure reproduces. Every input must either parse or be refused with
 * "line N: ..." for a line that exists; nothing may crash (make check-asan
 * runs this under ASan and UBSan, with each line in a buffer of its exact
 * size so that any read past the end is caught). model/fuzz/ has the
 * libFuzzer harness for open-ended runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../tune/tune.h"
#include "model.h"
#include "tap.h"

#define ROUNDS 20000

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static const char interesting[] = "0123456789.:[]-=# \n\t\r\0xdNh";

static size_t mutate(char *buf, size_t len, size_t cap)
{
	unsigned n = 1 + next() % 8;

	for (unsigned k = 0; k < n; k++) {
		size_t at = len ? next() % len : 0;

		switch (next() % 7) {
		case 0: /* flip a bit */
			if (len)
				buf[at] ^= (char)(1u << (next() % 8));
			break;
		case 1: /* overwrite with an interesting byte */
			if (len)
				buf[at] = interesting[next() % (sizeof(interesting) - 1)];
			break;
		case 2: /* insert */
			if (len + 1 < cap) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = interesting[next() % (sizeof(interesting) - 1)];
				len++;
			}
			break;
		case 3: /* delete a run */
			if (len) {
				size_t d = 1 + next() % 16;

				if (at + d > len)
					d = len - at;
				memmove(buf + at, buf + at + d, len - at - d);
				len -= d;
			}
			break;
		case 4: /* a run of digits (overflows) */
			for (unsigned d = next() % 30; d && len + 1 < cap; d--) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (char)('0' + next() % 10);
				len++;
			}
			break;
		case 5: /* duplicate a chunk elsewhere (lines out of order) */
			if (len) {
				size_t from = next() % len, l = 1 + next() % 200, to = next() % len;

				if (from + l > len)
					l = len - from;
				if (len + l < cap) {
					memmove(buf + to + l, buf + to, len - to);
					memmove(buf + to, buf + (from < to ? from : from + l), l);
					len += l;
				}
			}
			break;
		case 6: /* truncate */
			len = at;
			break;
		}
	}
	return len;
}

static unsigned count_lines(const char *s, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n + (len && s[len - 1] != '\n');
}

int main(void)
{
	size_t seed_len;
	char *seed = read_file_alloc(data_path("model/basic.trace"), &seed_len);
	size_t cap = seed_len * 3 + 4096;
	char *buf = malloc(cap);
	unsigned parsed = 0, refused = 0, bad_msg = 0, bad_ret = 0;

	if (!ok(seed && buf, "seed trace read"))
		return done_testing();
	for (unsigned round = 0; round < ROUNDS; round++) {
		size_t len;
		struct model *m = model_new();
		char err[256] = "";
		int r;

		memcpy(buf, seed, seed_len);
		len = mutate(buf, seed_len, cap);
		r = model_feed_text(m, buf, len, err, sizeof(err));
		if (r == 0) {
			parsed++;
			if (model_finish(m) < 0)
				bad_ret++;
			for (unsigned i = 0; i < model_ncpus(m); i++)
				(void)model_cpu_at(m, i)->l_if_ns;
		} else if (r == -EINVAL) {
			unsigned long line = 0;

			refused++;
			if (sscanf(err, "line %lu: ", &line) != 1 || line < 1 ||
			    line > count_lines(buf, len) || !strchr(err, ':')) {
				if (bad_msg++ < 5)
					diag("round %u: bad message '%s'", round, err);
			}
		} else {
			bad_ret++;
		}
		model_free(m);

		/* each line alone, in a buffer of exactly its size */
		for (size_t pos = 0; pos < len;) {
			const char *nl = memchr(buf + pos, '\n', len - pos);
			size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
			char *line = malloc(n ? n : 1);
			struct trace_event ev;
			char why[64];

			memcpy(line, buf + pos, n);
			r = trace_parse_line(line, n, &ev, why, sizeof(why));
			if (r < -EINVAL || r > 1 || (r == -EINVAL && !why[0]))
				bad_ret++;
			free(line);
			pos += n + 1;
		}
	}
	diag("%u rounds: %u traces parsed, %u refused", ROUNDS, parsed, refused);
	ok(parsed > 0 && refused > 0, "mutations both parse and get refused");
	is_int(bad_msg, 0, "every refusal names an existing line: 'line N: reason'");
	is_int(bad_ret, 0, "no unexpected return codes");
	ok(1, "no crash in %u rounds", ROUNDS);
	free(buf);
	free(seed);
	return done_testing();
}
