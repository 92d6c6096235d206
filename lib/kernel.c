// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel backend: the isolator kernel extension. Its interface is
 * prctl(PR_ISOLATOR_START/TICK/STOP) (include/uapi/linux/prctl.h of the
 * series); older series have only /proc/isolator/control, one line per
 * write(2), the kernel's answer being the write's errno.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "internal.h"

/* The series' prctl() options: defined here, not taken from <linux/prctl.h>,
 * because the library builds against any kernel's headers. The bits of the
 * mask and of the tick flags are ISOLATOR_MASK_* and ISOLATOR_TICK_*. */
#define PR_ISOLATOR_START_ 0x49534f01
#define PR_ISOLATOR_TICK_  0x49534f02
#define PR_ISOLATOR_STOP_  0x49534f03

int kernel_available(const char *sysroot)
{
	char path[512];

	/* stats exists in every series; control may one day go */
	if (!sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/stats") &&
	    access(path, F_OK) == 0)
		return 1;
	if (sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/control"))
		return 0;
	return access(path, F_OK) == 0;
}

/*
 * Does the kernel announce the prctl()? Its /proc/isolator/stats starts with
 * "version N" since the series that added the prctl(); an EINVAL from the
 * prctl() of a kernel that has it is the kernel's answer, not a missing
 * option, and must not be retried through the file.
 */
static int kernel_has_prctl(const char *sysroot)
{
	char path[512], buf[64];

	if (sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/stats") ||
	    read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	return !strncmp(buf, "version ", 8);
}

static int real_prctl(int option, unsigned long arg)
{
	return prctl(option, arg, 0UL, 0UL, 0UL) ? -errno : 0;
}

static const char *const words_start[] = { "clock", "resched", "ipi" };
static const char *const words_tick[] = { "sched", "rt", "tsc_sync" };

/* "start clock,resched,ipi", the control file's line for @cmd and @bits. */
static void command_line(char *buf, size_t len, enum kernel_cmd cmd, unsigned bits)
{
	static const char *const verbs[] = { "start", "tick", "stop" };
	const char *const *words = cmd == KERNEL_START ? words_start : words_tick;
	size_t n = (size_t)snprintf(buf, len, "%s", verbs[cmd]);
	const char *sep = " ";

	for (unsigned i = 0; cmd != KERNEL_STOP && i < 3; i++)
		if (bits & (1u << i)) {
			n += (size_t)snprintf(buf + n, len - n, "%s%s", sep, words[i]);
			sep = ",";
		}
}

static int kernel_error(int err, const char *how, const char *what)
{
	switch (err) {
	case 0:
		return 0;
	case EPERM:
	case EACCES:
		return set_error(EPERM, "isolator kernel: %s '%s' refused: needs CAP_SYS_ADMIN",
				 how, what);
	case EINVAL:
		return set_error(EINVAL, "isolator kernel: %s '%s' refused: the task must be pinned "
				 "to exactly one nohz_full CPU", how, what);
	case EBUSY:
		return set_error(EBUSY, "isolator kernel: %s '%s' refused: CPU already isolated "
				 "by another task", how, what);
	default:
		return set_error(err, "isolator kernel: %s '%s': %s", how, what, strerror(err));
	}
}

int kernel_command(const char *sysroot, kernel_prctl_fn pr, enum kernel_cmd cmd, unsigned bits,
		   enum kernel_via *via)
{
	static const int options[] = { PR_ISOLATOR_START_, PR_ISOLATOR_TICK_, PR_ISOLATOR_STOP_ };
	char line[64], path[512];
	int err;

	command_line(line, sizeof(line), cmd, bits);
	if (*via != KERNEL_VIA_CONTROL) {
		err = (pr ? pr : real_prctl)(options[cmd], cmd == KERNEL_STOP ? 0 : bits);
		/* an older series answers EINVAL to an option it does not know */
		if (err != -EINVAL || *via == KERNEL_VIA_PRCTL || kernel_has_prctl(sysroot)) {
			if (!err)
				*via = KERNEL_VIA_PRCTL;
			return kernel_error(-err, "prctl", line);
		}
	}
	err = sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/control");
	if (err)
		return err;
	err = write_text(path, line);
	if (!err)
		*via = KERNEL_VIA_CONTROL;
	else if (err == -ENOENT)
		return set_error(EINVAL, "isolator kernel: neither prctl(PR_ISOLATOR_*) nor %s "
				 "accepts '%s'", path, line);
	return kernel_error(-err, "/proc/isolator/control", line);
}

/* The bound on held work (max_defer_ms): a plain decimal file of the kernel
 * extension, global to every isolated CPU. */
#define MAX_DEFER_LIMIT_MS 10000u

ISOLATOR_API int isolator_max_defer_get(const char *sysroot)
{
	char path[512], buf[32], *end;
	unsigned long ms;
	ssize_t n;
	int err;

	err = sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/max_defer_ms");
	if (err)
		return err;
	n = read_text(path, buf, sizeof(buf));
	if (n == -ENOENT)
		return set_error(ENOENT, "%s: no kernel extension with a bound on held work", path);
	if (n < 0)
		return set_error((int)-n, "cannot read %s: %s", path, strerror((int)-n));
	errno = 0;
	ms = strtoul(buf, &end, 10);
	if (!isdigit((unsigned char)buf[0]) || *end || errno || ms > MAX_DEFER_LIMIT_MS)
		return set_error(EPROTO, "%s: '%s' is not a bound in ms", path, buf);
	return (int)ms;
}

ISOLATOR_API int isolator_max_defer_set(const char *sysroot, unsigned ms)
{
	char path[512], text[16];
	int err;

	if (ms > MAX_DEFER_LIMIT_MS)
		return set_error(EINVAL, "max_defer_ms %u: at most %u", ms, MAX_DEFER_LIMIT_MS);
	err = sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/max_defer_ms");
	if (err)
		return err;
	snprintf(text, sizeof(text), "%u\n", ms);
	err = write_text(path, text);
	switch (-err) {
	case 0:
		return 0;
	case ENOENT:
		return set_error(ENOENT, "%s: no kernel extension with a bound on held work", path);
	case EPERM:
	case EACCES:
		return set_error(EPERM, "%s: setting the bound needs CAP_SYS_ADMIN", path);
	default:
		return set_error(-err, "cannot write %s: %s", path, strerror(-err));
	}
}

/* Columns of /proc/isolator/culprits, found by name in its header so that the
 * kernel may add columns. The first COL_REQUIRED are in every series; `scans`
 * (the bound's scans that saw the work held) came later and reads as 0 where
 * the header lacks it. */
enum culprit_col { COL_CPU, COL_WAITED_US, COL_SENDER, COL_PID, COL_WORK, COL_REQUIRED,
		   COL_SCANS = COL_REQUIRED, COL_COUNT };
static const char *const culprit_cols[COL_COUNT] = { "cpu", "waited_us", "sender", "pid", "work",
						     "scans" };

/* Fill @e from one line's fields; @col maps field index -> column or -1. */
static int culprit_parse_line(char *line, const int *col, int ncols, unsigned want,
			      struct isolator_culprit *e)
{
	char *tok, *save = NULL, *end;
	unsigned long long v;
	unsigned seen = 0;
	int i = 0;

	memset(e, 0, sizeof(*e));
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save), i++) {
		if (i >= ncols || col[i] < 0)
			continue;
		seen |= 1u << col[i];
		switch (col[i]) {
		case COL_SENDER:
			snprintf(e->sender, sizeof(e->sender), "%s", tok);
			continue;
		case COL_WORK:
			snprintf(e->work, sizeof(e->work), "%s", tok);
			continue;
		}
		errno = 0;
		v = strtoull(tok, &end, 10);
		if (!isdigit((unsigned char)*tok) || *end || errno)
			return -EPROTO;
		if (col[i] == COL_CPU && v < ISOLATOR_MAX_CPUS)
			e->cpu = (unsigned)v;
		else if (col[i] == COL_WAITED_US && v <= UINT64_MAX / 1000)
			e->waited_ns = v * 1000;
		else if (col[i] == COL_PID && v <= INT32_MAX)
			e->pid = (int)v;
		else if (col[i] == COL_SCANS && v <= UINT32_MAX)
			e->scans = (unsigned)v;
		else
			return -EPROTO;
	}
	/* every column the header named is on the line */
	return seen == want ? 0 : -EPROTO;
}

/* Data lines of @text: the non-empty lines after the header. */
static unsigned long long count_data_lines(const char *text)
{
	unsigned long long n = 0;
	const char *p = strchr(text, '\n');

	while (p && *++p)
		if (*p != '\n') {
			n++;
			p = strchr(p, '\n');
		}
	return n;
}

int culprits_parse(const char *text, struct isolator_culprit *out, unsigned max)
{
	char *copy, *line, *tok, *save = NULL, *tsave = NULL;
	int col[16], ncols = 0, lineno = 1, err = 0;
	unsigned long long skip, index = 0;
	unsigned have = 0, stored = 0;

	/* keep the newest @max: skip the oldest lines beyond them */
	skip = count_data_lines(text);
	skip = skip > max ? skip - max : 0;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	line = strtok_r(copy, "\n", &save);
	for (tok = line ? strtok_r(line, " \t", &tsave) : NULL; tok && ncols < 16;
	     tok = strtok_r(NULL, " \t", &tsave), ncols++) {
		col[ncols] = -1;
		for (int c = 0; c < COL_COUNT; c++)
			if (!strcmp(tok, culprit_cols[c])) {
				col[ncols] = c;
				have |= 1u << c;
			}
	}
	if ((have & ((1u << COL_REQUIRED) - 1)) != (1u << COL_REQUIRED) - 1) {
		err = set_error(EPROTO, "isolator culprits: line 1: expected a header naming "
				"cpu waited_us sender pid work");
		goto out;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		struct isolator_culprit e;

		lineno++;
		if (culprit_parse_line(line, col, ncols, have, &e)) {
			err = set_error(EPROTO, "isolator culprits: line %d: malformed", lineno);
			goto out;
		}
		if (index++ >= skip && stored < max)
			out[stored++] = e;
	}
out:
	free(copy);
	return err ? err : (int)stored;
}

ISOLATOR_API int isolator_culprits_read(const char *sysroot, struct isolator_culprit *out,
					unsigned max)
{
	char path[512], msg[256];
	char *text;
	int n;

	if (!out && max)
		return set_error(EINVAL, "isolator_culprits_read: NULL output");
	n = sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/culprits");
	if (n)
		return n;
	text = read_file_alloc(path, NULL);
	if (!text)
		return errno == ENOENT
			? set_error(ENOENT, "%s: no kernel extension that records culprits", path)
			: set_error(errno, "cannot read %s: %s", path, strerror(errno));
	n = culprits_parse(text, out, max);
	free(text);
	if (n < 0) {
		snprintf(msg, sizeof(msg), "%s", isolator_errmsg());
		return set_error(-n, "%s: %s", path, msg);
	}
	return n;
}
