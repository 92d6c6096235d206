#!/bin/sh
# Run by `meson install` (so by `make install`) after the files are in place.
# Into a staging directory (DESTDIR, as packaging does) nothing is run: the
# package's own triggers do it on the target.
[ -n "${DESTDIR:-}" ] && exit 0
# Without this a program linked with `pkg-config --libs isolator` fails to
# start: the loader's cache does not know libisolator.so.0 yet.
if [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then
	ldconfig
fi
# A running systemd reads the unit only after a reload.
if [ "$(id -u)" = 0 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
	systemctl daemon-reload || true
fi
exit 0
