#!/bin/sh
# The Debian packages as a user gets them, in TAP: unpack libisolator0,
# libisolator-dev and isolator into a scratch root, then
#  - the README's C example compiles with `pkg-config --cflags --libs
#    isolator` from that root and runs (under the lock the system tests
#    share: as root it steers IRQs, and restores them at isolator_stop);
#  - the command runs, `man isolator_start` finds its page, and the unit,
#    the tuned profile, the completion and the schemas are where the
#    programs that read them look.
# Usage: tests/deb_install.sh DIR (where make deb left the .deb files)
set -u
dir=${1:?usage: deb_install.sh DIR}
tmp=$(mktemp -d /tmp/isolator-deb-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
src=$(cd "$(dirname "$0")/.." && pwd)
root=$tmp/root
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

for p in libisolator0 libisolator-dev isolator; do
	deb=$(ls "$dir"/${p}_*.deb 2>/dev/null | head -1)
	if [ -n "$deb" ] && dpkg-deb -x "$deb" "$root"; then ok "$p unpacks"; else not_ok "$p: no package in $dir"; fi
done

# the example, exactly as the README shows it
awk '/^```c$/{f=1;next} /^```$/{if(f)exit} f' "$src/README.md" >"$tmp/example.c"
export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root/usr/lib/$arch/pkgconfig
flags=$(pkg-config --cflags --libs isolator 2>"$tmp/err")
if [ -n "$flags" ] && cc -Wall -Wextra -Werror "$tmp/example.c" $flags -o "$tmp/example" 2>"$tmp/err"
then ok "README example builds with pkg-config --cflags --libs isolator: $flags"
else not_ok "README example does not build"; sed 's/^/#   /' "$tmp/err"; fi
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
check_needed() { objdump -p "$tmp/example" 2>/dev/null | grep -q 'NEEDED *libisolator.so.0'; }
if check_needed; then ok "example links libisolator.so.0"; else not_ok "example does not need libisolator.so.0"; fi

export ISOLATOR_STATE_DIR="$tmp/state"
ncpu=$(getconf _NPROCESSORS_ONLN)
if [ "$ncpu" -lt 2 ]; then
	ok "# SKIP the example pins to CPU 1: one CPU online"
else
	exec 9>/tmp/isolator-system-test.lock
	flock -w 300 9
	if LD_LIBRARY_PATH=$root/usr/lib/$arch timeout 120 "$tmp/example" >"$tmp/out" 2>"$tmp/err"
	then ok "README example runs against the packaged library: $(head -1 "$tmp/err")"
	else not_ok "README example exits $?"; sed 's/^/#   /' "$tmp/err"; fi
	flock -u 9
fi

if LD_LIBRARY_PATH=$root/usr/lib/$arch "$root/usr/bin/isolator" --version >"$tmp/out" 2>&1
then ok "packaged isolator runs: $(cat "$tmp/out")"; else not_ok "isolator --version"; fi
if ! command -v man >/dev/null; then
	ok "# SKIP no man-db to look the pages up"
elif man -M "$root/usr/share/man" -w isolator_start >"$tmp/out" 2>/dev/null &&
	man -M "$root/usr/share/man" isolator_chan_post 2>/dev/null | grep -q 'isolator_chan_post'
then ok "man isolator_start and man isolator_chan_post find their pages"
else not_ok "man isolator_start"; fi
for f in lib/systemd/system/isolator-apply.service usr/lib/tuned/isolator/tuned.conf \
	usr/lib/tuned/isolator/script.sh etc/tuned/isolator-variables.conf etc/default/isolator \
	usr/share/bash-completion/completions/isolator usr/share/isolator/schema/isolator-check-1.json \
	usr/share/isolator/schema/isolator-model-1.json usr/share/isolator/schema/isolator-bench-1.json \
	usr/share/isolator/schema/isolator-explain-1.json \
	usr/include/isolator.h usr/include/isolator/channel.h; do
	if [ -e "$root/$f" ]; then ok "ships /$f"; else not_ok "missing /$f"; fi
done
if grep -q '^ExecStart=/usr/bin/isolator apply' "$root/lib/systemd/system/isolator-apply.service" &&
	grep -q '^EnvironmentFile=/etc/default/isolator' "$root/lib/systemd/system/isolator-apply.service"
then ok "the unit runs /usr/bin/isolator and reads /etc/default/isolator"
else not_ok "unit paths"; fi
echo "1..$n"
[ "$failed" = 0 ]
