// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator explain --measure: the user's measurement and the recommended one,
 * back to back on this machine for the same time each, with every fix added
 * one step at a time so that the share each one removed is measured, not
 * guessed. Then `isolator bench response` for what polling gets instead of a
 * wake-up.
 *
 * Each step runs in a child process, so its policy, pinning and locked memory
 * never touch explain itself: cyclictest when it is installed, else the same
 * loop built in (clock_nanosleep to an absolute time, the lateness measured),
 * which prints cyclictest's -q summary line so that one parser reads both.
 * Nothing on the machine is changed; Ctrl-C ends the step and the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "explain.h"
#include "explain_measure.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* cyclictest on PATH, unless ISOLATOR_EXPLAIN_CYCLICTEST names another
 * (or "none": the built-in loop, as on a machine without rt-tests). */
static const char *find_cyclictest(char *buf, size_t len)
{
	const char *env = getenv("ISOLATOR_EXPLAIN_CYCLICTEST"), *path = getenv("PATH");

	if (env)
		return strcmp(env, "none") && access(env, X_OK) == 0 ? env : NULL;
	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, len, "%.*s/cyclictest", (int)n, path);
		if (n && access(buf, X_OK) == 0)
			return buf;
		path += n + (path[n] == ':');
	}
	return NULL;
}

/* The built-in loop: what cyclictest -t 1 -q does, reported in its format. */
static void own_loop(const struct xstep *s, uint64_t duration_ns, int out_fd)
{
	struct timespec next, now;
	uint64_t intv = s->interval_ns, loops = duration_ns / intv, n = 0, mn = UINT64_MAX, mx = 0,
		 act = 0;
	long double sum = 0;
	int dma, zero = 0;
	FILE *f;

	if (s->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(s->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			_exit(2);
	}
	if (s->prio > 0) {
		struct sched_param sp = { .sched_priority = s->prio };

		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
			_exit(3);
	}
	if (s->mlock && mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		_exit(4);
	/* cyclictest holds /dev/cpu_dma_latency at 0 by default: so does this */
	dma = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
	if (dma >= 0 && write(dma, &zero, sizeof(zero)) != sizeof(zero)) {
		close(dma);
		dma = -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (n < loops && !interrupted) {
		uint64_t lat;

		next.tv_nsec += (long)intv;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		lat = (uint64_t)((now.tv_sec - next.tv_sec) * 1000000000LL + (now.tv_nsec - next.tv_nsec));
		act = lat;
		mn = lat < mn ? lat : mn;
		mx = lat > mx ? lat : mx;
		sum += lat;
		n++;
	}
	f = fdopen(out_fd, "w");
	if (!f)
		_exit(5);
	if (dma >= 0)
		fprintf(f, "# /dev/cpu_dma_latency set to 0us\n");
	if (n)
		fprintf(f, "T: 0 (%6d) P:%2d I:%llu C:%7llu Min:%7llu Act:%5llu Avg:%5llu Max:%8llu\n",
			(int)getpid(), s->prio, (unsigned long long)(intv / 1000), (unsigned long long)n,
			(unsigned long long)(mn / 1000), (unsigned long long)(act / 1000),
			(unsigned long long)(sum / n / 1000), (unsigned long long)(mx / 1000));
	fclose(f);
	_exit(n ? 0 : 6);
}

/* Run @argv (or the built-in loop when argv is NULL) with stdout into a
 * buffer. Return: the exit status, or -errno. */
static int run_child(char *const *argv, const struct xstep *s, uint64_t duration_ns, char *out,
		     size_t len, size_t *got)
{
	int pipefd[2], status;
	pid_t pid;
	ssize_t k;

	*got = 0;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		signal(SIGINT, on_signal);
		close(pipefd[0]);
		if (!argv)
			own_loop(s, duration_ns, pipefd[1]);
		if (dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(127);
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (*got + 1 < len && ((k = read(pipefd[0], out + *got, len - 1 - *got)) > 0 ||
				  (k < 0 && errno == EINTR)))
		if (k > 0)
			*got += (size_t)k;
	out[*got] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void step_command(struct xstep *s, const char *cyclictest, uint64_t duration_ns)
{
	char loops[32];

	snprintf(loops, sizeof(loops), "%llu", (unsigned long long)(duration_ns / s->interval_ns));
	snprintf(s->command, sizeof(s->command), "%s -t 1%s%s%s%s%s -i %llu -l %s -q",
		 cyclictest ? "cyclictest" : "(built-in loop)",
		 s->cpu >= 0 ? " -a " : "", s->cpu >= 0 ? s->cpu_text : "", s->prio > 0 ? " -p " : "",
		 s->prio > 0 ? s->prio_text : "", s->mlock ? " -m" : "",
		 (unsigned long long)(s->interval_ns / 1000), loops);
}

static int run_step(struct xstep *s, const char *cyclictest, uint64_t duration_ns)
{
	char out[8192], why[256], intv[32], loops[32];
	char *argv[16];
	unsigned a = 0;
	struct xreport rep;
	size_t got;
	int rc;

	snprintf(s->cpu_text, sizeof(s->cpu_text), "%d", s->cpu);
	snprintf(s->prio_text, sizeof(s->prio_text), "%d", s->prio);
	step_command(s, cyclictest, duration_ns);
	snprintf(intv, sizeof(intv), "%llu", (unsigned long long)(s->interval_ns / 1000));
	snprintf(loops, sizeof(loops), "%llu", (unsigned long long)(duration_ns / s->interval_ns));
	argv[a++] = (char *)cyclictest;
	argv[a++] = "-t";
	argv[a++] = "1";
	if (s->cpu >= 0) {
		argv[a++] = "-a";
		argv[a++] = s->cpu_text;
	}
	if (s->prio > 0) {
		argv[a++] = "-p";
		argv[a++] = s->prio_text;
	}
	if (s->mlock)
		argv[a++] = "-m";
	argv[a++] = "-i";
	argv[a++] = intv;
	argv[a++] = "-l";
	argv[a++] = loops;
	argv[a++] = "-q";
	argv[a] = NULL;
	rc = run_child(cyclictest ? argv : NULL, s, duration_ns, out, sizeof(out), &got);
	if (rc < 0) {
		snprintf(s->error, sizeof(s->error), "%s", strerror(-rc));
		return rc;
	}
	if (explain_parse(out, got, &rep, why, sizeof(why)) || rep.nseries != 1) {
		snprintf(s->error, sizeof(s->error), "%s exited %d without a summary line%s",
			 cyclictest ? "cyclictest" : "the built-in loop", rc,
			 rc == 3 || (cyclictest && rc) ? " (SCHED_FIFO or memory locking needs root)" : "");
		return -EIO;
	}
	s->result = rep.series[0];
	s->ran = 1;
	return 0;
}

/* isolator bench response --json, through ourselves, read by the same parser. */
static void run_response(struct xmeasure *m, int cpu, uint64_t duration_ns)
{
	char exe[4096], dur[32], cpus[16], *out = malloc(1 << 16), why[256];
	char *argv[] = { exe, "bench", "response", "--duration", dur, "--cpu", cpus, "--json", "--quiet", NULL };
	struct xreport rep;
	struct xstep dummy = { 0 };
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t got;

	if (!out || n <= 0) {
		free(out);
		return;
	}
	exe[n] = '\0';
	snprintf(dur, sizeof(dur), "%.3fs", (double)duration_ns / 1e9);
	snprintf(cpus, sizeof(cpus), "%d", cpu);
	if (run_child(argv, &dummy, duration_ns, out, 1 << 16, &got) == 0 &&
	    !explain_parse(out, got, &rep, why, sizeof(why)) && rep.format == XF_ISOLATOR_BENCH) {
		for (unsigned i = 0; i < rep.nseries; i++) {
			const struct xseries *s = &rep.series[i];

			if (!strcmp(s->label, "poll")) {
				m->response.poll_p50 = s->p50_ns;
				m->response.poll_p99 = s->p99_ns;
				m->response.have |= 1;
			} else if (!strcmp(s->label, "wake")) {
				m->response.wake_p50 = s->p50_ns;
				m->response.wake_p99 = s->p99_ns;
				m->response.have |= 2;
			} else if (!strcmp(s->label, "floor")) {
				m->response.floor_p50 = s->p50_ns;
			}
		}
		m->response.have = m->response.have == 3;
		m->response.cpu = cpu;
	}
	free(out);
}

int explain_measure(const struct xreport *r, int cpu, uint64_t duration_ns, int quiet,
		    struct xmeasure *m)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	char pathbuf[4096];
	const char *cyclictest = find_cyclictest(pathbuf, sizeof(pathbuf));
	struct xstep base = { 0 };
	int err = 0;

	memset(m, 0, sizeof(*m));
	m->cpu = cpu;
	m->duration_ns = duration_ns;
	snprintf(m->tool, sizeof(m->tool), "%s", cyclictest ? cyclictest : "built-in loop");
	/* the user's measurement, one thread on @cpu so both columns measure one CPU */
	base.interval_ns = r->nseries && r->series[0].interval_ns ? r->series[0].interval_ns : 1000000;
	if (base.interval_ns < 50000 || base.interval_ns > 100000000)
		base.interval_ns = 1000000;
	if (duration_ns / base.interval_ns < 10)
		return -EINVAL;
	base.prio = r->rt_policy == XR_YES ? (r->prio > 0 ? r->prio : 99) : 0;
	base.mlock = r->mlock == XR_YES;
	base.cpu = r->pinned == XR_NO ? -1 : cpu;
	snprintf(base.label, sizeof(base.label), "yours");
	snprintf(base.fix, sizeof(base.fix), "%s", "");
	m->step[m->nsteps++] = base;
	if (!base.prio) {
		base.prio = 99;
		snprintf(base.label, sizeof(base.label), "+ -p 99");
		snprintf(base.fix, sizeof(base.fix), "sched_other");
		m->step[m->nsteps++] = base;
	}
	if (!base.mlock) {
		base.mlock = 1;
		snprintf(base.label, sizeof(base.label), "+ -m");
		snprintf(base.fix, sizeof(base.fix), "no_mlock");
		m->step[m->nsteps++] = base;
	}
	if (base.cpu < 0) {
		base.cpu = cpu;
		snprintf(base.label, sizeof(base.label), "+ -a %d", cpu);
		snprintf(base.fix, sizeof(base.fix), "cpus_shared");
		m->step[m->nsteps++] = base;
	}
	if (m->nsteps == 1) { /* already as recommended: run it twice, the second as the check */
		snprintf(base.label, sizeof(base.label), "recommended");
		m->step[m->nsteps++] = base;
	}
	snprintf(m->step[m->nsteps - 1].label, sizeof(m->step[0].label), "recommended");

	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	for (unsigned i = 0; i < m->nsteps && !interrupted; i++) {
		struct xstep *s = &m->step[i];

		snprintf(s->cpu_text, sizeof(s->cpu_text), "%d", s->cpu);
		snprintf(s->prio_text, sizeof(s->prio_text), "%d", s->prio);
		step_command(s, cyclictest, duration_ns);
		if (!quiet)
			fprintf(stderr, "isolator explain: measuring %u/%u (%.1f s): %s\n", i + 1,
				m->nsteps + 1, (double)duration_ns / 1e9, s->command);
		run_step(s, cyclictest, duration_ns);
	}
	if (!interrupted) {
		if (!quiet)
			fprintf(stderr, "isolator explain: measuring %u/%u (%.1f s): isolator bench "
				"response --cpu %d\n", m->nsteps + 1, m->nsteps + 1,
				(double)duration_ns / 1e9, cpu);
		run_response(m, cpu, duration_ns);
	}
	if (interrupted)
		err = -EINTR;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return err;
}
