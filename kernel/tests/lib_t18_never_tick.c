// SPDX-License-Identifier: GPL-2.0
/*
 * Test 18 (built when lib/ compiles): "never tick". An unmodified program
 * - this one, exec()ed with "spin": it knows nothing of isolator, spins
 * 65 s and has two threads on CPUs 0-2 that load its own address space -
 * runs under the command line's `isolator run --cpu 3 --isolate all`
 * (tools/run.c, linked in), so it never writes "tick". Under the whole
 * load of t1, every load keeps progressing in every 10 s window while CPU 3
 * stays isolated, and the run ends cleanly (the console is checked by
 * vm-test.sh).
 */
#include "common.h"
#include "../../tools/run.c"
#include "../../util/util.c"

#define PL_PATH "/tmp/t18-loads"
#define SPIN_S 65
#define WINDOWS 6
#define ZAP_MB 128
#define ZAP_ROUNDS 6
#define ZAP_S 40	/* no round begins later: the program must end in time */

/*
 * Long stretches in the kernel on the isolated CPU, while the loads wait
 * for RCU grace periods: each munmap() of a populated region zaps its
 * page tables for a long while. RCU asks the CPU for a quiescent state
 * with a reschedule; held without its IPI while the CPU is in the kernel,
 * need_resched() is true there but nothing preempts, and zap_pte_range()
 * yields on it without progress for good (before 0001/0005
 * held it only for a CPU in user mode). The exec() that started
 * this program is such a stretch too, but a short one.
 */
static void zap_rounds(void)
{
	size_t len = (size_t)ZAP_MB << 20;
	double stop = now_s() + ZAP_S;

	for (int i = 0; i < ZAP_ROUNDS && now_s() < stop; i++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			return;
		for (size_t off = 0; off < len; off += 4096)
			p[off] = 1;
		munmap(p, len);
	}
}

static int spin(void)
{
	struct ploads *pl = ploads_map(PL_PATH);
	double end = now_s() + SPIN_S;	/* vDSO: no kernel entry */

	ploads_start_threads(pl);
	zap_rounds();
	while (now_s() < end)
		;
	return 0;
}

int main(int argc, char **argv)
{
	struct ploads *pl;
	struct pstat w;
	unsigned long long iso = 0;
	bool progress = true, isolated = true;
	int r;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "spin"))
		return spin();
	pl = ploads_map(PL_PATH);
	pin(0);
	ploads_run(pl, (1u << PL_NR) - 1);
	ploads_start_procs(pl);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char *av[] = { "run", "--cpu", "3", "--isolate", "all", "--", argv[0], "spin", NULL };

		_exit(cmd_run(8, av));
	}
	for (int i = 0; i < 2000 && (iso == 0 || iso == ~0ULL); i++) {
		usleep(10000);
		iso = isolated_pid();
	}
	printf("# isolator run: CPU 3 isolated by pid %llu\n", iso);
	result(iso != 0 && iso != ~0ULL, "t18: isolator run --cpu 3 --isolate all isolates CPU 3");
	if (iso == 0 || iso == ~0ULL) {
		/* nothing to watch: isolator run has failed (its message is above) */
		wait_limit(pid, 60, "isolator run", NULL, 0);
		ploads_stop(pl);
		unlink(PL_PATH);
		return 1;
	}
	printf("# %-6s", "window");
	for (int k = 0; k < PL_NR; k++)
		printf(" %18.18s", pload_names[k]);
	printf("   (iterations / longest ms, 10 s each)\n");
	for (int i = 0; i < WINDOWS; i++) {
		unsigned long long now;

		ploads_begin(pl, &w);
		sleep(10);
		ploads_end(pl, &w);
		now = isolated_pid();
		printf("# %-6d", i + 1);
		for (int k = 0; k < PL_NR; k++) {
			printf(" %9lu/%8.1f", w.iters[k], w.max_ns[k] / 1e6);
			progress &= w.iters[k] > 0;
		}
		printf("   isolated pid %llu\n", now);
		isolated &= now == iso;
		fflush(stdout);
		if (now != iso)
			break;	/* isolator run has ended: nothing left to watch */
	}
	result(isolated, "t18: CPU 3 stays isolated by the program for 60 s");
	result(progress, "t18: every load progresses in every 10 s window");
	r = wait_limit(pid, 60, "isolator run", NULL, 0);
	printf("# isolator run exit status %d\n", r);
	result(r == 0, "t18: the program and isolator run exit 0");
	result(isolated_pid() == 0, "t18: CPU 3 free at the end");
	ploads_stop(pl);
	unlink(PL_PATH);
	return failures ? 1 : 0;
}
