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

#endif
