// SPDX-License-Identifier: GPL-2.0
/*
 * Test 50 (issue 11): text patching through stop_machine() completes while
 * CPU 3 is isolated by a task that never ticks. On arm64 the patching that
 * takes stop_machine() is aarch64_insn_patch_text(), which arms and disarms
 * a kprobe (jump labels and ftrace patch with aarch64_insn_patch_text_nosync()
 * and no stop_machine); each arm and each disarm stops every CPU, CPU 3
 * included: its stopper must run there and the isolated task after it.
 * A kprobe event on do_filp_open is enabled and disabled ROUNDS times, and
 * opened files on CPU 0 hit it while it is armed: the hit count says the
 * text really was patched, and no reschedule of CPU 3 may be held meanwhile
 * (the stopper's wake-up is one, and every other CPU waits for it with
 * interrupts off). Needs CONFIG_KPROBE_EVENTS (the arm64 test
 * kernel); a TAP skip elsewhere.
 */
#include "common.h"

#define TR "/sys/kernel/tracing/"
#define EV TR "events/kprobes/isolator_t50/enable"
#define ROUNDS 10
#define OPENS 20

static const char *enable_val;

static int set_enable(void *unused)
{
	return write_str(EV, enable_val);
}

/* The hit count of our probe in kprobe_profile, or -1. */
static long probe_hits(void)
{
	char line[256], name[128];
	long hits = -1, h, miss;
	FILE *f = fopen(TR "kprobe_profile", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %ld %ld", name, &h, &miss) == 3 &&
		    !strcmp(name, "isolator_t50"))
			hits = h;
	fclose(f);
	return hits;
}

/* The kprobe_events file appends with O_APPEND; write_str() truncates. */
static int kprobe_events(const char *line)
{
	int fd = open(TR "kprobe_events", O_WRONLY | O_APPEND);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, line, strlen(line)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int main(void)
{
	struct shared *s;
	struct kinds k0, k1, d;
	struct stats st0, st1;
	int bad = 0, r;
	long hits_before, hits_armed, hits_disarmed;
	bool ran = true;
	pid_t pid;

	if (access(TR "kprobe_events", F_OK)) {
		printf("ok - t50: # SKIP no kprobe events in this kernel (CONFIG_KPROBE_EVENTS)\n");
		return 0;
	}
	s = shared_new();
	pin(0);
	r = kprobe_events("p:isolator_t50 do_filp_open\n");
	result(r == 0, "t50: a kprobe event on do_filp_open is defined");
	if (r) {
		printf("# kprobe_events: %s\n", strerror(-r));
		return 1;
	}
	pid = isolated_spinner(s, "start clock,resched,ipi");
	result(atomic_load(&s->err) == 0, "t50: isolate CPU 3");
	sleep(1);
	snapshot(&k0);
	read_stats(ISO_CPU, &st0);
	hits_before = probe_hits();
	hits_armed = 0;
	for (int i = 0; i < ROUNDS && bad < 3; i++) {
		long h0;

		enable_val = "1";
		r = call_limit(20, "arming the kprobe (stop_machine)", set_enable, NULL, &pid, 1);
		bad += r != 0;
		h0 = probe_hits();
		for (int j = 0; j < OPENS; j++)
			close(open("/proc/self/stat", O_RDONLY));
		hits_armed += probe_hits() - h0;
		enable_val = "0";
		if (r != -ETIMEDOUT) {
			r = call_limit(20, "disarming the kprobe (stop_machine)", set_enable,
				       NULL, &pid, 1);
			bad += r != 0;
		}
		ran &= spins_advance(s, 5);
		if (r)
			printf("# round %d: %d\n", i, r);
	}
	hits_disarmed = probe_hits();
	for (int j = 0; j < OPENS; j++)
		close(open("/proc/self/stat", O_RDONLY));
	hits_disarmed = probe_hits() - hits_disarmed;
	snapshot(&k1);
	read_stats(ISO_CPU, &st1);
	delta(&k0, &k1, &d);
	printf("# %d arm/disarm rounds while CPU 3 isolated: %d failed; probe hits %ld while armed (%d opens per round), %ld while disarmed (%d opens); before %ld\n",
	       ROUNDS, bad, hits_armed, OPENS, hits_disarmed, OPENS, hits_before);
	printf("# CPU 3 over the rounds (stop_machine wakes its stopper):");
	for (int i = 0; i < d.n; i++)
		if (d.count[i] || kind_always(d.name[i]))
			printf(" %s=%llu", d.name[i], d.count[i]);
	printf("\n");
	print_stats_delta("over the rounds", &st0, &st1);
	result(bad == 0, "t50: 10 kprobe arm/disarm rounds (stop_machine text patching) complete while CPU 3 is isolated");
	result(hits_armed >= ROUNDS * OPENS, "t50: the armed probe is hit by every open (the text was patched)");
	result(hits_disarmed == 0, "t50: the disarmed probe is not hit (the text was restored)");
	result(ran, "t50: the isolated task runs after every round");
	/*
	 * Every CPU spins with interrupts off in multi_cpu_stop() until CPU 3's
	 * stopper runs, so its wake-up must never be held for the
	 * max_defer_ms bound (sched_isolator_resched_may_wait()): nothing else
	 * wakes on CPU 3 during the rounds, so no reschedule may be held.
	 */
	result(stat_get(&st1, "ipi_resched") - stat_get(&st0, "ipi_resched") == 0,
	       "t50: no reschedule of CPU 3 was held during the stops (the stopper's wake-up never waits)");
	printf("# isolated pid after: %llu (task %d)\n", isolated_pid(), pid);
	result(isolated_pid() == (unsigned long long)pid,
	       "t50: the task still isolates CPU 3 after the stops");
	result(kill_limit(pid, 20), "t50: the isolated task can be killed");
	r = kprobe_events("-:isolator_t50\n");
	result(r == 0, "t50: the kprobe event is removed");
	return failures ? 1 : 0;
}
