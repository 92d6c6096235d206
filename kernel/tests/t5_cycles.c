// SPDX-License-Identifier: GPL-2.0
/*
 * Test 5: 1,000 start/stop cycles (with a tick in each) under the cross-CPU
 * load; every call succeeds and nothing is left isolated or undrained.
 *
 * rcu_qs counts the quiescent states RCU accepted from CPU 3's ticks, never
 * calls: at most one per tick under the load, and, with the load stopped
 * (few grace periods, each waiting for CPU 3 only until a scan sees it back
 * in user space), fewer than the ticks of an isolated task ticking every
 * 10 ms. A counter of calls fails the second check.
 */
#include "common.h"

#define CYCLES 1000
#define QUIET_TICKS 200

/* Spin @ns without entering the kernel (vDSO clock). */
static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

int main(void)
{
	struct shared *s = shared_new();
	struct stats s0, s1, q0, q1;
	unsigned long long qs, qs_quiet;
	int quiet_rc;
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
			spin_delay(20000);
			bad += control(i & 1 ? "tick sched,rt,tsc_sync" : "tick") != 0;
			bad += control("stop") != 0;
		}
		atomic_store(&s->err, bad);
		atomic_store(&s->ack, 1);
		_exit(0);
	}
	if (wait_limit(pid, 600, "1000 start/tick/stop cycles", NULL, 0) == -ETIMEDOUT)
		atomic_store(&s->err, -1);
	load_stop(&load);
	read_stats(ISO_CPU, &s1);
	print_stats_delta("1000 cycles", &s0, &s1);

	/* No load: one isolated task ticking every 10 ms. */
	read_stats(ISO_CPU, &q0);
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		pin(ISO_CPU);
		fifo(50);
		bad += control("start clock,resched,ipi") != 0;
		for (int i = 0; i < QUIET_TICKS; i++) {
			spin_ns(10000000);
			bad += control("tick") != 0;
		}
		bad += control("stop") != 0;
		_exit(bad ? 1 : 0);
	}
	quiet_rc = wait_limit(pid, 120, "200 ticks without load", NULL, 0);
	read_stats(ISO_CPU, &q1);
	print_stats_delta("200 ticks, 10 ms apart, no load", &q0, &q1);
	printf("# failed control writes: %d\n", atomic_load(&s->err));
	result(atomic_load(&s->ack) == 1 && atomic_load(&s->err) == 0,
	       "t5: 1000 start/tick/stop cycles under load all succeed");
	result(stat_get(&s1, "isolated") == 0, "t5: CPU 3 not isolated afterwards");
	result(stat_get(&s1, "work_drained") == stat_get(&s1, "work_deferred"),
	       "t5: drained == deferred");
	qs = stat_get(&s1, "rcu_qs") - stat_get(&s0, "rcu_qs");
	qs_quiet = stat_get(&q1, "rcu_qs") - stat_get(&q0, "rcu_qs");
	printf("# rcu_qs accepted: %llu of %d ticks under load, %llu of %d without\n", qs, CYCLES,
	       qs_quiet, QUIET_TICKS);
	result(stat_get(&s1, "rcu_qs") != ~0ULL && qs <= CYCLES,
	       "t5: at most one RCU quiescent state accepted per tick");
	result(quiet_rc == 0, "t5: 200 ticks 10 ms apart without load all succeed");
	result(quiet_rc == 0 && qs_quiet < QUIET_TICKS,
	       "t5: rcu_qs counts quiescent states RCU needed, not ticks (fewer without load)");
	return failures ? 1 : 0;
}
