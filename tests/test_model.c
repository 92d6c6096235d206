// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The latency model on hand-built traces with known answers
 * (tests/data/model/basic.trace explains each number), and the parser on
 * each input format and on malformed lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../tune/tune.h"
#include "model.h"
#include "tap.h"

static int parse(const char *line, struct trace_event *ev, char *err)
{
	return trace_parse_line(line, strlen(line), ev, err, 200);
}

static int str_eq(struct trace_str s, const char *lit)
{
	return s.len == strlen(lit) && !memcmp(s.s, lit, s.len);
}

static void test_parser(void)
{
	struct trace_event ev;
	char err[200];

	is_int(parse("            bash-100     [002] d..1. 12.345678901: irq_disable: caller=a+0x1/0x2 parent=b+0x3/0x4\n",
		     &ev, err), 1, "tracefs line with flags and ns time stamp");
	is_int(ev.kind, TRACE_IRQ_DISABLE, "  kind irq_disable");
	is_int(ev.cpu, 2, "  cpu 2");
	is_int(ev.pid, 100, "  pid 100");
	ok(ev.ts_ns == 12345678901ull, "  time stamp 12.345678901 s in ns");
	ok(str_eq(ev.caller, "a+0x1/0x2") && str_eq(ev.parent, "b+0x3/0x4"), "  caller and parent");
	ok(str_eq(ev.flags, "d..1."), "  flags");

	is_int(parse("  kworker/u8:1-57    [001]   345.123456: irq_enable:           caller=c+0x5 parent=d+0x6",
		     &ev, err), 1, "trace-cmd report line: no flags, us time stamp, padded");
	ok(ev.kind == TRACE_IRQ_ENABLE && ev.ts_ns == 345123456000ull && ev.flags.len == 0,
	   "  irq_enable at 345.123456 s, no flags");
	ok(str_eq(ev.comm, "kworker/u8:1"), "  comm with a dash-free name and a colon");

	is_int(parse("   my-task-name-42 [000] .... 1.5: sched_switch: my:42 [120] S ==> swapper/0:0 [120]",
		     &ev, err), 1, "trace-cmd sched_switch, task name with dashes");
	ok(ev.kind == TRACE_SCHED_SWITCH && str_eq(ev.prev_state, "S") && ev.pid == 42 &&
		   str_eq(ev.comm, "my-task-name") && ev.next_pid == 0,
	   "  prev_state S, pid 42, comm my-task-name, next pid 0");

	is_int(parse("  <idle>-0 [003] d.h.. 5.000000100: irq_handler_entry: irq=24 name=virtio0-input.0",
		     &ev, err), 1, "irq_handler_entry");
	ok(ev.kind == TRACE_IRQ_ENTRY && !strcmp(ev.source, "irq:24"), "  source irq:24");
	is_int(parse("  <idle>-0 [003] d.h.. 5.000000200: call_function_single_exit: vector=251",
		     &ev, err), 1, "vector exit");
	ok(ev.kind == TRACE_IRQ_EXIT && !strcmp(ev.source, "call_function_single"),
	   "  source call_function_single");
	is_int(parse("  <idle>-0 [003] d.Z.. 5.000100000: nmi_handler: handler=perf_event_nmi_handler+0x0/0x30 delta_ns=4321 handled=1",
		     &ev, err), 1, "nmi_handler");
	ok(ev.kind == TRACE_NMI && ev.delta_ns == 4321, "  delta_ns 4321");
	is_int(parse(" timerlat/2-812 [002] ....... 54.029328: #17 context thread timer_latency      9321 ns",
		     &ev, err), 1, "timerlat sample");
	ok(ev.kind == TRACE_TIMERLAT && ev.seq == 17 && ev.thread_context && ev.latency_ns == 9321,
	   "  #17 thread 9321 ns");
	is_int(parse("CPU:3 [LOST 1234 EVENTS]", &ev, err), 1, "lost events line");
	ok(ev.kind == TRACE_LOST && ev.cpu == 3, "  on CPU 3");
	is_int(parse("# tracer: nop", &ev, err), 0, "comment skipped");
	is_int(parse("   ", &ev, err), 0, "blank skipped");
	is_int(parse("cpus=4", &ev, err), 0, "trace-cmd header skipped");
	is_int(parse("  foo-1 [000] 1.0: some_event: a=1", &ev, err), 1, "unknown event accepted");
	is_int(ev.kind, TRACE_OTHER, "  as TRACE_OTHER");

	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "hello world", "no TASK-PID [CPU]" },
		{ "  foo-1 [000] d..1. abc: irq_disable: caller=x", "no time stamp" },
		{ "  foo-1 [000] d..1. 1.0 irq_disable: caller=x", "no ':' after the time stamp" },
		{ "  foo-1 [000] d..1. 1.0: irq_disable caller=x", "no ':' after the event" },
		{ "  foo-1 [000] d..1. 1.0: irq_disable: parent=x", "irq_disable without caller" },
		{ "  foo-1 [000] d..1. 1.0: irq_handler_entry: irq=x1", "irq= not a number" },
		{ "  foo-1 [000] 1.0: nmi_handler: delta_ns=5000000000", "NMI longer than the time stamp" },
		{ "  foo-1 [99999] 1.0: a: b", "CPU out of range" },
		{ "  foo-1 [000] 1.0: #3 context irq timer_latency 5 us", "timerlat in us" },
		{ "  foo-1 [000] 99999999999999999999.0: a: b", "time stamp overflows" },
		{ "CPU:1 [LOST", "truncated LOST line" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = 0;
		int r = parse(bad[i].line, &ev, err);

		ok(r == -EINVAL && err[0], "refused: %s (%s)", bad[i].why, err);
	}
}

static const struct model_cpu *cpu_of(const struct model *m, unsigned cpu)
{
	for (unsigned i = 0; i < model_ncpus(m); i++)
		if (model_cpu_at(m, i)->cpu == cpu)
			return model_cpu_at(m, i);
	return NULL;
}

static void test_basic_trace(void)
{
	size_t len;
	char *text = read_file_alloc(data_path("model/basic.trace"), &len);
	struct model *m = model_new();
	char err[256] = "";
	const struct model_cpu *c;

	if (!ok(text && m, "read basic.trace"))
		return;
	is_int(model_feed_text(m, text, len, err, sizeof(err)), 0, "basic.trace parses (%s)", err);
	is_int(model_finish(m), 0, "model_finish");
	is_int(model_ncpus(m), 3, "three CPUs");

	c = cpu_of(m, 0);
	if (ok(c && c->have_thread_vars, "CPU 0 has the thread variables")) {
		is_int(c->d_ns[MODEL_POID], 1700, "CPU 0 D_POID = 2000 - 300 ns of timer IRQ");
		is_int(c->d_ns[MODEL_PAIE], 100, "CPU 0 D_PAIE (need-resched set at the enable)");
		is_int(c->d_ns[MODEL_PSD], 900, "CPU 0 D_PSD");
		is_int(c->d_ns[MODEL_ST], 700, "CPU 0 D_ST");
		is_int(c->l_if_ns, 2700, "CPU 0 L_IF = max(700, 1700) + 100 + 900");
		ok(strstr(c->d_site[MODEL_POID].begin, "_raw_spin_lock+0x1a/0x40") &&
			   strstr(c->d_site[MODEL_POID].end, "_raw_spin_unlock+0x12/0x30"),
		   "CPU 0 D_POID call sites: %s -> %s", c->d_site[MODEL_POID].begin,
		   c->d_site[MODEL_POID].end);
		ok(strstr(c->d_site[MODEL_ST].begin, "__schedule+0x80") &&
			   strstr(c->d_site[MODEL_ST].end, "schedule+0x50"),
		   "CPU 0 D_ST call sites");
		is_int(c->nsources, 1, "CPU 0: one interrupt source");
		ok(c->nsources == 1 && !strcmp(c->sources[0].name, "local_timer") &&
			   c->sources[0].count == 2 && c->sources[0].wcet_ns == 300 &&
			   c->sources[0].miat_ns == 10000,
		   "CPU 0 local_timer: 2 arrivals, WCET 300, MIAT 10000");
		ok(c->sporadic_bounded && c->l_sporadic_ns == 3000, "CPU 0 sporadic L = 3000 (got %llu)",
		   (unsigned long long)c->l_sporadic_ns);
		ok(c->window_bounded && c->l_window_ns == 3000, "CPU 0 window L = 3000 (got %llu)",
		   (unsigned long long)c->l_window_ns);
	}

	c = cpu_of(m, 1);
	if (ok(c && c->have_thread_vars, "CPU 1 has the thread variables")) {
		is_int(c->d_ns[MODEL_POID], 700, "CPU 1 D_POID: the irqs-off tail after the scheduler");
		is_int(c->d_count[MODEL_POID], 2, "CPU 1: two POID intervals (before and after)");
		is_int(c->d_ns[MODEL_PAIE], 0, "CPU 1 D_PAIE: none (IRQ return path)");
		is_int(c->d_ns[MODEL_PSD], 1200, "CPU 1 D_PSD");
		is_int(c->d_ns[MODEL_ST], 800, "CPU 1 D_ST");
		is_int(c->l_if_ns, 2000, "CPU 1 L_IF = max(800, 700) + 0 + 1200");
		ok(c->sporadic_bounded && c->l_sporadic_ns == 2300,
		   "CPU 1 sporadic L = 2300 (one reschedule IPI counted once)");
		ok(c->window_bounded && c->l_window_ns == 2300, "CPU 1 window L = 2300");
		ok(c->timerlat_samples == 2 && c->timerlat_sched_max_ns == 800 &&
			   c->timerlat_thread_max_ns == 1800,
		   "CPU 1 timerlat: wake-up to run 1800 - 1000 = 800");
	}

	c = cpu_of(m, 2);
	if (ok(c && c->have_thread_vars, "CPU 2 has the thread variables")) {
		is_int(c->d_ns[MODEL_PSD], 1100, "CPU 2 D_PSD: leaving idle, from the waking IRQ's end");
		is_int(c->d_count[MODEL_PSD], 2, "CPU 2: two sections (into idle, out of idle)");
		is_int(c->d_ns[MODEL_ST], 700, "CPU 2 D_ST: from __schedule's irq_disable in idle");
		is_int(c->d_ns[MODEL_POID], 200, "CPU 2 D_POID: the IRQ entry/exit stubs only, idle's "
						 "preemption-off is not a POID");
		is_int(c->l_if_ns, 1800, "CPU 2 L_IF = max(700, 200) + 0 + 1100");
		ok(c->sporadic_bounded && c->l_sporadic_ns == 2100 && c->window_bounded &&
			   c->l_window_ns == 2100,
		   "CPU 2 L = 2100 both ways");
	}
	model_free(m);
	free(text);
}

static void test_bounds(void)
{
	struct model_source s1[] = { { .wcet_ns = 10, .miat_ns = 50 } };
	struct model_source s2[] = { { .wcet_ns = 600, .miat_ns = 1000 },
				     { .wcet_ns = 500, .miat_ns = 1000 } };
	struct model_source s3[] = { { .wcet_ns = 1, .miat_ns = 2 } };
	uint64_t l = 0;

	ok(model_sporadic_bound(100, s1, 1, 1000000, &l) == 1 && l == 130,
	   "L = 100 + ceil(L/50)*10 has least fixed point 130 (got %llu)", (unsigned long long)l);
	is_int(model_sporadic_bound(100, s2, 2, 1000000, &l), 0, "utilization 1.1: no bound");
	is_int(model_sporadic_bound(1000, s3, 1, 1500, &l), 0, "past the limit: no bound");
	ok(model_sporadic_bound(0, NULL, 0, 10, &l) == 1 && l == 0, "no sources, no L_IF: 0");
}

static void test_errors(void)
{
	static const char backwards[] =
		"  a-1 [000] 2.0: irq_enable: caller=x\n"
		"# comment\n"
		"  a-1 [000] 1.0: irq_disable: caller=x\n";
	static const char malformed[] =
		"  a-1 [000] 2.0: irq_enable: caller=x\n"
		"\n"
		"  a-1 [000] 2.1: irq_disable caller=x\n";
	struct model *m = model_new();
	char err[256] = "";

	ok(model_feed_text(m, backwards, strlen(backwards), err, sizeof(err)) == -EINVAL &&
		   !strncmp(err, "line 3: time goes backwards on CPU 0", 36),
	   "time going backwards is refused at line 3 (%s)", err);
	model_free(m);
	m = model_new();
	ok(model_feed_text(m, malformed, strlen(malformed), err, sizeof(err)) == -EINVAL &&
		   !strncmp(err, "line 3: ", 8),
	   "a malformed line is refused with its number (%s)", err);
	model_free(m);
	m = model_new();
	is_int(model_feed_text(m, "", 0, err, sizeof(err)), 0, "empty text");
	is_int(model_finish(m), 0, "finish on nothing");
	is_int(model_ncpus(m), 0, "no CPUs");
	model_free(m);
	model_free(NULL);
	ok(1, "model_free(NULL) is a no-op");
}

int main(void)
{
	test_parser();
	test_basic_trace();
	test_bounds();
	test_errors();
	return done_testing();
}
