// SPDX-License-Identifier: GPL-2.0
/*
 * Test 5: 1,000 start/stop cycles (with a tick in each) under the cross-CPU
 * load; every call succeeds and nothing is left isolated or undrained.
 */
#include "common.h"

#define CYCLES 1000

int main(void)
{
	struct shared *s = shared_new();
	struct stats s0, s1;
	struct load load;
	pid_t pid;

	pin(0);
	load_start(&load);
	read_stats(ISO_CPU, &s0);
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		pin(ISO_CPU);
		fifo(50);
		for (int i = 0; i < CYCLES; i++) {
			bad += control("start clock,resched,ipi") != 0;
			for (volatile int k = 0; k < 20000; k++)
				;
			bad += control(i & 1 ? "tick sched,rt,tsc_sync" : "tick") != 0;
			bad += control("stop") != 0;
		}
		atomic_store(&s->err, bad);
		atomic_store(&s->ack, 1);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	load_stop(&load);
	read_stats(ISO_CPU, &s1);
	print_stats_delta("1000 cycles", &s0, &s1);
	printf("# failed control writes: %d\n", atomic_load(&s->err));
	result(atomic_load(&s->ack) == 1 && atomic_load(&s->err) == 0,
	       "t5: 1000 start/tick/stop cycles under load all succeed");
	result(stat_get(&s1, "isolated") == 0, "t5: CPU 3 not isolated afterwards");
	result(stat_get(&s1, "work_drained") == stat_get(&s1, "work_deferred"),
	       "t5: drained == deferred");
	result(stat_get(&s1, "rcu_qs") - stat_get(&s0, "rcu_qs") == CYCLES,
	       "t5: one RCU quiescent state reported per tick");
	return failures ? 1 : 0;
}
