// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trace-cmd's binary trace.dat files for `isolator model`, through
 * libtracecmd: `report` reads one (each event is printed as the ftrace text
 * line the model's parser already reads, so one parser judges both), and
 * `record -o FILE.dat` writes one from the per-CPU ring buffers of its
 * tracefs instance, which trace-cmd report and kernelshark then open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../model/model.h"
#include "model_dat.h"

/* trace.dat begins with these bytes (trace-cmd's trace-cmd.dat(5)). */
static const char dat_magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };

int model_dat_is(const char *file)
{
	char head[sizeof(dat_magic)];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof(head));
	close(fd);
	return n == (ssize_t)sizeof(head) && !memcmp(head, dat_magic, sizeof(head));
}

#if defined(HAVE_LIBTRACECMD) || defined(HAVE_LIBTRACEFS)
#include <event-parse.h>

int model_format_record(struct tep_handle *tep, struct tep_record *record, int cpu,
			struct trace_seq *seq, char *line, size_t len)
{
	struct tep_event *event = tep_find_event_by_record(tep, record);
	int pid = tep_data_pid(tep, record), n;
	char flags[16];

	if (!event)
		return -ENOENT;
	/* the latency flags: irqs-off, need-resched, hard/soft irq, preempt depth */
	trace_seq_reset(seq);
	tep_print_event(tep, seq, record, "%s", TEP_PRINT_LATENCY);
	trace_seq_terminate(seq);
	snprintf(flags, sizeof(flags), "%s", seq->buffer);
	trace_seq_reset(seq);
	tep_print_event(tep, seq, record, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(seq);
	n = snprintf(line, len, "%16s-%-7d [%03d] %s %llu.%09llu: %s: %s\n",
		     pid ? tep_data_comm_from_pid(tep, pid) : "<idle>", pid, cpu, flags,
		     record->ts / 1000000000ull, record->ts % 1000000000ull, event->name,
		     seq->buffer);
	return n < 0 || (size_t)n >= len ? -E2BIG : n;
}
#endif

#ifdef HAVE_LIBTRACECMD
#include <trace-cmd.h>

struct feed {
	struct model *m;
	struct trace_seq seq;
	char line[8192];
	char *err;
	size_t errlen;
	unsigned long long events;
	int failed;
};

static int feed_record(struct tracecmd_input *h, struct tep_record *record, int cpu, void *arg)
{
	struct feed *f = arg;
	struct tep_handle *tep = tracecmd_get_tep(h);
	int n;

	if (record->missed_events) {
		/* the model must not join two intervals across a hole */
		n = snprintf(f->line, sizeof(f->line), "CPU:%d [LOST %lld EVENTS]\n", cpu,
			     (long long)(record->missed_events > 0 ? record->missed_events : 0));
		if (model_feed_line(f->m, f->line, (size_t)n, f->err, f->errlen) < 0)
			goto bad;
	}
	n = model_format_record(tep, record, cpu, &f->seq, f->line, sizeof(f->line));
	if (n == -ENOENT)
		return 0; /* an event whose format the file lacks: not one the model uses */
	if (n < 0) {
		snprintf(f->err, f->errlen, "event %llu: too long to print", f->events + 1);
		f->failed = 1;
		return -1;
	}
	f->events++;
	if (model_feed_line(f->m, f->line, (size_t)n, f->err, f->errlen) < 0)
		goto bad;
	return 0;
bad:
	/* the parser's message names a line number of a text it never saw */
	{
		char why[256];

		snprintf(why, sizeof(why), "%s", f->err);
		snprintf(f->err, f->errlen, "event %llu (CPU %d, printed as '%.*s'): %s",
			 f->events, cpu, (int)strcspn(f->line, "\n"), f->line, why);
	}
	f->failed = 1;
	return -1;
}

int model_dat_feed(const char *file, struct model *m, char *err, size_t errlen)
{
	struct feed f = { .m = m, .err = err, .errlen = errlen };
	struct tracecmd_input *h;

	/* plugins would change how events print; the model reads the kernel's format */
	h = tracecmd_open(file, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h) {
		snprintf(err, errlen, "not a trace-cmd file libtracecmd can read");
		return -EINVAL;
	}
	trace_seq_init(&f.seq);
	/* in time order across CPUs, as trace-cmd report prints them */
	tracecmd_iterate_events(h, NULL, 0, feed_record, &f);
	trace_seq_destroy(&f.seq);
	tracecmd_close(h);
	if (f.failed)
		return -EINVAL;
	return 0;
}
#else
int model_dat_feed(const char *file, struct model *m, char *err, size_t errlen)
{
	(void)file;
	(void)m;
	snprintf(err, errlen, "a trace-cmd trace.dat file: built without libtracecmd "
			      "(scripts/deps.sh model, then rebuild), or read 'trace-cmd report' "
			      "output instead");
	return -ENOTSUP;
}
#endif

#if defined(HAVE_LIBTRACECMD) && defined(HAVE_LIBTRACEFS)
#include <tracefs.h>

/*
 * The writer of trace-cmd's own record. libtracecmd 1.3 exports it but
 * declares it only in trace-cmd's private header, so it is declared here,
 * as trace-cmd 3.1 defines it.
 */
struct tracecmd_output;
struct tracecmd_event_list {
	struct tracecmd_event_list *next;
	const char *glob;
};
struct tracecmd_output *tracecmd_output_create(const char *output_file);
int tracecmd_output_set_trace_dir(struct tracecmd_output *handle, const char *tracing_dir);
int tracecmd_output_write_headers(struct tracecmd_output *handle,
				  struct tracecmd_event_list *list);
int tracecmd_write_cmdlines(struct tracecmd_output *handle);
int tracecmd_append_cpu_data(struct tracecmd_output *handle, int cpus,
			     char *const *cpu_data_files);
void tracecmd_output_close(struct tracecmd_output *handle);

struct model_dat_writer {
	struct tracefs_instance *inst;
	int ncpus;
	int *raw;       /* per CPU: the instance's trace_pipe_raw, non-blocking */
	int *tmp;       /* per CPU: the pages read so far */
	char **names;   /* their file names */
	char dir[64];
};

struct model_dat_writer *model_dat_writer_new(struct tracefs_instance *inst, int ncpus)
{
	struct model_dat_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->inst = inst;
	w->ncpus = ncpus;
	w->raw = calloc((size_t)ncpus, sizeof(int));
	w->tmp = calloc((size_t)ncpus, sizeof(int));
	w->names = calloc((size_t)ncpus, sizeof(char *));
	snprintf(w->dir, sizeof(w->dir), "/tmp/isolator-model-XXXXXX");
	for (int c = 0; w->raw && w->tmp && c < ncpus; c++)
		w->raw[c] = w->tmp[c] = -1;
	if (!w->raw || !w->tmp || !w->names || !mkdtemp(w->dir)) {
		w->dir[0] = '\0';
		model_dat_writer_free(w);
		return NULL;
	}
	for (int c = 0; c < ncpus; c++) {
		char rel[64], *path;

		snprintf(rel, sizeof(rel), "per_cpu/cpu%d/trace_pipe_raw", c);
		path = tracefs_instance_get_file(inst, rel);
		if (path) {
			w->raw[c] = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			tracefs_put_tracing_file(path);
		}
		if (asprintf(&w->names[c], "%s/cpu%d", w->dir, c) < 0) {
			w->names[c] = NULL;
			model_dat_writer_free(w);
			return NULL;
		}
		w->tmp[c] = open(w->names[c], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (w->tmp[c] < 0) {
			model_dat_writer_free(w);
			return NULL;
		}
	}
	return w;
}

long long model_dat_writer_drain(struct model_dat_writer *w)
{
	char page[65536];
	long long total = 0;

	/* whole sub-buffer pages, as trace-cmd's recorder splices them */
	for (int c = 0; c < w->ncpus; c++) {
		ssize_t n;

		if (w->raw[c] < 0)
			continue;
		while ((n = read(w->raw[c], page, sizeof(page))) > 0) {
			if (write(w->tmp[c], page, (size_t)n) != n)
				return -EIO;
			total += n;
		}
	}
	return total;
}

int model_dat_writer_finish(struct model_dat_writer *w, const char *file, char *err,
			    size_t errlen)
{
	struct tracecmd_output *out;
	int rc = -EIO;

	if (model_dat_writer_drain(w) < 0) {
		snprintf(err, errlen, "cannot save the ring buffers in %s", w->dir);
		return -EIO;
	}
	out = tracecmd_output_create(file);
	if (!out) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -errno;
	}
	/* the formats of the systems record enables (not all ~2000 events:
	 * 8 MB of formats), kallsyms and printk formats from the top tracing
	 * directory, the task names, then the CPUs' pages */
	static const char *const systems[] = { "preemptirq", "sched", "irq", "irq_vectors", "nmi" };
	struct tracecmd_event_list list[sizeof(systems) / sizeof(systems[0])];

	for (size_t i = 0; i < sizeof(systems) / sizeof(systems[0]); i++) {
		list[i].glob = systems[i];
		list[i].next = i + 1 < sizeof(systems) / sizeof(systems[0]) ? &list[i + 1] : NULL;
	}
	if (tracecmd_output_set_trace_dir(out, tracefs_tracing_dir()) < 0 ||
	    tracecmd_output_write_headers(out, list) < 0) {
		snprintf(err, errlen, "%s: cannot write the trace.dat headers", file);
		goto out;
	}
	if (tracecmd_write_cmdlines(out) < 0 ||
	    tracecmd_append_cpu_data(out, w->ncpus, w->names) < 0) {
		snprintf(err, errlen, "%s: cannot write the CPU data", file);
		goto out;
	}
	rc = 0;
out:
	tracecmd_output_close(out);
	if (rc)
		unlink(file);
	return rc;
}

void model_dat_writer_free(struct model_dat_writer *w)
{
	if (!w)
		return;
	for (int c = 0; c < w->ncpus; c++) {
		if (w->raw && w->raw[c] >= 0)
			close(w->raw[c]);
		if (w->tmp && w->tmp[c] >= 0)
			close(w->tmp[c]);
		if (w->names && w->names[c]) {
			unlink(w->names[c]);
			free(w->names[c]);
		}
	}
	if (w->dir[0])
		rmdir(w->dir);
	free(w->raw);
	free(w->tmp);
	free(w->names);
	free(w);
}
#endif
