// SPDX-License-Identifier: GPL-2.0
/*
 * Test 7 (issue 10, scenario 1): sched_setaffinity(pid, {0}) of the
 * running isolated task returns, and the task then runs on CPU 0. The move
 * needs CPU 3's migration stopper: its wake-up must not be filtered.
 */
#include "common.h"

static pid_t victim;

static int move_to_cpu0(void *unused)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(victim, sizeof(set), &set) ? -errno : 0;
}

int main(void)
{
	struct shared *s = shared_new();
	int r, cpu = -1;

	pin(1);
	victim = isolated_spinner(s, "start clock,resched,ipi");
	result(atomic_load(&s->err) == 0, "t7: isolate CPU 3");
	sleep(1);
	r = call_limit(20, "sched_setaffinity(isolated task, {0})", move_to_cpu0, NULL, &victim, 1);
	printf("# sched_setaffinity(%d, {0}) = %d\n", victim, r);
	result(r == 0, "t7: sched_setaffinity of the running isolated task to {0} returns 0");
	for (int i = 0; i < 100 && cpu != 0; i++) {
		usleep(20000);
		cpu = task_cpu(victim);
	}
	printf("# the task now on CPU %d, isolated pid %llu\n", cpu, isolated_pid());
	result(cpu == 0 && spins_advance(s, 5), "t7: the task then runs on CPU 0");
	result(r == 0 && isolated_pid() == 0, "t7: moving the task ended the isolation of CPU 3");
	result(kill_limit(victim, 20), "t7: the task can be killed");
	return failures ? 1 : 0;
}
