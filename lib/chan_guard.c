// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Surviving a channel peer that may be hostile, or just buggy.
 *
 * A peer that shrinks a channel's file makes every access past the new end
 * fault with SIGBUS, which kills the process: the other side of the channel
 * dies of its peer's mistake. Two defences:
 *
 *  - An anonymous channel is a memfd sealed against shrinking and growing
 *    (isolator_chan_create). isolator_chan_send() passes its fd over a Unix
 *    socket (SCM_RIGHTS) and isolator_chan_recv() maps it: nobody can
 *    truncate it, so nothing can fault.
 *  - A named region (shm_open; tmpfs files cannot be sealed) or a received
 *    fd without the seal is guarded: its mapping is listed here, and a
 *    SIGBUS at an address inside it is answered by mapping zero-filled
 *    anonymous memory over the whole region (MAP_FIXED) and returning, so
 *    the access completes (the way Wayland compositors survive clients that
 *    truncate their shm pools). The channel is then marked broken:
 *    isolator_chan_check() says -EPIPE, and what it reads is zeros, which
 *    the fast path treats like any impossible index. A SIGBUS anywhere else
 *    goes to the handler there was before, or kills as it would have.
 *
 * The list is read by the signal handler, so it is never freed: entries are
 * pushed once (lock-free, release) and reused, and only atomics are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

struct guard {
	_Atomic(uintptr_t) start;   /* 0: free for reuse */
	atomic_size_t len;
	atomic_int broken;
	struct guard *next;         /* written once, before the entry is published */
};

static _Atomic(struct guard *) guards;
atomic_uint chan_guard_breaks;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER; /* writers only */
static struct sigaction previous;
static int installed;

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	int saved = errno;

	for (struct guard *g = atomic_load_explicit(&guards, memory_order_acquire); g; g = g->next) {
		/* acquire: pairs with the release store of start in chan_guard_add,
		 * so len is the one written with it */
		uintptr_t start = atomic_load_explicit(&g->start, memory_order_acquire);
		size_t len = atomic_load_explicit(&g->len, memory_order_relaxed);

		if (!start || a < start || a - start >= len)
			continue;
		/* the region is lost to us either way; zeros instead of a crash */
		if (mmap((void *)start, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
			atomic_store_explicit(&g->broken, 1, memory_order_release);
			/* release: a poll_all that reads the new count (and fences)
			 * sees the flag; lock-free, so signal-safe */
			atomic_fetch_add_explicit(&chan_guard_breaks, 1, memory_order_release);
			errno = saved;
			return; /* the faulting access is retried, and succeeds */
		}
		break;
	}
	/* not a channel of ours: whatever would have happened without us */
	if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
		previous.sa_sigaction(sig, si, ctx);
	} else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
	} else {
		/* back to the default action: the access faults again and kills */
		signal(SIGBUS, SIG_DFL);
	}
	errno = saved;
}

/* Whether a peer can shrink the file under @fd. */
static int shrinkable(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals < 0 || !(seals & F_SEAL_SHRINK);
}

int chan_guard_add(void *map, size_t len, int fd)
{
	struct guard *g;

	if (!shrinkable(fd))
		return 0; /* sealed: nothing can fault */
	pthread_mutex_lock(&guard_lock);
	if (!installed) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &previous) < 0) {
			int err = errno;

			pthread_mutex_unlock(&guard_lock);
			return set_error(err, "SIGBUS handler for channels: %s", strerror(err));
		}
		installed = 1;
	}
	for (g = atomic_load_explicit(&guards, memory_order_relaxed); g; g = g->next)
		if (!atomic_load_explicit(&g->start, memory_order_relaxed))
			break;
	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g) {
			pthread_mutex_unlock(&guard_lock);
			return set_error(ENOMEM, "no memory to guard a channel");
		}
		g->next = atomic_load_explicit(&guards, memory_order_relaxed);
		/* release: the handler sees next set before it sees the entry */
		atomic_store_explicit(&guards, g, memory_order_release);
	}
	atomic_store_explicit(&g->len, len, memory_order_relaxed);
	atomic_store_explicit(&g->broken, 0, memory_order_relaxed);
	/* release: pairs with the acquire in on_sigbus */
	atomic_store_explicit(&g->start, (uintptr_t)map, memory_order_release);
	pthread_mutex_unlock(&guard_lock);
	return 0;
}

static struct guard *guard_of(const void *map)
{
	for (struct guard *g = atomic_load_explicit(&guards, memory_order_acquire); g; g = g->next)
		if (atomic_load_explicit(&g->start, memory_order_acquire) == (uintptr_t)map)
			return g;
	return NULL;
}

void chan_guard_remove(void *map)
{
	struct guard *g;

	pthread_mutex_lock(&guard_lock);
	g = guard_of(map);
	if (g)
		atomic_store_explicit(&g->start, 0, memory_order_release);
	pthread_mutex_unlock(&guard_lock);
}

int chan_guard_broken(const void *map)
{
	struct guard *g = guard_of(map);

	return g && atomic_load_explicit(&g->broken, memory_order_acquire);
}

ISOLATOR_API int isolator_chan_check(const struct isolator_chan *c)
{
	if (!c)
		return -EINVAL;
	if (chan_guard_broken(c->region))
		return set_error(EPIPE, "channel: its peer truncated the shared region; the messages "
				 "in it are lost (share channels as sealed memfds: isolator_chan_send)");
	return 0;
}
