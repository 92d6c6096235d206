// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The state directory and who owns which CPU.
 *
 * Root reads and writes the state directory (journals, CPU claims), so
 * nobody else may have put anything there: the directory must be ours and
 * not writable by group or others, and every file in it is opened relative to
 * it with O_NOFOLLOW and checked to be a regular file of ours, not writable by
 * group or others (state_open). A FIFO is opened O_NONBLOCK, so it is refused
 * instead of blocking the open forever.
 *
 * One owner per CPU, machine-wide: every session that changes system state
 * for a CPU (isolator_start, run, bench, demo, apply) first takes an
 * exclusive flock on <state>/cpu<N>.lock and holds it until it ends; the
 * kernel drops it when the process dies, however it dies. A second session
 * for the CPU is refused, naming the holder (the file holds its pid and
 * command line). Refusal rather than a reference count: two sessions sharing
 * a CPU would share its IRQ steering and undo each other's changes at the
 * end, which is the bug this prevents, and two busy loops on one CPU cannot
 * both be isolated anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tune.h"

const char *journal_dir(void)
{
	const char *dir = getenv("ISOLATOR_STATE_DIR");

	return dir && *dir ? dir : "/var/lib/isolator";
}

/* Whether @st may be trusted: ours and not writable by anyone else. */
static const char *untrusted(const struct stat *st)
{
	if (st->st_uid != geteuid())
		return "owned by another user";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others";
	return NULL;
}

static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	default:
		return "a device";
	}
}

/* mkdir -p @dir; the last component 0700 (it holds root's journals). */
static int make_dir(const char *dir)
{
	char tmp[512];
	size_t n = strlen(dir);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int state_dir_open(const char *dir, int create)
{
	struct stat st;
	const char *why;
	int fd, err;

	if (create && (err = make_dir(dir)) < 0)
		return set_error(-err, "state directory %s: %s%s", dir, strerror(-err),
				 err == -EACCES ? " (needs root)" : "");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOTDIR || err == ELOOP)
			return set_error(ENOTDIR, "state directory %s: not a directory (a symbolic link "
					 "or a file); want a directory of uid %d, mode 0700", dir,
					 (int)geteuid());
		return set_error(err, "state directory %s: %s%s", dir, strerror(err),
				 err == EACCES ? " (needs root)" : "");
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		return set_error(err, "state directory %s: %s", dir, strerror(err));
	}
	why = untrusted(&st);
	if (why && st.st_uid == 0 && geteuid() != 0) {
		/* root's directory, as it should be: it is the caller who is
		 * missing something, not the directory that is wrong */
		close(fd);
		return set_error(EACCES, "needs root (state directory %s is root's; a test tree takes "
				 "ISOLATOR_STATE_DIR=a directory of your own)", dir);
	}
	if (why) {
		close(fd);
		return set_error(EPERM, "state directory %s: %s (uid %d, mode %04o); want uid %d, "
				 "mode 0700", dir, why, (int)st.st_uid, (unsigned)(st.st_mode & 07777),
				 (int)geteuid());
	}
	return fd;
}

int state_open(int dirfd, const char *dir, const char *name, int flags, mode_t mode)
{
	struct stat st;
	const char *why;
	int fd, err;

	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
	if (fd < 0) {
		err = errno;
		if (err == ELOOP)
			return set_error(ELOOP, "%s/%s: a symbolic link; refused", dir, name);
		return set_error(err, "%s/%s: %s", dir, name, strerror(err));
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		return set_error(err, "%s/%s: %s", dir, name, strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return set_error(EINVAL, "%s/%s: %s, not a regular file; refused", dir, name,
				 file_kind(st.st_mode));
	}
	why = untrusted(&st);
	if (why) {
		close(fd);
		return set_error(EPERM, "%s/%s: %s (uid %d, mode %04o); refused", dir, name, why,
				 (int)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
	/* O_NONBLOCK was for the open only: journal writes must not be short */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* "1234 isolator run --cpu 1 -- sleep 3": our pid and command line. */
static void describe_self(char *buf, size_t len)
{
	char cmd[256];
	ssize_t n = 0;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
	}
	if (n < 0)
		n = 0;
	for (ssize_t i = 0; i < n; i++)
		if (cmd[i] == '\0' || cmd[i] == '\n')
			cmd[i] = ' ';
	while (n > 0 && cmd[n - 1] == ' ')
		n--;
	cmd[n] = '\0';
	snprintf(buf, len, "%d %s\n", (int)getpid(), n ? cmd : "?");
}

/* The holder's "pid command" from an open lock file, newline stripped. */
static void read_holder(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);
	char *nl;

	if (n <= 0) {
		snprintf(buf, len, "? (starting)");
		return;
	}
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
}

int cpu_claim(unsigned cpu, struct cpu_claim *claim)
{
	const char *dir = journal_dir();
	char name[32], me[300], holder[300], *cmd;
	int dirfd, fd;

	claim->fd = -1;
	claim->cpu = cpu;
	dirfd = state_dir_open(dir, 1);
	if (dirfd < 0)
		return dirfd;
	snprintf(name, sizeof(name), "cpu%u.lock", cpu);
	fd = state_open(dirfd, dir, name, O_RDWR | O_CREAT, 0600);
	close(dirfd);
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;

		read_holder(fd, holder, sizeof(holder));
		close(fd);
		if (err == ENOSYS)
			return set_error(err, "%s/%s: this kernel has no file locks (CONFIG_FILE_LOCKING), "
					 "so a CPU cannot be owned by one session", dir, name);
		if (err != EWOULDBLOCK)
			return set_error(err, "%s/%s: %s", dir, name, strerror(err));
		cmd = strchr(holder, ' ');
		if (cmd)
			*cmd++ = '\0';
		return set_error(EBUSY, "CPU %u is in use by pid %s (%s); one session per CPU: "
				 "wait for it to end", cpu, holder, cmd ? cmd : "?");
	}
	describe_self(me, sizeof(me));
	if (ftruncate(fd, 0) < 0 || pwrite(fd, me, strlen(me), 0) < 0) {
		/* the lock is what counts; the text only names us */
	}
	claim->fd = fd;
	return 0;
}

void cpu_release(struct cpu_claim *claim)
{
	if (claim->fd < 0)
		return;
	/* empty first: a later reader must not name us as the holder */
	if (ftruncate(claim->fd, 0) < 0) {
		/* closing drops the lock all the same */
	}
	close(claim->fd);
	claim->fd = -1;
}

int cpu_holder(unsigned cpu, char *buf, size_t len)
{
	const char *dir = journal_dir();
	char name[32];
	int dirfd, fd, held;

	dirfd = state_dir_open(dir, 0);
	if (dirfd < 0)
		return 0;
	snprintf(name, sizeof(name), "cpu%u.lock", cpu);
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(dirfd);
	if (fd < 0)
		return 0;
	/* a shared lock is refused only while someone holds the exclusive one;
	 * our own claim is another open file, so it counts as held too */
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	if (!held)
		flock(fd, LOCK_UN);
	else if (buf)
		read_holder(fd, buf, len);
	close(fd);
	return held;
}
