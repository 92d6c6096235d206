/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command-line helpers shared by the isolator command's subcommands and
 * the benchmarks (like rtla's utils): argument parsers that print one clear
 * line on bad input, the exit codes, and small CPU and time helpers.
 */
#ifndef ISOLATOR_UTIL_H
#define ISOLATOR_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "isolator.h"

/* Exit codes of every subcommand. */
enum {
	EXIT_OK = 0,        /* done */
	EXIT_ERROR = 1,     /* bad input or a failure */
	EXIT_THRESHOLD = 2, /* ran, but a check or threshold failed */
};

/* Print "isolator: <message>" on stderr; returns EXIT_ERROR for `return fail(...)`. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Length of the number at the start of @text under the one rule every
 * option follows: decimal digits, and with @fraction one '.' between digits;
 * never a blank, sign, exponent, "0x", "inf" or "nan". 0 if none. */
size_t number_span(const char *text, int fraction);

/* Parsers: 0 on success; on failure print one line naming @what and return -1.
 * Each takes its numbers by number_span()'s rule. */
int parse_cpu_online(const char *what, const char *text, unsigned *cpu);
int parse_cpulist_online(const char *what, const char *text, struct isolator_cpuset *set);
int parse_uint(const char *what, const char *text, unsigned long min, unsigned long max,
	       unsigned long *out);
/* Seconds as a decimal ("0.5", "10") to nanoseconds; suffixes s, ms, us, ns. */
int parse_duration(const char *what, const char *text, uint64_t *ns);

/* For getopt's '?': one line naming the bad argument. Call with opterr = 0. */
int bad_option(const char *command, char **argv);

/* Sleep @ns, resuming after signals (but returning early if *stop is set). */
void sleep_ns(uint64_t ns, volatile int *stop);

/* The last online CPU, and another online CPU (or -1 on a one-CPU machine). */
int last_online_cpu(void);

#endif /* ISOLATOR_UTIL_H */
