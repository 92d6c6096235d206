#!/bin/sh
# Boot the isolator test kernel (build/kernel/bzImage from kernel/build.sh)
# under QEMU with an initramfs holding only the model's in-guest validation
# (model/vm/model_vm.c, built static as t9_model), and print TAP.
# Run from the repository root: model/vm/run.sh [SECONDS]
# kernel/vm-test.sh can run the same program instead: its init runs every
# /tests/t* it finds, so building t9_model into that directory is the hook.
# Exit status: 0 all passed (or skipped), 1 a check failed or the guest did
# not finish.
set -eu

top=$(pwd)
out=$top/build/model-vm
secs=${1:-4}
timeout_s=${ISOLATOR_VM_TIMEOUT:-600}
# another kernel, e.g. one built with CONFIG_PREEMPT_TRACER=y added
kernel=${ISOLATOR_MODEL_KERNEL:-build/kernel/bzImage}
cmdline="console=ttyS0 panic=-1 nohz_full=3 isolcpus=3 rcu_nocbs=3 tsc=reliable"

[ -f "$kernel" ] || kernel/build.sh
scripts/deps.sh kernel build

rm -rf "$out" && mkdir -p "$out/root/bin" "$out/root/tests" "$out/root/proc" "$out/root/sys" \
	"$out/root/dev" "$out/root/tmp"
gcc -static -O2 -Wall -Wextra -Imodel -o "$out/root/tests/t9_model" model/vm/model_vm.c \
	model/trace.c model/model.c
cp /bin/busybox "$out/root/bin/busybox"
cat >"$out/root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
echo "MODEL-VM: init reached, \$(nproc) CPUs"
/tests/t9_model $secs
echo "MODEL-VM: done"
poweroff -f
INIT
chmod +x "$out/root/init"
(cd "$out/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.gz"

echo "# model-vm: booting $kernel (TCG, -smp 4), timeout ${timeout_s}s"
log=$out/console.log
timeout "$timeout_s" qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 4 -m 1024 \
	-nographic -no-reboot -kernel "$kernel" -initrd "$out/initramfs.gz" \
	-append "$cmdline" </dev/null 2>&1 | tr -d '\r' >"$log" || true

n=0
fail=0
while IFS= read -r line; do
	case "$line" in
	"ok - "*) n=$((n + 1)); echo "ok $n - ${line#ok - }" ;;
	"not ok - "*) n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - ${line#not ok - }" ;;
	"# "*) echo "$line" ;;
	esac
done <"$log"
n=$((n + 1))
if grep -q 'MODEL-VM: done' "$log"; then
	echo "ok $n - guest ran the model validation to the end"
else
	echo "not ok $n - guest did not finish; see build/model-vm/console.log"
	fail=$((fail + 1))
fi
echo "1..$n"
[ "$fail" -eq 0 ]
