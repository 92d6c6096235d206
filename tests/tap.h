/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal TAP producer for `meson test` (protocol: 'tap'). Each ok() is one
 * test point; the plan is printed at the end ("done_testing"), so a test that
 * crashes half-way is seen as failed by the harness.
 */
#ifndef ISOLATOR_TAP_H
#define ISOLATOR_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

#define is_int(got, want, ...)                                                       \
	do {                                                                         \
		long long g_ = (long long)(got), w_ = (long long)(want);             \
		if (!ok(g_ == w_, __VA_ARGS__))                                      \
			printf("#   got %lld, want %lld\n", g_, w_);                 \
	} while (0)

#define is_str(got, want, ...)                                                       \
	do {                                                                         \
		const char *g_ = (got), *w_ = (want);                                \
		if (!ok(g_ && !strcmp(g_, w_), __VA_ARGS__))                         \
			printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", w_);   \
	} while (0)

static inline void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/* Path of a fixture under tests/data, from the source dir meson passes. */
static inline const char *data_path(const char *rel)
{
	static char buf[4][1024];
	static int i;
	const char *src = getenv("ISOLATOR_TEST_DATA");

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", src ? src : "tests/data", rel);
	return buf[i];
}

#endif
