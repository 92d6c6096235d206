// SPDX-License-Identifier: GPL-2.0
/* vm-cmdline: console=ttyS0 panic=-1 nohz_full=3 isolcpus=3 rcu_nocbs=3 */
/*
 * Test 27 (issue 16, point 5): an unstable sched_clock keeps the isolated
 * CPU's tick. clear_sched_clock_stable() after boot sets
 * TICK_DEP_BIT_CLOCK_UNSTABLE for good (sched_clock_tick() must keep an
 * unstable clock in line), a dependency isolation does not service: the
 * isolated CPU must keep its tick, the culprits must name it
 * ("tick_dep:clock_unstable"), and the isolated task must still run. With a
 * stable clock the same phase has no tick at all: t1.
 *
 * `tsc=unstable` does not do it: marked before sched_clock_init_late(), the
 * clock is never made stable, so __clear_sched_clock_stable() never runs
 * and the dependency is never set. After boot the clocksource watchdog
 * does it on a real machine, but a guest under TCG cannot move its TSC
 * (writes to IA32_TSC have no effect) for the watchdog to find: t27 writes
 * "clock_unstable" to /proc/isolator/ktest (0019), which calls
 * clear_sched_clock_stable(), the watchdog's own path from there on. The
 * clock stays unstable for the rest of the boot, so t27 has t16's boot
 * (sorted after t16 there). arm64 has no HAVE_UNSTABLE_SCHED_CLOCK: its
 * sched_clock is always stable, a skip.
 *
 * The kept tick must not run the CPU's expired timer-wheel timers, which
 * wait for "tick sched", the end of isolation or the bound: the clocksource
 * watchdog's timer visits CPU 3 every 2 s here (a boot without
 * tsc=reliable), and a tick that raised the timer softirq for it woke
 * ksoftirqd/3 (PREEMPT_RT), a fair task held until the bound forced it in:
 * a "task:ksoftirqd/3" culprit line each visit (0004's test in
 * run_local_timers()). The bound's delivery of the timer
 * ("timer:clocksource_watchdog") wakes ksoftirqd/3 and runs it at once,
 * so no such line either.
 */
#include "common.h"

int main(void)
{
	struct shared *s;
	struct kinds a, b, d;
	unsigned long long loc, timer;
	unsigned long spins0, spins1;
	bool marked;
	int kept, fd, softirqd0, softirqd;
	pid_t pid;

#ifdef __aarch64__
	ksft_skip_all("arm64 has no HAVE_UNSTABLE_SCHED_CLOCK: sched_clock is always stable");
#endif
	s = shared_new();
	fd = open("/proc/isolator/ktest", O_WRONLY);
	if (fd < 0) {
		printf("ok - t27: # SKIP no /proc/isolator/ktest (CONFIG_ISOLATOR_KTEST): %s\n",
		       strerror(errno));
		return 0;
	}
	if (write(fd, "clock_unstable", 14) != 14)
		printf("# clock_unstable: %s\n", strerror(errno));
	close(fd);
	marked = clock_marked_unstable();
	for (int i = 0; i < 100 && !marked; i++) {	/* printed by a work item */
		usleep(100000);
		marked = clock_marked_unstable();
	}
	pin(0);
	pid = phased_spinner(s);
	dump_file("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  "clocksource: ");
	result(marked, "t27: sched_clock is marked unstable (sched_clock: Marking unstable)");
	atomic_store(&s->phase, 1);
	result(wait_ack_limit(s, 2, 20) && atomic_load(&s->err) == 0, "t27: start");
	spins0 = atomic_load(&s->spins);
	softirqd0 = culprit_lines("task:ksoftirqd/3");
	snapshot(&a);
	sleep(6);
	snapshot(&b);
	spins1 = atomic_load(&s->spins);
	delta(&a, &b, &d);
	loc = kinds_get(&d, KIND_TICK);
	timer = kinds_get(&d, "softirq:TIMER");
	kept = culprit_lines("tick_dep:clock_unstable");
	softirqd = culprit_lines("task:ksoftirqd/3") - softirqd0;
	atomic_store(&s->phase, 2);
	result(wait_ack_limit(s, 3, 20) && atomic_load(&s->err) == 0, "t27: stop");
	atomic_store(&s->phase, 3);
	wait_limit(pid, 20, "the spinner's exit", NULL, 0);
	dump_culprits();
	printf("# CPU 3 isolated 6 s, sched_clock unstable: LOC %llu, softirq:TIMER %llu\n",
	       loc, timer);
	printf("# spins %lu, culprit lines tick_dep:clock_unstable %d, task:ksoftirqd/3 %d new\n",
	       spins1 - spins0, kept, softirqd);
	result(loc > 0, "t27: CLOCK_UNSTABLE keeps the tick of isolated CPU 3");
	result(kept > 0, "t27: the culprits name the dependency (tick_dep:clock_unstable)");
	result(spins1 > spins0, "t27: the isolated task makes progress under the kept tick");
	result(softirqd == 0,
	       "t27: the kept tick leaves expired wheel timers alone: ksoftirqd/3 never woken, nothing forced for it");
	return failures ? 1 : 0;
}
