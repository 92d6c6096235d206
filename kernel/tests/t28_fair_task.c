// SPDX-License-Identifier: GPL-2.0
/*
 * Test 28 (issue 16, review finding 2): the isolating task may be a fair
 * (SCHED_OTHER) task. Alone on CPU 3 it is the fair class's current task,
 * which cfs.h_nr_queued counts like a queued one; it is not a fair task
 * waiting for the isolator. Nothing is held, so while it is isolated the
 * bound forces nothing, names no fair culprit, and CPU 3's tick stays
 * stopped, and the task makes progress throughout. Counting the current
 * task as held work forced a delivery at every bound (52 in 6 s once).
 *
 * The same task under stock nohz_full, before start and after stop in the
 * same boot, is the baseline; all three windows have the spinner on CPU 3,
 * so their progress compares (single-threaded TCG).
 */
#include "common.h"

struct window {
	unsigned long long loc, forced;
	unsigned long spins;
	int fair_lines;
};

/* Lines of /proc/isolator/culprits that blame a fair task held on CPU 3. */
static int fair_culprit_lines(void)
{
	int fair = culprit_lines("fair"), own = culprit_lines("task:t28_fair_task");

	return fair < 0 || own < 0 ? -1 : fair + own;
}

static void window(struct shared *s, int secs, struct window *w)
{
	struct kinds a, b, d;
	unsigned long long forced0;
	unsigned long spins0;
	int lines0;

	lines0 = fair_culprit_lines();
	forced0 = iso_stat("forced");
	spins0 = atomic_load(&s->spins);
	snapshot(&a);
	sleep(secs);
	snapshot(&b);
	w->spins = atomic_load(&s->spins) - spins0;
	w->forced = iso_stat("forced") - forced0;
	w->fair_lines = fair_culprit_lines() - lines0;
	delta(&a, &b, &d);
	w->loc = kinds_get(&d, KIND_TICK);
}

int main(void)
{
	struct shared *s = shared_new();
	struct window w[3];
	pid_t pid;

	pin(0);
	pid = phased_spinner_as(s, SCHED_OTHER);
	window(s, 6, &w[0]);
	atomic_store(&s->phase, 1);
	wait_ack(s, 2);
	result(atomic_load(&s->err) == 0, "t28: a SCHED_OTHER task isolates CPU 3");
	window(s, 6, &w[1]);
	atomic_store(&s->phase, 2);
	result(wait_ack_limit(s, 3, 20) && atomic_load(&s->err) == 0, "t28: it stops");
	window(s, 6, &w[2]);
	atomic_store(&s->phase, 3);
	wait_limit(pid, 20, "the spinner's exit", NULL, 0);
	printf("# CPU 3, 6 s each:     %12s %12s %12s\n", "stock", "isolated", "after stop");
	printf("# spins                %12lu %12lu %12lu\n", w[0].spins, w[1].spins, w[2].spins);
	printf("# LOC                  %12llu %12llu %12llu\n", w[0].loc, w[1].loc, w[2].loc);
	printf("# forced deliveries    %12llu %12llu %12llu\n", w[0].forced, w[1].forced,
	       w[2].forced);
	printf("# fair culprit lines   %12d %12d %12d\n", w[0].fair_lines, w[1].fair_lines,
	       w[2].fair_lines);
	dump_culprits();
	result(w[1].spins > 0 && w[2].spins > 0, "t28: the fair task makes progress isolated and after stop");
	result(w[1].forced == 0 && w[1].fair_lines == 0,
	       "t28: its own place in the fair runqueue is not held work: nothing forced, no fair culprit");
	/* at most the one tick already armed when start ran */
	result(w[1].loc <= 1, "t28: isolated, CPU 3's tick stays stopped under a fair task");
	return failures ? 1 : 0;
}
