// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --plot FILE.png|.svg: a latency histogram in the style of OSADL's latency
 * plots (samples on a log axis against latency), one curve per mode, drawn by
 * gnuplot. The latency axis is logarithmic too: a poll response of 200 ns and
 * a futex wake-up of 90 us must fit on one plot.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "suite.h"

/* Display bins: 20 per decade from 1 ns to 10^12 ns. */
#define PLOT_PER_DECADE 20
#define PLOT_BINS (12 * PLOT_PER_DECADE)

static unsigned plot_bin(uint64_t ns)
{
	int b;

	if (ns < 1)
		return 0;
	b = (int)floor(log10((double)ns) * PLOT_PER_DECADE);
	return b < 0 ? 0 : b >= PLOT_BINS ? PLOT_BINS - 1 : (unsigned)b;
}

static void gnuplot_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f); /* gnuplot turns \n in "..." into a line break */
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	fputc('"', f);
}

int bench_plot(const char *path, const struct bench_report *r, char *err, size_t errlen)
{
	const char *dot = strrchr(path, '.');
	int svg = dot && !strcmp(dot, ".svg");
	uint64_t *bins;
	char title[512];
	FILE *g;
	int status;

	bins = calloc(PLOT_BINS, sizeof(*bins));
	if (!bins) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* gnuplot's own messages go to stderr; one line from us is enough */
	g = popen("gnuplot 2>/dev/null", "w");
	if (!g) {
		free(bins);
		snprintf(err, errlen, "cannot run gnuplot: %s", strerror(errno));
		return -errno;
	}
	fprintf(g, "set terminal %s size 1000,600 font \"sans,10\"\n",
		svg ? "svg dynamic" : "pngcairo");
	fprintf(g, "set output ");
	gnuplot_quoted(g, path);
	fprintf(g, "\nset logscale xy\nset grid\nset key top right\n");
	fprintf(g, "set xlabel \"%s (ns)\"\nset ylabel \"samples per bin (20 bins per decade)\"\n",
		r->quantity);
	snprintf(title, sizeof(title), "isolator bench %s — %s%s\n%s, CPU %d %s, backend %s",
		 r->test, r->machine.cpu_model, r->machine.virtualized ? " (VM)" : "",
		 r->machine.kernel, r->machine.cpu,
		 r->machine.isolated ? "isolated" : "not isolated", r->machine.backend);
	fprintf(g, "set title ");
	gnuplot_quoted(g, title);
	fprintf(g, " noenhanced\nset yrange [0.8:*]\n");
	for (unsigned i = 0; i < r->n; i++) {
		const struct bench_hist *h = r->series[i].hist;

		memset(bins, 0, PLOT_BINS * sizeof(*bins));
		for (unsigned b = 0; b < BENCH_BUCKETS; b++)
			if (h->bucket[b])
				bins[plot_bin(bench_hist_bucket_top(b))] += h->bucket[b];
		fprintf(g, "$m%u << EOD\n", i);
		for (unsigned b = 0; b < PLOT_BINS; b++)
			if (bins[b])
				fprintf(g, "%.3f %llu\n", pow(10.0, (b + 0.5) / PLOT_PER_DECADE),
					(unsigned long long)bins[b]);
		if (!h->count)
			fprintf(g, "1 0\n"); /* an empty curve still needs one point */
		fprintf(g, "EOD\n");
	}
	fprintf(g, "plot ");
	for (unsigned i = 0; i < r->n; i++) {
		fprintf(g, "%s$m%u using 1:2 with linespoints pt 7 ps 0.5 lw 2 title ", i ? ", " : "", i);
		gnuplot_quoted(g, r->series[i].mode);
		fprintf(g, " noenhanced");
	}
	fprintf(g, "\nset output\n");
	free(bins);
	status = pclose(g);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "gnuplot failed (is gnuplot installed? scripts/deps.sh bench)");
		return -EIO;
	}
	return 0;
}
