// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator bench MODE [options]: the benchmarks, one file each under bench/,
 * behind one table. Every mode runs its baseline in the same run and prints
 * a table, or --json, with a cyclictest histogram and a plot on request.
 */
#include <stdio.h>
#include <string.h>

#include "../bench/bench.h"
#include "../bench/suite.h"
#include "commands.h"
#include "../util/util.h"

static const struct tool_command modes[] = {
	{ "response", "event -> response latency: poll vs futex wake vs raw floor (Table 1)",
	  bench_response },
	{ "toggle", "TSC-scheduled output flips: lateness, isolated vs not (Table 2)", bench_toggle },
	{ "noise", "gaps a spinning loop sees, and interrupts by kind (oslat/osnoise)", bench_noise },
	{ "ipc", "notify and respond between two cores: shared memory vs floor, futex, eventfd, pipe, ck_ring, rte_ring (Table 3)",
	  bench_ipc },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: isolator bench MODE [options]\n"
		     "The paper's measurements, each beside its baseline in the same run.\n\nmodes:\n");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		fprintf(out, "  %-9s %s\n", modes[i].name, modes[i].summary);
	fprintf(out, "\n'isolator bench MODE --help' lists a mode's options. Output: a table\n"
		     "(or --json, schema isolator-bench/1), --histogram FILE (cyclictest\n"
		     "format), --plot FILE.png|.svg (gnuplot). Times are in ns.\n");
}

/* For the signal thread: the isolated responder may be mid-loop. */
static void restore(void)
{
	isolator_restore_system();
}

int cmd_bench(int argc, char **argv)
{
	if (argc < 2)
		return fail("bench: no mode given (try 'isolator bench --help')");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name)) {
			/* Ctrl-C restores the IRQs the isolated thread steered and
			 * exits 130; before any thread starts, so all inherit it */
			if (exit_on_signal("bench", restore) < 0)
				return fail("bench: cannot watch for signals");
			return modes[i].run(argc - 1, argv + 1);
		}
	return fail("bench: unknown mode '%s' (try 'isolator bench --help')", argv[1]);
}
