// SPDX-License-Identifier: GPL-2.0
/*
 * Test 8 (issue 10, scenario 2): stop_machine() completes while CPU 3 is
 * isolated by a task that never ticks: offlining and onlining housekeeping
 * CPU 1 (takedown_cpu() stops every CPU), and a clocksource change where
 * the guest has a second high-resolution clocksource.
 */
#include "common.h"

#define CS "/sys/devices/system/clocksource/clocksource0/"

static char cs_target[64];

static int set_clocksource(void *unused)
{
	return write_str(CS "current_clocksource", cs_target);
}

int main(void)
{
	require_cpu_hotplug("t8");
	struct shared *s = shared_new();
	char cur[64] = "", avail[256] = "", *tok;
	FILE *f;
	pid_t pid;
	int r;

	pin(0);
	pid = isolated_spinner(s, "start clock,resched,ipi");
	result(atomic_load(&s->err) == 0, "t8: isolate CPU 3");
	sleep(1);
	r = set_cpu_online(1, 0, &pid, 1);
	printf("# offline CPU 1: %d\n", r);
	result(r == 0, "t8: offlining CPU 1 (stop_machine) completes while CPU 3 is isolated");
	r = set_cpu_online(1, 1, &pid, 1);
	printf("# online CPU 1: %d\n", r);
	result(r == 0, "t8: onlining CPU 1 completes while CPU 3 is isolated");

	f = fopen(CS "current_clocksource", "r");
	if (f) {
		if (!fgets(cur, sizeof(cur), f))
			cur[0] = '\0';
		fclose(f);
	}
	f = fopen(CS "available_clocksource", "r");
	if (f) {
		if (!fgets(avail, sizeof(avail), f))
			avail[0] = '\0';
		fclose(f);
	}
	cur[strcspn(cur, "\n")] = '\0';
	printf("# clocksources: current %s, available %s", cur, avail);
	for (tok = strtok(avail, "\n "); tok; tok = strtok(NULL, "\n "))
		if (strcmp(tok, cur) && !strstr(tok, "jiffies"))
			break;
	if (tok) {
		snprintf(cs_target, sizeof(cs_target), "%s", tok);
		r = call_limit(20, "clocksource change", set_clocksource, NULL, &pid, 1);
		printf("# clocksource -> %s: %d\n", cs_target, r);
		snprintf(cs_target, sizeof(cs_target), "%s", cur);
		if (r == 0)
			r = call_limit(20, "clocksource change back", set_clocksource, NULL,
				       &pid, 1);
		result(r == 0, "t8: a clocksource change (stop_machine) completes while CPU 3 is isolated");
	} else {
		printf("# no second high-resolution clocksource: only hotplug exercises stop_machine\n");
	}
	result(spins_advance(s, 5), "t8: the isolated task runs afterwards");
	printf("# isolated pid after: %llu (task %d)\n", isolated_pid(), pid);
	result(kill_limit(pid, 20), "t8: the isolated task can be killed");
	return failures ? 1 : 0;
}
