// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness for the trace parser and the model. Each input is a
 * whole trace: it must parse or be refused with "line N: ...", never crash,
 * never read out of bounds. Build and run (clang, from the repository root):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Imodel \
 *         model/fuzz/fuzz_trace.c model/trace.c model/model.c -o build/fuzz_trace
 *   mkdir -p build/fuzz-corpus && cp tests/data/model/basic.trace build/fuzz-corpus/
 *   build/fuzz_trace -max_total_time=300 build/fuzz-corpus
 *
 * `meson test` runs the deterministic counterpart, tests/test_model_fuzz.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model *m = model_new();
	char err[256] = "";
	unsigned long line;
	int r;

	if (!m)
		return 0;
	r = model_feed_text(m, (const char *)data, size, err, sizeof(err));
	if (r == 0) {
		if (model_finish(m) < 0)
			abort();
	} else if (r != -EINVAL || sscanf(err, "line %lu: ", &line) != 1 || line == 0) {
		abort();
	}
	model_free(m);
	return 0;
}
