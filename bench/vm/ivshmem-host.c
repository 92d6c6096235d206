// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host side of the ivshmem test: the "something outside the guest" that
 * drives the input register. Maps the file that backs QEMU's ivshmem-plain
 * device and toggles bit 0 of the word at IN every millisecond; the guest's
 * `isolator-bench response --mmio BAR2:IN,OUT --external` copies it to OUT.
 * Counts echoes until COUNT of them are seen or TIMEOUT seconds pass.
 *
 * usage: ivshmem-host FILE IN OUT COUNT TIMEOUT
 * Prints "ok - ..." or "not ok - ..." (TAP, numbered by bench/vm/run.sh).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: ivshmem-host FILE IN OUT COUNT TIMEOUT\n");
		return 2;
	}
	unsigned long in = strtoul(argv[2], NULL, 0), out = strtoul(argv[3], NULL, 0);
	long want = atol(argv[4]);
	double timeout = atof(argv[5]), start = now(), t0, best = 1e9, worst = 0;
	int fd = open(argv[1], O_RDWR);
	volatile uint32_t *in_reg, *out_reg;
	long seen = 0;
	unsigned v = 0;
	char *map;

	if (fd < 0 || !(map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ||
	    map == MAP_FAILED) {
		printf("not ok - ivshmem host: cannot map %s\n", argv[1]);
		return 1;
	}
	in_reg = (volatile uint32_t *)(map + in);
	out_reg = (volatile uint32_t *)(map + out);
	*in_reg = 0;
	while (seen < want && now() - start < timeout) {
		int stale;

		v ^= 1;
		/* an output that already holds v (the guest not up yet, or a
		 * late echo) proves nothing: only a change after our write counts */
		stale = (__atomic_load_n(out_reg, __ATOMIC_ACQUIRE) & 1) == v;
		t0 = now();
		__atomic_store_n(in_reg, v, __ATOMIC_RELEASE);
		while ((__atomic_load_n(out_reg, __ATOMIC_ACQUIRE) & 1) != v && now() - t0 < 0.1)
			;
		if (!stale && (*out_reg & 1) == v) {
			double dt = now() - t0;

			seen++;
			best = dt < best ? dt : best;
			worst = dt > worst ? dt : worst;
		}
		usleep(1000);
	}
	printf("# ivshmem host: %ld echoes in %.1f s; round trip through the emulated guest "
	       "%.1f .. %.1f us (TCG: not a latency measurement)\n",
	       seen, now() - start, seen ? best * 1e6 : 0, worst * 1e6);
	printf("%s - ivshmem: the guest's isolated responder echoed host-driven inputs (%ld/%ld)\n",
	       seen >= want ? "ok" : "not ok", seen, want);
	return seen >= want ? 0 : 1;
}
