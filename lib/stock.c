// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The stock backend's system-wide steps: what a stock kernel lets a
 * privileged process change at run time for one CPU. Each step that fails is
 * recorded with its reason and the others still apply; each change to a
 * setting outside the process is journaled first, so that isolator_stop() or,
 * after a crash, `isolator revert` puts it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The steps' names, here where the steps' failures are written down. */
static const char *const step_names[] = {
	"pin", "fifo", "mlock", "dma_latency", "irq_steer", "cpuset", "kernel",
};

ISOLATOR_API const char *isolator_step_name(unsigned step)
{
	if (!step || (step & (step - 1)) || (unsigned)__builtin_ctz(step) >= ARRAY_SIZE(step_names))
		return "?";
	return step_names[__builtin_ctz(step)];
}

static void note_failure(struct stock_system *sys, unsigned step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note_failure(struct stock_system *sys, unsigned step, const char *fmt, ...)
{
	size_t n = strlen(sys->reasons);
	va_list ap;

	sys->failed |= step;
	if (n >= sizeof(sys->reasons) - 1)
		return;
	n += (size_t)snprintf(sys->reasons + n, sizeof(sys->reasons) - n, "%s: ",
			      isolator_step_name(step));
	if (n >= sizeof(sys->reasons) - 1)
		return;
	va_start(ap, fmt);
	n += (size_t)vsnprintf(sys->reasons + n, sizeof(sys->reasons) - n, fmt, ap);
	va_end(ap);
	if (n < sizeof(sys->reasons) - 1) {
		sys->reasons[n] = '\n';
		sys->reasons[n + 1] = '\0';
	}
}

/* Holding the file open with 0 written keeps every CPU out of deep C-states
 * (PM QoS); closing it drops the request, so a crash cannot leak it. */
static void hold_dma_latency(struct stock_system *sys, const char *sysroot)
{
	char path[512];
	int32_t zero = 0;

	if (sysroot_path(path, sizeof(path), sysroot, "/dev/cpu_dma_latency"))
		return;
	sys->dma_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (sys->dma_fd < 0) {
		note_failure(sys, ISOLATOR_STEP_DMA_LATENCY, "%s: %s", path, strerror(errno));
		return;
	}
	if (write(sys->dma_fd, &zero, sizeof(zero)) != sizeof(zero)) {
		note_failure(sys, ISOLATOR_STEP_DMA_LATENCY, "%s: %s", path, strerror(errno));
		close(sys->dma_fd);
		sys->dma_fd = -1;
		return;
	}
	sys->applied |= ISOLATOR_STEP_DMA_LATENCY;
}

static int open_journal(struct stock_system *sys)
{
	if (sys->journal)
		return 0;
	snprintf(sys->journal_file, sizeof(sys->journal_file), "%s/session-%d.journal",
		 journal_dir(), (int)getpid());
	struct isolator_cpuset cpus = { { 0 } };

	isolator_cpuset_add(&cpus, (unsigned)sys->cpu);
	sys->journal = journal_create(sys->journal_file, NULL, &cpus);
	return sys->journal ? 0 : -errno;
}

static void steer_irqs(struct stock_system *sys, const char *sysroot)
{
	struct isolator_cpuset taken = { { 0 } }; /* filled with the others' CPUs */
	int err = open_journal(sys);

	if (err) {
		note_failure(sys, ISOLATOR_STEP_IRQ_STEER, "%s", isolator_errmsg());
		return;
	}
	err = irq_steer_away(sysroot, (unsigned)sys->cpu, &taken, sys->journal, &sys->irqs_moved,
			     &sys->irqs_unmovable);
	if (err) {
		note_failure(sys, ISOLATOR_STEP_IRQ_STEER, "%s", isolator_errmsg());
		return;
	}
	sys->applied |= ISOLATOR_STEP_IRQ_STEER;
	if (sys->irqs_unmovable) {
		char list[256] = "";

		isolator_cpuset_del(&taken, (unsigned)sys->cpu);
		if (isolator_cpuset_count(&taken))
			isolator_cpuset_format(&taken, list, sizeof(list));
		note_failure(sys, ISOLATOR_STEP_IRQ_STEER, "%u IRQs stay: the kernel refused a new "
			     "affinity%s%s%s", sys->irqs_unmovable,
			     *list ? ", or every other CPU of theirs is isolated (CPU " : "", list,
			     *list ? " by another session or apply)" : "");
	}
}

static int count_threads(const char *sysroot, pid_t pid)
{
	char path[512], buf[4096];
	int threads = -1;

	if (sysroot_path(path, sizeof(path), sysroot, "/proc/%d/status", (int)pid) ||
	    read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	for (char *p = strstr(buf, "Threads:"); p; p = NULL)
		threads = atoi(p + 8);
	return threads;
}

/*
 * A cgroup-v2 cpuset partition of type "isolated" takes the CPU out of the
 * scheduler's load balancing and out of every other cgroup's cpuset, which is
 * what isolcpus= does at boot. The process must move into it whole (cpusets
 * confine every thread of a cgroup), so this step is only taken for a
 * single-threaded process.
 */
static void cpuset_partition(struct stock_system *sys, const char *sysroot, pid_t pid)
{
	char mnt[512], path[700], buf[4096], cpu[16];
	const char *why = NULL;
	int err;

	if (cgroup2_mount(sysroot, mnt, sizeof(mnt)) < 0) {
		note_failure(sys, ISOLATOR_STEP_CPUSET, "no cgroup v2 hierarchy mounted");
		return;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mnt);
	if (read_text(path, buf, sizeof(buf)) < 0 || !strstr(buf, "cpuset")) {
		note_failure(sys, ISOLATOR_STEP_CPUSET,
			     "cpuset controller not enabled in %s (bound to cgroup v1?)", path);
		return;
	}
	if (count_threads(sysroot, pid) != 1) {
		note_failure(sys, ISOLATOR_STEP_CPUSET,
			     "process %d has several threads; a partition would confine them all",
			     (int)pid);
		return;
	}
	snprintf(path, sizeof(path), "%s/%d/cgroup", "/proc", (int)pid);
	{
		char p2[512];

		if (sysroot_path(p2, sizeof(p2), sysroot, "%s", path) || read_text(p2, buf, sizeof(buf)) < 0 ||
		    strncmp(buf, "0::", 3)) {
			note_failure(sys, ISOLATOR_STEP_CPUSET, "cannot read the cgroup of %d", (int)pid);
			return;
		}
		snprintf(sys->cpuset_orig, sizeof(sys->cpuset_orig), "%s%s", mnt, buf + 3);
	}
	snprintf(sys->cpuset_dir, sizeof(sys->cpuset_dir), "%s/isolator.cpu%d", mnt, sys->cpu);
	err = open_journal(sys);
	if (!err) {
		/* journal the move back first: "cgroup:<dir>" restores by moving
		 * the tasks to <old> and removing <dir> */
		snprintf(path, sizeof(path), "cgroup:%s", sys->cpuset_dir);
		err = journal_record(sys->journal, path, sys->cpuset_orig, "");
	}
	if (err || mkdir(sys->cpuset_dir, 0755) < 0) {
		note_failure(sys, ISOLATOR_STEP_CPUSET, "%s: %s", sys->cpuset_dir,
			     strerror(err ? -err : errno));
		sys->cpuset_dir[0] = '\0';
		return;
	}
	snprintf(cpu, sizeof(cpu), "%d", sys->cpu);
	snprintf(path, sizeof(path), "%s/cpuset.cpus", sys->cpuset_dir);
	if (write_text(path, cpu))
		why = "cpuset.cpus";
	snprintf(path, sizeof(path), "%s/cpuset.cpus.partition", sys->cpuset_dir);
	if (!why && write_text(path, "isolated"))
		why = "cpuset.cpus.partition";
	if (!why && (read_text(path, buf, sizeof(buf)) < 0 || strcmp(buf, "isolated")))
		why = "the kernel made the partition invalid";
	snprintf(path, sizeof(path), "%s/cgroup.procs", sys->cpuset_dir);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (!why && write_text(path, buf))
		why = "moving the process in";
	if (why) {
		rmdir(sys->cpuset_dir);
		note_failure(sys, ISOLATOR_STEP_CPUSET, "%s: %s", sys->cpuset_dir, why);
		sys->cpuset_dir[0] = '\0';
		return;
	}
	sys->applied |= ISOLATOR_STEP_CPUSET;
}

int stock_system_apply(struct stock_system *sys, const char *sysroot, unsigned cpu,
		       const struct isolator_params *params, pid_t pid)
{
	int err;

	memset(sys, 0, sizeof(*sys));
	sys->cpu = (int)cpu;
	sys->dma_fd = -1;
	sys->claim.fd = -1;
	/* nothing system-wide asked for (run --isolate's child: its parent
	 * holds those): nothing to own */
	if (!params->hold_dma_latency && !params->steer_irqs && !params->cpuset_partition)
		return 0;
	err = cpu_claim(cpu, &sys->claim);
	if (err == -EBUSY || (err && geteuid() == 0))
		return err; /* said why; nothing changed */
	if (err) {
		/* not root: nothing system-wide could change anyway */
		unsigned steps = (params->hold_dma_latency ? ISOLATOR_STEP_DMA_LATENCY : 0) |
				 (params->steer_irqs ? ISOLATOR_STEP_IRQ_STEER : 0) |
				 (params->cpuset_partition ? ISOLATOR_STEP_CPUSET : 0);

		for (unsigned b = 1; b <= ISOLATOR_STEP_KERNEL; b <<= 1)
			if (steps & b)
				note_failure(sys, b, "needs root (the CPU's owner lock in %s)",
					     journal_dir());
		return 0;
	}
	/* the journal first, before any change: a name that is taken (a link
	 * or file planted there, a dead session's journal) refuses the session
	 * whole, as apply is refused, rather than letting it run unsteered */
	if ((params->steer_irqs || params->cpuset_partition) && (err = open_journal(sys)) < 0) {
		cpu_release(&sys->claim);
		return err;
	}
	if (params->hold_dma_latency)
		hold_dma_latency(sys, sysroot);
	if (params->steer_irqs)
		steer_irqs(sys, sysroot);
	if (params->cpuset_partition)
		cpuset_partition(sys, sysroot, pid);
	return 0;
}

int stock_system_restore(struct stock_system *sys, const char *sysroot)
{
	int err = 0;

	if (sys->dma_fd >= 0) {
		close(sys->dma_fd);
		sys->dma_fd = -1;
	}
	if (sys->journal) {
		journal_close(sys->journal);
		sys->journal = NULL;
		err = journal_restore(sys->journal_file, sysroot, NULL, NULL);
		if (err > 0)
			err = 0;
	}
	cpu_release(&sys->claim); /* last: nobody takes the CPU while we restore */
	return err;
}

/* sched_rt_runtime_us of -1 disables RT throttling; anything else (95% by
 * default) makes the kernel run other tasks on a CPU a SCHED_FIFO loop
 * never leaves, which a spinning loop sees as ~50 ms gaps every second. */
static int rt_throttled(const char *sysroot)
{
	char path[512], buf[64];

	if (sysroot_path(path, sizeof(path), sysroot, "/proc/sys/kernel/sched_rt_runtime_us") ||
	    read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	return strcmp(buf, "-1") != 0;
}

unsigned stock_remaining_sources(const char *sysroot, unsigned cpu, unsigned applied)
{
	unsigned remaining = ISOLATOR_SOURCE_IPI | ISOLATOR_SOURCE_RESCHED;
	int nohz_full = sysfs_lists_cpu(sysroot, "nohz_full", cpu);

	/* nohz_full stops the tick only while one task runs, and leaves the
	 * residual 1 Hz tick and the deadline fair-server timer */
	remaining |= nohz_full ? ISOLATOR_SOURCE_RESIDUAL_TICK : ISOLATOR_SOURCE_TICK;
	/* nohz_full implies callback offloading on kernels since 5.x */
	if (!nohz_full && !cmdline_lists_cpu(sysroot, "rcu_nocbs", cpu))
		remaining |= ISOLATOR_SOURCE_RCU;
	if (!(applied & ISOLATOR_STEP_IRQ_STEER))
		remaining |= ISOLATOR_SOURCE_DEVICE_IRQ;
	if (!(applied & ISOLATOR_STEP_FIFO) ||
	    (!(applied & ISOLATOR_STEP_CPUSET) && !sysfs_lists_cpu(sysroot, "isolated", cpu)))
		remaining |= ISOLATOR_SOURCE_PREEMPTION;
	if (!(applied & ISOLATOR_STEP_DMA_LATENCY))
		remaining |= ISOLATOR_SOURCE_CSTATE;
	if (!(applied & ISOLATOR_STEP_MLOCK))
		remaining |= ISOLATOR_SOURCE_PAGE_FAULT;
	if ((applied & ISOLATOR_STEP_FIFO) && rt_throttled(sysroot))
		remaining |= ISOLATOR_SOURCE_RT_THROTTLE;
	return remaining;
}
