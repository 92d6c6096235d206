#!/bin/sh
# Print the path of a static arm64 busybox for the guest (kselftest's
# run_kselftest.sh needs a shell, and the arm64 guest has none): Debian's
# busybox-static:arm64, downloaded once with apt-get into
# build/kernel/busybox-arm64/ (arm64 package lists and cache of its own there:
# no foreign architecture is added to dpkg and nothing is installed), then
# unpacked with dpkg-deb. Exit 1, saying why, when it cannot be had.
set -eu
top=$(pwd)
d=$top/build/kernel/busybox-arm64
bb=$d/root/bin/busybox
if [ ! -x "$bb" ]; then
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	o="-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State::Lists=$d/lists"
	o="$o -o Dir::Cache=$d/cache -o Dir::State::Status=/dev/null -o Debug::NoLocking=1"
	# shellcheck disable=SC2086
	(cd "$d" && rm -f ./*.deb && apt-get -qq $o update && apt-get -qq $o download busybox-static:arm64) \
		>"$d/apt.log" 2>&1 &&
		dpkg-deb -x "$d"/busybox-static_*_arm64.deb "$d/root" || {
		echo "isolator: scripts/busybox-arm64.sh: no busybox-static:arm64 (${d#$top/}/apt.log)" >&2
		exit 1
	}
fi
echo "$bb"
