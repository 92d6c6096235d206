// SPDX-License-Identifier: GPL-2.0
/*
 * Test 31 (issue 16, review finding 6): isolation survives an exec() (a
 * launcher isolates CPU 3 and execs the program that runs there, lib_t18),
 * but not one whose new credentials lack CAP_SYS_ADMIN, which start
 * required: the new program could not have isolated the CPU itself. The
 * isolated task drops CAP_SYS_ADMIN from its bounding set (root keeps it
 * until the exec, which gives root the bounding set) and execs this
 * program again, which reports whether it still isolates CPU 3.
 */
#include "common.h"
#include <linux/capability.h>
#include <sys/prctl.h>

/* The exec()ed program: exit 0 if it isolates CPU 3, 1 if not. */
static int execed(void)
{
	struct stats st;
	bool isolated = !read_stats(ISO_CPU, &st) &&
			stat_get(&st, "isolated") == (unsigned long long)getpid();

	if (isolated)
		control("stop");	/* still privileged, or the test failed */
	return isolated ? 0 : 1;
}

/* Fork a task that isolates CPU 3, maybe drops CAP_SYS_ADMIN, and execs. */
static int isolate_and_exec(bool drop)
{
	char *args[] = { "t31_exec_caps", NULL };
	pid_t pid = fork();

	if (pid == 0) {
		pin(ISO_CPU);
		fifo(50);
		if (control("start clock,resched,ipi"))
			_exit(2);
		if (drop && prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
			_exit(3);
		setenv(KSFT_EXECED_ENV, "1", 1);
		execv("/proc/self/exe", args);
		_exit(4);
	}
	return wait_limit(pid, 30, drop ? "the exec without CAP_SYS_ADMIN" : "the exec", NULL, 0);
}

int main(void)
{
	int kept, dropped;

	if (getenv(KSFT_EXECED_ENV))
		return execed();
	pin(0);
	kept = isolate_and_exec(false);
	printf("# exec with CAP_SYS_ADMIN: %s (exit %d)\n",
	       kept == 0 ? "still isolated" : "not isolated", kept);
	result(kept == 0, "t31: isolation survives an exec that keeps CAP_SYS_ADMIN");
	dropped = isolate_and_exec(true);
	printf("# exec without CAP_SYS_ADMIN: %s (exit %d)\n",
	       dropped == 0 ? "still isolated" : "not isolated", dropped);
	result(dropped == 1, "t31: an exec whose credentials lack CAP_SYS_ADMIN ends isolation");
	result(isolated_pid() == 0, "t31: CPU 3 is not isolated afterwards");
	return failures ? 1 : 0;
}
