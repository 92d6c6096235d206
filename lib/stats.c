// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Per-CPU interrupt counters from /proc/interrupts, /proc/softirqs and the
 * kernel extension's /proc/isolator/stats, mapped to one set of kinds so that
 * x86-64 ("LOC", "RES") and arm64 ("IPI0: Rescheduling interrupts",
 * "arch_timer") read the same.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct isolator_counts {
	unsigned ncpus;   /* columns allocated: highest CPU + 1 */
	int have_kernel;
	uint64_t *v;      /* v[cpu * ISOLATOR_KIND_COUNT + kind] */
};

static const char *const kind_names[ISOLATOR_KIND_COUNT] = {
	[ISOLATOR_KIND_DEVICE] = "dev",
	[ISOLATOR_KIND_TIMER] = "LOC",
	[ISOLATOR_KIND_RESCHED] = "RES",
	[ISOLATOR_KIND_CALL] = "CAL",
	[ISOLATOR_KIND_TLB] = "TLB",
	[ISOLATOR_KIND_IRQ_WORK] = "IWI",
	[ISOLATOR_KIND_NMI] = "NMI",
	[ISOLATOR_KIND_OTHER] = "other",
	[ISOLATOR_KIND_SOFT_HI] = "HI",
	[ISOLATOR_KIND_SOFT_TIMER] = "TIMER",
	[ISOLATOR_KIND_SOFT_NET_TX] = "NET_TX",
	[ISOLATOR_KIND_SOFT_NET_RX] = "NET_RX",
	[ISOLATOR_KIND_SOFT_BLOCK] = "BLOCK",
	[ISOLATOR_KIND_SOFT_IRQ_POLL] = "IRQ_POLL",
	[ISOLATOR_KIND_SOFT_TASKLET] = "TASKLET",
	[ISOLATOR_KIND_SOFT_SCHED] = "SCHED",
	[ISOLATOR_KIND_SOFT_HRTIMER] = "HRTIMER",
	[ISOLATOR_KIND_SOFT_RCU] = "RCU",
	/* the kernel extension's names are its column names */
	[ISOLATOR_KIND_X_TICKS_SUPPRESSED] = "ticks_suppressed",
	[ISOLATOR_KIND_X_IPI_CALL] = "ipi_call",
	[ISOLATOR_KIND_X_IPI_TLB] = "ipi_tlb",
	[ISOLATOR_KIND_X_IPI_IRQ_WORK] = "ipi_irq_work",
	[ISOLATOR_KIND_X_IPI_RESCHED] = "ipi_resched",
	[ISOLATOR_KIND_X_WORK_DEFERRED] = "work_deferred",
	[ISOLATOR_KIND_X_WORK_DRAINED] = "work_drained",
	[ISOLATOR_KIND_X_WORK_DELIVERED] = "work_delivered",
	[ISOLATOR_KIND_X_RCU_QS] = "rcu_qs",
	[ISOLATOR_KIND_X_MAX_TICK_NS] = "max_tick_ns",
	[ISOLATOR_KIND_X_FORCED] = "forced",
	[ISOLATOR_KIND_X_REMOTE] = "remote",
};

ISOLATOR_API const char *isolator_kind_name(enum isolator_kind kind)
{
	return (unsigned)kind < ISOLATOR_KIND_COUNT ? kind_names[kind] : "?";
}

struct isolator_counts *counts_new(void)
{
	return calloc(1, sizeof(struct isolator_counts));
}

ISOLATOR_API void isolator_counts_free(struct isolator_counts *c)
{
	if (!c)
		return;
	free(c->v);
	free(c);
}

ISOLATOR_API struct isolator_counts *isolator_counts_dup(const struct isolator_counts *c)
{
	struct isolator_counts *copy;

	if (!c) {
		errno = EINVAL;
		return NULL;
	}
	copy = counts_new();
	if (!copy)
		return NULL;
	*copy = *c;
	copy->v = malloc((size_t)c->ncpus * ISOLATOR_KIND_COUNT * sizeof(*c->v) + 1);
	if (!copy->v) {
		free(copy);
		return NULL;
	}
	if (c->ncpus) /* a header-only stats file holds no CPU and no array */
		memcpy(copy->v, c->v, (size_t)c->ncpus * ISOLATOR_KIND_COUNT * sizeof(*c->v));
	return copy;
}

static int grow(struct isolator_counts *c, unsigned ncpus)
{
	uint64_t *v;

	if (ncpus <= c->ncpus)
		return 0;
	if (ncpus > ISOLATOR_MAX_CPUS)
		return -ERANGE;
	v = realloc(c->v, (size_t)ncpus * ISOLATOR_KIND_COUNT * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(v + (size_t)c->ncpus * ISOLATOR_KIND_COUNT, 0,
	       (size_t)(ncpus - c->ncpus) * ISOLATOR_KIND_COUNT * sizeof(*v));
	c->v = v;
	c->ncpus = ncpus;
	return 0;
}

static void add(struct isolator_counts *c, unsigned cpu, enum isolator_kind k, uint64_t n)
{
	if (cpu < c->ncpus)
		c->v[(size_t)cpu * ISOLATOR_KIND_COUNT + k] += n;
}

/* Parse the "CPU0 CPU1 CPU3" header into column -> CPU number. Returns the
 * number of columns or a negative errno. */
static int parse_header(struct isolator_counts *c, const char *line, unsigned *cols, unsigned max)
{
	unsigned n = 0;
	const char *p = line;
	int err;

	while (*p) {
		char *end;
		unsigned long cpu;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (strncmp(p, "CPU", 3) || !isdigit((unsigned char)p[3]))
			return -EPROTO;
		cpu = strtoul(p + 3, &end, 10);
		if (cpu >= ISOLATOR_MAX_CPUS || n >= max)
			return -ERANGE;
		cols[n++] = (unsigned)cpu;
		err = grow(c, (unsigned)cpu + 1);
		if (err)
			return err;
		p = end;
	}
	return n ? (int)n : -EPROTO;
}

static const struct {
	const char *label;
	enum isolator_kind kind;
} arch_labels[] = {
	{ "LOC", ISOLATOR_KIND_TIMER },
	{ "RES", ISOLATOR_KIND_RESCHED },
	{ "CAL", ISOLATOR_KIND_CALL },
	{ "TLB", ISOLATOR_KIND_TLB },
	{ "IWI", ISOLATOR_KIND_IRQ_WORK },
	{ "NMI", ISOLATOR_KIND_NMI },
	{ "PMI", ISOLATOR_KIND_NMI },
};

/* arm64 and others name IPIs "IPI<n>:" with a description. */
static const struct {
	const char *prefix;
	enum isolator_kind kind;
} ipi_descriptions[] = {
	{ "Rescheduling", ISOLATOR_KIND_RESCHED },
	{ "Function call", ISOLATOR_KIND_CALL },
	{ "Single function call", ISOLATOR_KIND_CALL },
	{ "IRQ work", ISOLATOR_KIND_IRQ_WORK },
	{ "Timer broadcast", ISOLATOR_KIND_TIMER },
};

static enum isolator_kind classify(const char *label, const char *description)
{
	if (isdigit((unsigned char)label[0])) {
		/* a numbered line is a device IRQ, except the per-CPU
		 * architected timer of arm64 (and riscv's) */
		if (strstr(description, "arch_timer") || strstr(description, "riscv-timer"))
			return ISOLATOR_KIND_TIMER;
		return ISOLATOR_KIND_DEVICE;
	}
	for (size_t i = 0; i < ARRAY_SIZE(arch_labels); i++)
		if (!strcmp(label, arch_labels[i].label))
			return arch_labels[i].kind;
	if (!strncmp(label, "IPI", 3))
		for (size_t i = 0; i < ARRAY_SIZE(ipi_descriptions); i++)
			if (!strncmp(description, ipi_descriptions[i].prefix,
				     strlen(ipi_descriptions[i].prefix)))
				return ipi_descriptions[i].kind;
	return ISOLATOR_KIND_OTHER;
}

/* Split a line's "LABEL:" off; returns the rest or NULL. */
static char *split_label(char *line, char **label)
{
	char *colon;

	while (*line == ' ')
		line++;
	colon = strchr(line, ':');
	if (!colon || colon == line)
		return NULL;
	*colon = '\0';
	*label = line;
	return colon + 1;
}

/* Read up to @ncols counters from @p; returns how many were read, leaves @p
 * at the description. */
static unsigned read_columns(char **p, uint64_t *out, unsigned ncols)
{
	unsigned n = 0;
	char *s = *p;

	while (n < ncols) {
		char *end;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!isdigit((unsigned char)*s))
			break;
		out[n++] = strtoull(s, &end, 10);
		s = end;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	*p = s;
	return n;
}

static int parse_table(struct isolator_counts *c, const char *text, int softirq)
{
	unsigned cols[ISOLATOR_MAX_CPUS];
	uint64_t vals[ISOLATOR_MAX_CPUS];
	char *copy, *line, *save = NULL;
	int ncols, lineno = 1;

	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	line = strtok_r(copy, "\n", &save);
	ncols = line ? parse_header(c, line, cols, ARRAY_SIZE(cols)) : -EPROTO;
	if (ncols < 0) {
		free(copy);
		return set_error(-ncols, "line 1: expected a header of CPU columns");
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *label, *rest = split_label(line, &label);
		unsigned n;
		enum isolator_kind kind;

		lineno++;
		if (!rest) {
			free(copy);
			return set_error(EPROTO, "line %d: no 'LABEL:'", lineno);
		}
		n = read_columns(&rest, vals, (unsigned)ncols);
		if (softirq) {
			size_t i;

			for (i = 0; i <= ISOLATOR_KIND_SOFT_RCU - ISOLATOR_KIND_SOFT_HI; i++)
				if (!strcmp(label, kind_names[ISOLATOR_KIND_SOFT_HI + i]))
					break;
			if (i > ISOLATOR_KIND_SOFT_RCU - ISOLATOR_KIND_SOFT_HI)
				continue; /* a softirq this version does not know */
			kind = (enum isolator_kind)(ISOLATOR_KIND_SOFT_HI + i);
		} else {
			/* ERR and MIS are one global number, not per CPU */
			if (n < (unsigned)ncols)
				continue;
			kind = classify(label, rest);
		}
		if (n < (unsigned)ncols) {
			free(copy);
			return set_error(EPROTO, "line %d: %u of %d CPU columns", lineno, n, ncols);
		}
		for (unsigned i = 0; i < n; i++)
			add(c, cols[i], kind, vals[i]);
	}
	free(copy);
	return 0;
}

int counts_parse_interrupts(struct isolator_counts *c, const char *text)
{
	return parse_table(c, text, 0);
}

int counts_parse_softirqs(struct isolator_counts *c, const char *text)
{
	return parse_table(c, text, 1);
}

int counts_parse_isolator(struct isolator_counts *c, const char *text)
{
	int colkind[64], ncols = 0, lineno = 1, err = 0;
	char *copy, *line, *tok, *save = NULL, *tsave = NULL;

	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	line = strtok_r(copy, "\n", &save);
	/* "version N" first since the series with the prctl(); older ones
	 * start with the header. A version bump means a column this library
	 * knows changed meaning: refuse it rather than misread it. */
	if (line && !strncmp(line, "version ", 8)) {
		char *end;
		unsigned long v = strtoul(line + 8, &end, 10);

		if (!isdigit((unsigned char)line[8]) || *end || v != ISOLATOR_STATS_VERSION) {
			err = set_error(EPROTO, "isolator stats: line 1: format '%s' not understood "
					"(this library reads version %d)", line, ISOLATOR_STATS_VERSION);
			goto out;
		}
		line = strtok_r(NULL, "\n", &save);
		lineno++;
	}
	/* header: "cpu isolated ticks_suppressed ...": map columns by name, so
	 * the kernel may append columns this library does not know */
	for (tok = line ? strtok_r(line, " \t", &tsave) : NULL; tok && ncols < 64;
	     tok = strtok_r(NULL, " \t", &tsave)) {
		colkind[ncols] = -1;
		for (int k = ISOLATOR_KIND_FIRST_X; k < ISOLATOR_KIND_COUNT; k++)
			if (!strcmp(tok, kind_names[k]))
				colkind[ncols] = k;
		ncols++;
	}
	if (!line || ncols < 2 || strcmp(line, "cpu")) {
		err = set_error(EPROTO, "isolator stats: line %d: expected 'cpu ...' header", lineno);
		goto out;
	}
	while (!err && (line = strtok_r(NULL, "\n", &save))) {
		unsigned cpu = 0;
		int col = 0;

		lineno++;
		tsave = NULL;
		for (tok = strtok_r(line, " \t", &tsave); tok && !err;
		     tok = strtok_r(NULL, " \t", &tsave), col++) {
			char *end;
			unsigned long long v = strtoull(tok, &end, 10);

			if (*end || !isdigit((unsigned char)*tok) || col >= ncols)
				err = set_error(EPROTO, "isolator stats: line %d: bad field '%s'",
						lineno, tok);
			else if (col == 0 && v >= ISOLATOR_MAX_CPUS)
				err = set_error(ERANGE, "isolator stats: line %d: cpu %llu", lineno, v);
			else if (col == 0)
				err = grow(c, (cpu = (unsigned)v) + 1);
			else if (colkind[col] >= 0)
				c->v[(size_t)cpu * ISOLATOR_KIND_COUNT + colkind[col]] = v;
		}
	}
	if (!err)
		c->have_kernel = 1;
out:
	/* messages above quote tokens of copy: free it only now */
	free(copy);
	return err;
}

static int parse_file(struct isolator_counts *c, const char *sysroot, const char *file,
		      int (*parse)(struct isolator_counts *, const char *))
{
	char path[512], msg[256];
	char *text;
	int err;

	err = sysroot_path(path, sizeof(path), sysroot, "%s", file);
	if (err)
		return err;
	text = read_file_alloc(path, NULL);
	if (!text)
		return set_error(errno, "cannot read %s: %s", path, strerror(errno));
	err = parse(c, text);
	free(text);
	if (err) {
		snprintf(msg, sizeof(msg), "%s", isolator_errmsg());
		return set_error(-err, "%s: %s", path, msg);
	}
	return 0;
}

ISOLATOR_API struct isolator_counts *isolator_counts_read(const char *sysroot)
{
	struct isolator_counts *c = counts_new();
	char path[512];
	int err;

	if (!c)
		return NULL;
	err = parse_file(c, sysroot, "/proc/interrupts", counts_parse_interrupts);
	if (!err)
		err = parse_file(c, sysroot, "/proc/softirqs", counts_parse_softirqs);
	if (!err && !sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/stats") &&
	    access(path, R_OK) == 0)
		err = parse_file(c, sysroot, "/proc/isolator/stats", counts_parse_isolator);
	if (err) {
		isolator_counts_free(c);
		errno = -err;
		return NULL;
	}
	return c;
}

ISOLATOR_API unsigned isolator_counts_ncpus(const struct isolator_counts *c)
{
	return c ? c->ncpus : 0;
}

ISOLATOR_API int isolator_counts_have_kernel(const struct isolator_counts *c)
{
	return c && c->have_kernel;
}

ISOLATOR_API uint64_t isolator_counts_get(const struct isolator_counts *c, unsigned cpu,
					  enum isolator_kind kind)
{
	if (!c || cpu >= c->ncpus || (unsigned)kind >= ISOLATOR_KIND_COUNT)
		return 0;
	return c->v[(size_t)cpu * ISOLATOR_KIND_COUNT + kind];
}

ISOLATOR_API uint64_t isolator_counts_total(const struct isolator_counts *c, unsigned cpu)
{
	uint64_t sum = 0;

	for (int k = ISOLATOR_KIND_FIRST_IRQ; k <= ISOLATOR_KIND_LAST_IRQ; k++)
		sum += isolator_counts_get(c, cpu, (enum isolator_kind)k);
	return sum;
}

ISOLATOR_API int isolator_counts_delta(struct isolator_counts *after,
				       const struct isolator_counts *before)
{
	if (!after || !before)
		return -EINVAL;
	for (unsigned cpu = 0; cpu < after->ncpus; cpu++)
		for (int k = 0; k < ISOLATOR_KIND_COUNT; k++) {
			uint64_t *a = &after->v[(size_t)cpu * ISOLATOR_KIND_COUNT + k];
			uint64_t b = isolator_counts_get(before, cpu, (enum isolator_kind)k);

			if (k == ISOLATOR_KIND_X_MAX_TICK_NS)
				continue; /* a maximum, not a count */
			*a = *a >= b ? *a - b : 0;
		}
	return 0;
}
