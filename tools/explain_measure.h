/* SPDX-License-Identifier: GPL-2.0-or-later */
/* isolator explain --measure: see explain_measure.c. */
#ifndef ISOLATOR_EXPLAIN_MEASURE_H
#define ISOLATOR_EXPLAIN_MEASURE_H

#include "explain.h"

/* One run: the user's settings with the fixes up to this step added. */
struct xstep {
	char label[32];        /* "yours", "+ -p 99", "+ -m", "recommended" */
	char fix[24];          /* the finding id this step adds the fix of, "" for yours */
	int prio;              /* 0: SCHED_OTHER, else SCHED_FIFO at prio */
	int mlock;
	int cpu;               /* -1: not pinned */
	uint64_t interval_ns;
	char cpu_text[12], prio_text[12];
	char command[160];     /* as it was run */
	int ran;
	char error[160];       /* why not, when !ran */
	struct xseries result;
};

#define XM_STEPS 5

struct xmeasure {
	char tool[128];        /* the cyclictest path, or "built-in loop" */
	int cpu;
	uint64_t duration_ns;  /* of each step */
	unsigned nsteps;
	struct xstep step[XM_STEPS]; /* step[0] yours, step[nsteps-1] recommended */
	struct xresponse response;
};

/*
 * Run the steps for @r on @cpu, @duration_ns each, progress on stderr unless
 * @quiet. Return: 0 (a step that failed says why in its error), -EINVAL for
 * a duration shorter than ten intervals, -EINTR on Ctrl-C.
 */
int explain_measure(const struct xreport *r, int cpu, uint64_t duration_ns, int quiet,
		    struct xmeasure *m);

#endif
