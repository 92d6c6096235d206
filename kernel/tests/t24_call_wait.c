// SPDX-License-Identifier: GPL-2.0
/*
 * Test 24 (issue 16, explicit deferrable call sites): an ordinary
 * wait=1 cross-CPU call from another CPU keeps its meaning while CPU 3 is
 * isolated: it is delivered, and it returns only after its function ran
 * on CPU 3. Only callers that say their call may wait
 * (text_poke_sync_deferrable(), flush_tlb_kernel_range(), ...) are
 * deferred to CPU 3's next kernel entry; nothing recognises functions.
 *
 * Two calls, from CPU 0, to the isolated spinner thread on CPU 3:
 *  - smp_call_function_single(3, __perf_event_read, &data, 1): read() of
 *    a counting task-clock perf event on the spinner (where the kernel has
 *    PERF_EVENTS). The count returned is computed by that function on
 *    CPU 3: every read must return more than the one before (the spinner
 *    runs all the time); an absorbed call would return the count of the
 *    last context switch, unchanged.
 *  - smp_call_function_many({3}, ipi_mb, NULL, 1):
 *    membarrier(PRIVATE_EXPEDITED), CPU 3 running the caller's only other
 *    thread (FLAG_CPU needs CONFIG_RSEQ, not in the test kernel).
 * CPU 3 counts the call interrupt ("CAL", arm64 "IPI1") in its handler
 * before it runs the function, and the sender returns after the function
 * unlocked the call: so each call that returns must find CPU 3's count
 * already higher. An absorbed call ("virtual completion") would not.
 */
#include "common.h"
#include <linux/perf_event.h>

#define CALLS 20

static unsigned long long cpu3_calls(void)
{
	struct kinds k;

	snapshot(&k);
	return kinds_get(&k, KIND_CALL);
}

static struct iso_thread sh;

int main(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_TASK_CLOCK,
	};
	unsigned long long c0, c1, first, last, prev = 0, val;
	int ran = 0, ok = 0, reads = 0, rran = 0, grew = 0, fd;
	struct stats s0, s1;
	unsigned long spins;

	pin(0);
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		die("membarrier register");
	iso_thread_start(&sh);
	result(atomic_load(&sh.err) == 0, "t24: spinner thread isolated CPU 3");
	fd = syscall(SYS_perf_event_open, &attr, atomic_load(&sh.tid), -1, -1, 0);
	usleep(200000);
	read_stats(ISO_CPU, &s0);
	first = cpu3_calls();
	for (int i = 0; i < CALLS; i++) {
		c0 = cpu3_calls();
		if (syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
			ok++;
		c1 = cpu3_calls();
		ran += c1 > c0;
		if (fd >= 0) {
			c0 = cpu3_calls();
			if (read(fd, &val, sizeof(val)) == sizeof(val)) {
				reads++;
				grew += val > prev;
				prev = val;
			}
			c1 = cpu3_calls();
			rran += c1 > c0;
		}
		usleep(20000);
	}
	last = cpu3_calls();
	read_stats(ISO_CPU, &s1);
	spins = atomic_load(&sh.spins);
	usleep(50000);
	printf("# %d membarrier(PRIVATE_EXPEDITED) calls, wait=1, to CPU 3: %d returned 0, %d found CPU 3's %s count higher\n",
	       CALLS, ok, ran, KIND_CALL);
	if (fd >= 0)
		printf("# %d task-clock reads (smp_call_function_single wait=1): %d returned a count, %d a higher one (last %llu ns), %d found CPU 3's %s count higher\n",
		       CALLS, reads, grew, prev, rran, KIND_CALL);
	printf("# CPU 3 %s %llu -> %llu; work_delivered +%llu, work_deferred +%llu\n",
	       KIND_CALL, first, last,
	       stat_get(&s1, "work_delivered") - stat_get(&s0, "work_delivered"),
	       stat_get(&s1, "work_deferred") - stat_get(&s0, "work_deferred"));
	result(ok == CALLS, "t24: every membarrier(PRIVATE_EXPEDITED) call returned 0");
	result(ran == CALLS,
	       "t24: every wait=1 call (many) to isolated CPU 3 returned after its function ran there");
	if (fd < 0) {
		printf("ok - t24: wait=1 single calls return the value computed on CPU 3 # SKIP perf_event_open: %s (no CONFIG_PERF_EVENTS?)\n",
		       strerror(errno));
	} else {
		result(reads == CALLS && grew == CALLS && rran == CALLS,
		       "t24: wait=1 single calls return the value computed on CPU 3 (task-clock read)");
		close(fd);
	}
	result(stat_get(&s1, "work_delivered") - stat_get(&s0, "work_delivered") >=
	       (unsigned long long)CALLS, "t24: the calls are counted as delivered, none absorbed");
	result(stat_get(&s1, "isolated") == (unsigned long long)atomic_load(&sh.tid),
	       "t24: CPU 3 stays isolated by the spinner through the calls");
	result(atomic_load(&sh.spins) != spins, "t24: the spinner runs after the calls");
	iso_thread_stop(&sh);
	return failures ? 1 : 0;
}
