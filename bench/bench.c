// SPDX-License-Identifier: GPL-2.0-or-later
/* The machine description, and readable and JSON summary rows. */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../tune/tune.h"
#include "bench.h"

void json_summary(struct json *j, const struct bench_summary *s)
{
	json_object_begin(j);
	json_key(j, "min");
	json_uint(j, s->min_ns);
	json_key(j, "avg");
	json_double(j, s->avg_ns);
	json_key(j, "p50");
	json_uint(j, s->p50_ns);
	json_key(j, "p99");
	json_uint(j, s->p99_ns);
	json_key(j, "p9999");
	json_uint(j, s->p9999_ns);
	json_key(j, "max");
	json_uint(j, s->max_ns);
	json_object_end(j);
}

void bench_machine_describe(struct bench_machine *m, int cpu, int isolated)
{
	char path[512];
	struct utsname u;
	char *text, *line;

	memset(m, 0, sizeof(*m));
	snprintf(m->cpu_model, sizeof(m->cpu_model), "unknown");
	if (!sysroot_path(path, sizeof(path), NULL, "/proc/cpuinfo") &&
	    (text = read_file_alloc(path, NULL))) {
		line = strstr(text, "model name");
		if (line && (line = strchr(line, ':'))) {
			char *end = strchr(line, '\n');

			if (end)
				*end = '\0';
			snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", line + 2);
			if (end)
				*end = '\n';
		}
		m->virtualized = strstr(text, " hypervisor") != NULL;
		free(text);
	}
	if (uname(&u) == 0) {
		snprintf(m->kernel, sizeof(m->kernel), "%s %s", u.release, u.version);
		m->preempt_rt = strstr(u.version, "PREEMPT_RT") != NULL;
	}
	m->backend = isolator_backend_name(isolator_backend_available());
	m->cpu = cpu;
	m->isolated = isolated;
	m->tsc_hz = (unsigned long long)isolator_clock()->hz;
}

void bench_machine_print(FILE *f, const struct bench_machine *m)
{
	fprintf(f, "# machine: %s%s, TSC %.3f GHz\n", m->cpu_model,
		m->virtualized ? " (virtual machine)" : "", (double)m->tsc_hz / 1e9);
	fprintf(f, "# kernel:  %s%s\n", m->kernel, m->preempt_rt ? "" : " (not PREEMPT_RT)");
	fprintf(f, "# CPU %d: %s, backend %s\n", m->cpu, m->isolated ? "isolated" : "not isolated",
		m->backend);
	if (m->virtualized)
		fprintf(f, "# on a virtual machine the maxima belong to the host, not to Linux\n");
}

void bench_machine_json(struct json *j, const struct bench_machine *m)
{
	json_key(j, "machine");
	json_object_begin(j);
	json_key(j, "cpu_model");
	json_string(j, m->cpu_model);
	json_key(j, "kernel");
	json_string(j, m->kernel);
	json_key(j, "preempt_rt");
	json_bool(j, m->preempt_rt);
	json_key(j, "virtualized");
	json_bool(j, m->virtualized);
	json_key(j, "backend");
	json_string(j, m->backend);
	json_key(j, "cpu");
	json_uint(j, (uint64_t)m->cpu);
	json_key(j, "isolated");
	json_bool(j, m->isolated);
	json_key(j, "tsc_hz");
	json_uint(j, m->tsc_hz);
	json_object_end(j);
}

void bench_summary_header(FILE *f)
{
	fprintf(f, "%-10s %12s %9s %9s %9s %9s %10s %12s %12s %10s\n", "mode", "samples", "min(ns)",
		"avg(ns)", "p50(ns)", "p99(ns)", "p99.99(ns)", "max(ns)", "jitter(ns)", "over");
}

void bench_summary_row(FILE *f, const char *label, const struct bench_summary *s)
{
	fprintf(f, "%-10s %12llu %9llu %9.0f %9llu %9llu %10llu %12llu %12llu %10llu\n", label,
		(unsigned long long)s->count, (unsigned long long)s->min_ns, s->avg_ns,
		(unsigned long long)s->p50_ns, (unsigned long long)s->p99_ns,
		(unsigned long long)s->p9999_ns, (unsigned long long)s->max_ns,
		(unsigned long long)s->jitter_ns, (unsigned long long)s->over_threshold);
}
