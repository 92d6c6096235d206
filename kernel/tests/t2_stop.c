// SPDX-License-Identifier: GPL-2.0
/*
 * Test 2: after "stop" the tick and IPIs come back, and everything that was
 * deferred while isolated has been drained (drained == deferred).
 */
#include "common.h"

static void spinner(struct shared *s)
{
	pin(ISO_CPU);
	fifo(50);
	mlockall(MCL_CURRENT | MCL_FUTURE);
	atomic_store(&s->err, control("start clock,resched,ipi"));
	atomic_store(&s->ack, 1);
	while (atomic_load(&s->phase) < 2)
		;
	if (!atomic_load(&s->err))
		atomic_store(&s->err, control("stop"));
	atomic_store(&s->ack, 2);
	while (atomic_load(&s->phase) < 3)
		;
	_exit(0);
}

int main(void)
{
	struct shared *s = shared_new();
	struct kinds a, b, after;
	struct stats s0, s1, s2;
	struct load load;
	pid_t pid;

	pin(0);
	load_start(&load);
	read_stats(ISO_CPU, &s0);
	pid = fork();
	if (pid == 0)
		spinner(s);
	wait_ack(s, 1);
	sleep(3);
	atomic_store(&s->phase, 2);
	wait_ack(s, 2);
	read_stats(ISO_CPU, &s1);
	snapshot(&a);
	sleep(3);
	snapshot(&b);
	atomic_store(&s->phase, 3);
	waitpid(pid, NULL, 0);
	load_stop(&load);
	read_stats(ISO_CPU, &s2);
	delta(&a, &b, &after);

	result(atomic_load(&s->err) == 0, "t2: start and stop succeed");
	print_stats_delta("isolated 3 s, then stop", &s0, &s1);
	printf("# after stop, 3 s stock: %s=%llu %s=%llu %s=%llu %s=%llu %s=%llu total=%llu\n",
	       KIND_TICK, kinds_get(&after, KIND_TICK),
	       KIND_RESCHED, kinds_get(&after, KIND_RESCHED),
	       KIND_CALL, kinds_get(&after, KIND_CALL), KIND_TLB, kinds_get(&after, KIND_TLB),
	       KIND_IRQ_WORK, kinds_get(&after, KIND_IRQ_WORK), kinds_sum(&after));
	printf("# cumulative cpu %d: work_deferred=%llu work_drained=%llu work_delivered=%llu isolated=%llu\n",
	       ISO_CPU, stat_get(&s2, "work_deferred"), stat_get(&s2, "work_drained"),
	       stat_get(&s2, "work_delivered"), stat_get(&s2, "isolated"));
	result(stat_get(&s1, "work_deferred") > stat_get(&s0, "work_deferred"),
	       "t2: work was deferred while isolated");
	result(stat_get(&s2, "work_drained") == stat_get(&s2, "work_deferred"),
	       "t2: after stop, drained == deferred");
	result(kinds_get(&after, KIND_TICK) > 0,
	       "t2: the local timer (tick) fires on CPU 3 again after stop");
	result(kinds_get(&after, KIND_RESCHED) + kinds_get(&after, KIND_CALL) > 0,
	       "t2: IPIs reach CPU 3 again after stop");
	result(stat_get(&s2, "isolated") == 0, "t2: CPU 3 no longer isolated");
	return failures ? 1 : 0;
}
