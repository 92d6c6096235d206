/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The subcommands; one file each. */
#ifndef ISOLATOR_COMMANDS_H
#define ISOLATOR_COMMANDS_H

/* One subcommand: `isolator NAME ...` calls run(argc, argv) with argv[0] = NAME. */
struct tool_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_revert(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_explain(int argc, char **argv);

#endif
