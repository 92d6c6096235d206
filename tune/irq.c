// SPDX-License-Identifier: LGPL-2.1-or-later
/* Steer device IRQs off one CPU through /proc/irq/N/smp_affinity_list. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tune.h"

int irq_affinity_away(const struct isolator_cpuset *mask, const struct isolator_cpuset *away,
		      const struct isolator_cpuset *online, struct isolator_cpuset *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(out->bits); i++)
		out->bits[i] = mask->bits[i] & ~away->bits[i] & online->bits[i];
	if (isolator_cpuset_count(out))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(out->bits); i++)
		out->bits[i] = online->bits[i] & ~away->bits[i];
	return isolator_cpuset_count(out) ? 0 : -EIO;
}

/* Move one IRQ off @cpu. Returns 1 if moved, 0 if it never used @cpu,
 * -EIO (and so "unmovable") if the kernel refused, another -errno on failure
 * to journal. */
static int steer_one(const char *path, unsigned cpu, const struct isolator_cpuset *keep_off,
		     const struct isolator_cpuset *online, struct journal *j)
{
	struct isolator_cpuset mask, away = *keep_off, target;
	char old[4096], new_value[4096];
	ssize_t n;
	int err;

	n = read_text(path, old, sizeof(old));
	if (n < 0)
		return (int)n;
	if (isolator_cpuset_parse(old, &mask) < 0)
		return -EPROTO;
	if (!isolator_cpuset_has(&mask, cpu))
		return 0;
	isolator_cpuset_add(&away, cpu);
	if (irq_affinity_away(&mask, &away, online, &target))
		return -EIO; /* nowhere else to go: one CPU, or every other one isolated */
	isolator_cpuset_format(&target, new_value, sizeof(new_value));
	err = journal_record(j, path, old, new_value);
	if (err)
		return err;
	err = write_text(path, new_value);
	if (err)
		return -EIO; /* per-CPU or managed IRQs refuse (EIO, EINVAL) */
	return 1;
}

int irq_steer_away(const char *sysroot, unsigned cpu, struct isolator_cpuset *keep_off,
		   struct journal *j, unsigned *moved, unsigned *unmovable)
{
	struct isolator_cpuset online, taken, away = { { 0 } };
	char dir[512], path[600];
	struct dirent *de;
	int err, lock;
	DIR *d;

	*moved = *unmovable = 0;
	err = isolator_cpus_online(sysroot, &online);
	if (err)
		return err;
	err = sysroot_path(dir, sizeof(dir), sysroot, "/proc/irq");
	if (err)
		return err;
	d = opendir(dir);
	if (!d)
		return set_error(errno, "cannot list %s: %s", dir, strerror(errno));
	/* one session at a time reads and rewrites an affinity (restores too) */
	lock = journal_irq_lock(journal_path(j));
	/*
	 * Which CPUs the others hold is read under the lock: read before it, a
	 * session that claimed its CPU and steered in between would be missed,
	 * and an IRQ with nowhere else to go could be sent onto its CPU.
	 */
	err = cpus_taken(journal_path(j), &taken);
	if (err) {
		closedir(d);
		if (lock >= 0)
			close(lock);
		return set_error(-err, "cannot read the CPUs other sessions hold: %s",
				 strerror(-err));
	}
	if (keep_off)
		away = *keep_off;
	for (size_t i = 0; i < ARRAY_SIZE(taken.bits); i++)
		away.bits[i] |= taken.bits[i];
	if (keep_off)
		*keep_off = away;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue; /* default_smp_affinity and the like */
		snprintf(path, sizeof(path), "%s/%s/smp_affinity_list", dir, de->d_name);
		err = steer_one(path, cpu, &away, &online, j);
		if (err == 1)
			(*moved)++;
		else if (err == -EIO)
			(*unmovable)++;
		else if (err < 0 && err != -ENOENT) {
			closedir(d);
			if (lock >= 0)
				close(lock);
			return set_error(-err, "%s: %s", path, strerror(-err));
		}
	}
	closedir(d);
	if (lock >= 0)
		close(lock);
	return 0;
}
