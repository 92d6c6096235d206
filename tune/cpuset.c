// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CPU lists in the kernel's format (lib/bitmap-str.c, bitmap_parselist()),
 * the one parser behind every CPU list isolator reads, from the command
 * line, from sysfs or from /proc/cmdline:
 *
 *   3   0-3,7   N (the last CPU)   2-N   all   0-7:2/4 (of each 4 from 0, the first 2)
 *
 * N and all stand for the CPUs the kernel could have (nr_cpu_ids, from
 * /sys/devices/system/cpu/possible), as they do on the kernel command line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tune.h"

ISOLATOR_API int isolator_cpuset_has(const struct isolator_cpuset *set, unsigned cpu)
{
	return cpu < ISOLATOR_MAX_CPUS && (set->bits[cpu / 64] >> (cpu % 64)) & 1;
}

ISOLATOR_API void isolator_cpuset_add(struct isolator_cpuset *set, unsigned cpu)
{
	if (cpu < ISOLATOR_MAX_CPUS)
		set->bits[cpu / 64] |= 1ull << (cpu % 64);
}

ISOLATOR_API void isolator_cpuset_del(struct isolator_cpuset *set, unsigned cpu)
{
	if (cpu < ISOLATOR_MAX_CPUS)
		set->bits[cpu / 64] &= ~(1ull << (cpu % 64));
}

ISOLATOR_API unsigned isolator_cpuset_count(const struct isolator_cpuset *set)
{
	unsigned n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(set->bits); i++)
		n += __builtin_popcountll(set->bits[i]);
	return n;
}

/* The number of CPUs N and all refer to: the last possible CPU + 1 (the
 * online ones when the possible file is missing); 0 if neither is readable. */
static unsigned cpus_nbits(const char *sysroot)
{
	static const char *const files[] = { "possible", "online" };
	char path[512], text[4096];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct isolator_cpuset set;
		unsigned last = 0;
		int any = 0;

		if (sysroot_path(path, sizeof(path), sysroot, "/sys/devices/system/cpu/%s", files[i]) ||
		    read_text(path, text, sizeof(text)) <= 0 ||
		    cpulist_parse_nbits(text, 0, &set))
			continue;
		for (unsigned c = 0; c < ISOLATOR_MAX_CPUS; c++)
			if (isolator_cpuset_has(&set, c)) {
				last = c;
				any = 1;
			}
		if (any)
			return last + 1;
	}
	return 0;
}

/* A CPU number: decimal digits (no sign, no spaces, no "0x"), or N for the
 * last CPU of @nbits (refused when @nbits is 0: unknown). */
static int parse_cpu(const char **p, unsigned nbits, unsigned *out)
{
	unsigned long v = 0;
	const char *s = *p;

	if (*s == 'N') {
		if (!nbits)
			return -EINVAL;
		*p = s + 1;
		*out = nbits - 1;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v >= ISOLATOR_MAX_CPUS)
			return -ERANGE;
		s++;
	}
	*p = s;
	*out = (unsigned)v;
	return 0;
}

static int end_of_region(char c)
{
	return c == '\0' || c == ',' || isspace((unsigned char)c);
}

/* One region: a, a-b, a-b:used/group, all, all:used/group. */
static int parse_region(const char **pp, unsigned nbits, struct isolator_cpuset *set)
{
	const char *p = *pp;
	unsigned lo, hi, used, group;
	int err;

	if (!strncasecmp(p, "all", 3)) {
		if (!nbits)
			return -EINVAL;
		lo = 0;
		hi = nbits - 1;
		p += 3;
	} else {
		err = parse_cpu(&p, nbits, &lo);
		if (err)
			return err;
		hi = lo;
		if (*p == '-') {
			p++;
			err = parse_cpu(&p, nbits, &hi);
			if (err)
				return err;
		} else if (!end_of_region(*p)) {
			return -EINVAL;
		}
	}
	used = group = hi - lo + 1;
	if (*p == ':') {
		p++;
		err = parse_cpu(&p, 0, &used);
		if (err || *p != '/')
			return -EINVAL;
		p++;
		err = parse_cpu(&p, 0, &group);
		if (err)
			return err;
	}
	/* the kernel's bitmap_check_region(): "3-1", "0-7:5/4" and "x/0" are wrong */
	if (hi < lo || group == 0 || used > group || !end_of_region(*p))
		return -EINVAL;
	if (nbits && hi >= nbits)
		return -ERANGE;
	for (unsigned start = lo; start <= hi; start += group)
		for (unsigned c = start; c < start + used && c <= hi; c++)
			isolator_cpuset_add(set, c);
	*pp = p;
	return 0;
}

int cpulist_parse_nbits(const char *text, unsigned nbits, struct isolator_cpuset *set)
{
	const char *p = text;
	int err;

	memset(set, 0, sizeof(*set));
	if (!text)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return -EINVAL; /* the kernel takes "" as no CPU; a user who typed it meant some */
	for (;;) {
		err = parse_region(&p, nbits, set);
		if (err)
			return err;
		if (*p != ',')
			break;
		p++;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -EINVAL : 0;
}

int cpulist_parse(const char *sysroot, const char *text, struct isolator_cpuset *set)
{
	/* N and all need the number of CPUs: read it only when they are there */
	unsigned nbits = text && (strchr(text, 'N') || strcasestr(text, "all")) ? cpus_nbits(sysroot) : 0;

	return cpulist_parse_nbits(text, nbits, set);
}

ISOLATOR_API int isolator_cpuset_parse(const char *text, struct isolator_cpuset *set)
{
	return cpulist_parse(NULL, text, set);
}

ISOLATOR_API int isolator_cpuset_format(const struct isolator_cpuset *set, char *buf, size_t len)
{
	size_t n = 0;
	int m;

	if (len)
		buf[0] = '\0';
	for (unsigned c = 0; c < ISOLATOR_MAX_CPUS; c++) {
		unsigned end = c;

		if (!isolator_cpuset_has(set, c))
			continue;
		while (end + 1 < ISOLATOR_MAX_CPUS && isolator_cpuset_has(set, end + 1))
			end++;
		if (end == c)
			m = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, "%s%u",
				     n ? "," : "", c);
		else
			m = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, "%s%u-%u",
				     n ? "," : "", c, end);
		n += (size_t)m;
		c = end;
	}
	return (int)n;
}

ISOLATOR_API int isolator_cpus_online(const char *sysroot, struct isolator_cpuset *set)
{
	char path[512], text[4096];
	ssize_t n;
	int err;

	err = sysroot_path(path, sizeof(path), sysroot, "/sys/devices/system/cpu/online");
	if (err)
		return err;
	n = read_text(path, text, sizeof(text));
	if (n < 0)
		return set_error((int)-n, "cannot read %s: %s", path, strerror((int)-n));
	err = isolator_cpuset_parse(text, set);
	if (err)
		return set_error(EPROTO, "%s: malformed CPU list '%s'", path, text);
	return 0;
}

int cmdline_lists_cpu(const char *sysroot, const char *param, unsigned cpu)
{
	char path[512], buf[4096], key[64], *p;
	struct isolator_cpuset set;

	if (sysroot_path(path, sizeof(path), sysroot, "/proc/cmdline") ||
	    read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, " -- "); /* the rest is init's */
	if (p)
		*p = '\0';
	snprintf(key, sizeof(key), "%s=", param);
	for (p = strstr(buf, key); p; p = strstr(p + 1, key)) {
		char *v = p + strlen(key), *end;

		if (p != buf && p[-1] != ' ')
			continue;
		end = strchr(v, ' ');
		if (end)
			*end = '\0';
		/* isolcpus=domain,managed_irq,2-3: skip the flags before the list
		 * (a letter may also start the list itself: N, all) */
		for (int again = 1; again;) {
			static const char *const flags[] = { "nohz,", "domain,", "managed_irq," };

			again = 0;
			for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
				if (!strncmp(v, flags[i], strlen(flags[i]))) {
					v += strlen(flags[i]);
					again = 1;
				}
		}
		return cpulist_parse(sysroot, v, &set) == 0 && isolator_cpuset_has(&set, cpu);
	}
	return 0;
}

int sysfs_lists_cpu(const char *sysroot, const char *file, unsigned cpu)
{
	char path[512], buf[4096];
	struct isolator_cpuset set;

	if (sysroot_path(path, sizeof(path), sysroot, "/sys/devices/system/cpu/%s", file) ||
	    read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	return cpulist_parse(sysroot, buf, &set) == 0 && isolator_cpuset_has(&set, cpu);
}
