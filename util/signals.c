// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ctrl-C, kill and a closed terminal on commands that change system state:
 * the state is restored and the command exits 128+N, like a shell reports a
 * death by signal N. Nothing runs in a signal handler: the signals are
 * blocked, and either collected at safe points (signals_pending) or waited
 * for by a thread of their own (exit_on_signal), where restoring is safe.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void signals_hold(sigset_t *set)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* an ignored signal stays ignored (nohup, a shell's background
		 * job): a blocked one would be kept for sigwait instead */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaddset(set, sigs[i]);
	}
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

int signals_pending(const sigset_t *set)
{
	struct timespec zero = { 0, 0 };
	int sig = sigtimedwait(set, NULL, &zero);

	return sig > 0 ? sig : 0;
}

struct watch {
	sigset_t set;
	const char *what;
	void (*restore)(void);
};

static void *watch(void *arg)
{
	struct watch *w = arg;
	int sig;

	if (sigisemptyset(&w->set))
		return NULL; /* every one of them ignored: nothing to watch */
	while (sigwait(&w->set, &sig) != 0)
		;
	w->restore();
	/* one line; stderr is unbuffered, and _exit skips stdio and atexit,
	 * which other threads may be in the middle of */
	fprintf(stderr, "\nisolator: %s: interrupted by SIG%s; system state restored\n", w->what,
		sigabbrev_np(sig));
	_exit(128 + sig);
	return NULL;
}

int exit_on_signal(const char *what, void (*restore)(void))
{
	static struct watch w; /* lives until _exit */
	pthread_attr_t attr;
	pthread_t t;
	int err;

	w.what = what;
	w.restore = restore;
	/* before any other thread starts: they inherit the blocked mask, so the
	 * watcher is the only thread that takes these signals */
	signals_hold(&w.set);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &attr, watch, &w);
	pthread_attr_destroy(&attr);
	return -err;
}
