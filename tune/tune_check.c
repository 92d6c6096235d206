// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `isolator check`: every known source of latency for a set of CPUs, judged
 * from what /proc, /sys and /dev say (through sysroot_path(), so a fake tree
 * can stand in for the machine). One function per item; each says pass, warn,
 * fail or skip, what it read, and the fix. The tuning steps follow the
 * PREEMPT_RT guides and tuned's cpu-partitioning/realtime profiles.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tune.h"

struct ctx {
	const char *sysroot;
	struct isolator_cpuset cpus;    /* the CPUs checked */
	struct isolator_cpuset online;
	struct isolator_cpuset others;  /* online CPUs not checked: housekeeping */
	char list[256];                 /* the checked CPUs as a list */
	char cmdline[4096];             /* /proc/cmdline, "" if unreadable */
};

#define for_each_cpu(c, cpu) \
	for (unsigned cpu = 0; cpu < ISOLATOR_MAX_CPUS; cpu++) \
		if (isolator_cpuset_has(&(c)->cpus, cpu))

const char *tune_status_name(enum tune_status status)
{
	static const char *const names[] = { "pass", "warn", "fail", "skip" };

	return (unsigned)status < ARRAY_SIZE(names) ? names[status] : "?";
}

/* --- small helpers ---------------------------------------------------------- */

#define EVIDENCE(r, ...) text_appendf((r)->evidence, sizeof((r)->evidence), __VA_ARGS__)
#define FIX(r, ...) snprintf((r)->fix, sizeof((r)->fix), __VA_ARGS__)
#define BOOT(r, ...) snprintf((r)->boot, sizeof((r)->boot), __VA_ARGS__)

/* The worse of two statuses; skip counts as nothing. */
static void worsen(struct tune_check *r, enum tune_status s)
{
	if (r->status == TUNE_SKIP || (s != TUNE_SKIP && s > r->status))
		r->status = s;
}

/* Read <sysroot><path> into @buf. Returns length or a negative errno. */
static ssize_t rd(const struct ctx *c, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static ssize_t rd(const struct ctx *c, char *buf, size_t len, const char *fmt, ...)
{
	char rel[512], path[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	buf[0] = '\0';
	if (sysroot_path(path, sizeof(path), c->sysroot, "%s", rel))
		return -ENAMETOOLONG;
	return read_text(path, buf, len);
}

static long rd_long(const struct ctx *c, const char *path, long dflt)
{
	char buf[64];

	if (rd(c, buf, sizeof(buf), "%s", path) <= 0)
		return dflt;
	return strtol(buf, NULL, 10);
}

/* The bracketed word of a selection file ("always [madvise] never"). */
static void selected(const char *text, char *out, size_t len)
{
	const char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;

	if (!open || !close) {
		snprintf(out, len, "%s", text);
		return;
	}
	snprintf(out, len, "%.*s", (int)(close - open - 1), open + 1);
}

static int cpuset_intersects(const struct isolator_cpuset *a, const struct isolator_cpuset *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(a->bits); i++)
		if (a->bits[i] & b->bits[i])
			return 1;
	return 0;
}

int cmdline_param(const char *sysroot, const char *param, char *out, size_t len)
{
	char path[512], buf[4096], *tok, *save = NULL;
	size_t plen = strlen(param);

	if (sysroot_path(path, sizeof(path), sysroot, "/proc/cmdline") ||
	    read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "--"))
			break; /* the rest is for init */
		if (strncmp(tok, param, plen) || (tok[plen] != '=' && tok[plen] != '\0'))
			continue;
		snprintf(out, len, "%s", tok[plen] ? tok + plen + 1 : "");
		return 1;
	}
	return 0;
}

int hexmask_parse(const char *text, struct isolator_cpuset *set)
{
	size_t n = strlen(text);
	unsigned bit = 0;

	memset(set, 0, sizeof(*set));
	while (n > 0 && isspace((unsigned char)text[n - 1]))
		n--;
	if (!n)
		return -EINVAL;
	for (size_t i = n; i-- > 0;) {
		char ch = text[i];
		int v;

		if (ch == ',')
			continue;
		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v = ch - 'A' + 10;
		else
			return -EINVAL;
		for (int b = 0; b < 4; b++, bit++)
			if (v & (1 << b)) {
				if (bit >= ISOLATOR_MAX_CPUS)
					return -ERANGE;
				isolator_cpuset_add(set, bit);
			}
	}
	return 0;
}

void hexmask_format(const struct isolator_cpuset *set, const char *width_from, char *buf,
		    size_t len)
{
	unsigned groups = 1, first_width = 1, top = 0;
	size_t n = 0;

	for (unsigned cpu = 0; cpu < ISOLATOR_MAX_CPUS; cpu++)
		if (isolator_cpuset_has(set, cpu))
			top = cpu;
	if (width_from && *width_from) {
		/* match the kernel's layout for this machine: same groups, widths */
		const char *comma = strchr(width_from, ',');

		groups = 1;
		for (const char *p = width_from; *p; p++)
			groups += *p == ',';
		first_width = (unsigned)(comma ? (size_t)(comma - width_from) : strlen(width_from));
	} else {
		groups = top / 32 + 1;
		first_width = 1;
	}
	buf[0] = '\0';
	for (unsigned g = groups; g-- > 0;) {
		uint32_t word = 0;

		for (unsigned b = 0; b < 32; b++)
			if (g * 32 + b < ISOLATOR_MAX_CPUS && isolator_cpuset_has(set, g * 32 + b))
				word |= 1u << b;
		if (g == groups - 1)
			n += (size_t)snprintf(buf + n, len - n, "%0*x", (int)first_width, word);
		else
			n += (size_t)snprintf(buf + n, len - n, ",%08x", word);
		if (n >= len)
			return;
	}
}

unsigned dma_latency_holders(const char *sysroot, int *pids, unsigned max)
{
	char dir[512], fddir[600], link[700], target[256];
	struct dirent *de, *fe;
	unsigned found = 0;
	DIR *d, *fd;

	if (sysroot_path(dir, sizeof(dir), sysroot, "/proc"))
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d)) && found < max) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(fddir, sizeof(fddir), "%s/%s/fd", dir, de->d_name);
		fd = opendir(fddir);
		if (!fd)
			continue;
		while ((fe = readdir(fd))) {
			ssize_t n;

			snprintf(link, sizeof(link), "%s/%s", fddir, fe->d_name);
			n = readlink(link, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (!strcmp(target, "/dev/cpu_dma_latency")) {
				pids[found++] = atoi(de->d_name);
				break;
			}
		}
		closedir(fd);
	}
	closedir(d);
	return found;
}

/* The PM QoS target now, in microseconds (the device reads as a binary s32;
 * a fake tree may hold text). -1 if unreadable. */
static long dma_latency_value(const struct ctx *c)
{
	char path[512], buf[64];
	int32_t v;
	ssize_t n;
	int fd;

	if (sysroot_path(path, sizeof(path), c->sysroot, "/dev/cpu_dma_latency"))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n == (ssize_t)sizeof(v) && !isdigit((unsigned char)buf[0])) {
		memcpy(&v, buf, sizeof(v));
		return v;
	}
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 0);
}

/* --- the items -------------------------------------------------------------- */

static void check_preempt_rt(const struct ctx *c, struct tune_check *r)
{
	char ver[512], rt[16], *tok, *save = NULL;
	int preempt = 0, dynamic = 0, is_rt = 0;

	rd(c, rt, sizeof(rt), "/sys/kernel/realtime");
	if (rd(c, ver, sizeof(ver), "/proc/sys/kernel/version") < 0) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "cannot read /proc/sys/kernel/version (uname -v)");
		return;
	}
	EVIDENCE(r, "uname -v: %s; /sys/kernel/realtime: %s", ver, *rt ? rt : "absent");
	for (tok = strtok_r(ver, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		is_rt |= !strcmp(tok, "PREEMPT_RT");
		preempt |= !strcmp(tok, "PREEMPT");
		dynamic |= !strcmp(tok, "PREEMPT_DYNAMIC");
	}
	is_rt |= !strcmp(rt, "1");
	FIX(r, "boot a PREEMPT_RT kernel (CONFIG_PREEMPT_RT=y, mainline since 6.12; Debian: "
	       "linux-image-rt-amd64)%s", dynamic ? ", or at least preempt=full" : "");
	if (is_rt) {
		r->status = TUNE_PASS;
		r->fix[0] = '\0';
	} else if (preempt || dynamic) {
		r->status = TUNE_WARN; /* preemptible, but spinlock sections and hard IRQs are not */
		if (dynamic)
			BOOT(r, "preempt=full");
	} else {
		r->status = TUNE_FAIL; /* PREEMPT_NONE/VOLUNTARY: kernel sections of milliseconds */
	}
}

static void check_isolcpus(const struct ctx *c, struct tune_check *r)
{
	char val[512], isolated[256];
	int listed = 1, runtime = 1, domain = 1;

	for_each_cpu(c, cpu) {
		listed &= cmdline_lists_cpu(c->sysroot, "isolcpus", cpu);
		runtime &= sysfs_lists_cpu(c->sysroot, "isolated", cpu);
	}
	rd(c, isolated, sizeof(isolated), "/sys/devices/system/cpu/isolated");
	if (cmdline_param(c->sysroot, "isolcpus", val, sizeof(val))) {
		EVIDENCE(r, "isolcpus=%s", val);
		/* flags before the list; no flag means "domain" */
		if (!isdigit((unsigned char)val[0]) && !strstr(val, "domain"))
			domain = 0;
	} else {
		EVIDENCE(r, "no isolcpus= on the command line");
	}
	EVIDENCE(r, "; /sys/devices/system/cpu/isolated: '%s'", isolated);
	FIX(r, "add isolcpus=domain,managed_irq,%s to the kernel command line "
	       "(keeps the scheduler, unbound work and managed IRQs off it)", c->list);
	BOOT(r, "isolcpus=domain,managed_irq,%s", c->list);
	if (listed && domain)
		r->status = TUNE_PASS;
	else if (listed || runtime)
		r->status = TUNE_WARN; /* only some flags, or a run-time partition lost at reboot */
	else
		r->status = TUNE_FAIL;
	if (r->status == TUNE_PASS)
		r->fix[0] = r->boot[0] = '\0';
}

static void check_nohz_full(const struct ctx *c, struct tune_check *r)
{
	char val[512], sys[256];
	int listed = 1, active = 1;
	ssize_t n = rd(c, sys, sizeof(sys), "/sys/devices/system/cpu/nohz_full");

	for_each_cpu(c, cpu) {
		listed &= cmdline_lists_cpu(c->sysroot, "nohz_full", cpu);
		active &= sysfs_lists_cpu(c->sysroot, "nohz_full", cpu);
	}
	if (cmdline_param(c->sysroot, "nohz_full", val, sizeof(val)))
		EVIDENCE(r, "nohz_full=%s", val);
	else
		EVIDENCE(r, "no nohz_full= on the command line");
	EVIDENCE(r, "; /sys/devices/system/cpu/nohz_full: %s", n < 0 ? "absent" : sys);
	FIX(r, "add nohz_full=%s to the kernel command line (stops the scheduler tick "
	       "while one task runs; needs CONFIG_NO_HZ_FULL)", c->list);
	BOOT(r, "nohz_full=%s", c->list);
	if (active) {
		r->status = TUNE_PASS;
		r->fix[0] = r->boot[0] = '\0';
	} else if (listed) {
		r->status = TUNE_WARN;
		FIX(r, "nohz_full= is given but the kernel does not apply it: build with "
		       "CONFIG_NO_HZ_FULL=y");
		r->boot[0] = '\0';
	} else {
		r->status = TUNE_FAIL;
	}
}

static void check_rcu_nocbs(const struct ctx *c, struct tune_check *r)
{
	char val[512];
	int listed = 1, nohz = 1;

	for_each_cpu(c, cpu) {
		listed &= cmdline_lists_cpu(c->sysroot, "rcu_nocbs", cpu);
		nohz &= cmdline_lists_cpu(c->sysroot, "nohz_full", cpu);
	}
	if (cmdline_param(c->sysroot, "rcu_nocbs", val, sizeof(val)))
		EVIDENCE(r, "rcu_nocbs=%s", val);
	else
		EVIDENCE(r, "no rcu_nocbs= on the command line%s",
			 nohz ? " (nohz_full= implies it with CONFIG_RCU_NOCB_CPU)" : "");
	FIX(r, "add rcu_nocbs=%s to the kernel command line (RCU callbacks run in "
	       "kthreads on housekeeping CPUs)", c->list);
	BOOT(r, "rcu_nocbs=%s", c->list);
	r->status = listed ? TUNE_PASS : nohz ? TUNE_WARN : TUNE_FAIL;
	if (listed)
		r->fix[0] = r->boot[0] = '\0';
}

static void check_irqaffinity(const struct ctx *c, struct tune_check *r)
{
	char val[512], hk[256];
	struct isolator_cpuset set;

	isolator_cpuset_format(&c->others, hk, sizeof(hk));
	FIX(r, "add irqaffinity=%s to the kernel command line (IRQs start on the "
	       "housekeeping CPUs)", hk);
	BOOT(r, "irqaffinity=%s", hk);
	if (!isolator_cpuset_count(&c->others)) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "no housekeeping CPU left outside %s", c->list);
		r->fix[0] = r->boot[0] = '\0';
		return;
	}
	if (!cmdline_param(c->sysroot, "irqaffinity", val, sizeof(val))) {
		EVIDENCE(r, "no irqaffinity= on the command line: new IRQs may target every CPU");
		r->status = TUNE_WARN;
		return;
	}
	EVIDENCE(r, "irqaffinity=%s", val);
	if (cpulist_parse(c->sysroot, val, &set) == 0 && !cpuset_intersects(&set, &c->cpus)) {
		r->status = TUNE_PASS;
		r->fix[0] = r->boot[0] = '\0';
	} else {
		r->status = TUNE_FAIL;
		EVIDENCE(r, " includes CPU %s", c->list);
	}
}

/* The name of IRQ @irq: the first directory under /proc/irq/N (the action). */
static void irq_name(const char *irqdir, char *out, size_t len)
{
	struct dirent *de;
	DIR *d = opendir(irqdir);

	snprintf(out, len, "?");
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			snprintf(out, len, "%s", de->d_name);
			break;
		}
	closedir(d);
}

static void check_irq_affinity(const struct ctx *c, struct tune_check *r)
{
	char dir[512], path[700], val[4096], name[64], list[64];
	struct isolator_cpuset set;
	unsigned hits = 0, total = 0;
	struct dirent *de;
	DIR *d;

	if (sysroot_path(dir, sizeof(dir), c->sysroot, "/proc/irq") || !(d = opendir(dir))) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "cannot list /proc/irq");
		return;
	}
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/smp_affinity_list", dir, de->d_name);
		if (read_text(path, val, sizeof(val)) < 0 || cpulist_parse(c->sysroot, val, &set))
			continue;
		total++;
		if (!cpuset_intersects(&set, &c->cpus))
			continue;
		if (hits++ < 8) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			irq_name(path, name, sizeof(name));
			EVIDENCE(r, "%sIRQ %s (%s) -> %s", hits > 1 ? ", " : "", de->d_name, name, val);
		}
	}
	closedir(d);
	if (hits > 8)
		EVIDENCE(r, " and %u more", hits - 8);
	if (hits) {
		EVIDENCE(r, ": %u of %u IRQs may interrupt CPU %s", hits, total, c->list);
		r->status = TUNE_FAIL;
		FIX(r, "isolator apply --cpu %s (steers them off, journaled); IRQs that refuse "
		       "are managed or per-CPU: isolcpus=managed_irq at boot", c->list);
		return;
	}
	EVIDENCE(r, "none of %u IRQs has CPU %s in its affinity", total, c->list);
	if (rd(c, val, sizeof(val), "/proc/irq/default_smp_affinity") > 0 &&
	    hexmask_parse(val, &set) == 0 && cpuset_intersects(&set, &c->cpus)) {
		isolator_cpuset_format(&set, list, sizeof(list));
		EVIDENCE(r, "; but /proc/irq/default_smp_affinity %s (CPUs %s) lets new IRQs in", val,
			 list);
		r->status = TUNE_WARN;
		FIX(r, "isolator apply --cpu %s (also sets default_smp_affinity)", c->list);
		return;
	}
	r->status = TUNE_PASS;
}

static void check_governor(const struct ctx *c, struct tune_check *r)
{
	char gov[64];

	r->status = TUNE_SKIP;
	for_each_cpu(c, cpu) {
		if (rd(c, gov, sizeof(gov), "/sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor", cpu) <= 0) {
			EVIDENCE(r, "%sCPU %u: no cpufreq", *r->evidence ? "; " : "", cpu);
			continue;
		}
		EVIDENCE(r, "%sCPU %u: %s", *r->evidence ? "; " : "", cpu, gov);
		worsen(r, !strcmp(gov, "performance") ? TUNE_PASS
			  : !strcmp(gov, "userspace") ? TUNE_WARN : TUNE_FAIL);
	}
	if (r->status == TUNE_SKIP)
		EVIDENCE(r, " (no cpufreq driver: the frequency is up to firmware or the hypervisor)");
	if (r->status == TUNE_WARN)
		EVIDENCE(r, " (a fixed frequency: no ramps, maybe not the highest)");
	if (r->status == TUNE_WARN || r->status == TUNE_FAIL)
		FIX(r, "isolator apply --cpu %s sets the performance governor (journaled); "
		       "or cpupower -c %s frequency-set -g performance", c->list, c->list);
}

/* The deepest enabled idle state's exit latency (us) over the checked CPUs,
 * -1 if there is no cpuidle state. Names it into @name. */
static long deepest_idle(const struct ctx *c, char *name, size_t len, unsigned *states)
{
	long deepest = -1;

	*states = 0;
	for_each_cpu(c, cpu)
		for (unsigned s = 0; s < 16; s++) {
			char base[128], nm[64], dis[16], latency[32];
			long lat;

			snprintf(base, sizeof(base), "/sys/devices/system/cpu/cpu%u/cpuidle/state%u", cpu, s);
			if (rd(c, nm, sizeof(nm), "%s/name", base) < 0)
				break;
			(*states)++;
			rd(c, dis, sizeof(dis), "%s/disable", base);
			if (rd(c, latency, sizeof(latency), "%s/latency", base) <= 0)
				continue;
			lat = strtol(latency, NULL, 10);
			if (!strcmp(dis, "1"))
				continue;
			if (lat > deepest) {
				deepest = lat;
				snprintf(name, len, "%s", nm);
			}
		}
	return deepest;
}

static void check_cstates(const struct ctx *c, struct tune_check *r)
{
	char name[64] = "", driver[64], val[64];
	unsigned states;
	long deepest = deepest_idle(c, name, sizeof(name), &states);
	long target = dma_latency_value(c);
	int holders[4];
	unsigned held = dma_latency_holders(c->sysroot, holders, ARRAY_SIZE(holders));

	if (!states) {
		if (rd(c, driver, sizeof(driver), "/sys/devices/system/cpu/cpuidle/current_driver") < 0)
			snprintf(driver, sizeof(driver), "absent");
		EVIDENCE(r, "no cpuidle states; cpuidle driver: %s", driver);
		if (cmdline_param(c->sysroot, "idle", val, sizeof(val)) && !strcmp(val, "poll")) {
			EVIDENCE(r, "; idle=poll");
			r->status = TUNE_PASS;
			return;
		}
		EVIDENCE(r, ": an idle CPU halts (HLT), and waking it costs the halt exit "
			    "(in a VM, a round trip through the host)");
		r->status = TUNE_WARN;
		FIX(r, "keep the CPU busy (a polling loop never idles) or boot with idle=poll");
		return;
	}
	EVIDENCE(r, "%u idle states; deepest enabled: %s, exit latency %ld us", states, name, deepest);
	if (held)
		EVIDENCE(r, "; /dev/cpu_dma_latency held at %ld us by pid %d", target, holders[0]);
	if (deepest <= 0 || (held && target >= 0 && target < deepest && target == 0)) {
		r->status = TUNE_PASS;
		return;
	}
	r->status = deepest <= 10 ? TUNE_WARN : TUNE_FAIL;
	FIX(r, "isolator apply --cpu %s holds /dev/cpu_dma_latency at 0 (only POLL/C0); "
	       "or boot with processor.max_cstate=1 intel_idle.max_cstate=0", c->list);
	if (r->status == TUNE_FAIL)
		BOOT(r, "processor.max_cstate=1 intel_idle.max_cstate=0");
}

static void check_dma_latency(const struct ctx *c, struct tune_check *r)
{
	char name[64];
	int holders[8];
	unsigned states, held = dma_latency_holders(c->sysroot, holders, ARRAY_SIZE(holders));
	long deepest = deepest_idle(c, name, sizeof(name), &states);
	long target = dma_latency_value(c);

	if (target < 0 && !held) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "cannot read /dev/cpu_dma_latency");
		return;
	}
	if (held) {
		EVIDENCE(r, "held by %u process(es): pid", held);
		for (unsigned i = 0; i < held; i++)
			EVIDENCE(r, " %d", holders[i]);
		EVIDENCE(r, "; target %ld us", target);
		r->status = target == 0 ? TUNE_PASS : TUNE_WARN;
		if (target != 0)
			FIX(r, "hold it at 0: isolator apply --cpu %s", c->list);
		return;
	}
	EVIDENCE(r, "no process holds /dev/cpu_dma_latency (target %ld us)", target);
	FIX(r, "isolator apply --cpu %s keeps a holder at 0 until 'isolator revert'", c->list);
	r->status = deepest > 0 ? TUNE_FAIL : TUNE_WARN;
	if (deepest > 0)
		EVIDENCE(r, "; idle states as deep as %ld us (%s) are allowed", deepest, name);
	else
		EVIDENCE(r, "; harmless while no cpuidle state is deeper than polling");
}

/* busy share of @cpu since boot from /proc/stat, in percent, or -1 */
static int cpu_busy_percent(const struct ctx *c, unsigned cpu)
{
	char path[512], key[32], *text, *p;
	unsigned long long v[8] = { 0 }, total = 0;
	int pct = -1;

	if (sysroot_path(path, sizeof(path), c->sysroot, "/proc/stat") ||
	    !(text = read_file_alloc(path, NULL)))
		return -1;
	snprintf(key, sizeof(key), "\ncpu%u ", cpu);
	p = strstr(text, key);
	if (p && sscanf(p + strlen(key), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			&v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 4) {
		for (int i = 0; i < 8; i++)
			total += v[i];
		if (total)
			pct = (int)(100 * (total - v[3] - v[4]) / total);
	}
	free(text);
	return pct;
}

static void check_smt(const struct ctx *c, struct tune_check *r)
{
	char sib[128];
	struct isolator_cpuset set;

	r->status = TUNE_SKIP;
	for_each_cpu(c, cpu) {
		if (rd(c, sib, sizeof(sib), "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list",
		       cpu) <= 0 || cpulist_parse(c->sysroot, sib, &set)) {
			EVIDENCE(r, "%sCPU %u: no topology", *r->evidence ? "; " : "", cpu);
			continue;
		}
		worsen(r, TUNE_PASS);
		for (unsigned s = 0; s < ISOLATOR_MAX_CPUS; s++) {
			int busy;

			if (s == cpu || !isolator_cpuset_has(&set, s) || !isolator_cpuset_has(&c->online, s))
				continue;
			if (isolator_cpuset_has(&c->cpus, s)) {
				EVIDENCE(r, "%sCPU %u: sibling %u is checked too", *r->evidence ? "; " : "",
					 cpu, s);
				continue;
			}
			busy = cpu_busy_percent(c, s);
			EVIDENCE(r, "%sCPU %u: SMT sibling %u is online, %d%% busy since boot",
				 *r->evidence ? "; " : "", cpu, s, busy);
			if (sysfs_lists_cpu(c->sysroot, "isolated", s)) {
				EVIDENCE(r, " (isolated)");
				worsen(r, TUNE_WARN);
			} else {
				worsen(r, TUNE_FAIL);
			}
			FIX(r, "take the sibling offline (echo 0 > /sys/devices/system/cpu/cpu%u/online), "
			       "keep it idle and isolated too, or boot with nosmt", s);
		}
		if (r->status == TUNE_PASS && !strstr(r->evidence, "sibling"))
			EVIDENCE(r, "%sCPU %u: no online SMT sibling (%s)", *r->evidence ? "; " : "", cpu, sib);
	}
}

static void check_rt_throttling(const struct ctx *c, struct tune_check *r)
{
	long runtime = rd_long(c, "/proc/sys/kernel/sched_rt_runtime_us", -2);
	long period = rd_long(c, "/proc/sys/kernel/sched_rt_period_us", 1000000);

	if (runtime == -2) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "no /proc/sys/kernel/sched_rt_runtime_us");
		return;
	}
	EVIDENCE(r, "kernel.sched_rt_runtime_us = %ld of sched_rt_period_us = %ld", runtime, period);
	if (runtime < 0) {
		r->status = TUNE_PASS;
		return;
	}
	EVIDENCE(r, ": a SCHED_FIFO loop that never sleeps may be stopped %ld ms of every %ld ms",
		 (period - runtime) / 1000, period / 1000);
	r->status = runtime * 100 >= period * 95 ? TUNE_WARN : TUNE_FAIL;
	FIX(r, "isolator apply sets -1 (sysctl kernel.sched_rt_runtime_us=-1); a runaway "
	       "SCHED_FIFO task then owns its CPU, so keep housekeeping CPUs");
}

/* Is there a kernel thread whose name starts with @prefix? */
static int kthread_named(const struct ctx *c, const char *prefix)
{
	char dir[512], path[700], comm[64];
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (sysroot_path(dir, sizeof(dir), c->sysroot, "/proc") || !(d = opendir(dir)))
		return 0;
	while (!found && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name);
		found = read_text(path, comm, sizeof(comm)) > 0 &&
			!strncmp(comm, prefix, strlen(prefix));
	}
	closedir(d);
	return found;
}

/*
 * With RCU priority boosting (PREEMPT_RT turns it on), a task preempted in
 * an RCU read-side section -- on PREEMPT_RT any spinlock holder, such as
 * kworker/N folding vmstat under zone->lock -- is boosted after
 * RCU_BOOST_DELAY to SCHED_FIFO rcutree.kthread_prio, 1 by default. Below
 * the isolated task's priority the boost only makes it an RT task, which the
 * fair server no longer serves: it never runs while the isolated loop spins,
 * the grace period never ends, and whoever waits for it or for its lock
 * (munmap, synchronize_rcu, reclaim) waits too. Seen in our VM tests; stock
 * kernels the same.
 */
static void check_rcu_boost(const struct ctx *c, struct tune_check *r)
{
	long prio = rd_long(c, "/sys/module/rcutree/parameters/kthread_prio", -1);

	if (prio < 0) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "no /sys/module/rcutree/parameters/kthread_prio (not tree RCU)");
		return;
	}
	if (!kthread_named(c, "rcub/")) {
		r->status = TUNE_PASS;
		EVIDENCE(r, "no rcub/ threads: RCU does not boost preempted readers (a fair reader "
			    "keeps the fair server's share)");
		return;
	}
	EVIDENCE(r, "RCU boosts a reader preempted on CPU %s to SCHED_FIFO %ld "
		    "(rcutree.kthread_prio)", c->list, prio);
	if (prio > ISOLATOR_DEFAULT_FIFO_PRIORITY) {
		r->status = TUNE_PASS;
		EVIDENCE(r, ", above libisolator's default %d: keep the isolated task below it",
			 ISOLATOR_DEFAULT_FIFO_PRIORITY);
		return;
	}
	EVIDENCE(r, ": an isolated SCHED_FIFO task above %ld (libisolator's default is %d) keeps "
		    "it from running, so RCU grace periods stall, and with them every task waiting "
		    "on one or on the reader's lock", prio, ISOLATOR_DEFAULT_FIFO_PRIORITY);
	/* a value someone chose protects tasks below it; the default 1, none */
	r->status = prio > 1 ? TUNE_WARN : TUNE_FAIL;
	FIX(r, "add rcutree.kthread_prio=99 to the kernel command line (above the isolated task's "
	       "priority: a boosted reader preempts it briefly, then the grace period ends)");
	BOOT(r, "rcutree.kthread_prio=99");
}

static void check_timer_migration(const struct ctx *c, struct tune_check *r)
{
	long v = rd_long(c, "/proc/sys/kernel/timer_migration", -1);
	int isolated = 1;

	if (v < 0) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "no /proc/sys/kernel/timer_migration");
		return;
	}
	EVIDENCE(r, "kernel.timer_migration = %ld", v);
	if (!v) {
		r->status = TUNE_PASS;
		return;
	}
	for_each_cpu(c, cpu)
		isolated &= sysfs_lists_cpu(c->sysroot, "nohz_full", cpu) ||
			    cmdline_lists_cpu(c->sysroot, "isolcpus", cpu);
	EVIDENCE(r, isolated ? " (the CPU is isolated, which keeps most migrated timers off it)"
			     : ": timers of idle CPUs may be pulled onto a busy CPU %s", c->list);
	r->status = isolated ? TUNE_WARN : TUNE_FAIL;
	FIX(r, "isolator apply sets 0 (sysctl kernel.timer_migration=0)");
}

static void check_watchdogs(const struct ctx *c, struct tune_check *r)
{
	long master = rd_long(c, "/proc/sys/kernel/watchdog", -1);
	long nmi = rd_long(c, "/proc/sys/kernel/nmi_watchdog", 0);
	long soft = rd_long(c, "/proc/sys/kernel/soft_watchdog", 0);
	char mask[256];
	struct isolator_cpuset set;
	int in_mask = 1;

	if (master < 0) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "no /proc/sys/kernel/watchdog (CONFIG_LOCKUP_DETECTOR off)");
		return;
	}
	if (rd(c, mask, sizeof(mask), "/proc/sys/kernel/watchdog_cpumask") > 0 &&
	    cpulist_parse(c->sysroot, mask, &set) == 0)
		in_mask = cpuset_intersects(&set, &c->cpus);
	else
		snprintf(mask, sizeof(mask), "all");
	EVIDENCE(r, "watchdog=%ld nmi_watchdog=%ld soft_watchdog=%ld watchdog_cpumask=%s", master,
		 nmi, soft, mask);
	nmi = master && nmi && in_mask;
	soft = master && soft && in_mask;
	r->status = nmi ? TUNE_FAIL : soft ? TUNE_WARN : TUNE_PASS;
	if (nmi)
		EVIDENCE(r, ": a perf NMI every watchdog_thresh seconds on CPU %s", c->list);
	else if (soft)
		EVIDENCE(r, ": an hrtimer and a stopper-thread wake-up every few seconds");
	if (nmi || soft) {
		FIX(r, "isolator apply removes CPU %s from kernel.watchdog_cpumask; at boot: "
		       "nowatchdog nmi_watchdog=0", c->list);
		BOOT(r, "nowatchdog nmi_watchdog=0");
	}
}

static void check_thp(const struct ctx *c, struct tune_check *r)
{
	char en[128], df[128], a[32], b[32];

	if (rd(c, en, sizeof(en), "/sys/kernel/mm/transparent_hugepage/enabled") <= 0) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "no /sys/kernel/mm/transparent_hugepage");
		return;
	}
	selected(en, a, sizeof(a));
	rd(c, df, sizeof(df), "/sys/kernel/mm/transparent_hugepage/defrag");
	selected(df, b, sizeof(b));
	EVIDENCE(r, "transparent_hugepage/enabled: %s, defrag: %s", a, *b ? b : "?");
	if (!strcmp(a, "never")) {
		r->status = TUNE_PASS;
		return;
	}
	r->status = !strcmp(a, "always") ? TUNE_FAIL : TUNE_WARN;
	EVIDENCE(r, r->status == TUNE_FAIL ? ": any fault may compact memory, and khugepaged scans"
					   : ": only regions that ask, but khugepaged still runs");
	FIX(r, "isolator apply sets never; at boot: transparent_hugepage=never");
	BOOT(r, "transparent_hugepage=never");
}

static void check_ksm(const struct ctx *c, struct tune_check *r)
{
	long run = rd_long(c, "/sys/kernel/mm/ksm/run", -1);
	long shared = rd_long(c, "/sys/kernel/mm/ksm/pages_shared", 0);

	if (run < 0) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "no /sys/kernel/mm/ksm (CONFIG_KSM off)");
		return;
	}
	EVIDENCE(r, "ksm/run = %ld, pages_shared = %ld", run, shared);
	if (run == 1) {
		r->status = TUNE_FAIL;
		EVIDENCE(r, ": ksmd merges pages, and a write to a merged page takes a copy-on-write fault");
		FIX(r, "echo 2 > /sys/kernel/mm/ksm/run (stop and unmerge)");
	} else if (shared > 0) {
		r->status = TUNE_WARN;
		EVIDENCE(r, ": stopped, but merged pages remain (copy-on-write faults on write)");
		FIX(r, "echo 2 > /sys/kernel/mm/ksm/run (unmerge)");
	} else {
		r->status = TUNE_PASS;
	}
}

static void check_workqueue(const struct ctx *c, struct tune_check *r)
{
	char dir[512], path[700], val[256], list[256];
	struct isolator_cpuset set;
	struct dirent *de;
	unsigned wide = 0;
	DIR *d;

	if (rd(c, val, sizeof(val), "/sys/devices/virtual/workqueue/cpumask") <= 0 ||
	    hexmask_parse(val, &set)) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "no /sys/devices/virtual/workqueue/cpumask");
		return;
	}
	isolator_cpuset_format(&set, list, sizeof(list));
	EVIDENCE(r, "workqueue/cpumask %s (CPUs %s)", val, list);
	if (cpuset_intersects(&set, &c->cpus)) {
		r->status = TUNE_FAIL;
		EVIDENCE(r, ": unbound kworkers may run on CPU %s", c->list);
		FIX(r, "isolator apply writes the mask without CPU %s", c->list);
		return;
	}
	/* per-workqueue masks (WQ_SYSFS ones like writeback) can be wider */
	if (!sysroot_path(dir, sizeof(dir), c->sysroot, "/sys/devices/virtual/workqueue") &&
	    (d = opendir(dir))) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/cpumask", dir, de->d_name);
			if (read_text(path, val, sizeof(val)) > 0 && hexmask_parse(val, &set) == 0 &&
			    cpuset_intersects(&set, &c->cpus)) {
				EVIDENCE(r, "%s%s/cpumask %s", wide++ ? ", " : "; but ", de->d_name, val);
			}
		}
		closedir(d);
	}
	r->status = wide ? TUNE_WARN : TUNE_PASS;
	if (wide)
		FIX(r, "write a mask without CPU %s to each listed workqueue's cpumask", c->list);
}

static void check_clocksource(const struct ctx *c, struct tune_check *r)
{
	char cur[64], avail[256], val[16];

	if (rd(c, cur, sizeof(cur), "/sys/devices/system/clocksource/clocksource0/current_clocksource") <= 0) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "no current_clocksource");
		return;
	}
	rd(c, avail, sizeof(avail), "/sys/devices/system/clocksource/clocksource0/available_clocksource");
	EVIDENCE(r, "clocksource %s (available: %s)", cur, avail);
	if (!strcmp(cur, "tsc")) {
		if (cmdline_param(c->sysroot, "tsc", val, sizeof(val)) && !strcmp(val, "reliable")) {
			EVIDENCE(r, "; tsc=reliable");
			r->status = TUNE_PASS;
			return;
		}
		EVIDENCE(r, "; no tsc=reliable: the clocksource watchdog checks the TSC every 0.5 s");
		r->status = TUNE_WARN;
		FIX(r, "if the TSC is invariant (constant_tsc nonstop_tsc), boot with tsc=reliable");
		BOOT(r, "tsc=reliable");
		return;
	}
	if (!strcmp(cur, "arch_sys_counter") || !strcmp(cur, "riscv_clocksource")) {
		r->status = TUNE_PASS; /* the architected counter: read in user space */
		return;
	}
	if (!strcmp(cur, "hpet") || !strcmp(cur, "acpi_pm") || !strcmp(cur, "jiffies") ||
	    !strcmp(cur, "pit")) {
		r->status = TUNE_FAIL;
		EVIDENCE(r, ": every clock read is a slow device access (microseconds)");
	} else {
		r->status = TUNE_WARN;
		EVIDENCE(r, ": a paravirtual clock, not the TSC");
	}
	FIX(r, "%s", strstr(avail, "tsc") ? "echo tsc > .../clocksource0/current_clocksource, or boot with clocksource=tsc tsc=reliable"
					  : "use hardware with an invariant TSC");
	if (strstr(avail, "tsc"))
		BOOT(r, "clocksource=tsc tsc=reliable");
}

static void check_smi(const struct ctx *c, struct tune_check *r)
{
	char path[512], up[64];
	double uptime = 0;

	r->status = TUNE_SKIP;
	if (rd(c, up, sizeof(up), "/proc/uptime") > 0)
		uptime = strtod(up, NULL);
	for_each_cpu(c, cpu) {
		uint64_t count;
		int fd;

		if (sysroot_path(path, sizeof(path), c->sysroot, "/dev/cpu/%u/msr", cpu))
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || pread(fd, &count, sizeof(count), 0x34) != (ssize_t)sizeof(count)) {
			EVIDENCE(r, "%sCPU %u: cannot read MSR 0x34 from /dev/cpu/%u/msr (%s)",
				 *r->evidence ? "; " : "", cpu, cpu, strerror(errno));
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		count &= 0xffffffffu; /* MSR_SMI_COUNT: bits 31:0 */
		EVIDENCE(r, "%sCPU %u: %llu SMIs in %.0f s since boot", *r->evidence ? "; " : "", cpu,
			 (unsigned long long)count, uptime);
		if (!count)
			worsen(r, TUNE_PASS);
		else if (uptime > 0 && count / uptime * 60 > 1)
			worsen(r, TUNE_FAIL); /* more than one a minute */
		else
			worsen(r, TUNE_WARN);
	}
	if (r->status == TUNE_SKIP)
		FIX(r, "modprobe msr (Intel CPUs; a VM rarely exposes it)");
	else if (r->status != TUNE_PASS)
		FIX(r, "SMIs are firmware's: disable legacy USB emulation and firmware power "
		       "management in the BIOS; no kernel setting stops them");
}

/* The CPUs task @pid may run on (Cpus_allowed_list of /proc/PID/status),
 * and the list as written into @text if given. Return: 0 or -1. */
static int task_cpus(const struct ctx *c, const char *pid, struct isolator_cpuset *set,
		     char *text, size_t len)
{
	char buf[4096], *q;

	if (rd(c, buf, sizeof(buf), "/proc/%s/status", pid) <= 0 ||
	    !(q = strstr(buf, "Cpus_allowed_list:")))
		return -1;
	q += strlen("Cpus_allowed_list:");
	while (*q == ' ' || *q == '\t')
		q++;
	*strchrnul(q, '\n') = '\0';
	if (text)
		snprintf(text, len, "%s", q);
	return cpulist_parse(c->sysroot, q, set) ? -1 : 0;
}

static void check_kthreads(const struct ctx *c, struct tune_check *r)
{
	char dir[512], path[700], buf[2048], names[256] = "", *p;
	unsigned bound = 0, unbound = 0, ran = 0;
	struct dirent *de;
	DIR *d;

	if (sysroot_path(dir, sizeof(dir), c->sysroot, "/proc") || !(d = opendir(dir))) {
		r->status = TUNE_SKIP;
		EVIDENCE(r, "cannot list /proc");
		return;
	}
	while ((de = readdir(d))) {
		struct isolator_cpuset allowed;
		unsigned long flags = 0;
		int last = -1;
		char comm[64], *q;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/stat", dir, de->d_name);
		if (read_text(path, buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')))
			continue;
		q = strchr(buf, '(');
		snprintf(comm, sizeof(comm), "%.*s", q ? (int)(p - q - 1) : 1, q ? q + 1 : "?");
		/* fields after comm: 3 state ... 9 flags ... 39 processor */
		if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1 || !(flags & 0x00200000))
			continue; /* not PF_KTHREAD */
		{
			char *f = p + 2;

			for (int field = 3; field < 39 && f; field++) {
				f = strchr(f, ' ');
				if (f)
					f++;
			}
			if (f)
				last = atoi(f);
		}
		if (task_cpus(c, de->d_name, &allowed, NULL, 0) < 0 ||
		    !cpuset_intersects(&allowed, &c->cpus))
			continue;
		if (isolator_cpuset_count(&allowed) == 1) {
			bound++; /* per-CPU: ksoftirqd, migration, cpuhp, kworker/N: */
			continue;
		}
		unbound++;
		if (last >= 0 && isolator_cpuset_has(&c->cpus, (unsigned)last)) {
			ran++;
			if (ran <= 6)
				text_appendf(names, sizeof(names), "%s%s", ran > 1 ? ", " : "", comm);
		}
	}
	closedir(d);
	EVIDENCE(r, "%u per-CPU kernel threads bound to CPU %s; %u unbound ones allowed there",
		 bound, c->list, unbound);
	if (ran)
		EVIDENCE(r, ", %u last ran there (%s)", ran, names);
	r->status = ran ? TUNE_FAIL : unbound ? TUNE_WARN : TUNE_PASS;
	if (unbound)
		FIX(r, "isolcpus=domain keeps unbound kernel threads on the housekeeping CPUs; at "
		       "run time: taskset -pc HOUSEKEEPING PID for those that allow it");
}

static void check_isolator_kernel(const struct ctx *c, struct tune_check *r)
{
	char buf[64], path[512];
	int control, stats;

	if (sysroot_path(path, sizeof(path), c->sysroot, "/proc/isolator") || access(path, F_OK)) {
		r->status = TUNE_WARN;
		EVIDENCE(r, "no /proc/isolator: the stock backend will be used, and the tick, "
			    "IPIs and RCU stay on the CPU");
		FIX(r, "boot the isolator kernel (kernel/build.sh; 'make kernel') for the "
		       "sub-microsecond path");
		return;
	}
	control = !sysroot_path(path, sizeof(path), c->sysroot, "/proc/isolator/control") &&
		  !access(path, F_OK);
	stats = rd(c, buf, sizeof(buf), "/proc/isolator/stats") >= 0;
	EVIDENCE(r, "/proc/isolator present; control %s, stats %s", control ? "present" : "MISSING",
		 stats ? "readable" : "UNREADABLE");
	r->status = control && stats ? TUNE_PASS : TUNE_FAIL;
	if (r->status == TUNE_FAIL)
		FIX(r, "the extension is incomplete or of another version: rebuild the kernel "
		       "from kernel/ and reboot");
}

/* --- what tuned's cpu-partitioning and realtime profiles set -------------- */

/* The value of NAME= in a shell-style settings file (/etc/default/irqbalance),
 * quotes removed; 1 if set (and not commented out), 0 if not. */
static int conf_value(const struct ctx *c, const char *file, const char *name, char *out,
		      size_t len)
{
	char buf[8192], *line, *save = NULL;
	size_t n = strlen(name);
	int found = 0;

	if (rd(c, buf, sizeof(buf), "%s", file) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v;

		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, name, n) || line[n] != '=')
			continue;
		v = line + n + 1;
		if (*v == '"' || *v == '\'') {
			char q = *v++, *e = strchr(v, q);

			if (e)
				*e = '\0';
		}
		snprintf(out, len, "%s", v);
		found = 1; /* the last assignment wins, as in the shell */
	}
	return found;
}

static void check_numa_balancing(const struct ctx *c, struct tune_check *r)
{
	long v = rd_long(c, "/proc/sys/kernel/numa_balancing", -1);
	char path[512];
	int nodes = 0;

	if (v < 0) {
		EVIDENCE(r, "no /proc/sys/kernel/numa_balancing (CONFIG_NUMA_BALANCING off)");
		return;
	}
	for (int node = 0; node < 64; node++)
		if (!sysroot_path(path, sizeof(path), c->sysroot, "/sys/devices/system/node/node%d",
				  node) && !access(path, F_OK))
			nodes++;
	EVIDENCE(r, "kernel.numa_balancing=%ld, %d NUMA node%s", v, nodes, nodes == 1 ? "" : "s");
	if (!v) {
		r->status = TUNE_PASS;
		return;
	}
	/* balancing unmaps pages to sample accesses: the isolated loop takes
	 * NUMA hinting page faults and its pages migrate under it */
	r->status = nodes > 1 ? TUNE_FAIL : TUNE_WARN;
	EVIDENCE(r, nodes > 1 ? ": hinting page faults and page migration on the isolated loop"
			       : ": nothing to balance on one node, but it scans when a node appears");
	FIX(r, "isolator apply sets 0 (sysctl kernel.numa_balancing=0; tuned's cpu-partitioning "
	       "and realtime profiles set it, through network-latency)");
}

static void check_stat_interval(const struct ctx *c, struct tune_check *r)
{
	long v = rd_long(c, "/proc/sys/vm/stat_interval", -1);

	if (v < 0) {
		EVIDENCE(r, "no /proc/sys/vm/stat_interval");
		return;
	}
	EVIDENCE(r, "vm.stat_interval=%ld s", v);
	/* vmstat_update folds per-CPU counters from a per-CPU work item every
	 * interval; nohz_full CPUs are skipped only once their counters are quiet */
	r->status = v >= TUNE_STAT_INTERVAL_S ? TUNE_PASS : v > 1 ? TUNE_WARN : TUNE_FAIL;
	if (r->status != TUNE_PASS) {
		EVIDENCE(r, ": the vmstat work item may run on CPU %s every %ld s", c->list, v);
		FIX(r, "isolator apply sets 10 (sysctl vm.stat_interval=10, as tuned's cpu-partitioning "
		       "and realtime profiles)");
	}
}

static void check_skew_tick(const struct ctx *c, struct tune_check *r)
{
	char val[64];
	int nohz = 1;

	for_each_cpu(c, cpu)
		nohz &= cmdline_lists_cpu(c->sysroot, "nohz_full", cpu);
	if (cmdline_param(c->sysroot, "skew_tick", val, sizeof(val)) && strcmp(val, "0")) {
		EVIDENCE(r, "skew_tick=%s on the command line", val);
		r->status = TUNE_PASS;
		return;
	}
	EVIDENCE(r, "no skew_tick=1 on the command line: every CPU's tick fires at the same "
		    "instant and they contend for the jiffies and timekeeping locks%s",
		 nohz ? " (the CPU is nohz_full: its tick runs only when it cannot stop)" : "");
	r->status = nohz ? TUNE_WARN : TUNE_FAIL;
	FIX(r, "add skew_tick=1 to the kernel command line (tuned's realtime and "
	       "cpu-partitioning profiles do)");
	BOOT(r, "skew_tick=1");
}

static void check_nosoftlockup(const struct ctx *c, struct tune_check *r)
{
	long master = rd_long(c, "/proc/sys/kernel/watchdog", -1);
	long soft = rd_long(c, "/proc/sys/kernel/soft_watchdog", -1);
	char val[64], mask[256];
	struct isolator_cpuset set;

	if (cmdline_param(c->sysroot, "nosoftlockup", val, sizeof(val))) {
		EVIDENCE(r, "nosoftlockup on the command line");
		r->status = TUNE_PASS;
		return;
	}
	EVIDENCE(r, "no nosoftlockup on the command line; kernel.watchdog=%ld soft_watchdog=%ld",
		 master, soft);
	if (master == 0 || soft == 0) {
		EVIDENCE(r, ": the soft-lockup detector is off at run time");
		r->status = TUNE_PASS;
		return;
	}
	if (master < 0 && soft < 0) {
		EVIDENCE(r, " (no lockup detector in this kernel)");
		r->status = TUNE_PASS;
		return;
	}
	/* the detector's hrtimer and its stopper work run on every CPU of
	 * watchdog_cpumask, every watchdog_thresh * 2 / 5 seconds */
	if (rd(c, mask, sizeof(mask), "/proc/sys/kernel/watchdog_cpumask") > 0 &&
	    cpulist_parse(c->sysroot, mask, &set) == 0 && !cpuset_intersects(&set, &c->cpus)) {
		EVIDENCE(r, "; watchdog_cpumask=%s leaves CPU %s out until the next boot", mask,
			 c->list);
		r->status = TUNE_WARN;
	} else {
		EVIDENCE(r, ": its hrtimer and stopper-thread wake-up run on CPU %s", c->list);
		r->status = TUNE_FAIL;
	}
	FIX(r, "add nosoftlockup to the kernel command line (tuned's cpu-partitioning and "
	       "realtime profiles do); isolator apply narrows watchdog_cpumask until then");
	BOOT(r, "nosoftlockup");
}

static void check_hung_task(const struct ctx *c, struct tune_check *r)
{
	long v = rd_long(c, "/proc/sys/kernel/hung_task_timeout_secs", -1);

	if (v < 0) {
		EVIDENCE(r, "no /proc/sys/kernel/hung_task_timeout_secs (CONFIG_DETECT_HUNG_TASK off)");
		return;
	}
	EVIDENCE(r, "kernel.hung_task_timeout_secs=%ld", v);
	/* work held for an isolated CPU until its next isolator_tick() keeps its
	 * sender waiting (kernel/README.md): a short timeout reports it hung */
	r->status = v == 0 || v >= TUNE_HUNG_TASK_TIMEOUT_S ? TUNE_PASS : v >= 120 ? TUNE_WARN : TUNE_FAIL;
	if (r->status == TUNE_PASS)
		return;
	EVIDENCE(r, ": a task waiting %ld s on work held for the isolated CPU is reported hung "
		    "(with a stack dump, or a panic with hung_task_panic)", v);
	FIX(r, "isolator apply sets 600 (sysctl kernel.hung_task_timeout_secs=600, as tuned's "
	       "cpu-partitioning and realtime profiles); "
	       "tick the isolated loop well within it");
}

static void check_irqbalance(const struct ctx *c, struct tune_check *r)
{
	static const char *const files[] = { "/etc/default/irqbalance", "/etc/sysconfig/irqbalance" };
	char dir[512], path[700], comm[64], val[512] = "", file[64] = "";
	struct isolator_cpuset banned = { 0 }, sys;
	int running = 0, covered = 1;
	struct dirent *de;
	DIR *d;

	if (!sysroot_path(dir, sizeof(dir), c->sysroot, "/proc") && (d = opendir(dir))) {
		while ((de = readdir(d)) && !running) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name);
			running = read_text(path, comm, sizeof(comm)) > 0 && !strcmp(comm, "irqbalance");
		}
		closedir(d);
	}
	/* what irqbalance bans: IRQBALANCE_BANNED_CPULIST (1.8) or the older
	 * hex IRQBALANCE_BANNED_CPUS, plus the isolated and nohz_full CPUs it
	 * leaves alone by itself */
	for (size_t i = 0; i < ARRAY_SIZE(files) && !file[0]; i++) {
		struct isolator_cpuset set;

		if (conf_value(c, files[i], "IRQBALANCE_BANNED_CPULIST", val, sizeof(val)) &&
		    !cpulist_parse(c->sysroot, val, &set)) {
			snprintf(file, sizeof(file), "%s: IRQBALANCE_BANNED_CPULIST", files[i]);
			banned = set;
		} else if (conf_value(c, files[i], "IRQBALANCE_BANNED_CPUS", val, sizeof(val)) &&
			   !hexmask_parse(val, &set)) {
			snprintf(file, sizeof(file), "%s: IRQBALANCE_BANNED_CPUS", files[i]);
			banned = set;
		}
	}
	for (size_t i = 0; i < 2; i++) {
		char buf[1024];

		if (rd(c, buf, sizeof(buf), "/sys/devices/system/cpu/%s",
		       i ? "nohz_full" : "isolated") > 0 && !cpulist_parse(c->sysroot, buf, &sys))
			for (size_t k = 0; k < ARRAY_SIZE(banned.bits); k++)
				banned.bits[k] |= sys.bits[k];
	}
	for_each_cpu(c, cpu)
		covered &= isolator_cpuset_has(&banned, cpu);
	EVIDENCE(r, "irqbalance %s; ", running ? "running" : "not running");
	if (file[0])
		EVIDENCE(r, "%s=%s", file, val);
	else
		EVIDENCE(r, "no banned CPUs configured");
	if (covered) {
		EVIDENCE(r, "; CPU %s banned (configured, isolated or nohz_full)", c->list);
		r->status = TUNE_PASS;
		return;
	}
	r->status = running ? TUNE_FAIL : TUNE_WARN;
	EVIDENCE(r, running ? ": it moves IRQs back onto CPU %s every 10 s"
			    : ": started, it would move IRQs onto CPU %s", c->list);
	FIX(r, "IRQBALANCE_BANNED_CPULIST=%s in /etc/default/irqbalance, then restart irqbalance "
	       "(tuned's cpu-partitioning sets banned_cpus; isolator-apply.service stops it)",
	    c->list);
}

static void check_systemd_affinity(const struct ctx *c, struct tune_check *r)
{
	char buf[4096], val[512] = "", others[256];
	struct isolator_cpuset pid1, conf;
	int have_pid1 = 0, have_conf;

	isolator_cpuset_format(&c->others, others, sizeof(others));
	have_pid1 = task_cpus(c, "1", &pid1, buf, sizeof(buf)) == 0;
	if (have_pid1)
		EVIDENCE(r, "PID 1 may run on CPUs %s", buf);
	have_conf = conf_value(c, "/etc/systemd/system.conf", "CPUAffinity", val, sizeof(val));
	/* systemd takes a space- or comma-separated list of CPUs and ranges */
	for (char *s = val; *s; s++)
		if (*s == ' ')
			*s = ',';
	have_conf = have_conf && val[0] && !cpulist_parse(c->sysroot, val, &conf);
	EVIDENCE(r, "%s/etc/systemd/system.conf: %s%s", r->evidence[0] ? "; " : "",
		 have_conf ? "CPUAffinity=" : "no CPUAffinity", have_conf ? val : "");
	if (!have_pid1) {
		r->status = TUNE_SKIP;
		return;
	}
	if (!cpuset_intersects(&pid1, &c->cpus)) {
		EVIDENCE(r, ": services start off CPU %s", c->list);
		r->status = TUNE_PASS;
		return;
	}
	/* configured but not yet in force: systemd reads it at boot (or daemon-reexec) */
	r->status = have_conf && !cpuset_intersects(&conf, &c->cpus) ? TUNE_WARN : TUNE_FAIL;
	EVIDENCE(r, r->status == TUNE_WARN ? ": not in force until reboot"
					   : ": every service and its threads may run on CPU %s",
		 c->list);
	FIX(r, "CPUAffinity=%s in /etc/systemd/system.conf, then reboot (tuned's "
	       "cpu-partitioning sets it; isolator never edits it)", others);
}

/* --- the table ------------------------------------------------------------- */

static const struct {
	const char *id, *title;
	void (*fn)(const struct ctx *c, struct tune_check *r);
} items[] = {
	{ "preempt_rt", "PREEMPT_RT kernel", check_preempt_rt },
	{ "isolcpus", "isolcpus= boot parameter", check_isolcpus },
	{ "nohz_full", "nohz_full= boot parameter", check_nohz_full },
	{ "rcu_nocbs", "rcu_nocbs= boot parameter", check_rcu_nocbs },
	{ "irqaffinity", "irqaffinity= boot parameter", check_irqaffinity },
	{ "irq_affinity", "IRQs that may hit the CPU", check_irq_affinity },
	{ "cpufreq_governor", "frequency governor", check_governor },
	{ "cstates", "idle states (C-states)", check_cstates },
	{ "cpu_dma_latency", "/dev/cpu_dma_latency holder", check_dma_latency },
	{ "smt_sibling", "busy SMT sibling", check_smt },
	{ "rt_throttling", "RT throttling", check_rt_throttling },
	{ "rcu_boost", "RCU priority boosting", check_rcu_boost },
	{ "timer_migration", "timer migration", check_timer_migration },
	{ "watchdogs", "NMI and soft-lockup watchdogs", check_watchdogs },
	{ "thp", "transparent huge pages", check_thp },
	{ "ksm", "kernel same-page merging", check_ksm },
	{ "workqueue_cpumask", "workqueue CPU mask", check_workqueue },
	{ "clocksource", "clocksource", check_clocksource },
	{ "smi", "SMI count (MSR 0x34)", check_smi },
	{ "kthreads", "kernel threads on the CPU", check_kthreads },
	{ "isolator_kernel", "isolator kernel extension", check_isolator_kernel },
	/* what tuned's cpu-partitioning and realtime profiles also set */
	{ "numa_balancing", "automatic NUMA balancing", check_numa_balancing },
	{ "vm_stat_interval", "vmstat update interval", check_stat_interval },
	{ "skew_tick", "skew_tick= boot parameter", check_skew_tick },
	{ "nosoftlockup", "nosoftlockup boot parameter", check_nosoftlockup },
	{ "hung_task_timeout", "hung-task timeout", check_hung_task },
	{ "irqbalance", "irqbalance's banned CPUs", check_irqbalance },
	{ "systemd_affinity", "systemd CPUAffinity=", check_systemd_affinity },
};

int tune_check_run(const char *sysroot, const struct isolator_cpuset *cpus,
		   struct tune_check **checks, size_t *count)
{
	struct tune_check *out;
	struct ctx c = { .sysroot = sysroot, .cpus = *cpus };
	int err;

	*checks = NULL;
	*count = 0;
	if (!isolator_cpuset_count(cpus))
		return set_error(EINVAL, "no CPU to check");
	err = isolator_cpus_online(sysroot, &c.online);
	if (err)
		return err;
	c.others = c.online;
	for (size_t i = 0; i < ARRAY_SIZE(c.others.bits); i++)
		c.others.bits[i] &= ~cpus->bits[i];
	isolator_cpuset_format(cpus, c.list, sizeof(c.list));
	out = calloc(ARRAY_SIZE(items), sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
		out[i].id = items[i].id;
		out[i].title = items[i].title;
		out[i].status = TUNE_SKIP;
		items[i].fn(&c, &out[i]);
	}
	*checks = out;
	*count = ARRAY_SIZE(items);
	return 0;
}

const struct tune_check *tune_check_find(const struct tune_check *checks, size_t count,
					 const char *id)
{
	for (size_t i = 0; i < count; i++)
		if (!strcmp(checks[i].id, id))
			return &checks[i];
	return NULL;
}

size_t tune_boot_cmdline(const struct tune_check *checks, size_t count, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < count; i++)
		if ((checks[i].status == TUNE_WARN || checks[i].status == TUNE_FAIL) && checks[i].boot[0])
			text_appendf(buf, len, "%s%s", buf[0] ? " " : "", checks[i].boot);
	return strlen(buf);
}
