/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file isolator/clock.h
 * @brief Inline counter reads for hot loops. Included by isolator.h; do not
 *        include it alone.
 *
 * A polling loop reads the counter every iteration, so these must be a few
 * instructions with no call. Which barrier each read needs depends on what is
 * being timed, so there are two:
 *  - isolator_tsc(): the raw read. The CPU may execute it early or late with
 *    respect to neighbouring loads; fine for measuring gaps of hundreds of
 *    nanoseconds in a spinning loop (like oslat).
 *  - isolator_tsc_ordered(): waits until every earlier instruction has
 *    executed before reading, and stops later ones from starting before the
 *    read, so it timestamps a store or a load that precedes it (a response).
 */
#ifndef ISOLATOR_CLOCK_H
#define ISOLATOR_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @return The raw counter: rdtsc on x86-64, cntvct_el0 on arm64. */
static inline uint64_t isolator_tsc(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#elif defined(__aarch64__)
	uint64_t v;
	__asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
#error "isolator: no cycle counter for this architecture"
#endif
}

/** @return The counter, read after all earlier instructions completed. */
static inline uint64_t isolator_tsc_ordered(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi, aux;
	/* rdtscp waits for earlier instructions; the lfence after it keeps
	 * later ones from starting before the read (Intel SDM, RDTSCP). */
	__asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) : : "memory");
	return ((uint64_t)hi << 32) | lo;
#elif defined(__aarch64__)
	uint64_t v;
	/* isb: the counter read is not speculated ahead of earlier instructions */
	__asm__ __volatile__("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(v) : : "memory");
	return v;
#endif
}

/* Out of line: the rare path, which buckets and accumulates a gap. */
ISOLATOR_API void isolator_gaps_record_(struct isolator_gaps *gaps, uint64_t delta);

/**
 * @brief Note one iteration of a spinning loop; record the gap since the
 *        previous one if it is over the threshold.
 *
 * The common case (no gap) is a counter read, a subtraction and a compare.
 * @return The counter value read.
 */
static inline uint64_t isolator_gaps_observe(struct isolator_gaps *gaps)
{
	uint64_t now = isolator_tsc();
	uint64_t delta = now - gaps->last;

	gaps->last = now;
	gaps->loops++;
	if (__builtin_expect(delta > gaps->threshold_cycles, 0))
		isolator_gaps_record_(gaps, delta);
	return now;
}

#ifdef __cplusplus
}
#endif

#endif /* ISOLATOR_CLOCK_H */
