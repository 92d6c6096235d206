// SPDX-License-Identifier: GPL-2.0
/*
 * Test 9 (issue 10, scenario 3): offlining CPU 3 itself while a task
 * isolates it completes (cpuhp/3 and the stopper must run there); the
 * isolation ends, the task keeps running elsewhere, and once CPU 3 is
 * back a new task can isolate it.
 */
#include "common.h"

int main(void)
{
	require_cpu_hotplug("t9");
	struct shared *s = shared_new();
	pid_t pid;
	int r;

	pin(0);
	pid = isolated_spinner(s, "start clock,resched,ipi");
	result(atomic_load(&s->err) == 0, "t9: isolate CPU 3");
	sleep(1);
	r = set_cpu_online(ISO_CPU, 0, &pid, 1);
	printf("# offline CPU 3 while isolated: %d; the task now on CPU %d, isolated pid %llu\n",
	       r, task_cpu(pid), isolated_pid());
	result(r == 0, "t9: offlining the isolated CPU 3 completes");
	result(r == 0 && isolated_pid() == 0, "t9: offlining CPU 3 ended its isolation");
	result(r == 0 && spins_advance(s, 5), "t9: the task keeps running on another CPU");
	result(kill_limit(pid, 20), "t9: the task can be killed");
	r = set_cpu_online(ISO_CPU, 1, NULL, 0);
	printf("# online CPU 3: %d\n", r);
	result(r == 0, "t9: CPU 3 comes back online");
	pid = isolated_spinner(s, "start clock,resched,ipi");
	result(atomic_load(&s->err) == 0 && isolated_pid() == (unsigned long long)pid,
	       "t9: a new task isolates CPU 3 after it is back");
	result(kill_limit(pid, 20), "t9: and can be killed");
	return failures ? 1 : 0;
}
