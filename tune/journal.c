// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The journal of changed settings, shared by isolator_start (IRQ affinities,
 * cpuset) and `isolator apply`. A text file, one change a line:
 *
 *     isolator-journal 1 <owner pid>
 *     <path> <value before> <value written>
 *
 * Fields are percent-encoded (space, '%', control characters; "%-" is the
 * empty string) so any value fits on one line. Every line is fsync'd before
 * the change it describes is made: after a crash the journal may name a change
 * that never happened, which restore handles (the setting already holds the old
 * value), but never misses one that did.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tune.h"

struct journal {
	int fd;
	char path[512];
};

const char *journal_dir(void)
{
	const char *dir = getenv("ISOLATOR_STATE_DIR");

	return dir && *dir ? dir : "/var/lib/isolator";
}

/* mkdir -p for the journal's directory. */
static int make_dirs(const char *file)
{
	char tmp[512];
	size_t n = strlen(file);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, file, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int fsync_dir_of(const char *file)
{
	char dir[512];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", file);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	fd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fsync(fd);
	close(fd);
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
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

struct journal *journal_create(const char *path)
{
	struct journal *j;
	char header[64];
	int err;

	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	snprintf(j->path, sizeof(j->path), "%s", path);
	err = make_dirs(path);
	if (err)
		goto fail;
	j->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		err = -errno;
		goto fail;
	}
	snprintf(header, sizeof(header), "isolator-journal 1 %d\n", (int)getpid());
	err = write_all(j->fd, header, strlen(header));
	if (!err && fsync(j->fd) < 0)
		err = -errno;
	if (!err)
		err = fsync_dir_of(path); /* the file itself must survive a crash */
	if (err) {
		close(j->fd);
		unlink(path);
		goto fail;
	}
	return j;
fail:
	free(j);
	errno = -err;
	return NULL;
}

static size_t encode(char *out, size_t len, const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	if (!*in) {
		n = (size_t)snprintf(out, len, "%%-");
		return n;
	}
	for (; *in && n + 4 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c <= ' ' || c == '%' || c == 0x7f) {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode in place; returns 0 or -EPROTO. */
static int decode(char *s)
{
	char *out = s;

	if (!strcmp(s, "%-")) {
		*s = '\0';
		return 0;
	}
	for (; *s; s++) {
		if (*s != '%') {
			*out++ = *s;
			continue;
		}
		int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

		if (hi < 0 || lo < 0)
			return -EPROTO;
		*out++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*out = '\0';
	return 0;
}

int journal_record(struct journal *j, const char *path, const char *old_value,
		   const char *new_value)
{
	char line[3 * 4096 + 8];
	size_t n;
	int err;

	n = encode(line, 3 * 1024, path);
	line[n++] = ' ';
	n += encode(line + n, 4 * 1024, old_value);
	line[n++] = ' ';
	n += encode(line + n, 4 * 1024, new_value);
	line[n++] = '\n';
	err = write_all(j->fd, line, n);
	if (!err && fsync(j->fd) < 0)
		err = -errno;
	return err;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j);
}

const char *journal_path(const struct journal *j)
{
	return j->path;
}

pid_t journal_owner(const char *path)
{
	char buf[128];
	int version, pid;

	if (read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	if (sscanf(buf, "isolator-journal %d %d", &version, &pid) != 2 || version != 1)
		return -1;
	return pid;
}

/*
 * "cgroup:<dir>" entries undo a cpuset partition: move every task left in
 * <dir> back to the cgroup named by the old value, then remove <dir>.
 */
static enum restore_result restore_cgroup(const char *dir, const char *orig, int *err)
{
	char path[600], *pids, *pid, *save = NULL;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	pids = read_file_alloc(path, NULL);
	if (!pids)
		return errno == ENOENT ? RESTORE_UNCHANGED : (*err = errno, RESTORE_FAILED);
	snprintf(path, sizeof(path), "%s/cgroup.procs", orig);
	for (pid = strtok_r(pids, "\n", &save); pid; pid = strtok_r(NULL, "\n", &save))
		write_text(path, pid); /* a task that exited meanwhile is fine */
	free(pids);
	if (rmdir(dir) < 0) {
		*err = errno;
		return RESTORE_FAILED;
	}
	return RESTORE_DONE;
}

/*
 * "process:<pid>" entries stop a helper process a tool left running (the
 * /dev/cpu_dma_latency holder of `isolator apply`); the value written is the
 * process's start time (field 22 of /proc/<pid>/stat), so a pid reused by
 * another process since is left alone.
 */
static enum restore_result restore_process(const char *pid_text, const char *start, int *err)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int pid = atoi(pid_text);

	if (pid <= 1)
		return RESTORE_SKIPPED;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return RESTORE_UNCHANGED; /* gone already */
	p = strrchr(buf, ')'); /* comm may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %*s %*s %*s %llu", &t) != 1)
		return RESTORE_SKIPPED;
	if (strtoull(start, NULL, 10) != t)
		return RESTORE_SKIPPED; /* the pid belongs to someone else now */
	if (kill(pid, SIGTERM) < 0) {
		*err = errno;
		return RESTORE_FAILED;
	}
	/* what it held is released when it is gone (or a zombie): wait up to 2 s */
	for (int i = 0; i < 200; i++) {
		struct timespec ts = { 0, 10000000 };

		if (read_text(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')) || p[2] == 'Z')
			break;
		nanosleep(&ts, NULL);
	}
	return RESTORE_DONE;
}

/* Whether the setting's text @now holds @value. Selection files such as
 * transparent_hugepage/enabled read "always [madvise] never" and take one
 * word: there the bracketed word is the value. */
static int holds(const char *now, const char *value)
{
	const char *open = strchr(now, '['), *close;

	if (!strcmp(now, value))
		return 1;
	if (!open || strchr(value, '[') || !(close = strchr(open, ']')))
		return 0;
	return (size_t)(close - open - 1) == strlen(value) &&
	       !strncmp(open + 1, value, strlen(value));
}

struct entry {
	char *path, *old_value, *new_value;
};

int journal_restore(const char *path, restore_report_fn report, void *arg)
{
	struct entry *entries = NULL;
	size_t count = 0, cap = 0, len;
	int restored = 0, unresolved = 0, version, pid;
	char *text, *line, *save = NULL;

	text = read_file_alloc(path, &len);
	if (!text)
		return set_error(errno, "cannot read journal %s: %s", path, strerror(errno));
	line = strtok_r(text, "\n", &save);
	if (!line || sscanf(line, "isolator-journal %d %d", &version, &pid) != 2 || version != 1) {
		free(text);
		return set_error(EPROTO, "%s: not an isolator journal", path);
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *fsave = NULL;
		char *f1 = strtok_r(line, " ", &fsave);
		char *f2 = strtok_r(NULL, " ", &fsave);
		char *f3 = strtok_r(NULL, " ", &fsave);

		/* A torn last line (crash mid-write) is a change never made. */
		if (!f1 || !f2 || !f3 || decode(f1) || decode(f2) || decode(f3))
			continue;
		if (count == cap) {
			struct entry *tmp = realloc(entries, (cap ? cap * 2 : 16) * sizeof(*tmp));

			if (!tmp) {
				free(entries);
				free(text);
				return -ENOMEM;
			}
			entries = tmp;
			cap = cap ? cap * 2 : 16;
		}
		entries[count++] = (struct entry){ f1, f2, f3 };
	}
	/* Newest first: a path changed twice ends at its oldest value. */
	for (size_t i = count; i-- > 0;) {
		struct entry *e = &entries[i];
		char now[4096];
		enum restore_result result;
		int special = !strncmp(e->path, "cgroup:", 7) || !strncmp(e->path, "process:", 8);
		ssize_t n = special ? 0 : read_text(e->path, now, sizeof(now));
		int err = 0;

		if (!strncmp(e->path, "cgroup:", 7)) {
			result = restore_cgroup(e->path + 7, e->old_value, &err);
		} else if (special) {
			result = restore_process(e->path + 8, e->new_value, &err);
		} else if (n < 0) {
			result = RESTORE_FAILED;
			err = (int)-n;
		} else if (holds(now, e->old_value)) {
			result = RESTORE_UNCHANGED;
		} else if (!holds(now, e->new_value)) {
			result = RESTORE_SKIPPED;
		} else {
			err = -write_text(e->path, e->old_value);
			result = err ? RESTORE_FAILED : RESTORE_DONE;
		}
		if (result == RESTORE_DONE)
			restored++;
		if (result == RESTORE_FAILED)
			unresolved++;
		if (report)
			report(arg, e->path, e->old_value, result, err);
	}
	free(entries);
	free(text);
	/* Keep a journal we could not fully apply, so revert can be retried. */
	if (!unresolved && unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return restored;
}
