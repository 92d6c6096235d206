// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator: the command. A table of subcommands and one dispatcher; each
 * subcommand lives in its own file with its own params struct.
 */
#include <stdio.h>
#include <string.h>

#include "../util/util.h"
#include "commands.h"

static const struct tool_command commands[] = {
	{ "run", "run a command isolated on one CPU", cmd_run },
	{ "check", "audit this machine for what spoils latency: pass/warn/fail and the fix", cmd_check },
	{ "apply", "apply the run-time fixes of check, journaled; undo with revert", cmd_apply },
	{ "stat", "live per-CPU table of interrupts by kind", cmd_stat },
	{ "revert", "restore what an isolated process that died left changed", cmd_revert },
	{ "demo", "an isolated spinning loop beside a control loop: interrupts and gaps", cmd_demo },
	{ "model", "scheduling-latency bound per CPU from tracepoints (Oliveira et al.)", cmd_model },
	{ "bench", "the paper's measurements beside their baselines: response, toggle, noise, ipc", cmd_bench },
	{ "explain", "read a cyclictest/oslat/rtla/bench report: each cause, its share, the fix", cmd_explain },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: isolator [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'isolator COMMAND --help' describes one command.\n"
		     "Exit status: 0 ok, 1 error, 2 a check or threshold failed.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fail("no command given (try 'isolator --help')");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("isolator %s (backend available: %s)\n", isolator_version(),
		       isolator_backend_name(isolator_backend_available()));
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return fail("unknown command '%s' (try 'isolator --help')", argv[1]);
}
