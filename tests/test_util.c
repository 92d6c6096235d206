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
	return done_testing();
}
