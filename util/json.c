// SPDX-License-Identifier: GPL-2.0-or-later
/* A streaming JSON emitter, shared by every command that has --json. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "util.h"

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = 1;
}

/* Before any value: a comma if this is not the first element here. */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = 0;
}

static void open_(struct json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < 31)
		j->depth++;
	j->first[j->depth] = 1;
}

static void close_(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

void json_object_begin(struct json *j) { open_(j, '{'); }
void json_object_end(struct json *j) { close_(j, '}'); }
void json_array_begin(struct json *j) { open_(j, '['); }
void json_array_end(struct json *j) { close_(j, ']'); }

static void quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	quoted(j->f, key);
	fputc(':', j->f);
	j->after_key = 1;
}

void json_string(struct json *j, const char *s)
{
	sep(j);
	if (s)
		quoted(j->f, s);
	else
		fputs("null", j->f);
}

void json_uint(struct json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_double(struct json *j, double v)
{
	sep(j);
	if (isfinite(v))
		fprintf(j->f, "%.1f", v);
	else
		fputs("null", j->f); /* JSON has no NaN or infinity */
}

void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->f);
}

void json_bool(struct json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

int json_out_parse(struct json_out *o, const char *what, const char *arg)
{
	char dir[PATH_MAX], *slash;
	struct stat st;

	o->on = 1;
	o->file = NULL;
	if (!arg)
		return 0;
	if (!*arg) {
		fail("%s=: name a file, or give --json alone for stdout", what);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", arg);
	slash = strrchr(dir, '/');
	if (slash) {
		*(slash == dir ? slash + 1 : slash) = '\0';
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fail("%s='%s': no directory %s", what, arg, dir);
			return -1;
		}
	}
	o->file = arg;
	return 0;
}

int json_out_getopt(struct json_out *o, const char *what, int argc, char **argv)
{
	const char *arg = optarg;

	if (!arg && optind < argc && argv[optind][0] != '-')
		arg = argv[optind++];
	return json_out_parse(o, what, arg);
}

FILE *json_out_open(const struct json_out *o)
{
	FILE *f;

	if (!o->file)
		return stdout;
	f = fopen(o->file, "w");
	if (!f)
		fail("--json='%s': %s", o->file, strerror(errno));
	return f;
}

int json_out_close(const struct json_out *o, FILE *f)
{
	if (!o->file)
		return fflush(stdout) ? -1 : 0;
	if (ferror(f) | fclose(f)) {
		fail("--json='%s': write failed", o->file);
		return -1;
	}
	return 0;
}
