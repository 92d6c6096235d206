// SPDX-License-Identifier: GPL-2.0-or-later
/* The command-line parsers of util/: times with units, and what a bare
 * number means for each kind of option. */
#include <stdio.h>
#include <unistd.h>

#include "../util/util.h"
#include "tap.h"

static void good(const char *text, uint64_t bare, uint64_t want)
{
	uint64_t ns = 0;

	is_int(parse_time("--t", text, bare, &ns), 0, "'%s' is a time", text);
	ok(ns == want, "'%s' = %llu ns (want %llu)", text, (unsigned long long)ns,
	   (unsigned long long)want);
}

static void bad(const char *text)
{
	uint64_t ns = 0;

	ok(parse_time("--t", text, UNIT_S, &ns) < 0, "'%s' refused", text ? text : "NULL");
}

int main(void)
{
	/* the units of oslat, rtla and cyclictest */
	good("250ns", UNIT_S, 250);
	good("2us", UNIT_S, 2000);
	good("2\xc2\xb5s", UNIT_S, 2000);
	good("1.5ms", UNIT_S, 1500000);
	good("0.5s", UNIT_S, 500000000);
	good("2m", UNIT_S, 120000000000ull);
	good("2min", UNIT_S, 120000000000ull);
	good("2h", UNIT_S, 7200000000000ull);
	good("2H", UNIT_S, 7200000000000ull);
	good("1d", UNIT_S, 86400000000000ull);
	good("1D", UNIT_S, 86400000000000ull);
	good("20US", UNIT_NS, 20000);
	/* a bare number: what cyclictest/rtla mean for the option */
	good("10", UNIT_S, 10000000000ull);   /* --duration, cyclictest -D */
	good("200", UNIT_US, 200000);         /* --interval, --period, --threshold: cyclictest -i */
	good("1000", UNIT_NS, 1000);          /* --deadline: chrt, rtla -P d: */
	good("1.5", UNIT_US, 1500);
	bad("");
	bad(NULL);
	bad("x");
	bad("10x");
	bad("10 s");
	bad("ms");
	bad("-1s");
	bad("+1s");
	bad("nan");
	bad("2y");
	bad("400d"); /* more than a year */

	/* CPU lists on the command line: the kernel's syntax, no blank around
	 * it (sysfs's trailing newline is the reader's business) */
	struct isolator_cpuset set;
	const char *cpus_bad[] = { " 0", "0 ", "\t0", "0\n", "+0", "-0", "0x0", "inf", "nan", "0.0", "" };

	is_int(parse_cpulist("--cpu", "0-1,3", &set), 0, "'0-1,3' is a CPU list");
	ok(isolator_cpuset_count(&set) == 3, "  ... of 3 CPUs");
	for (size_t i = 0; i < sizeof(cpus_bad) / sizeof(cpus_bad[0]); i++)
		ok(parse_cpulist("--cpu", cpus_bad[i], &set) < 0, "CPU list '%s' refused", cpus_bad[i]);
	ok(parse_cpulist("--cpu", NULL, &set) < 0, "CPU list NULL refused");
	return done_testing();
}
