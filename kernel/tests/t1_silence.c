// SPDX-License-Identifier: GPL-2.0
/*
 * Test 1: a SCHED_FIFO busy task on CPU 3, 10 s as stock nohz_full, then
 * 10 s isolated, both under the same cross-CPU kernel work on CPUs 0-2.
 * Prints the interrupts CPU 3 received, by kind, side by side. The
 * isolated phase must be 0 of every kind.
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

static void spinner(struct shared *s)
{
	pin(ISO_CPU);
	fifo(50);
	mlockall(MCL_CURRENT | MCL_FUTURE);
	atomic_store(&s->ack, 1);
	while (atomic_load(&s->phase) < 2)
		atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
	atomic_store(&s->err, control("start clock,resched,ipi"));
	atomic_store(&s->ack, 2);
	while (atomic_load(&s->phase) < 3)
		atomic_fetch_add_explicit(&s->spins, 1, memory_order_relaxed);
	if (!atomic_load(&s->err))
		atomic_store(&s->err, control("stop"));
	atomic_store(&s->ack, 3);
	_exit(0);
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 10;
	struct kinds a, b, c, d, stock, iso;
	struct stats s0, s1;
	struct fnc tr_stock, tr_iso;
	struct shared *s = shared_new();
	struct load load;
	unsigned long long iso_sum;
	pid_t pid;

	pin(0);
	pid = fork();
	if (pid == 0)
		spinner(s);
	wait_ack(s, 1);
	load_start(&load);
	printf("# load on CPUs 0-2:");
	for (int k = 0; k < LOAD_NR; k++)
		printf(" %s%s", load_names[k], k + 1 < LOAD_NR ? "," : "\n");
	/* Which hrtimers fire on CPU 3 (the tick? the fair server's dl_timer?) */
	hrtimer_trace(true);
	sleep(1);

	hrtimer_trace_clear();
	snapshot(&a);
	sleep(secs);
	snapshot(&b);
	hrtimer_trace_read(&tr_stock);

	atomic_store(&s->phase, 2);
	wait_ack(s, 2);
	hrtimer_trace_clear();
	read_stats(ISO_CPU, &s0);
	snapshot(&c);
	sleep(secs);
	snapshot(&d);
	read_stats(ISO_CPU, &s1);
	hrtimer_trace_read(&tr_iso);
	atomic_store(&s->phase, 3);
	wait_ack(s, 3);
	waitpid(pid, NULL, 0);
	load_stop(&load);
	hrtimer_trace(false);

	result(atomic_load(&s->err) == 0, "t1: start/stop isolation of CPU 3");
	delta(&a, &b, &stock);
	delta(&c, &d, &iso);
	printf("# interrupts on CPU %d in %d s, by kind (same boot, same load)\n",
	       ISO_CPU, secs);
	printf("# %-24s %12s %12s\n", "kind", "stock", "isolated");
	for (int i = 0; i < stock.n; i++) {
		unsigned long long v = kinds_get(&iso, stock.name[i]);
		if (kind_always(stock.name[i]) || stock.count[i] || v)
			printf("# %-24s %12llu %12llu\n", stock.name[i], stock.count[i], v);
	}
	iso_sum = kinds_sum(&iso);
	printf("# %-24s %12llu %12llu\n", "TOTAL", kinds_sum(&stock), iso_sum);
	print_stats_delta("isolated phase", &s0, &s1);
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
	result(kinds_sum(&stock) > 0, "t1: the load reaches CPU 3 under stock nohz_full");
	result(iso_sum == 0, "t1: isolated CPU 3 received 0 interrupts of every kind");
	result(stat_get(&s1, "work_deferred") > stat_get(&s0, "work_deferred"),
	       "t1: cross-CPU work to CPU 3 was deferred, not lost");
	result(rcu_kthreads_on_iso_cpu() == 0,
	       "t1: no RCU kthread but rcuc/3 may run on CPU 3");
	return failures ? 1 : 0;
}
