// SPDX-License-Identifier: GPL-2.0
/*
 * Test 23: `tick tsc_sync` runs the per-CPU clock check that x86 makes at
 * idle entry (tsc_verify_tsc_adjust(): the TSC_ADJUST MSR back to its boot
 * value), which a CPU whose isolated task never blocks would never run.
 *
 * A SCHED_FIFO spinner keeps CPU 3 out of idle; the test moves CPU 3's
 * TSC_ADJUST by +1000 through /dev/cpu/3/msr, the spinner isolates CPU 3 and
 * ticks every 10 ms for 3 s without tsc_sync (the MSR must stay moved: no
 * other path restores it, so the next step shows tsc_sync's own work), then
 * 3 s with tsc_sync (the check is rate-limited to once a second): it must be
 * back to the boot value. Skips where the CPU has no TSC_ADJUST (arm64, or
 * a CPU model without it).
 */
#include "common.h"

#define MSR_IA32_TSC_ADJUST 0x3b

static int msr_rw(int cpu, bool write, long long *v)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = open(path, write ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return -errno;
	if ((write ? pwrite(fd, v, 8, MSR_IA32_TSC_ADJUST) :
		     pread(fd, v, 8, MSR_IA32_TSC_ADJUST)) != 8)
		ret = -errno;
	close(fd);
	return ret;
}

static bool cpu_has_flag(const char *flag)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	bool has = false;

	while (f && !has && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5))
			for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
				has |= !strcmp(t, flag);
	if (f)
		fclose(f);
	return has;
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

int main(void)
{
	struct shared *s = shared_new();
	long long boot = 0, moved, after_plain = 0, after_sync = 0;
	int r;
	pid_t pid;

	if (!cpu_has_flag("tsc_adjust")) {
		printf("ok - t23: # SKIP no TSC_ADJUST on this CPU: tick tsc_sync has no check to run\n");
		return 0;
	}
	if (msr_rw(ISO_CPU, false, &boot)) {
		printf("ok - t23: # SKIP no /dev/cpu/3/msr (CONFIG_X86_MSR): %s\n",
		       strerror(errno));
		return 0;
	}
	pin(0);
	/* the task spins before phase 1: CPU 3 out of idle, whose entry would restore the MSR */
	pid = fork_phased(s);
	if (pid == 0) {
		atomic_store(&s->err, control("start clock,resched,ipi"));
		for (int i = 0; i < 300; i++) {
			spin_ns(10000000);
			if (control("tick"))
				atomic_store(&s->err, -EIO);
		}
		atomic_store(&s->err, atomic_load(&s->err) ?: control("stop"));
		atomic_store(&s->ack, 2);
		while (atomic_load(&s->phase) < 2)
			;
		atomic_store(&s->err, control("start clock,resched,ipi"));
		for (int i = 0; i < 300; i++) {
			spin_ns(10000000);
			if (control("tick tsc_sync"))
				atomic_store(&s->err, -EIO);
		}
		atomic_store(&s->err, atomic_load(&s->err) ?: control("stop"));
		atomic_store(&s->ack, 3);
		while (atomic_load(&s->phase) < 3)
			;
		_exit(0);
	}
	usleep(100000);
	moved = boot + 1000;
	r = msr_rw(ISO_CPU, true, &moved);
	msr_rw(ISO_CPU, false, &moved);
	printf("# CPU 3 TSC_ADJUST: boot %lld, moved to %lld (write %d)\n", boot, moved, r);
	atomic_store(&s->phase, 1);
	if (!wait_ack_limit(s, 2, 60)) {
		printf("# TIMEOUT: 300 ticks did not end within 60 s\n");
		dump_task(pid);
		sysrq_w();
	}
	/* CPU 3 is not isolated now, the spinner keeps it out of idle */
	msr_rw(ISO_CPU, false, &after_plain);
	atomic_store(&s->phase, 2);
	if (!wait_ack_limit(s, 3, 60)) {
		printf("# TIMEOUT: 300 ticks tsc_sync did not end within 60 s\n");
		dump_task(pid);
		sysrq_w();
	}
	msr_rw(ISO_CPU, false, &after_sync);
	atomic_store(&s->phase, 3);
	if (!kill_limit(pid, 30))
		printf("# the spinner did not die\n");
	printf("# TSC_ADJUST after 3 s of tick: %lld; after 3 s of tick tsc_sync: %lld\n",
	       after_plain, after_sync);
	result(r == 0 && moved == boot + 1000, "t23: CPU 3's TSC_ADJUST moved by +1000");
	result(atomic_load(&s->err) == 0, "t23: start, 600 ticks and stop all succeed");
	result(after_plain == moved, "t23: plain ticks leave it moved (nothing else restores it)");
	result(after_sync == boot, "t23: tick tsc_sync restores TSC_ADJUST to its boot value");
	if (after_sync != boot) {
		/* leave the machine as found */
		msr_rw(ISO_CPU, true, &boot);
	}
	return failures ? 1 : 0;
}
