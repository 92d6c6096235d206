// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --gpio CHIP:IN,OUT: the input and output registers as GPIO lines, through
 * libgpiod (Debian 12 ships libgpiod 1.6, the v1 API). The responder reads
 * IN with gpiod_line_get_value(), a system call: this is the path a user of
 * libgpiod takes, and it costs microseconds where the paper polls the
 * register directly (see --mmio). Wake mode waits for an edge event, the
 * kernel's interrupt path.
 *
 * The stimulus side needs something that drives IN and watches OUT. On
 * gpio-sim (the kernel's GPIO simulator, configured through configfs) the
 * chip's sysfs directory has sim_gpioN/pull (drive an input) and
 * sim_gpioN/value (see an output): those are used when present. On a real
 * board there is a signal generator and an oscilloscope instead: use
 * --external.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/util.h"
#include "suite.h"

#ifdef HAVE_GPIOD
#include <gpiod.h>

struct gpio {
	struct gpiod_chip *chip;
	struct gpiod_line *in, *out;
	int pull_fd, value_fd;      /* gpio-sim attributes of IN and OUT, or -1 */
};

static unsigned gpio_read_in(void *priv)
{
	struct gpio *g = priv;

	return gpiod_line_get_value(g->in) > 0;
}

static void gpio_write_out(void *priv, unsigned v)
{
	struct gpio *g = priv;

	gpiod_line_set_value(g->out, (int)v);
}

static int gpio_wait_in(void *priv, unsigned last, uint64_t timeout_ns)
{
	struct gpio *g = priv;
	struct timespec ts = { (time_t)(timeout_ns / 1000000000ull), (long)(timeout_ns % 1000000000ull) };
	struct gpiod_line_event ev[16];

	if (gpio_read_in(priv) != last)
		return 1;
	if (gpiod_line_event_wait(g->in, &ts) != 1)
		return 0;
	/* drain: edges queued while the responder polled are not news */
	gpiod_line_event_read_multiple(g->in, ev, 16);
	return 1;
}

static void gpio_drive_in(void *priv, unsigned v)
{
	struct gpio *g = priv;
	const char *s = v ? "pull-up" : "pull-down";

	if (pwrite(g->pull_fd, s, strlen(s), 0) < 0)
		return;
}

static unsigned gpio_watch_out(void *priv)
{
	struct gpio *g = priv;
	char c = '0';

	if (pread(g->value_fd, &c, 1, 0) < 1)
		return 0;
	return c == '1';
}

static void gpio_close(void *priv)
{
	struct gpio *g = priv;

	if (g->pull_fd >= 0)
		close(g->pull_fd);
	if (g->value_fd >= 0)
		close(g->value_fd);
	gpiod_chip_close(g->chip); /* releases the lines */
	free(g);
}

/* gpio-sim attribute @attr of line @offset of @chip, opened, or -1. */
static int sim_attr(struct gpiod_chip *chip, unsigned offset, const char *attr, int flags)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/gpio/devices/%s/sim_gpio%u/%s",
		 gpiod_chip_name(chip), offset, attr);
	return open(path, flags | O_CLOEXEC);
}

int bench_gpio_open(struct bench_io *io, const char *spec, int output_only)
{
	char chipname[128];
	const char *colon = strchr(spec, ':');
	unsigned long in = 0, out, bad;
	struct gpio *g;
	char *end = NULL;
	size_t n;

	if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(chipname))
		return fail("--gpio '%s': want CHIP:IN,OUT (e.g. gpiochip0:0,1)", spec), -1;
	memcpy(chipname, spec, (size_t)(colon - spec));
	chipname[colon - spec] = '\0';
	/* line offsets by the rule of every number (util.h): decimal digits */
	n = number_span(colon + 1, 0);
	out = n ? strtoul(colon + 1, &end, 10) : 0;
	if (n && *end == ',') {
		in = out;
		n = number_span(end + 1, 0);
		out = n ? strtoul(end + 1, &end, 10) : 0;
	} else if (n && !output_only) {
		return fail("--gpio '%s': want CHIP:IN,OUT (two line offsets)", spec), -1;
	}
	if (!n || *end || in > 1023 || out > 1023 || (!output_only && in == out))
		return fail("--gpio '%s': want CHIP:IN,OUT with two different line offsets", spec), -1;
	g = calloc(1, sizeof(*g));
	if (!g)
		return fail("--gpio: out of memory"), -1;
	g->pull_fd = g->value_fd = -1;
	g->chip = gpiod_chip_open_lookup(chipname);
	if (!g->chip) {
		free(g);
		return fail("--gpio '%s': cannot open GPIO chip '%s': %s", spec, chipname,
			    strerror(errno)), -1;
	}
	bad = out;
	g->out = gpiod_chip_get_line(g->chip, (unsigned)out);
	if (!g->out || gpiod_line_request_output(g->out, "isolator-bench", 0) < 0)
		goto bad_line;
	if (!output_only) {
		bad = in;
		g->in = gpiod_chip_get_line(g->chip, (unsigned)in);
		if (!g->in || gpiod_line_request_both_edges_events(g->in, "isolator-bench") < 0)
			goto bad_line;
		g->pull_fd = sim_attr(g->chip, (unsigned)in, "pull", O_WRONLY);
		g->value_fd = sim_attr(g->chip, (unsigned)out, "value", O_RDONLY);
	}
	memset(io, 0, sizeof(*io));
	io->kind = "gpio";
	if (output_only)
		snprintf(io->desc, sizeof(io->desc), "gpio %s line %lu (libgpiod)", gpiod_chip_name(g->chip), out);
	else
		snprintf(io->desc, sizeof(io->desc), "gpio %s in %lu out %lu (libgpiod%s)",
			 gpiod_chip_name(g->chip), in, out,
			 g->pull_fd >= 0 && g->value_fd >= 0 ? ", driven through gpio-sim" : "");
	io->can_stimulate = g->pull_fd >= 0 && g->value_fd >= 0;
	io->can_wait = 1;
	io->priv = g;
	io->read_in = gpio_read_in;
	io->write_out = gpio_write_out;
	io->wait_in = gpio_wait_in;
	io->drive_in = gpio_drive_in;
	io->watch_out = gpio_watch_out;
	io->close = gpio_close;
	return 0;
bad_line:
	fail("--gpio '%s': cannot request line %lu of %s: %s", spec, bad, gpiod_chip_name(g->chip),
	     strerror(errno));
	gpiod_chip_close(g->chip);
	free(g);
	return -1;
}

#else /* !HAVE_GPIOD */

int bench_gpio_open(struct bench_io *io, const char *spec, int output_only)
{
	(void)io;
	(void)output_only;
	return fail("--gpio '%s': built without libgpiod (scripts/deps.sh bench, then rebuild)", spec), -1;
}

#endif
