// SPDX-License-Identifier: GPL-2.0
/*
 * Test 30 (issue 16, review finding 3): a SCHED_RR isolating task shares
 * its CPU with a SCHED_RR task of its own priority. Stock, the tick ends
 * the current task's time slice (sched_rr_timeslice, 100 ms) and the other
 * runs; the isolated CPU's tick is suppressed, so nothing ended the slice
 * and the peer starved for good. The peer must wait at most the bound: the
 * forced delivery ends the slice (culprit "task:<peer>"), the peer runs,
 * and the isolating task gets the CPU back at the end of the peer's slice.
 *
 * Both windows have the two spinners on CPU 3 (single-threaded TCG): the
 * stock one before start, the isolated one after.
 */
#include "common.h"
#include <sys/prctl.h>

int main(void)
{
	struct shared *s = shared_new();
	atomic_ulong *peer_spins = (void *)(s + 1);
	unsigned long p0, p1, p2, p3, i0, i1, i2, i3;
	unsigned long long f0, f1;
	int lines0, lines;
	pid_t pid, peer;

	pin(0);
	pid = phased_spinner_as(s, SCHED_RR);
	peer = fork();
	if (peer == 0) {
		pin(ISO_CPU);
		if (prctl(PR_SET_NAME, "t30_peer"))
			die("PR_SET_NAME");
		set_policy(SCHED_RR);
		for (;;)
			atomic_fetch_add_explicit(peer_spins, 1, memory_order_relaxed);
	}
	sleep(1);
	p0 = atomic_load(peer_spins);
	i0 = atomic_load(&s->spins);
	sleep(4);
	p1 = atomic_load(peer_spins);
	i1 = atomic_load(&s->spins);
	atomic_store(&s->phase, 1);
	/* the ack needs the isolating task to run: a time slice at worst */
	result(wait_ack_limit(s, 2, 20) && atomic_load(&s->err) == 0,
	       "t30: a SCHED_RR task isolates CPU 3 beside a SCHED_RR peer");
	f0 = iso_stat("forced");
	lines0 = culprit_lines("task:t30_peer");
	p2 = atomic_load(peer_spins);
	i2 = atomic_load(&s->spins);
	sleep(4);
	p3 = atomic_load(peer_spins);
	i3 = atomic_load(&s->spins);
	f1 = iso_stat("forced");
	lines = culprit_lines("task:t30_peer") - lines0;
	kill_limit(peer, 20);
	atomic_store(&s->phase, 2);
	result(wait_ack_limit(s, 3, 20) && atomic_load(&s->err) == 0, "t30: stop");
	atomic_store(&s->phase, 3);
	wait_limit(pid, 20, "the isolating task's exit", NULL, 0);
	dump_culprits();
	printf("# CPU 3, 4 s each:  %12s %12s\n", "stock", "isolated");
	printf("# isolating task    %12lu %12lu\n", i1 - i0, i3 - i2);
	printf("# peer (SCHED_RR)   %12lu %12lu\n", p1 - p0, p3 - p2);
	printf("# isolated: forced %llu, culprit lines task:t30_peer %d\n", f1 - f0, lines);
	result(p3 > p2, "t30: the SCHED_RR peer runs while CPU 3 is isolated");
	result(i3 > i2, "t30: the isolating task runs too");
	result(lines > 0, "t30: the bound ended the time slice (culprit task:t30_peer)");
	return failures ? 1 : 0;
}
