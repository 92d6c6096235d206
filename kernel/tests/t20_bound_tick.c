// SPDX-License-Identifier: GPL-2.0
/*
 * Test 20 (review finding 1): a fair task held on the isolated CPU is
 * delivered within the bound even while the isolated task writes "tick"
 * (without rt) every 10 ms. Each "tick" drains the CPU; the drain used to
 * clear the bound's start although the fair task was still held, and the
 * bound then never fired: "taskset -c 3 true" from CPU 0 hung until stop.
 * Later rounds find the fair server active but deferred (after a forced
 * delivery), which a new wakeup never reported as held. The last round
 * offlines the CPU the bound's timer runs on (CPU 2) meanwhile.
 */
#include "common.h"

#define ROUNDS		6
#define LIMIT_S		30.0

static void spinner(struct shared *s)
{
	double next;

	pin(ISO_CPU);
	fifo(50);
	mlockall(MCL_CURRENT | MCL_FUTURE);
	atomic_store(&s->err, control("start clock,resched,ipi"));
	atomic_store(&s->ack, 1);
	next = now_s() + 0.010;
	while (atomic_load(&s->phase) < 2) {
		if (now_s() >= next) {
			control("tick");
			next += 0.010;
		}
		atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
	}
	if (!atomic_load(&s->err))
		control("stop");
	_exit(0);
}

/* Wait up to LIMIT_S for @pid; false (after a dump) if it did not exit. */
static bool wait_limited(pid_t pid, double *took)
{
	double t0 = now_s();

	while (now_s() - t0 < LIMIT_S) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			*took = now_s() - t0;
			return true;
		}
		usleep(2000);
	}
	dump_task(pid);
	sysrq_w();
	return false;
}

/* "taskset -c 3 true", from CPU 0: a fair task moves to CPU 3 and exits. */
static pid_t mover(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		cpu_set_t set;

		pin(0);
		CPU_ZERO(&set);
		CPU_SET(ISO_CPU, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(2);
		_exit(sched_getcpu() == ISO_CPU ? 0 : 3);
	}
	return pid;
}

int main(void)
{
	struct shared *s = shared_new();
	struct stats s0, s1;
	bool all = true, hotplugged = false;
	int done = 0;
	pid_t pid;

	pin(0);
	read_stats(ISO_CPU, &s0);
	pid = fork();
	if (pid == 0)
		spinner(s);
	wait_ack(s, 1);
	result(atomic_load(&s->err) == 0, "t20: start");
	sleep(1);
	for (int r = 0; r < ROUNDS; r++) {
		double took = 0;
		pid_t m;

		if (r == ROUNDS - 1) {
			int fd = open("/sys/devices/system/cpu/cpu2/online", O_WRONLY);

			hotplugged = fd >= 0 && write(fd, "0", 1) == 1;
			if (fd >= 0)
				close(fd);
			printf("# round %d: CPU 2 %s\n", r,
			       hotplugged ? "offline" : "could not be offlined");
		}
		m = mover();
		if (!wait_limited(m, &took)) {
			printf("# round %d: the fair task did not reach CPU 3 and exit within %.0f s\n",
			       r, LIMIT_S);
			all = false;
			break;
		}
		done++;
		printf("# round %d: taskset -c 3 true took %.3f s\n", r, took);
		usleep(300000);
	}
	read_stats(ISO_CPU, &s1);
	print_stats_delta("t20", &s0, &s1);
	dump_culprits();
	atomic_store(&s->phase, 2);
	if (!wait_limited(pid, &(double){ 0 }))
		kill(pid, SIGKILL);
	waitpid(-1, NULL, 0);
	if (hotplugged)
		write_file("/sys/devices/system/cpu/cpu2/online", "1");
	printf("# %d of %d rounds finished\n", done, ROUNDS);
	result(all, "t20: a fair task moved to CPU 3 runs while the isolated task ticks without rt");
	result(stat_get(&s1, "forced") > stat_get(&s0, "forced"),
	       "t20: its delivery was forced by the bound (forced increased)");
	{
		int lines, over, max_scans, bad = culprits_check(&lines, &over, &max_scans);

		printf("# %d culprit lines, %d malformed, %d seen held by more than 2 scans of the bound (most: %d)\n",
		       lines, bad, over, max_scans);
		result(bad == 0 && lines > 0,
		       "t20: every culprit line has cpu, waited_us, sender, pid, work and scans");
		/* the bound as a count: found by one scan, forced by the next */
		result(bad == 0 && over == 0,
		       "t20: no held work is seen by more than 2 scans of the bound before it is forced");
	}
	return failures ? 1 : 0;
}
