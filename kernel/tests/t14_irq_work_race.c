// SPDX-License-Identifier: GPL-2.0
/*
 * Test 14 (issue 10, found by reading): irq_work queued for CPU 3 while
 * "stop" runs. A sender that saw CPU 3 isolated leaves its irq_work on the
 * call-single queue without an IPI; if that lands after stop's last drain,
 * no IPI is ever sent to that queue again and the next
 * smp_call_function_single(3, ..., wait=1) spins.
 *
 * The isolated task cycles start / stop on CPU 3 while another CPU makes
 * the scheduler kick CPU 3's tick (irq_work_queue_on(), nohz_full kick):
 * it turns a second task queued on CPU 3 from SCHED_OTHER to SCHED_RR and
 * back, so the tick dependency is set and cleared. After each stop, a
 * sibling thread's membarrier(PRIVATE_EXPEDITED, FLAG_CPU=3) - a
 * smp_call_function_single(3, wait=1) - must complete while the task
 * spins, not isolated, on CPU 3.
 *
 * The kernel has CONFIG_CSD_LOCK_WAIT_DEBUG, on by default: a call that
 * waits longer than smp.csd_lock_timeout (5 s) prints "csd: Detected
 * non-responsive CSD lock" and re-sends the IPI, which would unstick the
 * lost call before our own 5 s limit sees it. So the test also reads the
 * kernel log (/dev/kmsg, from its start) for any "CSD lock" line, and
 * fails without the option (/sys/module/smp/parameters/csd_lock_timeout),
 * but on arm64, whose test kernel does not have it yet (a SKIP there).
 *
 * Limit: with the re-check [Q1] of isolator_irq_work_queued() removed on
 * purpose, this test still passed (x86, 207 cycles, 0 stuck, no CSD lock
 * line): under single-threaded TCG the sender is practically never
 * switched out between the filter and its llist_add(), the few
 * instructions the race needs. It shows the calls complete; it does not
 * show the race closed.
 */
#include "common.h"

#define SECS 12

struct t14 {
	_Atomic unsigned long req, done;
	_Atomic int quit;
	_Atomic unsigned long cycles, stuck, bad;
};

static struct t14 *t;

static void *prober(void *unused)
{
	struct sched_param sp = { 0 };

	sched_setscheduler(0, SCHED_OTHER, &sp);
	pin(2);
	while (!atomic_load(&t->quit)) {
		unsigned long r = atomic_load(&t->req);

		if (r == atomic_load(&t->done))
			continue;
		syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
			MEMBARRIER_CMD_FLAG_CPU, ISO_CPU);
		atomic_store(&t->done, r);
	}
	return NULL;
}

static void isolated_cycles(void)
{
	pthread_t th;
	double end;

	syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
	pthread_create(&th, NULL, prober, NULL);
	pin(ISO_CPU);
	fifo(50);
	end = now_s() + SECS;
	while (now_s() < end) {
		double wait;

		atomic_fetch_add(&t->bad, control("start clock,resched,ipi") != 0);
		for (volatile int k = 0; k < 20000; k++)
			;
		atomic_fetch_add(&t->bad, control("stop") != 0);
		/* not isolated now: a call to this CPU must get through */
		atomic_fetch_add(&t->req, 1);
		wait = now_s() + 5;	/* a lost IPI waits for good, a slow one not */
		while (atomic_load(&t->done) != atomic_load(&t->req) && now_s() < wait)
			;
		if (atomic_load(&t->done) != atomic_load(&t->req))
			atomic_fetch_add(&t->stuck, 1);
		atomic_fetch_add(&t->cycles, 1);
	}
	atomic_store(&t->quit, 1);
	/* a final start drains whatever a stuck call waits for */
	if (!control("start clock,resched,ipi"))
		control("stop");
	pthread_join(th, NULL);
	_exit(0);
}

/* /dev/kmsg positioned at its end: only what is logged from now on. */
static int kmsg_from_now(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Count the records logged since kmsg_from_now() that contain @needle. */
static int kmsg_count(int fd, const char *needle)
{
	char rec[1024];
	int n = 0;

	for (;;) {
		ssize_t r = read(fd, rec, sizeof(rec) - 1);

		if (r < 0 && errno == EPIPE)
			continue;	/* records overwritten meanwhile: go on */
		if (r <= 0)
			break;
		rec[r] = '\0';
		if (strstr(rec, needle)) {
			char *msg = strchr(rec, ';');

			printf("# kmsg: %.200s", msg ? msg + 1 : rec);
			n++;
		}
	}
	return n;
}

int main(void)
{
	struct sched_param rr = { .sched_priority = 1 }, other = { 0 };
	pid_t pid, queued[2];
	bool csd_debug = access("/sys/module/smp/parameters/csd_lock_timeout", F_OK) == 0;
	int kmsg = kmsg_from_now(), csd_lines;

	t = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(t, 0, sizeof(*t));
	pin(1);
	/* Two tasks queued on CPU 3 behind the isolated one; one stays RR. */
	for (int i = 0; i < 2; i++) {
		queued[i] = fork();
		if (queued[i] == 0) {
			pin(ISO_CPU);
			for (;;)
				;
		}
	}
	sched_setscheduler(queued[0], SCHED_RR, &rr);
	pid = fork();
	if (pid == 0)
		isolated_cycles();
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		sched_setscheduler(queued[1], SCHED_RR, &rr);
		sched_setscheduler(queued[1], SCHED_OTHER, &other);
	}
	for (int i = 0; i < 2; i++) {
		kill(queued[i], SIGKILL);
		waitpid(queued[i], NULL, 0);
	}
	printf("# %lu start/stop cycles in %d s with tick kicks from CPU 1: %lu calls to CPU 3 "
	       "stuck after stop, %lu failed control writes\n", atomic_load(&t->cycles), SECS,
	       atomic_load(&t->stuck), atomic_load(&t->bad));
	result(atomic_load(&t->cycles) > 0 && atomic_load(&t->bad) == 0,
	       "t14: start/stop cycles under tick kicks succeed");
	result(atomic_load(&t->stuck) == 0,
	       "t14: no smp_call_function_single() to CPU 3 hangs after stop (irq_work race)");
	csd_lines = kmsg >= 0 ? kmsg_count(kmsg, "CSD lock") : -1;
	printf("# CONFIG_CSD_LOCK_WAIT_DEBUG %s; \"CSD lock\" lines in the kernel log meanwhile: %d\n",
	       csd_debug ? "in the kernel" : "MISSING", csd_lines);
#if defined(__aarch64__)
	/* kernel/isolator-x86_64.config has the option, arm64's not yet */
	if (!csd_debug) {
		printf("ok - t14: with CONFIG_CSD_LOCK_WAIT_DEBUG, no CSD lock wait reported "
		       "(kernel log) # SKIP not in the arm64 test kernel yet\n");
		return failures ? 1 : 0;
	}
#endif
	result(csd_debug && csd_lines == 0,
	       "t14: with CONFIG_CSD_LOCK_WAIT_DEBUG, no CSD lock wait reported (kernel log)");
	return failures ? 1 : 0;
}
