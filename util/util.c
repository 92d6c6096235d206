// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

int fail(const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = NULL; /* undefined after a failure */
	fputs("isolator: ", stderr);
	/* one line, whatever the message quotes: a user's '1<newline>' or
	 * '<tab>1' is shown escaped, as the shell's $'...' would */
	for (int i = 0; i < n; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c == '\n' || c == '\t')
			fprintf(stderr, "\\%c", c == '\n' ? 'n' : 't');
		else if (c < ' ' || c == 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	if (n < 0)
		fputs("(out of memory)", stderr);
	free(msg);
	fputc('\n', stderr);
	return EXIT_ERROR;
}

/* The kernel's CPU-list syntax, as the man page's CPU LISTS says. */
#define CPULIST_EXAMPLES "e.g. 3, 0-3,7, 2-N, all or 0-7:2/4"

int parse_cpulist(const char *what, const char *text, struct isolator_cpuset *set)
{
	int err;

	/* the kernel's parser skips blanks around a list (sysfs ends in a
	 * newline); on the command line they follow number_span()'s rule */
	if (text && text[strcspn(text, " \t\n\v\f\r")]) {
		fail("%s '%s': not a CPU list (a blank in it; want " CPULIST_EXAMPLES ")", what, text);
		return -1;
	}
	err = isolator_cpuset_parse(text, set);
	if (err == -ERANGE) {
		fail("%s '%s': a CPU past the last one this machine can have", what, text);
		return -1;
	}
	if (err) {
		fail("%s '%s': not a CPU list (want " CPULIST_EXAMPLES ")", what, text ? text : "");
		return -1;
	}
	return 0;
}

int parse_cpulist_online(const char *what, const char *text, struct isolator_cpuset *set)
{
	struct isolator_cpuset online;
	char buf[256];

	if (parse_cpulist(what, text, set) < 0)
		return -1;
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
	struct isolator_cpuset set;

	/* the same syntax as a list ("N" is the last CPU), naming one CPU */
	if (parse_cpulist_online(what, text, &set) < 0)
		return -1;
	if (isolator_cpuset_count(&set) != 1) {
		fail("%s '%s': want one CPU, not %u", what, text, isolator_cpuset_count(&set));
		return -1;
	}
	for (unsigned c = 0; c < ISOLATOR_MAX_CPUS; c++)
		if (isolator_cpuset_has(&set, c))
			*cpu = c;
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

int parse_time(const char *what, const char *text, uint64_t bare_ns, uint64_t *ns)
{
	/* the units of oslat, rtla and cyclictest; case does not matter
	 * (oslat takes 2H), "us" may be written "µs" */
	static const struct {
		const char *suffix;
		double scale;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
		      { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 }, { "d", 86400e9 } };
	const char *bare = bare_ns == UNIT_NS ? "ns" : bare_ns == UNIT_US ? "us" :
			   bare_ns == UNIT_MS ? "ms" : "s";
	const char *unit;
	double v;
	size_t n;

	if (!text || !(n = number_span(text, 1)))
		goto bad;
	unit = text + n;
	v = strtod(text, NULL); /* digits and one '.': a plain decimal */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) + 1; i++) {
		double scale = i < sizeof(units) / sizeof(units[0]) ? units[i].scale : (double)bare_ns;
		const char *suffix = i < sizeof(units) / sizeof(units[0]) ? units[i].suffix : "";
		double t = v * scale;

		if (strcasecmp(unit, suffix))
			continue;
		if (t > TIME_MAX_NS) {
			fail("%s '%s': longer than a year", what, text);
			return -1;
		}
		*ns = (uint64_t)(t + 0.5);
		return 0;
	}
bad:
	fail("%s '%s': not a time (want a number and a unit: ns, us, ms, s, m, h, d; "
	     "a bare number is %s)", what, text ? text : "", bare);
	return -1;
}

int parse_duration(const char *what, const char *text, uint64_t *ns)
{
	return parse_time(what, text, UNIT_S, ns);
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
