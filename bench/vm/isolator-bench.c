// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A static `isolator-bench` for the VM's initramfs: the bench subcommands
 * without the rest of the isolator command (whose other parts need libraries
 * the initramfs does not have). Same code, same options, same output; plus
 * `check` (the system audit, which needs no such library either) and
 * `vm-tests`, the guest suite that runs them (guest-tests.c).
 */
#include <stdio.h>
#include <string.h>

#include "../../tools/commands.h"
#include "../../util/util.h"
#include "../bench.h"
#include "../suite.h"
#include "guest-tests.h"

int main(int argc, char **argv)
{
	static const struct bench_modes m = {
		.response = bench_response, .toggle = bench_toggle, .noise = bench_noise,
		.ipc = bench_ipc, .check = cmd_check,
	};
	static const struct {
		const char *name;
		bench_main_fn *run;
	} modes[] = { { "response", bench_response }, { "toggle", bench_toggle }, { "noise", bench_noise },
			{ "ipc", bench_ipc }, { "check", cmd_check } };

	if (argc < 2)
		return fail("usage: isolator-bench response|toggle|noise|ipc|check|vm-tests [options]");
	if (!strcmp(argv[1], "vm-tests"))
		return bench_vm_tests(&m, argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name))
			return modes[i].run(argc - 1, argv + 1);
	return fail("unknown mode '%s'", argv[1]);
}
