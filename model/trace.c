// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ftrace text parser (see trace.h). Written to be fed hostile input by a
 * fuzzer: every index is checked against the line length, numbers are
 * checked for overflow, and nothing is read past @len (the line need not be
 * NUL-terminated).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trace.h"

static int refuse(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int str_is(struct trace_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && !memcmp(s.s, lit, n);
}

static int starts_with(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && !memcmp(s, lit, n);
}

/* Decimal digits at s[*i..] into *v; at least one, at most 19. */
static int parse_u64(const char *s, size_t len, size_t *i, uint64_t *v)
{
	size_t start = *i;
	uint64_t x = 0;

	while (*i < len && is_digit(s[*i])) {
		if (*i - start >= 19)
			return -1;
		x = x * 10 + (uint64_t)(s[*i] - '0');
		(*i)++;
	}
	if (*i == start)
		return -1;
	*v = x;
	return 0;
}

static int parse_u64_str(struct trace_str t, uint64_t *v)
{
	size_t i = 0;

	if (parse_u64(t.s, t.len, &i, v) < 0 || i != t.len)
		return -1;
	return 0;
}

int trace_field(struct trace_str fields, const char *key, struct trace_str *out)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen + 1 <= fields.len; i++) {
		if ((i == 0 || is_space(fields.s[i - 1])) && !memcmp(fields.s + i, key, klen) &&
		    fields.s[i + klen] == '=') {
			size_t j = i + klen + 1, end = j;

			while (end < fields.len && !is_space(fields.s[end]))
				end++;
			out->s = fields.s + j;
			out->len = end - j;
			return 1;
		}
	}
	return 0;
}

int trace_flags_need_resched(struct trace_str flags)
{
	if (flags.len < 2)
		return 0;
	return strchr("NnpbBL", flags.s[1]) != NULL && flags.s[1] != '\0';
}

/*
 * Where the "[CPU]" column is: the first '[' that follows "-PID" and spaces
 * and holds only digits. Returns the index of '[' or -1.
 */
static long find_cpu_column(const char *s, size_t len, uint64_t *cpu, size_t *after)
{
	for (size_t b = 0; b < len; b++) {
		size_t i, d;
		uint64_t v;

		if (s[b] != '[' || b < 3 || !is_space(s[b - 1]))
			continue;
		d = b;
		while (d > 0 && is_space(s[d - 1]))
			d--;
		/* digits of the pid, then '-' */
		i = d;
		while (i > 0 && is_digit(s[i - 1]))
			i--;
		if (i == d || i == 0 || s[i - 1] != '-')
			continue;
		i = b + 1;
		if (parse_u64(s, len, &i, &v) < 0 || i >= len || s[i] != ']')
			continue;
		*cpu = v;
		*after = i + 1;
		return (long)b;
	}
	return -1;
}

/* "#SEQ context irq|thread timer_latency NS ns" */
static int parse_timerlat(const char *s, size_t len, struct trace_event *ev, char *err,
			  size_t errlen)
{
	size_t i = 1;
	struct trace_str ctx;

	if (parse_u64(s, len, &i, &ev->seq) < 0)
		return refuse(err, errlen, "timerlat sample: expected a number after '#'");
	while (i < len && is_space(s[i]))
		i++;
	if (!starts_with(s + i, len - i, "context"))
		return refuse(err, errlen, "timerlat sample: expected 'context'");
	i += 7;
	while (i < len && is_space(s[i]))
		i++;
	ctx.s = s + i;
	while (i < len && !is_space(s[i]))
		i++;
	ctx.len = (size_t)(s + i - ctx.s);
	if (str_is(ctx, "thread"))
		ev->thread_context = 1;
	else if (str_is(ctx, "irq"))
		ev->thread_context = 0;
	else
		return refuse(err, errlen, "timerlat sample: context is neither irq nor thread");
	while (i < len && is_space(s[i]))
		i++;
	if (!starts_with(s + i, len - i, "timer_latency"))
		return refuse(err, errlen, "timerlat sample: expected 'timer_latency'");
	i += 13;
	while (i < len && is_space(s[i]))
		i++;
	if (parse_u64(s, len, &i, &ev->latency_ns) < 0)
		return refuse(err, errlen, "timerlat sample: expected a latency in ns");
	while (i < len && is_space(s[i]))
		i++;
	if (!(len - i == 2 && !memcmp(s + i, "ns", 2)))
		return refuse(err, errlen, "timerlat sample: expected 'ns' after the latency");
	ev->kind = TRACE_TIMERLAT;
	return 1;
}

/* The IRQ vector events of x86 (irq_vectors:NAME_entry/exit). Any other
 * NAME_entry/NAME_exit with a vector= field counts too. */
static const char *const vector_names[] = {
	"local_timer", "reschedule", "call_function", "call_function_single",
	"irq_work", "x86_platform_ipi", "thermal_apic", "threshold_apic",
	"deferred_error_apic", "error_apic", "spurious_apic",
};

static int classify_vector(struct trace_event *ev)
{
	struct trace_str base = ev->name, v;
	int entry;

	if (base.len > 6 && !memcmp(base.s + base.len - 6, "_entry", 6)) {
		entry = 1;
		base.len -= 6;
	} else if (base.len > 5 && !memcmp(base.s + base.len - 5, "_exit", 5)) {
		entry = 0;
		base.len -= 5;
	} else {
		return 0;
	}
	if (!trace_field(ev->fields, "vector", &v)) {
		size_t k;

		for (k = 0; k < sizeof(vector_names) / sizeof(vector_names[0]); k++)
			if (str_is(base, vector_names[k]))
				break;
		if (k == sizeof(vector_names) / sizeof(vector_names[0]))
			return 0;
	}
	snprintf(ev->source, sizeof(ev->source), "%.*s", (int)base.len, base.s);
	ev->kind = entry ? TRACE_IRQ_ENTRY : TRACE_IRQ_EXIT;
	return 1;
}

static int classify(struct trace_event *ev, char *err, size_t errlen)
{
	struct trace_str v;
	uint64_t n;

	ev->kind = TRACE_OTHER;
	if (str_is(ev->name, "irq_disable") || str_is(ev->name, "irq_enable") ||
	    str_is(ev->name, "preempt_disable") || str_is(ev->name, "preempt_enable")) {
		if (!trace_field(ev->fields, "caller", &ev->caller))
			return refuse(err, errlen, "%.*s: no caller= field", (int)ev->name.len,
				      ev->name.s);
		trace_field(ev->fields, "parent", &ev->parent);
		ev->kind = ev->name.s[0] == 'i'
				   ? (ev->name.s[4] == 'd' ? TRACE_IRQ_DISABLE : TRACE_IRQ_ENABLE)
				   : (ev->name.s[8] == 'd' ? TRACE_PREEMPT_DISABLE
							   : TRACE_PREEMPT_ENABLE);
		return 1;
	}
	if (str_is(ev->name, "sched_switch")) {
		if (!trace_field(ev->fields, "prev_state", &ev->prev_state)) {
			/* trace-cmd: "prev:123 [120] S ==> next:0 [120]" */
			const char *f = ev->fields.s;
			size_t k, e;

			for (k = 0; k + 3 <= ev->fields.len; k++)
				if (!memcmp(f + k, "==>", 3))
					break;
			if (k + 3 > ev->fields.len)
				return refuse(err, errlen, "sched_switch: no prev_state= and no '==>'");
			e = k;
			while (e > 0 && is_space(f[e - 1]))
				e--;
			k = e;
			while (k > 0 && !is_space(f[k - 1]))
				k--;
			ev->prev_state.s = f + k;
			ev->prev_state.len = e - k;
		}
		/* next_pid=N, or trace-cmd's "==> comm:N [prio]" */
		if (trace_field(ev->fields, "next_pid", &v)) {
			if (parse_u64_str(v, &n) < 0 || n > 0x7fffffff)
				return refuse(err, errlen, "sched_switch: next_pid is not a number");
		} else {
			const char *f = ev->fields.s;
			size_t k = 0, e, b;

			while (k + 3 <= ev->fields.len && memcmp(f + k, "==>", 3))
				k++;
			e = k + 3;
			while (e < ev->fields.len && is_space(f[e]))
				e++;
			b = e;
			while (e < ev->fields.len && !is_space(f[e]))
				e++;
			/* the pid after the last ':' of "comm:pid" */
			k = e;
			while (k > b && f[k - 1] != ':')
				k--;
			v.s = f + k;
			v.len = e - k;
			if (k == b || parse_u64_str(v, &n) < 0 || n > 0x7fffffff)
				return refuse(err, errlen, "sched_switch: no next_pid= and no '==> comm:pid'");
		}
		ev->next_pid = (int)n;
		ev->kind = TRACE_SCHED_SWITCH;
		return 1;
	}
	if (str_is(ev->name, "sched_waking")) {
		ev->kind = TRACE_SCHED_WAKING;
		return 1;
	}
	if (str_is(ev->name, "irq_handler_entry") || str_is(ev->name, "irq_handler_exit")) {
		if (!trace_field(ev->fields, "irq", &v) || parse_u64_str(v, &n) < 0)
			return refuse(err, errlen, "%.*s: expected irq=NUMBER", (int)ev->name.len,
				      ev->name.s);
		snprintf(ev->source, sizeof(ev->source), "irq:%llu", (unsigned long long)n);
		ev->kind = ev->name.s[12] == 'e' && ev->name.s[13] == 'n' ? TRACE_IRQ_ENTRY
									   : TRACE_IRQ_EXIT;
		return 1;
	}
	if (str_is(ev->name, "nmi_handler")) {
		if (!trace_field(ev->fields, "delta_ns", &v) || parse_u64_str(v, &ev->delta_ns) < 0)
			return refuse(err, errlen, "nmi_handler: expected delta_ns=NUMBER");
		if (ev->delta_ns > ev->ts_ns)
			return refuse(err, errlen, "nmi_handler: delta_ns longer than the time stamp");
		snprintf(ev->source, sizeof(ev->source), "nmi");
		ev->kind = TRACE_NMI;
		return 1;
	}
	if (str_is(ev->name, "softirq_entry")) {
		ev->kind = TRACE_SOFTIRQ_ENTRY;
		return 1;
	}
	if (str_is(ev->name, "softirq_exit")) {
		ev->kind = TRACE_SOFTIRQ_EXIT;
		return 1;
	}
	classify_vector(ev);
	return 1;
}

int trace_parse_line(const char *s, size_t len, struct trace_event *ev, char *err, size_t errlen)
{
	size_t i = 0, after, flags_start;
	uint64_t cpu, sec, frac = 0;
	long b;

	memset(ev, 0, sizeof(*ev));
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || is_space(s[len - 1])))
		len--;
	for (size_t k = 0; k < len; k++)
		if (s[k] == '\0' || s[k] == '\n')
			return refuse(err, errlen, "a NUL or newline byte inside the line");
	while (i < len && is_space(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return 0;
	/* trace-cmd report's header lines */
	if (starts_with(s + i, len - i, "cpus=") || starts_with(s + i, len - i, "version ="))
		return 0;
	if (starts_with(s + i, len - i, "CPU ") &&
	    len - i > 9 && !memcmp(s + len - 9, " is empty", 9))
		return 0;
	if (starts_with(s + i, len - i, "CPU:")) {
		size_t k = i + 4;

		if (parse_u64(s, len, &k, &cpu) < 0 || cpu > TRACE_MAX_CPU || k >= len ||
		    s[k] != ' ' || !starts_with(s + k, len - k, " [LOST "))
			return refuse(err, errlen, "expected 'CPU:N [LOST M EVENTS]'");
		ev->kind = TRACE_LOST;
		ev->cpu = (unsigned)cpu;
		return 1;
	}

	b = find_cpu_column(s + i, len - i, &cpu, &after);
	if (b < 0)
		return refuse(err, errlen, "expected 'TASK-PID [CPU] TIMESTAMP: EVENT: FIELDS'");
	if (cpu > TRACE_MAX_CPU)
		return refuse(err, errlen, "CPU %llu is out of range", (unsigned long long)cpu);
	ev->cpu = (unsigned)cpu;
	{
		/* task: everything before "-PID" */
		size_t d = i + (size_t)b, p;

		while (d > i && is_space(s[d - 1]))
			d--;
		p = d;
		while (p > i && is_digit(s[p - 1]))
			p--;
		ev->comm.s = s + i;
		ev->comm.len = p - 1 - i;
		ev->pid = 0;
		for (size_t k = p; k < d && k - p < 9; k++)
			ev->pid = ev->pid * 10 + (s[k] - '0');
	}
	i += after;
	while (i < len && is_space(s[i]))
		i++;
	/* optional latency flags: a token that is not the timestamp */
	flags_start = i;
	{
		size_t k = i;

		while (k < len && is_digit(s[k]))
			k++;
		if (k < len && s[k] == '.') {
			k++;
			while (k < len && is_digit(s[k]))
				k++;
		}
		if (!(k > i && k < len && s[k] == ':')) {
			while (i < len && !is_space(s[i]))
				i++;
			ev->flags.s = s + flags_start;
			ev->flags.len = i - flags_start;
			if (ev->flags.len > 8)
				return refuse(err, errlen, "expected latency flags or a timestamp after [CPU]");
			while (i < len && is_space(s[i]))
				i++;
		}
	}
	if (parse_u64(s, len, &i, &sec) < 0)
		return refuse(err, errlen, "expected a timestamp (SECONDS.FRACTION:)");
	if (i < len && s[i] == '.') {
		size_t start = ++i, digits;

		while (i < len && is_digit(s[i]))
			i++;
		digits = i - start;
		if (digits == 0 || digits > 12)
			return refuse(err, errlen, "timestamp: 1 to 12 digits expected after '.'");
		for (size_t k = 0; k < 9; k++)
			frac = frac * 10 + (k < digits ? (uint64_t)(s[start + k] - '0') : 0);
		if (sec > UINT64_MAX / 1000000000ull - 1)
			return refuse(err, errlen, "timestamp out of range");
		ev->ts_ns = sec * 1000000000ull + frac;
	} else {
		ev->ts_ns = sec; /* a counter clock: printed raw */
	}
	if (i >= len || s[i] != ':')
		return refuse(err, errlen, "expected ':' after the timestamp");
	i++;
	while (i < len && is_space(s[i]))
		i++;
	if (i < len && s[i] == '#')
		return parse_timerlat(s + i, len - i, ev, err, errlen);
	ev->name.s = s + i;
	while (i < len && (is_digit(s[i]) || s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
			   (s[i] >= 'A' && s[i] <= 'Z')))
		i++;
	ev->name.len = (size_t)(s + i - ev->name.s);
	if (ev->name.len == 0 || i >= len || s[i] != ':')
		return refuse(err, errlen, "expected 'EVENT:' after the timestamp");
	i++;
	while (i < len && is_space(s[i]))
		i++;
	ev->fields.s = s + i;
	ev->fields.len = len - i;
	return classify(ev, err, errlen);
}
