// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `isolator-bench vm-tests`: the in-guest tests of `isolator bench`, run by
 * vm/init (suite "bench", see bench/vm/vm-suite.sh): the gpio path on
 * gpio-sim, the mmio path on QEMU's ivshmem-plain BAR (whose input the host
 * drives with bench/vm/ivshmem-host), noise, and `isolator check`. No shell in the guest: each
 * bench run is a forked child calling the subcommand with its output in a
 * file, which the checks then read. Prints "# ..." and "ok - ..." lines.
 * Functional checks only: under TCG the numbers say nothing about latency.
 * The same-run ratios (response's poll, wake and floor; the channel round
 * trip from the isolated CPU and between two housekeeping CPUs, each against
 * the raw cache-line floor of the same pair) are printed, never asserted;
 * their sample counts are exact and checked to be non-zero.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest-tests.h"

#define SIM "/sys/kernel/config/gpio-sim/isolator"

struct vm_tests {
	const char *cpu, *other;   /* the isolated CPU and the stimulus/control CPU */
	const char *external_s;    /* duration of the host-driven mmio run */
	int failures;
};

static void result(struct vm_tests *t, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(struct vm_tests *t, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	t->failures += !ok;
}

/* The whole of a small file, NUL-terminated, or "" (caller frees). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);
	size_t n = 0;

	if (f && buf)
		n = fread(buf, 1, (1 << 16) - 1, f);
	if (buf)
		buf[n] = '\0';
	if (f)
		fclose(f);
	return buf;
}

/* Print a file as "# " comment lines. */
static void show(const char *path)
{
	char *s = slurp(path), *line, *p;

	for (p = s; p && (line = strsep(&p, "\n"));)
		if (*line || p)
			printf("# %s\n", line);
	free(s);
	fflush(stdout);
}

static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Run `isolator-bench ARGS...` in a child with stdout in @out and stderr in
 * @err (NULL: both in @out). Returns its exit status.
 */
static int bench(bench_main_fn *run, const char *out, const char *err, ...)
{
	char *argv[32];
	int argc = 0, status;
	va_list ap;
	pid_t pid;

	va_start(ap, err);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int efd = err ? open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644) : fd;

		dup2(fd, 1);
		dup2(efd, 2);
		exit(run(argc, argv));
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The sample count of MODE in a bench JSON output, or -1. */
static long json_count(const char *path, const char *mode)
{
	char *s = slurp(path), key[64], *p;
	long n = -1;

	snprintf(key, sizeof(key), "\"mode\":\"%s\",\"count\":", mode);
	p = s ? strstr(s, key) : NULL;
	if (p)
		n = strtol(p + strlen(key), NULL, 10);
	free(s);
	return n;
}

/* The number after "FIELD": in the result object of MODE ("mode":"MODE"
 * first) in a bench JSON output, or -1. */
static double json_mode_field(const char *path, const char *mode, const char *field)
{
	char *s = slurp(path), key[64], *p;
	double v = -1;

	snprintf(key, sizeof(key), "\"mode\":\"%s\"", mode);
	p = s ? strstr(s, key) : NULL;
	snprintf(key, sizeof(key), "\"%s\":", field);
	p = p ? strstr(p, key) : NULL;
	if (p)
		v = strtod(p + strlen(key), NULL);
	free(s);
	return v;
}

static double ratio(double a, double b)
{
	return a > 0 && b > 0 ? a / b : 0;
}

static bool file_has(const char *path, const char *needle)
{
	char *s = slurp(path);
	bool yes = s && strstr(s, needle);

	free(s);
	return yes;
}

static void show_err(const char *path)
{
	struct stat st;

	if (!stat(path, &st) && st.st_size > 0)
		show(path);
}

static void gpio_tests(struct vm_tests *t, const struct bench_modes *m)
{
	char chip[64] = "", spec[80], *name;
	long poll, wake;
	int rc;

	if (mkdir(SIM, 0755) || mkdir(SIM "/bank0", 0755) || put(SIM "/bank0/num_lines", "4") ||
	    put(SIM "/live", "1")) {
		result(t, false, "gpio-sim: cannot create a simulated chip through configfs");
		return;
	}
	name = slurp(SIM "/bank0/chip_name");
	snprintf(chip, sizeof(chip), "%.*s", (int)strcspn(name, "\n"), name);
	free(name);
	result(t, true, "gpio-sim chip %s is live", chip);

	snprintf(spec, sizeof(spec), "%s:0,1", chip);
	rc = bench(m->response, "/tmp/gpio.json", "/tmp/err", "response", "--gpio", spec,
		   "--duration", "3", "--cpu", t->cpu, "--other-cpu", t->other, "--quiet",
		   "--json", NULL);
	show_err("/tmp/err");
	show("/tmp/gpio.json");
	result(t, rc == 0, "bench response --gpio %s runs", spec);
	poll = json_count("/tmp/gpio.json", "poll");
	wake = json_count("/tmp/gpio.json", "wake");
	result(t, poll > 0 && wake > 0, "gpio: poll (%ld) and wake (%ld) responses through gpio-sim",
	       poll, wake);
	result(t, file_has("/tmp/gpio.json", "driven through gpio-sim"),
	       "gpio: the stimulus drove the line through gpio-sim's pull attribute");

	snprintf(spec, sizeof(spec), "%s:2", chip);
	rc = bench(m->toggle, "/tmp/toggle.txt", NULL, "toggle", "--gpio", spec, "--duration", "2",
		   "--cpu", t->cpu, "--other-cpu", t->other, "--quiet", NULL);
	show("/tmp/toggle.txt");
	result(t, rc == 0, "bench toggle --gpio %s runs", spec);
	result(t, file_has("/tmp/toggle.txt", "output: gpio"),
	       "toggle: the isolated loop flipped the gpio line");
}

/* BAR2 of the ivshmem-plain device (1af4:1110) into @bar, or -ENODEV. */
static int find_ivshmem(char *bar, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int ret = -ENODEV;

	while (d && (e = readdir(d))) {
		char path[300], *vendor, *device;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		vendor = slurp(path);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		device = slurp(path);
		if (!strncmp(vendor, "0x1af4", 6) && !strncmp(device, "0x1110", 6)) {
			/*
			 * Nothing binds a driver to it. x86's firmware turned on
			 * its memory decoding; on arm64 virt the kernel assigned
			 * the BARs itself and left it off, so the BAR would read
			 * as nothing and drop writes (the host never saw an echo).
			 */
			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/enable", e->d_name);
			put(path, "1");
			snprintf(bar, len, "/sys/bus/pci/devices/%s/resource2", e->d_name);
			ret = access(bar, R_OK | W_OK) ? -errno : 0;
		}
		free(vendor);
		free(device);
	}
	if (d)
		closedir(d);
	return ret;
}

static void mmio_tests(struct vm_tests *t, const struct bench_modes *m)
{
	char bar[300], spec[340], *s, *p;
	long poll, n = 0;
	int rc;

	if (find_ivshmem(bar, sizeof(bar))) {
		result(t, false, "ivshmem-plain: no device 1af4:1110 with a BAR2 resource file");
		return;
	}
	result(t, true, "ivshmem-plain BAR2 found: %s", bar);
	snprintf(spec, sizeof(spec), "%s:0,64", bar);
	rc = bench(m->response, "/tmp/mmio.json", "/tmp/err", "response", "--mmio", spec,
		   "--duration", "3", "--cpu", t->cpu, "--other-cpu", t->other, "--quiet",
		   "--json", NULL);
	show_err("/tmp/err");
	show("/tmp/mmio.json");
	result(t, rc == 0, "bench response --mmio BAR2 runs");
	poll = json_count("/tmp/mmio.json", "poll");
	result(t, poll > 0, "mmio: %ld responses polled from the BAR with plain loads", poll);

	/* the host (bench/vm/ivshmem-host) toggles 0x100; we echo it to 0x140 */
	snprintf(spec, sizeof(spec), "%s:0x100,0x140", bar);
	rc = bench(m->response, "/tmp/ext.txt", NULL, "response", "--mmio", spec, "--external",
		   "--duration", t->external_s, "--cpu", t->cpu, "--other-cpu", t->other,
		   "--quiet", NULL);
	show("/tmp/ext.txt");
	s = slurp("/tmp/ext.txt");
	p = s ? strstr(s, "inputs answered: ") : NULL;
	if (p)
		n = strtol(p + strlen("inputs answered: "), NULL, 10);
	free(s);
	result(t, rc == 0 && n > 0, "mmio --external: answered %ld inputs driven from outside the guest",
	       n);
}

/*
 * Same-run ratios: `bench response` in memory (poll, wake and floor
 * interleaved in one run), and `bench ipc` round trips (our channel and the
 * raw floor) for two placements in turn: the isolated CPU with a
 * housekeeping one, and two housekeeping CPUs (the baseline).
 */
static void ratio_tests(struct vm_tests *t, const struct bench_modes *m)
{
	static const char *const modes[] = { "poll", "wake", "floor" };
	static const struct {
		const char *cpus, *what;
	} place[] = { { "3,2", "isolated CPU 3 <-> CPU 2" }, { "1,2", "housekeeping CPU 1 <-> CPU 2" } };
	double n[3], p50[3], shm[2], floor[2];
	char out[32];
	int rc;

	rc = bench(m->response, "/tmp/resp.json", "/tmp/err", "response", "--duration", "3",
		   "--cpu", t->cpu, "--other-cpu", t->other, "--quiet", "--json", NULL);
	show_err("/tmp/err");
	for (int i = 0; i < 3; i++) {
		n[i] = json_mode_field("/tmp/resp.json", modes[i], "count");
		p50[i] = json_mode_field("/tmp/resp.json", modes[i], "p50");
	}
	result(t, rc == 0 && n[0] > 0 && n[1] > 0 && n[2] > 0,
	       "response (memory, one run): %.0f poll, %.0f wake, %.0f floor responses", n[0], n[1],
	       n[2]);
	printf("# response, same run, p50 (ns): poll %.0f, wake %.0f, floor %.0f; poll/floor %.2f,"
	       " wake/poll %.2f (emulated time: reported, not asserted)\n",
	       p50[0], p50[1], p50[2], ratio(p50[0], p50[2]), ratio(p50[1], p50[0]));

	for (int i = 0; i < 2; i++) {
		snprintf(out, sizeof(out), "/tmp/ipc%d.json", i);
		rc = bench(m->ipc, out, "/tmp/err", "ipc", "--cpus", place[i].cpus, "--modes",
			   "shm,floor", "--duration", "2", "--rounds", "4", "--quiet", "--json", NULL);
		show_err("/tmp/err");
		n[0] = json_mode_field(out, "shm", "count");
		n[1] = json_mode_field(out, "floor", "count");
		shm[i] = json_mode_field(out, "shm", "p50");
		floor[i] = json_mode_field(out, "floor", "p50");
		result(t, rc == 0 && n[0] > 0 && n[1] > 0,
		       "ipc round trip, %s: %.0f channel, %.0f floor round trips", place[i].what, n[0],
		       n[1]);
		printf("# ipc %s, p50 (ns): channel %.0f, floor %.0f; channel/floor %.2f\n",
		       place[i].what, shm[i], floor[i], ratio(shm[i], floor[i]));
	}
	printf("# ipc, same run: channel p50 from the isolated CPU / between housekeeping CPUs %.2f;"
	       " floor %.2f (emulated time: reported, not asserted)\n",
	       ratio(shm[0], shm[1]), ratio(floor[0], floor[1]));
}

int bench_vm_tests(const struct bench_modes *m, int argc, char **argv)
{
	struct vm_tests t = { .cpu = "3", .other = "2", .external_s = "30" };
	bool gpio = true, mmio = true;
	int rc;

	/* vm-tests [--no-gpio] [--no-mmio] [--external-s N] */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-gpio"))
			gpio = false;
		else if (!strcmp(argv[i], "--no-mmio"))
			mmio = false;
		else if (!strcmp(argv[i], "--external-s") && i + 1 < argc)
			t.external_s = argv[++i];
	}
	if (gpio)
		gpio_tests(&t, m);
	else
		printf("# gpio: skipped (this build of isolator-bench has no libgpiod)\n");
	if (mmio)
		mmio_tests(&t, m);
	ratio_tests(&t, m);
	rc = bench(m->noise, "/tmp/noise.txt", NULL, "noise", "--duration", "2", "--cpu", t.cpu,
		   "--other-cpu", t.other, "--quiet", NULL);
	show("/tmp/noise.txt");
	result(&t, rc == 0, "bench noise runs on the isolated CPU");

	/* the audit: 0 clean, 2 findings (a test VM has some), 1 an error */
	rc = bench(m->check, "/tmp/check.txt", NULL, "check", "--cpu", t.cpu, NULL);
	show("/tmp/check.txt");
	result(&t, rc == 0 || rc == 2, "isolator check audits the guest (exit %d)", rc);
	return t.failures ? 1 : 0;
}
