#!/bin/sh
# make vm-entry: entry safety on x86 (issue 16, point 3). Builds the `entry`
# variant of the test kernel (kernel/isolator-entry.config: DEBUG_ENTRY, so
# objtool validates .noinstr.text in vmlinux.o, and kprobes), then
#   1. objtool --noinstr on its vmlinux.o, with the arguments kbuild used:
#      every warning is printed; one in the isolator's code or in the
#      context-tracking functions that call it fails;
#   2. t26_kprobe_entry in the guest (a kprobe on vtime_user_exit(), the
#      first instrumentable function of an entry from user mode, while text
#      patching is deferred to the isolated CPU).
# arm64 has kprobes in its default kernel: t26 runs there in vm-test (when
# out of kernel/tests/known-failing).
set -eu
img=$(kernel/build.sh x86_64 entry)
obj=build/kernel-entry/obj
args=$(sed -n 's/.*objtool\/objtool \(.*--noinstr.*\) vmlinux\.o.*/\1/p' "$obj/.vmlinux.o.cmd" | head -n 1)
[ -n "$args" ] || { echo "isolator: kernel/entry-check.sh: no objtool --noinstr in $obj/.vmlinux.o.cmd (DEBUG_ENTRY off?)" >&2; exit 1; }
echo "# objtool $args vmlinux.o"
# shellcheck disable=SC2086
(cd "$obj" && tools/objtool/objtool $args vmlinux.o) >build/kernel-entry/objtool.txt 2>&1 || true
sed 's/^/# /' build/kernel-entry/objtool.txt
mine='isolator|ct_kernel_enter|__ct_user_exit|ct_nmi_enter|ct_isolator'
if grep -E "$mine" build/kernel-entry/objtool.txt >/dev/null; then
	echo "not ok - objtool: noinstr warnings in the isolator's entry path"
	st=1
else
	echo "ok - objtool: no noinstr warning in the isolator's entry path ($(grep -c warning build/kernel-entry/objtool.txt || true) warnings elsewhere)"
	st=0
fi
ISOLATOR_VM_TESTS=t26_kprobe_entry vm/run.sh --arch x86_64 --kernel "$img" kernel || st=1
exit $st
