// SPDX-License-Identifier: GPL-2.0
/*
 * Test 25 (issue 16, tick dependencies): isolation services the tick
 * dependencies it can (SCHED, POSIX_TIMER at "tick sched", RCU), not the
 * others. A frequency-based perf event sets TICK_DEP_BIT_PERF_EVENTS
 * (perf adjusts the period from the tick): while one is open on the
 * isolated task, CPU 3 keeps its tick, and /proc/isolator/culprits says
 * why ("tick_dep:perf_events"); before it is opened and after it is closed,
 * CPU 3 takes no interrupt at all. The event counts page faults, which the
 * spinner does not make: the ticks seen are the tick, not samples.
 */
#include "common.h"
#include <linux/perf_event.h>

#define SECS 3

static void window(unsigned long long *loc, unsigned long long *all)
{
	struct kinds a, b, d;

	snapshot(&a);
	sleep(SECS);
	snapshot(&b);
	delta(&a, &b, &d);
	*loc = kinds_get(&d, KIND_TICK);
	*all = kinds_sum(&d);
}

static struct iso_thread sh;

int main(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_PAGE_FAULTS,
		.freq = 1,
		.sample_freq = 100,
	};
	unsigned long long loc[3], all[3];
	int lines0, lines1, fd;

	pin(0);
	iso_thread_start(&sh);
	result(atomic_load(&sh.err) == 0, "t25: spinner thread isolated CPU 3");
	usleep(1500000);	/* past RCU's boost delay, as t1 */
	window(&loc[0], &all[0]);
	lines0 = culprit_lines("tick_dep:perf_events");
	fd = syscall(SYS_perf_event_open, &attr, atomic_load(&sh.tid), -1, -1, 0);
	if (fd < 0) {
		printf("ok - t25: a perf event keeps the tick # SKIP perf_event_open: %s (no CONFIG_PERF_EVENTS?)\n",
		       strerror(errno));
		iso_thread_stop(&sh);
		return failures ? 1 : 0;
	}
	/* the nohz kick is held irq_work: delivered by the bound, max_defer_ms */
	usleep(500000);
	window(&loc[1], &all[1]);
	lines1 = culprit_lines("tick_dep:perf_events");
	close(fd);
	usleep(500000);
	window(&loc[2], &all[2]);
	dump_culprits();
	printf("# CPU 3, %d s each:  %12s %12s %12s\n", SECS, "isolated", "perf open", "closed");
	printf("# %-16s %12llu %12llu %12llu\n", KIND_TICK, loc[0], loc[1], loc[2]);
	printf("# %-16s %12llu %12llu %12llu\n", "all interrupts", all[0], all[1], all[2]);
	printf("# culprit lines tick_dep:perf_events: %d before, %d with the event\n",
	       lines0, lines1);
	result(all[0] == 0, "t25: isolated, no perf event: no interrupt on CPU 3");
	result(loc[1] > 0 && all[1] > 0,
	       "t25: a frequency perf event on the isolated task keeps CPU 3's tick");
	result(lines1 > lines0, "t25: the culprits name the dependency (tick_dep:perf_events)");
	result(all[2] == 0, "t25: the event closed, CPU 3 takes no interrupt again");
	result(isolated_pid() == (unsigned long long)atomic_load(&sh.tid),
	       "t25: CPU 3 stays isolated by the spinner throughout");
	iso_thread_stop(&sh);
	return failures ? 1 : 0;
}
