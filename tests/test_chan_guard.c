// SPDX-License-Identifier: GPL-2.0-or-later
/* Issue 13 row 10: a peer that truncates a channel's region no longer kills
 * the other side. A named region truncated under a producer and a consumer
 * (in this process and in another) is caught: both survive and
 * isolator_chan_check() says -EPIPE. An anonymous channel passed over a Unix
 * socket is sealed: the peer cannot truncate it. isolator_poll_all() says
 * -EPIPE for a registered channel that was truncated. A SIGBUS outside any
 * channel goes to the handler there was before. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "isolator.h"
#include "tap.h"

static void count(void *arg, const void *msg, size_t len)
{
	(void)msg, (void)len;
	(*(unsigned *)arg)++;
}

static void truncate_named(const char *name)
{
	int fd = shm_open(name, O_RDWR, 0);

	if (fd < 0 || ftruncate(fd, 0) < 0)
		diag("truncating %s: %s", name, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void same_process(void)
{
	char name[64];
	struct isolator_chan *prod, *cons;
	unsigned got = 0, msg = 7;

	snprintf(name, sizeof(name), "/isolator-test-guard-%d", (int)getpid());
	prod = isolator_chan_create(name, 64, sizeof(msg), 0600);
	cons = prod ? isolator_chan_open(name) : NULL;
	if (!ok(prod && cons, "named channel and a second handle: %s", isolator_errmsg()))
		return;
	is_int(isolator_chan_post(prod, &msg, sizeof(msg)), 0, "post before");
	is_int(isolator_chan_poll(cons, count, &got, 8), 1, "poll before");
	is_int(isolator_chan_check(prod), 0, "intact: check says 0");
	truncate_named(name); /* the hostile peer */
	/* each of these faulted with SIGBUS and killed the process */
	(void)isolator_chan_post(prod, &msg, sizeof(msg));
	ok(1, "post after the truncation: still alive");
	(void)isolator_chan_poll(cons, count, &got, 8);
	ok(1, "poll after the truncation: still alive");
	is_int(isolator_chan_check(prod), -EPIPE, "the producer's handle says -EPIPE: %s",
	       isolator_errmsg());
	is_int(isolator_chan_check(cons), -EPIPE, "the consumer's too");
	for (int i = 0; i < 100; i++)
		(void)isolator_chan_post(prod, &msg, sizeof(msg));
	ok(isolator_chan_poll(cons, count, &got, 64) <= 64, "a hundred more posts and a poll do no harm");
	isolator_chan_free(prod);
	isolator_chan_free(cons);
	isolator_chan_unlink(name);
}

/* The consumer in another process, the producer here, and a third party
 * truncates: the consumer must exit by itself, having seen -EPIPE. */
static void other_process(void)
{
	char name[64];
	struct isolator_chan *prod;
	unsigned msg = 1;
	int go[2], status;
	pid_t kid;

	snprintf(name, sizeof(name), "/isolator-test-guard2-%d", (int)getpid());
	prod = isolator_chan_create(name, 64, sizeof(msg), 0600);
	if (!ok(prod != NULL && pipe(go) == 0, "named channel"))
		return;
	kid = fork();
	if (kid == 0) {
		struct isolator_chan *cons = isolator_chan_open(name);
		unsigned got = 0;
		char c = 'r';

		if (!cons || write(go[1], &c, 1) != 1)
			_exit(2);
		alarm(20);
		while (isolator_chan_check(cons) == 0)
			(void)isolator_chan_poll(cons, count, &got, 8);
		isolator_chan_free(cons);
		_exit(got > 0 ? 0 : 3);
	}
	char c;

	ok(read(go[0], &c, 1) == 1, "the consumer process has the channel open");
	for (int i = 0; i < 10; i++)
		isolator_chan_post(prod, &msg, sizeof(msg));
	usleep(100000);
	truncate_named(name);
	for (int i = 0; i < 10; i++)
		(void)isolator_chan_post(prod, &msg, sizeof(msg));
	waitpid(kid, &status, 0);
	if (!ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"the consumer process survives the truncation and sees -EPIPE"))
		diag("status 0x%x%s", status,
		     WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS ? ": killed by SIGBUS" : "");
	is_int(isolator_chan_check(prod), -EPIPE, "and so does the producer");
	isolator_chan_free(prod);
	isolator_chan_unlink(name);
	close(go[0]);
	close(go[1]);
}

/* A sealed memfd over a Unix socket: the receiver gets messages, and cannot
 * shrink the region under the sender. */
static void passed_memfd(void)
{
	struct isolator_chan *prod;
	unsigned msg = 3;
	int sv[2], status;
	pid_t kid;

	prod = isolator_chan_create(NULL, 64, sizeof(msg), 0);
	if (!ok(prod && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0,
		"anonymous channel and a socket pair"))
		return;
	kid = fork();
	if (kid == 0) {
		struct isolator_chan *cons;
		unsigned got = 0;

		close(sv[0]);
		cons = isolator_chan_recv(sv[1]);
		if (!cons)
			_exit(2);
		/* hostile: try to shrink it */
		if (ftruncate(isolator_chan_fd(cons), 0) == 0 || errno != EPERM)
			_exit(3);
		alarm(20);
		while (got < 10)
			(void)isolator_chan_poll(cons, count, &got, 16);
		isolator_chan_free(cons);
		_exit(isolator_chan_check(prod) == 0 ? 0 : 4);
	}
	close(sv[1]);
	is_int(isolator_chan_send(sv[0], prod), 0, "isolator_chan_send");
	for (int i = 0; i < 10;)
		if (isolator_chan_post(prod, &msg, sizeof(msg)) == 0)
			i++;
	waitpid(kid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "the receiver got 10 messages, and its ftruncate was refused (EPERM: sealed) (%d)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(sv[0]);
	isolator_chan_free(prod);

	/* a message without a channel in it */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
		errno = 0;
		ok(write(sv[0], "c", 1) == 1 && isolator_chan_recv(sv[1]) == NULL && errno == EPROTO,
		   "recv of a message without an fd: EPROTO (%s)", isolator_errmsg());
		close(sv[0]);
		close(sv[1]);
	}
}

/* The registry's consumer: isolator_poll_all() says -EPIPE while a
 * registered channel is broken (it delivered nothing, silently, before),
 * still delivers the others, and is quiet again once it is unregistered. */
static void poll_all_broken(void)
{
	char name[64];
	struct isolator_chan *prod, *cons, *other;
	unsigned got = 0, other_got = 0, msg = 5;
	int n;

	snprintf(name, sizeof(name), "/isolator-test-guard4-%d", (int)getpid());
	prod = isolator_chan_create(name, 64, sizeof(msg), 0600);
	cons = prod ? isolator_chan_open(name) : NULL;
	other = isolator_chan_create(NULL, 64, sizeof(msg), 0);
	if (!ok(prod && cons && other, "a named channel, its consumer, and another channel"))
		return;
	is_int(isolator_chan_register(cons, count, &got), 0, "register the named one");
	is_int(isolator_chan_register(other, count, &other_got), 0, "register the other");
	is_int(isolator_chan_post(prod, &msg, sizeof(msg)), 0, "post");
	is_int(isolator_poll_all(8), 1, "poll_all delivers it");
	truncate_named(name);
	(void)isolator_chan_post(prod, &msg, sizeof(msg)); /* faults: the region is now zeros */
	is_int(isolator_chan_post(other, &msg, sizeof(msg)), 0, "post on the other");
	n = isolator_poll_all(8);
	is_int(n, -EPIPE, "poll_all after the truncation: -EPIPE: %s", n < 0 ? isolator_errmsg() : "");
	ok(strstr(isolator_errmsg(), "truncated") != NULL, "  ... saying the region was truncated");
	is_int(other_got, 1, "  ... and the other channel was still polled");
	is_int(isolator_poll_all(8), -EPIPE, "  ... and says so again next time");
	is_int(isolator_chan_unregister(cons), 0, "unregister the broken one");
	is_int(isolator_poll_all(8), 0, "poll_all is quiet again");
	isolator_chan_unregister(other);
	isolator_chan_free(other);
	isolator_chan_free(prod);
	isolator_chan_free(cons);
	isolator_chan_unlink(name);
}

static void previous_handler(int sig)
{
	(void)sig;
	_exit(42);
}

/* The guard takes only faults inside channels: any other SIGBUS goes to the
 * handler there was before (which, by default, kills). */
static void foreign_sigbus(void)
{
	int status;
	pid_t kid = fork();

	if (kid == 0) {
		char name[64];

		signal(SIGBUS, previous_handler);
		FILE *f = tmpfile();
		struct isolator_chan *c;
		volatile char *p;

		snprintf(name, sizeof(name), "/isolator-test-guard3-%d", (int)getpid());
		c = isolator_chan_create(name, 4, 4, 0600); /* installs the handler */
		isolator_chan_unlink(name);
		if (!c || !f || ftruncate(fileno(f), 4096) < 0)
			_exit(2);
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fileno(f), 0);
		if (p == MAP_FAILED || ftruncate(fileno(f), 0) < 0)
			_exit(2);
		p[0] = 1; /* not a channel: the default action */
		_exit(0);
	}
	waitpid(kid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	   "a SIGBUS outside every channel goes to the previous handler (status 0x%x)", status);
}

int main(void)
{
	same_process();
	other_process();
	passed_memfd();
	poll_all_broken();
	foreign_sigbus();
	return done_testing();
}
