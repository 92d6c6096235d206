// SPDX-License-Identifier: GPL-2.0-or-later
/* The journal: exact restore, newest first, left alone when changed by
 * someone else, a torn last line ignored, and IRQ steering through it. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "../tune/tune.h"
#include "fakeroot.h"
#include "tap.h"

static int counts[4];

static void count(void *arg, const char *path, const char *old, enum restore_result r, int err)
{
	(void)arg, (void)path, (void)old, (void)err;
	counts[r]++;
}

static void basics(void)
{
	char *root = fake_root_new();
	char jpath[512], a[512], b[512], c[512];
	struct journal *j;

	snprintf(jpath, sizeof(jpath), "%s/state/x.journal", root);
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);
	snprintf(c, sizeof(c), "%s/c", root);
	fake_write(root, "a", "one\n");
	fake_write(root, "b", "always [madvise] never\n");
	fake_write(root, "c", "\n");
	j = journal_create(jpath);
	ok(j != NULL, "create journal in a new directory");
	is_int(journal_owner(jpath), getpid(), "owner pid in header");
	journal_record(j, a, "one", "two");
	write_text(a, "two");
	journal_record(j, a, "two", "three"); /* changed twice: ends at "one" */
	write_text(a, "three");
	journal_record(j, b, "always [madvise] never", "never");
	write_text(b, "never");
	journal_record(j, c, "", "x y%z");
	write_text(c, "x y%z");
	journal_close(j);
	/* a torn line, as after a crash in the middle of a write */
	int fd = open(jpath, O_WRONLY | O_APPEND);
	if (write(fd, "/some/path one", 14) != 14)
		diag("append failed");
	close(fd);

	memset(counts, 0, sizeof(counts));
	is_int(journal_restore(jpath, count, NULL), 4, "restore 4 changes");
	is_str(fake_read(root, "a"), "one", "changed twice: back to the oldest value");
	is_str(fake_read(root, "b"), "always [madvise] never", "value with spaces and brackets");
	is_str(fake_read(root, "c"), "", "empty value restored");
	ok(access(jpath, F_OK) < 0, "journal removed once fully restored");

	j = journal_create(jpath);
	journal_record(j, a, "one", "two");
	write_text(a, "two");
	journal_close(j);
	write_text(a, "someone-else");
	memset(counts, 0, sizeof(counts));
	is_int(journal_restore(jpath, count, NULL), 0, "nothing restored when changed since");
	is_int(counts[RESTORE_SKIPPED], 1, "reported as left alone");
	is_str(fake_read(root, "a"), "someone-else", "other writer's value kept");

	fake_write(root, "state/bad.journal", "not a journal\n");
	snprintf(jpath, sizeof(jpath), "%s/state/bad.journal", root);
	ok(journal_restore(jpath, NULL, NULL) == -EPROTO, "refuse a file that is not a journal");
	fake_root_free(root);
}

static void steering(void)
{
	char *root = fake_root_new();
	char jpath[512];
	unsigned moved, unmovable;
	struct journal *j;

	snprintf(jpath, sizeof(jpath), "%s/state/s.journal", root);
	j = journal_create(jpath);
	is_int(irq_steer_away(root, 3, j, &moved, &unmovable), 0, "steer IRQs off CPU 3");
	journal_close(j);
	is_int(moved, 3, "3 IRQs had CPU 3");
	is_int(unmovable, 0, "none unmovable in a fake tree");
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-2", "0-3 -> 0-2");
	is_str(fake_read(root, "proc/irq/11/smp_affinity_list"), "0-2", "3 alone -> the other online CPUs");
	is_str(fake_read(root, "proc/irq/12/smp_affinity_list"), "0-1", "0-1 untouched");
	is_str(fake_read(root, "proc/irq/13/smp_affinity_list"), "2", "2-3 -> 2");
	is_int(journal_restore(jpath, NULL, NULL), 3, "restore 3");
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-3", "10 restored");
	is_str(fake_read(root, "proc/irq/11/smp_affinity_list"), "3", "11 restored");
	is_str(fake_read(root, "proc/irq/13/smp_affinity_list"), "2-3", "13 restored");
	fake_root_free(root);
}

int main(void)
{
	basics();
	steering();
	return done_testing();
}
