// SPDX-License-Identifier: GPL-2.0-or-later
/* Interrupt counters from fake /proc trees: x86-64, arm64, the kernel
 * extension's stats (unversioned and "version 1"), deltas, and refusal of
 * malformed files; the kernel extension's bound on held work and its
 * culprits; the kernel backend's choice between prctl() and the control
 * file of an older series. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/internal.h"
#include "tap.h"

#define GET(c, cpu, k) isolator_counts_get(c, cpu, ISOLATOR_KIND_##k)

static void x86(void)
{
	struct isolator_counts *c = isolator_counts_read(data_path("x86"));

	if (!ok(c != NULL, "read x86 tree: %s", c ? "" : isolator_errmsg()))
		return;
	is_int(isolator_counts_ncpus(c), 4, "x86: 4 CPUs");
	is_int(GET(c, 3, TIMER), 7, "x86: LOC on CPU 3");
	is_int(GET(c, 0, TIMER), 100000, "x86: LOC on CPU 0");
	is_int(GET(c, 3, RESCHED), 2, "x86: RES");
	is_int(GET(c, 3, CALL), 3, "x86: CAL");
	is_int(GET(c, 3, TLB), 5, "x86: TLB");
	is_int(GET(c, 3, IRQ_WORK), 1, "x86: IWI");
	is_int(GET(c, 3, NMI), 8, "x86: NMI + PMI");
	is_int(GET(c, 3, DEVICE), 2, "x86: device IRQs summed");
	is_int(GET(c, 0, DEVICE), 45, "x86: IRQ 0 'timer' is a device (PIT/HPET), not LOC");
	is_int(GET(c, 3, OTHER), 3, "x86: MCP counted as other; ERR/MIS ignored");
	is_int(GET(c, 1, SOFT_BLOCK), 6248, "x86: softirq BLOCK");
	is_int(GET(c, 3, SOFT_SCHED), 2, "x86: softirq SCHED");
	is_int(isolator_counts_total(c, 3), 7 + 2 + 3 + 5 + 1 + 8 + 2 + 3 + 1 + 2, "x86: total on CPU 3");
	ok(!isolator_counts_have_kernel(c), "x86: no kernel extension");
	is_int(GET(c, 9, TIMER), 0, "CPU out of range reads 0");
	is_int(isolator_counts_get(c, 0, ISOLATOR_KIND_COUNT), 0, "kind out of range reads 0");
	isolator_counts_free(c);
}

static void arm64(void)
{
	struct isolator_counts *c = isolator_counts_read(data_path("arm64"));

	if (!ok(c != NULL, "read arm64 tree: %s", c ? "" : isolator_errmsg()))
		return;
	is_int(GET(c, 3, TIMER), 17, "arm64: arch_timer is the local timer");
	is_int(GET(c, 3, RESCHED), 5, "arm64: IPI0 Rescheduling");
	is_int(GET(c, 3, CALL), 6, "arm64: IPI1 Function call");
	is_int(GET(c, 3, IRQ_WORK), 1, "arm64: IPI5 IRQ work");
	is_int(GET(c, 0, DEVICE), 77, "arm64: device IRQs");
	is_int(GET(c, 0, SOFT_HI), 1, "arm64: softirq HI");
	isolator_counts_free(c);
}

static void kernel(void)
{
	struct isolator_counts *c = isolator_counts_read(data_path("kernel"));

	if (!ok(c != NULL, "read tree with /proc/isolator/stats: %s", c ? "" : isolator_errmsg()))
		return;
	ok(isolator_counts_have_kernel(c), "kernel extension counters present");
	is_int(GET(c, 3, X_TICKS_SUPPRESSED), 2500, "ticks_suppressed by column name");
	is_int(GET(c, 3, X_IPI_TLB), 4, "ipi_tlb");
	is_int(GET(c, 3, X_WORK_DELIVERED), 1, "work_delivered");
	is_int(GET(c, 3, X_MAX_TICK_NS), 8100, "max_tick_ns; unknown trailing column ignored");
	is_int(GET(c, 3, X_FORCED), 2, "forced deliveries");
	is_int(GET(c, 3, X_REMOTE), 31, "housekeeping done remotely");
	is_int(GET(c, 3, TIMER), 7, "interrupts read alongside");
	isolator_counts_free(c);
}

static void delta(void)
{
	struct isolator_counts *a = counts_new(), *b = counts_new();

	counts_parse_interrupts(b, "  CPU0 CPU1\nLOC: 10 20 Local\nRES: 5 5 Resched\n");
	counts_parse_interrupts(a, "  CPU0 CPU1\nLOC: 15 20 Local\nRES: 4 9 Resched\n");
	counts_parse_isolator(b, "cpu isolated max_tick_ns\n0 0 900\n1 0 0\n");
	counts_parse_isolator(a, "cpu isolated max_tick_ns\n0 0 700\n1 0 0\n");
	is_int(isolator_counts_delta(a, b), 0, "delta");
	is_int(GET(a, 0, TIMER), 5, "delta LOC");
	is_int(GET(a, 0, RESCHED), 0, "a counter that went back reads 0");
	is_int(GET(a, 1, RESCHED), 4, "delta RES cpu1");
	is_int(GET(a, 0, X_MAX_TICK_NS), 700, "a maximum is not subtracted");
	is_int(isolator_counts_delta(NULL, b), -EINVAL, "delta NULL");
	struct isolator_counts *d = isolator_counts_dup(a);
	ok(d && GET(d, 1, RESCHED) == 4, "dup copies");
	isolator_counts_free(d);
	isolator_counts_free(a);
	isolator_counts_free(b);
	isolator_counts_free(NULL);
	ok(1, "free(NULL) is a no-op");
}

static void malformed(void)
{
	static const struct {
		int softirq;
		const char *text;
		const char *why;
	} cases[] = {
		{ 0, "", "empty file" },
		{ 0, "  CPUx CPU1\nLOC: 1 2\n", "bad header" },
		{ 0, "  CPU0 CPU1\nLOC 1 2\n", "line without label" },
		{ 0, "  CPU0 CPU1\nLOC: 1 x\n", "short row of a per-CPU label is skipped" },
		{ 0, "  CPU0 CPU99999\n", "CPU number out of range" },
		{ 1, "  CPU0 CPU1\n  TIMER: 1\n", "softirq row too short" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct isolator_counts *c = counts_new();
		int err = cases[i].softirq ? counts_parse_softirqs(c, cases[i].text)
					   : counts_parse_interrupts(c, cases[i].text);

		if (i == 3)
			is_int(err, 0, "%s", cases[i].why);
		else
			ok(err < 0, "refuse: %s (%s)", cases[i].why, isolator_errmsg());
		isolator_counts_free(c);
	}
	struct isolator_counts *c = counts_new();

	ok(counts_parse_isolator(c, "cpu x\n0 abc\n") < 0, "refuse a non-number in isolator stats");
	ok(counts_parse_isolator(c, "cpux\n") < 0, "refuse isolator stats without header");
	isolator_counts_free(c);
	/* issue 13 row 11: a stats file with only its header holds no CPU, and
	 * copying it must not memcpy from a NULL array (UBSan) */
	c = counts_new();
	is_int(counts_parse_isolator(c, "cpu ticks_suppressed\n"), 0, "isolator stats with only a header");
	struct isolator_counts *copy = isolator_counts_dup(c);
	ok(copy && isolator_counts_ncpus(copy) == 0, "its copy holds no CPU");
	isolator_counts_free(copy);
	isolator_counts_free(c);
	errno = 0;
	ok(isolator_counts_read("/nonexistent-root") == NULL && errno == ENOENT,
	   "missing /proc/interrupts: NULL, ENOENT (%s)", isolator_errmsg());
}

/* A temporary sysroot @root (a mkdtemp template) holding an empty
 * proc/isolator; 0 or -1. */
static int fake_root(char *root)
{
	char path[256];

	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/proc", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/proc/isolator", root);
	return mkdir(path, 0700);
}

/* Remove what fake_root() made; its files must be gone already. */
static void fake_root_remove(const char *root)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/proc/isolator", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/proc", root);
	rmdir(path);
	rmdir(root);
}

static void bound_and_culprits(void)
{
	struct isolator_culprit e[4];
	char root[] = "/tmp/isolator-test-bound-XXXXXX", path[256];
	int n;

	is_int(isolator_max_defer_get(data_path("kernel")), 100, "max_defer_ms read");
	is_int(isolator_max_defer_get(data_path("x86")), -ENOENT, "no bound without the extension");
	n = isolator_culprits_read(data_path("kernel"), e, 4);
	is_int(n, 2, "two culprits");
	if (n == 2) {
		is_int(e[0].cpu, 3, "culprit cpu");
		is_int((long long)e[0].waited_ns, 100213000, "waited_us in ns");
		is_int(e[0].pid, 123, "sender pid");
		ok(!strcmp(e[0].sender, "stat_refresh_lo") && !strcmp(e[0].work, "vmstat_update"),
		   "sender and work: %s %s", e[0].sender, e[0].work);
		ok(!strcmp(e[1].work, "call:do_sync_core"), "oldest first");
		ok(e[0].scans == 2 && e[1].scans == 1, "scans of the bound: %u %u", e[0].scans,
		   e[1].scans);
	}
	/* a series before the scans column: the five columns, scans 0 */
	n = culprits_parse("cpu waited_us sender pid work\n3 5 a 1 w1\n", e, 4);
	ok(n == 1 && e[0].scans == 0 && !strcmp(e[0].work, "w1"), "no scans column: scans 0");
	is_int(culprits_parse("cpu waited_us sender pid work scans\n3 1 s 1 w\n", e, 4), -EPROTO,
	       "refuse a line without the scans the header names");
	n = culprits_parse("cpu waited_us sender pid work\n1 1 a 1 w1\n1 2 b 2 w2\n1 3 c 3 w3\n", e, 2);
	ok(n == 2 && !strcmp(e[0].work, "w2") && !strcmp(e[1].work, "w3"),
	   "more than max: the newest kept, oldest first");
	is_int(culprits_parse("cpu waited_us sender pid work\n", e, 4), 0, "no forced delivery");
	is_int(culprits_parse("cpu sender pid work\n", e, 4), -EPROTO, "refuse a header without waited_us");
	is_int(culprits_parse("cpu waited_us sender pid work\n3 x s 1 w\n", e, 4), -EPROTO,
	       "refuse a non-number: %s", isolator_errmsg());
	is_int(culprits_parse("cpu waited_us sender pid work\n3 1 s 1\n", e, 4), -EPROTO,
	       "refuse a short line");
	is_int(isolator_culprits_read(data_path("x86"), e, 4), -ENOENT, "no culprits without the extension");

	if (!ok(fake_root(root) == 0, "temp sysroot %s", root))
		return;
	snprintf(path, sizeof(path), "%s/proc/isolator/max_defer_ms", root);
	is_int(isolator_max_defer_set(root, 10001), -EINVAL, "refuse a bound over 10 s");
	is_int(isolator_max_defer_set(root, 5), -ENOENT, "set without the extension: ENOENT");
	fclose(fopen(path, "w"));
	is_int(isolator_max_defer_set(root, 250), 0, "set the bound");
	is_int(isolator_max_defer_get(root), 250, "read it back");
	is_int(isolator_max_defer_set(root, 0), 0, "0: deliver at once");
	is_int(isolator_max_defer_get(root), 0, "read 0 back");
	FILE *f = fopen(path, "w");
	fputs("12ms\n", f);
	fclose(f);
	is_int(isolator_max_defer_get(root), -EPROTO, "refuse content that is not a number");
	unlink(path);
	fake_root_remove(root);
}

static void versioned(void)
{
	struct isolator_counts *c = counts_new();

	is_int(counts_parse_isolator(c, "version 1\ncpu isolated forced some_new_column\n"
				     "3 77 5 9\n"), 0, "stats format version 1");
	is_int(GET(c, 3, X_FORCED), 5, "version 1: columns by name after the version line");
	ok(isolator_counts_have_kernel(c), "version 1: kernel counters present");
	isolator_counts_free(c);
	c = counts_new();
	is_int(counts_parse_isolator(c, "version 2\ncpu forced\n3 5\n"), -EPROTO,
	       "refuse a format version this library does not read: %s", isolator_errmsg());
	is_int(counts_parse_isolator(c, "version x\ncpu forced\n3 5\n"), -EPROTO,
	       "refuse a malformed version line");
	is_int(counts_parse_isolator(c, "version 1\n"), -EPROTO,
	       "refuse a version line without header: %s", isolator_errmsg());
	isolator_counts_free(c);
}

/* A fake prctl(): what the kernel under test answers, and what it was asked. */
static int fake_answer, fake_calls, fake_option;
static unsigned long fake_arg;

static int fake_prctl(int option, unsigned long arg)
{
	fake_calls++;
	fake_option = option;
	fake_arg = arg;
	return fake_answer;
}

static void put(const char *root, const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/isolator/%s", root, file);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void get(const char *root, const char *file, char *buf, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/isolator/%s", root, file);
	buf[0] = 0;
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = 0;
		fclose(f);
	}
}

static void kernel_paths(void)
{
	char root[] = "/tmp/isolator-test-via-XXXXXX", path[256], line[128];
	enum kernel_via via;

	if (!ok(fake_root(root) == 0, "temp sysroot %s", root))
		return;

	/* this series: stats announce the prctl(), which is used alone */
	put(root, "stats", "version 1\ncpu isolated\n0 0\n");
	put(root, "control", "");
	ok(kernel_available(root), "backend available with stats");
	via = KERNEL_VIA_NONE;
	fake_answer = 0;
	fake_calls = 0;
	is_int(kernel_command(root, fake_prctl, KERNEL_START, ISOLATOR_MASK_ALL, &via), 0,
	       "start through the prctl");
	ok(fake_calls == 1 && fake_option == 0x49534f01 && fake_arg == 7,
	   "PR_ISOLATOR_START with the mask (option 0x%x, arg %lu)", fake_option, fake_arg);
	is_int(via, KERNEL_VIA_PRCTL, "the prctl path is remembered");
	get(root, "control", line, sizeof(line));
	is_str(line, "", "the control file is not written");
	fake_answer = -EINVAL;
	is_int(kernel_command(root, fake_prctl, KERNEL_TICK, ISOLATOR_TICK_SCHED, &via), -EINVAL,
	       "an EINVAL of the prctl is the kernel's answer: %s", isolator_errmsg());
	get(root, "control", line, sizeof(line));
	is_str(line, "", "and is not retried through the control file");
	fake_answer = -EPERM;
	via = KERNEL_VIA_NONE;
	is_int(kernel_command(root, fake_prctl, KERNEL_START, ISOLATOR_MASK_CLOCK, &via), -EPERM,
	       "EPERM: %s", isolator_errmsg());
	ok(strstr(isolator_errmsg(), "CAP_SYS_ADMIN") != NULL, "EPERM names the capability");
	fake_answer = -EBUSY;
	is_int(kernel_command(root, fake_prctl, KERNEL_START, ISOLATOR_MASK_CLOCK, &via), -EBUSY,
	       "EBUSY: %s", isolator_errmsg());
	fake_answer = -EINVAL;
	via = KERNEL_VIA_NONE;
	is_int(kernel_command(root, fake_prctl, KERNEL_START, ISOLATOR_MASK_CLOCK, &via), -EINVAL,
	       "EINVAL of a kernel that announces the prctl: %s", isolator_errmsg());
	get(root, "control", line, sizeof(line));
	is_str(line, "", "no fallback either");

	/* an older series: no version line, the prctl() is unknown (EINVAL) */
	put(root, "stats", "cpu isolated\n0 0\n");
	via = KERNEL_VIA_NONE;
	fake_calls = 0;
	is_int(kernel_command(root, fake_prctl, KERNEL_START, ISOLATOR_MASK_ALL, &via), 0,
	       "older series: start falls back to the control file");
	is_int(via, KERNEL_VIA_CONTROL, "the control path is remembered");
	get(root, "control", line, sizeof(line));
	is_str(line, "start clock,resched,ipi", "the line written");
	is_int(kernel_command(root, fake_prctl, KERNEL_TICK, ISOLATOR_TICK_SCHED | ISOLATOR_TICK_RT,
			      &via), 0, "tick through the control file");
	get(root, "control", line, sizeof(line));
	is_str(line, "tick sched,rt", "tick's line");
	is_int(kernel_command(root, fake_prctl, KERNEL_TICK, 0, &via), 0, "tick without flags");
	get(root, "control", line, sizeof(line));
	is_str(line, "tick", "an empty tick");
	is_int(kernel_command(root, fake_prctl, KERNEL_STOP, 0, &via), 0, "stop");
	get(root, "control", line, sizeof(line));
	is_str(line, "stop", "stop's line");
	is_int(fake_calls, 1, "the prctl is tried once per session, not at every tick");

	/* neither: a kernel with the stats of an older series but no control */
	snprintf(path, sizeof(path), "%s/proc/isolator/control", root);
	unlink(path);
	via = KERNEL_VIA_NONE;
	is_int(kernel_command(root, fake_prctl, KERNEL_START, ISOLATOR_MASK_ALL, &via), -EINVAL,
	       "no prctl and no control file: %s", isolator_errmsg());
	is_int(via, KERNEL_VIA_NONE, "no path found");

	snprintf(path, sizeof(path), "%s/proc/isolator/stats", root);
	unlink(path);
	ok(!kernel_available(root), "no backend without /proc/isolator files");
	fake_root_remove(root);
}

int main(void)
{
	x86();
	arm64();
	kernel();
	versioned();
	kernel_paths();
	delta();
	malformed();
	bound_and_culprits();
	return done_testing();
}
