/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A streaming JSON writer for every --json output (check, model, bench):
 * commas and nesting are its business, the caller only says what comes next.
 */
#ifndef ISOLATOR_UTIL_JSON_H
#define ISOLATOR_UTIL_JSON_H

#include <stdint.h>
#include <stdio.h>

/* A streaming JSON writer: commas and nesting are its business. */
struct json {
	FILE *f;
	int depth;
	int first[32]; /* no element written yet at this depth */
	int after_key;
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_double(struct json *j, double v);
void json_null(struct json *j);
void json_bool(struct json *j, int v);

/*
 * --json[=FILE], as rt-tests take it (cyclictest --json=FILE): a bare
 * --json prints JSON on stdout instead of the table; --json=FILE keeps the
 * table on stdout and writes the JSON to FILE. Options use
 * { "json", optional_argument, NULL, 'j' } and hand optarg here.
 */
#define JSON_OPT_HELP "  -j, --json[=FILE]"
struct json_out {
	int on;           /* --json given */
	const char *file; /* --json=FILE, or NULL for stdout */
};
/* Record --json's @arg (getopt's optarg, NULL when bare); FILE's directory
 * must exist now, not after the run. Return: 0, or -1 after one line. */
int json_out_parse(struct json_out *o, const char *what, const char *arg);
/* The same from inside getopt_long's loop, for a command that takes no
 * operands: there `--json FILE` is unambiguous and means --json=FILE, as
 * cyclictest and oslat take it; the word after a bare --json is FILE unless
 * it is an option. Return: 0, or -1 after one line. */
int json_out_getopt(struct json_out *o, const char *what, int argc, char **argv);
/* Whether the readable table goes to stdout (no --json, or --json=FILE). */
static inline int json_out_table(const struct json_out *o)
{
	return !o->on || o->file;
}
/* The stream to write to: stdout, or FILE opened now. Return: NULL after
 * one line on failure. */
FILE *json_out_open(const struct json_out *o);
/* Flush stdout, or close FILE. Return: 0, or -1 after one line. */
int json_out_close(const struct json_out *o, FILE *f);

#endif
