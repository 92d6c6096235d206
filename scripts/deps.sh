#!/bin/sh
# Install the Debian packages a part of isolator needs, only those missing.
# Usage: scripts/deps.sh GROUP...   (build | bench | plot | explain | model | formats | deb | kernel | arm64 | sanitize | all)
# A fresh Debian 12 machine has none of these; every make target that needs
# them calls this first, so a newcomer types one command.
set -eu

pkgs_build="gcc g++ libc6-dev make meson ninja-build pkg-config"
pkgs_sanitize="libclang-rt-14-dev"
pkgs_bench="libck-dev dpdk-dev libgpiod-dev gnuplot-nox python3-jsonschema"
# what the unit tests need of bench's: --plot draws with gnuplot (4 packages,
# where the whole bench group is over 200)
pkgs_plot="gnuplot-nox"
# isolator explain --measure runs the user's cyclictest (its own loop when absent);
# rtla reads timerlat/osnoise where the kernel has those tracers
pkgs_explain="rt-tests rtla"
# libtracefs-dev does not pull in the libtraceevent headers its own header includes
# libtracecmd-dev: trace.dat; trace-cmd: tests/model_dat.sh reads the file back
pkgs_model="libtracefs-dev libtraceevent-dev libtracecmd-dev trace-cmd"
# what the formats tests check against: promtool (Prometheus), mandoc's
# lint, JSON schemas, bash completion's own helpers
pkgs_formats="prometheus mandoc python3-jsonschema bash-completion"
# `make deb`: dpkg-buildpackage (dpkg-dev), debhelper with meson, lintian,
# and whatever debian/control's Build-Depends names (read from it, so the
# two cannot drift apart: libgpiod-dev was added there and not here, and
# only a fresh machine's `make check` found it)
control_build_depends() {
	awk '/^Build-Depends:/ { f = 1; sub(/^Build-Depends:/, "") }
	     f && /^[A-Za-z-]+:/ && !/^Build-Depends:/ { f = 0 }
	     f { print }' "$(dirname "$0")/../debian/control" |
		tr ',' '\n' | sed 's/([^)]*)//; s/\[[^]]*\]//; s/[[:space:]]//g' |
		sed 's/^debhelper-compat$/debhelper/' | grep -v '^$'
}
pkgs_deb="dpkg-dev debhelper fakeroot lintian"
pkgs_kernel="qemu-system-x86 busybox-static rsync cpio linux-source-6.12 bc flex bison libelf-dev libssl-dev ccache xz-utils"
# arm64 guest: the cross compiler, its C library for -static guest programs
# (no multiarch needed; only a Recommends of the compiler, which
# --no-install-recommends skips) and qemu-system-aarch64
pkgs_arm64="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm"

want=""
for group in "$@"; do
	case "$group" in
	build)  want="$want $pkgs_build" ;;
	bench)  want="$want $pkgs_bench" ;;
	plot)   want="$want $pkgs_plot" ;;
	explain) want="$want $pkgs_explain" ;;
	model)  want="$want $pkgs_model" ;;
	kernel) want="$want $pkgs_kernel" ;;
	arm64)  want="$want $pkgs_kernel $pkgs_arm64" ;;
	sanitize) want="$want $pkgs_sanitize" ;;
	formats) want="$want $pkgs_formats" ;;
	deb)    want="$want $pkgs_deb $(control_build_depends || true)" ;;
	all)    want="$want $pkgs_build $pkgs_sanitize $pkgs_bench $pkgs_explain $pkgs_model $pkgs_formats $pkgs_deb $(control_build_depends || true) $pkgs_kernel $pkgs_arm64" ;;
	*) echo "deps.sh: unknown group '$group' (build, sanitize, bench, plot, explain, model, formats, deb, kernel, arm64, all)" >&2; exit 1 ;;
	esac
done

missing=""
for p in $want; do
	# dpkg-query prints "install ok installed" only for a fully installed package
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages:$missing; run as root or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An old or empty package list finds nothing: refresh once, then install.
# Several make targets may install at once (make -j, parallel test suites):
# wait for another apt's lock instead of failing on it.
lock="-o DPkg::Lock::Timeout=900"
apt-get $lock update -qq >/dev/null
apt-get $lock install -y -qq --no-install-recommends $missing >/dev/null
