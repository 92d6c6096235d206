// SPDX-License-Identifier: GPL-2.0
/*
 * Test 22 (issue 15): kernel-context isolation. The built-in client of the
 * in-kernel API (CONFIG_ISOLATOR_KTEST, /proc/isolator/ktest) is a
 * SCHED_FIFO kernel thread on CPU 3 that polls a memory location and
 * answers each event posted from CPU 1. Two phases in the same boot, under
 * the same housekeeping loads on CPUs 0-2 (t18's four: membarrier and
 * munmap in this process, tracepoint toggling, vm.stat_refresh):
 *   stock     the thread polls without isolator_kstart() (stock nohz_full)
 *   isolated  the thread polls between isolator_kstart() and its ticks
 * Each phase is 5 windows of 2 s. Isolated: 0 interrupts on CPU 3 of every
 * kind, every load progresses in every window, every event answered,
 * isolator_ktick() drains what was deferred; then 10^6 isolator_kmalloc/
 * kfree cycles on CPU 3 with no interrupt, and a call from CPU 0 refused
 * and counted. The console (lockdep, PROVE_RCU) is checked by vm/run.sh.
 */
/* vm-timeout: 600 */
#include "common.h"
#include <dirent.h>

#define KT "/proc/isolator/ktest"
#define PL_PATH "/tmp/t22-loads"
#define WINDOWS 5
#define WINDOW_S 2

static pid_t kthread_pid(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	while (d && !found && (e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "isolator_kt/", 12))
			found = atoi(e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

static int kt_write_fn(void *arg)
{
	return write_str(KT, arg);
}

/* One command to the client under a time limit (stuck tasks dumped). */
static int kt(const char *cmd, double secs)
{
	pid_t also[1] = { kthread_pid() };
	int r = call_limit(secs, cmd, kt_write_fn, (void *)cmd, also, also[0] > 0);

	if (r)
		printf("# %s: %s\n", cmd, strerror(-r));
	return r;
}

static unsigned long long kt_get(const char *name)
{
	char line[128], key[64];
	unsigned long long v, r = ~0ULL;
	FILE *f = fopen(KT, "r");

	if (!f)
		return r;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %llu", key, &v) == 2 && !strcmp(key, name))
			r = v;
	fclose(f);
	return r;
}

/* The poster, a thread on CPU 1: events one at a time while @run. */
static _Atomic int post_run, post_quit;

static void *poster(void *unused)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!atomic_load(&post_quit)) {
		if (!atomic_load(&post_run) || write_str(KT, "post 200"))
			usleep(2000);
	}
	return NULL;
}

struct phase {
	struct kinds irq;
	struct stats s0, s1;
	unsigned long long posted, answered, missed;
	bool progress;
	unsigned long iters[PL_NR];
};

static void run_phase(struct ploads *pl, const char *name, struct phase *ph)
{
	unsigned long long p0 = kt_get("posted"), a0 = kt_get("post_answered"),
			   m0 = kt_get("post_missed");
	struct kinds a, b;
	struct pstat w;

	ph->progress = true;
	memset(ph->iters, 0, sizeof(ph->iters));
	read_stats(ISO_CPU, &ph->s0);
	snapshot(&a);
	atomic_store(&post_run, 1);
	for (int i = 0; i < WINDOWS; i++) {
		ploads_begin(pl, &w);
		sleep(WINDOW_S);
		ploads_end(pl, &w);
		printf("# %-8s %d", name, i + 1);
		for (int k = 0; k < PL_NR; k++) {
			printf(" %9lu/%8.1f", w.iters[k], w.max_ns[k] / 1e6);
			ph->progress &= w.iters[k] > 0;
			ph->iters[k] += w.iters[k];
		}
		printf("\n");
		fflush(stdout);
	}
	atomic_store(&post_run, 0);
	usleep(100000);		/* the poster's last write returns */
	snapshot(&b);
	read_stats(ISO_CPU, &ph->s1);
	delta(&a, &b, &ph->irq);
	ph->posted = kt_get("posted") - p0;
	ph->answered = kt_get("post_answered") - a0;
	ph->missed = kt_get("post_missed") - m0;
	printf("# %s: events posted %llu, answered %llu, missed %llu\n", name,
	       ph->posted, ph->answered, ph->missed);
}

int main(void)
{
	struct ploads *pl = ploads_map(PL_PATH);
	struct phase stock, iso;
	struct kinds a, b, d;
	struct stats s0, s1, r0, r1;
	pthread_t post;
	int r;

	if (access(KT, W_OK)) {
		result(false, "t22: /proc/isolator/ktest exists (CONFIG_ISOLATOR_KTEST)");
		return 1;
	}
	pin(0);
	ploads_start_threads(pl);
	ploads_start_procs(pl);
	ploads_run(pl, (1u << PL_NR) - 1);
	pthread_create(&post, NULL, poster, NULL);
	printf("# %-10s", "window");
	for (int k = 0; k < PL_NR; k++)
		printf(" %18.18s", pload_names[k]);
	printf("   (iterations / longest ms, %d s each)\n", WINDOW_S);

	/* stock nohz_full: the same thread, polling without isolator_kstart() */
	r = kt("poll 3", 30);
	result(r == 0, "t22: stock: a polling kthread on CPU 3 starts");
	sleep(1);
	run_phase(pl, "stock", &stock);
	result(kt("stop", 30) == 0, "t22: stock: the kthread stops");

	/* isolated: kstart, one tick for what start left, then the windows */
	r = kt("start 3", 30);
	result(r == 0, "t22: isolator_kstart() on CPU 3 by the kthread");
	if (r) {
		ploads_stop(pl);
		return 1;
	}
	printf("# isolated pid %llu (kthread %d)\n", isolated_pid(), kthread_pid());
	result(isolated_pid() == (unsigned long long)kthread_pid(),
	       "t22: /proc/isolator/stats names the kthread");
	kt("tick", 30);
	run_phase(pl, "isolated", &iso);

	printf("# interrupts on CPU %d in %d s, by kind (same boot, same loads)\n",
	       ISO_CPU, WINDOWS * WINDOW_S);
	printf("# %-24s %12s %12s\n", "kind", "stock", "isolated");
	for (int i = 0; i < stock.irq.n; i++) {
		unsigned long long v = kinds_get(&iso.irq, stock.irq.name[i]);

		if (kind_always(stock.irq.name[i]) || stock.irq.count[i] || v)
			printf("# %-24s %12llu %12llu\n", stock.irq.name[i], stock.irq.count[i], v);
	}
	printf("# %-24s %12llu %12llu\n", "TOTAL", kinds_sum(&stock.irq), kinds_sum(&iso.irq));
	printf("# load iterations in %d s:", WINDOWS * WINDOW_S);
	for (int k = 0; k < PL_NR; k++)
		printf(" %s %lu/%lu;", pload_names[k], stock.iters[k], iso.iters[k]);
	printf(" (stock/isolated)\n");
	print_stats_delta("isolated phase", &iso.s0, &iso.s1);
	result(kinds_sum(&stock.irq) > 0, "t22: the loads reach CPU 3 under stock nohz_full");
	result(kinds_sum(&iso.irq) == 0, "t22: isolated: CPU 3 received 0 interrupts of every kind");
	result(iso.progress, "t22: isolated: every load progresses in every window");
	result(iso.posted > 0 && iso.answered == iso.posted && iso.missed == 0,
	       "t22: isolated: every event posted from CPU 1 is answered");
	result(stat_get(&iso.s1, "work_deferred") > stat_get(&iso.s0, "work_deferred"),
	       "t22: isolated: cross-CPU work to CPU 3 was deferred");

	/* ktick drains: loads paused, one tick, nothing left */
	ploads_run(pl, 0);
	ploads_settle(pl, 30);
	read_stats(ISO_CPU, &s0);
	kt("tick", 30);
	read_stats(ISO_CPU, &s1);
	printf("# before tick: deferred %llu drained %llu; after: deferred %llu drained %llu\n",
	       stat_get(&s0, "work_deferred"), stat_get(&s0, "work_drained"),
	       stat_get(&s1, "work_deferred"), stat_get(&s1, "work_drained"));
	result(stat_get(&s1, "work_drained") == stat_get(&s1, "work_deferred") &&
	       stat_get(&s1, "work_drained") > stat_get(&s0, "work_drained"),
	       "t22: isolator_ktick() drains what was deferred");

	/* the allocator: 10^6 cycles on CPU 3 under the loads, no interrupt */
	ploads_run(pl, (1u << PL_NR) - 1);
	snapshot(&a);
	r = kt("alloc 1000000", 200);
	snapshot(&b);
	delta(&a, &b, &d);
	printf("# alloc: %llu cycles, %llu failed, %llu interrupts on CPU 3\n",
	       kt_get("alloc_cycles"), kt_get("alloc_fail"), kinds_sum(&d));
	result(r == 0 && kt_get("alloc_cycles") == 1000000 && kt_get("alloc_fail") == 0,
	       "t22: 10^6 isolator_kmalloc/kfree cycles on CPU 3");
	result(kinds_sum(&d) == 0, "t22: ... with 0 interrupts on CPU 3");
	read_stats(0, &r0);
	kt("xalloc", 30);
	kt("xfree", 30);
	read_stats(0, &r1);
	printf("# from CPU 0: xalloc NULL %llu, xfree refused %llu, kmem_refused +%llu\n",
	       kt_get("xalloc_null"), kt_get("xfree_refused"),
	       stat_get(&r1, "kmem_refused") - stat_get(&r0, "kmem_refused"));
	result(kt_get("xalloc_null") == 1 && kt_get("xfree_refused") == 1 &&
	       stat_get(&r1, "kmem_refused") - stat_get(&r0, "kmem_refused") == 2,
	       "t22: isolator_kmalloc/kfree from CPU 0 refused and counted");

	atomic_store(&post_quit, 1);
	pthread_join(post, NULL);
	ploads_stop(pl);
	r = kt("stop", 30);
	result(r == 0, "t22: isolator_kstop() returns 0");
	result(isolated_pid() == 0, "t22: CPU 3 free at the end");
	read_stats(ISO_CPU, &s1);
	result(stat_get(&s1, "work_drained") == stat_get(&s1, "work_deferred"),
	       "t22: after kstop, work_drained == work_deferred");
	unlink(PL_PATH);
	return failures ? 1 : 0;
}
