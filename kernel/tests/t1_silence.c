// SPDX-License-Identifier: GPL-2.0
/*
 * Test 1: a SCHED_FIFO busy task on CPU 3, first as stock nohz_full, then
 * isolated and never ticking, under kernel work on CPUs 0-2 that reaches
 * CPU 3 (each load is shown to, alone, in the stock phase): membarrier and
 * TLB shootdowns from sibling threads in the isolated process's own mm,
 * tracepoint toggling (text patching) and vm.stat_refresh (per-CPU work).
 * Each load counts its iterations and its longest one. Silence must not be
 * bought with their progress: every load progresses while CPU 3 is
 * isolated, no iteration takes longer than max_defer_ms plus the stock
 * phase's longest, and the loads the kernel does remotely leave CPU 3 with
 * 0 interrupts and 0 forced deliveries. Both phases have the spinner on
 * CPU 3 (single-threaded TCG slows the other vCPUs while one spins, so
 * only phases that both have it compare).
 */
#include "common.h"

/*
 * RCU kthreads must stay off CPU 3 (nohz_full= puts HK_TYPE_RCU elsewhere),
 * except the per-CPU rcuc/3 of PREEMPT_RT, which only runs when CPU 3's own
 * tick or softirq wakes it. Returns how many may run on CPU 3 but should not.
 */
static int rcu_kthreads_on_iso_cpu(void)
{
	char path[64], line[256], comm[32];
	int bad = 0;

	for (int pid = 1; pid < 4096; pid++) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		if (strncmp(comm, "rcu", 3))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned long lo, hi;
			char *p;

			if (strncmp(line, "Cpus_allowed_list:", 18))
				continue;
			line[strcspn(line, "\n")] = '\0';
			printf("# rcu kthread %-12s cpus %s\n", comm, line + 19);
			for (p = line + 18; *p; ) {
				lo = strtoul(p, &p, 10);
				hi = *p == '-' ? strtoul(p + 1, &p, 10) : lo;
				if (lo <= ISO_CPU && ISO_CPU <= hi && strcmp(comm, "rcuc/3"))
					bad++;
				while (*p && *p != ',' && (*p < '0' || *p > '9'))
					p++;
				if (*p == ',')
					p++;
			}
		}
		fclose(f);
	}
	return bad;
}

/* ---- hrtimer expiries on CPU 3, by callback, from the trace buffer ---- */

#define TR "/sys/kernel/tracing/"

struct fnc {
	int n;
	char name[16][40];
	unsigned long count[16];
};

static void hrtimer_trace(bool on)
{
	write_file(TR "events/timer/hrtimer_expire_entry/enable", on ? "1" : "0");
}

static void hrtimer_trace_clear(void)
{
	int fd = open(TR "per_cpu/cpu3/trace", O_WRONLY | O_TRUNC);

	if (fd >= 0)
		close(fd);
}

/* Count "function=NAME" in CPU 3's buffer (non-consuming read). */
static void hrtimer_trace_read(struct fnc *f)
{
	char line[512], name[40];
	FILE *fp = fopen(TR "per_cpu/cpu3/trace", "r");

	memset(f, 0, sizeof(*f));
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char *p = strstr(line, "function=");
		int i;

		if (!p || line[0] == '#')
			continue;
		sscanf(p + 9, "%39[^/ \n]", name);
		for (i = 0; i < f->n; i++)
			if (!strcmp(f->name[i], name))
				break;
		if (i == f->n && f->n < 16)
			snprintf(f->name[f->n++], sizeof(f->name[0]), "%s", name);
		if (i < 16)
			f->count[i]++;
	}
	fclose(fp);
}

#define PL_PATH "/tmp/t1-loads"

static void spinner(struct shared *s, struct ploads *pl)
{
	ploads_start_threads(pl);	/* fair threads on CPUs 0-2, this mm */
	pin(ISO_CPU);
	fifo(50);
	mlockall(MCL_CURRENT | MCL_FUTURE);
	atomic_store(&s->ack, 1);
	while (atomic_load(&s->phase) < 2)
		atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
	/* Isolated from here to "stop", and it never writes "tick". */
	atomic_store(&s->err, control("start clock,resched,ipi"));
	atomic_store(&s->ack, 2);
	while (atomic_load(&s->phase) < 3)
		atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
	if (!atomic_load(&s->err))
		atomic_store(&s->err, control("stop"));
	atomic_store(&s->ack, 3);
	while (atomic_load(&s->phase) < 4)
		usleep(1000);
	_exit(0);
}

static unsigned long long non_loc(const struct kinds *k)
{
	return kinds_sum(k) - kinds_get(k, KIND_TICK);
}

static unsigned long long stat_delta(const struct stats *a, const struct stats *b,
				     const char *col)
{
	return stat_get(b, col) - stat_get(a, col);
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 8;
	struct kinds a, b, reach[PL_NR], stock, iso, rem;
	struct pstat p_stock, p_iso, p_rem;
	struct stats s0, s1, s2, s3;
	struct fnc tr_stock, tr_iso;
	struct shared *s = shared_new();
	struct ploads *pl = ploads_map(PL_PATH);
	unsigned remote_mask = 0;
	bool have_defer, stopped;
	long defer_ms = max_defer_ms(&have_defer);
	pid_t pid;

	for (int k = 0; k < PL_NR; k++)
		remote_mask |= pload_remote[k] << k;
	pin(0);
	ploads_run(pl, (1u << PL_NR) - 1);
	pid = fork();
	if (pid == 0)
		spinner(s, pl);
	wait_ack(s, 1);
	ploads_start_procs(pl);
	printf("# max_defer_ms %ld%s\n", defer_ms,
	       have_defer ? "" : " (no /proc/isolator/max_defer_ms: the contract's default)");
	/* Which hrtimers fire on CPU 3 (the tick? the fair server's dl_timer?) */
	hrtimer_trace(true);
	sleep(1);

	/* Each load alone, stock: does it reach CPU 3 at all? */
	for (int k = 0; k < PL_NR; k++) {
		ploads_run(pl, 1u << k);
		ploads_settle(pl, 5);
		snapshot(&a);
		usleep(1500000);
		snapshot(&b);
		delta(&a, &b, &reach[k]);
	}

	ploads_run(pl, (1u << PL_NR) - 1);
	hrtimer_trace_clear();
	snapshot(&a);
	ploads_begin(pl, &p_stock);
	sleep(secs);
	ploads_end(pl, &p_stock);
	snapshot(&b);
	delta(&a, &b, &stock);
	hrtimer_trace_read(&tr_stock);

	atomic_store(&s->phase, 2);
	wait_ack(s, 2);
	hrtimer_trace_clear();
	read_stats(ISO_CPU, &s0);
	snapshot(&a);
	ploads_begin(pl, &p_iso);
	sleep(secs);
	ploads_end(pl, &p_iso);
	snapshot(&b);
	read_stats(ISO_CPU, &s1);
	delta(&a, &b, &iso);
	hrtimer_trace_read(&tr_iso);

	/* Only what the kernel is to do remotely: CPU 3 must hear nothing. */
	ploads_run(pl, remote_mask);
	ploads_settle(pl, 2);
	read_stats(ISO_CPU, &s2);
	snapshot(&a);
	ploads_begin(pl, &p_rem);
	sleep((secs + 1) / 2);
	ploads_end(pl, &p_rem);
	snapshot(&b);
	read_stats(ISO_CPU, &s3);
	delta(&a, &b, &rem);

	atomic_store(&s->phase, 3);
	stopped = wait_ack_limit(s, 3, 60);
	if (!stopped) {
		printf("# TIMEOUT: the isolated task's stop did not return\n");
		dump_task(pid);
		sysrq_w();
		kill(pid, SIGKILL);
	}
	ploads_stop(pl);
	atomic_store(&s->phase, 4);
	waitpid(pid, NULL, 0);
	hrtimer_trace(false);

	result(stopped && atomic_load(&s->err) == 0, "t1: start/stop isolation of CPU 3");

	printf("# per load, %d s a phase, spinner on CPU %d in both; reach = CPU %d's interrupts\n"
	       "# besides LOC in 1.5 s of that load alone, stock; longest in ms\n",
	       secs, ISO_CPU, ISO_CPU);
	printf("# %-38s %6s %9s %9s %9s %9s %9s %9s\n", "load", "reach", "stock_it", "stock_max",
	       "iso_it", "iso_max", "rem_it", "rem_max");
	for (int k = 0; k < PL_NR; k++) {
		printf("# %-38s %6llu %9lu %9.1f %9lu %9.1f", pload_names[k], non_loc(&reach[k]),
		       p_stock.iters[k], p_stock.max_ns[k] / 1e6, p_iso.iters[k],
		       p_iso.max_ns[k] / 1e6);
		if (pload_remote[k])
			printf(" %9lu %9.1f\n", p_rem.iters[k], p_rem.max_ns[k] / 1e6);
		else
			printf(" %9s %9s\n", "-", "-");
	}
	printf("# interrupts on CPU %d by kind: stock %d s, isolated %d s (all loads),\n"
	       "# isolated %d s (only the loads done remotely)\n", ISO_CPU, secs, secs, (secs + 1) / 2);
	printf("# %-24s %12s %12s %12s\n", "kind", "stock", "isolated", "iso-remote");
	for (int i = 0; i < stock.n; i++) {
		unsigned long long v = kinds_get(&iso, stock.name[i]);
		unsigned long long r = kinds_get(&rem, stock.name[i]);
		if (kind_always(stock.name[i]) || stock.count[i] || v || r)
			printf("# %-24s %12llu %12llu %12llu\n", stock.name[i], stock.count[i], v, r);
	}
	printf("# %-24s %12llu %12llu %12llu\n", "TOTAL", kinds_sum(&stock), kinds_sum(&iso),
	       kinds_sum(&rem));
	print_stats_delta("isolated, all loads", &s0, &s1);
	print_stats_delta("isolated, loads done remotely", &s2, &s3);
	dump_culprits();
	printf("# hrtimer expiries on CPU %d by callback (trace event hrtimer_expire_entry)\n",
	       ISO_CPU);
	for (int i = 0; i < tr_stock.n; i++) {
		unsigned long v = 0;

		for (int j = 0; j < tr_iso.n; j++)
			if (!strcmp(tr_iso.name[j], tr_stock.name[i]))
				v = tr_iso.count[j];
		printf("# %-24s %12lu %12lu\n", tr_stock.name[i], tr_stock.count[i], v);
	}
	for (int j = 0; j < tr_iso.n; j++) {
		bool seen = false;

		for (int i = 0; i < tr_stock.n; i++)
			seen |= !strcmp(tr_iso.name[j], tr_stock.name[i]);
		if (!seen)
			printf("# %-24s %12d %12lu\n", tr_iso.name[j], 0, tr_iso.count[j]);
	}

	for (int k = 0; k < PL_NR; k++) {
		char name[160];
		uint64_t bound = defer_ms * 1000000ULL + p_stock.max_ns[k];

		snprintf(name, sizeof(name), "t1: %s reaches CPU 3 under stock nohz_full",
			 pload_names[k]);
		result(non_loc(&reach[k]) > 0, name);
		snprintf(name, sizeof(name), "t1: %s progresses while CPU 3 is isolated",
			 pload_names[k]);
		result(p_iso.iters[k] > 0, name);
		snprintf(name, sizeof(name),
			 "t1: %s: no iteration longer than max_defer_ms + the stock longest (%.1f ms)",
			 pload_names[k], bound / 1e6);
		result(p_iso.max_ns[k] <= bound && (!pload_remote[k] || p_rem.max_ns[k] <= bound),
		       name);
	}
	{
		bool progress = true;

		for (int k = 0; k < PL_NR; k++)
			if (pload_remote[k])
				progress &= p_rem.iters[k] > 0;
		printf("# loads done remotely: forced=%llu (column %s)\n",
		       stat_delta(&s2, &s3, "forced"),
		       stat_get(&s3, "forced") == ~0ULL ? "missing" : "present");
		result(progress && kinds_sum(&rem) == 0 && stat_get(&s3, "forced") != ~0ULL &&
		       stat_delta(&s2, &s3, "forced") == 0,
		       "t1: the loads done remotely progress with 0 interrupts and 0 forced on CPU 3");
	}
	result(rcu_kthreads_on_iso_cpu() == 0,
	       "t1: no RCU kthread but rcuc/3 may run on CPU 3");
	unlink(PL_PATH);
	return failures ? 1 : 0;
}
