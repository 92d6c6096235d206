/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `isolator bench response|toggle|noise` tests: their shared parameters
 * (one params struct filled by one getopt_long parser), their shared output
 * (table, cyclictest histogram, JSON, gnuplot plot), and the input/output
 * "registers" they poll and write: memory, GPIO lines through libgpiod, or a
 * memory-mapped device register.
 */
#ifndef ISOLATOR_BENCH_SUITE_H
#define ISOLATOR_BENCH_SUITE_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

/* JSON schema of every `isolator bench` output. */
#define BENCH_SCHEMA "isolator-bench/1"

/* Options a test accepts, beyond the common ones. */
enum {
	BENCH_OPT_PERIOD = 1u << 0,   /* --period */
	BENCH_OPT_IO = 1u << 1,       /* --gpio, --mmio, --external */
};

/* Configuration of one run; never changed once parsed. */
struct bench_params {
	const char *test;          /* "response", "toggle", "noise" */
	uint64_t duration_ns;
	uint64_t period_ns;        /* event or flip period */
	uint64_t threshold_ns;     /* "over" column; noise: smallest gap recorded */
	int cpu;                   /* the isolated CPU */
	int other_cpu;             /* stimulus (response) or control (toggle, noise) CPU */
	uint64_t hist_max_ns;      /* range of the --histogram file; 0: 1 ms in us, 10 us in ns */
	unsigned hist_unit_ns;     /* its buckets: 1 (ns), 1000 (us, cyclictest's); 0: by the results */
	const char *histogram;     /* --histogram FILE, or NULL */
	const char *plot;          /* --plot FILE.png|.svg, or NULL */
	const char *gpio;          /* --gpio CHIP:IN,OUT, or NULL */
	const char *mmio;          /* --mmio FILE:IN[,OUT], or NULL */
	int external;              /* --external: no stimulus thread; something outside drives IN */
	struct json_out json;      /* --json[=FILE] */
	int quiet;                 /* no progress line */
};

/*
 * Parse `isolator bench TEST [options]` into @p. @accepts is BENCH_OPT_*
 * bits; @defaults fills what the test wants different from the common
 * defaults before parsing. Prints one line and returns -1 on bad input;
 * exits 0 after --help.
 */
int bench_parse(struct bench_params *p, unsigned accepts, int argc, char **argv,
		void (*usage)(FILE *out));
/* The common options, for a test's usage text. */
void bench_usage_common(FILE *out, unsigned accepts);

/* One curve of a result: a mode and its histogram. */
struct bench_series {
	const char *mode;          /* "poll", "wake", "floor", "isolated", ... */
	const char *what;          /* one-line description for the table */
	const struct bench_hist *hist;
	uint64_t lost;             /* events with no response (timed out) */
};

/* Everything a test reports. */
struct bench_report {
	const char *test;
	const char *quantity;              /* "latency", "lateness", "gap" */
	struct bench_machine machine;
	const struct bench_series *series; /* the curves, in table order */
	unsigned n;
	const struct bench_series *extra;  /* secondary rows (e.g. one-way split); not plotted */
	unsigned n_extra;
	const char *extra_title;
	/* Test-specific additions: table lines after the rows, keys in the JSON object. */
	void (*table_more)(FILE *f, const void *arg);
	void (*json_more)(struct json *j, const void *arg);
	const void *arg;
};

/* Write the table or JSON on stdout, then the histogram and plot files.
 * Returns EXIT_OK or EXIT_ERROR (after one line on stderr). */
int bench_report(const struct bench_params *p, const struct bench_report *r);

/* Write @r as a gnuplot plot to @path (.png or .svg). 0 or a negative errno;
 * @err gets a one-line reason. */
int bench_plot(const char *path, const struct bench_report *r, char *err, size_t errlen);

/* --- threads ---------------------------------------------------------------- */

/* Pin the calling thread to @cpu; 0 or a negative errno. */
int bench_pin(int cpu);
/* Keep the calling thread off @cpu (the main thread, so it never lands on
 * the isolated CPU). */
void bench_avoid(int cpu);
/* futex(2) on a 32-bit word, private to the process. */
int bench_futex_wait(atomic_uint *word, unsigned expected);
int bench_futex_wake(atomic_uint *word, int n);

/* Progress on stderr ("\risolator bench TEST: 3/10 s"), once a second, until
 * *done; the calling thread sleeps in between. */
void bench_progress(const struct bench_params *p, atomic_int *done);

/* --- input and output registers ------------------------------------------- */

/*
 * The device side of response and toggle: an input the responder polls (or
 * waits on) and an output it writes. Memory is the default; --gpio and
 * --mmio replace it. The stimulus side drives the input and watches the
 * output, as the paper's signal generator and oscilloscope do; @can_stimulate
 * is 0 when only something outside can (a real board's GPIO).
 */
struct bench_io {
	const char *kind;          /* "memory", "gpio", "mmio" */
	char desc[160];            /* for the table: "gpio gpiochip0 lines 0,1" */
	int can_stimulate;
	int can_wait;              /* input can be waited on in the kernel (edge events) */
	void *priv;
	/* responder side */
	unsigned (*read_in)(void *priv);
	void (*write_out)(void *priv, unsigned v);
	/* blocks until the input changes from @last or the timeout passes; 1 on change */
	int (*wait_in)(void *priv, unsigned last, uint64_t timeout_ns);
	/* stimulus side */
	void (*drive_in)(void *priv, unsigned v);
	unsigned (*watch_out)(void *priv);
	void (*close)(void *priv);
};

/* Open the device named by --gpio or --mmio. 0, or -1 after one line on stderr. */
int bench_gpio_open(struct bench_io *io, const char *spec, int output_only);
int bench_mmio_open(struct bench_io *io, const char *spec, int output_only);

/* The tests. */
int bench_response(int argc, char **argv);
int bench_toggle(int argc, char **argv);
int bench_noise(int argc, char **argv);

#endif
