// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator revert [--all]
 *
 * Undo what isolated processes that are gone left behind, from their
 * journals in the state directory: a session that is still running owns its
 * journal and is left alone unless --all.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "../tune/tune.h"
#include "../util/util.h"
#include "commands.h"

struct revert_params {
	int all;
	unsigned restored, skipped, failed, damaged, refused;
};

static void report(void *arg, const struct restore_event *e)
{
	struct revert_params *p = arg;

	switch (e->result) {
	case RESTORE_DONE:
		if (!strncmp(e->path, "process:", 8))
			printf("stopped %s (the /dev/cpu_dma_latency holder)\n", e->path);
		else
			printf("restored %s = %s\n", e->path, e->old_value);
		p->restored++;
		break;
	case RESTORE_UNCHANGED:
		break;
	case RESTORE_SKIPPED:
		printf("left alone %s: changed by someone else since\n", e->path);
		p->skipped++;
		break;
	case RESTORE_FAILED:
		printf("FAILED %s = %s: %s\n", e->path, e->old_value, strerror(e->err));
		p->failed++;
		break;
	case RESTORE_DAMAGED:
		printf("DAMAGED %s line %u: does not parse; nothing done for it\n", e->journal,
		       e->line);
		p->damaged++;
		break;
	case RESTORE_REFUSED:
		printf("REFUSED %s line %u: %s is not a setting a journal may name; left alone\n",
		       e->journal, e->line, e->path);
		p->refused++;
		break;
	}
}

static int is_journal(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "journal") || (n > 8 && !strcmp(name + n - 8, ".journal"));
}

/* Whether a live session owns a CPU of the journal's: restoring now would
 * move IRQs back onto the CPU it isolates. Names it into @who. */
static int cpu_in_use(const char *path, pid_t owner, char *who, size_t len)
{
	struct isolator_cpuset cpus;
	char holder[300];

	if (journal_cpus(path, &cpus) < 0)
		return 0;
	for (unsigned c = 0; c < ISOLATOR_MAX_CPUS; c++)
		if (isolator_cpuset_has(&cpus, c) && cpu_holder(c, holder, sizeof(holder)) &&
		    atoi(holder) != (int)owner) {
			snprintf(who, len, "CPU %u is in use by pid %s", c, holder);
			return 1;
		}
	return 0;
}

int cmd_revert(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct revert_params p = { 0 };
	const char *dir = journal_dir();
	unsigned journals = 0, untrusted = 0;
	struct dirent *de;
	int c, dirfd;
	DIR *d;

	optind = 1;
	opterr = 0; /* bad_option() says it in one line */
	while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			p.all = 1;
			break;
		case 'h':
			printf("usage: isolator revert [--all]\n"
			       "Restore every setting (IRQ affinities, cpuset partition, tunables of\n"
			       "'isolator apply') recorded in the journals under %s by\n"
			       "processes that are no longer running; --all also those of running ones.\n"
			       "A journal line that does not parse is named and the rest restored; the\n"
			       "journal is then kept and revert exits 1.\n",
			       dir);
			return EXIT_OK;
		default:
			return bad_option("revert", argv);
		}
	}
	if (optind < argc)
		return fail("revert: unexpected argument '%s'", argv[optind]);
	dirfd = state_dir_open(dir, 0);
	if (dirfd == -ENOENT) {
		printf("nothing to revert (no %s)\n", dir);
		return EXIT_OK;
	}
	if (dirfd < 0)
		return fail("revert: %s", isolator_errmsg());
	d = fdopendir(dirfd);
	if (!d)
		return fail("revert: cannot open %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		char path[1024], who[400];
		pid_t owner;
		int n;

		if (!is_journal(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		owner = journal_owner(path);
		if (owner > 0 && owner != getpid() && !p.all && strcmp(de->d_name, "journal") &&
		    (kill(owner, 0) == 0 || errno == EPERM)) {
			printf("skipping %s: process %d is still running (--all to revert it anyway)\n",
			       path, (int)owner);
			continue;
		}
		if (!p.all && cpu_in_use(path, owner, who, sizeof(who))) {
			printf("skipping %s: %s (--all to revert it anyway)\n", path, who);
			continue;
		}
		n = journal_restore(path, NULL, report, &p);
		if (n < 0) {
			/* untrusted or unreadable: one line, nothing done with it */
			fprintf(stderr, "isolator: revert: %s\n", isolator_errmsg());
			untrusted++;
			continue;
		}
		journals++;
	}
	closedir(d);
	if (!journals && !untrusted)
		printf("nothing to revert\n");
	else if (!journals)
		; /* the refusals said it all */
	else
		printf("%u journal(s): %u settings restored, %u left alone, %u failed, %u damaged, "
		       "%u refused\n", journals, p.restored, p.skipped, p.failed, p.damaged, p.refused);
	if (p.failed + p.damaged + p.refused)
		return fail("revert: %u entr%s not restored; the journal is kept for a look and "
			    "another revert", p.failed + p.damaged + p.refused,
			    p.failed + p.damaged + p.refused == 1 ? "y" : "ies");
	return untrusted ? EXIT_ERROR : EXIT_OK;
}
