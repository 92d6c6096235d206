// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator explain: from a report (struct xreport) to findings. Each finding
 * quotes the line that shows it, names the cause, says how much of which
 * number it explains and on what basis, and gives the fix as a command.
 *
 * What a report cannot show (the kernel, isolation, SMIs, a hypervisor) is
 * read from this machine through the same probes as `isolator check`
 * (lib/tune_check.c, through the sysroot), and labelled as such: a pasted
 * report may come from another machine.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tune/tune.h"
#include "explain.h"

/* The kernel's default timer slack (init_task.timer_slack_ns), inherited by
 * every task; SCHED_FIFO/RR/DEADLINE tasks get none (kernel/sys.c, 6.x). */
#define DEFAULT_SLACK_NS 50000ull

const char *explain_kind_name(enum xkind k)
{
	static const char *const names[] = { "cause", "ruled_out", "answer", "unknown" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const struct xfinding *explain_find(const struct xfindings *fs, const char *id)
{
	for (unsigned i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].id, id))
			return &fs->f[i];
	return NULL;
}

struct rules {
	const struct xreport *r;
	const char *sysroot;
	int cpu;
	const struct xresponse *resp;
	struct xfindings *out;
	struct tune_check *checks; /* this machine, as `isolator check --cpu CPU` */
	size_t nchecks;
	int hypervisor;            /* -1 unknown */
	long slack_ns;             /* this machine's default, -1 unknown */
};

static struct xfinding *add(struct rules *c, const char *id, enum xkind kind, const struct xquote *q)
{
	struct xfinding *f;

	if (c->out->n >= XR_FINDINGS)
		return NULL;
	f = &c->out->f[c->out->n++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->kind = kind;
	if (q)
		f->quote = *q;
	return f;
}

#define SET(field, ...) snprintf(f->field, sizeof(f->field), __VA_ARGS__)

/* "this machine: <check evidence>" for check @id into @f->machine. */
static const struct tune_check *machine(struct rules *c, struct xfinding *f, const char *id)
{
	const struct tune_check *t = c->checks ? tune_check_find(c->checks, c->nchecks, id) : NULL;

	/* the evidence of one item can list dozens of IRQs: its start says enough */
	if (f && t && t->status != TUNE_SKIP)
		text_appendf(f->machine, sizeof(f->machine), "%s`isolator check` %s: %s: %.160s%s",
		       f->machine[0] ? "; " : "this machine: ", id, tune_status_name(t->status),
		       t->evidence, strlen(t->evidence) > 160 ? "..." : "");
	return t && t->status != TUNE_SKIP ? t : NULL;
}

static double us(double ns)
{
	return ns / 1000.0;
}

static int is_cyclictest(const struct xreport *r)
{
	return r->format == XF_CYCLICTEST || r->format == XF_CYCLICTEST_JSON ||
	       r->format == XF_CYCLICTEST_HIST;
}

static int is_timerlat(const struct xreport *r)
{
	return r->format == XF_TIMERLAT_TOP || r->format == XF_TIMERLAT_HIST;
}

/* The series with the highest average (the one the user quotes). */
static const struct xseries *worst_avg(const struct xreport *r)
{
	const struct xseries *w = NULL;

	for (unsigned i = 0; i < r->nseries; i++)
		if (r->series[i].avg_ns >= 0 && (!w || r->series[i].avg_ns > w->avg_ns))
			w = &r->series[i];
	return w;
}

/* The measurement explain recommends, as one command. */
static void recommended(const struct rules *c, char *buf, size_t len)
{
	snprintf(buf, len, "cyclictest -t 1 -a %d -p 99 -m -i 1000 -q -D 60", c->cpu);
}

/* --- the findings ----------------------------------------------------------- */

static void policy(struct rules *c)
{
	const struct xreport *r = c->r;
	const struct xseries *w = worst_avg(r);
	struct xfinding *f;
	char rec[128];

	recommended(c, rec, sizeof(rec));
	if (r->rt_policy == XR_YES) {
		if ((f = add(c, "sched_other", XK_RULED_OUT, &r->policy_quote)))
			SET(cause, "the measuring thread%s ran at a real-time priority (%d): no timer "
				   "slack, and ordinary tasks cannot preempt it",
			    r->nseries > 1 ? "s" : "", r->prio);
		return;
	}
	if (r->rt_policy == XR_UNKNOWN) {
		if (!(f = add(c, "sched_other", XK_UNKNOWN, NULL)))
			return;
		SET(cause, "the report does not show the scheduling policy of the measuring "
			   "threads (a cyclictest histogram or an osnoise report leaves it out); a "
			   "SCHED_OTHER thread (cyclictest without -p) is preempted by ordinary tasks "
			   "and its sleeps are stretched by up to %llu us of timer slack",
		    DEFAULT_SLACK_NS / 1000);
		SET(fix, "%s", rec);
		return;
	}
	if (!(f = add(c, "sched_other", XK_CAUSE, &r->policy_quote)))
		return;
	if (r->format == XF_OSLAT || r->format == XF_OSLAT_JSON) {
		SET(cause, "oslat's loops ran SCHED_OTHER (no -f): the scheduler gives every other "
			   "runnable task on those CPUs its time slice in between, so gaps of "
			   "milliseconds are ordinary tasks running, not the kernel");
		SET(share, "the gaps above a few us (Maximum %.0f us): a SCHED_OTHER spinning loop is "
			   "preempted whenever another task on its CPU is runnable",
		    us((double)r->series[r->worst].max_ns));
		SET(fix, "oslat -c %d -f 1 -D 60 (on an isolated CPU: isolator apply --cpu %d first)",
		    c->cpu, c->cpu);
		return;
	}
	SET(cause, "the measuring thread%s ran SCHED_OTHER (P: 0, no -p): a SCHED_OTHER task's "
		   "timer is allowed to fire up to its timer slack late (default %llu us, "
		   "/proc/PID/timerslack_ns = %llu) so that the kernel can batch wake-ups; a "
		   "SCHED_FIFO/RR task's slack is 0, and ordinary tasks cannot delay it",
	    r->nseries > 1 ? "s" : "", DEFAULT_SLACK_NS / 1000, DEFAULT_SLACK_NS);
	if (w) {
		const struct xseries *first = &r->series[0];
		double gap = us(first->avg_ns) - us((double)first->min_ns);
		double slack = us((double)DEFAULT_SLACK_NS);

		if (first->avg_ns < 0)
			first = w, gap = us(w->avg_ns) - us((double)w->min_ns);
		SET(share, "about %.0f us of the %.0f us average (%s; the highest is %.0f us, %s): "
			   "Avg - Min = %.0f us, and the default timer slack alone is %.0f us; the "
			   "rest is the wake-up path (Min %.0f us) and other tasks",
		    gap < slack ? gap : slack, us(first->avg_ns), first->label, us(w->avg_ns),
		    w->label, gap, slack, us((double)first->min_ns));
	}
	if (c->slack_ns >= 0)
		SET(machine, "this machine: /proc/self/timerslack_ns = %ld", c->slack_ns);
	SET(fix, "%s   (or: isolator run --cpu %d --fifo 99 -- ./app for the application)", rec,
	    c->cpu);
}

static void mlock(struct rules *c)
{
	const struct xreport *r = c->r;
	struct xfinding *f;
	char rec[128];

	if (!is_cyclictest(r))
		return;
	recommended(c, rec, sizeof(rec));
	if (r->mlock == XR_YES) {
		if ((f = add(c, "no_mlock", XK_RULED_OUT, &r->cmdline)))
			SET(cause, "-m was given: memory locked, no page faults in the loop");
		return;
	}
	if (!(f = add(c, "no_mlock", r->mlock == XR_NO ? XK_CAUSE : XK_UNKNOWN, &r->cmdline)))
		return;
	if (r->mlock == XR_NO) {
		SET(cause, "no -m (--mlockall) on the command line: the measuring threads' stacks and "
			   "cyclictest's memory can be paged out or faulted in during the run; a page "
			   "fault costs microseconds (minor) to milliseconds (major, from disk)");
		SET(share, "not the average: single cycles in the maxima, first cycles and under "
			   "memory pressure (a summary line cannot say how many)");
	} else {
		SET(cause, "the report does not show whether -m (--mlockall) was given: cyclictest "
			   "prints nothing about it; paste the command line with the report");
	}
	SET(fix, "%s", rec);
}

static void cpus(struct rules *c)
{
	const struct xreport *r = c->r;
	const struct tune_check *iso;
	struct xfinding *f;
	char boot[256] = "";

	if (r->format == XF_ISOLATOR_BENCH)
		return; /* the bench isolates its CPU itself, and says so in "machine" */
	if (!(f = add(c, "cpus_shared", XK_CAUSE, r->cmdline.text[0] ? &r->cmdline
						  : r->cpus_quote.text[0] ? &r->cpus_quote
									  : &r->load_quote)))
		return;
	if (r->pinned == XR_NO && is_cyclictest(r)) {
		SET(cause, "the threads were not pinned (no -a, no --smp): the scheduler moves them "
			   "between CPUs, each migration a cache-cold wake-up, and onto CPUs busy with "
			   "other work");
	} else if (r->smp == XR_YES) {
		SET(cause, "--smp pins one thread to each CPU (thread N on CPU N), so every CPU was "
			   "measured, including the ones running the machine's other work");
		if (r->tasks)
			text_appendf(f->cause, sizeof(f->cause), " (the header: loadavg %.2f, %u tasks)",
			       r->load1, r->tasks);
		text_appendf(f->cause, sizeof(f->cause), "; nothing shows any of them isolated");
	} else if (r->pinned == XR_YES) {
		SET(cause, "the measuring threads were pinned, but the report cannot tell whether "
			   "their CPUs were isolated from other work (isolcpus/nohz_full, IRQs, "
			   "kernel threads)");
		f->kind = XK_UNKNOWN;
	} else {
		SET(cause, "the report does not show on which CPUs the measurement ran or whether "
			   "they were isolated");
		f->kind = XK_UNKNOWN;
	}
	if (f->kind == XK_CAUSE)
		SET(share, "part of the maxima and of the spread between threads: what else runs on "
			   "a CPU (tasks, device IRQs, kernel threads, the tick) delays its thread; a "
			   "summary line cannot split it further");
	iso = machine(c, f, "isolcpus");
	machine(c, f, "nohz_full");
	if (!iso || iso->status != TUNE_PASS)
		snprintf(boot, sizeof(boot), "; boot with isolcpus=domain,managed_irq,%d nohz_full=%d "
			 "rcu_nocbs=%d", c->cpu, c->cpu, c->cpu);
	SET(fix, "isolator check --cpu %d; isolator apply --cpu %d%s; then measure only that CPU: "
		 "cyclictest -t 1 -a %d -p 99 -m", c->cpu, c->cpu, boot, c->cpu);
}

static void dma(struct rules *c)
{
	const struct xreport *r = c->r;
	struct xfinding *f;

	if (r->dma_latency == XR_YES) {
		if ((f = add(c, "cpu_dma_latency", r->dma_latency_us == 0 ? XK_RULED_OUT : XK_CAUSE,
			     &r->dma_quote))) {
			SET(cause, "cyclictest held /dev/cpu_dma_latency at %ld us for the run%s",
			    r->dma_latency_us,
			    r->dma_latency_us == 0 ? ": no deep C-state exit is in these numbers"
						   : ": idle states up to that exit latency were allowed");
			if (r->dma_latency_us)
				SET(fix, "cyclictest --latency=0 ...; for the application: isolator apply --cpu %d",
				    c->cpu);
		}
		return;
	}
	if (r->format == XF_CYCLICTEST && r->policy_quote.line) {
		/* cyclictest prints the line whenever it could open the file */
		if (!(f = add(c, "cpu_dma_latency", XK_CAUSE, &r->policy_quote)))
			return;
		SET(cause, "no '# /dev/cpu_dma_latency set to 0us' line: cyclictest could not hold it "
			   "(not root, or --default-system), so the CPUs could enter deep idle states "
			   "between cycles, and waking from one takes tens to hundreds of us");
		SET(share, "the average and the minimum on an idle machine: each wake-up from a "
			   "deep C-state adds that state's exit latency (cpuidle/stateN/latency)");
		SET(fix, "run cyclictest as root; for the application: isolator apply --cpu %d",
		    c->cpu);
	} else {
		if (!(f = add(c, "cpu_dma_latency", XK_UNKNOWN, NULL)))
			return;
		SET(cause, "the report does not show whether /dev/cpu_dma_latency was held at 0 "
			   "(deep C-state exits add tens to hundreds of us to a wake-up)");
		SET(fix, "isolator apply --cpu %d holds it at 0 until isolator revert", c->cpu);
	}
	machine(c, f, "cpu_dma_latency");
}

static void kernel(struct rules *c)
{
	const struct xreport *r = c->r;
	const struct tune_check *t;
	struct xfinding *f;
	enum xkind k = r->preempt_rt == XR_YES ? XK_RULED_OUT
		       : r->preempt_rt == XR_NO ? XK_CAUSE : XK_UNKNOWN;

	if (!(f = add(c, "not_preempt_rt", k, r->kernel_quote.text[0] ? &r->kernel_quote : NULL)))
		return;
	if (k == XK_RULED_OUT) {
		SET(cause, "the report says the kernel is PREEMPT_RT");
		return;
	}
	SET(cause, "%s: without PREEMPT_RT, spinlock sections, softirqs and interrupt handlers run "
		   "with preemption off, and a woken real-time thread waits for them to end",
	    k == XK_CAUSE ? "the report says the kernel is not PREEMPT_RT"
			  : "the report does not say which kernel it ran on");
	SET(share, "the maxima, not the average: non-preemptible sections of a stock kernel reach "
		   "hundreds of us to milliseconds under load; PREEMPT_RT bounds them to tens of us");
	SET(fix, "boot a PREEMPT_RT kernel (Debian: apt-get install linux-image-rt-amd64); "
		 "isolator check shows it as item preempt_rt");
	t = machine(c, f, "preempt_rt");
	(void)t;
}

/* Maxima of a millisecond or more: the four usual owners, each with what can be read. */
static void maxima(struct rules *c)
{
	const struct xreport *r = c->r;
	const struct xseries *w = r->nseries ? &r->series[r->worst] : NULL;
	const struct tune_check *t;
	struct xfinding *f;

	if (!w || w->max_ns < 1000000)
		return;
	if ((f = add(c, "max_ms", XK_CAUSE, &w->quote))) {
		SET(cause, "a maximum of %.1f ms (%s): this long is not the kernel's wake-up path but "
			   "the thread not running at all: preempted by other work, its CPU stopped by "
			   "RT throttling, by firmware (SMIs) or by a hypervisor's host",
		    us((double)w->max_ns) / 1000, w->label);
		SET(share, "the maxima (%.0f us), not the average; which owner it was, a summary "
			   "cannot say: trace it (the fix) and read the culprit's name",
		    us((double)w->max_ns));
		SET(fix, "rtla timerlat top -c %d -a %llu (auto analysis names what blocked the "
			 "thread), or cyclictest -t 1 -a %d -p 99 -m -b %llu --tracemark; "
			 "isolator model record for the bound",
		    c->cpu, (unsigned long long)(w->max_ns / 2000), c->cpu,
		    (unsigned long long)(w->max_ns / 2000));
	}
	if (r->rt_policy == XR_NO && (f = add(c, "max_same_policy", XK_CAUSE, &r->policy_quote))) {
		SET(cause, "the thread ran at the same policy as every ordinary task (SCHED_OTHER): "
			   "when others are runnable on its CPU it waits for their time slices (the "
			   "EEVDF base slice is 0.75 ms times 1+log2(CPUs), several of them queue up)%s",
		    r->tasks ? "" : "");
		if (r->tasks)
			text_appendf(f->cause, sizeof(f->cause), "; the header shows loadavg %.2f and %u tasks",
			       r->load1, r->tasks);
		SET(share, "the likeliest owner of maxima of several ms at P: 0; a SCHED_FIFO thread "
			   "would not wait for any of them");
		SET(fix, "cyclictest -t 1 -a %d -p 99 -m ...", c->cpu);
	}
	if ((f = add(c, "max_rt_throttling", XK_UNKNOWN, NULL))) {
		SET(cause, "RT throttling stops all real-time tasks on a CPU for the rest of a period "
			   "once they used sched_rt_runtime_us of it (default 950 ms of 1 s): a "
			   "measurement beside a spinning RT task loses up to 50 ms at a time");
		t = machine(c, f, "rt_throttling");
		if (t && t->status == TUNE_PASS)
			f->kind = XK_RULED_OUT;
		if (r->rt_policy == XR_NO) {
			/* throttling stops real-time tasks, so ordinary ones run more, not less */
			f->kind = XK_RULED_OUT;
			f->quote = r->policy_quote;
			text_appendf(f->cause, sizeof(f->cause), "; the report's threads ran SCHED_OTHER, "
			       "which throttling never stops");
		}
		SET(fix, "sysctl kernel.sched_rt_runtime_us=-1 (isolator apply does it, journaled), "
			 "with housekeeping CPUs left for the rest");
	}
	if ((f = add(c, "max_smi", XK_UNKNOWN, NULL))) {
		SET(cause, "system management interrupts stop every CPU in firmware, invisible to "
			   "Linux, for tens of us to milliseconds (power, thermal, USB legacy, ECC)");
		t = machine(c, f, "smi");
		if (t && t->status == TUNE_PASS)
			f->kind = XK_RULED_OUT;
		SET(fix, "cyclictest --smi ... counts them per thread; turn the sources off in the "
			 "firmware setup (the vendor's real-time / low-latency profile)");
	}
	if ((f = add(c, "max_vm_host", XK_UNKNOWN, NULL))) {
		SET(cause, "on a virtual machine the host takes a vCPU away for milliseconds (its "
			   "own tasks, other guests), whatever the guest does");
		if (r->virtualized == XR_YES) {
			f->kind = XK_CAUSE;
			f->quote = r->kernel_quote;
			SET(share, "the maxima; the guest cannot remove it: compare percentiles and the "
				   "ratios of one run, not maxima");
		} else if (c->hypervisor >= 0) {
			SET(machine, "this machine: /proc/cpuinfo %s the hypervisor flag",
			    c->hypervisor ? "has" : "lacks");
			if (r->virtualized == XR_NO)
				f->kind = XK_RULED_OUT;
		}
		SET(fix, "measure on bare metal, or pin the vCPUs on the host (isolated host CPUs, "
			 "vCPU threads SCHED_FIFO) and read p99 rather than the maximum");
	}
}

/* A minimum of a few us: the path an interrupt takes to a waiting thread. */
static void minimum(struct rules *c)
{
	const struct xreport *r = c->r;
	const struct xseries *lo = r->nseries ? &r->series[r->lowest_min] : NULL;
	const struct xseries *poll = NULL, *wake = NULL;
	struct xfinding *f;

	if (r->format == XF_ISOLATOR_BENCH) {
		for (unsigned i = 0; i < r->nseries; i++) {
			if (!strcmp(r->series[i].label, "poll"))
				poll = &r->series[i];
			if (!strcmp(r->series[i].label, "wake"))
				wake = &r->series[i];
		}
		if (!poll || !wake || !(f = add(c, "min_wakeup", XK_CAUSE, &wake->quote)))
			return;
		SET(cause, "the wake mode pays the kernel's wake-up path (futex wake, IPI or timer "
			   "interrupt, scheduler, context switch); poll spins on the isolated CPU and "
			   "sees the event when its cache line arrives");
		SET(share, "wake p50 %llu ns vs poll p50 %llu ns: %.1fx, and p99 %llu vs %llu ns",
		    (unsigned long long)wake->p50_ns, (unsigned long long)poll->p50_ns,
		    poll->p50_ns ? (double)wake->p50_ns / (double)poll->p50_ns : 0,
		    (unsigned long long)wake->p99_ns, (unsigned long long)poll->p99_ns);
		SET(fix, "poll on an isolated CPU: isolator run --cpu %d --isolate all -- ./app "
			 "(the kernel extension removes what remains)", c->cpu);
		return;
	}
	if (is_timerlat(r)) { /* the IRQ's latency is not a wake-up: the thread's minimum is */
		lo = NULL;
		for (unsigned i = 0; i < r->nseries; i++)
			if (!strncmp(r->series[i].label, "Th", 2) &&
			    (!lo || r->series[i].min_ns < lo->min_ns))
				lo = &r->series[i];
	}
	if (!lo || !(is_cyclictest(r) || is_timerlat(r)) || lo->min_ns == 0 || lo->min_ns > 100000)
		return;
	if (!(f = add(c, "min_wakeup", XK_CAUSE, &lo->quote)))
		return;
	SET(cause, "a minimum of %.0f us (%s) is the whole interrupt-and-wake-up path at its "
		   "best: timer interrupt, hrtimer expiry, wake-up, scheduler, context switch, "
		   "return to user space; it is kernel code and cache misses, not clock cycles "
		   "(at 800 MHz, 2 us would be 1600 cycles), so a faster CPU trims it little and "
		   "no RT kernel makes an interrupt-driven wake-up take well under a microsecond",
	    us((double)lo->min_ns), lo->label);
	if (r->goal_ns)
		text_appendf(f->cause, sizeof(f->cause), "; the goal in the question (%.1f us) needs polling",
		       us((double)r->goal_ns));
	if (c->resp && c->resp->have)
		SET(share, "measured here by isolator bench response on CPU %d: the same responder "
			   "woken through the kernel (wake) p50 %llu ns, p99 %llu ns; spinning on an "
			   "isolated CPU (poll) p50 %llu ns, p99 %llu ns; cache-line floor p50 %llu ns",
		    c->resp->cpu, (unsigned long long)c->resp->wake_p50,
		    (unsigned long long)c->resp->wake_p99, (unsigned long long)c->resp->poll_p50,
		    (unsigned long long)c->resp->poll_p99, (unsigned long long)c->resp->floor_p50);
	else
		SET(share, "all of the minimum; what polling gets instead is measured by isolator "
			   "explain --measure (or isolator bench response) on this machine; the paper "
			   "reports 390-470 ns polling vs 4.1-72 us for PREEMPT_RT");
	SET(fix, "poll the event on an isolated CPU instead of sleeping for it: isolator run "
		 "--cpu %d --isolate all -- ./app (libisolator; the kernel extension silences the "
		 "tick and IPIs)", c->cpu);
}

/* rtla's own analysis of the worst sample. */
static void rtla_aa(struct rules *c)
{
	const struct xreport *r = c->r;
	struct xfinding *f;

	if (!r->aa_quote.line || !(f = add(c, "rtla_analysis", XK_CAUSE, &r->aa_quote)))
		return;
	SET(cause, "rtla's auto analysis names the largest part of the worst latency: %s",
	    !strcmp(r->aa_kind, "irq") ? "interrupt handlers that ran in between"
	    : !strcmp(r->aa_kind, "softirq") ? "softirqs that ran in between"
	    : !strcmp(r->aa_kind, "thread") ? "other threads that ran first"
	    : !strcmp(r->aa_kind, "nmi") ? "NMIs"
	    : !strcmp(r->aa_kind, "blocking") ? "a thread that held the CPU with preemption or "
						 "interrupts off"
	    : !strcmp(r->aa_kind, "handler") ? "the delay before the timer IRQ handler ran "
						"(interrupts off, or the hypervisor)"
	    : !strcmp(r->aa_kind, "irq_late") ? "the timer interrupt itself arrived late, with "
						 "nothing on the CPU delaying its handler: the "
						 "hardware timer, firmware (SMIs) or a hypervisor "
						 "that did not run the vCPU"
					      : "the timerlat IRQ itself");
	SET(share, "the percentage on the quoted line, of the worst sample rtla stopped at");
	if (!strcmp(r->aa_kind, "irq_late"))
		SET(fix, "nothing in Linux to move: on a VM, isolated host CPUs for the vCPUs; on bare "
			 "metal, the firmware's real-time profile (cyclictest --smi counts SMIs)");
	else
		SET(fix, "move what it names off the CPU: isolator apply --cpu %d (IRQs, workqueues), "
			 "isolcpus/nohz_full for tasks and the tick", c->cpu);
}

/* rtla osnoise: noise with no interrupt or thread behind it, seen by the OS as a gap. */
static void hw_noise(struct rules *c)
{
	const struct xreport *r = c->r;
	const struct xseries *w = NULL;
	struct xfinding *f;

	for (unsigned i = 0; i < r->nseries; i++)
		if (r->series[i].hw_noise && (!w || r->series[i].hw_noise > w->hw_noise))
			w = &r->series[i];
	if (!w || !(f = add(c, "hw_noise", XK_CAUSE, &w->quote)))
		return;
	SET(cause, "osnoise counted %llu hardware noise events on %s (the HW column): gaps in which "
		   "no interrupt, NMI or thread ran, so the CPU itself was taken away: SMIs, or on a "
		   "virtual machine the host", (unsigned long long)w->hw_noise, w->label);
	SET(share, "the part of the noise the OS cannot see or remove; Max Single %.0f us on that CPU",
	    us((double)w->max_ns));
	if (c->hypervisor >= 0)
		SET(machine, "this machine: /proc/cpuinfo %s the hypervisor flag",
		    c->hypervisor ? "has" : "lacks");
	SET(fix, "on bare metal: the firmware's real-time profile (cyclictest --smi counts SMIs); "
		 "on a VM: isolated host CPUs for the vCPUs");
}

/* "Can I guarantee that a process runs in a 10 ms window?" */
static void window(struct rules *c)
{
	const struct xreport *r = c->r;
	struct xfinding *f;
	uint64_t run = r->runtime_ns ? 2 * r->runtime_ns : r->window_ns / 10;
	char rt[32], per[32];

	if (!r->window_ns || !(f = add(c, "deadline_window", XK_ANSWER, &r->window_quote)))
		return;
	if (run > r->window_ns)
		run = r->window_ns;
	if (run % 1000000 == 0)
		snprintf(rt, sizeof(rt), "%llums", (unsigned long long)(run / 1000000));
	else
		snprintf(rt, sizeof(rt), "%lluus", (unsigned long long)(run / 1000));
	if (r->window_ns % 1000000 == 0)
		snprintf(per, sizeof(per), "%llums", (unsigned long long)(r->window_ns / 1000000));
	else
		snprintf(per, sizeof(per), "%lluus", (unsigned long long)(r->window_ns / 1000));
	SET(cause, "yes, as a scheduling guarantee: SCHED_DEADLINE reserves RUNTIME in every "
		   "PERIOD, finished by the DEADLINE, and the kernel's admission test refuses a "
		   "task it could not serve (all deadline tasks together may reserve at most "
		   "sched_rt_runtime_us/sched_rt_period_us, 95%%, of each CPU); it holds as long "
		   "as the task needs no more than RUNTIME, and what runs with preemption off "
		   "(bounded by PREEMPT_RT), SMIs and a hypervisor stay outside it");
	SET(share, "RUNTIME here is %s: %s%s; the window the question asks is %s", rt,
	    r->runtime_ns ? "twice the task's stated run time" : "a tenth of the window",
	    r->runtime_ns ? "" : " (put in the task's measured worst case, with margin)", per);
	SET(fix, "isolator run --deadline %s/%s/%s -- ./app (when admission refuses, it says why "
		 "in one line; with --cpu the CPU needs a root domain of its own)", rt, per, per);
	machine(c, f, "rt_throttling");
}

/* --- entry ------------------------------------------------------------------ */

static int default_cpu(const struct xreport *r, const char *sysroot)
{
	struct isolator_cpuset online;
	int last = -1;

	for (unsigned i = 0; i < r->nseries; i++)
		if (r->series[i].cpu > last)
			last = r->series[i].cpu;
	if (last < 0 && r->smp == XR_YES && r->nseries)
		last = (int)r->nseries - 1; /* --smp: thread N on CPU N */
	if (last >= 0)
		return last;
	if (isolator_cpus_online(sysroot, &online) < 0)
		return 0;
	for (unsigned c = 0; c < ISOLATOR_MAX_CPUS; c++)
		if (isolator_cpuset_has(&online, c))
			last = (int)c;
	return last < 0 ? 0 : last;
}

/* The machine's CPU for the probes: @cpu if it is online here, else the last online one. */
static int probe_cpu(const char *sysroot, int cpu)
{
	struct isolator_cpuset online;
	int last = -1;

	if (isolator_cpus_online(sysroot, &online) < 0)
		return -1;
	if (cpu >= 0 && cpu < ISOLATOR_MAX_CPUS && isolator_cpuset_has(&online, (unsigned)cpu))
		return cpu;
	for (unsigned c = 0; c < ISOLATOR_MAX_CPUS; c++)
		if (isolator_cpuset_has(&online, c))
			last = (int)c;
	return last;
}

int explain_rules(const struct xreport *r, const char *sysroot, int cpu,
		  const struct xresponse *resp, struct xfindings *out)
{
	struct rules c = { r, sysroot, cpu >= 0 ? cpu : default_cpu(r, sysroot), resp, out,
			   NULL, 0, -1, -1 };
	struct isolator_cpuset set;
	char path[512], buf[64], *text;
	int pc = probe_cpu(sysroot, c.cpu);

	memset(out, 0, sizeof(*out));
	if (pc >= 0) {
		memset(&set, 0, sizeof(set));
		isolator_cpuset_add(&set, (unsigned)pc);
		if (tune_check_run(sysroot, &set, &c.checks, &c.nchecks) < 0)
			c.checks = NULL;
	}
	if (!sysroot_path(path, sizeof(path), sysroot, "/proc/cpuinfo") &&
	    (text = read_file_alloc(path, NULL))) {
		c.hypervisor = strstr(text, " hypervisor") != NULL;
		free(text);
	}
	if (!sysroot_path(path, sizeof(path), sysroot, "/proc/self/timerslack_ns") &&
	    read_text(path, buf, sizeof(buf)) > 0)
		c.slack_ns = strtol(buf, NULL, 10);

	policy(&c);
	mlock(&c);
	cpus(&c);
	dma(&c);
	kernel(&c);
	maxima(&c);
	minimum(&c);
	rtla_aa(&c);
	hw_noise(&c);
	window(&c);
	free(c.checks);
	return 0;
}
