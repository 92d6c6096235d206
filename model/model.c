// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The per-CPU state machine behind `isolator model` (see model.h and
 * docs/model.md).
 *
 * Thread context is everything outside a hard interrupt (an IRQ vector or
 * IRQ handler between its entry and exit events) and NMIs. In thread
 * context we follow two bits, irqs-off and preemption-off, from the
 * preemptirq tracepoints, which fire only on the outermost transition, so
 * they are exactly the two states of the paper's automaton.
 *
 *  - A scheduler section (EV1..EV7) is a preemption-off interval that holds
 *    a sched_switch: D_PSD is its length. D_ST runs from the last irq_disable
 *    before the switch (EV3) to its end (EV7).
 *  - A POID interval is a maximal interval with irqs or preemption off,
 *    minus any scheduler section inside it (the parts before and after
 *    count separately, as the paper's case ii-a splits I_SO from I_S).
 *  - A PAIE interval is a gap with both enabled that ends at the
 *    preempt_disable opening a scheduler section, when need-resched was
 *    already set at the enable that opened the gap.
 *
 * Every interval is "interference-free": the time spent in hard IRQs and
 * NMIs inside it is subtracted, as rtsl does. The time of every interrupt is
 * kept per source for the interference bound.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define NEST_MAX 16
/* Handlers of one NMI are traced one by one; closer than this, they are one NMI. */
#define NMI_MERGE_NS 1000

struct instance {
	uint64_t start, dur;
};

struct source {
	struct model_source pub;
	struct instance *inst;
	size_t n, cap;
};

struct mark {
	int valid;
	uint64_t ts, intf;
	char site[160];
};

struct cpu_state {
	int used;
	unsigned cpu;
	uint64_t first_ts, last_ts, events;
	uint64_t intf;             /* cumulative interference time on this CPU */

	int irq_known, irqs_off, pre_known, preempt_off;
	int saw_irq_tp, saw_preempt_tp;

	struct { int src; uint64_t start; } nest[NEST_MAX];
	int depth;

	struct mark win;           /* open irqs-or-preemption-off interval */
	int win_open;
	struct mark poff;          /* open preemption-off interval */
	int poff_switch;           /* it holds a context switch */
	struct mark ev3;           /* last irq_disable before the switch in it */
	struct mark gap;           /* open both-enabled gap */
	int gap_resched;           /* need-resched at its start: 1, 0, -1 unknown */
	struct mark paie;          /* the gap that led into the open preempt-off */
	int paie_resched;
	char switch_state[8];
	/* The idle task runs with preemption disabled for good: that is not a
	 * POID, so while it runs only irqs-off counts (see docs/model.md). */
	int in_idle, idle_known;
	int to_idle;               /* the open section switched to idle: ends at EV5 */
	struct mark idle_ev3;      /* last irq_disable while idle */
	struct mark idle_wake;     /* end of the last interrupt while idle */

	uint64_t d[MODEL_NVARS], dn[MODEL_NVARS];
	struct model_site site[MODEL_NVARS];

	struct source *src;
	unsigned nsrc, capsrc;
	uint64_t nmi_last_end;
	int nmi_last;              /* index of the last NMI instance's source, or -1 */

	uint64_t lost, outside;
	uint64_t tl_samples, tl_irq_max, tl_thread_max, tl_sched_max;
	uint64_t tl_last_seq, tl_last_irq;
	int tl_have_irq;

	struct model_cpu out;
	struct model_source *out_src;
};

struct model {
	struct cpu_state *cpus;    /* indexed by CPU number */
	unsigned ncpu_alloc;
	unsigned *order;           /* used CPUs in order, after finish */
	unsigned nused;
	uint64_t lines;
};

static const char *const var_names[MODEL_NVARS] = { "D_POID", "D_PAIE", "D_PSD", "D_ST" };

const char *model_var_name(enum model_var v)
{
	return (unsigned)v < MODEL_NVARS ? var_names[v] : "?";
}

struct model *model_new(void)
{
	return calloc(1, sizeof(struct model));
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (unsigned c = 0; c < m->ncpu_alloc; c++) {
		for (unsigned s = 0; s < m->cpus[c].nsrc; s++)
			free(m->cpus[c].src[s].inst);
		free(m->cpus[c].src);
		free(m->cpus[c].out_src);
	}
	free(m->cpus);
	free(m->order);
	free(m);
}

static struct cpu_state *cpu_get(struct model *m, unsigned cpu)
{
	if (cpu >= m->ncpu_alloc) {
		unsigned n = cpu + 8;
		struct cpu_state *p = realloc(m->cpus, n * sizeof(*p));

		if (!p)
			return NULL;
		memset(p + m->ncpu_alloc, 0, (n - m->ncpu_alloc) * sizeof(*p));
		m->cpus = p;
		m->ncpu_alloc = n;
	}
	return &m->cpus[cpu];
}

static void site_of(char *buf, size_t len, const struct trace_event *ev)
{
	if (ev->caller.len)
		snprintf(buf, len, "%.*s caller=%.*s parent=%.*s", (int)ev->name.len, ev->name.s,
			 (int)ev->caller.len, ev->caller.s, (int)ev->parent.len, ev->parent.s);
	else
		snprintf(buf, len, "%.*s", (int)ev->name.len, ev->name.s);
}

static void mark_set(struct mark *mk, const struct cpu_state *c, const struct trace_event *ev)
{
	mk->valid = 1;
	mk->ts = ev->ts_ns;
	mk->intf = c->intf;
	site_of(mk->site, sizeof(mk->site), ev);
}

/* A candidate interval for @v from @from to now (@ev), interference removed. */
static void candidate(struct cpu_state *c, enum model_var v, const struct mark *from,
		      uint64_t to_ts, uint64_t to_intf, const struct trace_event *ev)
{
	uint64_t len, intf;

	if (!from->valid || to_ts < from->ts || to_intf < from->intf)
		return;
	len = to_ts - from->ts;
	intf = to_intf - from->intf;
	len = intf > len ? 0 : len - intf;
	c->dn[v]++;
	if (len > c->d[v] || c->dn[v] == 1) {
		c->d[v] = len;
		c->site[v].ts_ns = from->ts;
		snprintf(c->site[v].begin, sizeof(c->site[v].begin), "%s", from->site);
		site_of(c->site[v].end, sizeof(c->site[v].end), ev);
	}
}

/* Forget what we knew: after lost events, or at the start. */
static void reset_state(struct cpu_state *c)
{
	c->irq_known = c->pre_known = 0;
	c->depth = 0;
	c->win_open = 0;
	c->win.valid = c->poff.valid = c->ev3.valid = c->gap.valid = c->paie.valid = 0;
	c->poff_switch = 0;
	c->to_idle = 0;
	c->idle_known = 0;
	c->idle_ev3.valid = c->idle_wake.valid = 0;
	c->tl_have_irq = 0;
}

static int find_source(struct cpu_state *c, const char *name)
{
	for (unsigned i = 0; i < c->nsrc; i++)
		if (!strcmp(c->src[i].pub.name, name))
			return (int)i;
	if (c->nsrc == c->capsrc) {
		unsigned n = c->capsrc ? c->capsrc * 2 : 8;
		struct source *p = realloc(c->src, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->src = p;
		c->capsrc = n;
	}
	memset(&c->src[c->nsrc], 0, sizeof(c->src[c->nsrc]));
	snprintf(c->src[c->nsrc].pub.name, sizeof(c->src[c->nsrc].pub.name), "%s", name);
	return (int)c->nsrc++;
}

static int add_instance(struct source *s, uint64_t start, uint64_t dur)
{
	if (s->n == s->cap) {
		size_t n = s->cap ? s->cap * 2 : 64;
		struct instance *p = realloc(s->inst, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->inst = p;
		s->cap = n;
	}
	s->inst[s->n].start = start;
	s->inst[s->n].dur = dur;
	s->n++;
	return 0;
}

/* irqs-or-preemption off, or -1 while either is unknown */
static int union_off(const struct cpu_state *c)
{
	if (!c->irq_known || !c->pre_known)
		return -1;
	return c->irqs_off || (c->preempt_off && !c->in_idle);
}

/* End of a scheduler section (EV7, or EV5 for a switch to idle). */
static void section_end(struct cpu_state *c, const struct trace_event *ev)
{
	struct trace_event at = *ev;

	/* the scheduler entry (EV1) as the end of what came before it */
	at.name.s = "preempt_disable (scheduler entry)";
	at.name.len = strlen(at.name.s);
	at.caller.len = 0;
	candidate(c, MODEL_PSD, &c->poff, ev->ts_ns, c->intf, ev);
	candidate(c, MODEL_ST, &c->ev3, ev->ts_ns, c->intf, ev);
	if (c->paie_resched == 1 || (c->paie_resched < 0 && c->switch_state[0] == 'R'))
		candidate(c, MODEL_PAIE, &c->paie, c->poff.ts, c->poff.intf, &at);
	/* the irqs-off part before the section is a POID interval of its own */
	if (c->win_open && c->poff.valid && c->win.valid && c->win.ts < c->poff.ts)
		candidate(c, MODEL_POID, &c->win, c->poff.ts, c->poff.intf, &at);
}

static void thread_toggle(struct cpu_state *c, const struct trace_event *ev)
{
	int before = union_off(c), after, pre_before = c->pre_known ? c->preempt_off : -1;

	/* a switch to idle: the section ends when the idle task enables IRQs */
	if (ev->kind == TRACE_IRQ_ENABLE && c->in_idle && c->poff_switch && c->to_idle) {
		section_end(c, ev);
		c->win.valid = 0;
		c->poff.valid = c->ev3.valid = c->paie.valid = 0;
		c->poff_switch = c->to_idle = 0;
	}

	switch (ev->kind) {
	case TRACE_IRQ_DISABLE:
		c->irq_known = 1;
		c->irqs_off = 1;
		c->saw_irq_tp = 1;
		if (c->poff.valid && c->preempt_off && !c->poff_switch)
			mark_set(&c->ev3, c, ev);
		if (c->in_idle)
			mark_set(&c->idle_ev3, c, ev);
		break;
	case TRACE_IRQ_ENABLE:
		c->irq_known = 1;
		c->irqs_off = 0;
		c->saw_irq_tp = 1;
		break;
	case TRACE_PREEMPT_DISABLE:
		c->pre_known = 1;
		c->preempt_off = 1;
		c->saw_preempt_tp = 1;
		break;
	case TRACE_PREEMPT_ENABLE:
		c->pre_known = 1;
		c->preempt_off = 0;
		c->saw_preempt_tp = 1;
		break;
	default:
		return;
	}
	after = union_off(c);

	/* preemption-off interval: open, or close (a scheduler section if it switched) */
	if (ev->kind == TRACE_PREEMPT_DISABLE && pre_before != 1) {
		if (pre_before == 0 && c->irq_known) {
			mark_set(&c->poff, c, ev);
		} else {
			c->poff.valid = 0;
		}
		c->poff_switch = 0;
		c->ev3.valid = 0;
		/* entered straight from both-enabled: a PAIE candidate, if it schedules */
		c->paie = (before == 0) ? c->gap : (struct mark){ 0 };
		c->paie_resched = c->gap_resched;
	} else if (ev->kind == TRACE_PREEMPT_ENABLE && pre_before == 1) {
		if (c->poff_switch) {
			section_end(c, ev);
			/* what follows (irqs still off) starts a new POID interval */
			if (c->win_open)
				mark_set(&c->win, c, ev);
		}
		c->poff.valid = 0;
		c->poff_switch = 0;
		c->ev3.valid = 0;
		c->paie.valid = 0;
	}

	if (before != 1 && after == 1) {
		c->win_open = 1;
		if (before == 0)
			mark_set(&c->win, c, ev);
		else
			c->win.valid = 0;
		c->gap.valid = 0;
	} else if (before == 1 && after == 0) {
		candidate(c, MODEL_POID, &c->win, ev->ts_ns, c->intf, ev);
		c->win_open = 0;
		c->win.valid = 0;
		mark_set(&c->gap, c, ev);
		c->gap_resched = ev->flags.len ? trace_flags_need_resched(ev->flags) : -1;
	} else if (before == -1 && after == 0) {
		c->win_open = 0;
		c->win.valid = 0;
		mark_set(&c->gap, c, ev);
		c->gap_resched = ev->flags.len ? trace_flags_need_resched(ev->flags) : -1;
	}
}

static int irq_entry(struct cpu_state *c, const struct trace_event *ev)
{
	int s = find_source(c, ev->source);

	if (s < 0)
		return s;
	if (c->depth == NEST_MAX)
		return 0; /* deeper than any real kernel nests: ignore */
	c->nest[c->depth].src = s;
	c->nest[c->depth].start = ev->ts_ns;
	c->depth++;
	return 0;
}

static int irq_exit(struct cpu_state *c, const struct trace_event *ev)
{
	int d;

	for (d = c->depth - 1; d >= 0; d--)
		if (!strcmp(c->src[c->nest[d].src].pub.name, ev->source))
			break;
	if (d < 0)
		return 0; /* entered before the trace began */
	/* unmatched inner entries (lost exits) are dropped with it */
	{
		uint64_t dur = ev->ts_ns - c->nest[d].start;
		int err = add_instance(&c->src[c->nest[d].src], c->nest[d].start, dur);

		if (err)
			return err;
		c->depth = d;
		if (d == 0) {
			c->intf += dur;
			if (c->in_idle)
				mark_set(&c->idle_wake, c, ev);
		}
	}
	return 0;
}

static int nmi(struct cpu_state *c, const struct trace_event *ev)
{
	uint64_t start = ev->ts_ns - ev->delta_ns;
	int s = find_source(c, "nmi");
	struct source *src;

	if (s < 0)
		return s;
	src = &c->src[s];
	if (src->n && start <= c->nmi_last_end + NMI_MERGE_NS &&
	    src->inst[src->n - 1].start <= start) {
		src->inst[src->n - 1].dur = ev->ts_ns - src->inst[src->n - 1].start;
	} else {
		int err = add_instance(src, start, ev->delta_ns);

		if (err)
			return err;
	}
	c->nmi_last_end = ev->ts_ns;
	if (c->depth == 0)
		c->intf += ev->delta_ns;
	return 0;
}

static void timerlat(struct cpu_state *c, const struct trace_event *ev)
{
	c->tl_samples++;
	if (!ev->thread_context) {
		if (ev->latency_ns > c->tl_irq_max)
			c->tl_irq_max = ev->latency_ns;
		c->tl_last_seq = ev->seq;
		c->tl_last_irq = ev->latency_ns;
		c->tl_have_irq = 1;
		return;
	}
	if (ev->latency_ns > c->tl_thread_max)
		c->tl_thread_max = ev->latency_ns;
	if (c->tl_have_irq && c->tl_last_seq == ev->seq && ev->latency_ns >= c->tl_last_irq &&
	    ev->latency_ns - c->tl_last_irq > c->tl_sched_max)
		c->tl_sched_max = ev->latency_ns - c->tl_last_irq;
	c->tl_have_irq = 0;
}

int model_feed(struct model *m, const struct trace_event *ev, char *err, size_t errlen)
{
	struct cpu_state *c = cpu_get(m, ev->cpu);

	if (!c)
		return -ENOMEM;
	if (!c->used) {
		c->used = 1;
		c->cpu = ev->cpu;
		c->nmi_last = -1;
		reset_state(c);
		if (ev->kind != TRACE_LOST)
			c->first_ts = ev->ts_ns;
	}
	if (ev->kind == TRACE_LOST) {
		c->lost++;
		reset_state(c);
		return 0;
	}
	if (c->events && ev->ts_ns < c->last_ts) {
		if (err && errlen)
			snprintf(err, errlen, "time goes backwards on CPU %u (%llu.%09llu after %llu.%09llu)",
				 ev->cpu, (unsigned long long)(ev->ts_ns / 1000000000),
				 (unsigned long long)(ev->ts_ns % 1000000000),
				 (unsigned long long)(c->last_ts / 1000000000),
				 (unsigned long long)(c->last_ts % 1000000000));
		return -EINVAL;
	}
	if (!c->events)
		c->first_ts = ev->ts_ns;
	c->events++;
	c->last_ts = ev->ts_ns;

	if (!c->idle_known && c->depth == 0 && ev->kind != TRACE_SCHED_SWITCH &&
	    ev->kind != TRACE_TIMERLAT) {
		c->in_idle = ev->pid == 0;
		c->idle_known = 1;
	}
	switch (ev->kind) {
	case TRACE_IRQ_DISABLE:
	case TRACE_IRQ_ENABLE:
	case TRACE_PREEMPT_DISABLE:
	case TRACE_PREEMPT_ENABLE:
		if (c->depth == 0)
			thread_toggle(c, ev);
		return 0;
	case TRACE_SCHED_SWITCH:
		if (c->idle_known && c->in_idle && ev->next_pid != 0) {
			/*
			 * Leaving idle: schedule_idle() entered __schedule with the idle
			 * task's preemption already off, so EV1 is not traced. The
			 * section runs from the end of the interrupt that woke the CPU
			 * (idle exit included), else from EV3, to the next task's EV7.
			 */
			c->in_idle = 0;
			c->poff = c->idle_wake.valid ? c->idle_wake : c->idle_ev3;
			c->ev3 = c->idle_ev3;
			c->poff_switch = c->poff.valid && c->pre_known && c->preempt_off;
			c->to_idle = 0;
			c->paie.valid = 0;
			snprintf(c->switch_state, sizeof(c->switch_state), "%.*s",
				 (int)ev->prev_state.len, ev->prev_state.s);
			if (c->win_open)
				c->win.valid = 0; /* part of the section, not a POID */
			else if (c->pre_known && c->preempt_off) {
				c->win_open = 1;
				c->win.valid = 0;
			}
			return 0;
		}
		if (c->pre_known && c->preempt_off) {
			if (c->poff.valid && !c->poff_switch) {
				c->poff_switch = 1;
				if (!c->ev3.valid && c->irqs_off)
					c->ev3 = c->poff; /* irqs were off all along: from EV1 */
				snprintf(c->switch_state, sizeof(c->switch_state), "%.*s",
					 (int)ev->prev_state.len, ev->prev_state.s);
			}
		} else if (c->pre_known) {
			c->outside++;
		}
		if (ev->next_pid == 0) {
			c->in_idle = 1;
			c->to_idle = c->poff_switch;
			c->idle_ev3.valid = c->idle_wake.valid = 0;
		} else {
			c->in_idle = 0;
		}
		c->idle_known = 1;
		return 0;
	case TRACE_IRQ_ENTRY:
		return irq_entry(c, ev);
	case TRACE_IRQ_EXIT:
		return irq_exit(c, ev);
	case TRACE_NMI:
		return nmi(c, ev);
	case TRACE_TIMERLAT:
		timerlat(c, ev);
		return 0;
	default:
		return 0;
	}
}

int model_feed_line(struct model *m, const char *line, size_t len, char *err, size_t errlen)
{
	struct trace_event ev;
	char why[200];
	int r;

	m->lines++;
	r = trace_parse_line(line, len, &ev, why, sizeof(why));
	if (r > 0)
		r = model_feed(m, &ev, why, sizeof(why));
	if (r < 0)
		snprintf(err, errlen, "line %llu: %s", (unsigned long long)m->lines,
			 r == -ENOMEM ? "out of memory" : why);
	return r < 0 ? r : 0;
}

int model_feed_text(struct model *m, const char *text, size_t len, char *err, size_t errlen)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		int r = model_feed_line(m, text + pos, n, err, errlen);

		if (r < 0)
			return r;
		pos += n + 1;
	}
	return 0;
}

int model_sporadic_bound(uint64_t l_if, const struct model_source *src, unsigned n,
			 uint64_t limit_ns, uint64_t *l)
{
	double u = 0;
	uint64_t cur = l_if;

	for (unsigned i = 0; i < n; i++)
		if (src[i].miat_ns)
			u += (double)src[i].wcet_ns / (double)src[i].miat_ns;
	if (u >= 1.0)
		return 0;
	for (unsigned iter = 0; iter < 1000000; iter++) {
		unsigned __int128 next = l_if;

		for (unsigned i = 0; i < n; i++) {
			uint64_t k = src[i].miat_ns ? (cur + src[i].miat_ns - 1) / src[i].miat_ns : 1;

			if (k == 0)
				k = 1; /* L > 0: at least one arrival of each source */
			next += (unsigned __int128)k * src[i].wcet_ns;
		}
		if (next > limit_ns)
			return 0;
		if ((uint64_t)next == cur) {
			*l = cur;
			return 1;
		}
		cur = (uint64_t)next;
	}
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct instance *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The most interrupt time of @s that arrived in any window of length @w. */
static uint64_t window_demand(const struct source *s, uint64_t w)
{
	uint64_t best = 0, sum = 0;
	size_t j = 0;

	for (size_t i = 0; i < s->n; i++) {
		while (j < s->n && s->inst[j].start - s->inst[i].start < w)
			sum += s->inst[j++].dur;
		if (sum > best)
			best = sum;
		sum -= s->inst[i].dur;
	}
	return best;
}

static int window_bound(const struct cpu_state *c, uint64_t l_if, uint64_t *l)
{
	uint64_t cur = l_if;

	for (unsigned iter = 0; iter < 100000; iter++) {
		uint64_t next = l_if;

		if (cur > c->last_ts - c->first_ts)
			return 0; /* longer than anything observed: the pattern is unknown */
		for (unsigned i = 0; i < c->nsrc; i++)
			next += window_demand(&c->src[i], cur ? cur : 1);
		if (next == cur) {
			*l = cur;
			return 1;
		}
		cur = next;
	}
	return 0;
}

#define BOUND_LIMIT_NS 10000000000ull /* 10 s: past this, "no bound" */

int model_finish(struct model *m)
{
	m->nused = 0;
	free(m->order);
	m->order = calloc(m->ncpu_alloc ? m->ncpu_alloc : 1, sizeof(*m->order));
	if (!m->order)
		return -ENOMEM;
	for (unsigned cpu = 0; cpu < m->ncpu_alloc; cpu++) {
		struct cpu_state *c = &m->cpus[cpu];
		struct model_cpu *o = &c->out;

		if (!c->used)
			continue;
		m->order[m->nused++] = cpu;
		memset(o, 0, sizeof(*o));
		o->cpu = cpu;
		o->events = c->events;
		o->span_ns = c->events ? c->last_ts - c->first_ts : 0;
		o->have_thread_vars = c->saw_irq_tp && c->saw_preempt_tp;
		memcpy(o->d_ns, c->d, sizeof(o->d_ns));
		memcpy(o->d_count, c->dn, sizeof(o->d_count));
		memcpy(o->d_site, c->site, sizeof(o->d_site));
		o->lost = c->lost;
		o->switches_outside = c->outside;
		o->timerlat_samples = c->tl_samples;
		o->timerlat_irq_max_ns = c->tl_irq_max;
		o->timerlat_thread_max_ns = c->tl_thread_max;
		o->timerlat_sched_max_ns = c->tl_sched_max;

		free(c->out_src);
		c->out_src = calloc(c->nsrc ? c->nsrc : 1, sizeof(*c->out_src));
		if (!c->out_src)
			return -ENOMEM;
		for (unsigned i = 0; i < c->nsrc; i++) {
			struct source *s = &c->src[i];

			if (s->n)
				qsort(s->inst, s->n, sizeof(*s->inst), by_start);
			s->pub.count = s->n;
			s->pub.wcet_ns = 0;
			s->pub.miat_ns = 0;
			for (size_t k = 0; k < s->n; k++) {
				if (s->inst[k].dur > s->pub.wcet_ns)
					s->pub.wcet_ns = s->inst[k].dur;
				if (k > 0) {
					uint64_t ia = s->inst[k].start - s->inst[k - 1].start;

					if (ia == 0)
						ia = 1;
					if (s->pub.miat_ns == 0 || ia < s->pub.miat_ns)
						s->pub.miat_ns = ia;
				}
			}
			c->out_src[i] = s->pub;
		}
		o->nsources = c->nsrc;
		o->sources = c->out_src;
		if (!o->have_thread_vars)
			continue;
		{
			uint64_t st = c->d[MODEL_ST], poid = c->d[MODEL_POID];

			o->l_if_ns = (st > poid ? st : poid) + c->d[MODEL_PAIE] + c->d[MODEL_PSD];
		}
		o->sporadic_bounded = model_sporadic_bound(o->l_if_ns, c->out_src, c->nsrc,
							   BOUND_LIMIT_NS, &o->l_sporadic_ns);
		o->window_bounded = window_bound(c, o->l_if_ns, &o->l_window_ns);
	}
	return 0;
}

unsigned model_ncpus(const struct model *m)
{
	return m->nused;
}

const struct model_cpu *model_cpu_at(const struct model *m, unsigned i)
{
	return i < m->nused ? &m->cpus[m->order[i]].out : NULL;
}

uint64_t model_lines(const struct model *m)
{
	return m->lines;
}
