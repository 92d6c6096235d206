// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every /proc, /sys and /dev path goes through sysroot_path(), so the tests
 * run the same code against a fake tree (ISOLATOR_SYSROOT=tests/data/...).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	/* O_TRUNC: a no-op on procfs and sysfs, and right for the regular files of
	 * a fake sysroot, where a shorter value must not leave the old tail. */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	test_write_stop(path);
	/* One write: procfs and sysfs take a value per write(), not a stream. */
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
