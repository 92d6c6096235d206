// SPDX-License-Identifier: GPL-2.0-or-later
/* The lifecycle against a fake system: refusals, the stock backend's steps
 * and their undoing, tick callbacks, and the kernel backend's protocol
 * (a regular file stands in for /proc/isolator/control). */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/internal.h"
#include "fakeroot.h"
#include "tap.h"

static int ticks;
static unsigned last_flags;

static void on_tick(void *arg, unsigned flags)
{
	(*(int *)arg)++;
	last_flags = flags;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu < 0) {
		for (int c = 0; c < 2; c++)
			CPU_SET(c, &set);
	} else {
		CPU_SET(cpu, &set);
	}
	sched_setaffinity(0, sizeof(set), &set);
}

static void refusals(void)
{
	struct isolator_status st;

	is_int(isolator_start(0), -EINVAL, "empty mask refused");
	is_int(isolator_start(1u << 7), -EINVAL, "unknown mask bit refused");
	pin(-1);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		is_int(isolator_start(ISOLATOR_MASK_ALL), -EINVAL,
		       "thread allowed on several CPUs refused: %s", isolator_errmsg());
	is_int(isolator_tick(0), -ENOTCONN, "tick while not isolated");
	is_int(isolator_tick(1u << 9), -EINVAL, "unknown tick flag");
	is_int(isolator_stop(), -ENOTCONN, "stop while not isolated");
	isolator_status(&st);
	is_int(st.backend, ISOLATOR_BACKEND_NONE, "status: not isolated");
	struct isolator_params p;
	isolator_params_init(&p);
	is_int(p.fifo_priority, ISOLATOR_DEFAULT_FIFO_PRIORITY, "default FIFO priority: the one constant");
	p.fifo_priority = 100;
	pin(0);
	is_int(isolator_start_params(ISOLATOR_MASK_ALL, &p), -EINVAL, "FIFO priority 100 refused");
}

static void stock(const char *root)
{
	struct isolator_params p;
	struct isolator_status st;
	char text[4096];

	isolator_params_init(&p);
	p.fifo_priority = 0;       /* keep the test runner's own policy */
	p.prefault_stack = 64 << 10;
	pin(0);
	ticks = 0;
	is_int(isolator_tick_register(on_tick, &ticks), 0, "register a tick callback");
	is_int(isolator_tick_register(NULL, NULL), -EINVAL, "NULL callback refused");
	is_int(isolator_start_params(ISOLATOR_MASK_ALL, &p), 0, "start on CPU 0 (stock): %s",
	       isolator_errmsg());
	is_int(isolator_start(ISOLATOR_MASK_ALL), -EBUSY, "second start refused");
	isolator_status(&st);
	is_int(st.backend, ISOLATOR_BACKEND_STOCK, "stock backend");
	is_int(st.cpu, 0, "CPU 0");
	is_int(st.irqs_moved, 2, "IRQs 10 and 12 moved off CPU 0");
	ok(st.applied & ISOLATOR_STEP_IRQ_STEER, "irq_steer applied");
	ok(st.applied & ISOLATOR_STEP_DMA_LATENCY, "dma_latency held (fake device file)");
	ok(st.remaining & ISOLATOR_SOURCE_IPI, "stock cannot silence IPIs, and says so");
	ok(st.remaining & ISOLATOR_SOURCE_TICK, "CPU 0 not nohz_full: tick remains");
	ok(st.failed & ISOLATOR_STEP_CPUSET, "no cgroup v2 in the fake tree: cpuset reported");
	isolator_status_describe(text, sizeof(text));
	ok(strstr(text, "may still interrupt") != NULL, "describe lists what remains");
	diag("%s", text);
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "1-3", "IRQ 10 off CPU 0");
	is_int(isolator_tick(ISOLATOR_TICK_SCHED), 0, "tick");
	is_int(ticks, 1, "callback ran once");
	is_int(last_flags, ISOLATOR_TICK_SCHED, "callback got the flags");
	is_int(isolator_stop(), 0, "stop");
	is_int(ticks, 2, "callbacks run once more at stop");
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-3", "IRQ 10 restored");
	is_str(fake_read(root, "proc/irq/12/smp_affinity_list"), "0-1", "IRQ 12 restored");
	is_int(isolator_tick_unregister(on_tick, &ticks), 0, "unregister");
	is_int(isolator_tick_unregister(on_tick, &ticks), -ENOENT, "unregister twice");
}

/* issue 13 row 1: something planted at the session's journal name refuses
 * the session whole (it used to start without IRQ steering), nothing changed */
static void planted(const char *root, const char *state)
{
	struct isolator_params p;
	struct isolator_status st;
	char journal[600], victim[600];

	snprintf(journal, sizeof(journal), "%s/session-%d.journal", state, (int)getpid());
	snprintf(victim, sizeof(victim), "%s/victim", root);
	fake_write(root, "victim", "root's file\n");
	mkdir(state, 0700);
	ok(symlink(victim, journal) == 0, "a symlink planted at %s", journal);
	isolator_params_init(&p);
	p.fifo_priority = 0;
	pin(0);
	is_int(isolator_start_params(ISOLATOR_MASK_ALL, &p), -EEXIST, "start refused: %s",
	       isolator_errmsg());
	ok(strstr(isolator_errmsg(), "a symbolic link; refused") != NULL, "  ... naming what it is");
	isolator_status(&st);
	is_int(st.backend, ISOLATOR_BACKEND_NONE, "  ... not isolated");
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-3", "  ... no IRQ steered");
	is_str(fake_read(root, "victim"), "root's file", "  ... the link's target untouched");
	unlink(journal);
	is_int(isolator_start_params(ISOLATOR_MASK_ALL, &p), 0, "start once it is gone: %s",
	       isolator_errmsg());
	is_int(isolator_stop(), 0, "stop");
	pin(-1);
}

static void kernel(const char *root)
{
	struct isolator_params p;
	struct isolator_status st;

	fake_write(root, "proc/isolator/control", "");
	is_int(isolator_backend_available(), ISOLATOR_BACKEND_KERNEL, "kernel backend detected");
	isolator_params_init(&p);
	p.fifo_priority = 0;
	p.prefault_stack = 0;
	pin(0);
	is_int(isolator_start_params(ISOLATOR_MASK_CLOCK | ISOLATOR_MASK_IPI, &p), 0, "start (kernel)");
	is_str(fake_read(root, "proc/isolator/control"), "start clock,ipi", "wrote 'start clock,ipi'");
	isolator_status(&st);
	ok(st.backend == ISOLATOR_BACKEND_KERNEL && (st.applied & ISOLATOR_STEP_KERNEL), "kernel engaged");
	ok(!(st.remaining & (ISOLATOR_SOURCE_TICK | ISOLATOR_SOURCE_IPI)), "tick and IPIs silenced");
	ok(st.remaining & ISOLATOR_SOURCE_RESCHED, "resched not in the mask: remains");
	is_int(isolator_tick(ISOLATOR_TICK_SCHED | ISOLATOR_TICK_TSC_SYNC), 0, "tick (kernel)");
	is_str(fake_read(root, "proc/isolator/control"), "tick sched,tsc_sync", "wrote 'tick sched,tsc_sync'");
	is_int(isolator_tick(0), 0, "empty tick");
	is_str(fake_read(root, "proc/isolator/control"), "tick", "wrote 'tick'");
	is_int(isolator_stop(), 0, "stop (kernel)");
	is_str(fake_read(root, "proc/isolator/control"), "stop", "wrote 'stop'");

	/* the kernel refusing start must leave nothing applied */
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/proc/isolator/control", root);
	unlink(dir);
	fake_mkdirs(dir); /* writing a directory fails: EISDIR */
	ok(isolator_start_params(ISOLATOR_MASK_ALL, &p) < 0, "kernel refusal fails start: %s",
	   isolator_errmsg());
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-3", "IRQ steering undone");
	isolator_status(&st);
	is_int(st.backend, ISOLATOR_BACKEND_NONE, "not isolated after refusal");
	rmdir(dir);
}

int main(void)
{
	char *root = fake_root_new();
	char state[512];

	snprintf(state, sizeof(state), "%s/state", root);
	setenv("ISOLATOR_SYSROOT", root, 1);
	setenv("ISOLATOR_STATE_DIR", state, 1);
	refusals();
	stock(root);
	planted(root, state);
	kernel(root);
	fake_root_free(root);
	return done_testing();
}
