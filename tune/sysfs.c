// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every /proc, /sys and /dev path goes through sysroot_path(), so the tests
 * run the same code against a fake tree (ISOLATOR_SYSROOT=tests/data/...).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "tune.h"

const char *sysroot_get(const char *sysroot)
{
	const char *root = sysroot ? sysroot : getenv("ISOLATOR_SYSROOT");

	if (!root || !strcmp(root, "/"))
		return "";
	return root;
}

int sysroot_path(char *buf, size_t len, const char *root, const char *fmt, ...)
{
	va_list ap;
	size_t n;
	int m;

	root = sysroot_get(root);
	n = strlen(root);
	/* "/x/" + "/proc" would give "//proc": harmless, but keep paths tidy */
	while (n > 0 && root[n - 1] == '/')
		n--;
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, root, n);
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - n)
		return -ENAMETOOLONG;
	return 0;
}

ssize_t read_text(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	while (total > 0 && (buf[total - 1] == '\n' || buf[total - 1] == ' '))
		buf[--total] = '\0';
	return total;
}

char *read_file_alloc(const char *path, size_t *len_out)
{
	size_t cap = 16384, len = 0;
	char *buf, *tmp;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	if (!buf)
		goto fail;
	for (;;) {
		if (len + 1 >= cap) {
			/* procfs files have no size: grow until read() says 0 */
			tmp = realloc(buf, cap * 2);
			if (!tmp)
				goto fail;
			buf = tmp;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
fail:
	n = errno;
	free(buf);
	close(fd);
	errno = n;
	return NULL;
}

static const char *write_stop_suffix;

static void write_stop_read(void)
{
	const char *env = getenv("ISOLATOR_TEST_WRITE_STOP");

	write_stop_suffix = env && *env ? env : NULL;
}

/*
 * Test hook: with $ISOLATOR_TEST_WRITE_STOP=SUFFIX (read once), a write to a
 * path ending in SUFFIX stops the process (SIGSTOP) once the file to write is
 * open and before the value is in it: the instant a kill used to leave a
 * fake tree's file empty. tests/tune_cli.sh waits for the stop and sends
 * SIGKILL there, so the crash test hits that window every time.
 */
static void test_write_stop(const char *path)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	size_t n, len = strlen(path);

	pthread_once(&once, write_stop_read);
	if (!write_stop_suffix)
		return;
	n = strlen(write_stop_suffix);
	if (len >= n && !strcmp(path + len - n, write_stop_suffix))
		raise(SIGSTOP);
}

/*
 * Whether @fd is on a filesystem of kernel attributes, which take a value per
 * write() and never hold a torn one. st_mode cannot tell: sysfs and procfs
 * files are S_ISREG too. If statfs fails, say yes: the one write() is what
 * every setting was always given.
 */
static int kernel_attribute(int fd)
{
	struct statfs fs;

	if (fstatfs(fd, &fs) < 0)
		return 1;
	switch ((unsigned long)fs.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
		return 1;
	}
	return 0;
}

int split_path(const char *path, char *dir, size_t len, const char **base)
{
	const char *slash = strrchr(path, '/');

	/* every caller's path is a directory's and a name in it: a bare name
	 * ("foo", ".", "") would be taken relative to whatever the cwd is */
	if (!slash)
		return -EINVAL;
	if (!slash[1])
		return -EISDIR;
	if ((size_t)(slash - path) >= len)
		return -ENAMETOOLONG;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	if (!*dir)
		snprintf(dir, len, "/");
	*base = slash + 1;
	return 0;
}

/* The temporary name a write by @writer stages @base under, in its directory. */
static int staging_name(char *buf, size_t len, const char *base, pid_t writer)
{
	int n = snprintf(buf, len, ".%s.isolator-%d", base, (int)writer);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * Remove the ".<@base>.isolator-<pid>" files in @dirfd (an O_PATH fd will
 * do) whose writer is gone: what a write_value() killed before its rename
 * left, whoever it was (an apply, or a revert killed in turn; a later revert
 * of the journal knows only the apply's pid). A writer still alive (any
 * user's: kill(2)'s EPERM says alive too) may be inside its write, so its
 * file stays; so does a file not ours, and anything but a regular file. A
 * pid reused since keeps its file until that process ends. Nothing to do on
 * a kernel filesystem: nothing is ever staged there. 0 or a negative errno.
 */
static int remove_dead_staged(int dirfd, const char *base)
{
	char prefix[NAME_MAX + 1];
	int n = snprintf(prefix, sizeof(prefix), ".%s.isolator-", base), fd, err = 0;
	struct dirent *de;
	DIR *d;

	if (n < 0 || (size_t)n >= sizeof(prefix))
		return 0; /* no staging name fits: none was ever made */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (kernel_attribute(fd)) {
		close(fd);
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((de = readdir(d))) {
		const char *tail = de->d_name + n;
		struct stat st;
		char *end;
		long pid;

		if (strncmp(de->d_name, prefix, (size_t)n) || *tail < '1' || *tail > '9')
			continue;
		errno = 0;
		pid = strtol(tail, &end, 10);
		if (*end || errno || pid > INT_MAX)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* alive: us, or anyone's (EPERM) */
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT && !err)
			err = -errno;
	}
	closedir(d);
	return err;
}

/* A kernel attribute (or a device, a FIFO, a symbolic link): one write(), as
 * procfs and sysfs take a value per write(), not a stream. O_TRUNC is a no-op
 * on most of them, but tracefs reads it as "replace the list", and a regular
 * file behind a symbolic link must not keep the old value's tail. */
static int write_once(int dirfd, const char *base, const char *path, const char *text,
		      int flags)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd = openat(dirfd, base, O_WRONLY | O_TRUNC | O_CLOEXEC | flags);

	if (fd < 0)
		return -errno;
	test_write_stop(path);
	n = write(fd, text, len);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	if (close(fd) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * A regular file (a fake sysroot's): stage the value beside it and rename()
 * it over the file, so a kill at any instant leaves the old value or the new
 * one, as a sysfs attribute would, never an empty or partial file. A kill
 * before the rename leaves the staging file; the next write of the file
 * (apply's, revert's) or revert's pass over the journal removes it
 * (remove_dead_staged, remove_staged_value). No fsync: a kernel setting does not survive a power
 * cut either, and the fake trees are the tests'.
 */
static int replace_file(int dirfd, const char *base, const char *path, const char *text,
			mode_t mode)
{
	char tmp[NAME_MAX + 1];
	int fd, err = staging_name(tmp, sizeof(tmp), base, getpid());

	if (err)
		return err;
	/* a file we may not write is refused, as the kernel refuses it: the
	 * rename alone would replace a read-only file */
	fd = openat(dirfd, base, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	unlinkat(dirfd, tmp, 0); /* a dead writer's, whose pid we now have */
	(void)remove_dead_staged(dirfd, base); /* the other dead writers': litter, not the setting */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	test_write_stop(path);
	/* fchmod, not the open's mode: the umask must not change the file's */
	err = fchmod(fd, mode & 07777) < 0 ? -errno : write_all(fd, text, strlen(text));
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && renameat(dirfd, tmp, dirfd, base) < 0)
		err = -errno;
	if (err)
		unlinkat(dirfd, tmp, 0);
	return err;
}

int write_value(const char *path, const char *text, int flags)
{
	char dir[PATH_MAX];
	const char *base;
	struct stat st;
	int dirfd, fd, replace, err = split_path(path, dir, sizeof(dir), &base);

	if (err)
		return err;
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	/* O_PATH | O_NOFOLLOW opens a symbolic link itself: it is not a regular
	 * file, so it goes to write_once, which follows it or refuses it as
	 * @flags say, as before */
	fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		close(dirfd);
		return err;
	}
	replace = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !kernel_attribute(fd);
	close(fd);
	err = replace ? replace_file(dirfd, base, path, text, st.st_mode)
		      : write_once(dirfd, base, path, text, flags);
	close(dirfd);
	return err;
}

int write_text(const char *path, const char *text)
{
	return write_value(path, text, 0);
}

int remove_dead_staged_values(const char *path)
{
	char dir[PATH_MAX];
	const char *base;
	int dirfd, err = split_path(path, dir, sizeof(dir), &base);

	if (err)
		return err;
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = remove_dead_staged(dirfd, base);
	close(dirfd);
	return err;
}

int remove_staged_value(const char *path, pid_t writer)
{
	char dir[PATH_MAX], tmp[NAME_MAX + 1], litter[PATH_MAX + NAME_MAX + 2];
	const char *base;
	int err = split_path(path, dir, sizeof(dir), &base);

	if (!err)
		err = staging_name(tmp, sizeof(tmp), base, writer);
	if (err)
		return err;
	snprintf(litter, sizeof(litter), "%s/%s", dir, tmp);
	return unlink(litter) < 0 && errno != ENOENT ? -errno : 0;
}

/* The mount point of the cgroup v2 hierarchy, from mountinfo. */
int cgroup2_mount(const char *sysroot, char *out, size_t len)
{
	char path[512], *text, *line, *save = NULL;
	int err = -ENOENT;

	if (sysroot_path(path, sizeof(path), sysroot, "/proc/self/mountinfo"))
		return -ENAMETOOLONG;
	text = read_file_alloc(path, NULL);
	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mnt[256], fstype[64], *dash = strstr(line, " - ");

		/* "36 25 0:31 / /sys/fs/cgroup rw,... - cgroup2 cgroup2 rw" */
		if (!dash || sscanf(dash, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1)
			continue;
		err = sysroot_path(out, len, sysroot, "%s", mnt);
		break;
	}
	free(text);
	return err;
}
