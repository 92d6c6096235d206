#!/bin/sh
# Build the isolator test kernel: Debian's linux-source-6.12 + kernel/patches,
# tinyconfig + kernel/isolator.config, into build/kernel/bzImage.
# Run from the repository root (make kernel).
#
# Layout under build/kernel/:
#   src/     the unpacked source, a git repository: branch "pristine" is the
#            tarball, branch "isolator" is pristine + kernel/patches (git am)
#   obj/     out-of-tree objects (make O=), so re-applying the series only
#            rebuilds the files the series touches
#   series.stamp  hash of the series and config last applied
set -eu

top=$(pwd)
out=$top/build/kernel
src=$out/src
obj=$out/obj
tarball=/usr/src/linux-source-6.12.tar.xz
git_id="-c user.name=isolator-build -c user.email=isolator@localhost -c core.autocrlf=false"

say() { printf 'kernel/build.sh: %s\n' "$*" >&2; }

scripts/deps.sh kernel
mkdir -p "$out" "$obj"

if [ ! -d "$src/.git" ]; then
	say "unpacking $tarball (about a minute)"
	rm -rf "$src" "$out/unpack"
	mkdir -p "$out/unpack"
	tar -C "$out/unpack" -xf "$tarball"
	mv "$out/unpack"/linux-source-6.12 "$src"
	rmdir "$out/unpack"
	say "recording the pristine tree in git"
	git -C "$src" init -q -b pristine
	git -C "$src" $git_id add -f -A
	git -C "$src" $git_id commit -q -m "linux-source-6.12 (Debian), pristine"
	rm -f "$out/series.stamp"
fi

stamp=$(cat kernel/patches/*.patch kernel/isolator.config 2>/dev/null | sha256sum | cut -c1-16)
if [ "$(cat "$out/series.stamp" 2>/dev/null)" != "$stamp" ]; then
	say "applying $(ls kernel/patches/*.patch 2>/dev/null | wc -l) patches"
	git -C "$src" am --abort >/dev/null 2>&1 || true
	git -C "$src" checkout -q -f -B isolator pristine
	if ls kernel/patches/*.patch >/dev/null 2>&1; then
		git -C "$src" $git_id am -q --whitespace=nowarn "$top"/kernel/patches/*.patch
	fi
	say "configuring: tinyconfig + kernel/isolator.config"
	make -s -C "$src" O="$obj" tinyconfig >/dev/null
	"$src"/scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
		kernel/isolator.config >/dev/null
	make -s -C "$src" O="$obj" olddefconfig >/dev/null
	# Every line of the fragment must have survived olddefconfig.
	missing=$(grep '^CONFIG_' kernel/isolator.config | while read -r line; do
		grep -qx "$line" "$obj/.config" || echo "$line"
	done)
	[ -z "$missing" ] || say "warning: not set after olddefconfig: $(echo $missing)"
	echo "$stamp" >"$out/series.stamp.pending"
fi

jobs=$(nproc)
say "building bzImage with ccache, -j$jobs (about 7 min cold on 2 cores)"
# The cache lives outside the clone, so a fresh clone (CI) reuses the objects
# of earlier builds; the base directory makes its paths clone-independent.
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/isolator-ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$top}"
start=$(date +%s)
make -s -C "$src" O="$obj" CC="ccache gcc" -j"$jobs" bzImage >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	say "build FAILED; full log in build/kernel/build.log"
	exit 1
}
[ -f "$out/series.stamp.pending" ] && mv "$out/series.stamp.pending" "$out/series.stamp"
cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
say "built build/kernel/bzImage in $(($(date +%s) - start)) s ($(grep -c . "$out/build.log") log lines)"
