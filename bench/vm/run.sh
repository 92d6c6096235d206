#!/bin/sh
# Boot the isolator test kernel (build/kernel/bzImage, made by kernel/build.sh)
# under QEMU with a gpio-sim-capable config and an ivshmem-plain device, run
# bench/vm/guest-tests.sh inside, and drive the ivshmem input from the host
# with bench/vm/ivshmem-host. Prints TAP. Run from the repository root.
# Exit status: 0 all passed, 1 a test failed or the guest did not finish.
set -eu

top=$(pwd)
out=$top/build/bench-vm
timeout_s=${ISOLATOR_VM_TIMEOUT:-900}
cmdline="console=ttyS0 panic=-1 nohz_full=3 isolcpus=3 rcu_nocbs=3 tsc=reliable"

say() { printf '# bench-vm: %s\n' "$*"; }

[ -f build/kernel/bzImage ] || kernel/build.sh
scripts/deps.sh kernel build bench

rm -rf "$out" && mkdir -p "$out/root/bin" "$out/root/proc" "$out/root/sys" "$out/root/dev" \
	"$out/root/tmp"
say "building a static isolator-bench and the host driver"
# the library's committed sources (lib/ and the tuning engine under it), the
# bench core and tests, the command-line helpers
lib_sources=$(git ls-files 'lib/*.c' 'tune/*.c')
gcc -static -O2 -std=gnu11 -Wall -Wextra -Wno-missing-field-initializers -Wno-format-truncation \
	-D_GNU_SOURCE -DHAVE_GPIOD -DISOLATOR_VERSION_STRING='"bench-vm"' -Iinclude -Ibench -pthread \
	-o "$out/root/bin/isolator-bench" bench/vm/isolator-bench.c $lib_sources \
	bench/hist.c bench/bench.c bench/common.c bench/gpio.c bench/mmio.c bench/noise.c \
	bench/plot.c bench/response.c bench/toggle.c util/util.c util/json.c util/signals.c -lgpiod -lm
gcc -O2 -Wall -Wextra -o "$out/ivshmem-host" bench/vm/ivshmem-host.c
cp bench/vm/guest-tests.sh "$out/root/bin/guest-tests"
cp /bin/busybox "$out/root/bin/busybox"
cat >"$out/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "BENCH-VM: init reached, $(nproc) CPUs, $(cat /proc/cmdline)"
sh /bin/guest-tests
echo "BENCH-VM: done"
poweroff -f
INIT
chmod +x "$out/root/init" "$out/root/bin/guest-tests"
(cd "$out/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.gz"
dd if=/dev/zero of="$out/ivshmem" bs=1M count=1 2>/dev/null

say "booting build/kernel/bzImage (TCG, -smp 4, ivshmem-plain), timeout ${timeout_s}s"
"$out/ivshmem-host" "$out/ivshmem" 0x100 0x140 50 "$timeout_s" >"$out/host.log" 2>&1 &
host=$!
log=$out/console.log
timeout "$timeout_s" qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 4 -m 512 \
	-nographic -no-reboot -kernel build/kernel/bzImage -initrd "$out/initramfs.gz" \
	-append "$cmdline" \
	-object memory-backend-file,id=shm,mem-path="$out/ivshmem",size=1M,share=on \
	-device ivshmem-plain,memdev=shm </dev/null 2>&1 | tr -d '\r' >"$log" || true
sleep 1
kill "$host" 2>/dev/null || true
wait "$host" 2>/dev/null || true

n=0
fail=0
while IFS= read -r line; do
	case "$line" in
	"ok - "*) n=$((n + 1)); printf 'ok %d - %s\n' "$n" "${line#ok - }" ;;
	"not ok - "*) n=$((n + 1)); fail=$((fail + 1)); printf 'not ok %d - %s\n' "$n" "${line#not ok - }" ;;
	"# "*) printf '%s\n' "$line" ;;
	"BENCH-VM: "*) say "${line#BENCH-VM: }" ;;
	esac
done <<EOF2
$(cat "$log" "$out/host.log")
EOF2
n=$((n + 1))
if grep -q 'BENCH-VM: done' "$log"; then
	echo "ok $n - guest ran every bench test to the end"
else
	echo "not ok $n - guest did not finish (timeout ${timeout_s}s or crash); see $log"
	fail=$((fail + 1))
fi
echo "1..$n"
say "console log: build/bench-vm/console.log"
[ "$fail" -eq 0 ]
