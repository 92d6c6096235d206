// SPDX-License-Identifier: GPL-2.0
/*
 * Test 13 (issue 10, scenario 7): "tick sched" does what the tick does for
 * the task's CPU time: an ITIMER_VIRTUAL of 50 ms delivers SIGVTALRM,
 * RLIMIT_CPU and RLIMIT_RTTIME deliver SIGXCPU, for an isolated task that
 * spins and ticks, as for the same task stock (shown first). Only the
 * signals that arrive before "stop" count: stop catches up on the tick.
 */
#include "common.h"

#include <sys/time.h>

struct t13 {
	atomic_int vtalrm, xcpu, err;
	int vtalrm_iso, xcpu_iso;	/* received before "stop" */
};

static struct t13 *t;

static void on_vtalrm(int sig) { atomic_fetch_add(&t->vtalrm, 1); }
static void on_xcpu(int sig) { atomic_fetch_add(&t->xcpu, 1); }

enum what { VIRTUAL_AND_CPU, RTTIME };

/* 3 s of a SCHED_FIFO task on CPU 3 that spins and ticks every 2 ms. */
static void run(enum what what, bool isolated)
{
	pid_t pid;

	memset(t, 0, sizeof(*t));
	pid = fork();
	if (pid == 0) {
		struct itimerval it = { { 0, 50000 }, { 0, 50000 } };
		struct rlimit rl;
		double end, cap;

		pin(ISO_CPU);
		fifo(50);
		signal(SIGVTALRM, on_vtalrm);
		signal(SIGXCPU, on_xcpu);
		if (what == VIRTUAL_AND_CPU) {
			rl = (struct rlimit){ 1, 30 };	/* SIGXCPU after 1 s of CPU */
			setrlimit(RLIMIT_CPU, &rl);
			setitimer(ITIMER_VIRTUAL, &it, NULL);
		} else {
			rl = (struct rlimit){ 300000, RLIM_INFINITY };	/* 300 ms unblocked */
			setrlimit(RLIMIT_RTTIME, &rl);
		}
		if (isolated)
			atomic_store(&t->err, control("start clock,resched,ipi"));
		/*
		 * 3 s; an isolated run goes on (up to 30 s) until its SIGXCPU
		 * came: the limits count CPU time in ticks, and on a loaded
		 * host 3 s of wall time may hold too few of them (behaviour,
		 * not time, is what is asserted)
		 */
		end = now_s() + 3;
		cap = end + 27;
		while (now_s() < end || (isolated && !atomic_load(&t->xcpu) && now_s() < cap)) {
			double next = now_s() + 0.002;

			while (now_s() < next)
				;
			if (isolated)
				control("tick sched");
			else
				getppid();	/* the same kernel entries, stock */
		}
		/* what stop's own catch-up does not count */
		t->vtalrm_iso = atomic_load(&t->vtalrm);
		t->xcpu_iso = atomic_load(&t->xcpu);
		if (isolated)
			control("stop");
		_exit(0);
	}
	wait_limit(pid, 60, "the timer test task", NULL, 0);
}

int main(void)
{
	int v[2], x[2], rt[2];

	t = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pin(0);
	for (int iso = 0; iso < 2; iso++) {
		run(VIRTUAL_AND_CPU, iso);
		v[iso] = t->vtalrm_iso;
		x[iso] = t->xcpu_iso;
		if (iso)
			result(atomic_load(&t->err) == 0, "t13: isolate CPU 3 (itimer, RLIMIT_CPU)");
		run(RTTIME, iso);
		rt[iso] = t->xcpu_iso;
		if (iso)
			result(atomic_load(&t->err) == 0, "t13: isolate CPU 3 (RLIMIT_RTTIME)");
	}
	printf("# 3 s spinning (isolated: until SIGXCPU, <= 30 s), %s every 2 ms: %s %s\n", "tick",
	       "stock", "isolated");
	printf("# SIGVTALRM (ITIMER_VIRTUAL 50 ms)       %12d %12d\n", v[0], v[1]);
	printf("# SIGXCPU (RLIMIT_CPU 1 s)               %12d %12d\n", x[0], x[1]);
	printf("# SIGXCPU (RLIMIT_RTTIME 300 ms)         %12d %12d\n", rt[0], rt[1]);
	printf("# (stock nohz_full counts RLIMIT_RTTIME at the 1 Hz remote tick: 75 s for 300 ms)\n");
	result(v[1] > 0 && v[1] * 4 >= v[0],
	       "t13: ITIMER_VIRTUAL signals arrive for an isolated task that ticks, as stock within 4x");
	result(x[1] > 0, "t13: RLIMIT_CPU is enforced for an isolated task that ticks");
	result(rt[1] > 0, "t13: RLIMIT_RTTIME is enforced for an isolated task that ticks");
	return failures ? 1 : 0;
}
