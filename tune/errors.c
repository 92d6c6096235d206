// SPDX-License-Identifier: LGPL-2.1-or-later
/* One thread-local message per thread: the "why" behind a negative errno;
 * and the appender that messages and evidence are built with. */
#include <stdio.h>
#include <string.h>

#include "tune.h"

static _Thread_local char errmsg[256];

int set_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return -err;
}

void clear_error(void)
{
	errmsg[0] = '\0';
}

void text_appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strnlen(buf, len);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

ISOLATOR_API const char *isolator_errmsg(void)
{
	return errmsg;
}

ISOLATOR_API const char *isolator_version(void)
{
	return ISOLATOR_VERSION_STRING;
}
