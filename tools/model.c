// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator model record [--duration S] [-o FILE]
 * isolator model report FILE [--cpu LIST] [--json]
 *
 * The scheduling-latency bound of Oliveira et al. (ECRTS 2020) per CPU, from
 * stock tracepoints: `record` enables them in a tracefs instance of its own
 * (through libtracefs) and writes them as text with nanosecond time stamps;
 * `report` reads that, a tracefs `trace` file or `trace-cmd report` output.
 * The analysis is model/model.c; docs/model.md explains it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../model/model.h"
#include "../util/json.h"
#include "../util/util.h"
#include "commands.h"
#include "model_dat.h"

struct report_params {
	const char *file;
	struct isolator_cpuset cpus;
	int have_cpus;
	int dat; /* FILE is trace-cmd's binary trace.dat */
	struct json_out json;
};

static void model_usage(FILE *out)
{
	fprintf(out,
		"usage: isolator model record [--duration T] [-o FILE]\n"
		"       isolator model report FILE [--cpu LIST] [--json[=FILE]]\n\n"
		"record: enable the preemptirq, sched, irq, irq_vectors and nmi tracepoints\n"
		"        for T (a bare number is seconds; default 10 s) and save them to FILE\n"
		"        (default model.trace); a FILE ending in .dat is trace-cmd's binary\n"
		"        trace.dat (libtracecmd), which trace-cmd report and kernelshark read.\n"
		"report: per CPU, D_POID, D_PAIE, D_PSD, D_ST with the code responsible,\n"
		"        L_IF = max(D_ST, D_POID) + D_PAIE + D_PSD, and the bound with IRQ and\n"
		"        NMI interference (sporadic and sliding-window), all in ns. FILE may\n"
		"        also be a tracefs 'trace' file, 'trace-cmd report' output or a\n"
		"        trace-cmd trace.dat file (read through libtracecmd).\n"
		"        --json prints schema isolator-model/1 instead of the table;\n"
		"        --json=FILE writes it to FILE and keeps the table.\n");
}

/* --- report ---------------------------------------------------------------- */

static void print_ns_or_none(int ok, uint64_t v)
{
	if (ok)
		printf(" %12" PRIu64, v);
	else
		printf(" %12s", "no bound");
}

static void print_table(const struct model *m, const struct report_params *p)
{
	printf("isolator model: %s: %" PRIu64 " lines; all times in ns\n", p->file,
	       model_lines(m));
	printf("%4s %10s %10s %10s %10s %10s %12s %12s %12s\n", "CPU", "D_POID", "D_PAIE",
	       "D_PSD", "D_ST", "L_IF", "L_sporadic", "L_window", "timerlat");
	for (unsigned i = 0; i < model_ncpus(m); i++) {
		const struct model_cpu *c = model_cpu_at(m, i);

		if (p->have_cpus && !isolator_cpuset_has(&p->cpus, c->cpu))
			continue;
		printf("%4u", c->cpu);
		if (!c->have_thread_vars) {
			printf(" %10s %10s %10s %10s %10s %12s %12s", "-", "-", "-", "-", "-", "-", "-");
		} else {
			for (int v = 0; v < MODEL_NVARS; v++)
				printf(" %10" PRIu64, c->d_ns[v]);
			printf(" %10" PRIu64, c->l_if_ns);
			print_ns_or_none(c->sporadic_bounded, c->l_sporadic_ns);
			print_ns_or_none(c->window_bounded, c->l_window_ns);
		}
		if (c->timerlat_samples)
			printf(" %12" PRIu64, c->timerlat_sched_max_ns);
		else
			printf(" %12s", "-");
		putchar('\n');
	}
	printf("(timerlat: worst wake-up to run of the timerlat thread, thread minus IRQ latency,\n"
	       " when the trace holds timerlat samples; '-' for D_*: no preemptirq tracepoints)\n");

	for (unsigned i = 0; i < model_ncpus(m); i++) {
		const struct model_cpu *c = model_cpu_at(m, i);

		if (p->have_cpus && !isolator_cpuset_has(&p->cpus, c->cpu))
			continue;
		printf("\nCPU %u: %" PRIu64 " events over %.6f s", c->cpu, c->events,
		       c->span_ns / 1e9);
		if (c->lost)
			printf(", %" PRIu64 " LOST-EVENTS markers (state reset each time)", c->lost);
		putchar('\n');
		if (c->have_thread_vars) {
			for (int v = 0; v < MODEL_NVARS; v++) {
				const struct model_site *s = &c->d_site[v];

				if (!c->d_count[v]) {
					printf("  %-6s %10s  (never observed)\n", model_var_name(v), "0");
					continue;
				}
				printf("  %-6s %10" PRIu64 "  at %" PRIu64 ".%09" PRIu64 " of %" PRIu64
				       " intervals\n         from %s\n         to   %s\n",
				       model_var_name(v), c->d_ns[v], s->ts_ns / 1000000000,
				       s->ts_ns % 1000000000, c->d_count[v], s->begin, s->end);
			}
		} else {
			printf("  no preemptirq tracepoints (irq_disable/enable and preempt_disable/enable) "
			       "for this CPU: D_* unknown\n");
		}
		if (c->nsources)
			printf("  %-24s %8s %12s %12s\n", "interference source", "count", "WCET",
			       "MIAT");
		for (unsigned k = 0; k < c->nsources; k++) {
			const struct model_source *s = &c->sources[k];

			printf("  %-24s %8" PRIu64 " %12" PRIu64, s->name, s->count, s->wcet_ns);
			if (s->miat_ns)
				printf(" %12" PRIu64 "\n", s->miat_ns);
			else
				printf(" %12s\n", "(once)");
		}
		if (c->timerlat_samples)
			printf("  timerlat: %" PRIu64 " samples, max IRQ latency %" PRIu64
			       ", max thread latency %" PRIu64 ", max wake-up to run %" PRIu64 "\n",
			       c->timerlat_samples, c->timerlat_irq_max_ns, c->timerlat_thread_max_ns,
			       c->timerlat_sched_max_ns);
	}
}

static void json_opt(struct json *j, const char *key, int ok, uint64_t v)
{
	json_key(j, key);
	if (ok)
		json_uint(j, v);
	else
		json_null(j);
}

static void print_json(FILE *f, const struct model *m, const struct report_params *p)
{
	static const char *const keys[MODEL_NVARS] = { "d_poid_ns", "d_paie_ns", "d_psd_ns",
						       "d_st_ns" };
	static const char *const site_keys[MODEL_NVARS] = { "d_poid", "d_paie", "d_psd",
							    "d_st" };
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_key(&j, "schema");
	json_string(&j, "isolator-model/1");
	json_key(&j, "file");
	json_string(&j, p->file);
	json_key(&j, "format");
	json_string(&j, p->dat ? "trace.dat" : "text");
	json_key(&j, "cpus");
	json_array_begin(&j);
	for (unsigned i = 0; i < model_ncpus(m); i++) {
		const struct model_cpu *c = model_cpu_at(m, i);
		int t = c->have_thread_vars;

		if (p->have_cpus && !isolator_cpuset_has(&p->cpus, c->cpu))
			continue;
		json_object_begin(&j);
		json_key(&j, "cpu");
		json_uint(&j, c->cpu);
		for (int v = 0; v < MODEL_NVARS; v++)
			json_opt(&j, keys[v], t, c->d_ns[v]);
		json_opt(&j, "l_if_ns", t, c->l_if_ns);
		json_opt(&j, "l_ns", t && c->sporadic_bounded, c->l_sporadic_ns);
		json_opt(&j, "l_window_ns", t && c->window_bounded, c->l_window_ns);
		json_key(&j, "events");
		json_uint(&j, c->events);
		json_key(&j, "span_ns");
		json_uint(&j, c->span_ns);
		json_key(&j, "lost_markers");
		json_uint(&j, c->lost);
		json_key(&j, "sites");
		json_object_begin(&j);
		for (int v = 0; t && v < MODEL_NVARS; v++) {
			if (!c->d_count[v])
				continue;
			json_key(&j, site_keys[v]);
			json_object_begin(&j);
			json_key(&j, "at_ns");
			json_uint(&j, c->d_site[v].ts_ns);
			json_key(&j, "intervals");
			json_uint(&j, c->d_count[v]);
			json_key(&j, "from");
			json_string(&j, c->d_site[v].begin);
			json_key(&j, "to");
			json_string(&j, c->d_site[v].end);
			json_object_end(&j);
		}
		json_object_end(&j);
		json_key(&j, "sources");
		json_array_begin(&j);
		for (unsigned k = 0; k < c->nsources; k++) {
			json_object_begin(&j);
			json_key(&j, "name");
			json_string(&j, c->sources[k].name);
			json_key(&j, "count");
			json_uint(&j, c->sources[k].count);
			json_key(&j, "wcet_ns");
			json_uint(&j, c->sources[k].wcet_ns);
			json_opt(&j, "miat_ns", c->sources[k].miat_ns != 0, c->sources[k].miat_ns);
			json_object_end(&j);
		}
		json_array_end(&j);
		if (c->timerlat_samples) {
			json_key(&j, "timerlat");
			json_object_begin(&j);
			json_key(&j, "samples");
			json_uint(&j, c->timerlat_samples);
			json_key(&j, "irq_max_ns");
			json_uint(&j, c->timerlat_irq_max_ns);
			json_key(&j, "thread_max_ns");
			json_uint(&j, c->timerlat_thread_max_ns);
			json_key(&j, "wakeup_to_run_max_ns");
			json_uint(&j, c->timerlat_sched_max_ns);
			json_object_end(&j);
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
}

static int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", optional_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report_params p = { 0 };
	struct model *m;
	FILE *f;
	char *line = NULL, err[256];
	size_t cap = 0;
	ssize_t n;
	int opt, rc = EXIT_OK;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			/* the trace's CPUs, not this machine's: no online check */
			if (parse_cpulist("model report: --cpu", optarg, &p.cpus) < 0)
				return EXIT_ERROR;
			p.have_cpus = 1;
			break;
		case 'j':
			if (json_out_parse(&p.json, "model report: --json", optarg) < 0)
				return EXIT_ERROR;
			break;
		case 'h':
			model_usage(stdout);
			return EXIT_OK;
		default:
			return bad_option("model report", argv);
		}
	}
	if (optind >= argc)
		return fail("model report: no trace file given (see 'isolator model --help')");
	if (optind + 1 < argc)
		return fail("model report: one trace file only, got '%s' too%s", argv[optind + 1],
			    p.json.on && !p.json.file ? "; for a JSON file write --json=FILE" : "");
	p.file = argv[optind];
	f = fopen(p.file, "r");
	if (!f)
		return fail("model report: %s: %s", p.file, strerror(errno));
	m = model_new();
	if (!m) {
		fclose(f);
		return fail("model report: out of memory");
	}
	p.dat = model_dat_is(p.file);
	if (p.dat && model_dat_feed(p.file, m, err, sizeof(err)) < 0) {
		rc = fail("model report: %s: %s", p.file, err);
		goto out;
	}
	while (!p.dat && (n = getline(&line, &cap, f)) > 0) {
		int r = model_feed_line(m, line, (size_t)n, err, sizeof(err));

		if (r < 0) {
			rc = fail("model report: %s: %s", p.file, err);
			goto out;
		}
	}
	if (ferror(f)) {
		rc = fail("model report: %s: read error", p.file);
		goto out;
	}
	if (model_finish(m) < 0) {
		rc = fail("model report: out of memory");
		goto out;
	}
	if (model_ncpus(m) == 0) {
		rc = fail("model report: %s: no trace events in it", p.file);
		goto out;
	}
	for (unsigned c = 0; p.have_cpus && c < ISOLATOR_MAX_CPUS; c++) {
		int found = 0;

		if (!isolator_cpuset_has(&p.cpus, c))
			continue;
		for (unsigned i = 0; i < model_ncpus(m); i++)
			found |= model_cpu_at(m, i)->cpu == c;
		if (!found) {
			rc = fail("model report: --cpu: CPU %u has no events in %s", c, p.file);
			goto out;
		}
	}
	if (p.json.on) {
		FILE *out = json_out_open(&p.json);

		if (!out) {
			rc = EXIT_ERROR;
			goto out;
		}
		print_json(out, m, &p);
		if (json_out_close(&p.json, out) < 0) {
			rc = EXIT_ERROR;
			goto out;
		}
	}
	if (json_out_table(&p.json))
		print_table(m, &p);
out:
	free(line);
	fclose(f);
	model_free(m);
	return rc;
}

/* --- record ---------------------------------------------------------------- */

struct record_params {
	uint64_t duration_ns;
	const char *out;
};

#ifdef HAVE_LIBTRACEFS
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <tracefs.h>

/* What the model needs, and the kernel option that provides each. */
static const struct {
	const char *system, *event, *config;
	int essential; /* the D_* variables cannot be computed without it */
} wanted[] = {
	{ "preemptirq", "irq_disable", "CONFIG_IRQSOFF_TRACER or CONFIG_PROVE_LOCKING (TRACE_IRQFLAGS -> PREEMPTIRQ_TRACEPOINTS)", 1 },
	{ "preemptirq", "irq_enable", "CONFIG_IRQSOFF_TRACER or CONFIG_PROVE_LOCKING (TRACE_IRQFLAGS -> PREEMPTIRQ_TRACEPOINTS)", 1 },
	{ "preemptirq", "preempt_disable", "CONFIG_PREEMPT_TRACER (TRACE_PREEMPT_TOGGLE -> PREEMPTIRQ_TRACEPOINTS)", 1 },
	{ "preemptirq", "preempt_enable", "CONFIG_PREEMPT_TRACER (TRACE_PREEMPT_TOGGLE -> PREEMPTIRQ_TRACEPOINTS)", 1 },
	{ "sched", "sched_switch", "CONFIG_TRACEPOINTS (CONFIG_FTRACE)", 1 },
	{ "sched", "sched_waking", "CONFIG_TRACEPOINTS (CONFIG_FTRACE)", 0 },
	{ "irq", "irq_handler_entry", "CONFIG_TRACEPOINTS (CONFIG_FTRACE)", 0 },
	{ "irq", "irq_handler_exit", "CONFIG_TRACEPOINTS (CONFIG_FTRACE)", 0 },
	{ "irq", "softirq_entry", "CONFIG_TRACEPOINTS (CONFIG_FTRACE)", 0 },
	{ "irq", "softirq_exit", "CONFIG_TRACEPOINTS (CONFIG_FTRACE)", 0 },
	{ "nmi", "nmi_handler", "CONFIG_TRACEPOINTS on x86 (arch/x86/kernel/nmi.c)", 0 },
};

struct record_ctx {
	FILE *out;
	struct trace_seq seq;
	uint64_t events, lost;
};

static volatile int record_stop;

static void on_signal(int sig)
{
	(void)sig;
	record_stop = 1;
}

static int write_record(struct tep_event *event, struct tep_record *record, int cpu, void *arg)
{
	struct record_ctx *ctx = arg;
	char line[8192];
	int n;

	if (record->missed_events) {
		fprintf(ctx->out, "CPU:%d [LOST %lld EVENTS]\n", cpu,
			(long long)(record->missed_events > 0 ? record->missed_events : 0));
		ctx->lost++;
	}
	/* the line trace-cmd report prints, as report reads a trace.dat too */
	n = model_format_record(event->tep, record, cpu, &ctx->seq, line, sizeof(line));
	if (n > 0) {
		fputs(line, ctx->out);
		ctx->events++;
	}
	return 0;
}

/* Record into trace.dat rather than text: the name says so. */
static int wants_dat(const char *file)
{
	size_t n = strlen(file);

	return n > 4 && !strcmp(file + n - 4, ".dat");
}

static int record_run(const struct record_params *p)
{
	struct tracefs_instance *inst = NULL;
	struct tep_handle *tep = NULL;
	struct record_ctx ctx = { 0 };
	struct model_dat_writer *dat = NULL;
	struct timespec t0, now;
#ifdef HAVE_LIBTRACECMD
	char err[256];
#endif
	char name[64];
	unsigned enabled = 0, missing_essential = 0;
	int rc = EXIT_ERROR;

	if (!tracefs_tracing_dir())
		return fail("model record: tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)");
	snprintf(name, sizeof(name), "isolator-model-%d", (int)getpid());
	inst = tracefs_instance_create(name);
	if (!inst)
		return fail("model record: cannot create tracefs instance %s: %s (root needed)", name,
			    strerror(errno));
	if (wants_dat(p->out)) {
#ifdef HAVE_LIBTRACECMD
		/* the file is written at the end: see now that it can be */
		ctx.out = fopen(p->out, "w");
		if (ctx.out)
			fclose(ctx.out);
		ctx.out = NULL;
		dat = model_dat_writer_new(inst, (int)sysconf(_SC_NPROCESSORS_CONF));
		if (!dat || access(p->out, W_OK) < 0) {
			fail("model record: %s: %s", p->out, strerror(errno ? errno : EIO));
			goto out;
		}
#else
		fail("model record: %s: writing trace.dat needs libtracecmd (scripts/deps.sh "
		     "model, then rebuild)", p->out);
		goto out;
#endif
	} else {
		ctx.out = fopen(p->out, "w");
		if (!ctx.out) {
			fail("model record: %s: %s", p->out, strerror(errno));
			goto out;
		}
	}
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		if (!tracefs_event_file_exists(inst, wanted[i].system, wanted[i].event, "enable")) {
			fprintf(stderr, "isolator: model record: missing tracepoint %s:%s (needs %s)%s\n",
				wanted[i].system, wanted[i].event, wanted[i].config,
				wanted[i].essential ? "; D_* cannot be computed without it" : "");
			missing_essential += wanted[i].essential;
			continue;
		}
		if (tracefs_event_enable(inst, wanted[i].system, wanted[i].event) < 0) {
			fprintf(stderr, "isolator: model record: cannot enable %s:%s: %s\n",
				wanted[i].system, wanted[i].event, strerror(errno));
			continue;
		}
		if (ctx.out)
			fprintf(ctx.out, "# event %s:%s\n", wanted[i].system, wanted[i].event);
		enabled++;
	}
	/* every IRQ vector (x86: irq_vectors:*_entry/_exit) */
	if (tracefs_event_file_exists(inst, "irq_vectors", "local_timer_entry", "enable") &&
	    tracefs_event_enable(inst, "irq_vectors", NULL) == 0) {
		if (ctx.out)
			fprintf(ctx.out, "# event irq_vectors:*\n");
		enabled++;
	} else {
		fprintf(stderr, "isolator: model record: missing tracepoints irq_vectors:* "
				"(x86 only; IRQ vectors other than device IRQs go unseen)\n");
	}
	if (!enabled) {
		fail("model record: none of the tracepoints the model needs exists");
		goto out;
	}
	tep = tracefs_local_events(NULL);
	if (!tep) {
		fail("model record: cannot read the event formats: %s", strerror(errno));
		goto out;
	}
	trace_seq_init(&ctx.seq);
	tracefs_instance_file_write(inst, "buffer_size_kb", "16384");
	tracefs_instance_file_write(inst, "trace_clock", "mono");
	if (ctx.out)
		fprintf(ctx.out, "# isolator-model-trace 1: clock mono, time stamps in ns\n");
	fprintf(stderr, "isolator: model record: %u tracepoint groups for %.1f s into %s%s\n",
		enabled, p->duration_ns / 1e9, p->out,
		missing_essential ? " (without the D_* variables)" : "");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	tracefs_trace_on(inst);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		uint64_t el;

		/* drain while recording, so the ring buffer does not overwrite */
		if (dat) {
#ifdef HAVE_LIBTRACECMD
			if (model_dat_writer_drain(dat) < 0) {
				fail("model record: cannot save the ring buffers (disk full?)");
				goto out;
			}
#endif
		} else {
			tracefs_iterate_raw_events(tep, inst, NULL, 0, write_record, &ctx);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		el = (uint64_t)(now.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)now.tv_nsec -
		     (uint64_t)t0.tv_nsec;
		if (el >= p->duration_ns || record_stop)
			break;
		usleep(100000);
	}
	tracefs_trace_off(inst);
	if (dat) {
#ifdef HAVE_LIBTRACECMD
		if (model_dat_writer_finish(dat, p->out, err, sizeof(err)) < 0) {
			fail("model record: %s", err);
			goto out;
		}
#endif
		fprintf(stderr, "isolator: model record: trace.dat written to %s "
				"('isolator model report %s', or trace-cmd report -i %s)\n",
			p->out, p->out, p->out);
		rc = EXIT_OK;
		goto out;
	}
	tracefs_iterate_raw_events(tep, inst, NULL, 0, write_record, &ctx);
	if (fclose(ctx.out) != 0) {
		ctx.out = NULL;
		fail("model record: %s: write error", p->out);
		goto out;
	}
	ctx.out = NULL;
	fprintf(stderr, "isolator: model record: %llu events written to %s%s\n",
		(unsigned long long)ctx.events, p->out,
		ctx.lost ? " (some lost: see LOST lines)" : "");
	rc = EXIT_OK;
out:
	if (ctx.out)
		fclose(ctx.out);
#ifdef HAVE_LIBTRACECMD
	model_dat_writer_free(dat);
#endif
	if (rc != EXIT_OK && dat)
		unlink(p->out);
	trace_seq_destroy(&ctx.seq);
	tep_free(tep);
	tracefs_instance_destroy(inst);
	tracefs_instance_free(inst);
	return rc;
}
#endif

static int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct record_params p = { .duration_ns = 10000000000ull, .out = "model.trace" };
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (parse_duration("model record: --duration", optarg, &p.duration_ns) < 0)
				return EXIT_ERROR;
			if (p.duration_ns == 0)
				return fail("model record: --duration must be more than 0");
			break;
		case 'o':
			p.out = optarg;
			break;
		case 'h':
			model_usage(stdout);
			return EXIT_OK;
		default:
			return bad_option("model record", argv);
		}
	}
	if (optind < argc)
		return fail("model record: unexpected argument '%s'", argv[optind]);
#ifdef HAVE_LIBTRACEFS
	return record_run(&p);
#else
	return fail("model record: built without libtracefs (scripts/deps.sh model, then rebuild)");
#endif
}

int cmd_model(int argc, char **argv)
{
	if (argc < 2)
		return fail("model: record or report? (see 'isolator model --help')");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		model_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	return fail("model: unknown mode '%s' (record or report)", argv[1]);
}
