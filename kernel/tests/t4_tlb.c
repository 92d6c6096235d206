// SPDX-License-Identifier: GPL-2.0
/*
 * Test 4: TLB safety. A thread on isolated CPU 3 reads (and tries to write)
 * pages that another thread of the same process, on CPU 0, unmaps, remaps
 * with new contents, and write-protects, in a loop. A stale translation on
 * CPU 3 would show as an old value or a write that succeeds after
 * mprotect(PROT_READ). Those flushes target the address space CPU 3 runs,
 * so on x86 (IPI shootdowns) they must show in the stats as delivered
 * anyway; on arm64 they are broadcast TLBI instructions and ask for no IPI:
 * fewer deliveries than rounds (other loads' calls may be delivered), and
 * no TLB IPI deferred.
 *
 * The isolated thread calls "tick sched,rt" about once a second, as an
 * isolated application is meant to: per-CPU work queued for CPU 3 (here the
 * kworker of vm.stat_refresh, part of the load) runs then, instead of
 * leaving its sender blocked for the whole test.
 */
#include "common.h"
#include <pthread.h>
#include <setjmp.h>

#define ROUNDS 2000
#define MIN_ROUNDS 20	/* 40 in 40 s with the issue-10 series under TCG */
#define MAX_SECONDS 40
/*
 * Past MAX_SECONDS the loop goes on until MIN_ROUNDS, up to this: the count
 * is the claim, not the time (a loaded host gave x86 28 rounds in 40 s,
 * arm64 under TCG gives about 50).
 */
#define HARD_SECONDS 150

static struct {
	atomic_uintptr_t page;	/* the unsigned long the reader checks */
	atomic_ulong gen;	/* value expected in *page */
	atomic_ulong seen;	/* last gen the reader checked */
	atomic_int mode;		/* 0 read, 1 try to write, 2 quit */
	atomic_ulong stale, writes_ok, faults;
	atomic_int started, err;
} sh;

static sigjmp_buf jb;

static void on_segv(int sig)
{
	siglongjmp(jb, 1);
}

static void *reader(void *arg)
{
	/* static: kept across the siglongjmp() of a faulting write */
	static unsigned long last;
	static double next_tick;

	next_tick = now_s() + 1;	/* vDSO: no kernel entry */

	pin(ISO_CPU);
	fifo(50);
	signal(SIGSEGV, on_segv);
	atomic_store(&sh.err, control("start clock,resched,ipi"));
	atomic_store(&sh.started, 1);
	for (;;) {
		unsigned long g = atomic_load(&sh.gen);
		int mode = atomic_load(&sh.mode);

		if (mode == 2)
			break;
		if (now_s() > next_tick) {
			control("tick sched,rt");
			next_tick = now_s() + 1;
		}
		if (g == last)
			continue;
		/* each check a real load or store of the page (a relaxed atomic) */
		atomic_ulong *p = (atomic_ulong *)atomic_load(&sh.page);

		if (mode == 0) {
			if (atomic_load_explicit(p, memory_order_relaxed) != g)
				atomic_fetch_add(&sh.stale, 1);
		} else if (sigsetjmp(jb, 1) == 0) {
			atomic_store_explicit(p, g, memory_order_relaxed);
			atomic_fetch_add(&sh.writes_ok, 1);
		} else {
			atomic_fetch_add(&sh.faults, 1);
		}
		last = g;
		atomic_store(&sh.seen, g);
	}
	control("stop");
	return NULL;
}

static void publish(unsigned long *p, unsigned long g, int mode)
{
	atomic_store(&sh.page, (uintptr_t)p);
	atomic_store(&sh.mode, mode);
	atomic_store(&sh.gen, g);
	while (atomic_load(&sh.seen) != g)
		;
}

int main(void)
{
	struct stats s0, s1;
	struct load load;
	pthread_t t;
	unsigned long g = 0;
	double end;
	int rounds;

	pin(0);
	/*
	 * The load runs on CPUs 1-2 here: sharing CPU 0 with it, the unmapping
	 * thread managed only ~60 rounds in 40 s under TCG; raising it to
	 * SCHED_FIFO instead starved rcuc/0 (an RCU stall).
	 */
	load_first_cpu = 1;
	load_start(&load);
	pthread_create(&t, NULL, reader, NULL);
	while (!atomic_load(&sh.started))
		usleep(1000);
	read_stats(ISO_CPU, &s0);
	end = now_s() + MAX_SECONDS;
	for (rounds = 0; rounds < ROUNDS &&
	     (now_s() < end || (rounds < MIN_ROUNDS && now_s() < end - MAX_SECONDS + HARD_SECONDS));
	     rounds++) {
		unsigned long *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		*p = ++g;
		publish(p, g, 0);		/* CPU 3 caches the translation */
		munmap(p, 4096);		/* must be flushed there */
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		*p = ++g;
		publish(p, g, 0);		/* same address, new page */
		mprotect(p, 4096, PROT_READ);	/* must be flushed there too */
		publish(p, ++g, 1);		/* the write must fault */
		munmap(p, 4096);
	}
	read_stats(ISO_CPU, &s1);
	atomic_store(&sh.mode, 2);
	pthread_join(t, NULL);
	load_stop(&load);

	result(atomic_load(&sh.err) == 0, "t4: reader thread isolated CPU 3");
	printf("# %d rounds (%d max, %d s max unless fewer than %d): stale reads=%lu writes after mprotect=%lu faults=%lu\n",
	       rounds, ROUNDS, MAX_SECONDS, MIN_ROUNDS, atomic_load(&sh.stale),
	       atomic_load(&sh.writes_ok), atomic_load(&sh.faults));
	print_stats_delta("during the loop", &s0, &s1);
	result(atomic_load(&sh.stale) == 0, "t4: no stale value read on CPU 3");
	result(rounds >= MIN_ROUNDS, "t4: enough unmap/remap/mprotect rounds ran");
	result(atomic_load(&sh.writes_ok) == 0 && atomic_load(&sh.faults) == (unsigned long)rounds,
	       "t4: every write after mprotect(PROT_READ) faulted");
#if defined(__aarch64__)
	/* three flushes a round; other loads' calls may still be delivered */
	result(stat_get(&s1, "work_delivered") - stat_get(&s0, "work_delivered") <
	       (unsigned long long)rounds &&
	       stat_get(&s1, "ipi_tlb") == stat_get(&s0, "ipi_tlb"),
	       "t4: arm64 flushes CPU 3's mm by broadcast TLBI: no IPI per flush");
#else
	result(stat_get(&s1, "work_delivered") - stat_get(&s0, "work_delivered") >=
	       (unsigned long long)rounds,
	       "t4: the flushes of CPU 3's own mm were delivered anyway");
#endif
	return failures ? 1 : 0;
}
