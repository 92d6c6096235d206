/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file isolator.h
 * @brief libisolator: silence one CPU and run a latency-critical loop on it.
 *
 * The one public header of libisolator. An application pins a thread to one
 * CPU, calls isolator_start(), runs its polling loop, calls isolator_tick()
 * at moments of its own choosing, and isolator_stop() at the end.
 *
 * Two backends sit behind this API:
 *  - **kernel**: the isolator kernel extension (`/proc/isolator` exists).
 *    Tick, residual timers and IPIs are suppressed on the CPU; deferred work
 *    runs at isolator_tick() and isolator_stop().
 *  - **stock**: any Linux. Everything a stock kernel allows at run time:
 *    SCHED_FIFO, mlockall and a pre-faulted stack, `/dev/cpu_dma_latency`
 *    held at 0, movable IRQs steered off the CPU (journaled, restored at
 *    stop or by `isolator revert` after a crash), a cgroup-v2 cpuset
 *    isolated partition where available. isolator_status() says what it could
 *    not silence.
 *
 * Conventions (as SQLite and libgpiod): functions returning int return 0 on
 * success or a negative errno; constructors return NULL and set errno;
 * `_free(NULL)` is a no-op. isolator_errmsg() gives a one-line explanation
 * of the last failure of the calling thread.
 *
 * Thread safety: isolator_start(), isolator_tick() and isolator_stop() act on
 * the calling thread and one process-wide session; call them from the
 * isolated thread only. Statistics and clock functions may be called from any
 * thread.
 */
#ifndef ISOLATOR_H
#define ISOLATOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ISOLATOR_BUILDING_LIBRARY) && defined(__GNUC__)
#define ISOLATOR_API __attribute__((visibility("default")))
#else
#define ISOLATOR_API
#endif

/** API version: bumped on every API addition, and when the layout of a struct
 * the inline fast path reads changes (4: struct isolator_chan grew to 384
 * bytes, its halves 128 bytes apart; 5: struct isolator_culprit has scans);
 * independent of the soversion. */
#define ISOLATOR_API_VERSION 5

/**
 * @brief Version of the library as "MAJOR.MINOR.PATCH".
 * @return A static string owned by the library; never NULL.
 */
ISOLATOR_API const char *isolator_version(void);

/**
 * @brief One-line explanation of the last error of the calling thread.
 * @return A thread-local string owned by the library, valid until the next
 *         libisolator call on this thread; "" when nothing failed.
 */
ISOLATOR_API const char *isolator_errmsg(void);

/* ------------------------------------------------------------------------ */
/** @name Isolation lifecycle */
/**@{*/

/** Stop the scheduler tick and periodic timers (RT bandwidth, fair server). */
#define ISOLATOR_MASK_CLOCK   (1u << 0)
/** Suppress reschedule IPIs; the CPU is never preempted by a wake-up. */
#define ISOLATOR_MASK_RESCHED (1u << 1)
/** Suppress other IPIs (call-function, TLB, irq_work); defer them safely. */
#define ISOLATOR_MASK_IPI     (1u << 2)
/** Everything above. */
#define ISOLATOR_MASK_ALL (ISOLATOR_MASK_CLOCK | ISOLATOR_MASK_RESCHED | ISOLATOR_MASK_IPI)

/** Run deferred scheduler accounting (the skipped ticks). */
#define ISOLATOR_TICK_SCHED    (1u << 0)
/** Run deferred real-time bandwidth and RCU maintenance. */
#define ISOLATOR_TICK_RT       (1u << 1)
/** Run the per-CPU clock check the kernel otherwise makes at idle entry,
 *  which a CPU that never idles misses (kernel backend, x86: the TSC_ADJUST
 *  MSR restored if firmware changed it, at most once a second; arm64's
 *  counter is kept in sync by hardware, so there is nothing to check; the
 *  stock backend does nothing). */
#define ISOLATOR_TICK_TSC_SYNC (1u << 2)
/** Everything above. */
#define ISOLATOR_TICK_ALL (ISOLATOR_TICK_SCHED | ISOLATOR_TICK_RT | ISOLATOR_TICK_TSC_SYNC)

/** The SCHED_FIFO priority isolator_params_init() gives the isolated thread
 *  (and `isolator run`); `isolator check` compares RCU's boost priority with it. */
#define ISOLATOR_DEFAULT_FIFO_PRIORITY 80

/** Options for isolator_start_params(); fill with isolator_params_init(). */
struct isolator_params {
	/** SCHED_FIFO priority 1..99; 0 leaves the scheduling policy alone.
	 *  Default ISOLATOR_DEFAULT_FIFO_PRIORITY. */
	int fifo_priority;
	/** Steer movable IRQs off the CPU (stock backend). Default 1. */
	int steer_irqs;
	/** Hold /dev/cpu_dma_latency at 0 (stock backend). Default 1. */
	int hold_dma_latency;
	/** Lock memory and pre-fault this many bytes of stack. Default 1 MiB; 0 skips mlockall. */
	size_t prefault_stack;
	/** Try a cgroup-v2 cpuset isolated partition (stock backend). Default 1. */
	int cpuset_partition;
};

/**
 * @brief Fill @p params with the defaults documented in struct isolator_params.
 * @param params /\* OUT: *\/ the parameters to fill.
 */
ISOLATOR_API void isolator_params_init(struct isolator_params *params);

/**
 * @brief Isolate the CPU the calling thread is pinned to, with default parameters.
 *
 * The thread must be pinned to exactly one online CPU (sched_setaffinity).
 * With the kernel backend that CPU must also be in the nohz_full= set.
 * The stock backend applies every step it can and carries on past steps it
 * cannot apply (no privilege, no cgroup v2); isolator_status() reports them.
 *
 * @param mask ISOLATOR_MASK_* bits, at least one.
 * A session owns its CPU machine-wide (a lock in the state directory,
 * $ISOLATOR_STATE_DIR or /var/lib/isolator), and steers no IRQ onto a CPU
 * that another session or `isolator apply` isolated.
 *
 * @return 0; -EINVAL for an empty or unknown mask or a thread not pinned to
 *         one online CPU; -EBUSY if this process already isolates a CPU,
 *         another session (any process) owns it (isolator_errmsg() names its
 *         pid and command) or the kernel says the CPU is taken; -EPERM if the
 *         kernel backend refuses the caller, or root finds the state
 *         directory writable by others; -EEXIST if something is already at
 *         the session's journal name (a dead session's journal: run
 *         `isolator revert`; or a link or file planted there), or another
 *         -errno if the journal cannot be written. Nothing stays applied
 *         after a failure.
 */
ISOLATOR_API int isolator_start(unsigned mask);

/**
 * @brief isolator_start() with explicit parameters.
 * @param mask ISOLATOR_MASK_* bits, at least one.
 * @param params Parameters; NULL means the defaults.
 * @return As isolator_start().
 */
ISOLATOR_API int isolator_start_params(unsigned mask, const struct isolator_params *params);

/**
 * @brief Run deferred maintenance now, at a moment the application chose.
 *
 * Runs the kernel's deferred work (kernel backend) and then every callback
 * registered with isolator_tick_register(), in registration order.
 *
 * @param flags ISOLATOR_TICK_* bits (0 runs only the callbacks).
 * @return 0; -EINVAL for unknown flags; -ENOTCONN when not isolated.
 */
ISOLATOR_API int isolator_tick(unsigned flags);

/**
 * @brief End isolation and restore everything isolator_start() changed.
 *
 * Restores the scheduling policy, unlocks memory, releases the DMA latency
 * request, puts back every IRQ affinity that nobody else changed meanwhile,
 * and leaves the cpuset partition. Runs the tick callbacks one last time.
 *
 * @return 0; -ENOTCONN when not isolated; the first negative errno of a
 *         restore step that failed (the others are still restored).
 */
ISOLATOR_API int isolator_stop(void);

/**
 * @brief Give back now, from any thread, what this process's session changed
 *        outside the process, because the process is about to exit.
 *
 * For the thread that handles SIGINT, SIGTERM or SIGHUP (sigwait()) while
 * the isolated thread still runs: puts back the IRQ affinities, leaves the
 * cpuset partition, drops the DMA latency request and the CPU's ownership,
 * as isolator_stop() would. Waits for an isolator_start() in progress to
 * finish first, and makes any later isolator_start() fail with -ECANCELED,
 * so nothing is left changed by an exit right after. Thread steps (policy,
 * memory locking) end with the process. A no-op without a session.
 *
 * @return 0, or the first negative errno of a restore step that failed.
 */
ISOLATOR_API int isolator_restore_system(void);

/** Maintenance callback run by isolator_tick(); @p flags are the tick's flags. */
typedef void (*isolator_tick_fn)(void *arg, unsigned flags);

/**
 * @brief Register a callback for isolator_tick() and isolator_stop().
 * @param fn The callback; must not call isolator_tick() itself.
 * @param arg Passed back to @p fn; the caller keeps ownership.
 * @return 0; -EINVAL if @p fn is NULL; -ENOMEM. Any number may be registered.
 */
ISOLATOR_API int isolator_tick_register(isolator_tick_fn fn, void *arg);

/**
 * @brief Remove a callback registered with the same @p fn and @p arg.
 * @return 0; -ENOENT if it was not registered.
 */
ISOLATOR_API int isolator_tick_unregister(isolator_tick_fn fn, void *arg);

/**@}*/
/* ------------------------------------------------------------------------ */
/** @name What is active and what remains */
/**@{*/

/** Which mechanism isolates the CPU. */
enum isolator_backend {
	ISOLATOR_BACKEND_NONE = 0,   /**< not isolated */
	ISOLATOR_BACKEND_STOCK = 1,  /**< run-time tuning of a stock kernel */
	ISOLATOR_BACKEND_KERNEL = 2, /**< the isolator kernel extension */
};

/** Steps of isolation; a bit each in isolator_status.applied / .failed. */
enum isolator_step {
	ISOLATOR_STEP_PIN = 1u << 0,         /**< thread pinned to one CPU (checked) */
	ISOLATOR_STEP_FIFO = 1u << 1,        /**< SCHED_FIFO set */
	ISOLATOR_STEP_MLOCK = 1u << 2,       /**< mlockall + pre-faulted stack */
	ISOLATOR_STEP_DMA_LATENCY = 1u << 3, /**< /dev/cpu_dma_latency held at 0 */
	ISOLATOR_STEP_IRQ_STEER = 1u << 4,   /**< movable IRQs steered off the CPU */
	ISOLATOR_STEP_CPUSET = 1u << 5,      /**< cgroup-v2 isolated partition */
	ISOLATOR_STEP_KERNEL = 1u << 6,      /**< kernel extension engaged */
};

/** Interrupt sources that may still reach the CPU; bits of isolator_status.remaining. */
enum isolator_source {
	ISOLATOR_SOURCE_TICK = 1u << 0,        /**< scheduler tick (CPU not nohz_full) */
	ISOLATOR_SOURCE_RESIDUAL_TICK = 1u << 1, /**< nohz_full's residual tick, fair-server timer */
	ISOLATOR_SOURCE_IPI = 1u << 2,         /**< call-function, TLB shootdown, irq_work IPIs */
	ISOLATOR_SOURCE_RESCHED = 1u << 3,     /**< reschedule IPIs */
	ISOLATOR_SOURCE_DEVICE_IRQ = 1u << 4,  /**< device IRQs that could not be moved */
	ISOLATOR_SOURCE_RCU = 1u << 5,         /**< RCU callbacks (CPU not in rcu_nocbs) */
	ISOLATOR_SOURCE_PREEMPTION = 1u << 6,  /**< other tasks (not SCHED_FIFO, or not an isolated partition) */
	ISOLATOR_SOURCE_CSTATE = 1u << 7,      /**< deep C-state exits (DMA latency not held) */
	ISOLATOR_SOURCE_PAGE_FAULT = 1u << 8,  /**< page faults (memory not locked) */
	ISOLATOR_SOURCE_RT_THROTTLE = 1u << 9, /**< RT throttling / fair server: the kernel
						    *   takes part of each second from SCHED_FIFO */
};

/** Snapshot of the current session; see isolator_status(). */
struct isolator_status {
	enum isolator_backend backend; /**< ISOLATOR_BACKEND_NONE when not isolated */
	int cpu;                       /**< the isolated CPU, or -1 */
	unsigned mask;                 /**< ISOLATOR_MASK_* given to start */
	unsigned applied;              /**< enum isolator_step bits that took effect */
	unsigned failed;               /**< enum isolator_step bits tried and refused */
	unsigned remaining;            /**< enum isolator_source bits that can still interrupt */
	unsigned irqs_moved;           /**< IRQs steered off the CPU */
	unsigned irqs_unmovable;       /**< IRQs whose affinity could not be changed */
};

/**
 * @brief Describe the current session.
 * @param status /\* OUT: *\/ filled in; backend is NONE when not isolated.
 * @return 0; -EINVAL if @p status is NULL.
 */
ISOLATOR_API int isolator_status(struct isolator_status *status);

/**
 * @brief The backend isolator_start() would choose on this machine now.
 * @return ISOLATOR_BACKEND_KERNEL if the kernel extension is there
 *         (/proc/isolator/stats or /proc/isolator/control exists), else STOCK.
 */
ISOLATOR_API enum isolator_backend isolator_backend_available(void);

/** @return Static name of @p backend ("none", "stock", "kernel"). */
ISOLATOR_API const char *isolator_backend_name(enum isolator_backend backend);
/** @return Static name of one step bit ("pin", "fifo", ...), or "?" for anything else. */
ISOLATOR_API const char *isolator_step_name(unsigned step);
/** @return Static one-line description of one source bit, or "?" for anything else. */
ISOLATOR_API const char *isolator_source_name(unsigned source);

/**
 * @brief Explain the session in readable lines: backend, steps applied and
 *        failed with their reasons, and every source that may still interrupt.
 * @param buf /\* OUT: *\/ NUL-terminated text, truncated to @p len.
 * @param len Size of @p buf.
 * @return Length of the full text (as snprintf), or a negative errno.
 */
ISOLATOR_API int isolator_status_describe(char *buf, size_t len);

/**@}*/
/* ------------------------------------------------------------------------ */
/** @name Interrupt statistics */
/**@{*/

/**
 * Kinds of interrupts counted per CPU. Hard IRQs come from /proc/interrupts
 * (architecture names mapped to one set), softirqs from /proc/softirqs, and the
 * kernel extension's counters from /proc/isolator/stats.
 */
enum isolator_kind {
	ISOLATOR_KIND_DEVICE,       /**< device IRQs (numbered lines), summed */
	ISOLATOR_KIND_TIMER,        /**< local timer (x86 LOC, arm64 arch_timer) */
	ISOLATOR_KIND_RESCHED,      /**< reschedule IPI (RES) */
	ISOLATOR_KIND_CALL,         /**< function-call IPI (CAL) */
	ISOLATOR_KIND_TLB,          /**< TLB shootdown IPI (TLB) */
	ISOLATOR_KIND_IRQ_WORK,     /**< irq_work IPI (IWI) */
	ISOLATOR_KIND_NMI,          /**< NMIs and perf interrupts (NMI, PMI) */
	ISOLATOR_KIND_OTHER,        /**< other architectural interrupts, summed */
	ISOLATOR_KIND_SOFT_HI,      /**< softirq HI */
	ISOLATOR_KIND_SOFT_TIMER,   /**< softirq TIMER */
	ISOLATOR_KIND_SOFT_NET_TX,  /**< softirq NET_TX */
	ISOLATOR_KIND_SOFT_NET_RX,  /**< softirq NET_RX */
	ISOLATOR_KIND_SOFT_BLOCK,   /**< softirq BLOCK */
	ISOLATOR_KIND_SOFT_IRQ_POLL,/**< softirq IRQ_POLL */
	ISOLATOR_KIND_SOFT_TASKLET, /**< softirq TASKLET */
	ISOLATOR_KIND_SOFT_SCHED,   /**< softirq SCHED */
	ISOLATOR_KIND_SOFT_HRTIMER, /**< softirq HRTIMER */
	ISOLATOR_KIND_SOFT_RCU,     /**< softirq RCU */
	ISOLATOR_KIND_X_TICKS_SUPPRESSED, /**< kernel extension: ticks suppressed */
	ISOLATOR_KIND_X_IPI_CALL,   /**< kernel extension: call-function IPIs filtered */
	ISOLATOR_KIND_X_IPI_TLB,    /**< kernel extension: TLB IPIs filtered */
	ISOLATOR_KIND_X_IPI_IRQ_WORK, /**< kernel extension: irq_work IPIs filtered */
	ISOLATOR_KIND_X_IPI_RESCHED,  /**< kernel extension: reschedule IPIs filtered */
	ISOLATOR_KIND_X_WORK_DEFERRED,  /**< kernel extension: work deferred */
	ISOLATOR_KIND_X_WORK_DRAINED,   /**< kernel extension: deferred work run */
	ISOLATOR_KIND_X_WORK_DELIVERED, /**< kernel extension: delivered anyway (unsafe to defer) */
	ISOLATOR_KIND_X_RCU_QS,     /**< kernel extension: RCU quiescent states reported */
	ISOLATOR_KIND_X_MAX_TICK_NS,/**< kernel extension: longest isolator_tick, ns (a maximum, not a count) */
	ISOLATOR_KIND_X_FORCED,     /**< kernel extension: held work delivered because it waited max_defer_ms (API 2) */
	ISOLATOR_KIND_X_REMOTE,     /**< kernel extension: housekeeping done from another CPU (API 2) */
	ISOLATOR_KIND_COUNT
};

/** First and last kind that are real interrupts on the CPU (hard IRQs and softirqs). */
#define ISOLATOR_KIND_FIRST_IRQ  ISOLATOR_KIND_DEVICE
#define ISOLATOR_KIND_LAST_IRQ   ISOLATOR_KIND_SOFT_RCU
/** First kind from the kernel extension's counters. */
#define ISOLATOR_KIND_FIRST_X    ISOLATOR_KIND_X_TICKS_SUPPRESSED

/** @return Static short name of @p kind ("LOC", "RES", "TIMER", ...), or "?" */
ISOLATOR_API const char *isolator_kind_name(enum isolator_kind kind);

/** Per-CPU interrupt counters at one instant; opaque. */
struct isolator_counts;

/**
 * @brief Read every per-CPU counter now.
 *
 * Reads `<sysroot>/proc/interrupts`, `<sysroot>/proc/softirqs` and, when it
 * exists, `<sysroot>/proc/isolator/stats`.
 *
 * @param sysroot Root of the /proc and /sys trees; NULL means the
 *                ISOLATOR_SYSROOT environment variable, or "/" without it.
 * @return A new object the caller owns and frees with isolator_counts_free();
 *         NULL with errno set on failure (ENOENT: no /proc/interrupts;
 *         EPROTO: a file that does not parse).
 */
ISOLATOR_API struct isolator_counts *isolator_counts_read(const char *sysroot);

/**
 * @brief Copy counters, e.g. to keep a reading as the next baseline while
 *        turning the copy into a delta.
 * @return A new object the caller owns; NULL with errno set (ENOMEM, or
 *         EINVAL for NULL @p counts).
 */
ISOLATOR_API struct isolator_counts *isolator_counts_dup(const struct isolator_counts *counts);

/** @brief Free counters; NULL is a no-op. */
ISOLATOR_API void isolator_counts_free(struct isolator_counts *counts);

/** @return Number of CPU columns (highest CPU number seen + 1). */
ISOLATOR_API unsigned isolator_counts_ncpus(const struct isolator_counts *counts);

/** @return Non-zero if the kernel extension's counters were read. */
ISOLATOR_API int isolator_counts_have_kernel(const struct isolator_counts *counts);

/** @return The counter of @p kind on @p cpu; 0 for a CPU or kind out of range. */
ISOLATOR_API uint64_t isolator_counts_get(const struct isolator_counts *counts,
					  unsigned cpu, enum isolator_kind kind);

/** @return Sum of the interrupt kinds (hard IRQs and softirqs) on @p cpu. */
ISOLATOR_API uint64_t isolator_counts_total(const struct isolator_counts *counts, unsigned cpu);

/**
 * @brief Turn @p after into the change since @p before, in place.
 *
 * Counters that went backwards (a CPU that went offline) become 0; the
 * maximum kinds keep @p after's value.
 *
 * @return 0; -EINVAL if either is NULL.
 */
ISOLATOR_API int isolator_counts_delta(struct isolator_counts *after,
				       const struct isolator_counts *before);

/**@}*/
/* ------------------------------------------------------------------------ */
/** @name The kernel extension's bound on held work
 *
 * While a CPU is isolated, the kernel extension holds work that other CPUs
 * send it (function calls, irq_work, reschedules, per-CPU work) until the
 * isolated task calls isolator_tick() or isolator_stop(). No sender waits
 * longer than a bound, `max_defer_ms`: when held work reaches it, the kernel
 * delivers it anyway (one interruption of the isolated CPU, counted as
 * ISOLATOR_KIND_X_FORCED) and records who sent it, a *culprit*. An
 * application that ticks more often than the bound is never interrupted.
 * Without the kernel extension these calls return -ENOENT.
 */
/**@{*/

/**
 * @brief The bound on held work, from `<sysroot>/proc/isolator/max_defer_ms`.
 * @param sysroot As isolator_counts_read().
 * @return The bound in milliseconds (0: held work is delivered at once);
 *         -ENOENT without the kernel extension, -EPROTO for unreadable content.
 */
ISOLATOR_API int isolator_max_defer_get(const char *sysroot);

/**
 * @brief Set the bound on held work for every isolated CPU.
 * @param sysroot As isolator_counts_read().
 * @param ms 0 to 10000; 0 delivers held work at once (no deferral).
 * @return 0; -EINVAL for @p ms out of range, -EPERM without CAP_SYS_ADMIN,
 *         -ENOENT without the kernel extension.
 */
ISOLATOR_API int isolator_max_defer_set(const char *sysroot, unsigned ms);

/** One forced delivery: held work that reached the bound. */
struct isolator_culprit {
	unsigned cpu;       /**< the isolated CPU that was interrupted */
	uint64_t waited_ns; /**< how long the work was held */
	int pid;            /**< the task that sent the work */
	char sender[16];    /**< its command name (comm) */
	char work[64];      /**< the work: its function, or "resched" */
	unsigned scans;     /**< the kernel bound's scans that saw it held, the forcing one
	                         included: 1 or 2 (0: a tick_dep line, or a kernel without
	                         the column) */
};

/**
 * @brief Read the most recent forced deliveries, oldest first, from
 *        `<sysroot>/proc/isolator/culprits` (the kernel keeps the last 64).
 * @param sysroot As isolator_counts_read().
 * @param out /\* OUT: *\/ up to @p max entries; the newest when there are more.
 * @param max Size of @p out.
 * @return The number of entries stored in @p out; -ENOENT without the kernel
 *         extension, -EPROTO for a malformed file (isolator_errmsg() names the line).
 */
ISOLATOR_API int isolator_culprits_read(const char *sysroot, struct isolator_culprit *out,
					unsigned max);

/**@}*/
/* ------------------------------------------------------------------------ */
/** @name CPU lists ("0-3,7") */
/**@{*/

/** Largest CPU number + 1 that CPU lists accept. */
#define ISOLATOR_MAX_CPUS 4096

/** A set of CPUs, as a bitmap. */
struct isolator_cpuset {
	uint64_t bits[ISOLATOR_MAX_CPUS / 64];
};

/**
 * @brief Parse a CPU list in the kernel's format ("0-3,7", "5").
 * @param text The list; surrounding whitespace is allowed.
 * @param set /\* OUT: *\/ the CPUs.
 * @return 0; -EINVAL for anything malformed ("3-1", "a", "", "1,,2"),
 *         -ERANGE for a CPU >= ISOLATOR_MAX_CPUS.
 */
ISOLATOR_API int isolator_cpuset_parse(const char *text, struct isolator_cpuset *set);

/**
 * @brief Format a set as a CPU list ("0-3,7"; "" for an empty set).
 * @return Length of the full text, as snprintf.
 */
ISOLATOR_API int isolator_cpuset_format(const struct isolator_cpuset *set, char *buf, size_t len);

/** @return Non-zero if @p cpu is in @p set. */
ISOLATOR_API int isolator_cpuset_has(const struct isolator_cpuset *set, unsigned cpu);
/** @brief Add @p cpu to @p set (ignored if out of range). */
ISOLATOR_API void isolator_cpuset_add(struct isolator_cpuset *set, unsigned cpu);
/** @brief Remove @p cpu from @p set. */
ISOLATOR_API void isolator_cpuset_del(struct isolator_cpuset *set, unsigned cpu);
/** @return Number of CPUs in @p set. */
ISOLATOR_API unsigned isolator_cpuset_count(const struct isolator_cpuset *set);

/**
 * @brief Read the online CPUs from `<sysroot>/sys/devices/system/cpu/online`.
 * @param sysroot As isolator_counts_read().
 * @param set /\* OUT: *\/ the online CPUs.
 * @return 0 or a negative errno.
 */
ISOLATOR_API int isolator_cpus_online(const char *sysroot, struct isolator_cpuset *set);

/**@}*/
/* ------------------------------------------------------------------------ */
/** @name Clock: the time-stamp counter, calibrated */
/**@{*/

/** A calibrated time-stamp counter. */
struct isolator_clock {
	uint64_t hz;        /**< counter frequency */
	uint32_t mult;      /**< ns = (cycles * mult) >> shift */
	uint32_t shift;
	int invariant;      /**< 1 if the counter is constant and does not stop in idle */
	const char *source; /**< "rdtsc", "cntvct_el0" or "clock_gettime" */
};

/**
 * @brief The process-wide calibrated clock, calibrating it on first use.
 *
 * x86-64 calibrates rdtsc against CLOCK_MONOTONIC_RAW (best of several
 * windows, about 60 ms on the first call) and reads the invariance from the
 * `constant_tsc` and `nonstop_tsc` flags; arm64 reads cntfrq_el0 and
 * cross-checks it the same way (about 15 ms), taking the measured frequency
 * if the register is more than 2% off.
 * @return A pointer owned by the library, valid for the life of the process.
 */
ISOLATOR_API const struct isolator_clock *isolator_clock(void);

/**
 * @brief Calibrate again, e.g. after the host migrated a virtual machine.
 *        Spins about 60 ms: never call it from a latency-critical loop.
 * @return 0 or a negative errno.
 */
ISOLATOR_API int isolator_clock_recalibrate(void);

/**@}*/
/* ------------------------------------------------------------------------ */
/** @name Gaps an isolated loop observed */
/**@{*/

/** Number of log2 buckets of a gap histogram: bucket i holds gaps in [2^i, 2^(i+1)) ns. */
#define ISOLATOR_GAP_BUCKETS 40

/**
 * Gaps a spinning loop saw between two consecutive reads of the counter. The
 * loop calls isolator_gaps_observe() once per iteration; the owner thread is
 * the only writer, so nothing here is atomic. Fill with isolator_gaps_init().
 */
struct isolator_gaps {
	uint64_t threshold_cycles; /**< gaps above this are recorded */
	uint64_t last;             /**< counter at the previous observation */
	uint64_t loops;            /**< observations */
	uint64_t count;            /**< gaps above the threshold */
	uint64_t stolen_cycles;    /**< sum of those gaps */
	uint64_t max_cycles;       /**< longest gap */
	uint64_t hist[ISOLATOR_GAP_BUCKETS]; /**< gaps by log2 of their length in ns */
	uint64_t first;            /**< counter at isolator_gaps_init() */
};

/**
 * @brief Prepare @p gaps to record gaps longer than @p threshold_ns, starting now.
 * @return 0; -EINVAL if @p gaps is NULL.
 */
ISOLATOR_API int isolator_gaps_init(struct isolator_gaps *gaps, uint64_t threshold_ns);

/** @brief Convert counter cycles to nanoseconds with the process clock. */
ISOLATOR_API uint64_t isolator_cycles_to_ns(uint64_t cycles);
/** @brief Convert nanoseconds to counter cycles with the process clock. */
ISOLATOR_API uint64_t isolator_ns_to_cycles(uint64_t ns);

/**@}*/
/* ------------------------------------------------------------------------ */
/** @name Shared-memory channels
 *
 * Single-producer/single-consumer rings of fixed-size slots in a shared
 * region (memfd, or a name under /dev/shm), between threads or processes.
 * isolator_chan_post() never blocks and never overwrites (a full ring gives
 * -EAGAIN); isolator_chan_poll() drains up to N messages into a callback.
 * Post, poll, their burst forms and read are inline (isolator/channel.h,
 * which documents the two layouts, what each costs in cache lines, the
 * memory orders and what may run concurrently); the calls below are the
 * slow path. An opened region is validated (magic, version, geometry,
 * indices) and refused with EPROTO when anything is wrong.
 */
/**@{*/

/** A channel handle; see isolator/channel.h. */
struct isolator_chan;

/** Message callback: @p msg points into the shared region and is valid
 *  until the callback returns; a hostile peer may change it meanwhile, so
 *  copy what must stay consistent. */
typedef void (*isolator_chan_fn)(void *arg, const void *msg, size_t len);

/** Layout for throughput (isolator_chan_create_flags()): fixed-size records,
 *  every message exactly the slot size, packed at that stride with the
 *  indices published once per burst, so a 64-byte message moves one cache
 *  line plus a share of the indices' lines. Without it, the latency layout:
 *  messages of up to the slot size with a stamp beside each, so a round
 *  trip moves one line each way. */
#define ISOLATOR_CHAN_THROUGHPUT (1u << 0)

/**
 * @brief Create a channel region in the latency layout and a handle on it;
 *        isolator_chan_create_flags() with flags 0.
 * @param name NULL for an anonymous memfd (pass isolator_chan_fd() to the
 *             peer, which calls isolator_chan_open_fd()); or "/name" under
 *             /dev/shm, created exclusively (EEXIST if it exists).
 * @param capacity Slots; a power of two, 2 to 2^24.
 * @param slot_size Largest message in bytes, 1 to 65536.
 * @param mode Permissions of a named region (0 means 0600); the umask does
 *             not apply. Ignored for a memfd.
 * @return A new handle, producer and consumer; the caller owns it and frees
 *         it with isolator_chan_free(). NULL with errno EINVAL, ENOMEM,
 *         EEXIST or the error of shm_open/memfd_create.
 */
ISOLATOR_API struct isolator_chan *isolator_chan_create(const char *name, unsigned capacity,
							size_t slot_size, unsigned mode);

/**
 * @brief isolator_chan_create() with a choice of layout.
 * @param flags 0 (latency layout) or ISOLATOR_CHAN_THROUGHPUT.
 * @return As isolator_chan_create(); EINVAL for unknown flags.
 */
ISOLATOR_API struct isolator_chan *isolator_chan_create_flags(const char *name, unsigned capacity,
							      size_t slot_size, unsigned mode,
							      unsigned flags);

/**
 * @brief Open a channel another process (or thread) created, by name.
 * @return A new handle the caller owns; NULL with errno EPROTO for a region
 *         that is not a valid channel (nothing of it is used), EINVAL for a
 *         bad name, or the error of shm_open (ENOENT, EACCES).
 */
ISOLATOR_API struct isolator_chan *isolator_chan_open(const char *name);

/**
 * @brief Open a channel from a file descriptor (a memfd received from the
 *        creator). The descriptor is duplicated; the caller keeps @p fd.
 * @return As isolator_chan_open(); EBADF for a bad @p fd.
 */
ISOLATOR_API struct isolator_chan *isolator_chan_open_fd(int fd);

/** @return The handle's descriptor of the region (owned by the handle); -EINVAL for NULL. */
ISOLATOR_API int isolator_chan_fd(const struct isolator_chan *chan);
/** @return The largest message in bytes; 0 for NULL. */
ISOLATOR_API size_t isolator_chan_slot_size(const struct isolator_chan *chan);
/** @return The number of slots; 0 for NULL. */
ISOLATOR_API unsigned isolator_chan_capacity(const struct isolator_chan *chan);
/** @return The layout flags the region was created with (ISOLATOR_CHAN_THROUGHPUT or 0); 0 for NULL. */
ISOLATOR_API unsigned isolator_chan_flags(const struct isolator_chan *chan);

/**
 * @brief Pass a channel to the process at the other end of a Unix socket
 *        (SCM_RIGHTS), which takes it with isolator_chan_recv().
 *
 * Share anonymous channels this way: their memfd is sealed against
 * shrinking, so neither side can make the other fault by truncating it.
 * @return 0 or a negative errno (the socket's).
 */
ISOLATOR_API int isolator_chan_send(int sock, const struct isolator_chan *chan);

/**
 * @brief Receive a channel sent with isolator_chan_send() and open it.
 * @return A new handle (free it with isolator_chan_free()); NULL with errno
 *         EPROTO when the message holds no channel, or as isolator_chan_open_fd().
 */
ISOLATOR_API struct isolator_chan *isolator_chan_recv(int sock);

/**
 * @brief Whether the channel's region is still there.
 *
 * A named region (or any file not sealed against shrinking) can be truncated
 * by a peer. The library catches the SIGBUS that would kill this process,
 * maps zeros in its place and marks the channel broken; posting and polling
 * it then do no harm and deliver nothing.
 * @return 0; -EPIPE once a peer truncated the region (isolator_errmsg() says
 *         so); -EINVAL for NULL.
 */
ISOLATOR_API int isolator_chan_check(const struct isolator_chan *chan);

/** @brief Remove a channel's name; open handles keep working. @return 0 or a negative errno. */
ISOLATOR_API int isolator_chan_unlink(const char *name);

/** @brief Unregister, unmap and free a handle; NULL is a no-op. The name stays. */
ISOLATOR_API void isolator_chan_free(struct isolator_chan *chan);

/**
 * A doorbell: one 64-bit word in a shared region of its own, one bit per
 * channel. The producers of channels given the doorbell set their bit after
 * each post or burst; isolator_poll_all() reads the word and polls only the
 * channels whose bit is set, so idle channels cost nothing. Opaque.
 */
struct isolator_bell;

/**
 * @brief Create a doorbell region and a handle on it.
 * @param name NULL for a memfd (pass isolator_bell_fd() to the producers);
 *             or "/name" under /dev/shm, created exclusively.
 * @param mode Permissions of a named region (0 means 0600).
 * @return A new handle the caller owns (isolator_bell_free()); NULL with
 *         errno EINVAL, EEXIST, ENOMEM or the error of shm_open/memfd_create.
 */
ISOLATOR_API struct isolator_bell *isolator_bell_create(const char *name, unsigned mode);
/** @brief Open a doorbell by name. @return As isolator_chan_open(). */
ISOLATOR_API struct isolator_bell *isolator_bell_open(const char *name);
/** @brief Open a doorbell from a descriptor (duplicated). @return As isolator_chan_open_fd(). */
ISOLATOR_API struct isolator_bell *isolator_bell_open_fd(int fd);
/** @return The handle's descriptor of the region; -EINVAL for NULL. */
ISOLATOR_API int isolator_bell_fd(const struct isolator_bell *bell);
/**
 * @brief Unmap and free a doorbell handle; NULL is a no-op. Channels
 *        registered through it are unregistered; detach (or free) producer
 *        handles that ring it first.
 */
ISOLATOR_API void isolator_bell_free(struct isolator_bell *bell);

/**
 * @brief Give a channel handle a doorbell bit. On the producer's handle,
 *        every post then sets the bit; on the consumer's handle,
 *        isolator_chan_register() files the channel under that bit. One
 *        handle used by both sides needs one call.
 * @param bell The doorbell; NULL detaches (@p bit ignored).
 * @param bit 0 to 63; each registered channel of a doorbell needs its own.
 * @return 0; -EINVAL for NULL @p chan or a bit over 63; -EBUSY if the
 *         handle is registered (unregister, change, register again).
 */
ISOLATOR_API int isolator_chan_set_bell(struct isolator_chan *chan, struct isolator_bell *bell,
					unsigned bit);

/**
 * @brief Have isolator_poll_all() and isolator_tick() deliver this channel's
 *        messages to @p fn. Call from the consumer thread (the registry is
 *        that thread's, without locks). A channel with a doorbell
 *        (isolator_chan_set_bell()) is polled only when its bit is set.
 * @return 0; -EINVAL for NULL; -EBUSY if already registered, or another
 *         registered channel has the same doorbell bit; -ENOMEM; the error of
 *         isolator_tick_register(). Any number of channels may be registered.
 */
ISOLATOR_API int isolator_chan_register(struct isolator_chan *chan, isolator_chan_fn fn, void *arg);

/** @brief Undo isolator_chan_register(). @return 0; -ENOENT if not registered. */
ISOLATOR_API int isolator_chan_unregister(struct isolator_chan *chan);

/**
 * @brief Poll every registered channel once, up to @p max_each messages each:
 *        those of a doorbell only when their bit is set, the others always.
 *        isolator_tick() does the same (64 each) after its own work.
 * @return Messages delivered; or the first negative errno (-EPROTO) of a
 *         channel, the others still polled; -EPIPE (the others still polled)
 *         while a registered channel's region has been truncated by a peer
 *         (isolator_chan_check() says which; unregister it).
 */
ISOLATOR_API int isolator_poll_all(unsigned max_each);

/**@}*/
/* ------------------------------------------------------------------------ */
/** @name Per-core memory pool
 *
 * Memory reserved for one CPU, in fixed size classes: pre-faulted, locked
 * (when RLIMIT_MEMLOCK allows), on huge pages when the system has them.
 * isolator_pool_get() and isolator_pool_put() are O(1), take no lock and
 * make no system call (the current CPU comes from rseq/vDSO). Called on
 * any other CPU they refuse, and count the refusal: the pool belongs to the
 * thread isolated on its CPU, as the paper's per-core SLUB.
 */
/**@{*/

/** A per-core pool; opaque. */
struct isolator_pool;

/** One size class: @p count objects of @p size bytes. */
struct isolator_pool_class {
	size_t size;    /**< bytes per object; rounded up to 16 */
	unsigned count; /**< objects */
};

/** Statistics of one class; see isolator_pool_class_stats(). */
struct isolator_pool_stats {
	size_t size;         /**< bytes per object */
	unsigned count;      /**< objects */
	unsigned in_use;     /**< objects handed out now */
	unsigned high_water; /**< most objects ever in use at once */
};

/** What a pool is and what went wrong with it; see isolator_pool_info(). */
struct isolator_pool_info {
	int cpu;               /**< the owning CPU */
	unsigned nclasses;     /**< size classes */
	size_t bytes;          /**< memory reserved */
	int locked;            /**< 1 if mlock() succeeded */
	int huge_pages;        /**< 1 if backed by explicit huge pages */
	uint64_t refused;      /**< calls refused because they ran on another CPU */
	uint64_t bad_puts;     /**< puts refused: not from this pool, or freed twice */
};

/**
 * @brief Reserve memory for @p cpu.
 * @param cpu The owning CPU; get and put work only on it.
 * @param classes Size classes, in any order; at most 16.
 * @param nclasses Their number.
 * @return A new pool the caller owns (free with isolator_pool_free(), from
 *         any CPU); NULL with errno EINVAL (bad class or CPU) or ENOMEM.
 */
ISOLATOR_API struct isolator_pool *isolator_pool_new(unsigned cpu,
						     const struct isolator_pool_class *classes,
						     unsigned nclasses);

/** @brief Release the pool's memory; NULL is a no-op. Objects still out die with it. */
ISOLATOR_API void isolator_pool_free(struct isolator_pool *pool);

/**
 * @brief Take an object of at least @p size bytes from the smallest class
 *        that has one free. Owning CPU only.
 * @return The object (16-byte aligned, owned by the caller until put back);
 *         NULL with errno EXDEV on another CPU (counted), ENOMEM when no
 *         class that fits has a free object, EINVAL for size 0.
 */
ISOLATOR_API void *isolator_pool_get(struct isolator_pool *pool, size_t size);

/**
 * @brief Give an object back. Owning CPU only.
 * @return 0; -EXDEV on another CPU (counted); -EINVAL for a pointer that is
 *         not an object of this pool (counted); -EALREADY for an object
 *         already free, detected in debug builds (NDEBUG not defined; counted).
 */
ISOLATOR_API int isolator_pool_put(struct isolator_pool *pool, void *ptr);

/**
 * @brief Statistics of class @p cls (classes sorted by size, smallest first).
 * @param stats /\* OUT: *\/ filled in.
 * @return 0; -EINVAL for NULL or a class out of range. Any thread.
 */
ISOLATOR_API int isolator_pool_class_stats(const struct isolator_pool *pool, unsigned cls,
					   struct isolator_pool_stats *stats);

/**
 * @brief Describe the pool. Any thread.
 * @param info /\* OUT: *\/ filled in.
 * @return 0; -EINVAL for NULL.
 */
ISOLATOR_API int isolator_pool_info(const struct isolator_pool *pool, struct isolator_pool_info *info);

/**@}*/

#ifdef __cplusplus
}
#endif

/* The inline fast paths: counter reads and the per-iteration gap check. */
#include <isolator/clock.h>
/* The inline fast path of the channels: post, poll, their bursts, read. */
#include <isolator/channel.h>

#endif /* ISOLATOR_H */
