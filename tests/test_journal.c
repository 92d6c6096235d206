// SPDX-License-Identifier: GPL-2.0-or-later
/* The journal: exact restore, newest first, left alone when changed by
 * someone else, a torn last line ignored, and IRQ steering through it; and
 * what root must not trust (issue 13 rows 1, 2, 6, 7): a state directory or
 * journal others can write, symbolic links, FIFOs, settings off the
 * allow-list, processes apply did not start, a damaged line, a second
 * journal of the same name. Each on a private state directory. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tune/tune.h"
#include "fakeroot.h"
#include "tap.h"

static int counts[RESTORE_REFUSED + 1];
static unsigned damaged_line;

static void count(void *arg, const struct restore_event *e)
{
	(void)arg;
	counts[e->result]++;
	if (e->result == RESTORE_DAMAGED)
		damaged_line = e->line;
}

static void reset(void)
{
	memset(counts, 0, sizeof(counts));
	damaged_line = 0;
}

/* <root>/<rel> into @buf. */
static const char *at(char *buf, size_t len, const char *root, const char *rel)
{
	snprintf(buf, len, "%s/%s", root, rel);
	return buf;
}

#define A "proc/sys/kernel/timer_migration"
#define B "sys/kernel/mm/transparent_hugepage/enabled"
#define C "proc/sys/kernel/watchdog_cpumask"

static void basics(void)
{
	char *root = fake_root_new();
	char jpath[512], a[512], b[512], c[512];
	struct journal *j;

	snprintf(jpath, sizeof(jpath), "%s/state/x.journal", root);
	at(a, sizeof(a), root, A);
	at(b, sizeof(b), root, B);
	at(c, sizeof(c), root, C);
	fake_write(root, A, "one\n");
	fake_write(root, B, "always [madvise] never\n");
	fake_write(root, C, "\n");
	j = journal_create(jpath, root, NULL);
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

	reset();
	is_int(journal_restore(jpath, root, count, NULL), 4, "restore 4 changes");
	is_str(fake_read(root, A), "one", "changed twice: back to the oldest value");
	is_str(fake_read(root, B), "always [madvise] never", "value with spaces and brackets");
	is_str(fake_read(root, C), "", "empty value restored");
	is_int(counts[RESTORE_DAMAGED], 0, "a torn last line is no damage");
	ok(access(jpath, F_OK) < 0, "journal removed once fully restored");

	j = journal_create(jpath, root, NULL);
	journal_record(j, a, "one", "two");
	write_text(a, "two");
	journal_close(j);
	write_text(a, "someone-else");
	reset();
	is_int(journal_restore(jpath, root, count, NULL), 0, "nothing restored when changed since");
	is_int(counts[RESTORE_SKIPPED], 1, "reported as left alone");
	is_str(fake_read(root, A), "someone-else", "other writer's value kept");

	fake_write(root, "state/bad.journal", "not a journal\n");
	chmod(at(jpath, sizeof(jpath), root, "state/bad.journal"), 0600);
	ok(journal_restore(jpath, root, NULL, NULL) == -EPROTO, "refuse a file that is not a journal");
	fake_root_free(root);
}

/* write_value on a fake tree's regular files: the value staged beside the
 * file and renamed over it, the mode kept, nothing left; a symbolic link
 * followed by write_text, refused by restore (which writes O_NOFOLLOW). */
static void staged_writes(void)
{
	char *root = fake_root_new();
	char jpath[512], a[512], litter[600], victim[512], staged[600];
	struct journal *j;
	struct stat st;

	at(a, sizeof(a), root, A);
	at(victim, sizeof(victim), root, "victim");
	fake_write(root, A, "one\n");
	chmod(a, 0604);
	is_int(write_text(a, "two"), 0, "write_text on a regular file");
	is_str(fake_read(root, A), "two", "  ... holds the new value");
	ok(stat(a, &st) == 0 && (st.st_mode & 07777) == 0604, "  ... keeps the file's mode (%o)",
	   st.st_mode & 07777);
	snprintf(staged, sizeof(staged), "%s/proc/sys/kernel/.timer_migration.isolator-%d", root,
		 (int)getpid());
	ok(access(staged, F_OK) < 0, "  ... and leaves no staging file");
	is_int(write_text(at(litter, sizeof(litter), root, "proc/sys/kernel/absent"), "1"), -ENOENT,
	       "a setting that is not there is not created");
	if (geteuid() != 0) {
		chmod(a, 0444);
		is_int(write_text(a, "three"), -EACCES, "a read-only file is refused, not replaced");
		is_str(fake_read(root, A), "two", "  ... and keeps its value");
		chmod(a, 0604);
	} else {
		ok(1, "# SKIP a read-only file: root writes any");
		ok(1, "# SKIP");
	}

	/* what a writer killed before its rename leaves, and restore takes away */
	fake_write(root, "proc/sys/kernel/.timer_migration.isolator-1", "half");
	at(litter, sizeof(litter), root, "proc/sys/kernel/.timer_migration.isolator-1");
	is_int(remove_staged_value(a, 1), 0, "remove_staged_value removes a dead writer's file");
	ok(access(litter, F_OK) < 0, "  ... it is gone");
	is_int(remove_staged_value(a, 1), 0, "  ... and none there is no error");

	/* what a writer whose pid no journal holds left (a revert, killed in
	 * turn): removed by the next write of the file, or by restore's
	 * remove_dead_staged_values, if that writer is gone; a live one's
	 * (pid 1) may be mid-write and stays */
	{
		char dead[600], live[600];
		pid_t gone = fork();

		if (gone == 0)
			_exit(0);
		waitpid(gone, NULL, 0);
		snprintf(dead, sizeof(dead), "%s/proc/sys/kernel/.timer_migration.isolator-%d", root,
			 (int)gone);
		snprintf(live, sizeof(live), "%s/proc/sys/kernel/.timer_migration.isolator-1", root);
		fake_write(root, dead + strlen(root) + 1, "half");
		fake_write(root, live + strlen(root) + 1, "half");
		is_int(write_text(a, "four"), 0, "write_text beside a dead writer's and a live one's");
		ok(access(dead, F_OK) < 0, "  ... the dead writer's file is gone");
		ok(access(live, F_OK) == 0, "  ... the live one's stays");
		fake_write(root, dead + strlen(root) + 1, "half");
		is_int(remove_dead_staged_values(a), 0, "remove_dead_staged_values");
		ok(access(dead, F_OK) < 0 && access(live, F_OK) == 0,
		   "  ... removes the dead writer's file, keeps the live one's");
		unlink(live);
		is_str(fake_read(root, A), "four", "  ... and the setting holds its value");
		fake_write(root, A, "two\n");
	}

	/* a symbolic link as the setting */
	fake_write(root, "victim", "two\n");
	unlink(a);
	ok(symlink(victim, a) == 0, "plant %s -> victim", A);
	snprintf(jpath, sizeof(jpath), "%s/state/x.journal", root);
	j = journal_create(jpath, root, NULL);
	journal_record(j, a, "one", "two");
	journal_close(j);
	reset();
	is_int(journal_restore(jpath, root, count, NULL), 0, "restore writes nothing through it");
	is_int(counts[RESTORE_FAILED], 1, "  ... reported as failed");
	is_str(fake_read(root, "victim"), "two", "  ... the link's target is untouched");
	ok(lstat(a, &st) == 0 && S_ISLNK(st.st_mode), "  ... and the link is still a link");
	is_int(write_value(a, "x", O_NOFOLLOW), -ELOOP, "write_value O_NOFOLLOW: -ELOOP");
	is_int(write_text(a, "three"), 0, "write_text follows it, as it always did");
	is_str(fake_read(root, "victim"), "three", "  ... into the target");
	ok(lstat(a, &st) == 0 && S_ISLNK(st.st_mode), "  ... and the link is still a link");
	unlink(jpath);
	fake_root_free(root);
}

/* Row 6: a line damaged in the middle is named, the rest restored, the
 * journal kept. */
static void damaged(void)
{
	char *root = fake_root_new();
	char jpath[512], a[512], b[512], c[512], line[1200];
	struct journal *j;
	int fd, n;

	snprintf(jpath, sizeof(jpath), "%s/state/journal", root);
	fake_write(root, A, "1\n");
	fake_write(root, B, "madvise\n");
	fake_write(root, C, "0-3\n");
	j = journal_create(jpath, root, NULL);
	journal_record(j, at(a, sizeof(a), root, A), "1", "0");
	journal_record(j, at(b, sizeof(b), root, B), "madvise", "never");
	journal_record(j, at(c, sizeof(c), root, C), "0-3", "0,2-3");
	journal_close(j);
	write_text(a, "0");
	write_text(b, "never");
	write_text(c, "0,2-3");
	/* what `sed -i '3s/ madvise / ma%Zdvise /'` does: line 3 no longer parses */
	fake_write(root, "state/journal.edit", "");
	{
		char *text = read_file_alloc(jpath, NULL), *p = strstr(text, " madvise ");

		memcpy(p, " m%Zvise ", 9);
		fd = open(jpath, O_WRONLY | O_TRUNC);
		n = (int)strlen(text);
		ok(write(fd, text, (size_t)n) == n, "journal edited");
		close(fd);
		free(text);
	}
	(void)line;
	reset();
	is_int(journal_restore(jpath, root, count, NULL), 2, "the two good lines restored");
	is_int(counts[RESTORE_DAMAGED], 1, "one damaged line reported");
	is_int(damaged_line, 3, "it is line 3");
	is_str(fake_read(root, A), "1", "line 2 restored");
	is_str(fake_read(root, C), "0-3", "line 4 restored");
	is_str(fake_read(root, B), "never", "line 3's setting untouched");
	ok(access(jpath, F_OK) == 0, "the journal is kept");
	fake_root_free(root);
}

/* Rows 1 and 7: what root refuses to read or write. */
static void untrusted(void)
{
	char *root = fake_root_new();
	char jpath[512], dir[512], victim[512], path[1200], text[2048];
	struct journal *j;
	pid_t child;
	int status;

	snprintf(dir, sizeof(dir), "%s/state", root);
	snprintf(jpath, sizeof(jpath), "%s/journal", dir);
	at(victim, sizeof(victim), root, "victim");
	fake_write(root, "victim", "root's file\n");

	/* a state directory others may write: refused for writing and reading */
	mkdir(dir, 0700);
	chmod(dir, 0777);
	errno = 0;
	ok(journal_create(jpath, root, NULL) == NULL && errno == EPERM,
	   "no journal in a world-writable state directory: %s", isolator_errmsg());
	ok(strstr(isolator_errmsg(), "writable by group or others") != NULL, "the reason is named");
	fake_write(root, "state/journal", "isolator-journal 1 1 -\n");
	ok(journal_restore(jpath, root, NULL, NULL) == -EPERM, "nor restored from one");
	unlink(jpath);
	chmod(dir, 0700);

	/* a symbolic link planted as the next session's journal */
	snprintf(path, sizeof(path), "%s/session-%d.journal", dir, (int)getpid());
	ok(symlink(victim, path) == 0, "plant session-<pid>.journal -> victim");
	errno = 0;
	ok(journal_create(path, root, NULL) == NULL && errno == EEXIST,
	   "create refuses the planted name: %s", isolator_errmsg());
	is_str(fake_read(root, "victim"), "root's file", "the victim is untouched");
	ok(journal_restore(path, root, NULL, NULL) == -ELOOP, "restore refuses a symbolic link: %s",
	   isolator_errmsg());
	unlink(path);

	/* a FIFO: refused at once instead of blocking in open() */
	ok(mkfifo(jpath, 0600) == 0, "mkfifo state/journal");
	alarm(10); /* a regression blocks: SIGALRM fails the test */
	ok(journal_restore(jpath, root, NULL, NULL) == -EINVAL && strstr(isolator_errmsg(), "FIFO"),
	   "FIFO refused: %s", isolator_errmsg());
	ok(journal_owner(jpath) == -1, "no owner read from a FIFO");
	alarm(0);
	unlink(jpath);

	/* a directory, and a journal group or others may write */
	mkdir(jpath, 0700);
	ok(journal_restore(jpath, root, NULL, NULL) < 0 && strstr(isolator_errmsg(), "directory"),
	   "a directory refused: %s", isolator_errmsg());
	rmdir(jpath);
	fake_write(root, "state/journal", "isolator-journal 1 1 -\n");
	chmod(jpath, 0666);
	ok(journal_restore(jpath, root, NULL, NULL) == -EPERM, "a world-writable journal refused: %s",
	   isolator_errmsg());
	if (geteuid() == 0) {
		chmod(jpath, 0600);
		ok(chown(jpath, 65534, 65534) == 0, "journal given to nobody");
		ok(journal_restore(jpath, root, NULL, NULL) == -EPERM &&
		   strstr(isolator_errmsg(), "another user"), "someone else's journal refused: %s",
		   isolator_errmsg());
	} else {
		ok(1, "# SKIP someone else's journal: needs root to chown");
		ok(1, "# SKIP");
	}
	unlink(jpath);

	/* our own journal, but naming a file off the allow-list and a process
	 * apply never started: neither is touched, the journal is kept */
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(text, sizeof(text),
		 "isolator-journal 1 1 -\n%s one two\n%s/etc/shadow x y\n%s/proc/sys/kernel/core_pattern "
		 "core |/tmp/evil\nprocess:%d %%- 0\n",
		 victim, root, root, (int)child);
	fake_write(root, "state/journal", text);
	chmod(jpath, 0600);
	fake_write(root, "etc/shadow", "y\n");
	fake_write(root, "proc/sys/kernel/core_pattern", "|/tmp/evil\n");
	write_text(victim, "two");
	reset();
	is_int(journal_restore(jpath, root, count, NULL), 0, "nothing restored from a planted journal");
	is_int(counts[RESTORE_REFUSED], 3, "3 settings off the allow-list refused");
	is_str(fake_read(root, "victim"), "two", "an arbitrary file is not written");
	is_str(fake_read(root, "proc/sys/kernel/core_pattern"), "|/tmp/evil",
	       "core_pattern is not on the allow-list");
	is_int(counts[RESTORE_SKIPPED], 1, "a process apply did not start is left alone");
	ok(waitpid(child, &status, WNOHANG) == 0, "and it still runs");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	ok(access(jpath, F_OK) == 0, "the journal is kept");

	/* recording a setting off the list fails at once, in apply */
	unlink(jpath);
	j = journal_create(jpath, root, NULL);
	is_int(journal_record(j, victim, "a", "b"), -EPERM, "journal_record refuses it too");
	journal_close(j);
	fake_root_free(root);
}

/* Row 2: the header is created with O_EXCL semantics (link), so of two
 * creators at once exactly one wins, every time. */
static void exclusive(void)
{
	char *root = fake_root_new();
	char jpath[512];
	int both = 0, none = 0;

	snprintf(jpath, sizeof(jpath), "%s/state/journal", root);
	for (int round = 0; round < 50; round++) {
		pid_t kids[2];
		int wins = 0, status;

		for (int k = 0; k < 2; k++) {
			kids[k] = fork();
			if (kids[k] == 0) {
				struct journal *mine = journal_create(jpath, root, NULL);
				int won = mine != NULL;

				journal_close(mine);
				_exit(won ? 0 : 1);
			}
		}
		for (int k = 0; k < 2; k++) {
			waitpid(kids[k], &status, 0);
			wins += WIFEXITED(status) && WEXITSTATUS(status) == 0;
		}
		both += wins == 2;
		none += wins == 0;
		char head[64] = "";
		int fd = open(jpath, O_RDONLY);

		if (fd >= 0) {
			ssize_t n = read(fd, head, sizeof(head) - 1);

			head[n > 0 ? n : 0] = '\0';
			close(fd);
		}
		if (strncmp(head, "isolator-journal 1 ", 19))
			none++;
		unlink(jpath);
	}
	is_int(both, 0, "50 rounds of two creators: never both");
	is_int(none, 0, "never neither, and the header is always there");
	struct journal *j = journal_create(jpath, root, NULL);

	ok(j != NULL, "create");
	errno = 0;
	ok(journal_create(jpath, root, NULL) == NULL && errno == EEXIST,
	   "a second create is refused: %s", isolator_errmsg());
	journal_close(j);
	fake_root_free(root);
}

static void steering(void)
{
	char *root = fake_root_new();
	char jpath[512], dir[512];
	struct isolator_cpuset keep_off = { { 0 } };
	unsigned moved, unmovable;
	struct journal *j;

	snprintf(jpath, sizeof(jpath), "%s/state/s.journal", root);
	snprintf(dir, sizeof(dir), "%s/state", root);
	setenv("ISOLATOR_STATE_DIR", dir, 1); /* the others' CPUs: none, not the host's */
	j = journal_create(jpath, root, NULL);
	is_int(irq_steer_away(root, 3, NULL, j, &moved, &unmovable), 0, "steer IRQs off CPU 3");
	journal_close(j);
	is_int(moved, 3, "3 IRQs had CPU 3");
	is_int(unmovable, 0, "none unmovable in a fake tree");
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-2", "0-3 -> 0-2");
	is_str(fake_read(root, "proc/irq/11/smp_affinity_list"), "0-2", "3 alone -> the other online CPUs");
	is_str(fake_read(root, "proc/irq/12/smp_affinity_list"), "0-1", "0-1 untouched");
	is_str(fake_read(root, "proc/irq/13/smp_affinity_list"), "2", "2-3 -> 2");
	is_int(journal_restore(jpath, root, NULL, NULL), 3, "restore 3");
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-3", "10 restored");
	is_str(fake_read(root, "proc/irq/11/smp_affinity_list"), "3", "11 restored");
	is_str(fake_read(root, "proc/irq/13/smp_affinity_list"), "2-3", "13 restored");

	/* row 4: CPUs 1 and 2 isolated by others: never a target */
	isolator_cpuset_add(&keep_off, 1);
	isolator_cpuset_add(&keep_off, 2);
	j = journal_create(jpath, root, NULL);
	is_int(irq_steer_away(root, 3, &keep_off, j, &moved, &unmovable), 0,
	       "steer off CPU 3, keeping off 1-2");
	journal_close(j);
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0", "0-3 -> 0, not 0-2");
	is_str(fake_read(root, "proc/irq/11/smp_affinity_list"), "0", "3 alone -> 0");
	is_str(fake_read(root, "proc/irq/13/smp_affinity_list"), "0", "2-3 -> 0, not 2");
	journal_restore(jpath, root, NULL, NULL);
	/* every other CPU isolated: the IRQs stay, counted as unmovable */
	isolator_cpuset_add(&keep_off, 0);
	j = journal_create(jpath, root, NULL);
	is_int(irq_steer_away(root, 3, &keep_off, j, &moved, &unmovable), 0,
	       "steer off CPU 3, keeping off 0-2");
	journal_close(j);
	ok(moved == 0 && unmovable == 3, "nowhere to go: 0 moved, 3 unmovable");
	is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-3", "10 stays");
	journal_restore(jpath, root, NULL, NULL);
	unsetenv("ISOLATOR_STATE_DIR");
	fake_root_free(root);
}

/* Two sessions steer the same IRQs and end in either order: each gives back
 * only its own CPU, and never one the other still keeps IRQs off. */
static void shared_steering(void)
{
	static const char *const order[] = { "the first to start ends first",
					     "the first to start ends last" };
	char *root = fake_root_new();
	char dir[512], ja[600], jb[600];
	unsigned moved, unmovable;

	snprintf(dir, sizeof(dir), "%s/state", root);
	snprintf(ja, sizeof(ja), "%s/a.journal", dir);
	snprintf(jb, sizeof(jb), "%s/b.journal", dir);
	setenv("ISOLATOR_STATE_DIR", dir, 1);
	for (int fifo = 0; fifo < 2; fifo++) {
		struct isolator_cpuset two = { { 0 } }, three = { { 0 } }, found = { { 0 } };
		struct journal *j;

		fake_write(root, "proc/irq/10/smp_affinity_list", "0-3\n");
		fake_write(root, "proc/irq/11/smp_affinity_list", "3\n");
		fake_write(root, "proc/irq/13/smp_affinity_list", "2-3\n");
		isolator_cpuset_add(&two, 2);
		isolator_cpuset_add(&three, 3);
		j = journal_create(ja, root, &two);
		irq_steer_away(root, 2, NULL, j, &moved, &unmovable);
		journal_close(j);
		/* b names no CPU to keep off: it finds a's under the IRQ lock */
		j = journal_create(jb, root, &three);
		irq_steer_away(root, 3, &found, j, &moved, &unmovable);
		journal_close(j);
		ok(isolator_cpuset_has(&found, 2) && !isolator_cpuset_has(&found, 3),
		   "%s: the second session is told CPU 2 is the first's", order[fifo]);
		is_str(fake_read(root, "proc/irq/11/smp_affinity_list"), "0-1",
		       "%s: an IRQ of CPU 3 alone goes to 0-1, not onto the first's CPU 2",
		       order[fifo]);
		is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-1",
		       "%s: off CPUs 2 and 3 while both run", order[fifo]);
		journal_restore(fifo ? jb : ja, root, NULL, NULL);
		is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), fifo ? "0-1,3" : "0-2",
		       "%s: one ended, its CPU is back, the other's is not", order[fifo]);
		is_str(fake_read(root, "proc/irq/13/smp_affinity_list"), fifo ? "3" : "0-2",
		       "%s: 2-3 stays off the running session's CPU", order[fifo]);
		journal_restore(fifo ? ja : jb, root, NULL, NULL);
		is_str(fake_read(root, "proc/irq/10/smp_affinity_list"), "0-3",
		       "%s: both ended, 0-3 again", order[fifo]);
		is_str(fake_read(root, "proc/irq/13/smp_affinity_list"), "2-3",
		       "%s: both ended, 2-3 again", order[fifo]);
		is_str(fake_read(root, "proc/irq/11/smp_affinity_list"), "3",
		       "%s: the fallback CPUs taken out again", order[fifo]);
	}
	unsetenv("ISOLATOR_STATE_DIR");
	fake_root_free(root);
}

/* Row 3: one owner per CPU; a journal's CPUs stay taken. */
static void ownership(void)
{
	char *root = fake_root_new();
	char dir[512], jpath[600], holder[300];
	struct isolator_cpuset cpus = { { 0 } }, taken;
	struct cpu_claim a, b;
	struct journal *j;

	snprintf(dir, sizeof(dir), "%s/state", root);
	setenv("ISOLATOR_STATE_DIR", dir, 1);
	is_int(cpu_claim(3, &a), 0, "claim CPU 3");
	ok(cpu_holder(3, holder, sizeof(holder)) && atoi(holder) == getpid(),
	   "the lock names us: %s", holder);
	is_int(cpu_claim(3, &b), -EBUSY, "a second claim is refused: %s", isolator_errmsg());
	char pid[32];

	snprintf(pid, sizeof(pid), "pid %d (", (int)getpid());
	ok(strstr(isolator_errmsg(), pid) && strstr(isolator_errmsg(), "test_journal"),
	   "the refusal names the holder's pid and command");
	pid_t kid = fork();
	if (kid == 0)
		_exit(cpu_claim(3, &b) == -EBUSY ? 0 : 1);
	int status;

	waitpid(kid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "another process is refused too");
	is_int(cpu_claim(2, &b), 0, "another CPU is free");
	cpus_taken(NULL, &taken);
	ok(isolator_cpuset_has(&taken, 3) && isolator_cpuset_has(&taken, 2) &&
	   isolator_cpuset_count(&taken) == 2, "taken: 2-3");
	cpu_release(&a);
	cpu_release(&b);
	ok(!cpu_holder(3, NULL, 0), "released");
	is_int(cpu_claim(3, &a), 0, "claimed again after release");
	cpu_release(&a);
	/* a journal's CPUs (apply's, or a dead session's) stay isolated */
	snprintf(jpath, sizeof(jpath), "%s/journal", dir);
	isolator_cpuset_add(&cpus, 1);
	j = journal_create(jpath, root, &cpus);
	journal_close(j);
	cpus_taken(NULL, &taken);
	ok(isolator_cpuset_has(&taken, 1) && isolator_cpuset_count(&taken) == 1,
	   "a journal for CPU 1 keeps CPU 1 taken");
	cpus_taken(jpath, &taken);
	is_int(isolator_cpuset_count(&taken), 0, "except when it is ours");
	unsetenv("ISOLATOR_STATE_DIR");
	fake_root_free(root);
}

/* split_path: every caller names a file in a directory (a setting under the
 * sysroot, a journal in the state directory), so a bare name ("foo", ".",
 * "") is refused rather than taken relative to the cwd, as the journal's
 * split() refused it before write_value shared it. */
static void bare_names(void)
{
	static const struct {
		const char *path, *dir, *base;
		int err;
	} cases[] = {
		{ "foo", NULL, NULL, -EINVAL },
		{ ".", NULL, NULL, -EINVAL },
		{ "", NULL, NULL, -EINVAL },
		{ "/proc/", NULL, NULL, -EISDIR },
		{ "/journal", "/", "journal", 0 },
		{ "/proc/sys/kernel/timer_migration", "/proc/sys/kernel", "timer_migration", 0 },
		{ "state/journal", "state", "journal", 0 },
	};
	char dir[64], here[4096], *root = fake_root_new();
	const char *base;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int err = split_path(cases[i].path, dir, sizeof(dir), &base);

		if (cases[i].err)
			is_int(err, cases[i].err, "split_path(\"%s\") refused", cases[i].path);
		else
			ok(err == 0 && !strcmp(dir, cases[i].dir) && !strcmp(base, cases[i].base),
			   "split_path(\"%s\"): \"%s\" and \"%s\"", cases[i].path, dir, base);
	}
	ok(getcwd(here, sizeof(here)) && chdir(root) == 0, "into the fake tree");
	fake_write(root, "timer_migration", "1\n");
	is_int(write_value("timer_migration", "0", O_NOFOLLOW), -EINVAL,
	       "write_value refuses a bare name");
	is_str(fake_read(root, "timer_migration"), "1", "  ... and writes nothing");
	errno = 0;
	ok(!journal_create("x.journal", root, NULL) && errno == EINVAL &&
	   !strcmp(isolator_errmsg(), "journal x.journal: not a file path"),
	   "journal_create refuses a bare name: %s", isolator_errmsg());
	ok(access("x.journal", F_OK) < 0, "  ... and creates nothing");
	ok(chdir(here) == 0, "back");
	fake_root_free(root);
}

int main(void)
{
	basics();
	staged_writes();
	bare_names();
	damaged();
	untrusted();
	exclusive();
	steering();
	shared_steering();
	ownership();
	return done_testing();
}
