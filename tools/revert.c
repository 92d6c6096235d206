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
	unsigned restored, skipped, failed;
};

static void report(void *arg, const char *path, const char *old_value,
		   enum restore_result result, int err)
{
	struct revert_params *p = arg;

	switch (result) {
	case RESTORE_DONE:
		if (!strncmp(path, "process:", 8))
			printf("stopped %s (the /dev/cpu_dma_latency holder)\n", path);
		else
			printf("restored %s = %s\n", path, old_value);
		p->restored++;
		break;
	case RESTORE_UNCHANGED:
		break;
	case RESTORE_SKIPPED:
		printf("left alone %s: changed by someone else since\n", path);
		p->skipped++;
		break;
	case RESTORE_FAILED:
		printf("FAILED %s = %s: %s\n", path, old_value, strerror(err));
		p->failed++;
		break;
	}
}

static int is_journal(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "journal") || (n > 8 && !strcmp(name + n - 8, ".journal"));
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
	unsigned journals = 0;
	struct dirent *de;
	DIR *d;
	int c;

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
			       "processes that are no longer running; --all also those of running ones.\n",
			       dir);
			return EXIT_OK;
		default:
			return bad_option("revert", argv);
		}
	}
	if (optind < argc)
		return fail("revert: unexpected argument '%s'", argv[optind]);
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT) {
			printf("nothing to revert (no %s)\n", dir);
			return EXIT_OK;
		}
		return fail("revert: cannot open %s: %s", dir, strerror(errno));
	}
	while ((de = readdir(d))) {
		char path[1024];
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
		journals++;
		n = journal_restore(path, report, &p);
		if (n < 0) {
			printf("FAILED %s: %s\n", path, isolator_errmsg());
			p.failed++;
		}
	}
	closedir(d);
	if (!journals)
		printf("nothing to revert\n");
	else
		printf("%u journal(s): %u settings restored, %u left alone, %u failed\n", journals,
		       p.restored, p.skipped, p.failed);
	return p.failed ? EXIT_ERROR : EXIT_OK;
}
