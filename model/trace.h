/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A parser for ftrace text: the tracefs `trace` file, `trace-cmd report`
 * output, and the file `isolator model record` writes (the same line shape
 * with nanosecond timestamps). One line at a time, no allocation, no global
 * state: the caller owns the line buffer and every pointer in the result
 * points into it.
 *
 * A line is
 *     TASK-PID [CPU] [FLAGS] SECONDS[.FRACTION]: EVENT: FIELDS
 * or a timerlat tracer sample, whose text after the timestamp is
 *     #SEQ context irq|thread timer_latency NS ns
 * Comments ('#'), blank lines and the few header lines trace-cmd prints are
 * skipped; "CPU:N [LOST M EVENTS]" is reported as a TRACE_LOST event.
 * Anything else is refused with a message saying what was expected.
 */
#ifndef ISOLATOR_MODEL_TRACE_H
#define ISOLATOR_MODEL_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define TRACE_MAX_CPU 4095

enum trace_kind {
	TRACE_OTHER,          /* an event the model does not use */
	TRACE_IRQ_DISABLE,    /* preemptirq:irq_disable */
	TRACE_IRQ_ENABLE,     /* preemptirq:irq_enable */
	TRACE_PREEMPT_DISABLE,/* preemptirq:preempt_disable */
	TRACE_PREEMPT_ENABLE, /* preemptirq:preempt_enable */
	TRACE_SCHED_SWITCH,   /* sched:sched_switch */
	TRACE_SCHED_WAKING,   /* sched:sched_waking */
	TRACE_IRQ_ENTRY,      /* irq:irq_handler_entry, irq_vectors:*_entry */
	TRACE_IRQ_EXIT,       /* irq:irq_handler_exit, irq_vectors:*_exit */
	TRACE_NMI,            /* nmi:nmi_handler (emitted when a handler returns) */
	TRACE_SOFTIRQ_ENTRY,  /* irq:softirq_entry (kept for the record, unused) */
	TRACE_SOFTIRQ_EXIT,
	TRACE_TIMERLAT,       /* a timerlat tracer sample */
	TRACE_LOST,           /* "CPU:N [LOST M EVENTS]": the per-CPU state is unknown */
};

/* A string inside the caller's line: not NUL-terminated. */
struct trace_str {
	const char *s;
	size_t len;
};

struct trace_event {
	enum trace_kind kind;
	unsigned cpu;
	uint64_t ts_ns;
	int pid;
	struct trace_str comm;
	struct trace_str name;     /* the event name, e.g. "irq_disable" */
	struct trace_str fields;   /* the text after "name: " */
	struct trace_str flags;    /* latency flags ("d.h1."), len 0 if absent */
	/* IRQ entry/exit: the interrupt source, e.g. "local_timer" or "irq:24" */
	char source[48];
	/* preemptirq: the call site, "caller" then "parent" as printed */
	struct trace_str caller, parent;
	/* sched_switch: the previous task's state ("R", "R+", "S"...) and the
	 * next task's pid (0: the idle task) */
	struct trace_str prev_state;
	int next_pid;
	/* nmi_handler: the handler's duration */
	uint64_t delta_ns;
	/* timerlat: sample number, 1 for thread context, latency */
	uint64_t seq;
	int thread_context;
	uint64_t latency_ns;
};

/*
 * Parse one line (@len bytes, a trailing newline is allowed) into @ev.
 * Return: 1 for an event, 0 for a line to skip (comment, blank, header),
 * -EINVAL for a malformed line with a one-line reason in @err.
 */
int trace_parse_line(const char *line, size_t len, struct trace_event *ev, char *err,
		     size_t errlen);

/*
 * Find "key=" in @fields (at the start or after a space) and return its value
 * up to the next space. Return: 1 found, 0 not found.
 */
int trace_field(struct trace_str fields, const char *key, struct trace_str *out /* OUT */);

/* Whether the latency flags say need-resched was set ('N', 'n', 'p', 'L', 'b', 'B'). */
int trace_flags_need_resched(struct trace_str flags);

#endif /* ISOLATOR_MODEL_TRACE_H */
