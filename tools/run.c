// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator run --cpu N [--fifo PRIO] -- CMD [ARGS...]
 *
 * The parent holds the system-wide steps (IRQs steered away, DMA latency
 * request, cpuset partition) for as long as the child runs, then restores
 * them; the child pins itself, takes SCHED_FIFO (both survive exec) and
 * exec()s the command. If the parent is killed, the journal it wrote first
 * lets `isolator revert` undo the IRQ steering.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/internal.h"
#include "commands.h"
#include "tool.h"

struct run_params {
	unsigned cpu;
	int have_cpu;
	struct isolator_params iso;
	int quiet;
	char **command;
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
		"usage: isolator run --cpu N [--fifo PRIO] [--no-irq-steer] [--quiet] -- CMD [ARGS...]\n"
		"Run CMD pinned to CPU N with SCHED_FIFO, device IRQs steered off N and\n"
		"/dev/cpu_dma_latency held at 0 while it runs; everything is restored when\n"
		"it exits. After a crash of isolator itself, 'isolator revert' restores it.\n"
		"  -c, --cpu N        the CPU (must be online)\n"
		"  -f, --fifo PRIO    SCHED_FIFO priority 1..99, 0 to keep SCHED_OTHER (default 80)\n"
		"      --no-irq-steer leave IRQ affinities alone\n"
		"  -q, --quiet        do not print what was applied\n"
		"Exit status: the command's; 127 if it could not be started; 1 on bad input.\n");
}

static int parse(int argc, char **argv, struct run_params *p)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "fifo", required_argument, NULL, 'f' },
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
	while ((c = getopt_long(argc, argv, "+c:f:qh", opts, NULL)) != -1) {
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
	if (!p->have_cpu) {
		fail("run: --cpu N is required");
		return -1;
	}
	if (optind >= argc) {
		fail("run: no command given (isolator run --cpu N -- CMD [ARGS...])");
		return -1;
	}
	p->command = argv + optind;
	return 0;
}

/* In the child: pin, take SCHED_FIFO, wait for the parent's go, exec. */
static void child(const struct run_params *p, int go_fd, int err_fd)
{
	struct sched_param sp = { .sched_priority = p->iso.fifo_priority };
	cpu_set_t set;
	char go;
	int err;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	CPU_ZERO(&set);
	CPU_SET(p->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		goto fail;
	if (p->iso.fifo_priority && sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		goto fail;
	if (read(go_fd, &go, 1) != 1)
		_exit(127); /* the parent died before saying go */
	execvp(p->command[0], p->command);
fail:
	err = errno;
	if (write(err_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
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

	stock_system_apply(&sys, NULL, p.cpu, &p.iso, child_pid);
	if (!p.quiet) {
		fprintf(stderr, "isolator: CPU %u: applied: pin%s %s", p.cpu,
			p.iso.fifo_priority ? " fifo" : "", step_list(sys.applied, list, sizeof(list)));
		if (sys.applied & ISOLATOR_STEP_IRQ_STEER)
			fprintf(stderr, " (%u IRQs moved, %u unmovable)", sys.irqs_moved,
				sys.irqs_unmovable);
		fputc('\n', stderr);
		if (sys.reasons[0])
			fprintf(stderr, "isolator: not applied: %s", sys.reasons);
	}
	if (write(go[1], "g", 1) != 1)
		err = errno;
	close(go[1]);
	n = read(errp[0], &err, sizeof(err));
	close(errp[0]);
	while (waitpid(child_pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 127 << 8;
			break;
		}
	stock_system_restore(&sys, NULL);
	if (n == (ssize_t)sizeof(err)) {
		fail("run: cannot start '%s' on CPU %u: %s", p.command[0], p.cpu, strerror(err));
		return 127;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
