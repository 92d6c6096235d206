/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest tests of the isolator kernel extension.
 * Each test is a static program run by the initramfs init; it prints
 * "# ..." diagnostic lines and "ok - name" / "not ok - name" results,
 * which kernel/vm-test.sh numbers into TAP.
 */
#ifndef ISOLATOR_VM_COMMON_H
#define ISOLATOR_VM_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ISO_CPU 3
#define MAX_KINDS 64

/*
 * The /proc/interrupts rows of the kinds the tests name, per architecture.
 * arm64 (GICv3, qemu virt): the per-CPU architected timer is the tick, and
 * IPI0..IPI7 are reschedule, function call (single and many), CPU stop,
 * CPU stop NMI, timer broadcast, irq_work, backtrace, KGDB. TLB maintenance
 * is broadcast in hardware, so arm64 has no TLB IPI row ("").
 */
#if defined(__aarch64__)
#define KIND_TICK	"arch_timer"
#define KIND_RESCHED	"IPI0"
#define KIND_CALL	"IPI1"
#define KIND_TLB	""
#define KIND_IRQ_WORK	"IPI5"
#else
#define KIND_TICK	"LOC"
#define KIND_RESCHED	"RES"
#define KIND_CALL	"CAL"
#define KIND_TLB	"TLB"
#define KIND_IRQ_WORK	"IWI"
#endif

static int failures;

static void result(bool ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	fflush(stdout);
	if (!ok)
		failures++;
}

static void die(const char *what)
{
	printf("not ok - %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/* First housekeeping CPU the load may use; a test may keep CPU 0 for itself. */
static int load_first_cpu;

static void pin_housekeeping(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int c = load_first_cpu; c < ISO_CPU; c++)
		CPU_SET(c, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void fifo(int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		die("sched_setscheduler");
}

/* Write one command to /proc/isolator/control; 0 or -errno. */
static int control(const char *cmd)
{
	int fd = open("/proc/isolator/control", O_WRONLY);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* ---- /proc/interrupts and /proc/softirqs, column of one CPU ---- */

struct kinds {
	int n;
	char name[MAX_KINDS][24];
	unsigned long long count[MAX_KINDS];
};

static void kinds_add(struct kinds *k, const char *name, unsigned long long v)
{
	for (int i = 0; i < k->n; i++)
		if (!strcmp(k->name[i], name)) {
			k->count[i] += v;
			return;
		}
	if (k->n < MAX_KINDS) {
		snprintf(k->name[k->n], sizeof(k->name[0]), "%s", name);
		k->count[k->n++] = v;
	}
}

/* Read the @cpu column of a /proc/interrupts-like file, prefixing names. */
static void read_table(const char *path, const char *prefix, int cpu,
		       struct kinds *k)
{
	char line[1024], name[24], label[40];
	FILE *f = fopen(path, "r");
	int ncpu = 0;

	if (!f)
		return;
	if (fgets(line, sizeof(line), f))
		for (char *p = strtok(line, " \t\n"); p; p = strtok(NULL, " \t\n"))
			ncpu++;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		unsigned long long v = 0;

		while (*p == ' ')
			p++;
		end = strchr(p, ':');
		if (!end)
			continue;
		*end = '\0';
		snprintf(name, sizeof(name), "%.23s", p);
		p = end + 1;
		for (int c = 0; c < ncpu; c++) {
			unsigned long long x = strtoull(p, &end, 10);

			if (end == p)
				break;
			if (c == cpu)
				v = x;
			p = end;
		}
		/* a numbered IRQ is named by its action: "11" -> "arch_timer" */
		if (name[0] >= '0' && name[0] <= '9') {
			char *last = NULL;

			for (char *t = strtok(p, " \t\n"); t; t = strtok(NULL, " \t\n"))
				last = t;
			if (last)
				snprintf(name, sizeof(name), "%.23s", last);
		}
		snprintf(label, sizeof(label), "%.15s%.23s", prefix, name);
		label[23] = '\0';
		kinds_add(k, label, v);
	}
	fclose(f);
}

static void snapshot(struct kinds *k)
{
	memset(k, 0, sizeof(*k));
	read_table("/proc/interrupts", "", ISO_CPU, k);
	read_table("/proc/softirqs", "softirq:", ISO_CPU, k);
}

/* @out = @b - @a, by name (names in @b). */
static void delta(const struct kinds *a, const struct kinds *b, struct kinds *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < b->n; i++) {
		unsigned long long before = 0;

		for (int j = 0; j < a->n; j++)
			if (!strcmp(a->name[j], b->name[i]))
				before = a->count[j];
		kinds_add(out, b->name[i], b->count[i] - before);
	}
}

static unsigned long long kinds_sum(const struct kinds *k)
{
	unsigned long long s = 0;

	for (int i = 0; i < k->n; i++)
		s += k->count[i];
	return s;
}

/* A kind every interrupt table prints, even when both phases saw 0. */
static bool kind_always(const char *name)
{
	return !strcmp(name, KIND_TICK) || !strcmp(name, KIND_RESCHED) ||
	       !strcmp(name, KIND_CALL) || !strcmp(name, KIND_TLB) ||
	       !strcmp(name, KIND_IRQ_WORK) || !strncmp(name, "IPI", 3);
}

static unsigned long long kinds_get(const struct kinds *k, const char *name)
{
	for (int i = 0; i < k->n; i++)
		if (!strcmp(k->name[i], name))
			return k->count[i];
	return 0;
}

/* ---- /proc/isolator/stats, by column name ---- */

#define STAT_COLS 16
struct stats {
	int ncol;
	char col[STAT_COLS][24];
	unsigned long long v[STAT_COLS];
};

static int read_stats(int cpu, struct stats *s)
{
	char line[512];
	FILE *f = fopen("/proc/isolator/stats", "r");
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		for (char *p = strtok(line, " \n"); p && s->ncol < STAT_COLS;
		     p = strtok(NULL, " \n"))
			snprintf(s->col[s->ncol++], sizeof(s->col[0]), "%s", p);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		struct stats t = *s;

		for (int i = 0; i < t.ncol; i++) {
			t.v[i] = strtoull(p, &end, 10);
			p = end;
		}
		if ((int)t.v[0] == cpu) {
			*s = t;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

static unsigned long long stat_get(const struct stats *s, const char *col)
{
	for (int i = 0; i < s->ncol; i++)
		if (!strcmp(s->col[i], col))
			return s->v[i];
	return ~0ULL;
}

static void print_stats_delta(const char *title, const struct stats *a,
			      const struct stats *b)
{
	printf("# %s (/proc/isolator/stats, cpu %d, delta):", title, ISO_CPU);
	for (int i = 2; i < b->ncol; i++)
		printf(" %s=%llu", b->col[i],
		       !strcmp(b->col[i], "max_tick_ns") ? b->v[i] : b->v[i] - a->v[i]);
	printf("\n");
}

/* ---- shared control block between a test and its spinner ---- */

struct shared {
	_Atomic int phase;	/* written by the controller */
	_Atomic int ack;	/* written by the spinner */
	_Atomic int err;
	_Atomic unsigned long spins;
};

static struct shared *shared_new(void)
{
	struct shared *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		die("mmap shared");
	memset(s, 0, sizeof(*s));
	return s;
}

static void wait_ack(struct shared *s, int v)
{
	while (atomic_load(&s->ack) != v)
		usleep(1000);
}

/* ---- cross-CPU kernel work on the housekeeping CPUs ---- */

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0) {
			/* best effort */
		}
		close(fd);
	}
}

enum load_kind {
	LOAD_MMAP, LOAD_MEMBARRIER, LOAD_FORK, LOAD_VMSTAT, LOAD_LRU,
	LOAD_TRACEPOINT, LOAD_TIMERS, LOAD_NR
};

static const char *const load_names[LOAD_NR] = {
	"mmap churn", "membarrier", "fork/exit", "vm.stat_refresh",
	"mlock (LRU drain)", "tracepoint toggle (text patching)", "timers",
};

static void load_child(enum load_kind kind)
{
	pin_housekeeping();
	/*
	 * The two loads that reach CPU 3 under stock nohz_full (per-CPU
	 * workqueue work and text-patching IPIs) get a larger share, so the
	 * baseline is the strongest this emulated machine gives.
	 */
	if (kind == LOAD_VMSTAT || kind == LOAD_TRACEPOINT)
		setpriority(PRIO_PROCESS, 0, -10);
	for (unsigned long i = 0;; i++) {
		switch (kind) {
		case LOAD_MMAP: {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p != MAP_FAILED) {
				for (int o = 0; o < (1 << 20); o += 4096)
					p[o] = 1;
				mprotect(p, 1 << 20, PROT_READ);
				munmap(p, 1 << 20);
			}
			break;
		}
		case LOAD_MEMBARRIER:
			syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
			syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
			break;
		case LOAD_FORK: {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid > 0)
				waitpid(pid, NULL, 0);
			break;
		}
		case LOAD_VMSTAT:
			write_file("/proc/sys/vm/stat_refresh", "1");
			break;
		case LOAD_LRU: {
			static char buf[1 << 16];

			buf[i % sizeof(buf)] = 1;
			mlock(buf, sizeof(buf));
			munlock(buf, sizeof(buf));
			break;
		}
		case LOAD_TRACEPOINT:
			write_file("/sys/kernel/tracing/events/sched/sched_waking/enable",
				   i & 1 ? "0" : "1");
			break;
		case LOAD_TIMERS: {
			struct timespec ts = { 0, 200000 };

			nanosleep(&ts, NULL);
			break;
		}
		default:
			break;
		}
	}
}

struct load {
	pid_t pid[LOAD_NR];
};

static void load_start(struct load *l)
{
	syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
	for (int k = 0; k < LOAD_NR; k++) {
		l->pid[k] = fork();
		if (l->pid[k] == 0) {
			load_child(k);
			_exit(0);
		}
	}
}

static void load_stop(struct load *l)
{
	for (int k = 0; k < LOAD_NR; k++)
		if (l->pid[k] > 0)
			kill(l->pid[k], SIGKILL);
	for (int k = 0; k < LOAD_NR; k++)
		if (l->pid[k] > 0)
			waitpid(l->pid[k], NULL, 0);
	write_file("/sys/kernel/tracing/events/sched/sched_waking/enable", "0");
}

#endif /* ISOLATOR_VM_COMMON_H */
