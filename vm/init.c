// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /init of the isolator test VM, for every architecture: a static C program,
 * because Debian's busybox-static exists for x86 only, and because a guest
 * driver without a shell is one less thing to go wrong.
 *
 * It mounts proc, sysfs, devtmpfs, tracefs and configfs, then runs the plan
 * that vm/run.sh wrote into the initramfs (/plan), one line per guest test:
 *
 *	BOOT <TAB> SUITE <TAB> NAME <TAB> TIMEOUT_S <TAB> PROGRAM [ARG...]
 *
 * Only lines whose BOOT equals isolator_boot= on the kernel command line run
 * (one boot per distinct vm-cmdline). Each test runs in its own process
 * group, with PATH=/bin, and its output goes straight to the console. Around
 * it init prints the markers vm/run.sh turns into TAP:
 *
 *	ISOLATOR-VM: begin SUITE NAME
 *	ISOLATOR-VM: end SUITE NAME RC SECS     (RC: exit status, or 128+signal;
 *	                                         SECS: its guest time, e.g. 12.3s)
 *	ISOLATOR-VM: timeout SUITE NAME         (then "not ok - ..." and dumps)
 *	ISOLATOR-VM: done                       (the plan ran to its end)
 *
 * A test still running after TIMEOUT_S fails alone: init prints the state,
 * wait channel and kernel stack of every task of its process group, and
 * `echo w > /proc/sysrq-trigger` (all blocked tasks), then kills the group.
 * If the group does not die, the kernel is wedged: init ends the boot at
 * once (sysrq l, then sysrq b, a reset QEMU turns into its exit).
 * When a test ends, what is left of its group (a load it forked) is killed
 * too, so the next test starts on a quiet machine. As pid 1, init also reaps
 * every orphan. At the end it powers the machine off.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 32

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("ISOLATOR-VM: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0) {
		/* best effort: the dump is a diagnostic */
	}
	close(fd);
}

/* Copy a small /proc file to the console, each line prefixed. */
static void show(const char *path, const char *prefix)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("%s%s", prefix, line);
	fclose(f);
	fflush(stdout);
}

/* The value of NAME= on the kernel command line, or "" (at most @len-1 chars). */
static void cmdline_arg(const char *name, char *out, size_t len)
{
	char buf[4096], *p;
	size_t n = strlen(name);
	FILE *f = fopen("/proc/cmdline", "r");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (p = strtok(buf, " \n"); p; p = strtok(NULL, " \n"))
		if (!strncmp(p, name, n) && p[n] == '=')
			snprintf(out, len, "%s", p + n + 1);
}

/* Every task (thread) of process group @pgid: state, wait channel, stack. */
static void dump_group(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[300], stat[512], *p;
		int pid = atoi(e->d_name), pg = 0;
		FILE *f;

		if (pid <= 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(stat, sizeof(stat), f))
			stat[0] = '\0';
		fclose(f);
		/* pid (comm) state ppid pgrp ...: comm may hold spaces */
		p = strrchr(stat, ')');
		if (!p || sscanf(p + 2, "%*c %*d %d", &pg) != 1 || pg != pgid)
			continue;
		p[3] = '\0';	/* "pid (comm) S": the rest is numbers nobody reads here */
		printf("# task %s\n", stat);
		snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
		show(path, "# wchan: ");
		printf("\n");
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		DIR *t = opendir(path);
		struct dirent *te;

		while (t && (te = readdir(t))) {
			if (!isdigit((unsigned char)te->d_name[0]))
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid, te->d_name);
			printf("# stack of %d/%s:\n", pid, te->d_name);
			show(path, "#   ");
		}
		if (t)
			closedir(t);
	}
	closedir(d);
	fflush(stdout);
}

/*
 * dump_group() and sysrq w in a child, bounded: reading a task's stack takes
 * its exec_update_lock, which an exec() that never ends holds for good, and
 * init itself must not block there (it did: the boot then hung until the
 * host's limit, with the rest of its tests waiting).
 */
static void dump_group_bounded(pid_t pgid)
{
	double until = now_s() + 20;
	pid_t d = fork();

	if (d == 0) {
		dump_group(pgid);
		put("/proc/sysrq-trigger", "w");
		_exit(0);
	}
	if (d < 0)
		return;
	while (now_s() < until) {
		if (waitpid(d, NULL, WNOHANG) == d)
			return;
		usleep(10000);
	}
	kill(d, SIGKILL);
	printf("# the dump of process group %d blocked (a task's exec or mm lock is held)\n",
	       pgid);
	put("/proc/sysrq-trigger", "w");
}

/*
 * Kill what is left of group @pgid and reap it (bounded: a D-state task may
 * stay). Returns false if it did not die.
 */
static bool kill_group(pid_t pgid)
{
	double until = now_s() + 10;

	kill(-pgid, SIGKILL);
	while (now_s() < until) {
		if (waitpid(-pgid, NULL, WNOHANG) < 0 && errno == ECHILD)
			return true;
		usleep(10000);
	}
	say("process group %d did not die within 10 s", pgid);
	return false;
}

/*
 * Run one test; returns its exit status (128+signal, -1 on timeout, or -2 if
 * it timed out and could not be killed: the kernel is wedged).
 */
static int run_test(const char *suite, const char *name, int timeout_s, char **argv)
{
	double start = now_s(), deadline = start + timeout_s;
	int status, rc = -1;
	pid_t pid, w;

	say("begin %s %s", suite, name);
	pid = fork();
	if (pid < 0) {
		printf("not ok - %s: fork: %s\n", name, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		execv(argv[0], argv);
		printf("not ok - %s: exec %s: %s\n", name, argv[0], strerror(errno));
		fflush(stdout);
		_exit(127);
	}
	setpgid(pid, pid);
	for (;;) {
		w = waitpid(-1, &status, WNOHANG);
		if (w == pid) {
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		if (w > 0)
			continue;	/* an orphan, reaped */
		if (now_s() > deadline) {
			say("timeout %s %s", suite, name);
			printf("not ok - %s timed out after %d s\n", name, timeout_s);
			dump_group_bounded(pid);
			break;
		}
		usleep(20000);
	}
	if (!kill_group(pid) && rc < 0)
		return -2;
	if (rc >= 0)
		say("end %s %s %d %.1fs", suite, name, rc, now_s() - start);
	return rc;
}

int main(void)
{
	char line[1024], boot[16], ncpu[8] = "?";
	FILE *plan;

	setvbuf(stdout, NULL, _IOLBF, 0);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	mount("configfs", "/sys/kernel/config", "configfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	setenv("PATH", "/bin", 1);
	snprintf(ncpu, sizeof(ncpu), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	cmdline_arg("isolator_boot", boot, sizeof(boot));
	say("init reached, %s CPUs, boot %s", ncpu, boot[0] ? boot : "0");
	show("/proc/cmdline", "# cmdline: ");

	plan = fopen("/plan", "r");
	if (!plan) {
		printf("not ok - vm init: no /plan in the initramfs\n");
	} else {
		while (fgets(line, sizeof(line), plan)) {
			char *f[4], *argv[MAX_ARGS + 1], *p = line, *a;
			int n = 0;

			line[strcspn(line, "\n")] = '\0';
			for (int i = 0; i < 4; i++)
				f[i] = strsep(&p, "\t");
			if (!p || strcmp(f[0], boot[0] ? boot : "0"))
				continue;
			while ((a = strsep(&p, " \t")) && n < MAX_ARGS)
				if (*a)
					argv[n++] = a;
			argv[n] = NULL;
			if (n && run_test(f[1], f[2], atoi(f[3]), argv) == -2) {
				/*
				 * A test that outlived its limit and SIGKILL left
				 * the kernel wedged: the tests after it would only
				 * time out one by one, and the power-off could hang.
				 * End the boot now; vm/run.sh fails the tests that
				 * never began.
				 */
				printf("not ok - %s could not be killed: the rest of boot %s is not run\n",
				       f[2], boot[0] ? boot : "0");
				fflush(stdout);
				put("/proc/sysrq-trigger", "l");
				/* no device shutdown: it could wait on the wedge */
				put("/proc/sysrq-trigger", "b");	/* -no-reboot: QEMU exits */
			}
		}
		fclose(plan);
		say("done");
	}
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
