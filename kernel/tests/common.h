/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest tests of the isolator kernel extension.
 * Each test is a static program run by the initramfs init; it prints
 * "# ..." diagnostic lines and "ok - name" / "not ok - name" results,
 * which its stdout numbers (see ksft_tap_begin()) and vm/run.sh numbers
 * again into the suite's TAP. The same files are the kselftests of
 * tools/testing/selftests/isolator (kernel/selftests.sh): there the
 * runner judges a program by its exit status, 0 pass, KSFT_SKIP (4)
 * skipped, anything else failed, and prefixes its output with "# ".
 */
#ifndef ISOLATOR_VM_COMMON_H
#define ISOLATOR_VM_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

/*
 * As a kselftest a test may run on any machine: before main(), it ends
 * with KSFT_SKIP and says why unless it runs as root, on a kernel with the
 * isolator, with CPU ISO_CPU in nohz_full=. A test written for a boot of
 * its own (a vm-cmdline comment, which the kselftest Makefile compiles in
 * as KSFT_BOOT) also needs that boot's isolation parameters: each of
 * KSFT_BOOT_KEYS present with the same value, or absent, as there.
 */
#if __has_include("../kselftest.h")
/* in tools/testing/selftests/isolator: KSFT_SKIP, __printf, the header */
#include "../kselftest.h"
#else
/* the lib_t*.c of the project's own suite, built outside the kernel tree */
#define KSFT_SKIP 4
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(...)
static void ksft_print_header(void)
{
	printf("TAP version 13\n");
}
#endif
#ifndef KSFT_BOOT
#define KSFT_BOOT ""
#endif
#if defined(__x86_64__)
#define KSFT_BOOT_KEYS { "nohz_full", "isolcpus", "rcu_nocbs", "tsc" }
#else	/* vm/run.sh leaves x86's tsc= out of other architectures' boots */
#define KSFT_BOOT_KEYS { "nohz_full", "isolcpus", "rcu_nocbs" }
#endif

static __printf(1, 2) void ksft_skip_all(const char *fmt, ...);

static void ksft_skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("ok - %s # SKIP ", program_invocation_short_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(KSFT_SKIP);
}

/* The value of @key= in the blank-separated @cmdline into @val; false if absent. */
static bool ksft_boot_param(const char *cmdline, const char *key, char *val, size_t len)
{
	size_t n = strlen(key);

	for (const char *p = cmdline; *p;) {
		size_t w = strcspn(p, "\n ");

		if (w > n && !strncmp(p, key, n) && p[n] == '=') {
			snprintf(val, len, "%.*s", (int)(w - n - 1), p + n + 1);
			return true;
		}
		p += w;
		p += strspn(p, "\n ");
	}
	return false;
}

/* Is @cpu in the cpulist file @path ("3", "1-3", "2,3")? */
static bool ksft_cpu_listed(const char *path, int cpu)
{
	char buf[256], *p = buf, *end;
	FILE *f = fopen(path, "r");
	bool in = false;

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	while (*p >= '0' && *p <= '9') {
		long lo = strtol(p, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		in |= cpu >= lo && cpu <= hi;
		p = *end == ',' ? end + 1 : end;
	}
	return in;
}

/*
 * KTAP for kselftest's runner and its readers: "TAP version 13" first,
 * every result numbered ("ok 3 - name", "not ok 4 - name", "ok 5 - name
 * # SKIP why"), the plan "1..N" last, and KSFT_SKIP as the exit status of
 * a test whose every result was a skip. The plan comes last because a test
 * knows its number of results only at its end, and the numbers are not
 * kselftest.h's: results are printed by forked children too, whose
 * counters kselftest.h would keep apart. So the tests print "ok - ..." and
 * stdout is a line-buffered stream that numbers each result line on its
 * way to file descriptor 1, with counters in memory shared by this process
 * and its children.
 */
struct ksft_tap {
	atomic_int results, not_ok, skipped;
};

static struct ksft_tap *ksft_tap;
static pid_t ksft_main_pid;
/* the current line of this process, until its newline */
static char ksft_line[4096];
static size_t ksft_len;

static int ksft_write_all(const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

/* Write out ksft_line (ksft_len bytes), numbered if it is a result. */
static int ksft_tap_line(void)
{
	bool ok = !strncmp(ksft_line, "ok - ", 5);
	bool not_ok = !strncmp(ksft_line, "not ok - ", 9);
	char out[sizeof(ksft_line) + 16];
	int nr, n;

	if (!ok && !not_ok)
		return ksft_write_all(ksft_line, ksft_len);
	nr = atomic_fetch_add(&ksft_tap->results, 1) + 1;
	if (not_ok)
		atomic_fetch_add(&ksft_tap->not_ok, 1);
	else if (memmem(ksft_line, ksft_len, "# SKIP", 6))
		atomic_fetch_add(&ksft_tap->skipped, 1);
	n = snprintf(out, sizeof(out), "%s %d %.*s", ok ? "ok" : "not ok", nr,
		     (int)(ksft_len - (ok ? 3 : 7)), ksft_line + (ok ? 3 : 7));
	return ksft_write_all(out, n);	/* out has room for the number */
}

static ssize_t ksft_tap_write(void *cookie, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ksft_line[ksft_len++] = buf[i];
		/* a line longer than the buffer goes out in pieces, as it is */
		if (buf[i] != '\n' && ksft_len < sizeof(ksft_line))
			continue;
		if (ksft_tap_line() < 0)
			return i ? (ssize_t)i : -1;
		ksft_len = 0;
	}
	return n;
}

static void ksft_tap_end(int status, void *arg)
{
	int results, n_fail, n_skip;

	if (getpid() != ksft_main_pid)
		return;		/* a child that exit()s */
	fflush(stdout);
	if (ksft_len)
		printf("\n");	/* end a last line without its newline */
	results = atomic_load(&ksft_tap->results);
	n_fail = atomic_load(&ksft_tap->not_ok);
	n_skip = atomic_load(&ksft_tap->skipped);
	printf("1..%d\n", results);
	/* the totals line of kselftest.h's ksft_print_cnts() */
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       results - n_fail - n_skip, n_fail, n_skip);
	fflush(stdout);
	/* a "not ok" of a child fails the test too */
	if (status == 0 && n_fail)
		_exit(1);
	if (status == 0 && results && n_skip == results)
		_exit(KSFT_SKIP);
}

static void ksft_tap_begin(void)
{
	cookie_io_functions_t io = { .write = ksft_tap_write };
	FILE *f;

	ksft_tap = mmap(NULL, sizeof(*ksft_tap), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ksft_tap == MAP_FAILED)
		return;
	f = fopencookie(NULL, "w", io);
	if (!f)
		return;
	setvbuf(f, NULL, _IOLBF, 0);
	fflush(stdout);
	stdout = f;
	ksft_main_pid = getpid();
	on_exit(ksft_tap_end, NULL);
	ksft_print_header();
}

/* In a test's own program exec()ed by the test (t31): no TAP, no checks. */
#define KSFT_EXECED_ENV "ISOLATOR_KSFT_EXECED"

__attribute__((constructor)) static void ksft_environment(void)
{
	static const char *const keys[] = KSFT_BOOT_KEYS;
	char cmdline[4096] = "", want[128], have[128];
	FILE *f;

	if (getenv(KSFT_EXECED_ENV))
		return;
	ksft_tap_begin();
	if (geteuid() != 0)
		ksft_skip_all("needs root");
	if (access("/proc/isolator/control", F_OK))
		ksft_skip_all("no /proc/isolator: a kernel without the isolator (CONFIG_ISOLATOR)");
	if (!ksft_cpu_listed("/sys/devices/system/cpu/nohz_full", ISO_CPU))
		ksft_skip_all("needs CPU %d in nohz_full= (a 4-CPU boot with %s)", ISO_CPU,
			      "nohz_full=3 isolcpus=3 rcu_nocbs=3");
	if (!KSFT_BOOT[0])
		return;
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		bool w = ksft_boot_param(KSFT_BOOT, keys[i], want, sizeof(want));
		bool h = ksft_boot_param(cmdline, keys[i], have, sizeof(have));

		if (w != h || (w && strcmp(want, have)))
			ksft_skip_all("written for the boot \"%s\"", KSFT_BOOT);
	}
}

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

/* Spin @n iterations: a short delay that the compiler keeps. */
static void spin_delay(long n)
{
	for (long k = 0; k < n; k++)
		__asm__ __volatile__("" ::: "memory");
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

/* @policy for this task: SCHED_FIFO or SCHED_RR at 50, or SCHED_OTHER. */
static void set_policy(int policy)
{
	struct sched_param sp = { .sched_priority = policy == SCHED_OTHER ? 0 : 50 };

	if (sched_setscheduler(0, policy, &sp))
		die("sched_setscheduler");
}

/* Back to SCHED_OTHER (a child of a SCHED_FIFO controller). */
static void fair(void)
{
	struct sched_param sp = { 0 };

	if (sched_setscheduler(0, SCHED_OTHER, &sp))
		die("sched_setscheduler(SCHED_OTHER)");
}

/*
 * Does the kernel log say that sched_clock was marked unstable (by the TSC
 * watchdog, or by t27's test command)? The whole ring buffer is read.
 */
static bool clock_marked_unstable(void)
{
	int n = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *buf;
	bool found;

	if (n <= 0)
		return false;
	buf = calloc(1, n + 1);
	if (!buf)
		return false;
	n = klogctl(3, buf, n);		/* SYSLOG_ACTION_READ_ALL */
	found = n > 0 && strstr(buf, "sched_clock: Marking unstable");
	free(buf);
	return found;
}

#define CONTROL_FILE "/proc/isolator/control"

/* Write one command to CONTROL_FILE; 0 or -errno. */
static int control(const char *cmd)
{
	int fd = open(CONTROL_FILE, O_WRONLY);
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
	char line[512] = "";
	FILE *f = fopen("/proc/isolator/stats", "r");
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (!f)
		return -1;
	/* "version N" first since the prctl() series; the header follows */
	if (fgets(line, sizeof(line), f) && !strncmp(line, "version ", 8) &&
	    !fgets(line, sizeof(line), f))
		line[0] = 0;
	if (line[0])
		for (char *p = strtok(line, "\n "); p && s->ncol < STAT_COLS;
		     p = strtok(NULL, "\n "))
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
	atomic_int phase;	/* written by the controller */
	atomic_int ack;	/* written by the spinner */
	atomic_int err;
	atomic_ulong spins;
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
		(void)!write(fd, s, strlen(s));	/* best effort */
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

/* ---- time limits: a call that may hang, and what was stuck ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Print one file, each line prefixed, as TAP diagnostics. */
static void dump_file(const char *path, const char *prefix)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("# %s%s", prefix, line);
	fclose(f);
}

/*
 * The state of every thread of @pid: comm, scheduler state, wchan and the
 * kernel stack, which is what says where it waits.
 */
static void dump_task(pid_t pid)
{
	char path[96], tdir[64], buf[256];
	FILE *f;

	snprintf(tdir, sizeof(tdir), "/proc/%d/task", pid);
	for (int tid = pid; tid < pid + 64; tid++) {
		snprintf(path, sizeof(path), "%s/%d/stat", tdir, tid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			char *end = strrchr(buf, ')');
			int cpu = -1;

			/* field 39 is the CPU it last ran on */
			if (end) {
				char *p = end + 2;

				for (int i = 3; i < 39 && p; i++) {
					p = strchr(p, ' ');
					if (p)
						p++;
				}
				if (p)
					cpu = atoi(p);
			}
			buf[strcspn(buf, "\n")] = '\0';
			printf("# stuck task %d: state %c on cpu %d: %.60s\n", tid,
			       end ? end[2] : '?', cpu, buf);
		}
		fclose(f);
		snprintf(path, sizeof(path), "%s/%d/wchan", tdir, tid);
		f = fopen(path, "r");
		if (f) {
			if (fgets(buf, sizeof(buf), f))
				printf("#   wchan %s\n", buf);
			fclose(f);
		}
		snprintf(path, sizeof(path), "%s/%d/stack", tdir, tid);
		dump_file(path, "  ");
	}
	fflush(stdout);
}

static void sysrq_w(void)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	if (fd >= 0) {
		(void)!write(fd, "w", 1);	/* best effort: a diagnostic */
		close(fd);
	}
}

/*
 * Wait for @pid up to @secs. On timeout, print what is stuck (@pid and the
 * tasks in @also, then the kernel's list of blocked tasks), SIGKILL the
 * tasks in @also (the isolated task whose silence blocks @pid), wait for
 * @pid again, and return -ETIMEDOUT. Otherwise the exit status of @pid.
 * The limit only detects a hang; it is far above any normal duration.
 */
static int wait_limit(pid_t pid, double secs, const char *what, const pid_t *also, int nalso)
{
	double end = now_s() + secs;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0)
			return -ECHILD;
		if (now_s() > end)
			break;
		usleep(10000);
	}
	printf("# TIMEOUT: %s did not return within %.0f s; what is stuck:\n", what, secs);
	dump_task(pid);
	for (int i = 0; i < nalso; i++)
		if (also[i] > 0)
			dump_task(also[i]);
	sysrq_w();
	for (int i = 0; i < nalso; i++)
		if (also[i] > 0)
			kill(also[i], SIGKILL);
	end = now_s() + 60;
	while (waitpid(pid, &status, WNOHANG) == 0 && now_s() < end)
		usleep(10000);
	if (now_s() >= end) {
		printf("# %s still stuck 60 s after the isolated task was killed\n", what);
		kill(pid, SIGKILL);
	}
	fflush(stdout);
	return -ETIMEDOUT;
}

/*
 * Run @fn(@arg) in a child process under a time limit (see wait_limit()).
 * Return: @fn's return value (0 or -errno), or -ETIMEDOUT.
 */
static int call_limit(double secs, const char *what, int (*fn)(void *), void *arg,
		      const pid_t *also, int nalso)
{
	pid_t pid;
	int r;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(-fn(arg) & 0xff);
	if (pid < 0)
		return -errno;
	r = wait_limit(pid, secs, what, also, nalso);
	return r > 0 ? -r : r;
}

/* Write @val to sysfs/procfs @path; 0 or -errno. */
static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

struct cpu_online_arg {
	int cpu;
	int online;
};

static int cpu_online_fn(void *p)
{
	const struct cpu_online_arg *a = p;
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", a->cpu);
	return write_str(path, a->online ? "1" : "0");
}

/*
 * CPU hotplug needs CONFIG_HOTPLUG_CPU, which arm64's tinyconfig leaves out:
 * without it there is no cpuN/online file and a hotplug test has nothing to
 * test. Say so as a TAP skip and end the test, as kselftest's KSFT_SKIP.
 */
static void require_cpu_hotplug(const char *test)
{
	if (access("/sys/devices/system/cpu/cpu1/online", F_OK) == 0)
		return;
	printf("ok - %s: # SKIP no CPU hotplug in this kernel (CONFIG_HOTPLUG_CPU)\n", test);
	exit(KSFT_SKIP);
}

/* Offline or online @cpu under a time limit; 0 or -errno (-ETIMEDOUT). */
static int set_cpu_online(int cpu, int online, const pid_t *also, int nalso)
{
	struct cpu_online_arg a = { cpu, online };
	char what[64];

	snprintf(what, sizeof(what), "%s CPU %d", online ? "onlining" : "offlining", cpu);
	return call_limit(30, what, cpu_online_fn, &a, also, nalso);
}

/* The CPU @tid last ran on (field 39 of /proc/PID/stat), or -1. */
static int task_cpu(pid_t tid)
{
	char path[64], buf[512];
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	for (int i = 2; i < 39 && p; i++)
		p = strchr(p + 1, ' ');
	return p ? atoi(p + 1) : -1;
}

#define MAX_DEFER_FILE "/proc/isolator/max_defer_ms"

/* MAX_DEFER_FILE's value, or the contract's default 100 if absent. */
static long max_defer_ms(bool *present)
{
	FILE *f = fopen(MAX_DEFER_FILE, "r");
	long v = 100;

	if (present)
		*present = f;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 100;
		fclose(f);
	}
	return v;
}

/* /proc/isolator/culprits to the log, when it exists. */
static void dump_culprits(void)
{
	dump_file("/proc/isolator/culprits", "culprits: ");
}

/*
 * Every line of /proc/isolator/culprits after its header must be
 * "cpu waited_us sender pid work scans": six blank-separated fields,
 * numbers where numbers are, a work that names something (not empty, as
 * the bound's own finds once were: "3 108408 - 0 "). @scans is the number
 * of the bound's scans that saw the work held, the forcing one included:
 * 1 or 2 for a forced delivery (the scan that finds it, and the one a
 * bound later that forces it), 0 on a tick_dep line (no forced delivery).
 * Return the number of lines that are not (each printed), -1 without the
 * file or without the scans column (an older series); @lines gets the
 * number of lines, @over those of a forced delivery seen by more than 2
 * scans (each printed), @max_scans the largest scans.
 */
static int culprits_check(int *lines, int *over, int *max_scans)
{
	char line[256], sender[64], work[96], extra[8];
	FILE *f = fopen("/proc/isolator/culprits", "r");
	int bad = 0, cpu, pid, scans;
	unsigned long long waited;

	*lines = *over = *max_scans = 0;
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f) || !strstr(line, " scans")) {	/* the header */
		printf("# culprits header without scans: '%.*s'\n", (int)strcspn(line, "\n"), line);
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		bool tick_dep;

		(*lines)++;
		if (sscanf(line, "%d %llu %63s %d %95s %d %7s", &cpu, &waited, sender,
			   &pid, work, &scans, extra) != 6 || cpu != ISO_CPU ||
		    !strcmp(work, "-") || scans < 0) {
			printf("# malformed culprit line: '%.*s'\n",
			       (int)strcspn(line, "\n"), line);
			bad++;
			continue;
		}
		tick_dep = !strncmp(work, "tick_dep:", 9);
		if (tick_dep != !scans) {
			printf("# culprit line with scans %d for %s: '%.*s'\n", scans, work,
			       (int)strcspn(line, "\n"), line);
			bad++;
		}
		if (scans > *max_scans)
			*max_scans = scans;
		if (scans > 2) {
			printf("# held work seen by %d scans of the bound: '%.*s'\n", scans,
			       (int)strcspn(line, "\n"), line);
			(*over)++;
		}
	}
	fclose(f);
	return bad;
}

/* ---- loads that reach CPU 3, each counting its progress ---- */

/*
 * Each load loops on one kind of kernel work that must reach CPU 3 while a
 * task runs there: two in the isolated process's own address space (threads
 * of that process on CPUs 0-2), two system-wide. Each iteration's duration
 * is recorded, and the one in progress is visible too (@start_ns), so a
 * load blocked on the isolated CPU shows as a growing iteration rather than
 * as silence.
 */
enum pload_kind { PL_MEMBARRIER, PL_TLB, PL_TRACEPOINT, PL_VMSTAT, PL_NR };

static const char *const pload_names[PL_NR] = {
	"membarrier private-expedited (own mm)",
	"munmap TLB shootdown (own mm)",
	"tracepoint toggle (text patching)",
	"vm.stat_refresh (per-CPU work)",
};

/* Done by the kernel from a housekeeping CPU, per the contract (issue 10). */
static const bool pload_remote[PL_NR] = { false, false, true, true };

struct pcount {
	alignas(64) atomic_ulong iters;	/* one cache line per load */
	atomic_uint_least64_t max_ns;	/* longest completed iteration */
	atomic_uint_least64_t start_ns;	/* start of the one in progress, 0 if none */
	atomic_int run;		/* set by the controller: loop or pause */
	atomic_int quit;
	pid_t pid;			/* the process (or the thread) running it */
};

struct ploads {
	struct pcount c[PL_NR];
};

/* In a file mapping, so that a program exec()ed by `isolator run` finds it. */
static struct ploads *ploads_map(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	struct ploads *pl;

	if (fd < 0 || ftruncate(fd, sizeof(*pl)) < 0)
		die("ploads file");
	pl = mmap(NULL, sizeof(*pl), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (pl == MAP_FAILED)
		die("mmap ploads");
	return pl;
}

static void pcount_done(struct pcount *c, uint64_t t0)
{
	uint64_t dt = now_ns() - t0, m = atomic_load(&c->max_ns);

	while (dt > m && !atomic_compare_exchange_weak(&c->max_ns, &m, dt))
		;
	atomic_store(&c->start_ns, 0);
	atomic_fetch_add(&c->iters, 1);
}

static void pload_iteration(enum pload_kind kind, unsigned long i)
{
	switch (kind) {
	case PL_MEMBARRIER:
		syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
		break;
	case PL_TLB: {
		/* CPU 3 runs this mm: the unmap must flush its TLB */
		char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p != MAP_FAILED) {
			p[0] = 1;
			mprotect(p, 4 * 4096, PROT_READ);
			munmap(p, 4 * 4096);
		}
		break;
	}
	case PL_TRACEPOINT:
		write_file("/sys/kernel/tracing/events/sched/sched_switch/enable",
			   i & 1 ? "0" : "1");
		break;
	case PL_VMSTAT:
		write_file("/proc/sys/vm/stat_refresh", "1");
		break;
	default:
		break;
	}
}

static void pload_loop(struct pcount *c, enum pload_kind kind)
{
	pin_housekeeping();
	for (unsigned long i = 0; !atomic_load(&c->quit); i++) {
		uint64_t t0;

		if (!atomic_load(&c->run)) {
			usleep(2000);
			continue;
		}
		t0 = now_ns();
		atomic_store(&c->start_ns, t0);
		pload_iteration(kind, i);
		pcount_done(c, t0);
	}
}

struct pload_thread_arg {
	struct ploads *pl;
	enum pload_kind kind;
};

static void *pload_thread(void *p)
{
	struct pload_thread_arg *a = p;

	a->pl->c[a->kind].pid = syscall(__NR_gettid);
	pload_loop(&a->pl->c[a->kind], a->kind);
	return NULL;
}

/*
 * In the process that will run on CPU 3, before it takes SCHED_FIFO (the
 * threads must stay fair tasks): the loads of its own address space.
 */
static void ploads_start_threads(struct ploads *pl)
{
	static struct pload_thread_arg args[2];
	struct sched_param sp = { 0 };
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t t;

	syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
	/*
	 * Fair and on CPUs 0-2 from their first instruction: created by a
	 * SCHED_FIFO task on CPU 3, an inheriting thread would wait behind it.
	 */
	CPU_ZERO(&set);
	for (int c = load_first_cpu; c < ISO_CPU; c++)
		CPU_SET(c, &set);
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &sp);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	/*
	 * Small stacks: the process mlockall()s before it spins, and two
	 * default 8 MB stacks take that long to fault in under TCG + lockdep
	 * that CPU 3 stays in the kernel for seconds.
	 */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	args[0] = (struct pload_thread_arg){ pl, PL_MEMBARRIER };
	args[1] = (struct pload_thread_arg){ pl, PL_TLB };
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t, &attr, pload_thread, &args[i]) == 0)
			pthread_detach(t);
	pthread_attr_destroy(&attr);
}

/* In the controller: the system-wide loads, one process each. */
static void ploads_start_procs(struct ploads *pl)
{
	for (int k = PL_TRACEPOINT; k <= PL_VMSTAT; k++) {
		pid_t pid = fork();

		if (pid == 0) {
			/* the default share; the stock phase sets the baseline */
			pload_loop(&pl->c[k], k);
			_exit(0);
		}
		pl->c[k].pid = pid;
	}
}

/* Let the loads in @mask (bits of enum pload_kind) run, pause the rest. */
static void ploads_run(struct ploads *pl, unsigned int mask)
{
	for (int k = 0; k < PL_NR; k++)
		atomic_store(&pl->c[k].run, !!(mask & (1u << k)));
}

/*
 * Wait (up to @secs) until the paused loads are out of their iteration, so
 * that a window measures only the running ones. Return: false on timeout.
 */
static bool ploads_settle(struct ploads *pl, double secs)
{
	double end = now_s() + secs;

	for (;;) {
		bool busy = false;

		for (int k = 0; k < PL_NR; k++)
			busy |= !atomic_load(&pl->c[k].run) && atomic_load(&pl->c[k].start_ns);
		if (!busy)
			return true;
		if (now_s() > end)
			return false;
		usleep(2000);
	}
}

struct pstat {
	unsigned long iters[PL_NR];
	uint64_t max_ns[PL_NR];
};

/* Begin a measurement window: iterations so far, longest reset. */
static void ploads_begin(struct ploads *pl, struct pstat *p)
{
	for (int k = 0; k < PL_NR; k++) {
		p->iters[k] = atomic_load(&pl->c[k].iters);
		atomic_store(&pl->c[k].max_ns, 0);
	}
}

/*
 * End it: @p becomes the window's iterations and its longest iteration,
 * counting the one still in progress (a load blocked since the window began
 * shows 0 iterations and the whole window as its longest).
 */
static void ploads_end(struct ploads *pl, struct pstat *p)
{
	uint64_t t = now_ns();

	for (int k = 0; k < PL_NR; k++) {
		uint64_t s = atomic_load(&pl->c[k].start_ns);

		p->iters[k] = atomic_load(&pl->c[k].iters) - p->iters[k];
		p->max_ns[k] = atomic_load(&pl->c[k].max_ns);
		if (s && t - s > p->max_ns[k])
			p->max_ns[k] = t - s;
	}
}

static void ploads_stop(struct ploads *pl)
{
	for (int k = 0; k < PL_NR; k++)
		atomic_store(&pl->c[k].quit, 1);
	for (int k = PL_TRACEPOINT; k <= PL_VMSTAT; k++)
		if (pl->c[k].pid > 0) {
			kill(pl->c[k].pid, SIGKILL);
			waitpid(pl->c[k].pid, NULL, 0);
		}
	write_file("/sys/kernel/tracing/events/sched/sched_switch/enable", "0");
}

/* ---- a task that isolates CPU 3 and spins ---- */

static bool wait_ack_limit(struct shared *s, int v, double secs)
{
	double end = now_s() + secs;

	while (atomic_load(&s->ack) != v) {
		if (now_s() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/*
 * Fork a SCHED_FIFO task on CPU 3 that writes @cmd ("start ...") and spins,
 * counting in @s->spins; its result is in @s->err once @s->ack is 1. It
 * never writes "tick".
 */
static pid_t isolated_spinner(struct shared *s, const char *cmd)
{
	pid_t pid;

	atomic_store(&s->ack, 0);
	atomic_store(&s->err, 0);
	pid = fork();
	if (pid == 0) {
		pin(ISO_CPU);
		fifo(50);
		atomic_store(&s->err, control(cmd));
		atomic_store(&s->ack, 1);
		for (unsigned long i = 1;; i++) {
			atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
			/*
			 * Moved off CPU 3 (setaffinity, hotplug): stop being a
			 * SCHED_FIFO hog there, which would starve that CPU's
			 * kworkers, as any real-time application should.
			 */
			if (!(i & 0xfffff) && sched_getcpu() != ISO_CPU)
				fair();
		}
	}
	wait_ack(s, 1);
	return pid;
}

/*
 * Fork the isolated task of a test run in phases: in the child, pinned to
 * CPU 3 at @policy (SCHED_FIFO or SCHED_RR at 50, or SCHED_OTHER), it acks
 * 1 and waits for the controller's phase 1, spinning (counting in
 * @s->spins, so CPU 3 is out of idle and a stock window can be measured),
 * and returns 0; the controller gets the pid and waits for the ack.
 */
static pid_t fork_phased_as(struct shared *s, int policy)
{
	pid_t pid = fork();

	if (pid == 0) {
		pin(ISO_CPU);
		set_policy(policy);
		atomic_store(&s->ack, 1);
		while (atomic_load(&s->phase) < 1)
			atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
		return 0;
	}
	wait_ack(s, 1);
	return pid;
}

static pid_t fork_phased(struct shared *s)
{
	return fork_phased_as(s, SCHED_FIFO);
}

/*
 * The phases most tests need, on fork_phased_as(): at phase 1 the task
 * starts isolation ("start clock,resched,ipi") and acks 2, spins until
 * phase 2, stops, acks 3, spins on and exits at phase 3, counting in
 * @s->spins throughout. Its first error is in @s->err.
 */
static pid_t phased_spinner_as(struct shared *s, int policy)
{
	pid_t pid = fork_phased_as(s, policy);

	if (pid)
		return pid;
	atomic_store(&s->err, control("start clock,resched,ipi"));
	atomic_store(&s->ack, 2);
	while (atomic_load(&s->phase) < 2)
		atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
	if (!atomic_load(&s->err))
		atomic_store(&s->err, control("stop"));
	atomic_store(&s->ack, 3);
	while (atomic_load(&s->phase) < 3)
		atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
	_exit(0);
}

static pid_t phased_spinner(struct shared *s)
{
	return phased_spinner_as(s, SCHED_FIFO);
}

/* Did @s->spins advance within @secs? (The spinner runs at all.) */
static bool spins_advance(struct shared *s, double secs)
{
	unsigned long v = atomic_load(&s->spins);
	double end = now_s() + secs;

	while (now_s() < end) {
		usleep(10000);
		if (atomic_load(&s->spins) != v)
			return true;
	}
	return false;
}

/* SIGKILL @pid and reap it under a time limit: true if it died. */
static bool kill_limit(pid_t pid, double secs)
{
	kill(pid, SIGKILL);
	return wait_limit(pid, secs, "SIGKILL of the isolated task", NULL, 0) != -ETIMEDOUT;
}

static unsigned long long isolated_pid(void)
{
	struct stats st;

	return read_stats(ISO_CPU, &st) ? ~0ULL : stat_get(&st, "isolated");
}

/* Column @col of CPU 3's /proc/isolator/stats now (a counter: take deltas). */
static unsigned long long iso_stat(const char *col)
{
	struct stats st;

	if (read_stats(ISO_CPU, &st))
		die("read_stats");
	return stat_get(&st, col);
}

/* ---- an isolated spinner thread of this process (t24, t25) ---- */

struct iso_thread {
	pthread_t th;
	atomic_int started, err, quit;
	atomic_ulong spins;
	atomic_int tid;
};

static void *iso_thread_fn(void *arg)
{
	struct iso_thread *t = arg;

	pin(ISO_CPU);
	fifo(50);
	atomic_store(&t->tid, (pid_t)syscall(SYS_gettid));
	atomic_store(&t->err, control("start clock,resched,ipi"));
	atomic_store(&t->started, 1);
	while (!atomic_load(&t->quit))
		atomic_fetch_add_explicit(&t->spins, 1, memory_order_relaxed);
	control("stop");
	return NULL;
}

/*
 * A SCHED_FIFO thread of this process on CPU 3 that isolates it and spins
 * (in @t->spins) until iso_thread_stop(); back once its start returned.
 */
static void iso_thread_start(struct iso_thread *t)
{
	pthread_create(&t->th, NULL, iso_thread_fn, t);
	while (!atomic_load(&t->started))
		usleep(1000);
}

static void iso_thread_stop(struct iso_thread *t)
{
	atomic_store(&t->quit, 1);
	pthread_join(t->th, NULL);
}

/* Lines of /proc/isolator/culprits for CPU 3 whose work is @work. */
static int culprit_lines(const char *work)
{
	char line[256], w[64];
	int cpu, n = 0;
	FILE *f = fopen("/proc/isolator/culprits", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %*s %*s %*s %63s", &cpu, w) == 2 && cpu == ISO_CPU &&
		    !strcmp(w, work))
			n++;
	fclose(f);
	return n;
}

#endif /* ISOLATOR_VM_COMMON_H */
