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
	grep '^key ' build/kernel-entry/keys.txt | sort | uniq -c | sed 's/^ */#   /'
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
	# The entry path, derived from the binary (noinstr-keys.c, before()),
	# x86 and arm64: the noinstr functions that the entry code
	# (.entry.text, where a CPU comes in from user mode) calls, and those
	# they call, from which direct calls or tail calls reach the hook's
	# __isolator_kernel_entry (0006: ct_kernel_enter(), ct_nmi_enter()). By
	# offset and control flow, not by function: what can still run before
	# a call on the way to the hook, and all that the path calls from
	# there, is before it; a key read there that can flip after boot is
	# patched text that an isolated CPU runs before its deferred
	# sync_core, and fails. What runs after the hook passes, with no
	# exception named (__ct_user_exit()'s user_exit tracepoint, after
	# ct_kernel_enter() has returned).
	# The entry code's functions serve entries from kernel mode too; they
	# are counted all the same (nothing to tell apart: on the series their
	# keys before the hook are all ro_after_init).
	# The other functions that reach the hook are listed, not counted: the
	# idle exit (ct_idle_exit() calls ct_kernel_enter() with user false,
	# which skips the hook, and nothing is ever deferred to an idle CPU,
	# isolator_cpu_in_user(); counted, the idle loop's keys before
	# ct_idle_exit(), read while the CPU is in the kernel and synced, would
	# fail: x86 cpu_buf_idle_clear, arch_needs_tick_broadcast and cpuidle's
	# local_clock_noinstr() sched-clock keys), the isolator
	# kthread's polling section (isolator_ktick(), isolator_kstop() and
	# ct_isolator_exit(): the isolator's functions, wholly under the check
	# above) and what nothing calls in this build (x86_64's
	# syscall_enter_from_user_mode_prepare(), inlined in do_syscall_64()).
	words() { sed -n "s/^$1 \([0-9]*\)/\1/p" build/kernel-entry/keys.txt; }
	echo "# entry path to the hook (from the entry code; calls and tail calls to __isolator_kernel_entry): $(words path)"
	echo "# called before the hook, wholly: $(words before)"
	echo "# reach the hook not from the entry code, not counted: $(words unentered)"
	[ "$(words indirect)" = 0 ] ||
		echo "# indirect calls or jumps before the hook, not followed: $(words indirect)"
	[ "$(words leaves)" = 0 ] ||
		echo "# calls before the hook out of .noinstr.text, not followed (x86: objtool above): $(words leaves)"
	if [ "$(words path | cut -d' ' -f1)" = 0 ]; then
		echo "not ok - noinstr static keys: no entry path to __isolator_kernel_entry found (${v#build/})"
		st=1
	elif grep -E '^key .* writable in .* before-hook$' build/kernel-entry/keys.txt \
		>build/kernel-entry/keys-path.txt; then
		echo "not ok - noinstr static keys: a writable static key on the entry path before the hook (${v#build/}):"
		sed 's/^/#   /' build/kernel-entry/keys-path.txt
		st=1
	else
		echo "ok - noinstr static keys: the entry path up to the hook reads no key that can flip after boot ($(grep -c ' before-hook$' build/kernel-entry/keys.txt || true) sites before it in $(words path | cut -d' ' -f1) + $(words before | cut -d' ' -f1) functions, ${v#build/})"
	fi
done
ISOLATOR_VM_TESTS=t26_kprobe_entry vm/run.sh --arch x86_64 --kernel "$img" kernel || st=1
exit $st
