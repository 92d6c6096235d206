// SPDX-License-Identifier: GPL-2.0-or-later
/* CPU lists: the kernel's format, and every malformed form refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isolator.h"
#include "tap.h"

static void good(const char *text, const char *canonical, unsigned count)
{
	struct isolator_cpuset set;
	char buf[256];

	is_int(isolator_cpuset_parse(text, &set), 0, "parse '%s'", text);
	isolator_cpuset_format(&set, buf, sizeof(buf));
	is_str(buf, canonical, "'%s' formats as '%s'", text, canonical);
	is_int(isolator_cpuset_count(&set), count, "'%s' has %u CPUs", text, count);
}

static void bad(const char *text, int err)
{
	struct isolator_cpuset set;

	is_int(isolator_cpuset_parse(text, &set), -err, "refuse '%s'", text ? text : "NULL");
}

int main(void)
{
	struct isolator_cpuset set;
	char small[4];

	good("3", "3", 1);
	good("0-3", "0-3", 4);
	good("0-3,7", "0-3,7", 5);
	good(" 1,2,3 \n", "1-3", 3);
	good("5,1-2", "1-2,5", 3);
	good("4095", "4095", 1);
	good("0-1,1-2", "0-2", 3);
	bad("3-1", EINVAL);
	bad("a", EINVAL);
	bad("", EINVAL);
	bad(NULL, EINVAL);
	bad("1,,2", EINVAL);
	bad("1-", EINVAL);
	bad("-1", EINVAL);
	bad("1 2", EINVAL);
	bad("0x3", EINVAL);
	bad("4096", ERANGE);
	bad("99999999999999999999", ERANGE);

	/* the kernel's N, all and a-b:used/group (lib/bitmap-str.c); N and all
	 * need the possible CPUs, here a fake tree with 8 */
	char root[] = "/tmp/isolator-cpuset-XXXXXX", path[256];
	FILE *f;

	ok(mkdtemp(root) != NULL, "fake tree");
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu", root);
	for (char *q = path + strlen(root) + 1; (q = strchr(q, '/')); q++) {
		*q = '\0';
		mkdir(path, 0755);
		*q = '/';
	}
	mkdir(path, 0755);
	setenv("ISOLATOR_SYSROOT", root, 1);
	bad("N", EINVAL); /* no possible or online file: N means nothing */
	bad("all", EINVAL);
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/possible", root);
	f = fopen(path, "w");
	fputs("0-7\n", f);
	fclose(f);
	good("N", "7", 1);
	good("2-N", "2-7", 6);
	good("all", "0-7", 8);
	good("ALL", "0-7", 8);
	good("all:1/2", "0,2,4,6", 4);
	good("0-7:2/4", "0-1,4-5", 4);
	good("1-N:1/3", "1,4,7", 3);
	good("0-6:3/3", "0-6", 7);
	good("0,N", "0,7", 2);
	good("0-3:4/4", "0-3", 4);
	bad("0-7:5/4", EINVAL);  /* used > group */
	bad("0-7:1/0", EINVAL);  /* empty group */
	bad("0-7:1", EINVAL);
	bad("0-7:/2", EINVAL);
	bad("0:1/2", EINVAL);    /* the kernel wants a range before the pattern */
	bad("N-2", EINVAL);      /* 7-2 */
	bad("3-N,9", ERANGE);
	bad("alll", EINVAL);
	bad("n", EINVAL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/online", root);
	f = fopen(path, "w");
	fputs("0-3\n", f);
	fclose(f);
	good("N", "3", 1);      /* no possible file: the online CPUs */
	unlink(path);
	unsetenv("ISOLATOR_SYSROOT");

	isolator_cpuset_parse("0-9", &set);
	is_int(isolator_cpuset_format(&set, small, sizeof(small)), 3, "format returns full length");
	is_str(small, "0-9", "fits exactly");
	isolator_cpuset_parse("0,2,4,6,8,10", &set);
	is_int(isolator_cpuset_format(&set, small, sizeof(small)), 12, "truncated format reports full length");
	ok(small[3] == '\0', "truncated output is terminated");
	isolator_cpuset_del(&set, 4);
	ok(!isolator_cpuset_has(&set, 4) && isolator_cpuset_has(&set, 6), "del removes one CPU");
	return done_testing();
}
