// SPDX-License-Identifier: GPL-2.0
/*
 * Test 17: CPU hotplug while CPU 3 is isolated by a task that never ticks:
 * housekeeping CPU 2 offlined and onlined 20 times, then CPU 3 itself,
 * three times, each time isolated again. Every transition completes and
 * the isolated task keeps running.
 */
#include "common.h"

#define ROUNDS 20

int main(void)
{
	require_cpu_hotplug("t17");
	struct shared *s = shared_new();
	int bad = 0, r;
	bool ran = true;
	pid_t pid;

	pin(0);
	pid = isolated_spinner(s, "start clock,resched,ipi");
	result(atomic_load(&s->err) == 0, "t17: isolate CPU 3");
	for (int i = 0; i < ROUNDS && bad < 3; i++) {
		r = set_cpu_online(2, 0, &pid, 1);
		bad += r != 0;
		if (r != -ETIMEDOUT)
			r = set_cpu_online(2, 1, &pid, 1);
		else
			set_cpu_online(2, 1, NULL, 0);
		bad += r != 0;
		ran &= spins_advance(s, 5);
		if (r)
			printf("# round %d: %d\n", i, r);
	}
	printf("# CPU 2 offline/online %d times while CPU 3 isolated: %d failed; isolated pid %llu\n",
	       ROUNDS, bad, isolated_pid());
	result(bad == 0, "t17: 20 offline/online cycles of CPU 2 complete while CPU 3 is isolated");
	result(ran, "t17: the isolated task runs throughout");
	kill_limit(pid, 20);

	bad = 0;
	for (int i = 0; i < 3; i++) {
		pid = isolated_spinner(s, "start clock,resched,ipi");
		bad += atomic_load(&s->err) != 0;
		r = set_cpu_online(ISO_CPU, 0, &pid, 1);
		bad += r != 0;
		kill_limit(pid, 20);
		r = set_cpu_online(ISO_CPU, 1, NULL, 0);
		bad += r != 0;
		if (bad) {
			printf("# CPU 3 round %d: %d failures\n", i, bad);
			break;
		}
	}
	result(bad == 0, "t17: CPU 3 offlined while isolated and onlined, 3 times");
	result(isolated_pid() == 0, "t17: CPU 3 free at the end");
	return failures ? 1 : 0;
}
