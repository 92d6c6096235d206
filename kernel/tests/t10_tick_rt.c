// SPDX-License-Identifier: GPL-2.0
/*
 * Test 10 (issue 10, scenario 4): the isolated task ticks with
 * "tick sched,rt" while a CPU-bound fair task is pinned to CPU 3. The fair
 * task gets its share at those ticks and gives the CPU back: the isolated
 * task keeps running, its "stop" returns, and SIGKILL of an isolated task
 * in the same situation takes effect.
 */
#include "common.h"

struct t10 {
	struct shared s;
	atomic_ulong ticks;
	atomic_ulong fair;
};

static void spin_ms(double ms)
{
	double end = now_s() + ms / 1e3;

	while (now_s() < end)
		;
}

static pid_t ticking_spinner(struct t10 *t)
{
	pid_t pid;

	atomic_store(&t->s.ack, 0);
	atomic_store(&t->s.phase, 0);
	pid = fork();
	if (pid == 0) {
		pin(ISO_CPU);
		fifo(50);
		atomic_store(&t->s.err, control("start clock,resched,ipi"));
		atomic_store(&t->s.ack, 1);
		while (atomic_load(&t->s.phase) < 2) {
			spin_ms(2);
			control("tick sched,rt");
			atomic_fetch_add(&t->ticks, 1);
		}
		atomic_store(&t->s.err, control("stop"));
		atomic_store(&t->s.ack, 2);
		for (;;)
			pause();
	}
	wait_ack(&t->s, 1);
	return pid;
}

static pid_t fair_task(struct t10 *t)
{
	pid_t pid = fork();

	if (pid == 0) {
		fair();
		pin(ISO_CPU);
		for (;;)
			atomic_fetch_add_explicit(&t->fair, 1, memory_order_relaxed);
	}
	return pid;
}

int main(void)
{
	struct t10 *t = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned long t1, t2, f1, f2;
	pid_t pid, fair;
	bool stopped;

	pin(0);
	fifo(60);	/* the controller must run whatever happens on CPU 3 */
	memset(t, 0, sizeof(*t));
	pid = ticking_spinner(t);
	result(atomic_load(&t->s.err) == 0, "t10: isolate CPU 3, ticking with 'tick sched,rt'");
	fair = fair_task(t);
	sleep(2);
	t1 = atomic_load(&t->ticks);
	f1 = atomic_load(&t->fair);
	sleep(3);
	t2 = atomic_load(&t->ticks);
	f2 = atomic_load(&t->fair);
	printf("# in 3 s: isolated task %lu ticks, fair task %lu iterations (before: %lu, %lu)\n",
	       t2 - t1, f2 - f1, t1, f1);
	result(t2 > t1, "t10: the isolated task keeps running beside a fair task on CPU 3");
	result(f2 > 0, "t10: the fair task gets a share at 'tick rt'");
	atomic_store(&t->s.phase, 2);
	stopped = wait_ack_limit(&t->s, 2, 20);
	if (!stopped) {
		printf("# TIMEOUT: stop did not return in 20 s\n");
		dump_task(pid);
		sysrq_w();
	}
	result(stopped && atomic_load(&t->s.err) == 0, "t10: stop returns");
	result(kill_limit(pid, 20), "t10: the task can be killed after stop");

	/* The same, ended by SIGKILL while isolated. */
	pid = ticking_spinner(t);
	sleep(2);
	printf("# isolated again: %d (err %d), %lu ticks\n", pid, atomic_load(&t->s.err),
	       atomic_load(&t->ticks));
	kill(pid, SIGKILL);
	result(wait_limit(pid, 20, "SIGKILL of the isolated task", &fair, 1) != -ETIMEDOUT,
	       "t10: SIGKILL of an isolated task beside a fair task takes effect");
	kill_limit(fair, 20);
	result(isolated_pid() == 0, "t10: CPU 3 is free afterwards");
	return failures ? 1 : 0;
}
