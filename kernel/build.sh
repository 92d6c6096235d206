#!/bin/sh
# Build the isolator test kernel: Debian's linux-source-6.12 + kernel/patches,
# tinyconfig + kernel/isolator.config + kernel/isolator-$ARCH.config.
# Run from the repository root: kernel/build.sh [x86_64|arm64] [VARIANT]
# (make kernel, make kernel ARCH=arm64). Prints the path of the image on stdout.
# kernel/build.sh series (make kernel-series): apply the series, add
# kernel/selftests.sh's generated commit (the in-guest suite as kselftests)
# and write the whole as a mail series into build/series/, without compiling.
# VARIANT: the same series and fragments plus kernel/isolator-VARIANT.config,
# in its own build/kernel[-arm64]-VARIANT/ (its objects first copied from the
# main build's, so that only what the fragment changes is rebuilt):
#   noiso  CONFIG_ISOLATOR=n, the whole kernel without the isolator
#          (vm/cost.sh's baseline; every hook's stub)
#   entry  x86: CONFIG_DEBUG_ENTRY (objtool's noinstr validation of vmlinux.o,
#          in build.log) and kprobes, for t24 (kernel/entry-check.sh)
#
# Layout:
#   build/kernel/src/   the unpacked source, a git repository shared by both
#                       architectures: branch "pristine" is the tarball,
#                       branch "isolator" is pristine + kernel/patches (git am)
#   build/kernel/series.stamp   hash of the series last applied to src/
#   build/kernel/obj/, build/kernel/bzImage              x86_64
#   build/kernel-arm64/obj/, build/kernel-arm64/Image    arm64 (cross-built)
#   <out>/config.stamp  hash of the series and fragments <out>/obj was
#                       configured with
# The objects are out of tree (make O=), so re-applying the series only
# rebuilds the files the series touches, per architecture.
set -eu

arch=${1:-x86_64}
variant=${2:-}
mode=build
[ "$arch" != series ] || mode=series arch=x86_64
if [ -n "$variant" ] && [ ! -f "kernel/isolator-$variant.config" ]; then
	echo "isolator: kernel/build.sh: unknown variant '$variant' (no kernel/isolator-$variant.config)" >&2
	exit 1
fi
top=$(pwd)
src=$top/build/kernel/src
tarball=/usr/src/linux-source-6.12.tar.xz
git_id="-c user.name=isolator-build -c user.email=isolator@localhost -c core.autocrlf=false"

say() { printf 'kernel/build.sh: %s\n' "$*" >&2; }

case "$arch" in
x86_64|x86|amd64)
	# ARCH=x86, what a native build gets: with ARCH=x86_64 tinyconfig picks
	# other defaults (5-level paging, VMAP_STACK...), a different kernel.
	arch=x86_64 out=$top/build/kernel karch=x86 cross= target=bzImage
	built=arch/x86/boot/bzImage deps=kernel ;;
arm64|aarch64)
	arch=arm64 out=$top/build/kernel-arm64 karch=arm64 cross=aarch64-linux-gnu- target=Image
	built=arch/arm64/boot/Image deps=arm64 ;;
*)	echo "isolator: kernel/build.sh: unknown architecture '$arch' (x86_64, arm64)" >&2; exit 1 ;;
esac
obj=$out/obj
fragments="kernel/isolator.config kernel/isolator-$arch.config"
overridden=
if [ -n "$variant" ]; then
	base=$obj
	out=$out-$variant
	obj=$out/obj
	fragments="$fragments kernel/isolator-$variant.config"
	# the lines the variant's fragment turns off are not looked for below
	overridden=$(sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p' \
		"kernel/isolator-$variant.config")
	if [ ! -d "$obj" ] && [ -f "$base/.config" ]; then
		say "seeding ${obj#$top/} from ${base#$top/} (only what $variant changes is rebuilt)"
		mkdir -p "$out"
		cp -a "$base" "$obj"
	fi
fi
# The kernel's make reads ARCH and CROSS_COMPILE; ours are the only ones.
kmake() { make -s -C "$src" O="$obj" ARCH="$karch" CROSS_COMPILE="$cross" "$@"; }

scripts/deps.sh $deps >&2
mkdir -p "$top/build/kernel" "$obj"

# Both architectures share src/: one build at a time re-applies the series
# and configures; the lock is let go before the compile, so one
# architecture's 8 minutes do not hold up the other (or a VM run).
exec 9>"$top/build/kernel/src.lock"
flock 9

if [ ! -d "$src/.git" ]; then
	say "unpacking $tarball (about a minute)"
	rm -rf "$src" "$top/build/kernel/unpack"
	mkdir -p "$top/build/kernel/unpack"
	tar -C "$top/build/kernel/unpack" -xf "$tarball"
	mv "$top/build/kernel/unpack"/linux-source-6.12 "$src"
	rmdir "$top/build/kernel/unpack"
	say "recording the pristine tree in git"
	git -C "$src" init -q -b pristine
	git -C "$src" $git_id add -f -A
	git -C "$src" $git_id commit -q -m "linux-source-6.12 (Debian), pristine"
	rm -f "$top/build/kernel/series.stamp"
fi

series=$(cat kernel/patches/*.patch 2>/dev/null | sha256sum | cut -c1-16)
if [ "$(cat "$top/build/kernel/series.stamp" 2>/dev/null)" != "$series" ]; then
	say "applying $(ls kernel/patches/*.patch 2>/dev/null | wc -l) patches"
	git -C "$src" am --abort >/dev/null 2>&1 || true
	git -C "$src" checkout -q -f -B isolator pristine
	if ls kernel/patches/*.patch >/dev/null 2>&1; then
		git -C "$src" $git_id am -q --whitespace=nowarn "$top"/kernel/patches/*.patch
	fi
	echo "$series" >"$top/build/kernel/series.stamp"
fi
if [ "$mode" = series ]; then
	exec 9>&-	# kernel/selftests.sh takes it
	kernel/selftests.sh export "$top/build/series" | sed 's|^|build/series/|'
	exit 0
fi

stamp=$(cat kernel/patches/*.patch $fragments 2>/dev/null | sha256sum | cut -c1-16)
if [ "$(cat "$out/config.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$obj/.config" ]; then
	say "configuring $arch: tinyconfig + $fragments"
	kmake tinyconfig >/dev/null
	ARCH=$karch CROSS_COMPILE=$cross "$src"/scripts/kconfig/merge_config.sh -m -O "$obj" \
		"$obj/.config" $fragments >/dev/null
	kmake olddefconfig >/dev/null
	# Every line of the fragments must have survived olddefconfig.
	missing=$(cat $fragments | grep '^CONFIG_' | while read -r line; do
		for o in $overridden; do case "$line" in "$o"=*) continue 2 ;; esac; done
		grep -qx "$line" "$obj/.config" || echo "$line"
	done)
	[ -z "$missing" ] || say "warning: not set after olddefconfig: $(echo $missing)"
	echo "$stamp" >"$out/config.stamp.pending"
fi

exec 9>&-
jobs=$(nproc)
say "building $arch $target with ccache, -j$jobs (x86_64 about 7 min cold on 2 cores, arm64 about 8)"
# The cache lives outside the clone, so a fresh clone (CI) reuses the objects
# of earlier builds; the base directory makes its paths clone-independent.
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/isolator-ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$top}"
start=$(date +%s)
kmake CC="ccache ${cross}gcc" -j"$jobs" "$target" >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	say "build FAILED; full log in ${out#$top/}/build.log"
	exit 1
}
[ -f "$out/config.stamp.pending" ] && mv "$out/config.stamp.pending" "$out/config.stamp"
cp "$obj/$built" "$out/$target"
say "built ${out#$top/}/$target in $(($(date +%s) - start)) s ($(grep -c . "$out/build.log") log lines)"
echo "$out/$target"
