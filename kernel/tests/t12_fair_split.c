// SPDX-License-Identifier: GPL-2.0
/*
 * Test 12 (issue 10, scenario 6): while the isolating task sleeps, CPU 3
 * is an ordinary nohz_full CPU: two CPU-bound fair tasks there share it
 * (the tick that does it runs again). Fair within a generous factor of 4.
 */
#include "common.h"

int main(void)
{
	struct shared *s = shared_new();
	atomic_ulong *cnt = (void *)(s + 1);
	int pipefd[2];
	unsigned long a0, a1, b0, b1, lo, hi;
	struct kinds k0, k1, d;
	pid_t pid, fa, fb;
	bool stopped;

	pin(0);
	if (pipe(pipefd))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		char c;

		pin(ISO_CPU);
		fifo(50);
		atomic_store(&s->err, control("start clock,resched,ipi"));
		atomic_store(&s->ack, 1);
		if (read(pipefd[0], &c, 1) != 1)	/* blocked, still isolating */
			_exit(1);
		atomic_store(&s->err, control("stop"));
		atomic_store(&s->ack, 2);
		_exit(0);
	}
	wait_ack(s, 1);
	result(atomic_load(&s->err) == 0, "t12: isolate CPU 3, then block");
	fa = fork();
	if (fa == 0) {
		pin(ISO_CPU);
		for (;;)
			atomic_fetch_add_explicit(&cnt[0], 1, memory_order_relaxed);
	}
	fb = fork();
	if (fb == 0) {
		pin(ISO_CPU);
		for (;;)
			atomic_fetch_add_explicit(&cnt[8], 1, memory_order_relaxed);
	}
	sleep(1);
	a0 = atomic_load(&cnt[0]);
	b0 = atomic_load(&cnt[8]);
	snapshot(&k0);
	sleep(4);
	a1 = atomic_load(&cnt[0]);
	b1 = atomic_load(&cnt[8]);
	snapshot(&k1);
	delta(&k0, &k1, &d);
	lo = a1 - a0 < b1 - b0 ? a1 - a0 : b1 - b0;
	hi = a1 - a0 < b1 - b0 ? b1 - b0 : a1 - a0;
	printf("# two fair tasks on CPU 3 in 4 s: %lu and %lu iterations; LOC %llu\n", a1 - a0,
	       b1 - b0, kinds_get(&d, KIND_TICK));
	result(lo > 0 && lo * 4 >= hi, "t12: two fair tasks on CPU 3 share it while the isolating task sleeps");
	kill_limit(fa, 20);
	kill_limit(fb, 20);
	if (write(pipefd[1], "x", 1) != 1)
		die("write pipe");
	stopped = wait_ack_limit(s, 2, 20);
	result(stopped && atomic_load(&s->err) == 0, "t12: the isolating task wakes and stops");
	wait_limit(pid, 20, "the isolating task's exit", NULL, 0);
	return failures ? 1 : 0;
}
