// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator check [--cpu LIST] [--json[=FILE]]
 *
 * Audit the machine for what spoils latency on LIST (tune/tune_check.c does
 * the judging): one line per item with pass/warn/fail/skip, the evidence and
 * the fix, then the kernel command line that would fix the boot-time items.
 * Exit 0 when nothing fails, 2 when something does, 1 on error.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../tune/tune.h"
#include "../util/json.h"
#include "../util/util.h"
#include "commands.h"

struct check_params {
	struct isolator_cpuset cpus;
	int have_cpus;
	struct json_out json;
	int quiet; /* only the failed and warned items */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator check [--cpu LIST] [--json[=FILE]] [--problems]\n"
		"Audit every known source of latency for the CPUs in LIST: PREEMPT_RT, boot\n"
		"parameters (isolcpus, nohz_full, rcu_nocbs, irqaffinity), IRQ affinities,\n"
		"frequency governor, C-states and /dev/cpu_dma_latency, SMT sibling, RT\n"
		"throttling, timer migration, watchdogs, THP, KSM, workqueue mask, clocksource,\n"
		"SMIs, kernel threads, and the isolator kernel extension.\n"
		"  -c, --cpu LIST   CPUs to audit (default: the isolated CPUs, else nohz_full,\n"
		"                   else the last online CPU)\n"
		JSON_OPT_HELP "  {\"schema\":\"isolator-check/1\",\"checks\":[...]} on stdout\n"
		"                   instead of the table; =FILE or FILE: into FILE, the table stays\n"
		"  -p, --problems   list only items that warn or fail\n"
		"Exit status: 0 nothing failed, 2 something failed, 1 error.\n"
		"'isolator apply --cpu LIST' applies the run-time fixes; 'isolator revert' undoes them.\n");
}

/* The CPUs a latency-critical task would use here, when none are named. */
static void default_cpus(struct check_params *p, const char **why)
{
	char path[512], buf[256];
	const char *files[] = { "isolated", "nohz_full" };

	for (size_t i = 0; i < 2; i++)
		if (!sysroot_path(path, sizeof(path), NULL, "/sys/devices/system/cpu/%s", files[i]) &&
		    read_text(path, buf, sizeof(buf)) > 0 && !isolator_cpuset_parse(buf, &p->cpus) &&
		    isolator_cpuset_count(&p->cpus)) {
			*why = files[i];
			return;
		}
	isolator_cpuset_add(&p->cpus, (unsigned)last_online_cpu());
	*why = "the last online CPU";
}

static void print_json(FILE *f, const struct tune_check *checks, size_t n, const char *cpus,
		       const char *boot)
{
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_key(&j, "schema");
	json_string(&j, "isolator-check/1");
	json_key(&j, "cpus");
	json_string(&j, cpus);
	json_key(&j, "checks");
	json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(&j);
		json_key(&j, "id");
		json_string(&j, checks[i].id);
		json_key(&j, "title");
		json_string(&j, checks[i].title);
		json_key(&j, "status");
		json_string(&j, tune_status_name(checks[i].status));
		json_key(&j, "evidence");
		json_string(&j, checks[i].evidence);
		json_key(&j, "fix");
		json_string(&j, checks[i].fix);
		json_key(&j, "boot");
		json_string(&j, checks[i].boot);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "boot_cmdline");
	json_string(&j, boot);
	json_object_end(&j);
}

static void print_table(const struct check_params *p, const struct tune_check *checks, size_t n,
			const char *cpus, const char *why, const char *boot)
{
	unsigned tally[4] = { 0 };

	printf("isolator check: CPU %s (%s)\n", cpus, why);
	for (size_t i = 0; i < n; i++) {
		const struct tune_check *c = &checks[i];

		tally[c->status]++;
		if (p->quiet && (c->status == TUNE_PASS || c->status == TUNE_SKIP))
			continue;
		printf("%-4s  %-17s %s\n", tune_status_name(c->status), c->id, c->evidence);
		if (c->fix[0] && c->status != TUNE_PASS)
			printf("      %-17s fix: %s\n", "", c->fix);
	}
	printf("%u pass, %u warn, %u fail, %u skip\n", tally[TUNE_PASS], tally[TUNE_WARN],
	       tally[TUNE_FAIL], tally[TUNE_SKIP]);
	if (*boot)
		printf("kernel command line to add (isolator never edits it; e.g. GRUB_CMDLINE_LINUX "
		       "in /etc/default/grub, then update-grub):\n  %s\n", boot);
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", optional_argument, NULL, 'j' },
		{ "problems", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct check_params p = { 0 };
	struct tune_check *checks;
	const char *why = "--cpu";
	char cpus[256], boot[1024];
	int c, failed = 0;
	size_t n;

	optind = 1;
	opterr = 0; /* bad_option() says it in one line */
	while ((c = getopt_long(argc, argv, "c:jph", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_cpulist_online("--cpu", optarg, &p.cpus) < 0)
				return EXIT_ERROR;
			p.have_cpus = 1;
			break;
		case 'j':
			if (json_out_getopt(&p.json, "--json", argc, argv) < 0)
				return EXIT_ERROR;
			break;
		case 'p':
			p.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return bad_option("check", argv);
		}
	}
	if (optind < argc)
		return fail("check: unexpected argument '%s'", argv[optind]);
	if (!p.have_cpus)
		default_cpus(&p, &why);
	if (tune_check_run(NULL, &p.cpus, &checks, &n) < 0)
		return fail("check: %s", isolator_errmsg());
	isolator_cpuset_format(&p.cpus, cpus, sizeof(cpus));
	tune_boot_cmdline(checks, n, boot, sizeof(boot));
	if (p.json.on) {
		FILE *f = json_out_open(&p.json);

		if (!f) {
			free(checks);
			return EXIT_ERROR;
		}
		print_json(f, checks, n, cpus, boot);
		if (json_out_close(&p.json, f) < 0) {
			free(checks);
			return EXIT_ERROR;
		}
	}
	if (json_out_table(&p.json))
		print_table(&p, checks, n, cpus, why, boot);
	for (size_t i = 0; i < n; i++)
		failed |= checks[i].status == TUNE_FAIL;
	free(checks);
	return failed ? EXIT_THRESHOLD : EXIT_OK;
}
