// SPDX-License-Identifier: GPL-2.0
/*
 * Test 6 (optional: built only when the project's lib/ compiles): the
 * library's kernel backend drives /proc/isolator. A thread pinned to CPU 3
 * calls isolator_start(ISOLATOR_MASK_ALL), spins, isolator_tick() with all
 * flags and with none, spins, isolator_stop(); the controller checks the
 * kernel saw it isolated and that CPU 3 got no interrupt while isolated,
 * and that the library reached the kernel through prctl(PR_ISOLATOR_*), not
 * through the control file it keeps for older series.
 */
#include "common.h"
#include "isolator.h"

int main(void)
{
	struct shared *s = shared_new();
	struct kinds a, b, d;
	struct stats st;
	struct load load;
	int *rc = (int *)(s + 1);
	pid_t pid;

	pin(0);
	load_start(&load);
	pid = fork();
	if (pid == 0) {
		struct isolator_params p;

		pin(ISO_CPU);
		isolator_params_init(&p);
		p.steer_irqs = 0;	/* leave the guest's IRQs alone */
		p.cpuset_partition = 0;
		rc[0] = isolator_start_params(ISOLATOR_MASK_ALL, &p);
		{
			char desc[4096];

			isolator_status_describe(desc, sizeof(desc));
			rc[4] = strstr(desc, "(prctl PR_ISOLATOR_START)") != NULL;
		}
		atomic_store(&s->ack, 1);
		while (atomic_load(&s->phase) < 1)
			;
		rc[1] = isolator_tick(ISOLATOR_TICK_ALL);
		rc[2] = isolator_tick(0);
		atomic_store(&s->ack, 2);
		while (atomic_load(&s->phase) < 2)
			;
		rc[3] = isolator_stop();
		atomic_store(&s->ack, 3);
		_exit(0);
	}
	wait_ack(s, 1);
	read_stats(ISO_CPU, &st);
	/* As t1's settle_after_start(): what the time before start left on
	 * CPU 3 (a tick already armed, an RCU reader boosted above the child)
	 * runs in the first 1.5 s, outside the window. One CI run counted 1
	 * interrupt in the window without it. */
	usleep(1500000);
	snapshot(&a);
	sleep(5);
	snapshot(&b);
	atomic_store(&s->phase, 1);
	wait_ack(s, 2);
	atomic_store(&s->phase, 2);
	wait_ack(s, 3);
	waitpid(pid, NULL, 0);
	load_stop(&load);
	delta(&a, &b, &d);

	printf("# isolator_start=%d tick(all)=%d tick(0)=%d stop=%d; kernel saw pid %llu (child %d)\n",
	       rc[0], rc[1], rc[2], rc[3], stat_get(&st, "isolated"), pid);
	printf("# interrupts on CPU %d in 5 s isolated through the library: %llu\n",
	       ISO_CPU, kinds_sum(&d));
	result(rc[0] == 0 && stat_get(&st, "isolated") == (unsigned long long)pid,
	       "t6: isolator_start() isolates CPU 3 through /proc/isolator");
	result(rc[4] == 1, "t6: the library isolates through prctl(PR_ISOLATOR_START)");
	result(rc[1] == 0 && rc[2] == 0, "t6: isolator_tick() with all flags and with none");
	result(rc[3] == 0, "t6: isolator_stop()");
	result(kinds_sum(&d) == 0, "t6: 0 interrupts on CPU 3 while isolated by the library");
	return failures ? 1 : 0;
}
