/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isolator explain: a latency report the user already has, read into one
 * model (explain_parse.c), judged into findings (explain_rules.c), printed as
 * a table or JSON and optionally measured both ways here (explain.c,
 * explain_measure.c). Internal to the isolator command.
 *
 * Times are nanoseconds inside; a report in microseconds is scaled on input.
 * A setting the report does not show is XR_UNKNOWN, never guessed: the rules
 * then say so and read this machine through the `isolator check` probes.
 */
#ifndef ISOLATOR_EXPLAIN_H
#define ISOLATOR_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

enum xformat {
	XF_NONE,
	XF_CYCLICTEST,      /* summary lines, default (refreshing) or -q */
	XF_CYCLICTEST_JSON, /* --json=FILE */
	XF_CYCLICTEST_HIST, /* -h / --histfile */
	XF_OSLAT,
	XF_OSLAT_JSON,
	XF_TIMERLAT_TOP,
	XF_TIMERLAT_HIST,
	XF_OSNOISE_TOP,
	XF_OSNOISE_HIST,
	XF_ISOLATOR_BENCH,  /* isolator bench ... --json */
};

/* One sentence listing every format, for the refusal line and --help. */
extern const char explain_formats[];

/* Tri-state for what a report shows about how it was taken. */
enum { XR_UNKNOWN = -1, XR_NO = 0, XR_YES = 1 };

#define XR_LINE 240   /* longest quoted line */
#define XR_SERIES 64  /* threads, CPUs or modes kept */

/* A line of the report, quoted as evidence. */
struct xquote {
	unsigned line;        /* 1-based; 0: not in the report */
	char text[XR_LINE];
};

/* One measured series: a cyclictest thread, an oslat/rtla CPU, a bench mode. */
struct xseries {
	char label[48];       /* "T: 0", "CPU 3", "IRQ CPU 0", "poll" */
	int cpu;              /* -1 unknown */
	int prio;             /* -1 unknown */
	uint64_t interval_ns; /* 0 unknown */
	uint64_t count;
	uint64_t min_ns, max_ns, p50_ns, p99_ns; /* p50/p99: 0 unknown */
	double avg_ns;        /* < 0 unknown */
	uint64_t hw_noise, nmi_noise; /* rtla osnoise top: noise the OS did not cause */
	struct xquote quote;
};

struct xreport {
	enum xformat format;
	const char *format_name;
	unsigned lines;
	char tool_version[32];

	/* how the measurement was taken */
	struct xquote cmdline;      /* the tool's command line, when shown */
	int rt_policy;              /* SCHED_FIFO/RR (or DEADLINE) vs OTHER */
	int prio;                   /* highest priority seen, -1 unknown */
	struct xquote policy_quote; /* "policy: other/other" or "P: 0" */
	int mlock;                  /* -m / --mlockall */
	int pinned;                 /* -a, --smp, -c, --cpu-list */
	struct xquote cpus_quote;   /* oslat's "CPU list:" */
	int smp;                    /* --smp or -S: one thread per CPU */
	int dma_latency;            /* /dev/cpu_dma_latency held */
	long dma_latency_us;
	struct xquote dma_quote;
	int preempt_rt;             /* as the report says */
	struct xquote kernel_quote;
	double load1;               /* -1 unknown */
	unsigned tasks;             /* 0 unknown */
	struct xquote load_quote;
	int virtualized;            /* isolator bench says */
	int nsecs;                  /* cyclictest -N: the report's numbers are ns */
	struct xquote unit_quote;   /* what shows it: -N, the padded fields, resolution_in_ns */

	/* the numbers */
	unsigned nseries;
	struct xseries series[XR_SERIES];
	unsigned worst;             /* index of the series with the largest max */
	unsigned lowest_min;        /* index of the series with the smallest min */
	uint64_t overflows;         /* histogram overflows, all series */

	/* rtla's auto analysis, when present */
	struct xquote aa_quote;     /* its largest share line */
	char aa_kind[16];           /* "irq", "softirq", "thread", "nmi", "blocking", "handler" */

	/* a question in prose beside the report (the user's pasted text) */
	uint64_t window_ns;         /* "guarantee ... 10ms time window" */
	struct xquote window_quote;
	uint64_t goal_ns;           /* "respond to events within 2.5us" */
	uint64_t runtime_ns;        /* "for a short period of time (maybe 100us)" */
	struct xquote goal_quote;
};

/*
 * Recognise and read @text (@len bytes, need not be NUL-terminated).
 * @why: OUT: on failure, one sentence (no "isolator:" prefix).
 * Return: 0, -EINVAL (not a known format, or binary), -ENODATA (empty),
 * -EPROTO (a known format, truncated or malformed).
 */
int explain_parse(const char *text, size_t len, struct xreport *r, char *why, size_t why_len);

const char *explain_format_name(enum xformat f);

/* One finding: what shows it, the cause, its share of the number, the fix. */
enum xkind {
	XK_CAUSE,     /* explains part of the numbers */
	XK_RULED_OUT, /* the report shows this was already right */
	XK_ANSWER,    /* answers a question beside the report */
	XK_UNKNOWN,   /* the report cannot tell; what this machine says */
};

struct xfinding {
	const char *id;         /* stable, as in the JSON schema */
	enum xkind kind;
	struct xquote quote;    /* the line that shows it (line 0: from the machine) */
	char cause[768];
	char share[512];        /* how much of which number, with its basis */
	char fix[512];          /* a command */
	char machine[512];      /* what this machine's probes say, "" if not read */
};

#define XR_FINDINGS 24

struct xfindings {
	unsigned n;
	struct xfinding f[XR_FINDINGS];
};

const char *explain_kind_name(enum xkind k);

/* What `isolator bench response` measured here (explain --measure), in ns. */
struct xresponse {
	int have;
	uint64_t poll_p50, poll_p99, wake_p50, wake_p99, floor_p50;
	int cpu;
};

/*
 * Judge @r into @out. The machine is read through @sysroot (NULL:
 * $ISOLATOR_SYSROOT or /) for what the report cannot tell, for @cpu (the
 * CPU a latency-critical task would get; -1: the report's last CPU, else
 * this machine's last online CPU). @resp: measured here, or NULL.
 * Return: 0 or a negative errno.
 */
int explain_rules(const struct xreport *r, const char *sysroot, int cpu,
		  const struct xresponse *resp, struct xfindings *out);

/* The finding @id in @fs, or NULL. */
const struct xfinding *explain_find(const struct xfindings *fs, const char *id);

#endif /* ISOLATOR_EXPLAIN_H */
