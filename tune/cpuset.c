// SPDX-License-Identifier: LGPL-2.1-or-later
/* CPU lists in the kernel's format: "0-3,7". */
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

/* A CPU number: decimal digits only (no sign, no spaces, no "0x"). */
static int parse_cpu(const char **p, unsigned *out)
{
	unsigned long v = 0;
	const char *s = *p;

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

ISOLATOR_API int isolator_cpuset_parse(const char *text, struct isolator_cpuset *set)
{
	const char *p = text;
	unsigned lo, hi;
	int err;

	memset(set, 0, sizeof(*set));
	if (!text)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return -EINVAL;
	for (;;) {
		err = parse_cpu(&p, &lo);
		if (err)
			return err;
		hi = lo;
		if (*p == '-') {
			p++;
			err = parse_cpu(&p, &hi);
			if (err)
				return err;
			if (hi < lo)  /* "3-1" */
				return -EINVAL;
		}
		for (unsigned c = lo; c <= hi; c++)
			isolator_cpuset_add(set, c);
		if (*p != ',')
			break;
		p++;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p ? -EINVAL : 0;
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
		/* isolcpus=domain,managed_irq,2-3: skip the flags before the list */
		while (*v && (*v < '0' || *v > '9')) {
			v = strchr(v, ',');
			if (!v)
				return 0;
			v++;
		}
		return isolator_cpuset_parse(v, &set) == 0 && isolator_cpuset_has(&set, cpu);
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
	return isolator_cpuset_parse(buf, &set) == 0 && isolator_cpuset_has(&set, cpu);
}
