// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The time-stamp counter, calibrated to nanoseconds.
 *
 * x86-64: the TSC frequency is not architecturally readable everywhere (and a
 * VM may hide CPUID leaf 0x15), so it is measured against CLOCK_MONOTONIC_RAW,
 * which NTP does not slew. Each window is bracketed by two clock reads and the
 * window with the tightest bracket wins: a host preemption inside a window
 * widens its bracket and disqualifies it.
 * arm64: cntfrq_el0 holds the generic timer's frequency, but firmware writes
 * it and is sometimes wrong (Linux itself prefers the device tree's
 * clock-frequency), so it is cross-checked the same way, with fewer windows:
 * within 2% it is taken as is (exact, no measurement noise), otherwise the
 * measured frequency is.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static struct isolator_clock the_clock;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static uint64_t mono_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ns = cycles * mult >> shift (a 128-bit product, so no overflow for any
 * gap), with the largest shift up to 32 whose mult fits in 32 bits. */
static void set_mult_shift(struct isolator_clock *c)
{
	uint32_t shift = 32;

	while (shift > 0) {
		uint64_t mult = ((uint64_t)1000000000ull << shift) / c->hz;

		if (mult <= UINT32_MAX) {
			c->mult = (uint32_t)mult;
			c->shift = shift;
			return;
		}
		shift--;
	}
	c->mult = (uint32_t)(1000000000ull / c->hz);
	c->shift = 0;
}

/*
 * The counter's frequency against CLOCK_MONOTONIC_RAW: `windows` windows of
 * `window_ns` each, the one with the tightest bracket of clock reads wins.
 * 0 if no window measured anything.
 */
static uint64_t measure_hz(int windows, uint64_t window_ns)
{
	uint64_t best_hz = 0, best_bracket = UINT64_MAX;

	for (int i = 0; i < windows; i++) {
		uint64_t t0 = mono_raw_ns(), c0 = isolator_tsc_ordered(), t1 = mono_raw_ns();
		uint64_t t2, c1, t3;

		do {
			t2 = mono_raw_ns();
		} while (t2 - t0 < window_ns);
		c1 = isolator_tsc_ordered();
		t3 = mono_raw_ns();
		uint64_t bracket = (t1 - t0) + (t3 - t2);
		uint64_t elapsed = ((t2 + t3) - (t0 + t1)) / 2;

		if (bracket < best_bracket && elapsed) {
			best_bracket = bracket;
			best_hz = (uint64_t)((unsigned __int128)(c1 - c0) * 1000000000ull / elapsed);
		}
	}
	return best_hz;
}

/* A frequency register's value (arm64's CNTFRQ_EL0) if it is within 2% of
 * the measured one (or nothing was measured), else the measured one: a wrong
 * register is off by a factor (a firmware default, another board's value),
 * not by the percent a preempted window can be. 0: neither is usable. */
uint64_t clock_pick_counter_hz(uint64_t reg_hz, uint64_t measured_hz)
{
	if (!measured_hz)
		return reg_hz;
	if (!reg_hz || reg_hz < measured_hz - measured_hz / 50 ||
	    reg_hz > measured_hz + measured_hz / 50)
		return measured_hz;
	return reg_hz;
}

#if defined(__x86_64__)
static int cpu_flag(const char *flag)
{
	char path[512], pattern[64];
	char *text, *line;
	int found = 0;

	if (sysroot_path(path, sizeof(path), NULL, "/proc/cpuinfo"))
		return 0;
	text = read_file_alloc(path, NULL);
	if (!text)
		return 0;
	line = strstr(text, "\nflags");
	if (line) {
		char *eol = strchr(line + 1, '\n');

		if (eol)
			*eol = '\0';
		snprintf(pattern, sizeof(pattern), " %s", flag);
		/* match whole words: " constant_tsc" followed by space or end */
		for (char *p = strstr(line, pattern); p; p = strstr(p + 1, pattern)) {
			char end = p[strlen(pattern)];

			if (end == ' ' || end == '\0') {
				found = 1;
				break;
			}
		}
	}
	free(text);
	return found;
}

static int calibrate(struct isolator_clock *c)
{
	uint64_t best_hz = measure_hz(6, 10000000ull); /* 6 x 10 ms */

	if (!best_hz)
		return -EIO;
	c->hz = best_hz;
	c->source = "rdtsc";
	c->invariant = cpu_flag("constant_tsc") && cpu_flag("nonstop_tsc");
	set_mult_shift(c);
	return 0;
}
#elif defined(__aarch64__)
static int calibrate(struct isolator_clock *c)
{
	uint64_t frq;

	__asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(frq));
	frq = clock_pick_counter_hz(frq, measure_hz(3, 5000000ull)); /* 3 x 5 ms */
	if (!frq)
		return -EIO;
	c->hz = frq;
	c->source = "cntvct_el0";
	c->invariant = 1; /* the generic timer runs at a fixed rate by definition */
	set_mult_shift(c);
	return 0;
}
#endif

static void clock_init_once(void)
{
	if (calibrate(&the_clock) < 0) {
		/* never leave a zero frequency behind a division */
		the_clock.hz = 1000000000ull;
		the_clock.source = "clock_gettime";
		set_mult_shift(&the_clock);
	}
}

ISOLATOR_API const struct isolator_clock *isolator_clock(void)
{
	pthread_once(&clock_once, clock_init_once);
	return &the_clock;
}

ISOLATOR_API int isolator_clock_recalibrate(void)
{
	struct isolator_clock c = the_clock;
	int err;

	isolator_clock();
	err = calibrate(&c);
	if (err)
		return set_error(-err, "counter calibration failed");
	/* readers on other threads see either the old or the new frequency;
	 * each field is naturally aligned, and a torn pair is off by ppm */
	the_clock = c;
	return 0;
}

ISOLATOR_API uint64_t isolator_cycles_to_ns(uint64_t cycles)
{
	const struct isolator_clock *c = isolator_clock();

	return (uint64_t)(((unsigned __int128)cycles * c->mult) >> c->shift);
}

ISOLATOR_API uint64_t isolator_ns_to_cycles(uint64_t ns)
{
	const struct isolator_clock *c = isolator_clock();

	return (uint64_t)((unsigned __int128)ns * c->hz / 1000000000ull);
}

ISOLATOR_API int isolator_gaps_init(struct isolator_gaps *gaps, uint64_t threshold_ns)
{
	if (!gaps)
		return -EINVAL;
	memset(gaps, 0, sizeof(*gaps));
	gaps->threshold_cycles = isolator_ns_to_cycles(threshold_ns);
	gaps->first = gaps->last = isolator_tsc();
	return 0;
}

ISOLATOR_API void isolator_gaps_record_(struct isolator_gaps *gaps, uint64_t delta)
{
	uint64_t ns = isolator_cycles_to_ns(delta);
	unsigned bucket = ns ? 63 - (unsigned)__builtin_clzll(ns) : 0;

	if (bucket >= ISOLATOR_GAP_BUCKETS)
		bucket = ISOLATOR_GAP_BUCKETS - 1;
	gaps->hist[bucket]++;
	gaps->count++;
	gaps->stolen_cycles += delta;
	if (delta > gaps->max_cycles)
		gaps->max_cycles = delta;
}
