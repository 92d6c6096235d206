/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command-line helpers shared by the isolator command's subcommands and
 * the benchmarks (like rtla's utils): argument parsers that print one clear
 * line on bad input, the exit codes, and small CPU and time helpers.
 */
#ifndef ISOLATOR_UTIL_H
#define ISOLATOR_UTIL_H

#include <signal.h>
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
/* A CPU list in the kernel's syntax (3, 0-3,7, N, 2-N, all, 0-7:2/4), with
 * no blank in it; parse_cpulist_online() also wants every CPU online, and
 * parse_cpu_online() a list of exactly one online CPU. */
int parse_cpulist(const char *what, const char *text, struct isolator_cpuset *set);
int parse_cpu_online(const char *what, const char *text, unsigned *cpu);
int parse_cpulist_online(const char *what, const char *text, struct isolator_cpuset *set);
int parse_uint(const char *what, const char *text, unsigned long min, unsigned long max,
	       unsigned long *out);
/*
 * A time to nanoseconds: a number with a unit, ns us ms s m h d (case
 * ignored: 2H, 1d, 200ms, 0.5s, 2us), or a bare number in @bare_ns units,
 * which is what cyclictest and rtla mean for the same option (say it in the
 * option's --help): seconds for a run's duration (cyclictest -D, rtla -d),
 * microseconds for a period, an interval or a threshold (cyclictest -i,
 * rtla -p, oslat -T), nanoseconds for a SCHED_DEADLINE runtime (chrt,
 * rtla -P d:). At most a year.
 */
#define UNIT_NS 1ull
#define UNIT_US 1000ull
#define UNIT_MS 1000000ull
#define UNIT_S 1000000000ull
#define TIME_MAX_NS (366 * 86400e9)
int parse_time(const char *what, const char *text, uint64_t bare_ns, uint64_t *ns);
/* parse_time() with a bare number in seconds: a run's duration. */
int parse_duration(const char *what, const char *text, uint64_t *ns);

/* For getopt's '?': one line naming the bad argument. Call with opterr = 0. */
int bad_option(const char *command, char **argv);

/* Sleep @ns, resuming after signals (but returning early if *stop is set). */
void sleep_ns(uint64_t ns, volatile int *stop);

/* --- signals (signals.c) ------------------------------------------------- */

/* Block SIGINT, SIGTERM and SIGHUP, those not ignored (nohup), in the calling
 * thread and the threads and children it starts after: they wait for
 * signals_pending(). */
void signals_hold(sigset_t *set);
/* The first of @set pending now, taken; 0 if none. For a safe point. */
int signals_pending(const sigset_t *set);
/*
 * For commands whose threads change system state (bench, demo): call before
 * starting any thread. On SIGINT, SIGTERM or SIGHUP a thread of its own runs
 * @restore, says so in one line naming @what, and exits 128+N.
 * Return: 0 or a negative errno.
 */
int exit_on_signal(const char *what, void (*restore)(void));

/* The last online CPU, and another online CPU (or -1 on a one-CPU machine). */
int last_online_cpu(void);

#endif /* ISOLATOR_UTIL_H */
