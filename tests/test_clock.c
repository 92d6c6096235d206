// SPDX-License-Identifier: GPL-2.0-or-later
/* The calibrated counter and the gap recorder. Behaviour only: no timing
 * assertion beyond "a second of counter is about a second". */
#include <time.h>

#include "isolator.h"
#include "../lib/internal.h"
#include "tap.h"

int main(void)
{
	const struct isolator_clock *c = isolator_clock();
	struct isolator_gaps g;
	struct timespec t0, t1;

	ok(c->hz > 1000000, "counter frequency %llu Hz from %s", (unsigned long long)c->hz, c->source);
	diag("invariant TSC: %s", c->invariant ? "yes" : "no");
	/* 1e9 ns of cycles converts back within 0.1% (rounding of mult/shift) */
	uint64_t ns = isolator_cycles_to_ns(c->hz);
	ok(ns > 999000000ull && ns < 1001000000ull, "hz cycles = %llu ns", (unsigned long long)ns);
	uint64_t cyc = isolator_ns_to_cycles(1000000000ull);
	ok(cyc == c->hz, "1 s = hz cycles");
	ok((isolator_cycles_to_ns(c->hz * 600) + 500000000ull) / 1000000000ull == 600, "600 s converts without overflow");

	/* the counter advances with wall time (a loose bound: a noisy VM) */
	clock_gettime(CLOCK_MONOTONIC_RAW, &t0);
	uint64_t a = isolator_tsc_ordered();
	struct timespec d = { 0, 50000000 };
	nanosleep(&d, NULL);
	uint64_t b = isolator_tsc_ordered();
	clock_gettime(CLOCK_MONOTONIC_RAW, &t1);
	double wall = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
	double tsc = (double)isolator_cycles_to_ns(b - a);
	ok(tsc > wall * 0.9 && tsc < wall * 1.1, "counter agrees with CLOCK_MONOTONIC_RAW (%.0f vs %.0f ns)",
	   tsc, wall);

	is_int(isolator_gaps_init(NULL, 10), -22, "gaps_init(NULL)");
	isolator_gaps_init(&g, 1000);
	ok(g.count == 0 && g.first == g.last && g.first, "gaps start now, empty");
	isolator_gaps_record_(&g, isolator_ns_to_cycles(1500));
	isolator_gaps_record_(&g, isolator_ns_to_cycles(3000));
	isolator_gaps_record_(&g, isolator_ns_to_cycles(2100));
	is_int(g.count, 3, "three gaps recorded");
	is_int(g.hist[10], 1, "1500 ns in bucket [1024, 2048)");
	is_int(g.hist[11], 2, "3000 and 2100 ns in bucket [2048, 4096)");
	ok(isolator_cycles_to_ns(g.max_cycles) >= 2990, "max gap ~3000 ns");
	isolator_gaps_init(&g, 1000000000ull);
	for (int i = 0; i < 1000; i++)
		isolator_gaps_observe(&g);
	is_int(g.loops, 1000, "observe counts iterations");
	/* arm64's CNTFRQ_EL0 against the measured frequency (pure arithmetic,
	 * so checked on every architecture) */
	is_int(clock_pick_counter_hz(62500000, 62510000), 62500000, "CNTFRQ within 2%% of the measurement is kept exact");
	is_int(clock_pick_counter_hz(62500000, 61300000), 62500000, "CNTFRQ 1.96%% above the measurement is kept");
	is_int(clock_pick_counter_hz(24000000, 62500000), 62500000, "a wrong CNTFRQ (24 MHz on a 62.5 MHz counter) gives way");
	is_int(clock_pick_counter_hz(62500000, 60000000), 60000000, "CNTFRQ 4%% off gives way to the measurement");
	is_int(clock_pick_counter_hz(0, 62500000), 62500000, "CNTFRQ 0 gives way to the measurement");
	is_int(clock_pick_counter_hz(62500000, 0), 62500000, "no measurement: CNTFRQ is taken");
	is_int(clock_pick_counter_hz(0, 0), 0, "neither: 0, the caller falls back");
	ok(isolator_clock_recalibrate() == 0 && isolator_clock()->hz > 1000000, "recalibrate");
	return done_testing();
}
