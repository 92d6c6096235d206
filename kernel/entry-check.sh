#!/bin/sh
# make vm-entry: entry safety on x86 (issue 16, point 3). Builds the `entry`
# variant of the test kernel (kernel/isolator-entry.config: DEBUG_ENTRY, so
# objtool validates .noinstr.text in vmlinux.o, and kprobes), then
#   1. objtool --noinstr on its vmlinux.o, with the arguments kbuild used:
#      every warning is printed; one in the isolator's code or in the
#      context-tracking functions that call it fails;
#   2. the static keys read in .noinstr.text (kernel/noinstr-keys.c; 6.12's
#      objtool does not check them): every one is printed, with whether it
#      can be flipped after boot (not in .data..ro_after_init: text patched
#      at run time, which an isolated CPU syncs only at its deferred
#      sync_core); a writable key in a function of the isolator fails (its
#      entry hook reads none, on purpose; a ro_after_init key is never
#      patched after boot, so it may). Also on build/kernel-arm64's vmlinux
#      if it was built;
#   3. t26_kprobe_entry in the guest (a kprobe on vtime_user_exit(), the
#      first instrumentable function of an entry from user mode, while text
#      patching is deferred to the isolated CPU).
# arm64 has kprobes in its default kernel: t26 runs there in vm-test (when
# out of kernel/tests/known-failing).
set -eu
img=$(kernel/build.sh x86_64 entry)
obj=build/kernel-entry/obj
args=$(sed -n 's/.*objtool\/objtool \(.*--noinstr.*\) vmlinux\.o.*/\1/p' "$obj/.vmlinux.o.cmd" | head -n 1)
[ -n "$args" ] || { echo "isolator: kernel/entry-check.sh: no objtool --noinstr in $obj/.vmlinux.o.cmd (DEBUG_ENTRY off?)" >&2; exit 1; }
# kbuild's objtool run already annotated vmlinux.o, and objtool skips a file
# it has annotated ("already has .static_call_sites section, skipping"):
# link a fresh one, with kbuild's ld command, and validate that.
ldcmd=$(sed -n 's/^savedcmd_vmlinux\.o := \(ld .*\) -o vmlinux\.o \(.*\) ; \.\/tools\/objtool.*/\1 -o vmlinux.check.o \2/p' \
	"$obj/.vmlinux.o.cmd")
[ -n "$ldcmd" ] || { echo "isolator: kernel/entry-check.sh: no ld command in $obj/.vmlinux.o.cmd" >&2; exit 1; }
(cd "$obj" && eval "$ldcmd")
echo "# objtool $args vmlinux.check.o (vmlinux.o linked again)"
# shellcheck disable=SC2086
(cd "$obj" && tools/objtool/objtool $args vmlinux.check.o) >build/kernel-entry/objtool.txt 2>&1 || true
rm -f "$obj/vmlinux.check.o"
sed 's/^/# /' build/kernel-entry/objtool.txt
mine='isolator|ct_kernel_enter|__ct_user_exit|ct_nmi_enter|ct_isolator'
if grep -E 'already has .*skipping' build/kernel-entry/objtool.txt >/dev/null; then
	echo "not ok - objtool: validated nothing (the file was already annotated)"
	st=1
elif grep -E "$mine" build/kernel-entry/objtool.txt >/dev/null; then
	echo "not ok - objtool: noinstr warnings in the isolator's entry path"
	st=1
else
	echo "ok - objtool: no noinstr warning in the isolator's entry path ($(grep -c warning build/kernel-entry/objtool.txt || true) warnings elsewhere)"
	st=0
fi
gcc -O2 -Wall -o build/kernel-entry/noinstr-keys kernel/noinstr-keys.c
for v in "$obj/vmlinux" build/kernel-arm64/obj/vmlinux; do
	[ -f "$v" ] || continue
	echo "# static keys read in .noinstr.text of ${v#build/}:"
	build/kernel-entry/noinstr-keys "$v" >build/kernel-entry/keys.txt || { st=1; continue; }
	sort build/kernel-entry/keys.txt | uniq -c | sed 's/^ */#   /'
	# A key in .data..ro_after_init is never flipped after boot, so its
	# code is never patched under an isolated CPU: only a writable one in
	# the isolator's noinstr code fails (isolator_kstart() reads
	# context_tracking_key, which is ro_after_init).
	if grep -E '^key .* writable in [^ ]*isolator' build/kernel-entry/keys.txt >/dev/null; then
		echo "not ok - noinstr static keys: a writable static key in the isolator's noinstr code (${v#build/}):"
		grep -E '^key .* writable in [^ ]*isolator' build/kernel-entry/keys.txt | sed 's/^/#   /'
		st=1
	else
		echo "ok - noinstr static keys: no writable key in the isolator's noinstr code ($(grep -c ' in [^ ]*isolator' build/kernel-entry/keys.txt || true) ro_after_init; $(tail -n 1 build/kernel-entry/keys.txt), ${v#build/})"
	fi
	# The functions an entry from user mode runs up to the hook (0006:
	# ct_kernel_enter(), ct_nmi_enter()), x86 and arm64: a key read there
	# that can flip after boot is patched text that an isolated CPU runs
	# before its deferred sync_core. By function, not by offset: a writable
	# key anywhere in one of them fails, but for __ct_user_exit()'s user_exit
	# tracepoint, read after ct_kernel_enter() has returned (the one
	# exception, named). A function the path gains is not seen until it is
	# added here.
	path='do_syscall_64|syscall_enter_from_user_mode(_prepare)?|irqentry_enter(_from_user_mode)?|(__)?enter_from_user_mode|ct_kernel_enter(_state)?|ct_nmi_enter|(__)?ct_user_exit|el0t_64_(sync|irq|fiq|error)_handler|el0_[a-z0-9_]*(\.[a-z0-9.]*)?|__el0_[a-z_]*_common'
	after_hook='^key __tracepoint_user_exit\+0x8 writable in __ct_user_exit$'
	if grep -E "^key .* writable in ($path)\$" build/kernel-entry/keys.txt |
		grep -Ev "$after_hook" >build/kernel-entry/keys-path.txt; then
		echo "not ok - noinstr static keys: a writable static key on the entry path before the hook (${v#build/}):"
		sed 's/^/#   /' build/kernel-entry/keys-path.txt
		st=1
	else
		echo "ok - noinstr static keys: the entry path up to the hook reads no key that can flip after boot ($(grep -Ec " in ($path)\$" build/kernel-entry/keys.txt || true) sites, ${v#build/})"
	fi
done
ISOLATOR_VM_TESTS=t26_kprobe_entry vm/run.sh --arch x86_64 --kernel "$img" kernel || st=1
exit $st
