// SPDX-License-Identifier: GPL-2.0
/*
 * Test 1: a SCHED_FIFO busy task on CPU 3, as stock nohz_full and isolated
 * (never ticking), in the same boot, stock and isolated windows alternating
 * under the same loads on CPUs 1-2, each load counting its iterations:
 * housekeeping loads the kernel does remotely for CPU 3 (tracepoint
 * toggling, i.e. text patching, and vm.stat_refresh, i.e. per-CPU work),
 * and loads in the isolated process's own address space from sibling
 * threads (membarrier private-expedited, munmap TLB shootdowns). Each load
 * is first shown to reach CPU 3, alone, stock. First every load runs, then
 * only the housekeeping ones.
 *
 * Silence must not be bought with the loads' progress. Asserted:
 *  - 0 interrupts of every kind on CPU 3 while isolated under the
 *    housekeeping loads, and 0 forced deliveries (a TLB shootdown of the
 *    address space CPU 3 runs must reach it, so the own-mm loads' delivered
 *    flushes are reported, not asserted away);
 *  - every load progresses in every isolated window (and in the stock
 *    phase, the baseline);
 *  - no load is starved isolated against stock: at least an eighth of its
 *    stock iterations (see STARVED). Stock and isolated windows alternate, each with the
 *    spinner on CPU 3, so both see the same emulator (single-threaded TCG
 *    slows the other vCPUs while one spins) and the same host load.
 * Reported, not asserted (times, or what the emulator decides): the
 * longest iteration, forced deliveries, remote housekeeping, culprits, and
 * the hrtimers that fire on CPU 3. Lines "# t1-table|..." carry the figures
 * for kernel/vm-table.sh.
 *
 * Time limits: a load without progress in a window has its stack dumped
 * then; every start/stop and the end of every load are waited for under a
 * limit, with the stuck tasks dumped (and sysrq w) on timeout.
 */
/* vm-timeout: 420 */
#include "common.h"
#include <sys/utsname.h>

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
			for (p = line + 18; *p; ) {
				lo = strtoul(p, &p, 10);
				hi = *p == '-' ? strtoul(p + 1, &p, 10) : lo;
				if (lo <= ISO_CPU && ISO_CPU <= hi && strcmp(comm, "rcuc/3")) {
					printf("# rcu kthread %-12s cpus %s\n", comm, line + 19);
					bad++;
				}
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

/* Add the "function=NAME" counts of CPU 3's buffer to @f (non-consuming). */
static void hrtimer_trace_add(struct fnc *f)
{
	char line[512], name[40];
	FILE *fp = fopen(TR "per_cpu/cpu3/trace", "r");

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char *p = strstr(line, "function=");
		int i;

		if (!p || line[0] == '#' || sscanf(p + 9, "%39[^/\n ]", name) != 1)
			continue;
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

/* ---- the spinner on CPU 3: isolated when s->phase is odd ---- */

#define PL_PATH "/tmp/t1-loads"
#define PHASE_QUIT 1000

static void spinner(struct shared *s, struct ploads *pl)
{
	int seen = 0;
	bool isolated = false;

	ploads_start_threads(pl);	/* fair threads on CPUs 1-2, this mm */
	/* memory locked as a real-time task does, before it runs on CPU 3 */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	pin(ISO_CPU);
	fifo(50);
	atomic_store(&s->ack, 0);
	for (;;) {
		int want = atomic_load(&s->phase);

		if (want == seen) {
			/* vDSO-free spin: no kernel entry, never "tick" */
			atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
			continue;
		}
		if (want == PHASE_QUIT && !isolated)
			break;
		if ((want & 1) && !isolated) {
			int e = control("start clock,resched,ipi");

			if (e)
				atomic_store(&s->err, e);
			isolated = !e;
		} else if (!(want & 1) && isolated) {
			int e = control("stop");

			if (e)
				atomic_store(&s->err, e);
			isolated = false;
		}
		seen = want;
		atomic_store(&s->ack, want);
		if (want == PHASE_QUIT)
			break;
	}
	atomic_store(&s->ack, PHASE_QUIT);
	while (!atomic_load(&pl->c[0].quit))
		usleep(1000);
	_exit(0);
}

/* ---- one measurement window ---- */

/*
 * Two pairs of phases, stock and isolated windows alternating in each:
 * "all" runs every load, "hk" only the housekeeping loads, which do not
 * touch the isolated task's address space (the kernel does their part for
 * CPU 3 remotely). A TLB shootdown of the address space CPU 3 runs must be
 * delivered (x86; on arm64 a broadcast TLBI), so only "hk" can be silent.
 */
enum { PH_S_ALL, PH_I_ALL, PH_S_HK, PH_I_HK, PH_NR };
static const char *const ph_names[PH_NR] = { "stock", "isolated", "stock-hk", "iso-hk" };

struct phase {
	struct kinds irq;		/* summed over its windows */
	unsigned long iters[PL_NR];
	uint64_t max_ns[PL_NR];
	unsigned long min_win[PL_NR];	/* fewest iterations in one window */
	int windows;
	struct fnc hrt;
	struct stats st;		/* /proc/isolator/stats deltas, summed */
};

/* A load that made no progress in a window: where does it wait? */
static void dump_stalled(struct ploads *pl, const struct pstat *w, unsigned int mask,
			 const char *what)
{
	for (int k = 0; k < PL_NR; k++)
		if ((mask & (1u << k)) && w->iters[k] == 0) {
			printf("# STALLED in a %s window: %s (task %d)\n", what, pload_names[k],
			       pl->c[k].pid);
			dump_task(pl->c[k].pid);
		}
}

static void run_window(struct ploads *pl, struct phase *ph, const char *what,
		       unsigned int mask, double secs)
{
	struct kinds a, b, d;
	struct stats x, y;
	struct pstat w;

	hrtimer_trace_clear();
	read_stats(ISO_CPU, &x);
	snapshot(&a);
	ploads_begin(pl, &w);
	usleep(secs * 1e6);
	ploads_end(pl, &w);
	snapshot(&b);
	read_stats(ISO_CPU, &y);
	if (!ph->windows) {
		memset(&ph->st, 0, sizeof(ph->st));
		ph->st.ncol = y.ncol;
		memcpy(ph->st.col, y.col, sizeof(y.col));
	}
	for (int i = 0; i < y.ncol && i < x.ncol; i++)
		ph->st.v[i] += y.v[i] - x.v[i];
	hrtimer_trace_add(&ph->hrt);
	delta(&a, &b, &d);
	for (int i = 0; i < d.n; i++)
		kinds_add(&ph->irq, d.name[i], d.count[i]);
	printf("# window %-10s", what);
	for (int k = 0; k < PL_NR; k++) {
		if (!(mask & (1u << k))) {
			printf(" %14s", "-");
			continue;
		}
		printf(" %6lu/%7.1f", w.iters[k], w.max_ns[k] / 1e6);
		ph->iters[k] += w.iters[k];
		if (w.max_ns[k] > ph->max_ns[k])
			ph->max_ns[k] = w.max_ns[k];
		if (!ph->windows || w.iters[k] < ph->min_win[k])
			ph->min_win[k] = w.iters[k];
	}
	printf("  irqs %llu\n", kinds_sum(&d));
	fflush(stdout);
	ph->windows++;
	dump_stalled(pl, &w, mask, what);
}

/* Tell the spinner to enter @phase (odd: isolated); false if it did not. */
static bool set_phase(struct shared *s, int phase, pid_t pid)
{
	atomic_store(&s->phase, phase);
	if (wait_ack_limit(s, phase, 60))
		return true;
	printf("# TIMEOUT: the spinner did not reach phase %d (%s) within 60 s\n", phase,
	       phase & 1 ? "start" : "stop");
	dump_task(pid);
	sysrq_w();
	return false;
}

static unsigned long long non_loc(const struct kinds *k)
{
	return kinds_sum(k) - kinds_get(k, KIND_TICK);
}

/* End every load under a limit: a load stuck in the kernel is dumped. */
static void stop_loads(struct ploads *pl, pid_t spinner_pid)
{
	for (int k = 0; k < PL_NR; k++)
		atomic_store(&pl->c[k].quit, 1);
	for (int k = PL_TRACEPOINT; k <= PL_VMSTAT; k++)
		if (pl->c[k].pid > 0) {
			kill(pl->c[k].pid, SIGKILL);
			wait_limit(pl->c[k].pid, 60, pload_names[k], NULL, 0);
		}
	if (spinner_pid > 0 &&
	    wait_limit(spinner_pid, 60, "the spinner's exit", NULL, 0) == -ETIMEDOUT)
		kill(spinner_pid, SIGKILL);
	write_file("/sys/kernel/tracing/events/sched/sched_switch/enable", "0");
}

static void print_stats(const char *title, const struct phase *ph)
{
	printf("# %s (/proc/isolator/stats, cpu %d, sum of the windows):", title, ISO_CPU);
	for (int i = 2; i < ph->st.ncol; i++)
		if (strcmp(ph->st.col[i], "max_tick_ns"))
			printf(" %s=%llu", ph->st.col[i], ph->st.v[i]);
	printf("\n");
}

static unsigned long long phase_stat(const struct phase *ph, const char *col)
{
	return ph->windows ? stat_get(&ph->st, col) : ~0ULL;
}

/*
 * Isolated (@base given): every window, and against stock. Stock: the phase
 * as a whole, as the baseline of the comparison; a stock window without
 * progress is stock's own behaviour (the fair server gives kworker/3 50 ms
 * a second behind the FIFO spinner: one vm.stat_refresh took 12.6 s on
 * arm64 TCG), reported in its window line.
 */
/*
 * "Starved": below an eighth of stock. Not a tighter bound, because under
 * single-threaded TCG the stock phase's own interrupts speed its loads up:
 * each one ends the spinning vCPU's turn early and hands the emulator's one
 * thread to CPUs 0-2, which an isolated (silent) CPU 3 never does. The
 * membarrier load made 0.24 and 0.32 of its stock iterations isolated
 * (x86, arm64) for that reason; a blocked load makes 0 in every window.
 */
#define STARVED 8

static void check_progress(const struct phase *ph, const struct phase *base, unsigned int mask,
			   int rounds, const char *what)
{
	for (int k = 0; k < PL_NR; k++) {
		char name[200];

		if (!(mask & (1u << k)))
			continue;
		if (!base) {
			snprintf(name, sizeof(name),
				 "t1: %s progresses in the %s windows (%lu, fewest %lu in one)",
				 pload_names[k], what, ph->iters[k], ph->min_win[k]);
			result(ph->windows == rounds && ph->iters[k] > 0, name);
			continue;
		}
		snprintf(name, sizeof(name), "t1: %s progresses in every %s window (fewest %lu)",
			 pload_names[k], what, ph->min_win[k]);
		result(ph->windows == rounds && ph->min_win[k] > 0, name);
		snprintf(name, sizeof(name),
			 "t1: %s not starved, %s: %lu iterations >= stock %lu / %d",
			 pload_names[k], what, ph->iters[k], base->iters[k], STARVED);
		result(ph->windows == rounds && ph->iters[k] * STARVED >= base->iters[k], name);
	}
}

/*
 * After start, before an isolated window: 1.5 s, longer than RCU's boost
 * delay (500 ms). A fair RCU reader the spinner preempted in the stock
 * window before may be boosted (rcutree.kthread_prio=99, above the
 * spinner) and then preempts the isolated task: the CPU is an ordinary
 * nohz_full CPU again while it runs, and takes its interrupts, which is
 * right, but the stock window's doing. Seen once: LOC 2, RES 2, CAL 2 in
 * an isolated window. Those of the settle are reported, not asserted.
 */
static void settle_after_start(unsigned long long *irqs)
{
	struct kinds a, b, d;

	snapshot(&a);
	usleep(1500000);
	snapshot(&b);
	delta(&a, &b, &d);
	*irqs += kinds_sum(&d);
}

/*
 * The time bound: no iteration of a load while isolated is longer
 * than the stock phase's longest (same loads) plus max_defer_ms. Held work
 * waits max_defer_ms at most, so a longer iteration means something waited
 * longer than the bound, or for something stock does not wait for.
 * Reported (a TAP skip saying whether it holds), not asserted (what is
 * asserted is the count form: no work seen held by more than 2 of the
 * bound's scans, culprits_check() in common.h): guest time
 * here is host time, and a stall of the emulator thread on the shared host
 * lengthens any iteration (it failed 2 of 4 runs that way). QEMU's -icount
 * would make guest time count instructions, but no boot of these kernels
 * got to init under it (see kernel/README.md, "The time bound").
 */
static void report_bound(const struct phase *ph, const struct phase *base, unsigned int mask,
			 long defer_ms, const char *what)
{
	for (int k = 0; k < PL_NR; k++) {
		bool ok;

		if (!(mask & (1u << k)))
			continue;
		ok = ph->windows > 0 && ph->max_ns[k] <= base->max_ns[k] + defer_ms * 1000000ULL;
		printf("ok - t1: %s, %s: longest iteration %.1f ms <= stock's %.1f + max_defer_ms %ld # SKIP guest time is host time: %s, reported\n",
		       pload_names[k], what,
		       ph->max_ns[k] / 1e6, base->max_ns[k] / 1e6, defer_ms,
		       ok ? "holds" : "DOES NOT HOLD");
	}
}

int main(int argc, char **argv)
{
	double win = argc > 1 ? atof(argv[1]) : 5;	/* seconds per window */
	int rounds = argc > 2 ? atoi(argv[2]) : 3;	/* stock+isolated pairs */
	struct kinds a, b, reach[PL_NR];
	struct phase ph[PH_NR];
	struct shared *s = shared_new();
	struct ploads *pl = ploads_map(PL_PATH);
	unsigned int all = (1u << PL_NR) - 1, hk = 0;
	bool have_defer, ok_phase = true;
	long defer_ms = max_defer_ms(&have_defer);
	unsigned long long settle_irqs = 0;
	int p = 0;
	pid_t pid;

	memset(ph, 0, sizeof(ph));
	for (int k = 0; k < PL_NR; k++)
		hk |= pload_remote[k] << k;
	/* the controller on CPU 0, every load on CPUs 1-2 */
	pin(0);
	load_first_cpu = 1;
	ploads_run(pl, all);
	atomic_store(&s->ack, -1);
	pid = fork();
	if (pid == 0)
		spinner(s, pl);
	if (!wait_ack_limit(s, 0, 240)) {
		result(false, "t1: the spinner runs on CPU 3");
		dump_task(pid);
		return 1;
	}
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
		usleep(2000000);
		snapshot(&b);
		delta(&a, &b, &reach[k]);
	}

	printf("# %-17s", "window");
	for (int k = 0; k < PL_NR; k++)
		printf(" %14.14s", pload_names[k]);
	printf("   (iterations/longest ms, %.1f s each)\n", win);
	for (int set = 0; set < 2 && ok_phase; set++) {
		unsigned int mask = set ? hk : all;

		ploads_run(pl, mask);
		ploads_settle(pl, 5);
		for (int r = 0; r < rounds && ok_phase; r++) {
			/* odd phases are isolated; every stop/start is outside a window */
			ok_phase = set_phase(s, p += 2 - (p & 1), pid);
			if (ok_phase)
				run_window(pl, &ph[PH_S_ALL + 2 * set],
					   ph_names[PH_S_ALL + 2 * set], mask, win);
			if (ok_phase)
				ok_phase = set_phase(s, ++p, pid);
			if (ok_phase)
				settle_after_start(&settle_irqs);
			if (ok_phase)
				run_window(pl, &ph[PH_I_ALL + 2 * set],
					   ph_names[PH_I_ALL + 2 * set], mask, win);
		}
	}
	ploads_run(pl, all);
	if (ok_phase)
		ok_phase = set_phase(s, PHASE_QUIT, pid);
	if (!ok_phase)
		kill(pid, SIGKILL);	/* stop hung: end isolation the hard way */
	stop_loads(pl, pid);
	hrtimer_trace(false);

	result(ok_phase && atomic_load(&s->err) == 0,
	       "t1: start/stop isolation of CPU 3, every round");

	/* ---- report ---- */
	printf("# per load: %d stock and %d isolated windows of %.1f s, alternating, spinner on\n# CPU %d in all, first with every load (stock, isolated), then with only the\n# housekeeping loads (stock-hk, iso-hk); reach = CPU %d's interrupts besides %s\n# in 2 s of that load alone, stock; it = iterations, max = longest in ms\n",
	       rounds, rounds, win, ISO_CPU, ISO_CPU, KIND_TICK);
	printf("# %-38s %5s %8s %8s %8s %8s %8s %8s %8s %8s\n", "load", "reach", "stock_it",
	       "iso_it", "s-hk_it", "i-hk_it", "stock_mx", "iso_mx", "s-hk_mx", "i-hk_mx");
	for (int k = 0; k < PL_NR; k++) {
		bool h = pload_remote[k];

		printf("# %-38s %5llu %8lu %8lu %8lu %8lu %8.1f %8.1f %8.1f %8.1f\n",
		       pload_names[k],
		       non_loc(&reach[k]), ph[PH_S_ALL].iters[k], ph[PH_I_ALL].iters[k],
		       h ? ph[PH_S_HK].iters[k] : 0, h ? ph[PH_I_HK].iters[k] : 0,
		       ph[PH_S_ALL].max_ns[k] / 1e6, ph[PH_I_ALL].max_ns[k] / 1e6,
		       ph[PH_S_HK].max_ns[k] / 1e6, ph[PH_I_HK].max_ns[k] / 1e6);
		printf("# t1-table|load|%s|%s|%llu|%lu|%lu|%lu|%lu|%.1f|%.1f|%.1f|%.1f\n",
		       pload_names[k], h ? "hk" : "own-mm", non_loc(&reach[k]),
		       ph[PH_S_ALL].iters[k], ph[PH_I_ALL].iters[k], ph[PH_S_HK].iters[k],
		       ph[PH_I_HK].iters[k], ph[PH_S_ALL].max_ns[k] / 1e6,
		       ph[PH_I_ALL].max_ns[k] / 1e6, ph[PH_S_HK].max_ns[k] / 1e6,
		       ph[PH_I_HK].max_ns[k] / 1e6);
	}
	printf("# interrupts on CPU %d by kind, %.1f s a phase\n", ISO_CPU, rounds * win);
	printf("# %-24s %10s %10s %10s %10s\n", "kind", ph_names[0], ph_names[1], ph_names[2],
	       ph_names[3]);
	for (int i = 0; i < ph[PH_S_ALL].irq.n; i++) {
		const char *n = ph[PH_S_ALL].irq.name[i];
		unsigned long long v[PH_NR];
		bool any = false;

		for (int q = 0; q < PH_NR; q++)
			any |= (v[q] = kinds_get(&ph[q].irq, n)) != 0;
		if (!*n || !(kind_always(n) || any))
			continue;
		printf("# %-24s %10llu %10llu %10llu %10llu\n", n, v[0], v[1], v[2], v[3]);
		printf("# t1-table|irq|%s|%llu|%llu|%llu|%llu\n", n, v[0], v[1], v[2], v[3]);
	}
	printf("# %-24s %10llu %10llu %10llu %10llu\n", "TOTAL", kinds_sum(&ph[0].irq),
	       kinds_sum(&ph[1].irq), kinds_sum(&ph[2].irq), kinds_sum(&ph[3].irq));
	printf("# t1-table|irq|TOTAL|%llu|%llu|%llu|%llu\n", kinds_sum(&ph[0].irq),
	       kinds_sum(&ph[1].irq), kinds_sum(&ph[2].irq), kinds_sum(&ph[3].irq));
	printf("# interrupts on CPU %d in the 1.5 s after each start, outside the windows: %llu\n",
	       ISO_CPU, settle_irqs);
	print_stats("isolated windows, every load", &ph[PH_I_ALL]);
	print_stats("isolated windows, housekeeping loads", &ph[PH_I_HK]);
	for (int i = 2; i < ph[PH_I_ALL].st.ncol; i++)
		if (strcmp(ph[PH_I_ALL].st.col[i], "max_tick_ns"))
			printf("# t1-table|stat|%s|%llu|%llu\n", ph[PH_I_ALL].st.col[i],
			       ph[PH_I_ALL].st.v[i],
			       phase_stat(&ph[PH_I_HK], ph[PH_I_ALL].st.col[i]));
	{
		char line[256];
		FILE *f = fopen("/proc/isolator/culprits", "r");

		printf("# culprits of forced deliveries (/proc/isolator/culprits, the last 64):\n");
		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			printf("# culprits: %s\n", line);
			if (strncmp(line, "cpu ", 4))
				printf("# t1-table|culprit|%s\n", line);
		}
		if (f)
			fclose(f);
	}
	if (have_defer) {
		/*
		 * The bound as a count, which guest time cannot blur: every
		 * forced delivery was seen held by at most 2 of the bound's
		 * scans, the one that found it and the one that forced it.
		 */
		int lines, over, max_scans, bad = culprits_check(&lines, &over, &max_scans);

		printf("# the bound as a count: %d culprit lines, %d malformed, %d seen held by more than 2 scans (most: %d)\n",
		       lines, bad, over, max_scans);
		result(bad == 0 && over == 0,
		       "t1: no held work is seen by more than 2 scans of the bound before it is forced");
	}
	printf("# hrtimer expiries on CPU %d by callback (trace event hrtimer_expire_entry)\n",
	       ISO_CPU);
	for (int q = 0; q < PH_NR; q++)
		for (int i = 0; i < ph[q].hrt.n; i++)
			printf("# hrtimer %-10s %-24s %8lu\n", ph_names[q], ph[q].hrt.name[i],
			       ph[q].hrt.count[i]);
	{
		struct utsname u;

		uname(&u);
		printf("# t1-table|meta|%s|%s|%.1f|%d|%ld\n", u.machine, u.release, win, rounds,
		       defer_ms);
	}

	/* ---- assertions ---- */
	result(kinds_sum(&ph[PH_S_ALL].irq) > 0 && kinds_sum(&ph[PH_S_HK].irq) > 0,
	       "t1: the loads reach CPU 3 under stock nohz_full");
	for (int k = 0; k < PL_NR; k++) {
		char name[200];

		snprintf(name, sizeof(name), "t1: %s reaches CPU 3 under stock nohz_full (alone)",
			 pload_names[k]);
#if defined(__aarch64__)
		/*
		 * arm64 broadcasts TLB maintenance in hardware (no IPI), and a
		 * jump-label toggle sends no IPI of its own: reported only.
		 */
		if (k == PL_TLB || k == PL_TRACEPOINT) {
			printf("ok - %s # SKIP arm64: reported, %llu (no IPI of its own there)\n",
			       name, non_loc(&reach[k]));
			continue;
		}
#endif
		result(non_loc(&reach[k]) > 0, name);
	}
	result(ok_phase && ph[PH_I_HK].windows == rounds && kinds_sum(&ph[PH_I_HK].irq) == 0,
	       "t1: isolated CPU 3 received 0 interrupts of every kind under the housekeeping loads");
	result(phase_stat(&ph[PH_I_HK], "forced") == 0,
	       "t1: the housekeeping loads needed 0 forced deliveries (all done remotely)");
	check_progress(&ph[PH_S_ALL], NULL, all, rounds, "stock");
	check_progress(&ph[PH_I_ALL], &ph[PH_S_ALL], all, rounds, "isolated");
	check_progress(&ph[PH_S_HK], NULL, hk, rounds, "stock-hk");
	check_progress(&ph[PH_I_HK], &ph[PH_S_HK], hk, rounds, "iso-hk");
	report_bound(&ph[PH_I_ALL], &ph[PH_S_ALL], all, defer_ms, "isolated");
	report_bound(&ph[PH_I_HK], &ph[PH_S_HK], hk, defer_ms, "iso-hk");
	result(rcu_kthreads_on_iso_cpu() == 0,
	       "t1: no RCU kthread but rcuc/3 may run on CPU 3");
	unlink(PL_PATH);
	return failures ? 1 : 0;
}
