// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isolator apply --cpu LIST [--dry-run]
 *
 * Apply the run-time fixes `isolator check` proposes for LIST: IRQ
 * affinities (and the default for new IRQs), the performance governor, a
 * /dev/cpu_dma_latency holder at 0, RT throttling off, timer migration off,
 * the unbound-workqueue and watchdog masks, THP never, the sysctls tuned's
 * cpu-partitioning and realtime profiles set that `check` audits
 * (numa_balancing 0, vm.stat_interval at least 10 s, hung_task_timeout_secs
 * at least 600 s), and a cgroup-v2 isolated cpuset partition where the cpuset
 * controller is on cgroup v2.
 *
 * Every previous value goes to the journal <state dir>/journal, fsync'd
 * before the change is made (tune/journal.c), so `isolator revert` restores
 * exactly what was changed even if apply is killed half-way. A value the
 * kernel reads back differently from what was written (hex masks, selection
 * files) is journaled a second time as read, so revert still recognises it.
 * Boot-time parameters are only printed, never edited.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../tune/tune.h"
#include "../util/util.h"
#include "commands.h"

struct apply_params {
	struct isolator_cpuset cpus;
	struct isolator_cpuset online;
	struct isolator_cpuset housekeeping; /* online minus cpus */
	char list[256];
	int have_cpus;
	int dry_run;
	int hold_dma;        /* --no-dma-holder clears it */
	unsigned step_delay_ms; /* $ISOLATOR_TEST_STEP_DELAY_MS: widen the window for crash tests */
	struct journal *journal;
	char journal_file[600];
	struct cpu_claim claims[ISOLATOR_MAX_CPUS]; /* LIST, owned while apply runs */
	unsigned nclaims;
	sigset_t signals;    /* SIGINT, SIGTERM, SIGHUP: held, taken at safe points */
	int interrupted;     /* the signal that stopped apply, or 0 */
	/* tallies */
	unsigned changed, already, failed, unmovable;
	int refusal_ok; /* set_value: a refused write is expected (per-CPU, managed IRQs) */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: isolator apply --cpu LIST [--dry-run] [--no-dma-holder]\n"
		"Apply the run-time latency fixes of 'isolator check' for the CPUs in LIST:\n"
		"IRQ affinities and default_smp_affinity, performance governor, a process\n"
		"holding /dev/cpu_dma_latency at 0, sched_rt_runtime_us=-1, timer_migration=0,\n"
		"workqueue and watchdog CPU masks, THP never, numa_balancing=0,\n"
		"vm.stat_interval>=10, hung_task_timeout_secs>=600 (as tuned's cpu-partitioning),\n"
		"and a cgroup-v2 isolated cpuset partition. A setting this kernel lacks is\n"
		"skipped, and said. Every old value is journaled (fsync'd) first in %s/journal;\n"
		"'isolator revert' restores them exactly, even after apply was killed.\n"
		"Boot parameters are printed as a kernel command line, never edited.\n"
		"  -c, --cpu LIST       CPUs to tune (at least one online CPU must stay out)\n"
		"  -n, --dry-run        print what would change; change nothing\n"
		"      --no-dma-holder  do not start the /dev/cpu_dma_latency holder process\n"
		"Exit status: 0 applied; 1 bad input, or some settings could not be changed\n"
		"(the rest applied, and revert stays exact).\n",
		journal_dir());
}

static void step_pause(const struct apply_params *p)
{
	struct timespec ts = { p->step_delay_ms / 1000, (long)(p->step_delay_ms % 1000) * 1000000 };

	if (p->step_delay_ms)
		nanosleep(&ts, NULL);
}

/* The value a setting holds: selection files give their bracketed word. */
static void current_value(const char *text, char *out, size_t len)
{
	const char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;

	if (open && close)
		snprintf(out, len, "%.*s", (int)(close - open - 1), open + 1);
	else
		snprintf(out, len, "%s", text);
}

static int open_journal(struct apply_params *p)
{
	if (p->journal || p->dry_run)
		return 0;
	p->journal = journal_create(p->journal_file, NULL, &p->cpus);
	if (!p->journal)
		return fail("apply: %s", isolator_errmsg());
	return 0;
}

/* A safe point: before a change is journaled. Nonzero: stop here. */
static int interrupted(struct apply_params *p)
{
	if (!p->interrupted)
		p->interrupted = signals_pending(&p->signals);
	return p->interrupted;
}

/*
 * Set @path (already under the sysroot) to @value: journal, write, verify.
 * Returns 0 (changed or already so), -1 if the journal failed (stop: nothing
 * may change unjournaled), 1 if the kernel refused the value (reported).
 */
static int set_value(struct apply_params *p, const char *path, const char *value, const char *why)
{
	char text[4096], old[4096], now[4096];
	int err;

	if (interrupted(p))
		return -1;
	err = (int)read_text(path, text, sizeof(text));
	if (err < 0) {
		printf("skip %s: %s (%s)\n", path, strerror(-err), why);
		return 0;
	}
	current_value(text, old, sizeof(old));
	if (!strcmp(old, value)) {
		p->already++;
		return 0;
	}
	if (p->dry_run) {
		printf("would set %s: %s -> %s (%s)\n", path, old, value, why);
		p->changed++;
		return 0;
	}
	if (open_journal(p))
		return -1;
	err = journal_record(p->journal, path, old, value);
	if (err) {
		fail("apply: journal %s: %s; stopped before changing %s", p->journal_file,
		     strerror(-err), path);
		return -1;
	}
	err = write_text(path, value);
	if (err && p->refusal_ok) {
		printf("unmovable %s: %s (%s; managed or per-CPU IRQ: isolcpus=managed_irq at boot)\n",
		       path, old, strerror(-err));
		p->unmovable++;
		return 0;
	}
	if (err) {
		printf("FAILED %s: %s -> %s: %s\n", path, old, value, strerror(-err));
		p->failed++;
		step_pause(p);
		return 1;
	}
	if (read_text(path, text, sizeof(text)) >= 0) {
		current_value(text, now, sizeof(now));
		/* the kernel reformatted it: journal what it reads back, so revert
		 * recognises our value */
		if (strcmp(now, value) && strcmp(now, old) &&
		    (err = journal_record(p->journal, path, old, now)))
			return fail("apply: journal %s: %s", p->journal_file, strerror(-err)), -1;
	}
	printf("set %s: %s -> %s (%s)\n", path, old, value, why);
	p->changed++;
	step_pause(p);
	return 0;
}

static int set_sys(struct apply_params *p, const char *rel, const char *value, const char *why)
{
	char path[1024];

	if (sysroot_path(path, sizeof(path), NULL, "%s", rel))
		return 0;
	if (access(path, F_OK)) {
		printf("skip %s: not present (%s)\n", rel, why);
		return 0;
	}
	return set_value(p, path, value, why);
}

/*
 * A whole-number sysctl that must be at least @min, or @off_ok and 0 (the
 * detector off): raised to @min, never lowered, as `isolator check` judges it.
 */
static int raise_sys(struct apply_params *p, const char *rel, long min, int off_ok, const char *why)
{
	char path[1024], val[64], *end;
	long v;

	if (sysroot_path(path, sizeof(path), NULL, "%s", rel) || read_text(path, val, sizeof(val)) < 0) {
		printf("skip %s: not present (%s)\n", rel, why);
		return 0;
	}
	v = strtol(val, &end, 10);
	if (end != val && !*end && (v >= min || (off_ok && v == 0))) {
		p->already++;
		return 0;
	}
	snprintf(val, sizeof(val), "%ld", min);
	return set_value(p, path, val, why);
}

static void cpuset_minus(struct isolator_cpuset *set, const struct isolator_cpuset *cpus)
{
	for (size_t i = 0; i < ARRAY_SIZE(set->bits); i++)
		set->bits[i] &= ~cpus->bits[i];
}

static int intersects(const struct isolator_cpuset *a, const struct isolator_cpuset *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(a->bits); i++)
		if (a->bits[i] & b->bits[i])
			return 1;
	return 0;
}

/* Every IRQ off LIST: to the CPUs of its mask that stay, else to all
 * housekeeping CPUs. Per-CPU and managed IRQs refuse; they are reported. */
static int steer_irqs(struct apply_params *p)
{
	char dir[512], path[700], val[4096], target[4096];
	struct isolator_cpuset mask, to, away;
	struct dirent *de;
	DIR *d;
	int err;

	if (sysroot_path(dir, sizeof(dir), NULL, "/proc/irq") || !(d = opendir(dir))) {
		printf("skip /proc/irq: cannot list it\n");
		return 0;
	}
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/smp_affinity_list", dir, de->d_name);
		if (read_text(path, val, sizeof(val)) < 0 || isolator_cpuset_parse(val, &mask) ||
		    !intersects(&mask, &p->cpus))
			continue;
		/* away from LIST and from the CPUs other sessions isolated:
		 * housekeeping is what is left, and not empty, so never fails */
		away = p->online;
		cpuset_minus(&away, &p->housekeeping);
		irq_affinity_away(&mask, &away, &p->online, &to);
		isolator_cpuset_format(&to, target, sizeof(target));
		p->refusal_ok = 1;
		err = set_value(p, path, target, "IRQ affinity");
		p->refusal_ok = 0;
		if (err < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	/* new IRQs: the default mask (hex) */
	if (sysroot_path(path, sizeof(path), NULL, "/proc/irq/default_smp_affinity") == 0 &&
	    read_text(path, val, sizeof(val)) > 0 && !hexmask_parse(val, &mask) &&
	    intersects(&mask, &p->cpus)) {
		cpuset_minus(&mask, &p->cpus);
		if (!isolator_cpuset_count(&mask))
			mask = p->housekeeping;
		hexmask_format(&mask, val, target, sizeof(target));
		if (set_value(p, path, target, "affinity of new IRQs") < 0)
			return -1;
	}
	return 0;
}

static int set_governors(struct apply_params *p)
{
	char rel[128], avail[512], path[1024];

	for (unsigned cpu = 0; cpu < ISOLATOR_MAX_CPUS; cpu++) {
		if (!isolator_cpuset_has(&p->cpus, cpu))
			continue;
		snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor", cpu);
		if (sysroot_path(path, sizeof(path), NULL, "%s", rel) || access(path, F_OK)) {
			printf("skip CPU %u governor: no cpufreq driver\n", cpu);
			continue;
		}
		snprintf(rel, sizeof(rel), "/sys/devices/system/cpu/cpu%u/cpufreq/scaling_available_governors", cpu);
		if (sysroot_path(avail, sizeof(avail), NULL, "%s", rel) == 0 &&
		    read_text(avail, avail, sizeof(avail)) > 0 && !strstr(avail, "performance")) {
			printf("skip CPU %u governor: no performance governor (available: %s)\n", cpu, avail);
			continue;
		}
		if (set_value(p, path, "performance", "frequency governor") < 0)
			return -1;
	}
	return 0;
}

/* A hex mask file without LIST (workqueue, keeping the kernel's layout). */
static int mask_without(struct apply_params *p, const char *rel, const char *why)
{
	char path[1024], val[512], target[512];
	struct isolator_cpuset mask;

	if (sysroot_path(path, sizeof(path), NULL, "%s", rel) || read_text(path, val, sizeof(val)) <= 0) {
		printf("skip %s: not present (%s)\n", rel, why);
		return 0;
	}
	if (hexmask_parse(val, &mask) || !intersects(&mask, &p->cpus)) {
		p->already++;
		return 0;
	}
	cpuset_minus(&mask, &p->cpus);
	if (!isolator_cpuset_count(&mask))
		mask = p->housekeeping;
	hexmask_format(&mask, val, target, sizeof(target));
	return set_value(p, path, target, why) < 0 ? -1 : 0;
}

/* The unbound-workqueue mask, then the workqueues with their own (WQ_SYSFS:
 * writeback, blkcg_punt_bio...). Returns 0 or 1 (stop). */
static int workqueue_masks(struct apply_params *p)
{
	char dir[512], rel[700];
	struct dirent *de;
	DIR *d;

	if (mask_without(p, "/sys/devices/virtual/workqueue/cpumask", "unbound workqueues") < 0)
		return 1;
	if (sysroot_path(dir, sizeof(dir), NULL, "/sys/devices/virtual/workqueue") || !(d = opendir(dir)))
		return 0;
	while ((de = readdir(d))) {
		char path[1024];

		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "/sys/devices/virtual/workqueue/%s/cpumask", de->d_name);
		if (sysroot_path(path, sizeof(path), NULL, "%s", rel) || access(path, F_OK))
			continue;
		if (mask_without(p, rel, "workqueue") < 0) {
			closedir(d);
			return 1;
		}
	}
	closedir(d);
	return 0;
}

/* A CPU-list file without LIST (watchdog_cpumask). */
static int list_without(struct apply_params *p, const char *rel, const char *why)
{
	char path[1024], val[512], target[512];
	struct isolator_cpuset set;

	if (sysroot_path(path, sizeof(path), NULL, "%s", rel) || read_text(path, val, sizeof(val)) < 0) {
		printf("skip %s: not present (%s)\n", rel, why);
		return 0;
	}
	if (isolator_cpuset_parse(val, &set) || !intersects(&set, &p->cpus)) {
		p->already++;
		return 0;
	}
	cpuset_minus(&set, &p->cpus);
	isolator_cpuset_format(&set, target, sizeof(target));
	return set_value(p, path, target, why) < 0 ? -1 : 0;
}

static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *s;
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0 || !(s = strrchr(buf, ')')))
		return 0;
	sscanf(s + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
	       &t);
	return t;
}

/*
 * The PM QoS request of /dev/cpu_dma_latency lasts while the file is open, so
 * a small process holds it: forked here, journaled as "process:<pid>" before
 * it opens the device, and stopped by `isolator revert`. Until told to go it
 * dies with apply (PR_SET_PDEATHSIG, and the go pipe's EOF), so a SIGKILL of
 * apply cannot leave an unjournaled holder behind.
 */
static int hold_dma_latency(struct apply_params *p)
{
	char path[512], key[64], start[32];
	int go[2], res[2], err = 0, holders[4];
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (sysroot_path(path, sizeof(path), NULL, "/dev/cpu_dma_latency") || access(path, F_OK)) {
		printf("skip /dev/cpu_dma_latency: not present\n");
		return 0;
	}
	if (dma_latency_holders(NULL, holders, 4)) {
		/* someone already holds it: a second request would not lower it below theirs */
		printf("note /dev/cpu_dma_latency is already held by pid %d; adding a holder at 0\n",
		       holders[0]);
	}
	if (p->dry_run) {
		printf("would start a process holding %s at 0 us\n", path);
		p->changed++;
		return 0;
	}
	if (interrupted(p) || open_journal(p))
		return -1;
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
		return fail("apply: pipe: %s", strerror(errno)), -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("apply: fork: %s", strerror(errno)), -1;
	if (pid == 0) {
		int32_t zero = 0;
		char c;
		int fd, null = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(go[1]);
		close(res[0]);
		/* let go of apply's stdout: a pipe reader must see EOF when apply ends */
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		if (read(go[0], &c, 1) != 1)
			_exit(1); /* apply died before journaling us */
		setsid();
		prctl(PR_SET_PDEATHSIG, 0);
		prctl(PR_SET_NAME, JOURNAL_HELPER_NAME);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		/* apply holds these blocked; revert stops us with SIGTERM */
		sigprocmask(SIG_UNBLOCK, &p->signals, NULL);
		/* the CPUs' ownership is apply's, not ours: a flock is shared
		 * with every fork, and we outlive apply */
		for (unsigned i = 0; i < p->nclaims; i++)
			close(p->claims[i].fd);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		err = fd < 0 ? errno : write(fd, &zero, sizeof(zero)) == sizeof(zero) ? 0 : errno;
		if (write(res[1], &err, sizeof(err)) < 0 || err)
			_exit(1);
		close(res[1]);
		for (;;)
			pause();
	}
	close(go[0]);
	close(res[1]);
	snprintf(key, sizeof(key), "process:%d", (int)pid);
	snprintf(start, sizeof(start), "%llu", start_time(pid));
	err = journal_record(p->journal, key, "", start);
	if (err) {
		kill(pid, SIGKILL);
		return fail("apply: journal %s: %s", p->journal_file, strerror(-err)), -1;
	}
	if (write(go[1], "g", 1) != 1)
		err = errno;
	close(go[1]);
	n = read(res[0], &err, sizeof(err));
	close(res[0]);
	if (n != (ssize_t)sizeof(err) || err) {
		printf("FAILED /dev/cpu_dma_latency holder: %s\n",
		       n == (ssize_t)sizeof(err) ? strerror(err) : "it exited");
		p->failed++;
		return 1;
	}
	printf("hold /dev/cpu_dma_latency at 0 us: process %d (isolator-dma)\n", (int)pid);
	p->changed++;
	step_pause(p);
	return 0;
}

/* A cgroup-v2 isolated partition for LIST: the scheduler's load balancing
 * and every other cgroup's cpuset then leave LIST alone, like isolcpus=. */
static int cpuset_partition(struct apply_params *p)
{
	char mnt[512], path[800], dir[600], buf[1024], key[700];
	int err;

	if (cgroup2_mount(NULL, mnt, sizeof(mnt)) < 0) {
		printf("skip cpuset partition: no cgroup v2 hierarchy mounted\n");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mnt);
	if (read_text(path, buf, sizeof(buf)) < 0 || !strstr(buf, "cpuset")) {
		printf("skip cpuset partition: the cpuset controller is not enabled in %s "
		       "(bound to cgroup v1?)\n", path);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/isolator.apply", mnt);
	if (p->dry_run) {
		printf("would create %s: cpuset.cpus %s, cpuset.cpus.partition isolated\n", dir, p->list);
		p->changed++;
		return 0;
	}
	if (interrupted(p) || open_journal(p))
		return -1;
	snprintf(key, sizeof(key), "cgroup:%s", dir);
	err = journal_record(p->journal, key, mnt, "");
	if (err)
		return fail("apply: journal %s: %s", p->journal_file, strerror(-err)), -1;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		printf("FAILED cpuset partition %s: %s\n", dir, strerror(errno));
		p->failed++;
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cpuset.cpus", dir);
	err = write_text(path, p->list);
	snprintf(path, sizeof(path), "%s/cpuset.cpus.partition", dir);
	if (!err)
		err = write_text(path, "isolated");
	if (!err && (read_text(path, buf, sizeof(buf)) < 0 || strcmp(buf, "isolated")))
		err = -EINVAL;
	if (err) {
		printf("FAILED cpuset partition %s: %s (%s)\n", dir, strerror(-err),
		       err == -EINVAL ? "the kernel made it invalid" : "write refused");
		rmdir(dir);
		p->failed++;
		return 1;
	}
	printf("set %s: isolated partition of CPU %s\n", dir, p->list);
	p->changed++;
	return 0;
}

static int parse(int argc, char **argv, struct apply_params *p)
{
	static const struct option opts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-dma-holder", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *delay = getenv("ISOLATOR_TEST_STEP_DELAY_MS");
	int c;

	p->hold_dma = 1;
	p->step_delay_ms = delay ? (unsigned)atoi(delay) : 0;
	optind = 1;
	opterr = 0; /* bad_option() says it in one line */
	while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_cpulist_online("--cpu", optarg, &p->cpus) < 0)
				return -1;
			p->have_cpus = 1;
			break;
		case 'n':
			p->dry_run = 1;
			break;
		case 'D':
			p->hold_dma = 0;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			bad_option("apply", argv);
			return -1;
		}
	}
	if (optind < argc)
		return fail("apply: unexpected argument '%s'", argv[optind]), -1;
	if (!p->have_cpus)
		return fail("apply: --cpu LIST is required (e.g. --cpu 1)"), -1;
	if (isolator_cpus_online(NULL, &p->online) < 0)
		return fail("apply: %s", isolator_errmsg()), -1;
	p->housekeeping = p->online;
	cpuset_minus(&p->housekeeping, &p->cpus);
	isolator_cpuset_format(&p->cpus, p->list, sizeof(p->list));
	if (!isolator_cpuset_count(&p->housekeeping))
		return fail("apply: --cpu %s leaves no online CPU for housekeeping", p->list), -1;
	return 0;
}

/*
 * Own every CPU of LIST for as long as apply runs (a session running on one
 * would undo apply's changes when it ends, and apply its), and keep the IRQs
 * apply moves off the CPUs other sessions and journals isolated.
 */
static int claim_cpus(struct apply_params *p)
{
	struct isolator_cpuset taken;
	char list[256];

	for (unsigned cpu = 0; cpu < ISOLATOR_MAX_CPUS; cpu++) {
		if (!isolator_cpuset_has(&p->cpus, cpu))
			continue;
		if (cpu_claim(cpu, &p->claims[p->nclaims]) < 0)
			return fail("apply: %s", isolator_errmsg()), -1;
		p->nclaims++;
	}
	if (cpus_taken(NULL, &taken) < 0)
		return fail("apply: %s", isolator_errmsg()), -1;
	cpuset_minus(&taken, &p->cpus);
	cpuset_minus(&p->housekeeping, &taken);
	if (!isolator_cpuset_count(&p->housekeeping)) {
		isolator_cpuset_format(&taken, list, sizeof(list));
		return fail("apply: --cpu %s leaves no CPU for housekeeping: CPU %s %s isolated by "
			    "another session or journal", p->list, list,
			    isolator_cpuset_count(&taken) > 1 ? "are" : "is"), -1;
	}
	return 0;
}

static void release_cpus(struct apply_params *p)
{
	while (p->nclaims)
		cpu_release(&p->claims[--p->nclaims]);
}

static void report_undo(void *arg, const struct restore_event *e)
{
	unsigned *undone = arg;

	if (e->result == RESTORE_DONE)
		(*undone)++;
	else if (e->result == RESTORE_FAILED || e->result == RESTORE_DAMAGED ||
		 e->result == RESTORE_REFUSED)
		printf("FAILED to undo %s (line %u of %s)\n", e->path ? e->path : "?", e->line,
		       e->journal);
}

int cmd_apply(int argc, char **argv)
{
	struct apply_params p = { 0 };
	struct tune_check *checks;
	char boot[1024] = "";
	size_t n;
	int err = 0;

	if (parse(argc, argv, &p) < 0)
		return EXIT_ERROR;
	setvbuf(stdout, NULL, _IOLBF, 0); /* each change is a progress line */
	snprintf(p.journal_file, sizeof(p.journal_file), "%s/journal", journal_dir());
	if (!p.dry_run && access(p.journal_file, F_OK) == 0)
		return fail("apply: %s exists from an earlier apply; run 'isolator revert' first",
			    p.journal_file);
	/* Ctrl-C, kill, hang-up: taken between changes, then everything done
	 * so far is reverted (before the holder is forked: it unblocks them) */
	signals_hold(&p.signals);
	if (!p.dry_run && claim_cpus(&p) < 0)
		return EXIT_ERROR;
	printf("isolator apply: CPU %s%s\n", p.list, p.dry_run ? " (dry run: nothing changes)" : "");
	/* the order: IRQs first (the biggest effect), the holder last (a process) */
	err = steer_irqs(&p);
	if (!err)
		err = set_governors(&p) < 0;
	if (!err)
		err = set_sys(&p, "/proc/sys/kernel/sched_rt_runtime_us", "-1", "RT throttling off") < 0;
	if (!err)
		err = set_sys(&p, "/proc/sys/kernel/timer_migration", "0", "timer migration off") < 0;
	if (!err)
		err = workqueue_masks(&p);
	if (!err)
		err = list_without(&p, "/proc/sys/kernel/watchdog_cpumask", "lockup watchdogs") < 0;
	if (!err)
		err = set_sys(&p, "/sys/kernel/mm/transparent_hugepage/enabled", "never",
			      "transparent huge pages") < 0;
	/* what tuned's cpu-partitioning and realtime profiles set at run time */
	if (!err)
		err = set_sys(&p, "/proc/sys/kernel/numa_balancing", "0", "NUMA balancing off") < 0;
	if (!err)
		err = raise_sys(&p, "/proc/sys/vm/stat_interval", TUNE_STAT_INTERVAL_S, 0,
				"vmstat work every 10 s") < 0;
	if (!err)
		err = raise_sys(&p, "/proc/sys/kernel/hung_task_timeout_secs",
				TUNE_HUNG_TASK_TIMEOUT_S, 1,
				"hung-task reports after 600 s") < 0;
	if (!err)
		err = cpuset_partition(&p) < 0;
	if (!err && p.hold_dma)
		err = hold_dma_latency(&p) < 0;
	journal_close(p.journal);
	if (p.interrupted) {
		unsigned undone = 0;

		if (p.journal)
			journal_restore(p.journal_file, NULL, report_undo, &undone);
		release_cpus(&p);
		fail("apply: interrupted by SIG%s: %u changes undone", sigabbrev_np(p.interrupted),
		     undone);
		return 128 + p.interrupted;
	}
	release_cpus(&p);
	if (err)
		return EXIT_ERROR; /* said why; what was done is journaled */
	printf("%s %u settings (%u already so, %u IRQs unmovable, %u failed)",
	       p.dry_run ? "would change" : "changed", p.changed, p.already, p.unmovable, p.failed);
	if (!p.dry_run && p.changed + p.failed)
		printf("; journal %s: undo with 'isolator revert'", p.journal_file);
	putchar('\n');
	if (tune_check_run(NULL, &p.cpus, &checks, &n) == 0) {
		tune_boot_cmdline(checks, n, boot, sizeof(boot));
		free(checks);
	}
	if (*boot)
		printf("boot-time fixes, not applied (isolator never edits the command line; add to "
		       "GRUB_CMDLINE_LINUX in /etc/default/grub and run update-grub):\n  %s\n", boot);
	if (p.failed)
		return fail("apply: %u settings could not be changed (listed above); the rest applied",
			    p.failed);
	return EXIT_OK;
}
