// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The isolation lifecycle: isolator_start(), isolator_tick(), isolator_stop().
 *
 * One session per process, owned by the isolated thread. The kernel backend
 * does everything the stock backend does (device IRQs, C-states, memory
 * locking are not the kernel extension's business) and then asks the kernel
 * to silence tick and IPIs; if the kernel refuses, every step is undone.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/*
 * Guards session.sys, the system-wide half: isolator_restore_system() may
 * run on another thread (one that waits for SIGINT) while the isolated thread
 * is in isolator_start or isolator_stop. Once it ran, `closing` keeps a
 * late isolator_start from changing anything the exiting process would leave.
 */
static pthread_mutex_t system_lock = PTHREAD_MUTEX_INITIALIZER;
static int system_held, closing;

static struct session {
	int active;
	enum isolator_backend backend;
	int cpu;
	unsigned mask;
	unsigned applied, failed;
	enum kernel_via via;	/* how the kernel backend was reached */
	char reasons[1536];
	struct stock_system sys;
	int old_policy;
	struct sched_param old_param;
	/* grown by isolator_tick_register() (never on the tick path) */
	struct tick_callback {
		isolator_tick_fn fn;
		void *arg;
	} *callbacks;
	unsigned ncallbacks, cap_callbacks;
} session;

static const char *const source_names[] = {
	"scheduler tick (CPU not in nohz_full=)",
	"residual tick: nohz_full's 1 Hz remote tick and deadline fair-server timer",
	"IPIs: call-function, TLB shootdown, irq_work",
	"reschedule IPIs",
	"device IRQs that refused a new affinity",
	"RCU callbacks (CPU not in rcu_nocbs=)",
	"preemption by other tasks (not SCHED_FIFO, or CPU not isolated from the scheduler)",
	"deep C-state exits (/dev/cpu_dma_latency not held)",
	"page faults (memory not locked)",
	"RT throttling: sched_rt_runtime_us < period, so the kernel gives other tasks part of each second",
};

static const char *bit_name(const char *const *names, size_t n, unsigned bit)
{
	if (!bit || (bit & (bit - 1)))
		return "?";
	unsigned i = (unsigned)__builtin_ctz(bit);

	return i < n ? names[i] : "?";
}

ISOLATOR_API const char *isolator_source_name(unsigned source)
{
	return bit_name(source_names, ARRAY_SIZE(source_names), source);
}

ISOLATOR_API const char *isolator_backend_name(enum isolator_backend backend)
{
	switch (backend) {
	case ISOLATOR_BACKEND_STOCK:
		return "stock";
	case ISOLATOR_BACKEND_KERNEL:
		return "kernel";
	default:
		return "none";
	}
}

ISOLATOR_API enum isolator_backend isolator_backend_available(void)
{
	return kernel_available(NULL) ? ISOLATOR_BACKEND_KERNEL : ISOLATOR_BACKEND_STOCK;
}

ISOLATOR_API void isolator_params_init(struct isolator_params *p)
{
	memset(p, 0, sizeof(*p));
	p->fifo_priority = ISOLATOR_DEFAULT_FIFO_PRIORITY;
	p->steer_irqs = 1;
	p->hold_dma_latency = 1;
	p->prefault_stack = 1 << 20;
	p->cpuset_partition = 1;
}

int pinned_cpu(void)
{
	cpu_set_t *set = CPU_ALLOC(ISOLATOR_MAX_CPUS);
	size_t size = CPU_ALLOC_SIZE(ISOLATOR_MAX_CPUS);
	int cpu = -1, n;

	if (!set)
		return -ENOMEM;
	if (sched_getaffinity(0, size, set) < 0) {
		n = -errno;
		CPU_FREE(set);
		return n;
	}
	n = CPU_COUNT_S(size, set);
	for (int c = 0; c < ISOLATOR_MAX_CPUS && cpu < 0; c++)
		if (CPU_ISSET_S(c, size, set))
			cpu = c;
	CPU_FREE(set);
	return n == 1 ? cpu : -EINVAL;
}

/* Touch every page of @size bytes of stack now, so the loop never faults
 * on a stack page later (mlockall alone locks only what is mapped). */
static void __attribute__((noinline)) prefault_stack(size_t size)
{
	volatile char *buf = alloca(size);
	long page = sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < size; i += (size_t)page)
		buf[i] = 0;
}

/* What a refused thread step needs, so the reason names the capability. */
static const char *needs(unsigned step, int err)
{
	if (err != EPERM && err != EACCES && err != ENOMEM && err != EAGAIN)
		return "";
	if (step == ISOLATOR_STEP_FIFO)
		return " (needs CAP_SYS_NICE)";
	if (step == ISOLATOR_STEP_MLOCK)
		return " (needs CAP_IPC_LOCK or a higher RLIMIT_MEMLOCK)";
	return "";
}

static void note(unsigned step, int err, const char *what)
{
	size_t n = strlen(session.reasons);

	session.failed |= step;
	snprintf(session.reasons + n, sizeof(session.reasons) - n, "%s: %s: %s%s\n",
		 isolator_step_name(step), what, strerror(err), needs(step, err));
}

static void apply_thread_steps(const struct isolator_params *p)
{
	struct sched_param sp = { .sched_priority = p->fifo_priority };
	int err;

	pthread_getschedparam(pthread_self(), &session.old_policy, &session.old_param);
	if (p->fifo_priority > 0) {
		err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
		if (err)
			note(ISOLATOR_STEP_FIFO, err, "SCHED_FIFO");
		else
			session.applied |= ISOLATOR_STEP_FIFO;
	}
	if (p->prefault_stack) {
		if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0) {
			note(ISOLATOR_STEP_MLOCK, errno, "mlockall");
		} else {
			prefault_stack(p->prefault_stack);
			session.applied |= ISOLATOR_STEP_MLOCK;
		}
	}
}

static void undo_thread_steps(void)
{
	if (session.applied & ISOLATOR_STEP_MLOCK)
		munlockall();
	if (session.applied & ISOLATOR_STEP_FIFO)
		pthread_setschedparam(pthread_self(), session.old_policy, &session.old_param);
}

/*
 * A child the application forks must not keep the CPU's ownership after the
 * session ends: the flock belongs to the open file, which fork shares. The
 * child closes its copy; the parent's still holds the lock.
 */
static void drop_claim_in_child(void)
{
	if (system_held && session.sys.claim.fd >= 0) {
		close(session.sys.claim.fd);
		session.sys.claim.fd = -1;
	}
	system_held = 0;
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, drop_claim_in_child);
}

/* Undo the system-wide half once, whichever thread asks first. */
static int restore_system(void)
{
	int err = 0;

	pthread_mutex_lock(&system_lock);
	if (system_held)
		err = stock_system_restore(&session.sys, NULL);
	system_held = 0;
	pthread_mutex_unlock(&system_lock);
	return err;
}

ISOLATOR_API int isolator_restore_system(void)
{
	int err;

	pthread_mutex_lock(&system_lock);
	closing = 1;
	pthread_mutex_unlock(&system_lock);
	err = restore_system();
	return err ? set_error(-err, "restoring IRQ affinities: %s", strerror(-err)) : 0;
}

ISOLATOR_API int isolator_start(unsigned mask)
{
	return isolator_start_params(mask, NULL);
}

ISOLATOR_API int isolator_start_params(unsigned mask, const struct isolator_params *params)
{
	struct isolator_params defaults;
	struct isolator_cpuset online;
	int cpu, err;

	clear_error();
	if (!params) {
		isolator_params_init(&defaults);
		params = &defaults;
	}
	if (!mask || (mask & ~ISOLATOR_MASK_ALL))
		return set_error(EINVAL, "isolation mask 0x%x: want a non-empty set of "
				 "ISOLATOR_MASK_CLOCK|RESCHED|IPI", mask);
	if (params->fifo_priority < 0 || params->fifo_priority > 99)
		return set_error(EINVAL, "SCHED_FIFO priority %d: want 0..99", params->fifo_priority);
	if (session.active)
		return set_error(EBUSY, "this process already isolates CPU %d", session.cpu);
	cpu = pinned_cpu();
	if (cpu < 0)
		return set_error(EINVAL, "the calling thread must be pinned to exactly one CPU "
				 "(sched_setaffinity, or taskset -c N)");
	err = isolator_cpus_online(NULL, &online);
	if (err)
		return err;
	if (!isolator_cpuset_has(&online, (unsigned)cpu))
		return set_error(EINVAL, "CPU %d is not online", cpu);

	memset(&session, 0, offsetof(struct session, callbacks));
	session.cpu = cpu;
	session.mask = mask;
	session.applied = ISOLATOR_STEP_PIN;
	session.backend = kernel_available(NULL) ? ISOLATOR_BACKEND_KERNEL : ISOLATOR_BACKEND_STOCK;
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&system_lock);
	err = closing ? set_error(ECANCELED, "the process is exiting (isolator_restore_system)")
		      : stock_system_apply(&session.sys, NULL, (unsigned)cpu, params, getpid());
	system_held = !err;
	pthread_mutex_unlock(&system_lock);
	if (err) {
		session.backend = ISOLATOR_BACKEND_NONE;
		return err; /* another session owns the CPU, or the state is untrusted */
	}
	apply_thread_steps(params);
	session.applied |= session.sys.applied;
	session.failed |= session.sys.failed;
	size_t n = strlen(session.reasons);
	snprintf(session.reasons + n, sizeof(session.reasons) - n, "%s", session.sys.reasons);

	if (session.backend == ISOLATOR_BACKEND_KERNEL) {
		err = kernel_command(NULL, NULL, KERNEL_START, mask, &session.via);
		if (err) {
			/* nothing half-applied: undo the stock steps too */
			restore_system();
			undo_thread_steps();
			session.backend = ISOLATOR_BACKEND_NONE;
			return err;
		}
		session.applied |= ISOLATOR_STEP_KERNEL;
	}
	session.active = 1;
	return 0;
}

static void run_callbacks(unsigned flags)
{
	for (unsigned i = 0; i < session.ncallbacks; i++)
		session.callbacks[i].fn(session.callbacks[i].arg, flags);
}

ISOLATOR_API int isolator_tick(unsigned flags)
{
	int err = 0;

	if (flags & ~ISOLATOR_TICK_ALL)
		return set_error(EINVAL, "tick flags 0x%x: want ISOLATOR_TICK_SCHED|RT|TSC_SYNC", flags);
	if (!session.active)
		return set_error(ENOTCONN, "not isolated: call isolator_start() first");
	if (session.backend == ISOLATOR_BACKEND_KERNEL) {
		err = kernel_command(NULL, NULL, KERNEL_TICK, flags, &session.via);
	}
	run_callbacks(flags);
	return err;
}

ISOLATOR_API int isolator_stop(void)
{
	int err = 0, e;

	if (!session.active)
		return set_error(ENOTCONN, "not isolated");
	if (session.backend == ISOLATOR_BACKEND_KERNEL)
		err = kernel_command(NULL, NULL, KERNEL_STOP, 0, &session.via);
	run_callbacks(ISOLATOR_TICK_ALL);
	e = restore_system();
	if (!err && e)
		err = set_error(-e, "restoring IRQ affinities: %s", strerror(-e));
	undo_thread_steps();
	session.active = 0;
	session.backend = ISOLATOR_BACKEND_NONE;
	return err;
}

ISOLATOR_API int isolator_tick_register(isolator_tick_fn fn, void *arg)
{
	if (!fn)
		return set_error(EINVAL, "NULL tick callback");
	if (session.ncallbacks == session.cap_callbacks) {
		unsigned cap = session.cap_callbacks ? session.cap_callbacks * 2 : 16;
		struct tick_callback *p = realloc(session.callbacks, cap * sizeof(*p));

		if (!p)
			return set_error(ENOMEM, "no memory for another tick callback");
		session.callbacks = p;
		session.cap_callbacks = cap;
	}
	session.callbacks[session.ncallbacks].fn = fn;
	session.callbacks[session.ncallbacks].arg = arg;
	session.ncallbacks++;
	return 0;
}

ISOLATOR_API int isolator_tick_unregister(isolator_tick_fn fn, void *arg)
{
	for (unsigned i = 0; i < session.ncallbacks; i++) {
		if (session.callbacks[i].fn != fn || session.callbacks[i].arg != arg)
			continue;
		memmove(&session.callbacks[i], &session.callbacks[i + 1],
			(session.ncallbacks - i - 1) * sizeof(session.callbacks[0]));
		session.ncallbacks--;
		return 0;
	}
	return -ENOENT;
}

ISOLATOR_API int isolator_status(struct isolator_status *st)
{
	if (!st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->cpu = -1;
	if (!session.active)
		return 0;
	st->backend = session.backend;
	st->cpu = session.cpu;
	st->mask = session.mask;
	st->applied = session.applied;
	st->failed = session.failed;
	st->irqs_moved = session.sys.irqs_moved;
	st->irqs_unmovable = session.sys.irqs_unmovable;
	st->remaining = stock_remaining_sources(NULL, (unsigned)session.cpu, session.applied);
	if (st->irqs_unmovable)
		st->remaining |= ISOLATOR_SOURCE_DEVICE_IRQ;
	if (session.backend == ISOLATOR_BACKEND_KERNEL) {
		/* what the kernel extension silences, per the mask given */
		if (session.mask & ISOLATOR_MASK_CLOCK)
			st->remaining &= ~(ISOLATOR_SOURCE_TICK | ISOLATOR_SOURCE_RESIDUAL_TICK);
		if (session.mask & ISOLATOR_MASK_IPI)
			st->remaining &= ~(ISOLATOR_SOURCE_IPI | ISOLATOR_SOURCE_RCU);
		if (session.mask & ISOLATOR_MASK_RESCHED)
			st->remaining &= ~ISOLATOR_SOURCE_RESCHED;
	}
	return 0;
}

ISOLATOR_API int isolator_status_describe(char *buf, size_t len)
{
	struct isolator_status st;
	size_t n = 0;

#define OUT(...) (n += (size_t)snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, __VA_ARGS__))
	isolator_status(&st);
	if (st.backend == ISOLATOR_BACKEND_NONE) {
		OUT("not isolated (available backend: %s)\n",
		    isolator_backend_name(isolator_backend_available()));
		return (int)n;
	}
	OUT("CPU %d isolated by the %s backend%s\n", st.cpu, isolator_backend_name(st.backend),
	    st.backend != ISOLATOR_BACKEND_KERNEL ? ""
	    : session.via == KERNEL_VIA_PRCTL ? " (prctl PR_ISOLATOR_START)"
					      : " (/proc/isolator/control, an older series)");
	OUT("applied:");
	for (unsigned b = 1; b <= ISOLATOR_STEP_KERNEL; b <<= 1)
		if (st.applied & b)
			OUT(" %s", isolator_step_name(b));
	OUT("\n");
	if (st.applied & ISOLATOR_STEP_IRQ_STEER)
		OUT("IRQs steered off CPU %d: %u moved, %u unmovable\n", st.cpu, st.irqs_moved,
		    st.irqs_unmovable);
	if (session.reasons[0])
		OUT("not applied, or only in part:\n%s", session.reasons);
	OUT("may still interrupt CPU %d:\n", st.cpu);
	for (unsigned b = 1; b <= ISOLATOR_SOURCE_RT_THROTTLE; b <<= 1)
		if (st.remaining & b)
			OUT("  - %s\n", isolator_source_name(b));
#undef OUT
	return (int)n;
}
