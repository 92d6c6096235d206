// SPDX-License-Identifier: GPL-2.0
/*
 * Test 21 (review finding 5): the bound is not postponed by a real-time
 * load on a housekeeping CPU. SCHED_FIFO spinners hog CPUs 0-2; a fair
 * task on CPU 0 moves itself to CPU 3 (the migration stopper on CPU 0
 * enqueues it there, so the hold is taken on CPU 0) while the isolated
 * task never ticks. The bound used to be a timer_list on the sender's CPU,
 * run by ksoftirqd (SCHED_OTHER) on PREEMPT_RT: behind a FIFO spinner it
 * ran only when the CPU's fair server let ksoftirqd in (seconds late). So
 * every housekeeping CPU gets a FIFO hog (the first hold may come from any
 * of them), and once the move is held, ksoftirqd/0-2 are put at SCHED_FIFO
 * 1, below the hogs, and RT throttling is switched off for the rest of the
 * wait: the old bound then never expires; a bound in hard interrupt
 * context is not affected.
 */
#include "common.h"

#define LIMIT_S		30.0

static void isolated(struct shared *s)
{
	pin(ISO_CPU);
	fifo(50);
	mlockall(MCL_CURRENT | MCL_FUTURE);
	atomic_store(&s->err, control("start clock,resched,ipi"));
	atomic_store(&s->ack, 1);
	while (atomic_load(&s->phase) < 2)
		atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
	if (!atomic_load(&s->err))
		control("stop");
	_exit(0);
}

static pid_t hog(int cpu)
{
	pid_t pid = fork();

	if (pid == 0) {
		pin(cpu);
		fifo(10);
		for (;;)
			;
	}
	return pid;
}

/* Is @pid on CPU 3 (field 39 of /proc/PID/stat)? */
static bool on_cpu3(pid_t pid)
{
	char path[64], buf[1024], *p;
	FILE *f;
	int field = 1;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p)
		p = strrchr(buf, ')');
	if (!p)
		return false;
	field = 2;
	for (p++; *p && field < 39; p++)
		if (*p == ' ')
			field++;
	return atoi(p) == ISO_CPU;
}

static char saved_rt_runtime[32] = "950000";

/* The pid of the kthread named @comm, or -1. */
static pid_t find_comm(const char *comm)
{
	char path[64], buf[32];

	for (pid_t pid = 2; pid < 4096; pid++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			if (!strcmp(buf, comm)) {
				fclose(f);
				return pid;
			}
		}
		fclose(f);
	}
	return -1;
}

/*
 * The softirq threads of CPUs 0-2 below the FIFO hogs and no RT throttling
 * (true), or restore them. They then get no CPU time at all while the hogs
 * run (the fair server serves only fair tasks), as under any real-time
 * load placed above them.
 */
static bool starve_softirqs(bool on)
{
	static const char rt[] = "/proc/sys/kernel/sched_rt_runtime_us";
	struct sched_param sp = { .sched_priority = on ? 1 : 0 };
	bool ok = true;

	if (on) {
		FILE *f = fopen(rt, "r");

		if (f) {
			if (!fgets(saved_rt_runtime, sizeof(saved_rt_runtime), f))
				snprintf(saved_rt_runtime, sizeof(saved_rt_runtime), "950000");
			fclose(f);
		}
		write_file(rt, "-1");
	}
	for (int c = 0; c < ISO_CPU; c++) {
		char name[32];
		pid_t k;

		snprintf(name, sizeof(name), "ksoftirqd/%d", c);
		k = find_comm(name);
		if (k < 0 || sched_setscheduler(k, on ? SCHED_FIFO : SCHED_OTHER, &sp))
			ok = false;
	}
	if (!on)
		write_file(rt, saved_rt_runtime);
	return ok;
}

int main(void)
{
	struct shared *s = shared_new();
	struct stats s0, s1;
	pid_t iso, h0, h1, h2, m;
	bool finished = false;
	double t0, took = 0;

	pin(1);
	fifo(20);	/* the controller must run beside the hogs */
	read_stats(ISO_CPU, &s0);
	iso = fork();
	if (iso == 0)
		isolated(s);
	wait_ack(s, 1);
	result(atomic_load(&s->err) == 0, "t21: start");
	h0 = hog(0);
	h1 = hog(1);
	h2 = hog(2);
	usleep(200000);
	m = fork();
	if (m == 0) {
		cpu_set_t set;
		struct sched_param sp = { 0 };

		pin(0);		/* still FIFO 20: reaches CPU 0 past its hog at once */
		sched_setscheduler(0, SCHED_OTHER, &sp);
		CPU_ZERO(&set);
		CPU_SET(ISO_CPU, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(2);
		_exit(0);
	}
	/* held on CPU 3 (it left CPU 0): starve CPU 0's fair tasks for good */
	t0 = now_s();
	while (now_s() - t0 < LIMIT_S && !on_cpu3(m) && waitpid(m, NULL, WNOHANG) == 0)
		usleep(1000);
	if (waitpid(m, NULL, WNOHANG) == m) {
		finished = true;	/* delivered before we could look */
		goto done;
	}
	if (!starve_softirqs(true))
		printf("# could not put every ksoftirqd below the hogs\n");
	while (now_s() - t0 < LIMIT_S) {
		if (waitpid(m, NULL, WNOHANG) == m) {
			finished = true;
			took = now_s() - t0;
			break;
		}
		usleep(5000);
	}
done:
	if (!finished) {
		printf("# the fair task did not reach CPU 3 and exit within %.0f s\n", LIMIT_S);
		dump_task(m);
		sysrq_w();
	} else {
		printf("# taskset -c 3 true from CPU 0 beside FIFO hogs took %.3f s\n", took);
	}
	read_stats(ISO_CPU, &s1);
	print_stats_delta("t21", &s0, &s1);
	kill(h0, SIGKILL);
	kill(h1, SIGKILL);
	kill(h2, SIGKILL);
	starve_softirqs(false);
	waitpid(h0, NULL, 0);
	waitpid(h1, NULL, 0);
	waitpid(h2, NULL, 0);
	dump_culprits();
	atomic_store(&s->phase, 2);
	waitpid(iso, NULL, 0);
	if (!finished) {
		kill(m, SIGKILL);
		waitpid(m, NULL, 0);
	}
	result(finished, "t21: a fair task held for CPU 3 from a CPU hogged by SCHED_FIFO is delivered");
	result(stat_get(&s1, "forced") > stat_get(&s0, "forced"),
	       "t21: its delivery was forced by the bound (forced increased)");
	{
		int lines, over, max_scans, bad = culprits_check(&lines, &over, &max_scans);

		printf("# %d culprit lines, %d malformed, %d seen held by more than 2 scans of the bound (most: %d)\n",
		       lines, bad, over, max_scans);
		result(bad == 0 && lines > 0,
		       "t21: every culprit line has cpu, waited_us, sender, pid, work and scans");
		/* the bound as a count: found by one scan, forced by the next */
		result(bad == 0 && over == 0,
		       "t21: no held work is seen by more than 2 scans of the bound before it is forced");
	}
	return failures ? 1 : 0;
}
