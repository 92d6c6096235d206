// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator run --cpu N [--fifo PRIO | --deadline R/D/P] [--isolate MASK] -- CMD [ARGS...]
 *
 * The parent holds the system-wide steps (IRQs steered away, DMA latency
 * request, cpuset partition) for as long as the child runs, then restores
 * them; the child pins itself, takes SCHED_FIFO (both survive exec) and
 * exec()s the command. If the parent is killed, the journal it wrote first
 * lets `isolator revert` undo the IRQ steering.
 *
 * --deadline gives the child SCHED_DEADLINE (runtime within every period,
 * done by the relative deadline); when the kernel's admission control
 * refuses, the reason is spelled out. --isolate has the child call
 * isolator_start_params() before exec, so the kernel backend (where there is
 * one) isolates the task that exec()s; the system-wide steps stay with the
 * parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/stock.h"
#include "../tune/tune.h"
#include "../util/util.h"
#include "commands.h"

struct run_params {
	unsigned cpu;
	int have_cpu;
	struct isolator_params iso;
	int fifo_given;
	int deadline;                 /* SCHED_DEADLINE with the three below, in ns */
	uint64_t dl_runtime, dl_deadline, dl_period;
	const char *dl_text;
	unsigned isolate_mask;        /* ISOLATOR_MASK_* for isolator_start_params(), or 0 */
	int quiet;
	char **command;
};

/* What the child failed at, sent up the error pipe with errno; STEP_READY
 * says its setup is done, before the parent changes anything system-wide. */
enum child_step { STEP_READY, STEP_AFFINITY, STEP_FIFO, STEP_DEADLINE, STEP_ISOLATE, STEP_EXEC };
struct child_error {
	int step, err;
	char msg[256];
};

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* The kernel's struct sched_attr (glibc before 2.41 has no wrapper). */
struct run_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static pid_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator run --cpu N [--fifo PRIO | --deadline R/D/P] [--isolate MASK]\n"
		"                    [--no-irq-steer] [--quiet] -- CMD [ARGS...]\n"
		"Run CMD pinned to CPU N with SCHED_FIFO, device IRQs steered off N and\n"
		"/dev/cpu_dma_latency held at 0 while it runs; everything is restored when\n"
		"it exits. After a crash of isolator itself, 'isolator revert' restores it.\n"
		"  -c, --cpu N        the CPU (must be online)\n"
		"  -f, --fifo PRIO    SCHED_FIFO priority 1..99, 0 to keep SCHED_OTHER (default %d)\n"
		"  -d, --deadline RUNTIME/DEADLINE/PERIOD\n"
		"                     SCHED_DEADLINE instead: RUNTIME of CPU time in every PERIOD,\n"
		"                     done within DEADLINE of its start, e.g. 2ms/10ms/10ms\n"
		"                     (units s, ms, us, ns). Admission control may refuse it; the\n"
		"                     reason is explained. Without --cpu the task is not pinned.\n"
		"  -i, --isolate MASK the child calls isolator_start_params(MASK) before exec\n"
		"                     (MASK: all, or clock,resched,ipi, or a decimal number)\n"
		"      --no-irq-steer leave IRQ affinities alone\n"
		"  -q, --quiet        do not print what was applied\n"
		"Exit status: the command's; 127 if it could not be started; 1 on bad input.\n",
		ISOLATOR_DEFAULT_FIFO_PRIORITY);
}

/* "2ms/10ms/10ms" (or RUNTIME/PERIOD, the deadline then equal to the period). */
static int parse_deadline(const char *text, struct run_params *p)
{
	char buf[128], *parts[3], *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save))
		if (n < 3)
			parts[n++] = t;
		else
			n = 4;
	if (n < 2 || n > 3 || strchr(text, ' ')) {
		fail("--deadline '%s': want RUNTIME/DEADLINE/PERIOD, e.g. 2ms/10ms/10ms", text);
		return -1;
	}
	/* a bare number is ns, as chrt --sched-runtime and rtla -P d: take it */
	if (parse_time("--deadline runtime", parts[0], UNIT_NS, &p->dl_runtime) < 0 ||
	    parse_time("--deadline deadline", parts[1], UNIT_NS, &p->dl_deadline) < 0 ||
	    (n == 3 && parse_time("--deadline period", parts[2], UNIT_NS, &p->dl_period) < 0))
		return -1;
	if (n == 2)
		p->dl_period = p->dl_deadline;
	if (p->dl_runtime < 1024) {
		fail("--deadline '%s': the runtime must be at least 1024 ns", text);
		return -1;
	}
	if (p->dl_runtime > p->dl_deadline || p->dl_deadline > p->dl_period) {
		fail("--deadline '%s': want runtime <= deadline <= period", text);
		return -1;
	}
	if (p->dl_period >= (1ull << 63)) {
		fail("--deadline '%s': period too long", text);
		return -1;
	}
	p->deadline = 1;
	p->dl_text = text;
	return 0;
}

/* "all", "clock,resched,ipi" (any of them), or a number. */
static int parse_mask(const char *text, unsigned *mask)
{
	char buf[128], *save = NULL;
	unsigned long v;

	*mask = 0;
	if (number_span(text, 0)) { /* a number, by the rule of every option */
		if (parse_uint("--isolate", text, 1, ISOLATOR_MASK_ALL, &v) < 0)
			return -1;
		*mask = (unsigned)v;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "all"))
			*mask |= ISOLATOR_MASK_ALL;
		else if (!strcmp(t, "clock"))
			*mask |= ISOLATOR_MASK_CLOCK;
		else if (!strcmp(t, "resched"))
			*mask |= ISOLATOR_MASK_RESCHED;
		else if (!strcmp(t, "ipi"))
			*mask |= ISOLATOR_MASK_IPI;
		else {
			fail("--isolate '%s': '%s' is not all, clock, resched or ipi", text, t);
			return -1;
		}
	}
	if (!*mask) {
		fail("--isolate '%s': want all, or clock,resched,ipi", text);
		return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct run_params *p)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "fifo", required_argument, NULL, 'f' },
		{ "deadline", required_argument, NULL, 'd' },
		{ "isolate", required_argument, NULL, 'i' },
		{ "no-irq-steer", no_argument, NULL, 'I' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int c;

	isolator_params_init(&p->iso);
	p->iso.prefault_stack = 0; /* mlockall does not survive exec */
	p->iso.cpuset_partition = 0; /* the child may start threads: see stock.c */
	optind = 1;
	opterr = 0; /* bad_option() says it in one line */
	while ((c = getopt_long(argc, argv, "+c:f:d:i:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_cpu_online("--cpu", optarg, &p->cpu) < 0)
				return -1;
			p->have_cpu = 1;
			break;
		case 'f':
			if (parse_uint("--fifo", optarg, 0, 99, &v) < 0)
				return -1;
			p->iso.fifo_priority = (int)v;
			p->fifo_given = 1;
			break;
		case 'd':
			if (parse_deadline(optarg, p) < 0)
				return -1;
			break;
		case 'i':
			if (parse_mask(optarg, &p->isolate_mask) < 0)
				return -1;
			break;
		case 'I':
			p->iso.steer_irqs = 0;
			break;
		case 'q':
			p->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			bad_option("run", argv);
			return -1;
		}
	}
	if (p->deadline && p->fifo_given) {
		fail("run: --fifo and --deadline exclude each other (one scheduling policy)");
		return -1;
	}
	if (p->deadline)
		p->iso.fifo_priority = 0;
	if (!p->have_cpu && !p->deadline) {
		fail("run: --cpu N is required");
		return -1;
	}
	if (!p->have_cpu && p->isolate_mask) {
		fail("run: --isolate needs --cpu N (isolation is of one CPU)");
		return -1;
	}
	if (optind >= argc) {
		fail("run: no command given (isolator run --cpu N -- CMD [ARGS...])");
		return -1;
	}
	p->command = argv + optind;
	return 0;
}

static void child_fail(int err_fd, int step, int err, const char *msg)
{
	struct child_error e = { .step = step, .err = err };

	snprintf(e.msg, sizeof(e.msg), "%s", msg ? msg : "");
	if (write(err_fd, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* In the child: pin, take SCHED_FIFO or SCHED_DEADLINE, isolate if asked,
 * wait for the parent's go, exec. */
static void child(const struct run_params *p, int go_fd, int err_fd)
{
	struct sched_param sp = { .sched_priority = p->iso.fifo_priority };
	cpu_set_t set;
	char go;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	CPU_ZERO(&set);
	CPU_SET(p->cpu, &set);
	if (p->have_cpu && sched_setaffinity(0, sizeof(set), &set) < 0)
		child_fail(err_fd, STEP_AFFINITY, errno, NULL);
	if (p->iso.fifo_priority && sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		child_fail(err_fd, STEP_FIFO, errno, NULL);
	if (p->deadline) {
		struct run_sched_attr attr = {
			.size = sizeof(attr),
			.sched_policy = SCHED_DEADLINE,
			/* a deadline task may not fork; its children start as SCHED_OTHER */
			.sched_flags = 0x01 /* SCHED_FLAG_RESET_ON_FORK */,
			.sched_runtime = p->dl_runtime,
			.sched_deadline = p->dl_deadline,
			.sched_period = p->dl_period,
		};

		if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
			child_fail(err_fd, STEP_DEADLINE, errno, NULL);
	}
	if (p->isolate_mask) {
		struct isolator_params iso;
		struct isolator_status st;
		int err;

		/* the parent holds the system-wide steps; what survives exec is
		 * the pinning, the policy and the kernel backend's task state */
		isolator_params_init(&iso);
		iso.fifo_priority = 0;
		iso.steer_irqs = iso.hold_dma_latency = iso.cpuset_partition = 0;
		iso.prefault_stack = 0;
		err = isolator_start_params(p->isolate_mask, &iso);
		if (err)
			child_fail(err_fd, STEP_ISOLATE, -err, isolator_errmsg());
		isolator_status(&st);
		if (!p->quiet)
			fprintf(stderr, "isolator: CPU %u: isolator_start(0x%x): %s backend\n", p->cpu,
				p->isolate_mask, isolator_backend_name(st.backend));
	}
	{
		struct child_error ready = { .step = STEP_READY };

		if (write(err_fd, &ready, sizeof(ready)) != sizeof(ready))
			_exit(127);
	}
	if (read(go_fd, &go, 1) != 1)
		_exit(127); /* the parent died, or refused, before saying go */
	execvp(p->command[0], p->command);
	child_fail(err_fd, STEP_EXEC, errno, NULL);
}

static long read_sysctl(const char *name, long dflt)
{
	char path[512], buf[64];

	if (sysroot_path(path, sizeof(path), NULL, "/proc/sys/kernel/%s", name) ||
	    read_text(path, buf, sizeof(buf)) <= 0)
		return dflt;
	return strtol(buf, NULL, 10);
}

/* Why SCHED_DEADLINE was refused, in one line: the user asked "can I have
 * this window guaranteed?", and the answer is the admission test. */
static void explain_deadline(const struct run_params *p, int err)
{
	long rt = read_sysctl("sched_rt_runtime_us", 950000), period = read_sysctl("sched_rt_period_us", 1000000);
	double want = 100.0 * (double)p->dl_runtime / (double)p->dl_period;
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);

	switch (err) {
	case EBUSY:
		fail("run: SCHED_DEADLINE %s refused by admission control (EBUSY): it asks %.1f%% of a "
		     "CPU, and all deadline tasks together may reserve at most %ld%% of each CPU of the "
		     "root domain (sched_rt_runtime_us/sched_rt_period_us = %ld/%ld, %d CPUs online), "
		     "part of which other deadline tasks already hold; ask less runtime or a longer period",
		     p->dl_text, want, rt < 0 ? 100 : rt * 100 / period, rt, period, ncpus);
		break;
	case EPERM:
		if (geteuid() != 0)
			fail("run: SCHED_DEADLINE %s refused (EPERM): it needs root or CAP_SYS_NICE",
			     p->dl_text);
		else
			fail("run: SCHED_DEADLINE %s refused (EPERM): a deadline task must be allowed on "
			     "every CPU of its root domain, and CPU %u shares one with other CPUs; give it "
			     "its own (isolcpus=%u, or a cgroup-v2 isolated partition) or drop --cpu",
			     p->dl_text, p->cpu, p->cpu);
		break;
	case EINVAL:
		fail("run: SCHED_DEADLINE %s refused (EINVAL): the period must lie within "
		     "kernel.sched_deadline_period_min_us..max_us (%ld..%ld us)", p->dl_text,
		     read_sysctl("sched_deadline_period_min_us", 100),
		     read_sysctl("sched_deadline_period_max_us", 4194304));
		break;
	default:
		fail("run: SCHED_DEADLINE %s refused: %s", p->dl_text, strerror(err));
	}
}

static void wait_child(int *status)
{
	while (waitpid(child_pid, status, 0) < 0)
		if (errno != EINTR) {
			*status = 127 << 8;
			break;
		}
}

/* The child's setup or exec failed: one line, and the exit status 127. */
static int child_failed(const struct run_params *p, const struct child_error *cerr)
{
	if (cerr->step == STEP_DEADLINE)
		explain_deadline(p, cerr->err);
	else if (cerr->step == STEP_ISOLATE)
		fail("run: isolator_start(0x%x) on CPU %u failed: %s", p->isolate_mask, p->cpu,
		     cerr->msg[0] ? cerr->msg : strerror(cerr->err));
	else if (cerr->step == STEP_FIFO && cerr->err == EPERM)
		fail("run: SCHED_FIFO priority %d for '%s' refused: needs CAP_SYS_NICE (run as root, "
		     "or --fifo 0 for none)", p->iso.fifo_priority, p->command[0]);
	else if (p->have_cpu)
		fail("run: cannot start '%s' on CPU %u: %s", p->command[0], p->cpu,
		     strerror(cerr->err));
	else
		fail("run: cannot start '%s': %s", p->command[0], strerror(cerr->err));
	return 127;
}

static const char *step_list(unsigned bits, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned b = 1; b <= ISOLATOR_STEP_KERNEL; b <<= 1)
		if (bits & b)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "",
					      isolator_step_name(b));
	return buf;
}

int cmd_run(int argc, char **argv)
{
	struct run_params p = { 0 };
	struct stock_system sys;
	struct child_error cerr;
	int go[2], errp[2], status, err = 0;
	char list[256];
	ssize_t n;

	if (parse(argc, argv, &p) < 0)
		return EXIT_ERROR;
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		return fail("run: pipe: %s", strerror(errno));
	signal(SIGINT, forward_signal);
	signal(SIGTERM, forward_signal);
	signal(SIGHUP, forward_signal);
	signal(SIGPIPE, SIG_IGN); /* "go" to a child that failed its setup */
	child_pid = fork();
	if (child_pid < 0)
		return fail("run: fork: %s", strerror(errno));
	if (child_pid == 0) {
		close(go[1]);
		close(errp[0]);
		child(&p, go[0], errp[1]);
	}
	close(go[0]);
	close(errp[1]);

	/* the child's own steps first: nothing system-wide changes for a
	 * command that cannot start */
	n = read(errp[0], &cerr, sizeof(cerr));
	if (n == (ssize_t)sizeof(cerr) && cerr.step != STEP_READY) {
		close(errp[0]);
		close(go[1]);
		wait_child(&status);
		return child_failed(&p, &cerr);
	}
	memset(&sys, 0, sizeof(sys)); /* --deadline alone: EDF places the task */
	sys.dma_fd = -1;
	sys.claim.fd = -1;
	if (p.have_cpu && (err = stock_system_apply(&sys, NULL, p.cpu, &p.iso, child_pid)) < 0) {
		/* another session owns the CPU, or the state directory is untrusted */
		kill(child_pid, SIGKILL);
		close(errp[0]);
		close(go[1]);
		wait_child(&status);
		return fail("run: %s", isolator_errmsg());
	}
	if (!p.quiet && !p.have_cpu)
		fprintf(stderr, "isolator: SCHED_DEADLINE %s, not pinned\n", p.dl_text);
	if (!p.quiet && p.have_cpu) {
		step_list(sys.applied, list, sizeof(list));
		fprintf(stderr, "isolator: CPU %u: applied: pin%s%s%s%s", p.cpu,
			p.iso.fifo_priority ? " fifo" : "", p.deadline ? " deadline" : "",
			*list ? " " : "", list);
		if (sys.applied & ISOLATOR_STEP_IRQ_STEER)
			fprintf(stderr, " (%u IRQs moved, %u unmovable)", sys.irqs_moved,
				sys.irqs_unmovable);
		fputc('\n', stderr);
		/* one "isolator:" line per step not taken */
		for (char *r = sys.reasons, *nl; *r; r = nl + 1) {
			nl = strchr(r, '\n');
			if (!nl)
				nl = r + strlen(r) - 1;
			fprintf(stderr, "isolator: not applied: %.*s\n", (int)(nl - r), r);
		}
	}
	if (write(go[1], "g", 1) != 1)
		err = errno; /* the child is gone: its error or status says why */
	(void)err;
	close(go[1]);
	n = read(errp[0], &cerr, sizeof(cerr));
	close(errp[0]);
	wait_child(&status);
	stock_system_restore(&sys, NULL);
	if (n == (ssize_t)sizeof(cerr))
		return child_failed(&p, &cerr);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
