// SPDX-License-Identifier: GPL-2.0-or-later
/* CPU lists: the kernel's format, and every malformed form refused. */
#include <errno.h>

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
