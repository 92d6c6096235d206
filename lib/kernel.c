// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel backend: the isolator kernel extension's /proc/isolator/control.
 * One line per write(2); the kernel's answer is the write's errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int kernel_available(const char *sysroot)
{
	char path[512];

	if (sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/control"))
		return 0;
	return access(path, F_OK) == 0;
}

int kernel_control(const char *sysroot, const char *line)
{
	char path[512];
	int err;

	err = sysroot_path(path, sizeof(path), sysroot, "/proc/isolator/control");
	if (err)
		return err;
	err = write_text(path, line);
	if (!err)
		return 0;
	switch (-err) {
	case EPERM:
	case EACCES:
		return set_error(EPERM, "isolator kernel: '%s' refused: needs CAP_SYS_ADMIN", line);
	case EINVAL:
		return set_error(EINVAL, "isolator kernel: '%s' refused: the task must be pinned "
				 "to exactly one nohz_full CPU", line);
	case EBUSY:
		return set_error(EBUSY, "isolator kernel: '%s' refused: CPU already isolated "
				 "by another task", line);
	default:
		return set_error(-err, "isolator kernel: '%s': %s", line, strerror(-err));
	}
}
