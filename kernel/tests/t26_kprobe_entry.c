// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * t26: entry safety. The kernel-state work other CPUs defer to an isolated
 * CPU (the sync_core of text patching, a kernel TLB flush) must have run
 * before the first instrumentable function of the CPU's next kernel entry
 * (patches 0001 and 0006: in ct_kernel_enter(), noinstr, right after the
 * CPU is seen in the kernel).
 *
 * A task isolates CPU 3 and makes a getppid() syscall every few thousand
 * spins in user mode. From CPU 0, /proc/isolator/kprobe_test (patch 0018)
 * puts a kprobe on vtime_user_exit(), the first instrumentable function of
 * a nohz_full CPU's entry from user mode, whose handler records, on CPU 3,
 * whether deferred work was still pending. Registering the kprobe is text
 * patching deferred to CPU 3 itself; then for 4 s a tracepoint is toggled
 * (more deferred sync_core), then the probe is removed (again deferred).
 * Asserted: the probe fired on CPU 3, it never found work deferred before
 * that entry not yet run (stale 0), work was deferred to CPU 3 meanwhile and
 * drained, and the task kept making syscalls. Work bits the probe finds set
 * ("pending") are reported, not asserted: a sender that sets its bit just
 * after the entry hook read the word finds CPU 3 in the kernel and sends its
 * IPI; the probe tells the two apart by the request count kept in the work
 * word (patch 0018). Skipped without CONFIG_ISOLATOR_KPROBE_TEST.
 */
#include "common.h"

#include <sys/prctl.h>

#define KPT "/proc/isolator/kprobe_test"
#define TP "/sys/kernel/tracing/events/sched/sched_waking/enable"

/* The value of "KEY VALUE" in the kprobe_test file, or -1. */
static long kpt_get(const char *key)
{
	char line[128], k[64];
	long v, ret = -1;
	FILE *f = fopen(KPT, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %li", k, &v) == 2 && !strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

static void spinner(struct shared *s)
{
	unsigned long i = 0;

	pin(ISO_CPU);
	fifo(50);
	if (prctl(0x49534f01, 7, 0, 0, 0)) {	/* PR_ISOLATOR_START, all */
		atomic_store(&s->err, errno);
		atomic_store(&s->ack, -1);
		_exit(1);
	}
	atomic_store(&s->ack, 1);
	while (atomic_load(&s->phase) == 0) {
		if (++i % 4096 == 0) {
			syscall(SYS_getppid);	/* a kernel entry from user mode */
			atomic_fetch_add(&s->spins, 1);
		}
	}
	prctl(0x49534f03, 0, 0, 0, 0);	/* PR_ISOLATOR_STOP */
	_exit(0);
}

int main(void)
{
	struct shared *s = shared_new();
	struct stats a, b;
	unsigned long calls0, calls1;
	long hits, pending, stale;
	char cmd[64];
	pid_t pid;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access(KPT, F_OK)) {
		printf("ok - t26: # SKIP no %s (CONFIG_ISOLATOR_KPROBE_TEST)\n", KPT);
		return 0;
	}
	pin(0);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		spinner(s);
	if (!wait_ack_limit(s, 1, 30)) {
		printf("not ok - t26: the spinner did not isolate CPU 3 (err %d)\n",
		       atomic_load(&s->err));
		kill(pid, SIGKILL);
		return 1;
	}
	sleep(2);	/* past start's own work */
	if (read_stats(ISO_CPU, &a))
		die("read /proc/isolator/stats");
	calls0 = atomic_load(&s->spins);
	snprintf(cmd, sizeof(cmd), "arm vtime_user_exit %d", ISO_CPU);
	fd = open(KPT, O_WRONLY);
	if (fd < 0 || write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		die("arm the kprobe");
	close(fd);
	for (double end = now_s() + 4; now_s() < end;) {
		write_file(TP, "1");
		write_file(TP, "0");
		usleep(20000);
	}
	fd = open(KPT, O_WRONLY);
	if (fd < 0 || write(fd, "disarm", 6) != 6)
		die("disarm the kprobe");
	close(fd);
	usleep(200000);
	calls1 = atomic_load(&s->spins);
	hits = kpt_get("hits");
	pending = kpt_get("pending");
	stale = kpt_get("stale");
	if (read_stats(ISO_CPU, &b))
		die("read /proc/isolator/stats");
	atomic_store(&s->phase, 1);
	if (wait_limit(pid, 30, "t26 spinner stop", NULL, 0))
		failures++;
	print_stats_delta("with the kprobe armed", &a, &b);
	printf("# t26: kprobe on vtime_user_exit, CPU %d: %ld hits, %ld pending (bits of a sender racing the entry), %ld stale (work %#lx); deferred %llu drained %llu; %lu syscalls of the isolated task\n",
	       ISO_CPU, hits, pending, stale,
	       kpt_get("stale_work"), stat_get(&b, "work_deferred") - stat_get(&a, "work_deferred"),
	       stat_get(&b, "work_drained") - stat_get(&a, "work_drained"), calls1 - calls0);
	result(hits > 0, "t26: the kprobe on the entry path fired on the isolated CPU");
	result(stale == 0, "t26: the deferred work had run before the probe, every hit");
	result(stat_get(&b, "work_deferred") > stat_get(&a, "work_deferred"),
	       "t26: work was deferred to the isolated CPU meanwhile (text patching)");
	result(stat_get(&b, "work_drained") > stat_get(&a, "work_drained"),
	       "t26: and drained at its kernel entries");
	result(calls1 - calls0 > 10, "t26: the isolated task kept making syscalls");
	return failures ? 1 : 0;
}
