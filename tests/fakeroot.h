/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Build a writable fake /proc and /sys tree in a temporary directory. */
#ifndef ISOLATOR_FAKEROOT_H
#define ISOLATOR_FAKEROOT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void fake_mkdirs(const char *path)
{
	char tmp[1024];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

/* Write @text to <root>/<rel>, creating directories. */
static inline void fake_write(const char *root, const char *rel, const char *text)
{
	char path[1024], dir[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	fake_mkdirs(dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static inline char *fake_read(const char *root, const char *rel)
{
	static char buf[4096];
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

/* A fresh root: 4 online CPUs, four IRQs with varied affinities. */
static inline char *fake_root_new(void)
{
	static char root[256];

	snprintf(root, sizeof(root), "/tmp/isolator-test-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(2);
	}
	fake_write(root, "sys/devices/system/cpu/online", "0-3\n");
	fake_write(root, "proc/irq/10/smp_affinity_list", "0-3\n");
	fake_write(root, "proc/irq/11/smp_affinity_list", "3\n");
	fake_write(root, "proc/irq/12/smp_affinity_list", "0-1\n");
	fake_write(root, "proc/irq/13/smp_affinity_list", "2-3\n");
	fake_write(root, "proc/irq/default_smp_affinity", "f\n");
	fake_write(root, "dev/cpu_dma_latency", "");
	return root;
}

static inline void fake_root_free(const char *root)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
}

#endif
