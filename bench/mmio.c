// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --mmio FILE:IN[,OUT]: the input and output registers as 32-bit words of a
 * memory-mapped region, read and written with plain loads and stores, as the
 * paper polls the GPIO interrupt status register: no system call per read.
 *
 * FILE is one of:
 *   /dev/mem            IN and OUT are physical addresses;
 *   a PCI BAR resource file (/sys/bus/pci/devices/.../resource2, e.g. QEMU's
 *   ivshmem-plain shared memory) or a UIO map (/dev/uioN): byte offsets;
 *   any other file that can be mapped shared (a test stand-in).
 * Bit 0 of IN is the input; OUT receives 0 or 1. The stimulus of
 * `bench response` drives IN through the same mapping, from its own CPU, which
 * is what a device (or the host side of ivshmem) would do.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/util.h"
#include "suite.h"

struct mmio {
	int fd;
	void *map;
	size_t len;
	volatile uint32_t *in, *out;
};

static unsigned mmio_read_in(void *priv)
{
	struct mmio *m = priv;

	return *m->in & 1u;
}

static void mmio_write_out(void *priv, unsigned v)
{
	struct mmio *m = priv;

	*m->out = v;
}

static int mmio_wait_in(void *priv, unsigned last, uint64_t timeout_ns)
{
	(void)timeout_ns;
	return mmio_read_in(priv) != last;
}

static void mmio_drive_in(void *priv, unsigned v)
{
	struct mmio *m = priv;

	*m->in = v;
}

static unsigned mmio_watch_out(void *priv)
{
	struct mmio *m = priv;

	return *m->out & 1u;
}

static void mmio_close(void *priv)
{
	struct mmio *m = priv;

	munmap(m->map, m->len);
	close(m->fd);
	free(m);
}

/* An address or offset: 0x and hex digits, or decimal digits (the rule of
 * every number, util.h, with hex added because addresses are written so);
 * no blank, sign or octal. */
static int parse_addr(const char *s, char **end, uint64_t *v)
{
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	if (hex ? !isxdigit((unsigned char)s[2]) : !number_span(s, 0))
		return -1;
	errno = 0;
	*v = strtoull(s, end, hex ? 16 : 10);
	return errno ? -1 : 0;
}

int bench_mmio_open(struct bench_io *io, const char *spec, int output_only)
{
	const char *colon = strrchr(spec, ':');
	uint64_t in, out, lo, hi, page = (uint64_t)sysconf(_SC_PAGESIZE);
	char path[4096];
	struct mmio *m;
	struct stat st;
	char *end;

	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(path))
		return fail("--mmio '%s': want FILE:IN[,OUT] (e.g. /dev/mem:0xfe200034,0xfe20001c)", spec), -1;
	memcpy(path, spec, (size_t)(colon - spec));
	path[colon - spec] = '\0';
	if (parse_addr(colon + 1, &end, &in) < 0)
		return fail("--mmio '%s': IN is not an address or offset", spec), -1;
	out = in + 4;
	if (*end == ',' && parse_addr(end + 1, &end, &out) < 0)
		return fail("--mmio '%s': OUT is not an address or offset", spec), -1;
	if (*end)
		return fail("--mmio '%s': want FILE:IN[,OUT]", spec), -1;
	if (output_only)
		in = out;
	if ((in | out) & 3)
		return fail("--mmio '%s': registers must be 32-bit aligned", spec), -1;
	if (!output_only && (in == out))
		return fail("--mmio '%s': IN and OUT must differ", spec), -1;
	m = calloc(1, sizeof(*m));
	if (!m)
		return fail("--mmio: out of memory"), -1;
	m->fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (m->fd < 0) {
		free(m);
		return fail("--mmio '%s': cannot open %s: %s", spec, path, strerror(errno)), -1;
	}
	lo = (in < out ? in : out) & ~(page - 1);
	hi = (in > out ? in : out) + 4;
	if (fstat(m->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size < hi) {
		close(m->fd);
		free(m);
		return fail("--mmio '%s': offset past the end of %s (%lld bytes)", spec, path,
			    (long long)st.st_size), -1;
	}
	m->len = (size_t)((hi - lo + page - 1) & ~(page - 1));
	m->map = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, (off_t)lo);
	if (m->map == MAP_FAILED) {
		int err = errno;

		close(m->fd);
		free(m);
		return fail("--mmio '%s': cannot map %s at 0x%llx: %s", spec, path,
			    (unsigned long long)lo, strerror(err)), -1;
	}
	m->in = (volatile uint32_t *)((char *)m->map + (in - lo));
	m->out = (volatile uint32_t *)((char *)m->map + (out - lo));
	memset(io, 0, sizeof(*io));
	io->kind = "mmio";
	if (output_only)
		snprintf(io->desc, sizeof(io->desc), "mmio %s out 0x%llx", path, (unsigned long long)out);
	else
		snprintf(io->desc, sizeof(io->desc), "mmio %s in 0x%llx out 0x%llx", path,
			 (unsigned long long)in, (unsigned long long)out);
	io->can_stimulate = 1;
	io->can_wait = 0;
	io->priv = m;
	io->read_in = mmio_read_in;
	io->write_out = mmio_write_out;
	io->wait_in = mmio_wait_in;
	io->drive_in = mmio_drive_in;
	io->watch_out = mmio_watch_out;
	io->close = mmio_close;
	return 0;
}
