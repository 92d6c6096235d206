// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator explain: recognise a latency report by its content and read it
 * into struct xreport. Every line kept as evidence is quoted exactly as the
 * user has it (less terminal escapes), with its line number.
 *
 * The formats are those the tools print (rt-tests 2.x cyclictest and oslat,
 * rtla of Linux 6.x, isolator bench --json); a report pasted inside prose
 * (a forum question) is read too, and the prose searched for the questions
 * explain answers (a guaranteed time window, a response goal).
 *
 * The input is untrusted: a line that starts like a summary line but does not
 * finish as one makes the whole report "truncated" rather than half-read.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "explain_json.h"

const char explain_formats[] =
	"cyclictest (summary lines, default or -q; --json=FILE; histogram -h/--histfile; us or -N ns), "
	"oslat (text or --json), rtla timerlat or osnoise (top or hist, with or without auto "
	"analysis), isolator bench --json";

const char *explain_format_name(enum xformat f)
{
	static const char *const names[] = {
		[XF_NONE] = "none",
		[XF_CYCLICTEST] = "cyclictest",
		[XF_CYCLICTEST_JSON] = "cyclictest --json",
		[XF_CYCLICTEST_HIST] = "cyclictest histogram",
		[XF_OSLAT] = "oslat",
		[XF_OSLAT_JSON] = "oslat --json",
		[XF_TIMERLAT_TOP] = "rtla timerlat top",
		[XF_TIMERLAT_HIST] = "rtla timerlat hist",
		[XF_OSNOISE_TOP] = "rtla osnoise top",
		[XF_OSNOISE_HIST] = "rtla osnoise hist",
		[XF_ISOLATOR_BENCH] = "isolator bench --json",
	};

	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

static int why_set(char *why, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int why_set(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

static void quote(struct xquote *q, unsigned line, const char *text)
{
	size_t n;

	while (*text == ' ' || *text == '\t')
		text++;
	snprintf(q->text, sizeof(q->text), "%s", text);
	n = strlen(q->text);
	while (n && isspace((unsigned char)q->text[n - 1]))
		q->text[--n] = '\0';
	q->line = line;
}

static struct xseries *series_get(struct xreport *r, const char *label)
{
	for (unsigned i = 0; i < r->nseries; i++)
		if (!strcmp(r->series[i].label, label))
			return &r->series[i];
	if (r->nseries >= XR_SERIES)
		return NULL;
	struct xseries *s = &r->series[r->nseries++];

	memset(s, 0, sizeof(*s));
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->cpu = s->prio = -1;
	s->avg_ns = -1;
	return s;
}

/* --- lines ------------------------------------------------------------------ */

/* The text split into NUL-terminated lines, terminal escapes and CRs removed. */
struct lines {
	char *buf;
	char **line;
	unsigned n;
};

static void lines_free(struct lines *l)
{
	free(l->buf);
	free(l->line);
}

static int lines_split(const char *text, size_t len, struct lines *l)
{
	size_t o = 0, cap = 64;

	memset(l, 0, sizeof(*l));
	if (!(l->buf = malloc(len + 1)) || !(l->line = malloc(cap * sizeof(char *))))
		return -ENOMEM;
	l->line[l->n++] = l->buf;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == '\033') { /* CSI: ESC [ params letter; or ESC c (rtla's clear) */
			if (i + 1 < len && text[i + 1] == '[') {
				i += 2;
				while (i < len && !isalpha((unsigned char)text[i]))
					i++;
			} else {
				i++;
			}
			continue;
		}
		if (c == '\r')
			continue;
		if (c == '\n') {
			l->buf[o++] = '\0';
			if (l->n == cap) {
				char **more = realloc(l->line, 2 * cap * sizeof(char *));

				if (!more)
					return -ENOMEM;
				l->line = more;
				cap *= 2;
			}
			l->line[l->n++] = l->buf + o;
			continue;
		}
		l->buf[o++] = c;
	}
	l->buf[o] = '\0';
	return 0;
}

/* Binary: a NUL, or more than 1 in 64 bytes a control character that no text has. */
static int looks_binary(const char *text, size_t len)
{
	size_t odd = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (!c)
			return 1;
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\033' && c != '\f') ||
		    c == 0x7f)
			odd++;
	}
	return odd * 64 > len;
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(skip_ws(s), prefix, strlen(prefix));
}

/* Case-insensitive strstr. */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return hay;
	return NULL;
}

/* The first "<number> <unit>" in @s with unit one of @units ("ms", "us"...),
 * in ns; 0 if none. */
static uint64_t time_in(const char *s, int us_too)
{
	for (const char *p = s; *p; p++) {
		char *end;
		double v;

		if (!isdigit((unsigned char)*p) || (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.')))
			continue;
		v = strtod(p, &end);
		while (*end == ' ')
			end++;
		if (!strncmp(end, "ms", 2) && !isalpha((unsigned char)end[2]))
			return (uint64_t)(v * 1e6);
		if (us_too && (!strncmp(end, "us", 2) || !strncmp(end, "\xc2\xb5s", 3)))
			return (uint64_t)(v * 1e3);
		p = end - 1;
	}
	return 0;
}

/* --- command lines ---------------------------------------------------------- */

/* Settings a cyclictest or oslat command line shows; @cmd from the report. */
static void read_cmdline(struct xreport *r, const char *cmd)
{
	char buf[XR_LINE], *tok, *save = NULL;
	int oslat = strstr(cmd, "oslat") != NULL;

	snprintf(buf, sizeof(buf), "%s", cmd);
	r->rt_policy = XR_NO; /* without -p (cyclictest) or -f (oslat): SCHED_OTHER */
	r->prio = 0;
	r->mlock = XR_NO;
	r->pinned = oslat ? XR_UNKNOWN : XR_NO;
	r->smp = XR_NO;
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		const char *val = NULL;

		if (oslat) {
			if (!strncmp(tok, "-f", 2) || !strncmp(tok, "--rtprio", 8))
				val = tok[1] == 'f' ? tok + 2 : strchr(tok, '=');
			else if (!strncmp(tok, "-c", 2) || !strncmp(tok, "--cpu-list", 10))
				r->pinned = XR_YES;
			else
				continue;
			if (val) {
				if (*val == '=')
					val++;
				if (!*val)
					val = strtok_r(NULL, " \t", &save);
				if (val && atoi(val) > 0) {
					r->rt_policy = XR_YES;
					r->prio = atoi(val);
				}
			}
			continue;
		}
		if (!strcmp(tok, "-m") || !strcmp(tok, "--mlockall")) {
			r->mlock = XR_YES;
		} else if (!strcmp(tok, "-S") || !strcmp(tok, "--smp")) {
			r->smp = r->pinned = XR_YES; /* --smp is -a -t: thread N on CPU N */
		} else if (!strncmp(tok, "-a", 2) || !strncmp(tok, "--affinity", 10)) {
			r->pinned = XR_YES;
		} else if (!strncmp(tok, "-p", 2) && strncmp(tok, "--p", 3)) {
			val = tok[2] ? tok + 2 : strtok_r(NULL, " \t", &save);
		} else if (!strncmp(tok, "--priority", 10)) {
			val = tok[10] == '=' ? tok + 11 : strtok_r(NULL, " \t", &save);
		} else if (!strncmp(tok, "--policy", 8)) {
			const char *pol = tok[8] == '=' ? tok + 9 : strtok_r(NULL, " \t", &save);

			if (pol && (!strcmp(pol, "fifo") || !strcmp(pol, "rr")))
				r->rt_policy = XR_YES;
		} else if (tok[0] == '-' && tok[1] != '-' && strchr(tok, 'm') && strspn(tok + 1, "mqSnrtv") ==
			   strlen(tok + 1)) {
			/* grouped flags: -mq, -Sm ... */
			if (strchr(tok, 'm'))
				r->mlock = XR_YES;
			if (strchr(tok, 'S'))
				r->smp = r->pinned = XR_YES;
		}
		if (val && atoi(val) > 0) {
			r->rt_policy = XR_YES;
			r->prio = atoi(val);
		}
	}
}

/* "sudo cyclictest --smp", "$ cyclictest ...", "# oslat ..." */
static int is_cmdline(const char *line, const char *tool)
{
	const char *s = skip_ws(line);

	while (*s == '$' || *s == '#' || *s == '>' || *s == ' ')
		s++;
	if (!strncmp(s, "sudo ", 5))
		s = skip_ws(s + 5);
	const char *word = s, *end = s + strcspn(s, " \t");
	const char *slash = word;

	for (const char *p = word; p < end; p++)
		if (*p == '/')
			slash = p + 1;
	if (!strncmp(skip_ws(end), "V ", 2)) /* "oslat V 2.40": the banner, not a command */
		return 0;
	return (size_t)(end - slash) == strlen(tool) && !strncmp(slash, tool, strlen(tool));
}

/* --- prose ------------------------------------------------------------------ */

/* Quote the sentence of @line around @at (prose pastes are one long line). */
static void quote_sentence(struct xquote *q, unsigned lineno, const char *line, const char *at)
{
	const char *b = at, *e = at;
	char buf[XR_LINE];

	while (b > line && !((b[-1] == ' ') && b - 1 > line && strchr(".?!", b[-2])))
		b--;
	while (*e && !(strchr(".?!", *e) && (e[1] == ' ' || !e[1])))
		e++;
	if (*e)
		e++;
	snprintf(buf, sizeof(buf), "%.*s", (int)(e - b), b);
	quote(q, lineno, buf);
}

/* "for a short period of time (maybe 100us)": the task's runtime, if said. */
static uint64_t runtime_in(const char *s)
{
	const char *p = find_ci(s, "period of time");

	if (!p)
		p = find_ci(s, "runtime");
	if (!p)
		p = find_ci(s, "takes");
	return p ? time_in(p, 1) : 0;
}

static void read_prose(struct xreport *r, const struct lines *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		const char *s = l->line[i];
		uint64_t t;

		const char *at;

		if (!r->window_ns && ((at = find_ci(s, "guarantee")) || (at = find_ci(s, "window")) ||
				      (at = find_ci(s, "deadline"))) && (t = time_in(at, 0))) {
			r->window_ns = t;
			quote_sentence(&r->window_quote, i + 1, s, at);
		}
		if (!r->goal_ns && (at = find_ci(s, "within")) && (t = time_in(at, 1))) {
			r->goal_ns = t;
			quote_sentence(&r->goal_quote, i + 1, s, at);
		}
		if (!r->runtime_ns && (t = runtime_in(s)) && t < 1000000000)
			r->runtime_ns = t;
	}
}

/* --- cyclictest text -------------------------------------------------------- */

/* Whether a cyclictest command line has -N (--nsecs), alone or among grouped
 * flags (-mqN). */
static int cyclictest_nsecs(const char *cmd)
{
	char buf[XR_LINE], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", cmd);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		if (!strcmp(tok, "--nsecs") ||
		    (tok[0] == '-' && tok[1] != '-' && strchr(tok, 'N') &&
		     strspn(tok + 1, "mqNnSvMuU") == strlen(tok + 1)))
			return 1;
	return 0;
}

/*
 * Whether a summary line was printed by cyclictest -N: the same line in ns,
 * but its Act and Avg fields are padded to 8 columns ("Act:%8ld Avg:%8ld")
 * where the us line pads to 5. Only a padded field tells (a wider number
 * fills the field, and a pasted report whose spaces were collapsed keeps no
 * widths at all: that is read as us, cyclictest's default).
 */
static int summary_in_ns(const char *s)
{
	static const char *const keys[][2] = { { "Act:", " Avg:" }, { "Avg:", " Max:" } };

	for (size_t k = 0; k < 2; k++) {
		const char *p = strstr(s, keys[k][0]), *q;

		if (!p)
			continue;
		p += strlen(keys[k][0]);
		q = strstr(p, keys[k][1]);
		if (q && *p == ' ' && (size_t)(q - p) == 8 && isdigit((unsigned char)q[-1]))
			return 1;
	}
	return 0;
}

static int parse_cyclictest_line(struct xreport *r, unsigned lineno, const char *s, uint64_t unit,
				 char *why, size_t wl)
{
	unsigned t;
	int tid, prio, n;
	unsigned long intv, cyc, mn, act, avg, mx;
	char label[16];
	struct xseries *se;

	n = sscanf(skip_ws(s), "T: %u ( %d) P: %d I: %lu C: %lu Min: %lu Act: %lu Avg: %lu Max: %lu",
		   &t, &tid, &prio, &intv, &cyc, &mn, &act, &avg, &mx);
	if (n != 9)
		return why_set(why, wl, -EPROTO,
			       "line %u: truncated cyclictest summary line (want 'T: N (TID) P: PRIO I: "
			       "INTERVAL C: COUNT Min: Act: Avg: Max:')", lineno);
	snprintf(label, sizeof(label), "T: %u", t);
	if (!(se = series_get(r, label)))
		return 0;
	se->prio = prio;
	se->interval_ns = (uint64_t)intv * 1000; /* -i is us, with -N too */
	se->count = cyc;
	se->min_ns = (uint64_t)mn * unit;
	se->avg_ns = (double)avg * (double)unit;
	se->max_ns = (uint64_t)mx * unit;
	quote(&se->quote, lineno, s);
	if (prio > r->prio)
		r->prio = prio;
	return 0;
}

/* "# Min Latencies: 00012 00010" -> values into the series, in order. */
static unsigned hist_values(const char *s, unsigned long long *v, unsigned max)
{
	const char *p = strchr(s, ':');
	unsigned n = 0;

	if (!p)
		return 0;
	for (p++; n < max;) {
		char *end;
		unsigned long long x;

		p = skip_ws(p);
		if (!isdigit((unsigned char)*p))
			break;
		x = strtoull(p, &end, 10);
		v[n++] = x;
		p = end;
	}
	return n;
}

struct hist_rows {
	unsigned cols;
	uint64_t *count;   /* [row * cols + col] */
	unsigned rows;
	unsigned cap;
};

static int hist_row(struct hist_rows *h, const char *s)
{
	unsigned long long v[XR_SERIES + 1];
	const char *p = s;
	unsigned n = 0;

	while (n < XR_SERIES + 1) {
		char *end;

		p = skip_ws(p);
		if (!isdigit((unsigned char)*p))
			break;
		v[n++] = strtoull(p, &end, 10);
		p = end;
	}
	if (n < 2 || *skip_ws(p))
		return 0;
	if (!h->cols)
		h->cols = n - 1;
	if (n - 1 != h->cols || v[0] != h->rows || v[0] > 1000000)
		return 0;
	if (h->rows == h->cap) {
		unsigned cap = h->cap ? 2 * h->cap : 256;
		uint64_t *more = realloc(h->count, (size_t)cap * h->cols * sizeof(uint64_t));

		if (!more)
			return -ENOMEM;
		h->count = more;
		h->cap = cap;
	}
	for (unsigned c = 0; c < h->cols; c++)
		h->count[(size_t)h->rows * h->cols + c] = v[c + 1];
	h->rows++;
	return 1;
}

/* p50/p99 of column @c from its rows (buckets of @unit ns: 1000, or 1 with
 * -N); overflows count above. */
static void hist_quantiles(const struct hist_rows *h, unsigned c, uint64_t total, uint64_t unit,
			   struct xseries *s)
{
	uint64_t seen = 0;
	int have50 = 0;

	if (!total)
		return;
	for (unsigned row = 0; row < h->rows; row++) {
		seen += h->count[(size_t)row * h->cols + c];
		if (!have50 && seen * 2 >= total) {
			s->p50_ns = (uint64_t)row * unit;
			have50 = 1;
		}
		if (seen * 100 >= total * 99) {
			s->p99_ns = (uint64_t)row * unit;
			return;
		}
	}
	s->p99_ns = s->max_ns; /* past the histogram's range: the overflows hold it */
	if (!have50)
		s->p50_ns = s->max_ns;
}

static int parse_cyclictest(struct xreport *r, const struct lines *l, char *why, size_t wl)
{
	struct hist_rows h = { 0 };
	unsigned long long tot[XR_SERIES] = { 0 }, mn[XR_SERIES], avg[XR_SERIES], mx[XR_SERIES],
			   ovf[XR_SERIES] = { 0 };
	unsigned ntot = 0, nmin = 0, navg = 0, nmax = 0, novf = 0;
	int in_hist = 0, seen_header = 0, err;
	uint64_t unit = 1000;

	/* -N: every number but the interval is ns, summary and histogram alike */
	for (unsigned i = 0; i < l->n && unit != 1; i++)
		if ((is_cmdline(l->line[i], "cyclictest") && cyclictest_nsecs(l->line[i])) ||
		    (starts(l->line[i], "T:") && summary_in_ns(l->line[i]))) {
			unit = 1;
			r->nsecs = XR_YES;
			quote(&r->unit_quote, i + 1, l->line[i]);
		}
	for (unsigned i = 0; i < l->n; i++) {
		const char *s = l->line[i], *p;
		unsigned ln = i + 1;

		if (starts(s, "T:") && strstr(s, "P:")) {
			if ((err = parse_cyclictest_line(r, ln, s, unit, why, wl)))
				goto out;
			continue;
		}
		if (starts(s, "policy:")) {
			char pol[32] = "";
			double a;
			unsigned run, tasks;

			seen_header = 1;
			quote(&r->policy_quote, ln, s);
			sscanf(skip_ws(s), "policy: %31[^/:]", pol);
			r->rt_policy = strcmp(pol, "fifo") && strcmp(pol, "rr") ? XR_NO : XR_YES;
			if ((p = strstr(s, "loadavg:")) &&
			    sscanf(p, "loadavg: %lf %*f %*f %u/%u", &a, &run, &tasks) == 3) {
				r->load1 = a;
				r->tasks = tasks;
				quote(&r->load_quote, ln, s);
			}
			continue;
		}
		if ((p = strstr(s, "/dev/cpu_dma_latency set to"))) {
			seen_header = 1;
			r->dma_latency = XR_YES;
			r->dma_latency_us = strtol(p + strlen("/dev/cpu_dma_latency set to"), NULL, 10);
			quote(&r->dma_quote, ln, s);
			continue;
		}
		if (is_cmdline(s, "cyclictest")) {
			seen_header = 1;
			quote(&r->cmdline, ln, s);
			continue;
		}
		if (starts(s, "# Histogram") && !strstr(s, "Overflow")) {
			in_hist = 1;
			seen_header = 1;
			continue;
		}
		if (in_hist) {
			unsigned long long v[XR_SERIES];

			if (starts(s, "# Total:"))
				ntot = hist_values(s, tot, XR_SERIES);
			else if (starts(s, "# Min Latencies:"))
				nmin = hist_values(s, mn, XR_SERIES);
			else if (starts(s, "# Avg Latencies:"))
				navg = hist_values(s, avg, XR_SERIES);
			else if (starts(s, "# Max Latencies:"))
				nmax = hist_values(s, mx, XR_SERIES);
			else if (starts(s, "# Histogram Overflows:"))
				novf = hist_values(s, ovf, XR_SERIES);
			else if (!nmax && (err = hist_row(&h, s)) < 0)
				goto out;
			(void)v;
		}
	}
	err = 0;
	if (in_hist) {
		if (!nmax || !ntot || nmin != nmax || ntot != nmax)
			return free(h.count),
			       why_set(why, wl, -EPROTO, "truncated cyclictest histogram: no complete "
					"'# Total:', '# Min Latencies:' and '# Max Latencies:' lines");
		if (!r->nseries)
			r->format = XF_CYCLICTEST_HIST;
		for (unsigned c = 0; c < nmax && c < XR_SERIES; c++) {
			char label[16];
			struct xseries *se;

			snprintf(label, sizeof(label), "T: %u", c);
			if (!(se = series_get(r, label)))
				break;
			se->count = tot[c];
			se->min_ns = mn[c] * unit;
			se->max_ns = mx[c] * unit;
			if (c < navg)
				se->avg_ns = (double)avg[c] * (double)unit;
			if (c < novf)
				r->overflows += ovf[c];
			if (h.cols == nmax)
				hist_quantiles(&h, c, tot[c], unit, se);
		}
		for (unsigned i = 0; i < l->n; i++)
			if (starts(l->line[i], "# Max Latencies:")) {
				quote(&r->series[0].quote, i + 1, l->line[i]);
				for (unsigned c = 1; c < r->nseries; c++)
					r->series[c].quote = r->series[0].quote;
			}
	}
	if (!r->nseries)
		err = why_set(why, wl, seen_header ? -EPROTO : -EINVAL,
			      seen_header ? "truncated cyclictest report: no complete 'T:' summary line after its header or command line"
					  : "no cyclictest summary line");
	else if (r->format != XF_CYCLICTEST_HIST)
		r->format = XF_CYCLICTEST;
	/* "P: 0" on every thread is the policy too, when the header is not there */
	if (!err && r->rt_policy == XR_UNKNOWN && r->format == XF_CYCLICTEST) {
		r->rt_policy = r->prio > 0 ? XR_YES : XR_NO;
		r->policy_quote = r->series[0].quote;
	}
out:
	free(h.count);
	return err;
}

/* --- oslat text ------------------------------------------------------------- */

/* "     Minimum:	 1 1 (us)": numbers before the unit, into @v. */
static unsigned oslat_values(const char *s, double *v, unsigned max)
{
	const char *p = strchr(s, ':');
	unsigned n = 0;

	if (!p)
		return 0;
	for (p++; n < max;) {
		char *end;

		p = skip_ws(p);
		if (!isdigit((unsigned char)*p))
			break;
		v[n++] = strtod(p, &end);
		p = end;
	}
	return n;
}

static int parse_oslat(struct xreport *r, const struct lines *l, char *why, size_t wl)
{
	double core[XR_SERIES], mn[XR_SERIES], avg[XR_SERIES], mx[XR_SERIES];
	unsigned ncore = 0, nmin = 0, navg = 0, nmax = 0, qmax = 0;

	for (unsigned i = 0; i < l->n; i++) {
		const char *s = l->line[i];

		if (starts(s, "oslat V"))
			snprintf(r->tool_version, sizeof(r->tool_version), "%s", skip_ws(s) + 7);
		else if (starts(s, "Thread priority:")) {
			quote(&r->policy_quote, i + 1, s);
			r->rt_policy = strstr(s, "SCHED_FIFO") ? XR_YES : XR_NO;
			r->prio = r->rt_policy == XR_YES && strchr(s, ':') != strrchr(s, ':')
					  ? atoi(strrchr(s, ':') + 1) : 0;
		} else if (starts(s, "CPU list:")) {
			r->pinned = XR_YES; /* oslat pins one thread per listed CPU */
			quote(&r->cpus_quote, i + 1, s);
		} else if (starts(s, "Core:")) {
			ncore = oslat_values(s, core, XR_SERIES);
		} else if (starts(s, "Minimum:")) {
			nmin = oslat_values(s, mn, XR_SERIES);
		} else if (starts(s, "Average:")) {
			navg = oslat_values(s, avg, XR_SERIES);
		} else if (starts(s, "Maximum:")) {
			nmax = oslat_values(s, mx, XR_SERIES);
			qmax = i + 1;
		} else if (is_cmdline(s, "oslat")) {
			quote(&r->cmdline, i + 1, s);
		}
	}
	if (!ncore || nmax != ncore || nmin != ncore)
		return why_set(why, wl, -EPROTO, "truncated oslat report: no complete 'Core:', "
			       "'Minimum:' and 'Maximum:' lines");
	r->format = XF_OSLAT;
	r->pinned = XR_YES;
	for (unsigned c = 0; c < ncore; c++) {
		char label[16];
		struct xseries *se;

		snprintf(label, sizeof(label), "CPU %d", (int)core[c]);
		if (!(se = series_get(r, label)))
			break;
		se->cpu = (int)core[c];
		se->prio = r->prio;
		se->min_ns = (uint64_t)(mn[c] * 1000);
		se->max_ns = (uint64_t)(mx[c] * 1000);
		if (c < navg)
			se->avg_ns = avg[c] * 1000;
		quote(&se->quote, qmax, l->line[qmax - 1]);
	}
	return 0;
}

/* --- rtla ------------------------------------------------------------------- */

/*
 * rtla's auto analysis (timerlat_aa.c): the parts of the worst latency, each
 * "...: X us (P %)", and its total "IRQ latency: X us (100%)" or
 * "Thread latency: ...". Keep the largest part; when the parts explain little
 * of an IRQ latency, the timer interrupt itself came late (kind "irq_late").
 */
static void read_aa(struct xreport *r, const struct lines *l)
{
	static const struct { const char *prefix, *kind; } kinds[] = {
		{ "IRQ handler delay:", "handler" }, { "Blocking thread:", "blocking" },
		{ "IRQ interference", "irq" },       { "Softirq interference", "softirq" },
		{ "Thread interference", "thread" }, { "NMI interference", "nmi" },
		{ "Timerlat IRQ duration:", "timerlat" },
	};
	double best = -1;
	unsigned total_line = 0;
	int irq_total = 0;

	for (unsigned i = 0; i < l->n; i++) {
		const char *s = l->line[i], *pct = strrchr(s, '(');

		if (pct && strstr(pct, "(100%)") && (starts(s, "IRQ latency:") || starts(s, "Thread latency:"))) {
			total_line = i + 1;
			irq_total = starts(s, "IRQ latency:");
			continue;
		}
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			double v;

			if (!starts(s, kinds[k].prefix) || !pct || !strchr(pct, '%'))
				continue;
			v = strtod(pct + 1, NULL);
			if (v > best) {
				best = v;
				quote(&r->aa_quote, i + 1, s);
				snprintf(r->aa_kind, sizeof(r->aa_kind), "%s", kinds[k].kind);
			}
		}
	}
	if (total_line && irq_total && best < 50) {
		quote(&r->aa_quote, total_line, l->line[total_line - 1]);
		snprintf(r->aa_kind, sizeof(r->aa_kind), "irq_late");
	}
}

/* "%9llu" or rtla's "-" (no sample in that column): -1 for the dash. */
static int top_values(const char **p, long long *v, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		char *end;

		*p = skip_ws(*p);
		if (**p == '-' && (!(*p)[1] || (*p)[1] == ' ' || (*p)[1] == '|')) {
			v[k] = -1;
			(*p)++;
			continue;
		}
		if (!isdigit((unsigned char)**p))
			return -1;
		v[k] = strtoll(*p, &end, 10);
		*p = end;
	}
	return 0;
}

/* "  0 #1177      |  494  19  1543  169497 |  2998 74 1708 169950 [| user ...]" */
static int parse_timerlat_top(struct xreport *r, const struct lines *l, char *why, size_t wl)
{
	static const char *const kinds[] = { "IRQ", "Thread", "User" };
	double scale = 1000;

	for (unsigned i = 0; i < l->n; i++) {
		const char *s = l->line[i], *p;
		unsigned long long cnt;
		int cpu, used;

		if (strstr(s, "IRQ Timer Latency (ns)"))
			scale = 1;
		if (sscanf(s, "%d #%llu%n", &cpu, &cnt, &used) != 2 || cpu < 0)
			continue;
		p = s + used;
		for (int k = 0; k < 3; k++) {
			long long v[4];
			char label[32];
			struct xseries *se;

			p = skip_ws(p);
			if (*p != '|')
				break;
			p++;
			if (top_values(&p, v, 4) < 0)
				break;
			if (v[3] < 0)
				continue; /* no sample of that kind */
			snprintf(label, sizeof(label), "%s CPU %d", kinds[k], cpu);
			if (!(se = series_get(r, label)))
				break;
			se->cpu = cpu;
			se->prio = 95; /* timerlat's threads: SCHED_FIFO 95 */
			se->count = cnt;
			se->min_ns = (uint64_t)((double)v[1] * scale);
			se->avg_ns = (double)v[2] * scale;
			se->max_ns = (uint64_t)((double)v[3] * scale);
			quote(&se->quote, i + 1, s);
		}
	}
	/* --aa-only: no table, the analysis of the sample that stopped it */
	for (unsigned i = 0, cpu = 0; !r->nseries && i < l->n; i++) {
		const char *s = l->line[i];
		double v;
		char label[32];
		struct xseries *se;

		sscanf(s, "## CPU %u hit stop tracing", &cpu);
		if (!strstr(s, "(100%)") || (!starts(s, "IRQ latency:") && !starts(s, "Thread latency:")))
			continue;
		v = strtod(strchr(s, ':') + 1, NULL);
		snprintf(label, sizeof(label), "%s CPU %u", starts(s, "IRQ") ? "IRQ" : "Thread", cpu);
		if (v <= 0 || !(se = series_get(r, label)))
			continue;
		se->cpu = (int)cpu;
		se->prio = 95;
		se->count = 1;
		se->min_ns = se->max_ns = (uint64_t)(v * 1000);
		quote(&se->quote, i + 1, s);
	}
	if (!r->nseries)
		return why_set(why, wl, -EPROTO, "truncated rtla timerlat top report: no 'CPU #COUNT |' row");
	r->format = XF_TIMERLAT_TOP;
	return 0;
}

/* timerlat hist and osnoise hist: "Index IRQ-000 Thr-000 ..." then count:/min:/avg:/max:. */
static int parse_rtla_hist(struct xreport *r, const struct lines *l, int osnoise, char *why,
			   size_t wl)
{
	char labels[XR_SERIES][16];
	unsigned ncol = 0, have = 0;
	double scale = 1000;

	for (unsigned i = 0; i < l->n; i++) {
		const char *s = l->line[i];
		static const char *const rows[] = { "count:", "min:", "avg:", "max:" };

		if (starts(s, "# Time unit is") && strstr(s, "nanoseconds"))
			scale = 1;
		if (starts(s, "Index")) {
			const char *p = skip_ws(s) + 5;

			ncol = 0;
			while (ncol < XR_SERIES && sscanf(p, " %15s", labels[ncol]) == 1) {
				p = skip_ws(p) + strlen(labels[ncol]);
				ncol++;
			}
			continue;
		}
		if (starts(s, "ALL"))
			break; /* the summary of all CPUs repeats them */
		for (unsigned k = 0; k < 4; k++) {
			const char *p;

			if (!ncol || !starts(s, rows[k]))
				continue;
			p = skip_ws(s) + strlen(rows[k]);
			for (unsigned c = 0; c < ncol; c++) {
				char label[32], *end;
				struct xseries *se;
				double v;

				p = skip_ws(p);
				v = strtod(p, &end);
				if (end == p) { /* "-": no samples in that column */
					p += strcspn(p, " \t");
					continue;
				}
				p = end;
				snprintf(label, sizeof(label), "%s", labels[c]);
				if (!(se = series_get(r, label)))
					break;
				se->cpu = atoi(strchr(labels[c], '-') ? strchr(labels[c], '-') + 1 : "-1");
				se->prio = osnoise ? -1 : 95;
				if (k == 0)
					se->count = (uint64_t)v;
				else if (k == 1)
					se->min_ns = (uint64_t)(v * scale);
				else if (k == 2)
					se->avg_ns = v * scale;
				else {
					se->max_ns = (uint64_t)(v * scale);
					quote(&se->quote, i + 1, s);
				}
			}
			have |= 1u << k;
		}
	}
	/* a column of dashes had no samples: not a series */
	for (unsigned i = 0, keep = 0; i < r->nseries; i++) {
		if (r->series[i].count || r->series[i].max_ns)
			r->series[keep++] = r->series[i];
		if (i + 1 == r->nseries)
			r->nseries = keep;
	}
	if (!ncol || !(have & 8) || !r->nseries)
		return why_set(why, wl, -EPROTO, "truncated rtla %s hist report: no 'max:' row",
			       osnoise ? "osnoise" : "timerlat");
	r->format = osnoise ? XF_OSNOISE_HIST : XF_TIMERLAT_HIST;
	return 0;
}

static int parse_osnoise_top(struct xreport *r, const struct lines *l, char *why, size_t wl)
{
	for (unsigned i = 0; i < l->n; i++) {
		unsigned long long per, run, noise, mx, single, hw, nmi;
		unsigned pct, dec;
		int cpu;
		char label[16];
		struct xseries *se;

		if (sscanf(l->line[i], "%d #%llu %llu %llu %u.%u %llu %llu %llu %llu", &cpu, &per, &run,
			   &noise, &pct, &dec, &mx, &single, &hw, &nmi) < 8 || cpu < 0)
			continue;
		snprintf(label, sizeof(label), "CPU %d", cpu);
		if (!(se = series_get(r, label)))
			break;
		se->cpu = cpu;
		se->count = per;
		se->max_ns = single * 1000; /* the longest single noise */
		se->hw_noise = hw;
		se->nmi_noise = nmi;
		(void)noise; /* a sum per period, not a latency: no average */
		quote(&se->quote, i + 1, l->line[i]);
	}
	if (!r->nseries)
		return why_set(why, wl, -EPROTO, "truncated rtla osnoise top report: no 'CPU #PERIOD' row");
	r->format = XF_OSNOISE_TOP;
	return 0;
}

/* --- JSON ------------------------------------------------------------------- */

static int parse_rt_tests_json(struct xreport *r, const struct jnode *root, int oslat, char *why,
			       size_t wl)
{
	const struct jnode *threads = jget(root, "thread"), *sys = jget(root, "sysinfo");
	const char *cmd = jstr(jget(root, "cmdline:")), *ver = jstr(jget(root, "rt_test_version:"));
	uint64_t unit = 1000;

	if (!cmd)
		cmd = jstr(jget(root, "cmdline"));
	if (!threads || threads->type != J_OBJ || !threads->child)
		return why_set(why, wl, -EPROTO, "%s --json without a \"thread\" object",
			       oslat ? "oslat" : "cyclictest");
	if (cmd) {
		quote(&r->cmdline, 0, cmd);
		read_cmdline(r, cmd);
	}
	if (ver)
		snprintf(r->tool_version, sizeof(r->tool_version), "%s", ver);
	if (sys) {
		char k[XR_LINE];

		r->preempt_rt = jnum(jget(sys, "realtime"), -1) > 0 ? XR_YES : XR_NO;
		snprintf(k, sizeof(k), "\"sysinfo\": release %s, version %s, realtime %d",
			 jstr(jget(sys, "release")) ? jstr(jget(sys, "release")) : "?",
			 jstr(jget(sys, "version")) ? jstr(jget(sys, "version")) : "?",
			 (int)jnum(jget(sys, "realtime"), -1));
		quote(&r->kernel_quote, 0, k);
	}
	/* cyclictest -N: "resolution_in_ns": 1, and -N on its command line */
	if (!oslat && (jnum(jget(root, "resolution_in_ns"), 0) == 1 || (cmd && cyclictest_nsecs(cmd)))) {
		char q[XR_LINE];

		unit = 1;
		r->nsecs = XR_YES;
		snprintf(q, sizeof(q), "\"resolution_in_ns\": %d", (int)jnum(jget(root, "resolution_in_ns"), 0));
		quote(&r->unit_quote, 0, q);
	}
	for (const struct jnode *t = threads->child; t; t = t->next) {
		char label[32], q[XR_LINE];
		struct xseries *se;
		double mx = jnum(jget(t, "max"), -1), mn = jnum(jget(t, "min"), -1);

		if (mx < 0 || mn < 0)
			return why_set(why, wl, -EPROTO, "%s --json: thread %s has no min/max",
				       oslat ? "oslat" : "cyclictest", t->key ? t->key : "?");
		snprintf(label, sizeof(label), "%s %s", oslat ? "CPU" : "T:",
			 oslat ? (jget(t, "cpu") ? "" : t->key) : t->key ? t->key : "?");
		if (oslat && jget(t, "cpu"))
			snprintf(label, sizeof(label), "CPU %d", (int)jnum(jget(t, "cpu"), -1));
		if (!(se = series_get(r, label)))
			break;
		se->cpu = (int)jnum(jget(t, "cpu"), -1);
		se->prio = r->prio;
		se->count = (uint64_t)jnum(jget(t, "cycles"), 0);
		se->min_ns = (uint64_t)(mn * (double)unit);
		se->max_ns = (uint64_t)(mx * (double)unit);
		se->avg_ns = jnum(jget(t, "avg"), -1) * (double)unit;
		if (se->avg_ns < 0)
			se->avg_ns = -1;
		snprintf(q, sizeof(q), "\"thread\": \"%s\": min %g, avg %g, max %g, cpu %d", t->key ? t->key : "?",
			 mn, jnum(jget(t, "avg"), -1), mx, se->cpu);
		quote(&se->quote, 0, q);
	}
	if (!oslat && r->pinned == XR_NO) {
		/* without -a the JSON still says where each thread ran last */
	}
	r->format = oslat ? XF_OSLAT_JSON : XF_CYCLICTEST_JSON;
	return 0;
}

static int parse_bench_json(struct xreport *r, const struct jnode *root, char *why, size_t wl)
{
	const struct jnode *m = jget(root, "machine"), *res = jget(root, "results");
	const char *test = jstr(jget(root, "test"));
	char q[XR_LINE];

	if (!res || res->type != J_ARR || !res->child || !m)
		return why_set(why, wl, -EPROTO, "isolator bench --json without \"machine\" and \"results\"");
	r->format = XF_ISOLATOR_BENCH;
	snprintf(r->tool_version, sizeof(r->tool_version), "%s", test ? test : "?");
	r->preempt_rt = jnum(jget(m, "preempt_rt"), 0) > 0 ? XR_YES : XR_NO;
	r->virtualized = jnum(jget(m, "virtualized"), 0) > 0 ? XR_YES : XR_NO;
	snprintf(q, sizeof(q), "\"machine\": kernel %s, preempt_rt %s, virtualized %s, CPU %d %s",
		 jstr(jget(m, "kernel")) ? jstr(jget(m, "kernel")) : "?",
		 r->preempt_rt == XR_YES ? "true" : "false", r->virtualized == XR_YES ? "true" : "false",
		 (int)jnum(jget(m, "cpu"), -1),
		 jnum(jget(m, "isolated"), 0) > 0 ? "isolated" : "not isolated");
	quote(&r->kernel_quote, 0, q);
	r->pinned = XR_YES;
	r->rt_policy = XR_YES; /* the bench responders run SCHED_FIFO, memory locked */
	r->mlock = XR_YES;
	for (const struct jnode *e = res->child; e; e = e->next) {
		const struct jnode *lat = jget(e, "latency_ns");
		const char *mode = jstr(jget(e, "mode"));
		struct xseries *se;

		if (!mode || !lat)
			return why_set(why, wl, -EPROTO, "isolator bench --json: a result without mode or latency_ns");
		if (!(se = series_get(r, mode)))
			break;
		se->cpu = (int)jnum(jget(m, "cpu"), -1);
		se->count = (uint64_t)jnum(jget(e, "count"), 0);
		se->min_ns = (uint64_t)jnum(jget(lat, "min"), 0);
		se->max_ns = (uint64_t)jnum(jget(lat, "max"), 0);
		se->p50_ns = (uint64_t)jnum(jget(lat, "p50"), 0);
		se->p99_ns = (uint64_t)jnum(jget(lat, "p99"), 0);
		se->avg_ns = jnum(jget(lat, "avg"), -1);
		snprintf(q, sizeof(q), "\"%s\": min %llu, p50 %llu, p99 %llu, max %llu ns", mode,
			 (unsigned long long)se->min_ns, (unsigned long long)se->p50_ns,
			 (unsigned long long)se->p99_ns, (unsigned long long)se->max_ns);
		quote(&se->quote, 0, q);
	}
	return 0;
}

static int parse_json(struct xreport *r, const char *text, size_t len, char *why, size_t wl)
{
	size_t at = 0;
	struct jnode *root = jnode_parse(text, len, &at);
	const char *schema, *cmd;
	int err;

	if (!root)
		return errno == ENOMEM ? why_set(why, wl, -ENOMEM, "out of memory")
				       : why_set(why, wl, -EPROTO, "truncated or malformed JSON at byte %zu", at);
	schema = jstr(jget(root, "schema"));
	cmd = jstr(jget(root, "cmdline:")) ? jstr(jget(root, "cmdline:")) : jstr(jget(root, "cmdline"));
	if (schema && !strncmp(schema, "isolator-bench/", 15))
		err = parse_bench_json(r, root, why, wl);
	else if (cmd && (is_cmdline(cmd, "oslat") || jget(jget(jget(root, "thread"), "0"), "freq")))
		err = parse_rt_tests_json(r, root, 1, why, wl);
	else if (cmd || jget(root, "rt_test_version:"))
		err = parse_rt_tests_json(r, root, 0, why, wl);
	else
		err = why_set(why, wl, -EINVAL, "JSON that is not a report explain knows%s%s%s",
			      schema ? " (schema \"" : "", schema ? schema : "", schema ? "\")" : "");
	jnode_free(root);
	return err;
}

/* --- entry ------------------------------------------------------------------ */

static void finish(struct xreport *r)
{
	for (unsigned i = 0; i < r->nseries; i++) {
		if (r->series[i].max_ns > r->series[r->worst].max_ns)
			r->worst = i;
		if (r->series[i].min_ns < r->series[r->lowest_min].min_ns)
			r->lowest_min = i;
	}
	r->format_name = explain_format_name(r->format);
}

static void init(struct xreport *r)
{
	memset(r, 0, sizeof(*r));
	r->rt_policy = r->prio = r->mlock = r->pinned = r->smp = XR_UNKNOWN;
	r->dma_latency = r->preempt_rt = r->virtualized = XR_UNKNOWN;
	r->nsecs = XR_NO;
	r->load1 = -1;
}

static int any_line(const struct lines *l, const char *prefix)
{
	for (unsigned i = 0; i < l->n; i++)
		if (starts(l->line[i], prefix))
			return 1;
	return 0;
}

static int any_substr(const struct lines *l, const char *needle)
{
	for (unsigned i = 0; i < l->n; i++)
		if (strstr(l->line[i], needle))
			return 1;
	return 0;
}

static int any_cmdline(const struct lines *l, const char *tool)
{
	for (unsigned i = 0; i < l->n; i++)
		if (is_cmdline(l->line[i], tool))
			return 1;
	return 0;
}

int explain_parse(const char *text, size_t len, struct xreport *r, char *why, size_t wl)
{
	struct lines l;
	size_t skip = 0;
	int err;

	init(r);
	why[0] = '\0';
	while (skip < len && isspace((unsigned char)text[skip]))
		skip++;
	if (skip == len)
		return why_set(why, wl, -ENODATA, "empty report");
	if (looks_binary(text, len))
		return why_set(why, wl, -EINVAL, "binary data, not a report");
	if (text[skip] == '{') {
		err = parse_json(r, text + skip, len - skip, why, wl);
		if (!err)
			finish(r);
		return err;
	}
	if ((err = lines_split(text, len, &l)))
		return lines_free(&l), why_set(why, wl, err, "out of memory");
	r->lines = l.n;
	if (any_line(&l, "# RTLA timerlat histogram"))
		err = parse_rtla_hist(r, &l, 0, why, wl);
	else if (any_line(&l, "# RTLA osnoise histogram"))
		err = parse_rtla_hist(r, &l, 1, why, wl);
	else if (any_substr(&l, "IRQ Timer Latency (") || any_line(&l, "rtla timerlat hit stop tracing") ||
		 any_substr(&l, "hit stop tracing, analyzing it"))
		err = parse_timerlat_top(r, &l, why, wl);
	else if (any_substr(&l, "Operating System Noise") || any_substr(&l, "Max Noise   Max Single"))
		err = parse_osnoise_top(r, &l, why, wl);
	else if (any_line(&l, "oslat V") || (any_line(&l, "Core:") && any_line(&l, "Counter Freq:")))
		err = parse_oslat(r, &l, why, wl);
	else if ((any_line(&l, "T:") && any_substr(&l, "P:")) || any_line(&l, "policy:") ||
		 any_cmdline(&l, "cyclictest") ||
		 any_substr(&l, "/dev/cpu_dma_latency set to") || any_line(&l, "# Histogram"))
		err = parse_cyclictest(r, &l, why, wl);
	else
		err = why_set(why, wl, -EINVAL, "not a report explain knows");
	if (!err) {
		if (r->format == XF_TIMERLAT_TOP || r->format == XF_TIMERLAT_HIST) {
			r->rt_policy = XR_YES;
			r->pinned = XR_YES; /* one kernel thread per CPU */
			r->prio = 95;
		}
		if (r->format >= XF_TIMERLAT_TOP && r->format <= XF_OSNOISE_HIST)
			read_aa(r, &l);
		for (unsigned i = 0; i < l.n; i++)
			if (is_cmdline(l.line[i], "cyclictest") || is_cmdline(l.line[i], "oslat")) {
				struct xreport keep = *r;

				quote(&r->cmdline, i + 1, l.line[i]);
				read_cmdline(r, l.line[i]);
				/* the report itself outranks the command line where both speak */
				if (keep.rt_policy != XR_UNKNOWN) {
					r->rt_policy = keep.rt_policy;
					r->prio = keep.prio;
				}
				if (keep.pinned == XR_YES)
					r->pinned = XR_YES;
				break;
			}
		read_prose(r, &l);
		finish(r);
	}
	lines_free(&l);
	return err;
}
