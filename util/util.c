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

int parse_uint(const char *what, const char *text, unsigned long min, unsigned long max,
	       unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!text || !*text || *text == '-' || *text == '+' || *text == ' ')
		goto bad;
	v = strtoul(text, &end, 10);
	if (errno || *end)
		goto bad;
	if (v < min || v > max) {
		fail("%s '%s': out of range %lu..%lu", what, text, min, max);
		return -1;
	}
	*out = v;
	return 0;
bad:
	fail("%s '%s': not a number", what, text ? text : "");
	return -1;
}

int parse_duration(const char *what, const char *text, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "", 1e9 },
		      { "m", 60e9 }, { "h", 3600e9 } };
	char *end;
	double v;

	errno = 0;
	if (!text || !*text || *text == '-' || *text == '+')
		goto bad;
	v = strtod(text, &end);
	if (errno || end == text || v != v)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].suffix)) {
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
