/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-guest bench tests (guest-tests.c), called by isolator-bench.c. */
#ifndef ISOLATOR_BENCH_VM_GUEST_TESTS_H
#define ISOLATOR_BENCH_VM_GUEST_TESTS_H

typedef int bench_main_fn(int argc, char **argv);

/* The subcommands the tests run, each like `isolator bench MODE`. */
struct bench_modes {
	bench_main_fn *response, *toggle, *noise, *ipc;
	bench_main_fn *check;      /* `isolator check` */
};

/* `isolator-bench vm-tests [--no-gpio] [--no-mmio] [--external-s N]`: 0 all passed, 1 not. */
int bench_vm_tests(const struct bench_modes *m, int argc, char **argv);

#endif
