// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every item of `isolator check` in pass, warn and fail on fake sysroots:
 * each case starts from a fresh tree (4 CPUs, CPU 1 checked), writes the
 * files that make its verdict, and asserts the status of that one item.
 */
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "../tune/tune.h"
#include "fakeroot.h"
#include "tap.h"

#define STR_(x) #x
#define STR(x) STR_(x)

struct file {
	const char *rel, *text;
};

struct scenario {
	const char *id;
	enum tune_status want;
	const char *what;
	struct file files[8];
	void (*extra)(const char *root);
};

/* A kernel thread (PF_KTHREAD in field 9) with Cpus_allowed_list @allowed
 * that last ran on @last (field 39). */
static void fake_task(const char *root, int pid, const char *comm, unsigned long flags,
		      const char *allowed, int last)
{
	char rel[64], text[1024];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "%d (%s) S 2 0 0 0 -1 %lu", pid, comm, flags);
	for (int field = 10; field < 39; field++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " 0");
	snprintf(text + n, sizeof(text) - n, " %d 0 0\n", last);
	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	fake_write(root, rel, text);
	snprintf(text, sizeof(text), "Name:\t%s\nCpus_allowed_list:\t%s\n", comm, allowed);
	snprintf(rel, sizeof(rel), "proc/%d/status", pid);
	fake_write(root, rel, text);
}

#define PF_KTHREAD 0x00200000ul

static void kt_bound(const char *root) { fake_task(root, 20, "ksoftirqd/1", PF_KTHREAD, "1", 1); }
static void kt_unbound_away(const char *root)
{
	kt_bound(root);
	fake_task(root, 21, "kworker/u8:0", PF_KTHREAD, "0-3", 0);
	fake_task(root, 22, "bash", 0x400000, "0-3", 1); /* user space: not counted */
}
static void kt_unbound_here(const char *root)
{
	kt_unbound_away(root);
	fake_task(root, 23, "rcu_preempt", PF_KTHREAD, "0-3", 1);
}

static void holder(const char *root)
{
	char dir[512], link[600];

	snprintf(dir, sizeof(dir), "%s/proc/77/fd", root);
	fake_mkdirs(dir);
	snprintf(link, sizeof(link), "%s/3", dir);
	if (symlink("/dev/cpu_dma_latency", link) < 0)
		perror(link);
}

static void msr(const char *root, uint64_t count)
{
	char path[512];
	int fd;

	fake_write(root, "dev/cpu/1/msr", "");
	snprintf(path, sizeof(path), "%s/dev/cpu/1/msr", root);
	fd = open(path, O_WRONLY);
	if (fd < 0 || pwrite(fd, &count, sizeof(count), 0x34) != sizeof(count))
		perror(path);
	close(fd);
}
static void smi0(const char *root) { msr(root, 0); }
static void smi3(const char *root) { msr(root, 3); }
static void smi1000(const char *root) { msr(root, 1000); }

static void irqbalance_running(const char *root)
{
	fake_write(root, "proc/812/comm", "irqbalance\n");
}

#define IDLE(n, lat) { "sys/devices/system/cpu/cpu1/cpuidle/state" #n "/name", "S" #n }, \
		     { "sys/devices/system/cpu/cpu1/cpuidle/state" #n "/latency", #lat }
#define ALL_IRQS_ON_0 { "proc/irq/10/smp_affinity_list", "0" }, { "proc/irq/11/smp_affinity_list", "0" }, \
		      { "proc/irq/12/smp_affinity_list", "0" }, \
		      { "proc/irq/13/smp_affinity_list", "2-3" }
#define CMDLINE(s) { "proc/cmdline", s }

static const struct scenario scenarios[] = {
	{ "preempt_rt", TUNE_PASS, "PREEMPT_RT in uname -v", { { "proc/sys/kernel/version", "#1 SMP PREEMPT_RT Thu" } } },
	{ "preempt_rt", TUNE_PASS, "/sys/kernel/realtime = 1", { { "proc/sys/kernel/version", "#1 SMP" }, { "sys/kernel/realtime", "1" } } },
	{ "preempt_rt", TUNE_WARN, "PREEMPT_DYNAMIC", { { "proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC @0" } } },
	{ "preempt_rt", TUNE_FAIL, "no preemption", { { "proc/sys/kernel/version", "#1 SMP Debian" } } },
	{ "preempt_rt", TUNE_SKIP, "no version", { { NULL } } },

	{ "isolcpus", TUNE_PASS, "isolcpus=domain,managed_irq,1-3", { CMDLINE("quiet isolcpus=domain,managed_irq,1-3") } },
	{ "isolcpus", TUNE_PASS, "isolcpus=1 (no flags)", { CMDLINE("isolcpus=1") } },
	{ "isolcpus", TUNE_WARN, "isolcpus=nohz,1: no domain", { CMDLINE("isolcpus=nohz,1") } },
	{ "isolcpus", TUNE_WARN, "run-time isolated partition only", { CMDLINE("quiet"), { "sys/devices/system/cpu/isolated", "1" } } },
	{ "isolcpus", TUNE_FAIL, "not isolated", { CMDLINE("quiet isolcpus=2-3") } },
	{ "isolcpus", TUNE_FAIL, "params after -- are init's", { CMDLINE("quiet -- isolcpus=1") } },

	{ "nohz_full", TUNE_PASS, "given and active", { CMDLINE("nohz_full=1"), { "sys/devices/system/cpu/nohz_full", "1" } } },
	{ "nohz_full", TUNE_WARN, "given, kernel ignores it", { CMDLINE("nohz_full=1") } },
	{ "nohz_full", TUNE_FAIL, "absent", { CMDLINE("quiet") } },

	{ "rcu_nocbs", TUNE_PASS, "rcu_nocbs=1-3", { CMDLINE("rcu_nocbs=1-3") } },
	{ "rcu_nocbs", TUNE_WARN, "implied by nohz_full", { CMDLINE("nohz_full=1") } },
	{ "rcu_nocbs", TUNE_FAIL, "absent", { CMDLINE("quiet") } },
	/* the kernel's own CPU-list syntax on its command line */
	{ "rcu_nocbs", TUNE_PASS, "rcu_nocbs=all", { CMDLINE("rcu_nocbs=all") } },
	{ "rcu_nocbs", TUNE_PASS, "rcu_nocbs=1-N", { CMDLINE("rcu_nocbs=1-N"), { "sys/devices/system/cpu/possible", "0-3" } } },
	{ "rcu_nocbs", TUNE_PASS, "rcu_nocbs=N with CPU 1 last", { CMDLINE("rcu_nocbs=N"), { "sys/devices/system/cpu/possible", "0-1" } } },
	{ "rcu_nocbs", TUNE_PASS, "rcu_nocbs=1-3:1/2 (1,3)", { CMDLINE("rcu_nocbs=1-3:1/2") } },
	{ "isolcpus", TUNE_PASS, "isolcpus=domain,managed_irq,1-N", { CMDLINE("isolcpus=domain,managed_irq,1-N") } },

	{ "irqaffinity", TUNE_PASS, "irqaffinity=0", { CMDLINE("irqaffinity=0") } },
	{ "irqaffinity", TUNE_WARN, "absent", { CMDLINE("quiet") } },
	{ "irqaffinity", TUNE_FAIL, "irqaffinity=0-1 includes 1", { CMDLINE("irqaffinity=0-1") } },

	{ "irq_affinity", TUNE_PASS, "no IRQ on 1, default 1", { ALL_IRQS_ON_0, { "proc/irq/default_smp_affinity", "1" } } },
	{ "irq_affinity", TUNE_WARN, "no IRQ on 1, default f", { ALL_IRQS_ON_0, { "proc/irq/default_smp_affinity", "f" } } },
	{ "irq_affinity", TUNE_FAIL, "IRQ 10 -> 0-3", { { NULL } } },

	{ "cpufreq_governor", TUNE_PASS, "performance", { { "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "performance" } } },
	{ "cpufreq_governor", TUNE_WARN, "userspace", { { "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "userspace" } } },
	{ "cpufreq_governor", TUNE_FAIL, "powersave", { { "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave" } } },
	{ "cpufreq_governor", TUNE_SKIP, "no cpufreq", { { NULL } } },

	{ "cstates", TUNE_PASS, "only POLL", { IDLE(0, 0) } },
	{ "cstates", TUNE_PASS, "deep state, held at 0", { IDLE(0, 0), IDLE(1, 100), { "dev/cpu_dma_latency", "0" } }, holder },
	{ "cstates", TUNE_PASS, "no driver, idle=poll", { CMDLINE("idle=poll") } },
	{ "cstates", TUNE_WARN, "C1 at 2 us", { IDLE(0, 0), IDLE(1, 2) } },
	{ "cstates", TUNE_WARN, "no driver: HLT", { { "sys/devices/system/cpu/cpuidle/current_driver", "none" } } },
	{ "cstates", TUNE_FAIL, "C6 at 100 us, no holder", { IDLE(0, 0), IDLE(1, 2), IDLE(2, 100) } },
	{ "cstates", TUNE_WARN, "C6 disabled", { IDLE(0, 0), IDLE(1, 2), IDLE(2, 100), { "sys/devices/system/cpu/cpu1/cpuidle/state2/disable", "1" } } },

	{ "cpu_dma_latency", TUNE_PASS, "held at 0", { { "dev/cpu_dma_latency", "0" } }, holder },
	{ "cpu_dma_latency", TUNE_WARN, "held at 100 us", { { "dev/cpu_dma_latency", "100" } }, holder },
	{ "cpu_dma_latency", TUNE_WARN, "not held, no idle states", { { "dev/cpu_dma_latency", "2000000000" } } },
	{ "cpu_dma_latency", TUNE_FAIL, "not held, C6 allowed", { { "dev/cpu_dma_latency", "2000000000" }, IDLE(0, 0), IDLE(1, 100) } },

	{ "smt_sibling", TUNE_PASS, "no sibling", { { "sys/devices/system/cpu/cpu1/topology/thread_siblings_list", "1" } } },
	{ "smt_sibling", TUNE_PASS, "sibling checked too", { { "sys/devices/system/cpu/cpu1/topology/thread_siblings_list", "1,3" } } },
	{ "smt_sibling", TUNE_WARN, "sibling isolated", { { "sys/devices/system/cpu/cpu1/topology/thread_siblings_list", "1,3" }, { "sys/devices/system/cpu/isolated", "3" } } },
	{ "smt_sibling", TUNE_FAIL, "sibling busy", { { "sys/devices/system/cpu/cpu1/topology/thread_siblings_list", "1,3" }, { "proc/stat", "cpu 1 1 1 1\ncpu3 500 0 100 400 0 0 0 0\n" } } },
	{ "smt_sibling", TUNE_SKIP, "no topology", { { NULL } } },

	{ "rt_throttling", TUNE_PASS, "-1", { { "proc/sys/kernel/sched_rt_runtime_us", "-1" } } },
	{ "rt_throttling", TUNE_WARN, "950000 (default)", { { "proc/sys/kernel/sched_rt_runtime_us", "950000" } } },
	{ "rt_throttling", TUNE_FAIL, "500000", { { "proc/sys/kernel/sched_rt_runtime_us", "500000" } } },

	{ "timer_migration", TUNE_PASS, "0", { { "proc/sys/kernel/timer_migration", "0" } } },
	{ "timer_migration", TUNE_WARN, "1 on a nohz_full CPU", { { "proc/sys/kernel/timer_migration", "1" }, { "sys/devices/system/cpu/nohz_full", "1" } } },
	{ "timer_migration", TUNE_FAIL, "1", { { "proc/sys/kernel/timer_migration", "1" } } },

	{ "watchdogs", TUNE_PASS, "all off", { { "proc/sys/kernel/watchdog", "0" }, { "proc/sys/kernel/nmi_watchdog", "1" }, { "proc/sys/kernel/soft_watchdog", "1" } } },
	{ "watchdogs", TUNE_PASS, "CPU not in watchdog_cpumask", { { "proc/sys/kernel/watchdog", "1" }, { "proc/sys/kernel/nmi_watchdog", "1" }, { "proc/sys/kernel/soft_watchdog", "1" }, { "proc/sys/kernel/watchdog_cpumask", "0,2-3" } } },
	{ "watchdogs", TUNE_WARN, "soft lockup only", { { "proc/sys/kernel/watchdog", "1" }, { "proc/sys/kernel/nmi_watchdog", "0" }, { "proc/sys/kernel/soft_watchdog", "1" } } },
	{ "watchdogs", TUNE_FAIL, "NMI watchdog", { { "proc/sys/kernel/watchdog", "1" }, { "proc/sys/kernel/nmi_watchdog", "1" }, { "proc/sys/kernel/soft_watchdog", "1" }, { "proc/sys/kernel/watchdog_cpumask", "0-3" } } },

	{ "thp", TUNE_PASS, "never", { { "sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]" } } },
	{ "thp", TUNE_WARN, "madvise", { { "sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never" } } },
	{ "thp", TUNE_FAIL, "always", { { "sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never" } } },

	{ "ksm", TUNE_PASS, "off", { { "sys/kernel/mm/ksm/run", "0" }, { "sys/kernel/mm/ksm/pages_shared", "0" } } },
	{ "ksm", TUNE_WARN, "off, merged pages left", { { "sys/kernel/mm/ksm/run", "0" }, { "sys/kernel/mm/ksm/pages_shared", "12" } } },
	{ "ksm", TUNE_FAIL, "running", { { "sys/kernel/mm/ksm/run", "1" } } },

	{ "workqueue_cpumask", TUNE_PASS, "mask 1 (CPU 0)", { { "sys/devices/virtual/workqueue/cpumask", "1" }, { "sys/devices/virtual/workqueue/writeback/cpumask", "d" } } },
	{ "workqueue_cpumask", TUNE_WARN, "writeback's own mask f", { { "sys/devices/virtual/workqueue/cpumask", "1" }, { "sys/devices/virtual/workqueue/writeback/cpumask", "f" } } },
	{ "workqueue_cpumask", TUNE_FAIL, "mask f", { { "sys/devices/virtual/workqueue/cpumask", "f" } } },
	{ "workqueue_cpumask", TUNE_FAIL, "wide mask 00000000,0000000f", { { "sys/devices/virtual/workqueue/cpumask", "00000000,0000000f" } } },

	{ "clocksource", TUNE_PASS, "tsc, tsc=reliable", { { "sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc" }, CMDLINE("tsc=reliable") } },
	{ "clocksource", TUNE_PASS, "arch_sys_counter", { { "sys/devices/system/clocksource/clocksource0/current_clocksource", "arch_sys_counter" } } },
	{ "clocksource", TUNE_WARN, "tsc, watchdog on", { { "sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc" } } },
	{ "clocksource", TUNE_WARN, "kvm-clock", { { "sys/devices/system/clocksource/clocksource0/current_clocksource", "kvm-clock" } } },
	{ "clocksource", TUNE_FAIL, "hpet", { { "sys/devices/system/clocksource/clocksource0/current_clocksource", "hpet" } } },

	{ "smi", TUNE_PASS, "0 SMIs", { { "proc/uptime", "100000.0 1.0" } }, smi0 },
	{ "smi", TUNE_WARN, "3 SMIs in a day", { { "proc/uptime", "100000.0 1.0" } }, smi3 },
	{ "smi", TUNE_FAIL, "1000 SMIs in a minute", { { "proc/uptime", "60.0 1.0" } }, smi1000 },
	{ "smi", TUNE_SKIP, "no msr device", { { NULL } } },

	{ "rcu_boost", TUNE_PASS, "no boost threads", { { "sys/module/rcutree/parameters/kthread_prio", "1" } } },
	{ "rcu_boost", TUNE_PASS, "kthread_prio 99", { { "sys/module/rcutree/parameters/kthread_prio", "99" }, { "proc/18/comm", "rcub/0" } } },
	/* at libisolator's default priority the boost does not preempt the loop */
	{ "rcu_boost", TUNE_WARN, "kthread_prio at ISOLATOR_DEFAULT_FIFO_PRIORITY with rcub/0", { { "sys/module/rcutree/parameters/kthread_prio", STR(ISOLATOR_DEFAULT_FIFO_PRIORITY) }, { "proc/18/comm", "rcub/0" } } },
	{ "rcu_boost", TUNE_WARN, "kthread_prio 50 with rcub/0", { { "sys/module/rcutree/parameters/kthread_prio", "50" }, { "proc/18/comm", "rcub/0" } } },
	{ "rcu_boost", TUNE_FAIL, "kthread_prio 1 with rcub/0", { { "sys/module/rcutree/parameters/kthread_prio", "1" }, { "proc/18/comm", "rcub/0" } } },
	{ "rcu_boost", TUNE_SKIP, "no rcutree", { { NULL } } },

	{ "kthreads", TUNE_PASS, "only per-CPU threads", { { NULL } }, kt_bound },
	{ "kthreads", TUNE_WARN, "unbound thread allowed, ran elsewhere", { { NULL } }, kt_unbound_away },
	{ "kthreads", TUNE_FAIL, "unbound thread ran on the CPU", { { NULL } }, kt_unbound_here },

	{ "isolator_kernel", TUNE_PASS, "control and stats", { { "proc/isolator/control", "" }, { "proc/isolator/stats", "cpu 1" } } },
	{ "isolator_kernel", TUNE_WARN, "absent", { { NULL } } },
	{ "isolator_kernel", TUNE_FAIL, "control missing", { { "proc/isolator/stats", "cpu 1" } } },

	/* what tuned's cpu-partitioning and realtime profiles set */
	{ "numa_balancing", TUNE_PASS, "0", { { "proc/sys/kernel/numa_balancing", "0" } } },
	{ "numa_balancing", TUNE_WARN, "1 on one node", { { "proc/sys/kernel/numa_balancing", "1" }, { "sys/devices/system/node/node0/cpulist", "0-3" } } },
	{ "numa_balancing", TUNE_FAIL, "1 on two nodes", { { "proc/sys/kernel/numa_balancing", "1" }, { "sys/devices/system/node/node0/cpulist", "0-1" }, { "sys/devices/system/node/node1/cpulist", "2-3" } } },
	{ "numa_balancing", TUNE_SKIP, "no sysctl", { { NULL } } },

	{ "vm_stat_interval", TUNE_PASS, "10 s", { { "proc/sys/vm/stat_interval", "10" } } },
	{ "vm_stat_interval", TUNE_WARN, "5 s", { { "proc/sys/vm/stat_interval", "5" } } },
	{ "vm_stat_interval", TUNE_FAIL, "1 s (default)", { { "proc/sys/vm/stat_interval", "1" } } },

	{ "skew_tick", TUNE_PASS, "skew_tick=1", { CMDLINE("quiet skew_tick=1") } },
	{ "skew_tick", TUNE_WARN, "absent, CPU nohz_full", { CMDLINE("nohz_full=1") } },
	{ "skew_tick", TUNE_FAIL, "absent", { CMDLINE("quiet") } },
	{ "skew_tick", TUNE_FAIL, "skew_tick=0", { CMDLINE("skew_tick=0") } },

	{ "nosoftlockup", TUNE_PASS, "nosoftlockup", { CMDLINE("nosoftlockup"), { "proc/sys/kernel/watchdog", "1" }, { "proc/sys/kernel/soft_watchdog", "1" } } },
	{ "nosoftlockup", TUNE_PASS, "soft_watchdog=0", { CMDLINE("quiet"), { "proc/sys/kernel/watchdog", "1" }, { "proc/sys/kernel/soft_watchdog", "0" } } },
	{ "nosoftlockup", TUNE_WARN, "CPU out of watchdog_cpumask", { CMDLINE("quiet"), { "proc/sys/kernel/watchdog", "1" }, { "proc/sys/kernel/soft_watchdog", "1" }, { "proc/sys/kernel/watchdog_cpumask", "0,2-3" } } },
	{ "nosoftlockup", TUNE_FAIL, "detector on the CPU", { CMDLINE("quiet"), { "proc/sys/kernel/watchdog", "1" }, { "proc/sys/kernel/soft_watchdog", "1" } } },

	{ "hung_task_timeout", TUNE_PASS, "600 s", { { "proc/sys/kernel/hung_task_timeout_secs", "600" } } },
	{ "hung_task_timeout", TUNE_PASS, "0 (off)", { { "proc/sys/kernel/hung_task_timeout_secs", "0" } } },
	{ "hung_task_timeout", TUNE_WARN, "120 s (default)", { { "proc/sys/kernel/hung_task_timeout_secs", "120" } } },
	{ "hung_task_timeout", TUNE_FAIL, "30 s", { { "proc/sys/kernel/hung_task_timeout_secs", "30" } } },
	{ "hung_task_timeout", TUNE_SKIP, "no sysctl", { { NULL } } },

	{ "irqbalance", TUNE_PASS, "running, banned list 1-3", { { "etc/default/irqbalance", "# comment\nIRQBALANCE_BANNED_CPULIST=1-3\n" } }, irqbalance_running },
	{ "irqbalance", TUNE_PASS, "running, banned hex 0xe", { { "etc/default/irqbalance", "IRQBALANCE_BANNED_CPUS=\"e\"\n" } }, irqbalance_running },
	{ "irqbalance", TUNE_PASS, "running, CPU isolated", { { "sys/devices/system/cpu/isolated", "1" } }, irqbalance_running },
	{ "irqbalance", TUNE_WARN, "not running, not banned", { { "etc/default/irqbalance", "#IRQBALANCE_BANNED_CPULIST=1\n" } } },
	{ "irqbalance", TUNE_FAIL, "running, not banned", { { "etc/default/irqbalance", "IRQBALANCE_BANNED_CPULIST=2-3\n" } }, irqbalance_running },

	{ "systemd_affinity", TUNE_PASS, "PID 1 on 0,2-3", { { "proc/1/status", "Name:\tsystemd\nCpus_allowed_list:\t0,2-3\n" } } },
	{ "systemd_affinity", TUNE_WARN, "configured, not in force", { { "proc/1/status", "Cpus_allowed_list:\t0-3\n" }, { "etc/systemd/system.conf", "[Manager]\nCPUAffinity=0 2-3\n" } } },
	{ "systemd_affinity", TUNE_FAIL, "PID 1 anywhere", { { "proc/1/status", "Cpus_allowed_list:\t0-3\n" }, { "etc/systemd/system.conf", "[Manager]\n#CPUAffinity=0\n" } } },
	{ "systemd_affinity", TUNE_SKIP, "no /proc/1", { { NULL } } },
};

static void run_scenario(const struct scenario *s)
{
	char *root = fake_root_new();
	struct isolator_cpuset cpus = { 0 };
	struct tune_check *checks;
	const struct tune_check *c;
	size_t n;

	for (size_t i = 0; i < ARRAY_SIZE(s->files) && s->files[i].rel; i++)
		fake_write(root, s->files[i].rel, s->files[i].text);
	if (s->extra)
		s->extra(root);
	isolator_cpuset_add(&cpus, 1);
	if (!strcmp(s->what, "sibling checked too"))
		isolator_cpuset_add(&cpus, 3);
	if (tune_check_run(root, &cpus, &checks, &n) < 0) {
		ok(0, "%s: %s: check ran", s->id, s->what);
		fake_root_free(root);
		return;
	}
	c = tune_check_find(checks, n, s->id);
	if (!ok(c && c->status == s->want, "%s %s: %s", s->id, tune_status_name(s->want), s->what))
		diag("got %s: %s", c ? tune_status_name(c->status) : "(no such item)",
		     c ? c->evidence : "");
	else if (c->status == TUNE_WARN || c->status == TUNE_FAIL)
		ok(c->evidence[0] && c->fix[0], "%s %s: evidence and fix given", s->id,
		   tune_status_name(s->want));
	free(checks);
	fake_root_free(root);
}

/* Every item appears in pass, warn and fail above. */
static void coverage(void)
{
	struct isolator_cpuset cpus = { 0 };
	struct tune_check *checks;
	char *root = fake_root_new();
	size_t n;

	isolator_cpuset_add(&cpus, 1);
	tune_check_run(root, &cpus, &checks, &n);
	for (size_t i = 0; i < n; i++) {
		unsigned seen = 0;

		for (size_t k = 0; k < ARRAY_SIZE(scenarios); k++)
			if (!strcmp(scenarios[k].id, checks[i].id))
				seen |= 1u << scenarios[k].want;
		is_int(seen & 7, 7, "item %s tested in pass, warn and fail", checks[i].id);
	}
	free(checks);
	fake_root_free(root);
}

static void helpers(void)
{
	struct isolator_cpuset set;
	char buf[128], *root = fake_root_new();

	ok(hexmask_parse("00000000,0000000f", &set) == 0 && isolator_cpuset_count(&set) == 4,
	   "hex mask with groups");
	isolator_cpuset_del(&set, 1);
	hexmask_format(&set, "00000000,0000000f", buf, sizeof(buf));
	is_str(buf, "00000000,0000000d", "formatted in the kernel's layout");
	hexmask_format(&set, "f", buf, sizeof(buf));
	is_str(buf, "d", "short layout");
	ok(hexmask_parse("xyz", &set) < 0, "bad hex refused");
	fake_write(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz nohz_full=1-3 quiet -- nohz=off");
	ok(cmdline_param(root, "nohz_full", buf, sizeof(buf)) == 1 && !strcmp(buf, "1-3"),
	   "cmdline_param value");
	ok(cmdline_param(root, "quiet", buf, sizeof(buf)) == 1 && !buf[0], "cmdline_param flag");
	ok(cmdline_param(root, "nohz", buf, sizeof(buf)) == 0, "params after -- ignored");
	fake_root_free(root);

	/* the appender check's evidence and explain's findings are built with */
	char small[12] = "";

	text_appendf(small, sizeof(small), "%s", "ab");
	text_appendf(small, sizeof(small), ", %d", 42);
	is_str(small, "ab, 42", "text_appendf appends");
	text_appendf(small, sizeof(small), " and %s", "much more");
	is_str(small, "ab, 42 and ", "text_appendf cuts at the end of the buffer, NUL-terminated");
	text_appendf(small, sizeof(small), "%s", "x");
	is_str(small, "ab, 42 and ", "text_appendf on a full buffer changes nothing");
}

static void boot_line(void)
{
	struct isolator_cpuset cpus = { 0 };
	struct tune_check *checks;
	char *root = fake_root_new(), line[512];
	size_t n;

	fake_write(root, "proc/cmdline", "quiet");
	isolator_cpuset_add(&cpus, 1);
	isolator_cpuset_add(&cpus, 2);
	tune_check_run(root, &cpus, &checks, &n);
	tune_boot_cmdline(checks, n, line, sizeof(line));
	ok(strstr(line, "isolcpus=domain,managed_irq,1-2") && strstr(line, "nohz_full=1-2") &&
	   strstr(line, "rcu_nocbs=1-2") && strstr(line, "irqaffinity=0,3"),
	   "boot command line for CPUs 1-2: %s", line);
	free(checks);
	fake_write(root, "proc/cmdline", "isolcpus=1-2 nohz_full=1-2 rcu_nocbs=1-2 irqaffinity=0,3");
	fake_write(root, "sys/devices/system/cpu/nohz_full", "1-2");
	tune_check_run(root, &cpus, &checks, &n);
	tune_boot_cmdline(checks, n, line, sizeof(line));
	ok(!strstr(line, "isolcpus") && !strstr(line, "nohz_full") && !strstr(line, "irqaffinity"),
	   "nothing proposed that is already there: '%s'", line);
	free(checks);
	fake_root_free(root);
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(scenarios); i++)
		run_scenario(&scenarios[i]);
	coverage();
	helpers();
	boot_line();
	return done_testing();
}
