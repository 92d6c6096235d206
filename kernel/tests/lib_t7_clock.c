// SPDX-License-Identifier: GPL-2.0
/*
 * Test 7 (optional: built only when the project's lib/ compiles): the
 * library's clock on this machine. libisolator reads rdtsc on x86-64 (and
 * calibrates it) or cntvct_el0 on arm64 (and takes CNTFRQ_EL0 as its
 * frequency and the counter as invariant, by the architecture's
 * definition; x86 asks /proc/cpuinfo). Checked here, as consistency, not
 * as timing: the frequency agrees with CLOCK_MONOTONIC_RAW over 0.5 s within
 * 10% (a wrong CNTFRQ is off by a factor, not a percent), the counter never
 * goes backwards on one CPU, and a read on CPU 3 after a read on CPU 0 (the
 * two ordered through memory) is not earlier: one counter for all CPUs.
 */
#include "common.h"
#include "isolator.h"
#include <pthread.h>

static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct {
	atomic_uint_least64_t stamp;	/* written on CPU 0, read on CPU 3 */
	atomic_int turn;
	atomic_ulong backwards;
} x;

/* CPU 3 side of the cross-CPU check: its read must not precede CPU 0's. */
static void *reader(void *arg)
{
	pin(ISO_CPU);
	for (int i = 0; i < 100; i++) {
		uint64_t then, now;

		while (atomic_load_explicit(&x.turn, memory_order_acquire) != 1)
			;
		then = atomic_load_explicit(&x.stamp, memory_order_relaxed);
		now = isolator_tsc_ordered();
		if (now < then)
			atomic_fetch_add(&x.backwards, 1);
		atomic_store_explicit(&x.turn, 0, memory_order_release);
	}
	return arg;
}

int main(void)
{
	const struct isolator_clock *c = isolator_clock();
	uint64_t t0, t1, c0, c1, prev, back = 0;
	double measured, ratio;
	pthread_t t;

	pin(0);
	printf("# clock: source %s, %llu Hz, invariant %d, mult %u shift %u\n", c->source,
	       (unsigned long long)c->hz, c->invariant, c->mult, c->shift);
#if defined(__aarch64__)
	result(!strcmp(c->source, "cntvct_el0"), "t7: arm64 reads cntvct_el0");
#elif defined(__x86_64__)
	result(!strcmp(c->source, "rdtsc"), "t7: x86-64 reads rdtsc");
#endif
	t0 = raw_ns();
	c0 = isolator_tsc_ordered();
	prev = c0;
	do {
		uint64_t now = isolator_tsc_ordered();

		back += now < prev;
		prev = now;
		t1 = raw_ns();
	} while (t1 - t0 < 500000000ull);
	c1 = isolator_tsc_ordered();
	measured = (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
	ratio = measured / (double)c->hz;
	printf("# counter over %.3f s of CLOCK_MONOTONIC_RAW: %.0f Hz measured, %.4f of the detected %llu Hz\n",
	       (t1 - t0) / 1e9, measured, ratio, (unsigned long long)c->hz);
	result(ratio > 0.9 && ratio < 1.1, "t7: the detected frequency agrees with CLOCK_MONOTONIC_RAW");
	result(back == 0, "t7: the counter never went backwards on one CPU");
#if defined(__aarch64__)
	/* x86's answer is the CPU's constant_tsc/nonstop_tsc, which QEMU's TCG
	 * "max" CPU does not claim; the generic timer is invariant by definition */
	result(c->invariant == 1, "t7: the arm64 counter is reported invariant");
#endif

	pthread_create(&t, NULL, reader, NULL);
	for (int i = 0; i < 100; i++) {
		while (atomic_load_explicit(&x.turn, memory_order_acquire) != 0)
			;
		atomic_store_explicit(&x.stamp, isolator_tsc_ordered(), memory_order_relaxed);
		atomic_store_explicit(&x.turn, 1, memory_order_release);
	}
	pthread_join(t, NULL);
	printf("# 100 reads on CPU 3 after a read on CPU 0: %lu earlier\n",
	       atomic_load(&x.backwards));
	result(atomic_load(&x.backwards) == 0,
	       "t7: a read on CPU 3 after one on CPU 0 is never earlier (one counter)");
	return failures ? 1 : 0;
}
