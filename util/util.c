// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("isolator: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_ERROR;
}

int parse_cpulist_online(const char *what, const char *text, struct isolator_cpuset *set)
{
	struct isolator_cpuset online;
	char buf[256];
	int err = isolator_cpuset_parse(text, set);

	if (err) {
		fail("%s '%s': not a CPU list (want e.g. 3 or 0-3,7)", what, text);
		return -1;
	}
	if (isolator_cpus_online(NULL, &online) < 0) {
		fail("%s", isolator_errmsg());
		return -1;
	}
	for (unsigned c = 0; c < ISOLATOR_MAX_CPUS; c++)
		if (isolator_cpuset_has(set, c) && !isolator_cpuset_has(&online, c)) {
			isolator_cpuset_format(&online, buf, sizeof(buf));
			fail("%s: CPU %u is not online (online: %s)", what, c, buf);
			return -1;
		}
	return 0;
}

int parse_cpu_online(const char *what, const char *text, unsigned *cpu)
{
	struct isolator_cpuset online;
	unsigned long v;
	char buf[256];

	if (parse_uint(what, text, 0, ULONG_MAX, &v) < 0)
		return -1;
	if (isolator_cpus_online(NULL, &online) < 0) {
		fail("%s", isolator_errmsg());
		return -1;
	}
	if (v >= ISOLATOR_MAX_CPUS || !isolator_cpuset_has(&online, (unsigned)v)) {
		isolator_cpuset_format(&online, buf, sizeof(buf));
		fail("%s: CPU %lu is not online (online: %s)", what, v, buf);
		return -1;
	}
	*cpu = (unsigned)v;
	return 0;
}

int bad_option(const char *command, char **argv)
{
	return fail("%s: unknown option or missing value in '%s' (see 'isolator %s --help')",
		    command, argv[optind - 1], command);
}

/*
 * The one rule for numbers on the command line, for every option: ASCII
 * decimal digits, and in a duration at most one '.' with digits on both
 * sides. Nothing else: no blank, no sign, no exponent, no "0x", no "inf" or
 * "nan". strtoul and strtod accept all of those, and skip leading blanks
 * before a '-', which is how ' -1' became 18446744073709551615.
 * Return: the length of the number at the start of @text (0: none).
 */
size_t number_span(const char *text, int fraction)
{
	size_t n = 0;

	while (text[n] >= '0' && text[n] <= '9')
		n++;
	if (n && fraction && text[n] == '.' && text[n + 1] >= '0' && text[n + 1] <= '9')
		for (n++; text[n] >= '0' && text[n] <= '9'; n++)
			;
	return n;
}

int parse_uint(const char *what, const char *text, unsigned long min, unsigned long max,
	       unsigned long *out)
{
	unsigned long v;
	size_t n;

	if (!text || !(n = number_span(text, 0)) || text[n])
		goto bad;
	errno = 0;
	v = strtoul(text, NULL, 10); /* digits only: nothing for strtoul to guess */
	if (errno || v < min || v > max) {
		fail("%s '%s': out of range %lu..%lu", what, text, min, max);
		return -1;
	}
	*out = v;
	return 0;
bad:
	fail("%s '%s': not a number (decimal digits only)", what, text ? text : "");
	return -1;
}

int parse_duration(const char *what, const char *text, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e9 },
		      { "m", 60e9 }, { "h", 3600e9 } };
	const char *unit;
	double v;
	size_t n;

	if (!text || !(n = number_span(text, 1)))
		goto bad;
	unit = text + n;
	v = strtod(text, NULL); /* digits and one '.': a plain decimal */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(unit, units[i].suffix)) {
			double t = v * units[i].scale;

			if (t > 7 * 24 * 3600e9) {
				fail("%s '%s': longer than a week", what, text);
				return -1;
			}
			*ns = (uint64_t)t;
			return 0;
		}
bad:
	fail("%s '%s': not a duration (want e.g. 10, 0.5s, 200ms, 2us, 24h)", what,
	     text ? text : "");
	return -1;
}

void sleep_ns(uint64_t ns, volatile int *stop)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		if (stop && *stop)
			return;
}

int last_online_cpu(void)
{
	struct isolator_cpuset online;
	int last = -1;

	if (isolator_cpus_online(NULL, &online) < 0)
		return -1;
	for (unsigned c = 0; c < ISOLATOR_MAX_CPUS; c++)
		if (isolator_cpuset_has(&online, c))
			last = (int)c;
	return last;
}
