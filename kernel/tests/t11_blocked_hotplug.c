// SPDX-License-Identifier: GPL-2.0
/* vm-cmdline: console=ttyS0 panic=-1 nohz_full=3 rcu_nocbs=3 tsc=reliable */
/*
 * Test 11 (issue 10, scenario 5), booted without isolcpus=3: the isolating
 * task blocks, CPU 3 goes offline, the task is woken and runs on another
 * CPU (select_fallback_rq()), CPU 3 comes back. Its isolation of CPU 3
 * must be over: the stats no longer name it, and while it runs elsewhere a
 * task pinned to CPU 3 runs there.
 */
#include "common.h"

int main(void)
{
	require_cpu_hotplug("t11");
	struct shared *s = shared_new();
	atomic_ulong *pinned = (void *)(s + 1);
	int pipefd[2], woke_cpu = -1, r;
	pid_t pid, other;
	bool ran = false;
	unsigned long long iso;

	pin(0);
	fifo(60);	/* above the woken FIFO task, wherever it lands */
	if (pipe(pipefd))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		char c;

		pin(ISO_CPU);
		fifo(50);
		atomic_store(&s->err, control("start clock,resched,ipi"));
		atomic_store(&s->ack, 1);
		if (read(pipefd[0], &c, 1) != 1)
			_exit(1);
		atomic_store(&s->ack, 2);
		/*
		 * Running, wherever it woke, until told to end; a fair task
		 * there, not a SCHED_FIFO hog that would starve that CPU's
		 * rcuc kthread (an RCU stall, and CPU 3's onlining waits on it).
		 */
		if (sched_getcpu() != ISO_CPU)
			fair();
		while (atomic_load(&s->phase) < 3)
			atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
		_exit(0);
	}
	wait_ack(s, 1);
	result(atomic_load(&s->err) == 0, "t11: isolate CPU 3");
	usleep(500000);
	r = set_cpu_online(ISO_CPU, 0, &pid, 1);
	printf("# offline CPU 3 with the isolating task blocked: %d\n", r);
	result(r == 0, "t11: offlining CPU 3 completes while its isolating task is blocked");
	/* woken while CPU 3 is offline: select_fallback_rq() places it */
	if (write(pipefd[1], "x", 1) != 1)
		die("write pipe");
	result(wait_ack_limit(s, 2, 20), "t11: the blocked task wakes on another CPU");
	usleep(200000);
	woke_cpu = task_cpu(pid);
	r = set_cpu_online(ISO_CPU, 1, &pid, 1);
	printf("# online CPU 3: %d\n", r);
	result(r == 0, "t11: onlining CPU 3 completes");
	usleep(200000);
	iso = isolated_pid();
	printf("# the task woke on CPU %d, runs on CPU %d; stats name pid %llu as isolating CPU 3\n",
	       woke_cpu, task_cpu(pid), iso);
	result(iso == 0, "t11: the stats no longer name the task that left CPU 3");

	other = fork();
	if (other == 0) {
		fair();
		pin(ISO_CPU);
		for (;;)
			atomic_fetch_add_explicit(pinned, 1, memory_order_relaxed);
	}
	for (int i = 0; i < 1500 && !ran; i++) {
		usleep(10000);
		ran = atomic_load(pinned) > 0;
	}
	printf("# a fair task pinned to CPU 3: %lu iterations\n", atomic_load(pinned));
	result(ran, "t11: a task pinned to CPU 3 runs there while the woken task runs elsewhere");
	atomic_store(&s->phase, 3);
	kill_limit(other, 20);
	result(wait_limit(pid, 20, "the woken task's exit", NULL, 0) == 0, "t11: the woken task exits");
	result(isolated_pid() == 0, "t11: CPU 3 free at the end");
	return failures ? 1 : 0;
}
