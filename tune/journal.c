// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The journal of changed settings, shared by isolator_start (IRQ affinities,
 * cpuset) and `isolator apply`. A text file, one change a line:
 *
 *     isolator-journal 1 <owner pid> <CPUs isolated>
 *     <path> <value before> <value written>
 *
 * Fields are percent-encoded (space, '%', control characters; "%-" is the
 * empty string) so any value fits on one line. Every line is fsync'd before
 * the change it describes is made: after a crash the journal may name a change
 * that never happened, which restore handles (the setting already holds the old
 * value), but never misses one that did. A setting someone changed since is
 * left alone, but for IRQ affinities, which sessions share: there restore
 * undoes only its own session's change (restore_affinity).
 *
 * Root restores what a journal says, so a journal is trusted no further than
 * this: it lives in a state directory only we can write (state.c), it is
 * opened O_NOFOLLOW and must be our own regular file, and restore writes only
 * the settings on the allow-list below, under the sysroot, and stops only the
 * helper process apply started (its name and start time must match). The
 * header is written and fsync'd in a temporary file that is then link()ed to
 * the journal's name, which fails if the name exists: of two applies at once,
 * one creates the journal and the other is refused, and nobody ever sees a
 * journal without its header.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tune.h"

struct journal {
	int fd;
	char path[512];
	char sysroot[256];
};

/*
 * Every setting a journal may name, under the sysroot: what tools/apply.c
 * and tune/irq.c change, and nothing else (journal_record refuses the rest,
 * so a new setting in apply fails at once until it is added here). Not
 * /proc/sys as a whole: kernel.core_pattern or modprobe restored from a
 * planted journal would run a program as root.
 */
static const char *const allowed_paths[] = {
	"/proc/irq/[0-9]*/smp_affinity_list",
	"/proc/irq/default_smp_affinity",
	"/proc/sys/kernel/hung_task_timeout_secs",
	"/proc/sys/kernel/numa_balancing",
	"/proc/sys/kernel/sched_rt_runtime_us",
	"/proc/sys/kernel/timer_migration",
	"/proc/sys/kernel/watchdog_cpumask",
	"/proc/sys/vm/stat_interval",
	"/sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_governor",
	"/sys/devices/virtual/workqueue/cpumask",
	"/sys/devices/virtual/workqueue/*/cpumask",
	"/sys/kernel/mm/transparent_hugepage/enabled",
};

/* No "..", "." or empty component: the patterns must mean what they say. */
static int tidy(const char *path)
{
	return !strstr(path, "/../") && !strstr(path, "/./") && !strstr(path, "//") &&
	       (strlen(path) < 3 || strcmp(path + strlen(path) - 3, "/.."));
}

/* Whether @dir is <cgroup2 mount>/isolator.<name> and @orig the mount or a
 * cgroup under it. */
static int allowed_cgroup(const char *sysroot, const char *dir, const char *orig)
{
	char mnt[512];
	size_t n;

	if (cgroup2_mount(sysroot, mnt, sizeof(mnt)) < 0)
		return 0;
	n = strlen(mnt);
	if (strncmp(dir, mnt, n) || strncmp(dir + n, "/isolator.", 10) || strchr(dir + n + 1, '/') ||
	    strncmp(orig, mnt, n) || (orig[n] && orig[n] != '/'))
		return 0;
	return tidy(dir) && tidy(orig);
}

static int allowed(const char *sysroot, const char *path, const char *old_value)
{
	const char *root = sysroot_get(sysroot);
	size_t n = strlen(root);

	if (!strncmp(path, "process:", 8))
		return path[8] && strspn(path + 8, "0123456789") == strlen(path + 8);
	if (!strncmp(path, "cgroup:", 7))
		return allowed_cgroup(sysroot, path + 7, old_value);
	if (strncmp(path, root, n) || path[n] != '/' || !tidy(path))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(allowed_paths); i++)
		if (fnmatch(allowed_paths[i], path + n, FNM_PATHNAME) == 0)
			return 1;
	return 0;
}

static int fsync_dir(int dirfd)
{
	return fsync(dirfd) < 0 ? -errno : 0;
}

struct journal *journal_create(const char *path, const char *sysroot,
			       const struct isolator_cpuset *cpus)
{
	char dir[512], tmp[600], header[300], list[256] = "-";
	const char *base;
	struct journal *j;
	int dirfd = -1, err;

	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->fd = -1;
	snprintf(j->path, sizeof(j->path), "%s", path);
	snprintf(j->sysroot, sizeof(j->sysroot), "%s", sysroot_get(sysroot));
	err = split_path(path, dir, sizeof(dir), &base);
	if (err) {
		set_error(-err, "journal %s: not a file path", path);
		goto fail;
	}
	dirfd = state_dir_open(dir, 1);
	if (dirfd < 0) {
		err = dirfd;
		goto fail;
	}
	snprintf(tmp, sizeof(tmp), ".%s.new-%d", base, (int)getpid());
	unlinkat(dirfd, tmp, 0); /* ours from a crash: the pid is ours now */
	j->fd = state_open(dirfd, dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0600);
	if (j->fd < 0) {
		err = j->fd;
		goto fail;
	}
	if (cpus && isolator_cpuset_count(cpus))
		isolator_cpuset_format(cpus, list, sizeof(list));
	snprintf(header, sizeof(header), "isolator-journal 1 %d %s\n", (int)getpid(), list);
	err = write_all(j->fd, header, strlen(header));
	if (!err && fsync(j->fd) < 0)
		err = -errno;
	if (!err && linkat(dirfd, tmp, dirfd, base, 0) < 0) {
		err = -errno;
		if (err == -EEXIST) {
			int fd = state_open(dirfd, dir, base, O_RDONLY, 0);
			pid_t owner = fd >= 0 ? journal_owner(path) : -1;

			if (fd < 0) {
				/* planted: say what it is, as revert will (state_open
				 * wrote "<dir>/<name>: <why>") */
				char why[512];
				const char *msg = isolator_errmsg(), *colon = strstr(msg, ": ");

				snprintf(why, sizeof(why), "%s", colon ? colon + 2 : msg);
				set_error(EEXIST, "journal %s exists: %s", path, why);
			} else {
				close(fd);
				set_error(EEXIST, "journal %s exists%s%.0d%s; run 'isolator revert' first",
					  path, owner > 0 ? " (from pid " : "",
					  owner > 0 ? (int)owner : 0, owner > 0 ? ")" : "");
			}
		} else {
			set_error(-err, "journal %s: %s", path, strerror(-err));
		}
	} else if (err) {
		set_error(-err, "journal %s: %s", path, strerror(-err));
	}
	unlinkat(dirfd, tmp, 0);
	if (!err)
		err = fsync_dir(dirfd); /* the name itself must survive a crash */
	if (err)
		goto fail;
	close(dirfd);
	return j;
fail:
	if (dirfd >= 0)
		close(dirfd);
	if (j->fd >= 0)
		close(j->fd);
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

	if (!allowed(j->sysroot, path, old_value))
		return set_error(EPERM, "%s is not a setting a journal may name (tune/journal.c "
				 "allowed_paths)", path);
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

/* Open a journal for reading, trusted as state.c says. fd or -errno. */
static int open_trusted(const char *path)
{
	char dir[512];
	const char *base;
	int dirfd, fd, err = split_path(path, dir, sizeof(dir), &base);

	if (err)
		return set_error(-err, "journal %s: not a file path", path);
	dirfd = state_dir_open(dir, 0);
	if (dirfd < 0)
		return dirfd;
	fd = state_open(dirfd, dir, base, O_RDONLY, 0);
	close(dirfd);
	return fd;
}

/* The whole journal, NUL-terminated; caller frees. NULL, errno and message. */
static char *read_trusted(const char *path, size_t *len_out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd = open_trusted(path);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		errno = fd < 0 ? -fd : ENOMEM;
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *tmp = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;

			if (!tmp) {
				free(buf);
				close(fd);
				set_error(EFBIG, "journal %s: too large", path);
				errno = EFBIG;
				return NULL;
			}
			buf = tmp;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;

			free(buf);
			close(fd);
			set_error(err, "journal %s: %s", path, strerror(err));
			errno = err;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

/* The header's owner pid and CPUs. 0 or -EPROTO. */
static int parse_header(const char *line, pid_t *pid, struct isolator_cpuset *cpus)
{
	char list[256] = "-";
	int version, owner, n;

	n = sscanf(line, "isolator-journal %d %d %255s", &version, &owner, list);
	if (n < 2 || version != 1 || owner <= 0)
		return -EPROTO;
	*pid = owner;
	memset(cpus, 0, sizeof(*cpus));
	if (n == 3 && strcmp(list, "-") && isolator_cpuset_parse(list, cpus) < 0)
		return -EPROTO;
	return 0;
}

static int read_header(const char *path, pid_t *pid, struct isolator_cpuset *cpus)
{
	char buf[512];
	ssize_t n;
	int fd = open_trusted(path);

	if (fd < 0)
		return fd;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return parse_header(buf, pid, cpus);
}

pid_t journal_owner(const char *path)
{
	struct isolator_cpuset cpus;
	pid_t pid;

	return read_header(path, &pid, &cpus) < 0 ? -1 : pid;
}

int journal_cpus(const char *path, struct isolator_cpuset *cpus)
{
	pid_t pid;

	return read_header(path, &pid, cpus);
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

/* The name (comm) and start time of process @pid, from /proc/<pid>/stat. */
static int process_identity(int pid, char *comm, size_t len, unsigned long long *start)
{
	char path[64], buf[1024], *open, *close;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	open = strchr(buf, '(');
	close = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!open || !close || close < open)
		return -EPROTO;
	snprintf(comm, len, "%.*s", (int)(close - open - 1), open + 1);
	if (sscanf(close + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %*s %*s %llu", start) != 1)
		return -EPROTO;
	return 0;
}

/*
 * "process:<pid>" entries stop the helper process apply left running (the
 * /dev/cpu_dma_latency holder); the value written is its start time (field
 * 22 of /proc/<pid>/stat). Only that process is signalled: the pid must still
 * be one of ours, named JOURNAL_HELPER_NAME, started at that time; a pid
 * reused since, or named in a planted line, is left alone.
 */
static enum restore_result restore_process(const char *pid_text, const char *start, int *err)
{
	char path[64], comm[64], buf[1024], *p;
	unsigned long long t = 0;
	int pid = atoi(pid_text);
	struct stat st;

	if (pid <= 1)
		return RESTORE_REFUSED;
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (stat(path, &st) < 0 || process_identity(pid, comm, sizeof(comm), &t) == -ENOENT)
		return RESTORE_UNCHANGED; /* gone already */
	if (strcmp(comm, JOURNAL_HELPER_NAME) || st.st_uid != geteuid() ||
	    strtoull(start, NULL, 10) != t)
		return RESTORE_SKIPPED; /* the pid belongs to someone else now */
	if (kill(pid, SIGTERM) < 0) {
		*err = errno;
		return RESTORE_FAILED;
	}
	/* what it held is released when it is gone (or a zombie): wait up to 2 s */
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
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

/* Whether @path (under @sysroot) is an IRQ's smp_affinity_list. */
static int irq_affinity(const char *sysroot, const char *path)
{
	const char *root = sysroot_get(sysroot);
	size_t n = strlen(root);

	return !strncmp(path, root, n) &&
	       fnmatch("/proc/irq/[0-9]*/smp_affinity_list", path + n, FNM_PATHNAME) == 0;
}

/*
 * An IRQ's affinity is shared: each session that steered it took its own CPU
 * out, and the sessions end in any order. Writing back the value one of them
 * saw would undo the others' steering (it ended first) or keep their CPUs out
 * for good (it ended last: the value it saw lacked them). So undo only our
 * own change to what is there now: give back the CPUs we took out, unless a
 * session or apply still keeps IRQs off them (@kept_off), and take out again
 * the CPUs we added (irq_affinity_away's fallback when none of the IRQ's
 * were left). The value written goes to @written.
 */
static enum restore_result restore_affinity(const char *now, const char *old_value,
					    const char *new_value, const char *path,
					    const struct isolator_cpuset *kept_off, char *written,
					    size_t len, int *err)
{
	struct isolator_cpuset was, wrote, cur, target;

	if (isolator_cpuset_parse(old_value, &was) < 0 || isolator_cpuset_parse(new_value, &wrote) < 0 ||
	    isolator_cpuset_parse(now, &cur) < 0)
		return *err = EPROTO, RESTORE_FAILED;
	for (size_t i = 0; i < ARRAY_SIZE(target.bits); i++) {
		unsigned long added = wrote.bits[i] & ~was.bits[i];
		unsigned long taken = was.bits[i] & ~wrote.bits[i];

		target.bits[i] = (cur.bits[i] & ~added) | (taken & ~kept_off->bits[i]);
	}
	if (!memcmp(&target, &cur, sizeof(cur)))
		return holds(now, old_value) ? RESTORE_UNCHANGED : RESTORE_SKIPPED;
	if (!isolator_cpuset_count(&target))
		return RESTORE_SKIPPED; /* only what we added is left: keep it somewhere */
	isolator_cpuset_format(&target, written, len);
	*err = -write_value(path, written, O_NOFOLLOW); /* never through a link */
	return *err ? RESTORE_FAILED : RESTORE_DONE;
}

int journal_irq_lock(const char *journal)
{
	char dir[512];
	const char *base;
	int dirfd, fd;

	if (split_path(journal, dir, sizeof(dir), &base))
		return -EINVAL;
	dirfd = state_dir_open(dir, 0);
	if (dirfd < 0)
		return dirfd;
	fd = state_open(dirfd, dir, "irq.lock", O_RDWR | O_CREAT, 0600);
	close(dirfd);
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return -errno;
		}
	return fd;
}

struct entry {
	char *path, *old_value, *new_value;
	unsigned line;
};

static void report_event(restore_report_fn report, void *arg, const char *journal, unsigned line,
			 const char *path, const char *old_value, enum restore_result result,
			 int err)
{
	struct restore_event e = { journal, line, path, old_value, result, err };

	if (report)
		report(arg, &e);
}

int journal_restore(const char *path, const char *sysroot, restore_report_fn report, void *arg)
{
	struct entry *entries = NULL;
	size_t count = 0, cap = 0, len;
	int restored = 0, unresolved = 0;
	char *text, *line, *next;
	struct isolator_cpuset cpus, kept_off = { { 0 } };
	unsigned lineno = 1;
	int irq_lock = -1;
	pid_t pid;

	text = read_trusted(path, &len);
	if (!text)
		return -errno;
	next = strchr(text, '\n');
	if (next)
		*next++ = '\0';
	if (parse_header(text, &pid, &cpus) < 0) {
		free(text);
		return set_error(EPROTO, "%s: not an isolator journal", path);
	}
	for (line = next; line && *line; line = next) {
		char *fsave = NULL, *f1, *f2, *f3, *f4;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			break; /* a torn last line (crash mid-write): a change never made */
		f1 = strtok_r(line, " ", &fsave);
		f2 = strtok_r(NULL, " ", &fsave);
		f3 = strtok_r(NULL, " ", &fsave);
		f4 = strtok_r(NULL, " ", &fsave);
		if (!f1 || !f2 || !f3 || f4 || decode(f1) || decode(f2) || decode(f3)) {
			/* a whole line that does not parse is damage, not a crash:
			 * say which, restore the rest, keep the journal */
			report_event(report, arg, path, lineno, NULL, NULL, RESTORE_DAMAGED, EPROTO);
			unresolved++;
			continue;
		}
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
		entries[count++] = (struct entry){ f1, f2, f3, lineno };
	}
	/* The CPUs other sessions and applies keep IRQs off, for the IRQ
	 * entries; under the IRQ lock, so no steering runs in between. */
	for (size_t i = 0; i < count; i++)
		if (irq_affinity(sysroot, entries[i].path)) {
			irq_lock = journal_irq_lock(path);
			if (cpus_taken(path, &kept_off) == 0)
				for (size_t w = 0; w < ARRAY_SIZE(kept_off.bits); w++)
					kept_off.bits[w] &= ~cpus.bits[w];
			break;
		}
	/* Newest first: a path changed twice ends at its oldest value. */
	for (size_t i = count; i-- > 0;) {
		struct entry *e = &entries[i];
		char now[4096], written[4096];
		const char *restored_value = e->old_value;
		enum restore_result result;
		int special = !strncmp(e->path, "cgroup:", 7) || !strncmp(e->path, "process:", 8);
		int permitted = allowed(sysroot, e->path, e->old_value);
		ssize_t n = 0;
		int err = 0;

		/* A kill between staging a value in a fake tree and renaming it
		 * into place (write_value) left the staged file: the journal's
		 * writer's (its pid may be someone else's now), or an earlier
		 * revert's, killed in turn, whose pid no journal holds. Not a
		 * setting: the entry's outcome does not hang on it. */
		if (!special && permitted) {
			(void)remove_staged_value(e->path, pid);
			(void)remove_dead_staged_values(e->path);
		}
		if (!permitted)
			result = RESTORE_REFUSED;
		else if (!special && (n = read_text(e->path, now, sizeof(now))) < 0)
			result = RESTORE_FAILED, err = (int)-n;
		else if (!strncmp(e->path, "cgroup:", 7))
			result = restore_cgroup(e->path + 7, e->old_value, &err);
		else if (special)
			result = restore_process(e->path + 8, e->new_value, &err);
		else if (irq_affinity(sysroot, e->path)) {
			result = restore_affinity(now, e->old_value, e->new_value, e->path, &kept_off,
						  written, sizeof(written), &err);
			if (result == RESTORE_DONE)
				restored_value = written;
		} else if (holds(now, e->old_value))
			result = RESTORE_UNCHANGED;
		else if (!holds(now, e->new_value))
			result = RESTORE_SKIPPED;
		else
			result = (err = -write_value(e->path, e->old_value, O_NOFOLLOW))
					 ? RESTORE_FAILED
					 : RESTORE_DONE; /* never through a symbolic link */
		if (result == RESTORE_DONE)
			restored++;
		if (result == RESTORE_FAILED || result == RESTORE_REFUSED)
			unresolved++;
		report_event(report, arg, path, e->line, e->path, restored_value, result, err);
	}
	if (irq_lock >= 0)
		close(irq_lock);
	free(entries);
	free(text);
	/* Keep a journal we could not fully apply, so revert can be retried and
	 * the damage looked at. */
	if (unresolved)
		return set_error(EPROTO, "%s: %d entr%s not restored; the journal is kept", path,
				 unresolved, unresolved == 1 ? "y" : "ies"), restored;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return restored;
}

/* CPU ownership lives in state.c; what journals add to it, here. */
int cpus_taken(const char *skip_journal, struct isolator_cpuset *set)
{
	const char *dir = journal_dir();
	struct dirent *de;
	DIR *d;
	int dirfd;

	memset(set, 0, sizeof(*set));
	dirfd = state_dir_open(dir, 0);
	if (dirfd == -ENOENT)
		return 0; /* no state directory: no session ever ran */
	if (dirfd < 0)
		return dirfd;
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct isolator_cpuset cpus;
		unsigned cpu;
		char path[1024];
		size_t n = strlen(de->d_name);

		if (sscanf(de->d_name, "cpu%u.lock", &cpu) == 1) {
			if (cpu < ISOLATOR_MAX_CPUS && cpu_holder(cpu, NULL, 0))
				isolator_cpuset_add(set, cpu);
			continue;
		}
		if (strcmp(de->d_name, "journal") && (n <= 8 || strcmp(de->d_name + n - 8, ".journal")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (skip_journal && !strcmp(path, skip_journal))
			continue;
		/* a journal's CPUs stay isolated until it is reverted, even after
		 * its process died: its IRQ affinities still keep off them */
		if (journal_cpus(path, &cpus) == 0)
			for (size_t i = 0; i < ARRAY_SIZE(set->bits); i++)
				set->bits[i] |= cpus.bits[i];
	}
	closedir(d);
	return 0;
}
