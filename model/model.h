/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scheduling-latency model of Oliveira et al. (ECRTS 2020), computed per
 * CPU from stock tracepoints. Feed it events in trace order (model_feed) or
 * whole text (model_feed_text), then model_finish() and read the results.
 * docs/model.md says which variables are exact and which approximate rtsl's.
 *
 * All times are nanoseconds. A struct model is not thread-safe.
 */
#ifndef ISOLATOR_MODEL_H
#define ISOLATOR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

struct model;

/* Where a worst case happened: the events that opened and closed it. */
struct model_site {
	uint64_t ts_ns;      /* when it began */
	char begin[160];     /* e.g. "irq_disable caller=foo+0x1/0x2 parent=bar+0x3/0x4" */
	char end[160];
};

/* One interrupt source on one CPU (an IRQ vector, an IRQ line, or NMIs). */
struct model_source {
	char name[48];
	uint64_t count;
	uint64_t wcet_ns;    /* observed worst duration */
	uint64_t miat_ns;    /* observed minimum inter-arrival; 0 if fewer than 2 arrivals */
};

enum model_var { MODEL_POID, MODEL_PAIE, MODEL_PSD, MODEL_ST, MODEL_NVARS };

struct model_cpu {
	unsigned cpu;
	uint64_t events;
	uint64_t span_ns;            /* last - first time stamp seen on this CPU */
	int have_thread_vars;        /* preempt and irq tracepoints were seen: D_* valid */
	uint64_t d_ns[MODEL_NVARS];  /* D_POID, D_PAIE, D_PSD, D_ST */
	uint64_t d_count[MODEL_NVARS];/* candidate intervals measured */
	struct model_site d_site[MODEL_NVARS];
	uint64_t l_if_ns;
	int sporadic_bounded;        /* 0: "no bound" (diverges) */
	uint64_t l_sporadic_ns;
	int window_bounded;          /* 0: "no bound" (longer than what was observed) */
	uint64_t l_window_ns;
	unsigned nsources;
	const struct model_source *sources;
	uint64_t lost;               /* "LOST EVENTS" markers: state was reset */
	uint64_t switches_outside;   /* context switches seen with preemption not traced off */
	/* timerlat samples seen on this CPU (validation) */
	uint64_t timerlat_samples;
	uint64_t timerlat_irq_max_ns, timerlat_thread_max_ns;
	/* max over samples of thread - irq latency of the same activation:
	 * from the timer IRQ waking the thread to the thread running */
	uint64_t timerlat_sched_max_ns;
};

/* NULL with errno set on allocation failure. */
struct model *model_new(void);
void model_free(struct model *m); /* NULL is a no-op */

/*
 * Feed one parsed event. Events of one CPU must come in time order.
 * Return: 0, or -EINVAL (time going backwards on a CPU; message in @err),
 * -ENOMEM.
 */
int model_feed(struct model *m, const struct trace_event *ev, char *err, size_t errlen);

/*
 * Parse and feed one line (no newline inside; one is allowed at the end),
 * counted as the next line number. Return: 0, or -EINVAL / -ENOMEM with
 * "line N: reason" in @err.
 */
int model_feed_line(struct model *m, const char *line, size_t len, char *err, size_t errlen);

/*
 * Parse and feed @len bytes of trace text, line by line. On a malformed line
 * returns -EINVAL with "line N: reason" in @err and stops there.
 */
int model_feed_text(struct model *m, const char *text, size_t len, char *err, size_t errlen);

/* Compute the results. Returns 0 or -ENOMEM. Call once, after the last feed. */
int model_finish(struct model *m);

/* Results, after model_finish(): CPUs in increasing order. */
unsigned model_ncpus(const struct model *m);
const struct model_cpu *model_cpu_at(const struct model *m, unsigned i);
uint64_t model_lines(const struct model *m);

const char *model_var_name(enum model_var v); /* "D_POID"... */

/*
 * The least fixed point of L = l_if + sum_i ceil(L / miat_i) * wcet_i (a
 * source with miat 0 counts once). Return: 1 with *l set, 0 if it diverges
 * (utilization >= 1, or L past @limit_ns).
 */
int model_sporadic_bound(uint64_t l_if, const struct model_source *src, unsigned n,
			 uint64_t limit_ns, uint64_t *l /* OUT */);

#endif /* ISOLATOR_MODEL_H */
