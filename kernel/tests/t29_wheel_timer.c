// SPDX-License-Identifier: GPL-2.0
/*
 * Test 29 (issue 16, review finding 1): a timer-wheel timer due on an
 * isolated CPU runs within the bound. The tick of isolated CPU 3 is not
 * programmed for its wheel timers, which wait for the task's "tick sched";
 * a task that never calls it must not keep them waiting for good. From
 * CPU 0, /proc/isolator/ktest's "timer_on 3" arms a pinned timer due on
 * CPU 3 in one jiffy and "delayed_work_on 3" queues a delayed work item
 * there; each write returns once the timer (or the work) ran, -ETIMEDOUT
 * after 10 s if it did not. Without the bound's look at the wheel
 * (timers_isolator_expired(), timers_isolator_kick()) the timer waited
 * for good. The delayed work's timer runs on a housekeeping CPU under
 * nohz_full (HK_TYPE_TIMER), and the item then waits for CPU 3's kworker,
 * a held fair task: that line tests the kworker's bound, not the wheel's
 * (it passed on the kernel without the wheel's fix too).
 *
 * Stock first: the same SCHED_FIFO spinner on CPU 3, not isolated (the
 * timer softirq and the kworker, fair tasks under PREEMPT_RT, get the
 * fair server's share). Then isolated: each must run, delivered by the
 * bound (forced deliveries, culprits naming the timer and then the work),
 * while the spinner keeps running.
 */
#include "common.h"

static int ktest_cmd(void *cmd)
{
	return write_str("/proc/isolator/ktest", cmd);
}

static int run(const char *cmd, pid_t spinner)
{
	int r = call_limit(30, cmd, ktest_cmd, (void *)cmd, &spinner, 1);

	printf("# %s: %s\n", cmd, r ? strerror(-r) : "ran");
	return r;
}

int main(void)
{
	struct shared *s;
	unsigned long long f0, f1;
	unsigned long spins0, spins1;
	int timer0, work0, timer, work;
	pid_t pid;

	if (access("/proc/isolator/ktest", W_OK)) {
		printf("ok - t29: # SKIP no /proc/isolator/ktest (CONFIG_ISOLATOR_KTEST): %s\n",
		       strerror(errno));
		return 0;
	}
	s = shared_new();
	pin(0);
	pid = phased_spinner(s);
	result(run("timer_on 3", pid) == 0, "t29: stock: a wheel timer due on CPU 3 runs");
	result(run("delayed_work_on 3", pid) == 0, "t29: stock: a delayed work item on CPU 3 runs");
	atomic_store(&s->phase, 1);
	result(wait_ack_limit(s, 2, 20) && atomic_load(&s->err) == 0, "t29: isolate CPU 3");
	f0 = iso_stat("forced");
	timer0 = culprit_lines("timer:ktest_wheel_timer_fn");
	work0 = culprit_lines("work:ktest_wheel_work_fn");
	spins0 = atomic_load(&s->spins);
	result(run("timer_on 3", pid) == 0,
	       "t29: isolated: a wheel timer due on CPU 3 runs within the bound");
	result(run("delayed_work_on 3", pid) == 0,
	       "t29: isolated: a delayed work item on CPU 3 runs within the bound");
	spins1 = atomic_load(&s->spins);
	f1 = iso_stat("forced");
	timer = culprit_lines("timer:ktest_wheel_timer_fn") - timer0;
	work = culprit_lines("work:ktest_wheel_work_fn") - work0;
	atomic_store(&s->phase, 2);
	result(wait_ack_limit(s, 3, 20) && atomic_load(&s->err) == 0, "t29: stop");
	atomic_store(&s->phase, 3);
	wait_limit(pid, 20, "the spinner's exit", NULL, 0);
	dump_culprits();
	printf("# isolated: forced %llu, culprit lines timer:ktest_wheel_timer_fn %d, work:ktest_wheel_work_fn %d, spins %lu\n",
	       f1 - f0, timer, work, spins1 - spins0);
	/*
	 * The culprit is the first held work the bound found: the timer
	 * (timer:ktest_wheel_timer_fn), or the nohz_full kick irq_work that
	 * add_timer_on() sent to CPU 3 and that was held before the timer
	 * expired (irq_work:nohz_full_kick_func); the kick alone leaves the
	 * wheel alone, the delivery's timer softirq runs the timer.
	 */
	result(f1 > f0, "t29: the bound delivered them (forced deliveries while isolated)");
	result(spins1 > spins0, "t29: the isolated task makes progress meanwhile");
	return failures ? 1 : 0;
}
