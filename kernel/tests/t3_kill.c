// SPDX-License-Identifier: GPL-2.0
/*
 * Test 3: the control interface's errors, and isolation ending by itself:
 * a task killed while isolated, or one whose affinity is changed, leaves
 * CPU 3 restored and free for the next task.
 */
#include "common.h"

/* Run @cmd in a child pinned to @cpu (-1: not pinned) as @uid; its errno. */
static int try_in_child(int cpu, int uid, int prio, const char *cmd)
{
	int *ret = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid = fork();
	int r;

	if (pid == 0) {
		/* FIFO first: a fair task may never run on an isolated CPU. */
		if (prio)
			fifo(prio);
		if (cpu >= 0) {
			pin(cpu);
		} else {
			cpu_set_t set;

			CPU_ZERO(&set);
			for (int c = 0; c < 4; c++)
				CPU_SET(c, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		if (uid >= 0 && setuid(uid))
			_exit(1);
		*ret = control(cmd);
		if (*ret == 0)
			control("stop");
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	r = *ret;
	munmap(ret, 4096);
	return r;
}

static bool cpu_free(void)
{
	struct stats st;

	return read_stats(ISO_CPU, &st) == 0 && stat_get(&st, "isolated") == 0 &&
	       try_in_child(ISO_CPU, -1, 0, "start clock,resched,ipi") == 0;
}

int main(void)
{
	struct shared *s = shared_new();
	struct stats st;
	cpu_set_t all;
	int r;
	pid_t pid;

	pin(0);
	r = try_in_child(-1, -1, 0, "start clock");
	printf("# not pinned: %d\n", r);
	result(r == -EINVAL, "t3: start from a task not pinned -> EINVAL");
	r = try_in_child(0, -1, 0, "start clock");
	printf("# pinned to CPU 0 (not nohz_full): %d\n", r);
	result(r == -EINVAL, "t3: start on a CPU outside nohz_full -> EINVAL");
	r = try_in_child(ISO_CPU, -1, 0, "start");
	result(r == -EINVAL, "t3: 'start' with an empty mask -> EINVAL");
	r = try_in_child(ISO_CPU, -1, 0, "start clock,bogus");
	result(r == -EINVAL, "t3: unknown start flag -> EINVAL");
	r = try_in_child(ISO_CPU, -1, 0, "tick");
	result(r == -EINVAL, "t3: tick without isolation -> EINVAL");
	r = try_in_child(ISO_CPU, 65534, 0, "start clock");
	printf("# uid 65534: %d\n", r);
	result(r == -EPERM, "t3: unprivileged start -> EPERM");
	r = try_in_child(ISO_CPU, -1, 0, "start clock,resched,ipi\n");
	result(r == 0, "t3: start with a trailing newline works");

	/* EBUSY: the holder lets resched through so the contender can run. */
	pid = isolated_spinner(s, "start clock,ipi");
	result(atomic_load(&s->err) == 0, "t3: isolate CPU 3 (clock,ipi)");
	r = try_in_child(ISO_CPU, -1, 60, "start clock");
	printf("# second task on isolated CPU 3: %d\n", r);
	result(r == -EBUSY, "t3: start on a CPU isolated by another task -> EBUSY");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	/* Killed while fully isolated. */
	pid = isolated_spinner(s, "start clock,resched,ipi");
	read_stats(ISO_CPU, &st);
	printf("# isolated by pid %d: stats say %llu\n", pid, stat_get(&st, "isolated"));
	result(stat_get(&st, "isolated") == (unsigned long long)pid,
	       "t3: stats show the isolating pid");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	result(cpu_free(), "t3: killed isolated task leaves CPU 3 restored and free");

	/* Affinity changed by someone else. */
	pid = isolated_spinner(s, "start clock,resched,ipi");
	CPU_ZERO(&all);
	for (int c = 0; c < 4; c++)
		CPU_SET(c, &all);
	r = sched_setaffinity(pid, sizeof(all), &all);
	read_stats(ISO_CPU, &st);
	printf("# after widening its affinity: setaffinity=%d isolated=%llu\n", r,
	       stat_get(&st, "isolated"));
	result(r == 0 && stat_get(&st, "isolated") == 0,
	       "t3: changing the affinity ends isolation");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	result(cpu_free(), "t3: CPU 3 free after the affinity change");

	read_stats(ISO_CPU, &st);
	printf("# cumulative cpu %d: work_deferred=%llu work_drained=%llu\n", ISO_CPU,
	       stat_get(&st, "work_deferred"), stat_get(&st, "work_drained"));
	result(stat_get(&st, "work_deferred") == stat_get(&st, "work_drained"),
	       "t3: nothing deferred is left behind");
	return failures ? 1 : 0;
}
