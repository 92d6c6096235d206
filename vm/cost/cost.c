// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guest workload of `make vm-cost` (vm/cost.sh): the hot paths whose
 * instructions the icount plugin counts, run twice in one boot:
 *
 *   phase 1  nobody isolated
 *   phase 2  a SCHED_FIFO task isolates CPU 3 (PR_ISOLATOR_START) and spins
 *            in user mode: the start's own work, not counted
 *   phase 3  the same load runs on the housekeeping CPUs
 *
 * Phases 1 and 3: 10^5 getppid() on CPU 1 (syscall entry and exit), then
 * pipe round trips between CPU 1 and CPU 2 (400, 100 in phase 3; wake-ups:
 * resched_curr, the reschedule IPI, __schedule); the tick runs on CPUs 0-2
 * meanwhile. A sync() ends a phase: the plugin cuts its counts at ksys_sync
 * (its mark=).
 * On a kernel without the isolator (CONFIG_ISOLATOR=n) the prctl fails with
 * EINVAL and phases 2 and 3 are skipped (said so).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PR_ISOLATOR_START 0x49534f01
#define PR_ISOLATOR_STOP 0x49534f03
#define SYSCALLS 100000
/*
 * Few round trips: under TCG with one thread for all vCPUs (vm/run.sh), a
 * vCPU that never halts (the isolated spinner of phase 3) keeps the thread
 * up to its 100 ms kick period each turn, so a round trip between two other
 * vCPUs takes up to a few hundred ms then: the isolated phase runs a
 * quarter of them (400 took more than 7 minutes on arm64 under the plugin
 * on a loaded host). The counts per event do not depend on how many there
 * are.
 */
#define ROUNDS 400
#define ROUNDS_ISOLATED (ROUNDS / 4)

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s)) {
		printf("not ok - cost: pin to CPU %d: %s\n", cpu, strerror(errno));
		exit(1);
	}
}

/* [0] isolated child's state, [1] its errno, [2] stop, [3] progress, [4] stalled */
static volatile int *shared;

static void cat(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return;
	printf("# %s:\n", path);
	while ((n = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
		buf[n] = 0;
		fputs(buf, stdout);
	}
	fclose(f);
}

/*
 * A load that stops making progress for 120 s while CPU 3 is isolated: say
 * where its tasks are, then end the isolation (the load should go on).
 */
static pid_t watchdog(void)
{
	pid_t pid = fork();
	int last = -1, still = 0;

	if (pid)
		return pid;
	for (;;) {
		sleep(1);
		if (shared[3] != last) {
			last = shared[3];
			still = 0;
			continue;
		}
		if (++still < 120)
			continue;
		printf("# cost: no progress for 120 s (at %d): tasks, stats\n", last);
		system("for s in /proc/[0-9]*/stat; do cat $s; echo; done 2>/dev/null | "
		       "awk '$3 == \"R\" || $3 == \"D\" { print \"# \" $1, $2, $3, \"cpu\", $39 }'");
		cat("/proc/isolator/stats");
		cat("/proc/isolator/culprits");
		shared[4] = 1;
		shared[2] = 1;
		_exit(0);
	}
}

static void load(int phase, long rounds)
{
	int ab[2], ba[2];
	pid_t pid;
	char c = 0;
	long i;

	/* the syscall path, CPU 1 */
	pid = fork();
	if (pid == 0) {
		pin(1);
		for (i = 0; i < SYSCALLS; i++) {
			syscall(SYS_getppid);
			if (!(i % 1000))
				shared[3]++;
		}
		_exit(0);
	}
	waitpid(pid, NULL, 0);

	/* wake-ups across CPUs 1 and 2 */
	if (pipe(ab) || pipe(ba)) {
		printf("not ok - cost: pipe: %s\n", strerror(errno));
		exit(1);
	}
	pid = fork();
	if (pid == 0) {
		pin(2);
		for (i = 0; i < rounds; i++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	pin(1);
	for (i = 0; i < rounds; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			break;
		else
			shared[3]++;
	waitpid(pid, NULL, 0);
	pin(0);
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
	printf("# cost: phase %d: %d getppid on CPU 1, %ld of %ld round trips CPU 1 <-> 2\n",
	       phase, SYSCALLS, i, rounds);
	fflush(stdout);
	sync();		/* the plugin's phase mark */
}

int main(void)
{
	struct sched_param sp = { .sched_priority = 50 };
	pid_t iso;

	setvbuf(stdout, NULL, _IOLBF, 0);
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		printf("not ok - cost: mmap: %s\n", strerror(errno));
		return 1;
	}
	pin(0);
	sync();		/* ends phase 0, the boot */
	load(1, ROUNDS);
	printf("ok - cost: phase 1 (nobody isolated) ran\n");

	iso = fork();
	if (iso == 0) {
		pin(3);
		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			_exit(2);
		if (prctl(PR_ISOLATOR_START, 7, 0, 0, 0)) {
			shared[1] = errno;
			shared[0] = 2;
			_exit(0);
		}
		shared[0] = 1;
		while (!shared[2])
			;
		prctl(PR_ISOLATOR_STOP, 0, 0, 0, 0);
		_exit(0);
	}
	while (!shared[0])
		usleep(1000);
	if (shared[0] == 2) {
		printf("# cost: phase 2 skipped: PR_ISOLATOR_START: %s (kernel without the isolator)\n",
		       strerror(shared[1]));
		waitpid(iso, NULL, 0);
		sync();
		printf("ok - cost: phase 2 skipped, no isolator\n");
		return 0;
	}
	sleep(2);	/* past start's own work: the first tick after it, RCU */
	sync();		/* ends the start phase */
	pid_t wd = watchdog();

	load(3, ROUNDS_ISOLATED);
	kill(wd, SIGKILL);
	waitpid(wd, NULL, 0);
	shared[2] = 1;
	waitpid(iso, NULL, 0);
	if (shared[4]) {
		printf("not ok - cost: phase 3: the load stalled while CPU 3 was isolated (went on after stop)\n");
		return 1;
	}
	printf("ok - cost: phase 3 (CPU 3 isolated) ran\n");
	return 0;
}
