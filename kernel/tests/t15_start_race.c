// SPDX-License-Identifier: GPL-2.0
/*
 * Test 15 (issue 10, found by reading): "start" against a concurrent
 * sched_setaffinity(). start checks that the task is pinned, then can be
 * preempted before it publishes the CPU as isolated: a setaffinity that
 * moves it to CPU 0 in between leaves CPU 3 published as isolated by a
 * task that runs on CPU 0. Whatever the interleaving, after start returns
 * 0 either the task still runs on CPU 3 or CPU 3 is not isolated by it.
 */
#include "common.h"

#define SECS 8

struct t15 {
	atomic_ulong tries, ok, bad;
	atomic_int quit;
};

static struct t15 *t;

static void starter(void)
{
	pid_t me = getpid();

	fifo(50);
	while (!atomic_load(&t->quit)) {
		cpu_set_t set;
		int cpu;

		CPU_ZERO(&set);
		CPU_SET(ISO_CPU, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			continue;
		atomic_fetch_add(&t->tries, 1);
		if (control("start clock,resched,ipi"))
			continue;
		atomic_fetch_add(&t->ok, 1);
		usleep(100);	/* let a racing move finish */
		cpu = sched_getcpu();
		if (cpu != ISO_CPU && isolated_pid() == (unsigned long long)me) {
			/* not a teardown in progress: still so 50 ms later */
			usleep(50000);
			cpu = sched_getcpu();
			if (cpu == ISO_CPU || isolated_pid() != (unsigned long long)me) {
				control("stop");
				continue;
			}
			printf("# start returned 0, task on CPU %d, CPU 3 isolated by it\n", cpu);
			atomic_fetch_add(&t->bad, 1);
			_exit(2);	/* exit ends the stale isolation */
		}
		control("stop");
	}
	_exit(0);
}

int main(void)
{
	double end;
	cpu_set_t zero;

	t = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(t, 0, sizeof(*t));
	pin(1);
	fifo(60);
	CPU_ZERO(&zero);
	CPU_SET(0, &zero);
	end = now_s() + SECS;
	while (now_s() < end) {
		pid_t pid = fork();

		if (pid == 0)
			starter();
		while (waitpid(pid, NULL, WNOHANG) == 0 && now_s() < end) {
			spin_delay(now_ns() % 20000);
			sched_setaffinity(pid, sizeof(zero), &zero);
			usleep(200);
		}
		atomic_store(&t->quit, 1);
		wait_limit(pid, 20, "the starter", NULL, 0);
		atomic_store(&t->quit, 0);
	}
	printf("# %lu starts tried in %d s against setaffinity(pid, {0}), %lu succeeded, %lu left CPU 3 isolated by a task elsewhere\n",
	       atomic_load(&t->tries), SECS, atomic_load(&t->ok), atomic_load(&t->bad));
	result(atomic_load(&t->tries) > 0 && atomic_load(&t->bad) == 0,
	       "t15: start never publishes CPU 3 isolated by a task that a racing setaffinity moved");
	result(isolated_pid() == 0, "t15: CPU 3 free at the end");
	return failures ? 1 : 0;
}
