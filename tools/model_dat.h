/* SPDX-License-Identifier: GPL-2.0-or-later */
/* trace-cmd's trace.dat files for `isolator model` (tools/model_dat.c). */
#ifndef ISOLATOR_MODEL_DAT_H
#define ISOLATOR_MODEL_DAT_H

#include <stddef.h>

struct model;

/* Whether @file begins with trace.dat's magic. */
int model_dat_is(const char *file);

/*
 * Feed every event of trace.dat @file, in time order, to @m as the ftrace
 * text line trace-cmd report prints for it.
 * Return: 0; a negative errno with a one-line reason in @err (-ENOTSUP:
 * built without libtracecmd).
 */
int model_dat_feed(const char *file, struct model *m, char *err, size_t errlen);

#if defined(HAVE_LIBTRACECMD) || defined(HAVE_LIBTRACEFS)
struct tep_handle;
struct tep_record;
struct trace_seq;
/* One event as a line of `trace-cmd report` (with a newline) into @line.
 * Return: its length; -ENOENT (no format for it) or -E2BIG. */
int model_format_record(struct tep_handle *tep, struct tep_record *record, int cpu,
			struct trace_seq *seq, char *line, size_t len);
#endif

#if defined(HAVE_LIBTRACECMD) && defined(HAVE_LIBTRACEFS)
struct tracefs_instance;
/* Saving a tracefs instance's per-CPU ring buffers as a trace.dat file:
 * _new before tracing starts, _drain while it runs (so the buffers do not
 * wrap), _finish to write FILE, _free always. */
struct model_dat_writer;
struct model_dat_writer *model_dat_writer_new(struct tracefs_instance *inst, int ncpus);
/* Return: bytes saved, or -EIO. */
long long model_dat_writer_drain(struct model_dat_writer *w);
/* Return: 0, or a negative errno with a one-line reason in @err. */
int model_dat_writer_finish(struct model_dat_writer *w, const char *file, char *err,
			    size_t errlen);
void model_dat_writer_free(struct model_dat_writer *w);
#endif

#endif
