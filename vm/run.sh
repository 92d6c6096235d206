#!/bin/sh
# The one VM runner of isolator: boot the test kernel of an architecture under
# QEMU (TCG, 4 vCPUs, nohz_full=3) with an initramfs holding the guest suites,
# and print TAP per suite. Run from the repository root:
#
#   vm/run.sh [--arch x86_64|arm64] [--kernel IMAGE] SUITE...
#
# SUITE is kernel (kernel/tests), bench (bench/vm), model (model/vm) or cost
# (vm/cost, the icount plugin's workload: vm/cost.sh); each
# is described by a vm-suite.sh next to its code, which builds its static
# guest programs and adds them to the plan (vm_test, below). The guest's /init
# is vm/init.c. One boot per distinct kernel command line: the default one,
# plus one per `/* vm-cmdline: ... */` a test asks for.
#
# Without --kernel, kernel/build.sh ARCH runs first (incremental).
# ISOLATOR_VM_QEMU_ARGS is added to QEMU's command line (vm/cost.sh: -plugin).
# ISOLATOR_VM_TESTS="t1_silence t4_tlb" keeps only those guest tests.
# Exit status: 0 all passed; 1 a test failed, timed out or did not run, or
# the console shows a WARN/BUG/lockdep report/RCU stall/hung task.
# Output: TAP on stdout; per boot build/vm/ARCH/boot-N/console.log.
set -eu

top=$(pwd)
arch=x86_64
kernel=${ISOLATOR_VM_KERNEL:-}
suites=
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch=$2; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	--kernel) kernel=$2; shift 2 ;;
	--kernel=*) kernel=${1#--kernel=}; shift ;;
	-h|--help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "isolator: vm/run.sh: unknown option '$1'" >&2; exit 1 ;;
	*) suites="$suites $1"; shift ;;
	esac
done
[ -n "$suites" ] || { echo "isolator: vm/run.sh: no suite given (kernel, bench, model)" >&2; exit 1; }

case "$arch" in
x86_64|x86|amd64)
	arch=x86_64 cc=gcc qemu="qemu-system-x86_64 -cpu max" console=ttyS0
	# no_timer_check: under TCG on a loaded host the boot's IO-APIC timer
	# check can miss its ticks and panic ("IO-APIC + timer doesn't work!")
	extra_cmdline="tsc=reliable" arch_every_boot=no_timer_check deps=kernel ;;
arm64|aarch64)
	arch=arm64 cc=aarch64-linux-gnu-gcc console=ttyAMA0
	qemu="qemu-system-aarch64 -M virt,gic-version=3 -cpu max"
	extra_cmdline= arch_every_boot= deps=arm64 ;;
*) echo "isolator: vm/run.sh: unknown architecture '$arch' (x86_64, arm64)" >&2; exit 1 ;;
esac
# The default boot; tests without a vm-cmdline share it.
default_cmdline="console=$console panic=-1 nohz_full=3 isolcpus=3 rcu_nocbs=3${extra_cmdline:+ $extra_cmdline}"
# Added to every boot, as `isolator check` (rcu_boost) tells a user to: a task
# preempted in an RCU read-side section on CPU 3 (on PREEMPT_RT any spinlock
# holder, e.g. kworker/3 folding vmstat under zone->lock) is boosted to
# SCHED_FIFO rcutree.kthread_prio, 1 by default: below the tests' SCHED_FIFO
# 50-80 loops it never runs again, and the grace period, the lock's other
# waiters and the console check stall with it (CI, stock kernels the same).
every_boot="rcutree.kthread_prio=99${arch_every_boot:+ $arch_every_boot}"

work=$top/build/vm/$arch
root=$work/root
say() { printf '# vm %s: %s\n' "$arch" "$*"; }

if [ -z "$kernel" ]; then
	kernel=$(kernel/build.sh "$arch")
fi
[ -f "$kernel" ] || { echo "isolator: vm/run.sh: no kernel image '$kernel'" >&2; exit 1; }
scripts/deps.sh $deps build >&2

rm -rf "$work" && mkdir -p "$root/bin" "$root/tests"
: >"$work/plan"
: >"$work/cmdlines"
: >"$work/devices"
: >"$work/hosts"

# ---- what a vm-suite.sh calls ---------------------------------------------
# vm_tag FILE KEY [DEFAULT]: the value of a `/* vm-KEY: VALUE */` line in FILE.
vm_tag() {
	v=$(sed -n "s|.*/\* vm-$2: \(.*[^ ]\) *\*/.*|\1|p" "$1" | head -n 1)
	echo "${v:-${3:-}}"
}
# vm_want NAME: is NAME selected by ISOLATOR_VM_TESTS (default: all)?
vm_want() {
	case " ${ISOLATOR_VM_TESTS:-$1} " in *" $1 "*) return 0 ;; esac
	return 1
}
# vm_test SUITE NAME TIMEOUT_S CMDLINE PROGRAM [ARG...]: add a guest test.
# PROGRAM is its path in the guest; CMDLINE "" means the default boot. A
# cmdline written for x86 (console=ttyS0, tsc=reliable) is translated.
vm_test() {
	vm_s=$1 vm_name=$2 vm_tmo=$3 vm_cl=${4:-$default_cmdline}
	shift 4
	if [ "$arch" = arm64 ]; then
		vm_cl=$(echo "$vm_cl" | sed 's/console=ttyS0/console=ttyAMA0/; s/ *tsc=reliable//')
	fi
	grep -qxF "$vm_cl" "$work/cmdlines" || echo "$vm_cl" >>"$work/cmdlines"
	vm_boot=$(grep -nxF "$vm_cl" "$work/cmdlines" | cut -d: -f1)
	printf '%s\t%s\t%s\t%s\t%s\n' "$((vm_boot - 1))" "$vm_s" "$vm_name" "$vm_tmo" "$*" \
		>>"$work/plan"
}
# vm_device ivshmem: a 1 MiB ivshmem-plain device, backed by $work/boot-N/ivshmem.
vm_device() { grep -qxF "$1" "$work/devices" || echo "$1" >>"$work/devices"; }
# vm_host SUITE COMMAND...: run COMMAND on the host during each boot (with
# IVSHMEM_FILE and VM_TIMEOUT set); its ok/not ok lines belong to SUITE.
vm_host() { vm_s=$1; shift; printf '%s\t%s\n' "$vm_s" "$*" >>"$work/hosts"; }

for s in $suites; do
	case "$s" in
	kernel) file=kernel/tests/vm-suite.sh ;;
	bench) file=bench/vm/vm-suite.sh ;;
	model) file=model/vm/vm-suite.sh ;;
	cost) file=vm/cost/vm-suite.sh ;;
	*) echo "isolator: vm/run.sh: unknown suite '$s' (kernel, bench, model, cost)" >&2; exit 1 ;;
	esac
	say "building suite $s ($file, $cc -static)"
	. "./$file"
	"suite_${s}_build"
done

$cc -static -O2 -Wall -Wextra -o "$root/init" vm/init.c
cp "$work/plan" "$root/plan"
# The kernel's own gen_init_cpio: device nodes and owners without root.
gcc -O2 -o "$work/gen_init_cpio" build/kernel/src/usr/gen_init_cpio.c
{
	for d in dev proc sys tmp bin tests; do echo "dir /$d 0755 0 0"; done
	echo "nod /dev/console 0600 0 0 c 5 1"
	(cd "$root" && find . -mindepth 1 | sort) | while read -r f; do
		f=${f#.}
		case "$f" in /bin|/tests) continue ;; esac
		if [ -d "$root$f" ]; then echo "dir $f 0755 0 0"
		else echo "file $f $root$f 0755 0 0"; fi
	done
} >"$work/initramfs.list"
"$work/gen_init_cpio" "$work/initramfs.list" | gzip -1 >"$work/initramfs.gz"

# ---- boot once per distinct command line -----------------------------------
boots=$(wc -l <"$work/cmdlines")
b=0
while [ "$b" -lt "$boots" ]; do
	cl="$(sed -n "$((b + 1))p" "$work/cmdlines") $every_boot"
	bdir=$work/boot-$b
	mkdir -p "$bdir"
	# the tests' own limits, plus boot and shutdown (arm64 under TCG is slower)
	limit=$(awk -F'\t' -v b="$b" '$1 == b { s += $4 } END { print s + 0 }' "$work/plan")
	limit=$((limit + ${ISOLATOR_VM_MARGIN:-240}))
	devargs=
	if grep -qx ivshmem "$work/devices"; then
		dd if=/dev/zero of="$bdir/ivshmem" bs=1M count=1 2>/dev/null
		devargs="-object memory-backend-file,id=shm,mem-path=$bdir/ivshmem,size=1M,share=on"
		devargs="$devargs -device ivshmem-plain,memdev=shm"
	fi
	hostpids=
	i=0
	while IFS="$(printf '\t')" read -r s cmd; do
		# a suite's host helper runs only in the boots that run its tests:
		# in a boot without them it could never give its result
		awk -F'\t' -v b="$b" -v s="$s" '$1 == b && $2 == s { f = 1 } END { exit !f }' \
			"$work/plan" || continue
		# exec: the pid killed after the boot is the helper itself, not a
		# shell above it (left-over helpers spun until their own timeout)
		IVSHMEM_FILE=$bdir/ivshmem VM_TIMEOUT=$limit sh -c "exec $cmd" >"$bdir/host-$i.$s.log" 2>&1 &
		hostpids="$hostpids $!"
		i=$((i + 1))
	done <"$work/hosts"
	n=$(awk -F'\t' -v b="$b" '$1 == b' "$work/plan" | wc -l)
	say "boot $b: ${kernel#$top/}, $n tests, limit ${limit}s, cmdline: $cl"
	# Markers become progress lines as they arrive; the whole log is kept.
	# shellcheck disable=SC2086
	timeout "$limit" $qemu ${ISOLATOR_VM_QEMU_ARGS:-} -smp 4 -m 1024 -accel tcg,thread=single -nographic -no-reboot \
		-kernel "$kernel" -initrd "$work/initramfs.gz" -append "$cl isolator_boot=$b" \
		$devargs </dev/null 2>&1 | tr -d '\r' | tee "$bdir/console.log" |
		while IFS= read -r line; do
			case "$line" in
			"ISOLATOR-VM: "*) say "${line#ISOLATOR-VM: }" ;;
			"not ok - "* | "not ok "[0-9]*" - "*) say "$line" ;;
			esac
		done || true
	for p in $hostpids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	# a host helper killed before it gave its result is a failure, not silence
	for h in "$bdir"/host-*.log; do
		[ -f "$h" ] || continue
		grep -Eq '^(not )?ok - ' "$h" ||
			echo "not ok - host helper $(basename "$h" .log) ended without a result" >>"$h"
	done
	b=$((b + 1))
done

# ---- the console: one known report is filtered, the rest is checked ---------
# One report is known and not ours: at boot, before any test, PROVE_RCU flags
# rcu_rdp_is_offloaded() called from rcu_core() in the rcuc/0 kthread
# (PREEMPT_RT + RCU_NOCB_CPU; "Unsafe read of RCU_NOCB offloaded state",
# kernel/rcu/tree_plugin.h:27). It is cut out of the checked copy of the log,
# and only when the whole report is that one. A report ends at x86's
# </TASK>, or at the first line after the call trace that is not a frame.
# One WARN is expected: t22 calls isolator_kmalloc() and isolator_kfree()
# from CPU 0 on purpose; both refuse, the first with a WARN_ONCE (0012). A
# report from "cut here" to "end trace" is cut out only when its first line
# is that refusal's message and its second the WARNING line of
# isolator_kmalloc/kfree in kernel/isolator_k.c (after ../src/ or
# ../../kernel/src/: the objects are built with O=),
# and nothing in it looks like another report; test output printed in the
# middle is kept.
for log in "$work"/boot-*/console.log; do
	awk '
	function wflush() { if (!(wmsg && wat && !wother)) printf "%s", wbuf; whold = 0 }
	/-+\[ cut here \]-+/ {
		if (whold) wflush()
		whold = 1; wbuf = $0 "\n"; wn = 0; wmsg = wat = wother = 0
		next
	}
	whold {
		if (/^(not )?ok |^# |^ISOLATOR-VM: /) { print; next }
		wbuf = wbuf $0 "\n"; wn++
		if (wn == 1 && /isolator: isolator_k(malloc|free) on CPU [0-9]+ by .* refused: only the thread that isolates the CPU with isolator_kstart\(\) may$/) wmsg = 1
		else if (wn == 2 && /WARNING: CPU: [0-9]+ PID: [0-9]+ at (\.\.\/)*(kernel\/src\/|src\/)?kernel\/isolator_k\.c:[0-9]+ isolator_k(malloc|free)\+0x/) wat = 1
		else if (wn <= 2 || /BUG:|Oops|WARNING:|lockdep|possible (circular|recursive)|inconsistent lock state|suspicious RCU|INFO: |stall|DEBUG_LOCKS_WARN_ON|Kernel panic/) wother = 1
		if (/---\[ end trace [0-9a-f]+ \]---/) wflush()
		else if (wn > 100) { wother = 1; wflush() }
		next
	}
	END { if (whold) { wother = 1; wflush() } }
	function flush() { if (!known) printf "%s", buf; hold = 0; trace = 0 }
	/WARNING: suspicious RCU usage/ { hold = 1; buf = ""; known = 0; trace = 0 }
	hold {
		if (trace && !/\+0x[0-9a-f]+\/0x[0-9a-f]+/ && !/<\/TASK>/) flush()
		else {
			buf = buf $0 "\n"
			if (/Unsafe read of RCU_NOCB offloaded state/) known = 1
			if (/[Cc]all [Tt]race:/) trace = 1
			if (/<\/TASK>/) flush()
			next
		}
	}
	{ print }
	END { if (hold) flush() }
	' "$log" >"${log%.log}.checked"
	n=$(grep -c 'isolator: isolator_k[a-z]* on CPU [0-9]* by .* refused: only the thread that isolates' "$log" || true)
	n2=$(grep -c 'isolator: isolator_k[a-z]* on CPU [0-9]* by .* refused: only the thread that isolates' "${log%.log}.checked" || true)
	if [ "$n" -gt 0 ]; then
		say "expected WARN_ONCE of a refused isolator_kmalloc/kfree (t22, on purpose): $n, $((n - n2)) cut out as the whole report (${log#$top/})"
	fi
	if grep -q 'Unsafe read of RCU_NOCB offloaded state' "$log"; then
		say "known boot-time PROVE_RCU report in rcuc/0 (RCU_NOCB offloaded state) ignored (${log#$top/})"
	fi
done

# ---- TAP per suite ----------------------------------------------------------
# "non-responsive CSD lock": CONFIG_CSD_LOCK_WAIT_DEBUG, a smp_call_function*()
# that waited more than smp.csd_lock_timeout for its target (kernel/smp.c).
splat='WARNING:|BUG:|Oops|Kernel panic|possible circular locking|possible recursive locking|inconsistent lock state|DEBUG_LOCKS_WARN_ON|INFO: rcu|rcu: INFO|detected stall|self-detected stall|blocked for more than|[Cc]all [Tt]race:|non-responsive CSD lock|CSD lock \\(#'
fail=0
for s in $suites machine; do
	awk -F'\t' -v suite="$s" -v arch="$arch" -v splat="$splat" -v nboots="$boots" '
	function tap(ok, text) { n++; if (!ok) bad++; printf "%s %d - %s\n", ok ? "ok" : "not ok", n, text }
	FILENAME ~ /\/plan$/ { if ($2 == suite) { planned[++np] = $3; bootof[$3] = $1 }; next }
	FILENAME ~ /\/host-[0-9]+\./ {
		if (FILENAME !~ ("\\." suite "\\.log$")) next
		if (/^(not )?ok - /) { ok = !/^not /; sub(/^(not )?ok - /, ""); tap(ok, $0) }
		else if (/^# /) print
		next
	}
	FNR == 1 { cur = ""; boot = FILENAME; sub(/.*boot-/, "", boot); sub(/\/.*/, "", boot) }
	/^ISOLATOR-VM: init reached/ { reached[boot] = 1 }
	/^ISOLATOR-VM: done/ { done[boot] = 1 }
	/^ISOLATOR-VM: begin / { split($0, w, " "); cur = w[3] == suite ? w[4] : "-"; begun[cur] = 1; notok[cur] = 0; next }
	/^ISOLATOR-VM: end / { split($0, w, " "); if (w[3] == suite) { ended[w[4]] = 1; rc[w[4]] = w[5] }; cur = ""; next }
	/^ISOLATOR-VM: timeout / { split($0, w, " "); if (w[3] == suite) timedout[w[4]] = 1; next }
	# the first report of a suite is kept with the lines that follow it
	# (what stalled, which task, the stack): CI shows only this output
	ctx > 0 { report = report "#   | " $0 "\n"; ctx-- }
	$0 ~ splat {
		if ((suite == "machine" && cur == "") || (cur != "" && cur != "-")) {
			if (splats == "") { report = "#   | " $0 "\n"; ctx = 24 }
			splats = splats "# " $0 "\n"
		}
	}
	cur == "" || cur == "-" { next }
	# a test of kernel/tests numbers its results ("ok 3 - name", common.h):
	# renumbered here in the TAP of the suite, under the name of the test
	/^(not )?ok ([0-9]+ )?- / { ok = !/^not /; if (!ok) notok[cur]++; sub(/^(not )?ok ([0-9]+ )?- /, ""); tap(ok, $0); next }
	# other numbered TAP (kselftest.h, run_kselftest.sh): counted too, named
	# by the test that printed it
	/^(not )?ok [0-9]+ / { ok = !/^not /; if (!ok) notok[cur]++; sub(/^(not )?ok [0-9]+ (- )?/, ""); tap(ok, cur ": " $0); next }
	/^# / { print }
	END {
		if (suite == "machine") {
			for (b = 0; b < nboots; b++)
				tap(reached[b] && done[b], sprintf("boot %d reached init and ran its plan to the end", b))
			if (splats != "") printf "%s# the first report:\n%s", splats, report
			tap(splats == "", "no WARN/BUG/lockdep/RCU stall/hung task in the console outside the tests")
		} else {
			for (i = 1; i <= np; i++) {
				t = planned[i]
				if (!begun[t]) tap(0, t " did not run (boot " bootof[t] " ended before it)")
				else if (timedout[t]) ;
				else if (!ended[t]) tap(0, t " did not finish (the guest died or the boot timed out)")
				# 4 is KSFT_SKIP: the test printed its "ok - ... # SKIP" line
				else if (rc[t] != 0 && rc[t] != 4 && !notok[t]) tap(0, t " exited with status " rc[t])
			}
			if (splats != "") printf "%s# the first report:\n%s", splats, report
			tap(splats == "", suite ": no WARN/BUG/lockdep/RCU stall/hung task in the console")
		}
		printf "1..%d\n", n
		exit bad ? 1 : 0
	}
	' "$work/plan" "$work"/boot-*/console.checked $(ls "$work"/boot-*/host-*.log 2>/dev/null) \
		>"$work/$s.tap" || fail=1
	say "suite $s"
	cat "$work/$s.tap"
done
say "console logs: ${work#$top/}/boot-*/console.log"
exit "$fail"
