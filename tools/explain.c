// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator explain [FILE|-] [--cpu N] [--json] [--measure [--duration T]]
 *
 * Read a latency report the user already has (explain_parse.c recognises
 * it), say why its numbers look the way they do (explain_rules.c: per
 * finding the quoted line, the cause, its share, the fix as a command), and
 * with --measure run the user's measurement and the recommended one here,
 * side by side (explain_measure.c). Exit 0 on a report read, 1 on bad input.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/json.h"
#include "../tune/tune.h"
#include "commands.h"
#include "explain.h"
#include "explain_measure.h"
#include "../util/util.h"

#define EXPLAIN_MAX_INPUT (64u << 20)

struct explain_params {
	const char *file;     /* "-" for stdin */
	int cpu;              /* -1: from the report / the last online CPU */
	struct json_out json; /* --json[=FILE] */
	int measure;
	int quiet;
	uint64_t duration_ns;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator explain [FILE|-] [--cpu N] [--json[=FILE]] [--measure [--duration T]]\n"
		"Read a latency report and say why it looks the way it does: per finding the\n"
		"line that shows it, the cause, how much of the number it explains and the fix\n"
		"as a command. What the report cannot tell is read from this machine with the\n"
		"probes of 'isolator check'.\n"
		"Formats, recognised by content: %s.\n"
		"  -c, --cpu N        the CPU the fixes and --measure use (default: the report's\n"
		"                     last CPU for the fixes, this machine's last online CPU to\n"
		"                     measure)\n"
		"  -m, --measure      run your measurement and the recommended one here, each for\n"
		"                     the same time, one fix added per step, then isolator bench\n"
		"                     response (cyclictest when installed, else a built-in loop)\n"
		"  -d, --duration T   each step's run time with --measure (default 5 s)\n"
		JSON_OPT_HELP "  {\"schema\":\"isolator-explain/1\",...} on stdout instead of\n"
		"                     the table; =FILE writes it to FILE beside the table\n"
		"  -q, --quiet        no progress lines\n"
		"Exit status: 0 report explained, 1 bad input or error.\n",
		explain_formats);
}

static int parse(int argc, char **argv, struct explain_params *p)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "measure", no_argument, NULL, 'm' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", optional_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, have_duration = 0;
	unsigned cpu;

	p->cpu = -1;
	p->duration_ns = 5000000000ull;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:md:jqh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_cpu_online("explain: --cpu", optarg, &cpu) < 0)
				return -1;
			p->cpu = (int)cpu;
			break;
		case 'm':
			p->measure = 1;
			break;
		case 'd':
			if (parse_duration("explain: --duration", optarg, &p->duration_ns) < 0)
				return -1;
			if (p->duration_ns < 100000000ull) {
				fail("explain: --duration '%s': at least 0.1 s", optarg);
				return -1;
			}
			have_duration = 1;
			break;
		case 'j':
			if (json_out_parse(&p->json, "explain: --json", optarg) < 0)
				return -1;
			break;
		case 'q':
			p->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			bad_option("explain", argv);
			return -1;
		}
	}
	if (have_duration && !p->measure) {
		fail("explain: --duration needs --measure");
		return -1;
	}
	if (optind + 1 < argc) {
		/* explain reads an operand, so --json FILE cannot mean --json=FILE here */
		fail("explain: one report at a time (got '%s' and '%s')%s", argv[optind], argv[optind + 1],
		     p->json.on && !p->json.file ? "; for a JSON file write --json=FILE" : "");
		return -1;
	}
	p->file = optind < argc ? argv[optind] : "-";
	return 0;
}

/* The whole input, bounded. Return: the buffer (caller frees) or NULL after fail(). */
static char *slurp(const char *file, size_t *len)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	size_t cap = 1 << 16, n = 0, k;
	char *buf;

	if (!f) {
		fail("explain: %s: %s", file, strerror(errno));
		return NULL;
	}
	if (f == stdin && isatty(STDIN_FILENO)) {
		fail("explain: no report given (a FILE, or one piped in; see 'isolator explain --help')");
		return NULL;
	}
	buf = malloc(cap);
	while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			char *more = cap < EXPLAIN_MAX_INPUT ? realloc(buf, cap * 2) : NULL;

			if (!more) {
				free(buf);
				buf = NULL;
				fail("explain: %s: larger than %u MiB, not a report", file,
				     EXPLAIN_MAX_INPUT >> 20);
				break;
			}
			buf = more;
			cap *= 2;
		}
	}
	if (buf && ferror(f)) {
		fail("explain: %s: %s", file, strerror(errno ? errno : EIO));
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

/* Print @text after @lead, wrapped at 100 columns, continuation lines indented. */
static void wrapped(const char *lead, const char *text)
{
	const unsigned width = 100, indent = 9;
	unsigned col = (unsigned)printf("%s", lead);
	const char *p = text;

	for (int first = 1; *p; first = 0) {
		size_t w = strcspn(p, " ");

		if (!first && col + 1 + w > width) { /* no blank left at the end of a line */
			printf("\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)w, p);
		col += (unsigned)w;
		p += w;
		while (*p == ' ')
			p++;
	}
	putchar('\n');
}

static void print_measure_table(const struct xmeasure *m)
{
	const struct xstep *y = &m->step[0], *rec = &m->step[m->nsteps - 1];
	const struct xseries *a = &y->result, *b = &rec->result;

	printf("\nmeasured here: %.1f s each, CPU %d, %s\n", (double)m->duration_ns / 1e9, m->cpu,
	       m->tool);
	printf("  yours:       %s\n  recommended: %s\n", y->command, rec->command);
	printf("  (one thread on CPU %d in both, so that the columns measure the same CPU)\n", m->cpu);
	printf("  %-10s %14s %14s\n", "", "yours", "recommended");
	if (!y->ran || !rec->ran) {
		for (unsigned i = 0; i < m->nsteps; i++)
			if (!m->step[i].ran)
				printf("  %s did not run: %s\n", m->step[i].label, m->step[i].error);
	}
#define ROW(name, va, vb, ok_a, ok_b)                                                        \
	do {                                                                                 \
		char sa[32] = "-", sb[32] = "-";                                             \
		if (ok_a)                                                                    \
			snprintf(sa, sizeof(sa), "%.0f", (va) / 1000.0);                     \
		if (ok_b)                                                                    \
			snprintf(sb, sizeof(sb), "%.0f", (vb) / 1000.0);                     \
		printf("  %-10s %14s %14s\n", name, sa, sb);                                 \
	} while (0)
	ROW("min (us)", (double)a->min_ns, (double)b->min_ns, y->ran, rec->ran);
	ROW("avg (us)", a->avg_ns, b->avg_ns, y->ran, rec->ran);
	ROW("max (us)", (double)a->max_ns, (double)b->max_ns, y->ran, rec->ran);
	printf("  %-10s %14llu %14llu\n", "cycles", (unsigned long long)(y->ran ? a->count : 0),
	       (unsigned long long)(rec->ran ? b->count : 0));
#undef ROW
	if (m->nsteps > 1 && y->ran && y->result.avg_ns > 0) {
		printf("  share of your average each fix removed (one fix per step, same time each):\n");
		for (unsigned i = 1; i < m->nsteps; i++) {
			const struct xstep *s = &m->step[i], *prev = &m->step[i - 1];

			if (!s->ran || !prev->ran) {
				printf("    %-13s -\n", s->fix[0] ? s->fix : s->label);
				continue;
			}
			printf("    %-13s avg %6.0f -> %6.0f us: %+5.0f%% of yours   (%s)\n",
			       s->fix[0] ? s->fix : "(repeat)", prev->result.avg_ns / 1000,
			       s->result.avg_ns / 1000,
			       -100.0 * (prev->result.avg_ns - s->result.avg_ns) / y->result.avg_ns,
			       s->label);
		}
	}
	if (m->response.have)
		printf("  isolator bench response, CPU %d: wake p50 %llu ns, p99 %llu ns; poll p50 "
		       "%llu ns, p99 %llu ns; floor p50 %llu ns\n", m->response.cpu,
		       (unsigned long long)m->response.wake_p50, (unsigned long long)m->response.wake_p99,
		       (unsigned long long)m->response.poll_p50, (unsigned long long)m->response.poll_p99,
		       (unsigned long long)m->response.floor_p50);
	else
		printf("  isolator bench response: did not run here\n");
}

static void print_table(const struct explain_params *p, const struct xreport *r,
			const struct xfindings *fs, const struct xmeasure *m)
{
	static const char *const tags[] = { "cause", "ruled out", "answer", "cannot tell" };

	printf("isolator explain: %s: %s report, %u series (%s", strcmp(p->file, "-") ? p->file : "stdin",
	       r->format_name, r->nseries, r->nseries ? r->series[0].label : "");
	if (r->nseries > 1)
		printf(" .. %s", r->series[r->nseries - 1].label);
	printf(")\n");
	if (r->nsecs == XR_YES)
		printf("  numbers in ns (cyclictest -N), shown here in us: %s%.0u%s%s\n",
		       r->unit_quote.line ? "line " : "", r->unit_quote.line,
		       r->unit_quote.line ? ": " : "", r->unit_quote.text);
	for (unsigned i = 0; i < r->nseries; i++) {
		const struct xseries *s = &r->series[i];

		printf("  %-14s min %9.1f us  avg ", s->label, s->min_ns / 1000.0);
		if (s->avg_ns >= 0)
			printf("%9.1f us", s->avg_ns / 1000.0);
		else
			printf("%9s   ", "-");
		printf("  max %10.1f us", s->max_ns / 1000.0);
		if (s->p99_ns)
			printf("  p99 %8.1f us", s->p99_ns / 1000.0);
		putchar('\n');
	}
	for (unsigned i = 0; i < fs->n; i++) {
		const struct xfinding *f = &fs->f[i];
		char lead[XR_LINE + 32];

		printf("\n[%s] %s\n", tags[f->kind], f->id);
		if (f->quote.text[0]) {
			if (f->quote.line)
				snprintf(lead, sizeof(lead), "  line %u: ", f->quote.line);
			else
				snprintf(lead, sizeof(lead), "  report: ");
			printf("%s%s\n", lead, f->quote.text);
		}
		wrapped("  cause: ", f->cause);
		if (f->share[0])
			wrapped("  share: ", f->share);
		if (f->machine[0])
			wrapped("  here:  ", f->machine);
		if (f->fix[0])
			wrapped("  fix:   ", f->fix);
	}
	if (m)
		print_measure_table(m);
}

static void json_series(struct json *j, const struct xseries *s)
{
	json_object_begin(j);
	json_key(j, "label");
	json_string(j, s->label);
	json_key(j, "cpu");
	if (s->cpu >= 0)
		json_uint(j, (uint64_t)s->cpu);
	else
		json_null(j);
	json_key(j, "prio");
	if (s->prio >= 0)
		json_uint(j, (uint64_t)s->prio);
	else
		json_null(j);
	json_key(j, "count");
	json_uint(j, s->count);
	json_key(j, "min_ns");
	json_uint(j, s->min_ns);
	json_key(j, "avg_ns");
	if (s->avg_ns >= 0)
		json_double(j, s->avg_ns);
	else
		json_null(j);
	json_key(j, "max_ns");
	json_uint(j, s->max_ns);
	json_key(j, "line");
	json_uint(j, s->quote.line);
	json_object_end(j);
}

static void print_json(FILE *f, const struct explain_params *p, const struct xreport *r,
		       const struct xfindings *fs, const struct xmeasure *m)
{
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_key(&j, "schema");
	json_string(&j, "isolator-explain/1");
	json_key(&j, "input");
	json_string(&j, p->file);
	json_key(&j, "format");
	json_string(&j, r->format_name);
	json_key(&j, "series");
	json_array_begin(&j);
	for (unsigned i = 0; i < r->nseries; i++)
		json_series(&j, &r->series[i]);
	json_array_end(&j);
	json_key(&j, "findings");
	json_array_begin(&j);
	for (unsigned i = 0; i < fs->n; i++) {
		const struct xfinding *f = &fs->f[i];

		json_object_begin(&j);
		json_key(&j, "id");
		json_string(&j, f->id);
		json_key(&j, "kind");
		json_string(&j, explain_kind_name(f->kind));
		json_key(&j, "line");
		json_uint(&j, f->quote.line);
		json_key(&j, "quote");
		json_string(&j, f->quote.text);
		json_key(&j, "cause");
		json_string(&j, f->cause);
		json_key(&j, "share");
		json_string(&j, f->share);
		json_key(&j, "machine");
		json_string(&j, f->machine);
		json_key(&j, "fix");
		json_string(&j, f->fix);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "measure");
	if (!m) {
		json_null(&j);
	} else {
		json_object_begin(&j);
		json_key(&j, "tool");
		json_string(&j, m->tool);
		json_key(&j, "cpu");
		json_uint(&j, (uint64_t)m->cpu);
		json_key(&j, "duration_ns");
		json_uint(&j, m->duration_ns);
		json_key(&j, "steps");
		json_array_begin(&j);
		for (unsigned i = 0; i < m->nsteps; i++) {
			const struct xstep *s = &m->step[i];

			json_object_begin(&j);
			json_key(&j, "label");
			json_string(&j, s->label);
			json_key(&j, "fix");
			json_string(&j, s->fix);
			json_key(&j, "command");
			json_string(&j, s->command);
			json_key(&j, "ran");
			json_bool(&j, s->ran);
			json_key(&j, "error");
			json_string(&j, s->error);
			json_key(&j, "result");
			if (s->ran)
				json_series(&j, &s->result);
			else
				json_null(&j);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_key(&j, "response");
		if (m->response.have) {
			json_object_begin(&j);
			json_key(&j, "cpu");
			json_uint(&j, (uint64_t)m->response.cpu);
			json_key(&j, "poll_p50_ns");
			json_uint(&j, m->response.poll_p50);
			json_key(&j, "poll_p99_ns");
			json_uint(&j, m->response.poll_p99);
			json_key(&j, "wake_p50_ns");
			json_uint(&j, m->response.wake_p50);
			json_key(&j, "wake_p99_ns");
			json_uint(&j, m->response.wake_p99);
			json_key(&j, "floor_p50_ns");
			json_uint(&j, m->response.floor_p50);
			json_object_end(&j);
		} else {
			json_null(&j);
		}
		json_object_end(&j);
	}
	json_object_end(&j);
	fputc('\n', f);
}

int cmd_explain(int argc, char **argv)
{
	struct explain_params p = { 0 };
	struct xreport *r = NULL;
	struct xfindings *fs = NULL;
	struct xmeasure *m = NULL;
	char why[256], *text;
	size_t len;
	int err, rc = EXIT_ERROR;

	if (parse(argc, argv, &p) < 0)
		return EXIT_ERROR;
	if (!(text = slurp(p.file, &len)))
		return EXIT_ERROR;
	r = malloc(sizeof(*r));
	fs = malloc(sizeof(*fs));
	if (!r || !fs) {
		fail("explain: out of memory");
		goto out;
	}
	err = explain_parse(text, len, r, why, sizeof(why));
	if (err == -EINVAL || err == -ENODATA) {
		fail("explain: %s: %s; known: %s", p.file, why, explain_formats);
		goto out;
	}
	if (err) {
		fail("explain: %s: %s", p.file, why);
		goto out;
	}
	if (p.measure) {
		int cpu = p.cpu >= 0 ? p.cpu : last_online_cpu();

		if (!(m = malloc(sizeof(*m)))) {
			fail("explain: out of memory");
			goto out;
		}
		err = explain_measure(r, cpu, p.duration_ns, p.quiet, m);
		if (err == -EINTR) {
			fail("explain: --measure interrupted; nothing on the machine was changed");
			goto out;
		}
		if (err) {
			fail("explain: --measure: %s", strerror(-err));
			goto out;
		}
	}
	explain_rules(r, NULL, p.cpu, m ? &m->response : NULL, fs);
	if (p.json.on) {
		FILE *f = json_out_open(&p.json);

		if (!f)
			goto out;
		print_json(f, &p, r, fs, m);
		if (json_out_close(&p.json, f) < 0)
			goto out;
	}
	if (json_out_table(&p.json))
		print_table(&p, r, fs, m);
	rc = EXIT_OK;
out:
	free(text);
	free(r);
	free(fs);
	free(m);
	return rc;
}
