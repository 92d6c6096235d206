#!/bin/sh
# make vm-cost: the instructions the isolator adds to the kernel's hot paths,
# as a count (TCG has no PMU, and a count does not depend on the host's load).
# Run from the repository root:
#
#   vm/cost.sh [--arch x86_64]
#
# Two kernels from kernel/build.sh: the series with CONFIG_ISOLATOR=n (the
# `noiso` variant: the baseline, and the whole-kernel =n build) and the
# series as tested. Each boots once under QEMU with the icount plugin
# (vm/plugin/icount.c), running vm/cost/cost.c: phase 1 nobody isolated,
# phase 3 CPU 3 isolated (series only). The plugin counts every instruction
# a vCPU executes from a path's entry to its return (callees included),
# per event. Printed per path: events, the most frequent count per event
# (the path as it runs without an interrupt in the middle) and the mean,
# for (a) =n, (b) the series with nobody isolated, (c) CPU 3 isolated, with
# (b)-(a) and (c)-(a) of the most frequent counts.
# Raw plugin output: build/vm-cost/ARCH/{noiso,series}.txt.
set -eu

arch=x86_64
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch=$2; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	*) echo "isolator: vm/cost.sh: unknown argument '$1'" >&2; exit 1 ;;
	esac
done
case "$arch" in
x86_64)
	kdir=build/kernel
	# NAME:SYMBOL:MODE (vm/plugin/icount.c)
	paths="syscall:entry_SYSCALL_64:user __schedule:__schedule:ret
resched_curr:resched_curr:ret resched_ipi:sysvec_reschedule_ipi:ret
call_single_ipi:sysvec_call_function_single:ret tick:tick_nohz_handler:ret" ;;
*) echo "isolator: vm/cost.sh: architecture '$arch' not done (x86_64)" >&2; exit 1 ;;
esac
top=$(pwd)
out=$top/build/vm-cost/$arch
mkdir -p "$out"
say() { printf '# vm-cost %s: %s\n' "$arch" "$*"; }

ninja -C build vm/plugin/libisolator-icount.so >/dev/null
plugin=$top/build/vm/plugin/libisolator-icount.so

run() { # KIND IMAGE OBJDIR
	map=$3/System.map
	addr() { awk -v s="$1" '$3 == s { print $1; exit }' "$map"; }
	args="$plugin,out=$out/$1.txt,mark=$(addr ksys_sync)"
	for p in $paths; do
		a=$(addr "$(echo "$p" | cut -d: -f2)")
		[ -n "$a" ] || { echo "isolator: vm/cost.sh: no symbol for $p in $map" >&2; exit 1; }
		args="$args,path=$(echo "$p" | cut -d: -f1)@$a@$(echo "$p" | cut -d: -f3)"
	done
	say "$1: booting ${2#$top/} with the icount plugin"
	ISOLATOR_VM_QEMU_ARGS="-plugin $args" vm/run.sh --arch "$arch" --kernel "$2" cost \
		>"$out/$1.tap" || { cat "$out/$1.tap"; echo "isolator: vm/cost.sh: the $1 boot failed" >&2; exit 1; }
	grep -q ' path ' "$out/$1.txt" || { echo "isolator: vm/cost.sh: no counts from the $1 boot" >&2; exit 1; }
}

say "building the CONFIG_ISOLATOR=n kernel (kernel/build.sh $arch noiso)"
noiso=$(kernel/build.sh "$arch" noiso)
run noiso "$noiso" "$kdir-noiso/obj"
say "building the series' kernel"
series=$(kernel/build.sh "$arch")
run series "$series" "$kdir/obj"

# Per path over the housekeeping vCPUs 0-2: events, instructions / event,
# and the most frequent count on the vCPU with the most events.
awk '
	FNR == 1 { kind = FILENAME; sub(/.*\//, "", kind); sub(/\.txt$/, "", kind) }
	$1 == "phase" && $4 <= 2 {
		col = kind == "noiso" ? ($2 == 1 ? "a" : "") : ($2 == 1 ? "b" : $2 == 3 ? "c" : "")
		if (col == "") next
		k = $6 SUBSEP col
		ev[k] += $8; ins[k] += $10
		if ($8 > best[k]) { best[k] = $8; mode[k] = $14 }
		seen[$6] = 1
	}
	END {
		printf "| path (vCPUs 0-2) | (a) =n events | (a) insns/event: mode, mean | (b) series, nobody isolated | (c) CPU 3 isolated | (b)-(a) | (c)-(a) |\n"
		printf "|---|---|---|---|---|---|---|\n"
		n = split("syscall __schedule resched_curr resched_ipi call_single_ipi tick", order, " ")
		for (i = 1; i <= n; i++) {
			p = order[i]
			if (!seen[p]) continue
			line = "| " p " | " ev[p, "a"] + 0
			for (j = 1; j <= 3; j++) {
				c = substr("abc", j, 1)
				if (ev[p, c]) cell[c] = sprintf("%d, %.1f (%d events)", mode[p, c], ins[p, c] / ev[p, c], ev[p, c])
				else cell[c] = "-"
			}
			line = line " | " cell["a"] " | " cell["b"] " | " cell["c"]
			line = line " | " (ev[p, "a"] && ev[p, "b"] ? sprintf("%+d", mode[p, "b"] - mode[p, "a"]) : "-")
			line = line " | " (ev[p, "a"] && ev[p, "c"] ? sprintf("%+d", mode[p, "c"] - mode[p, "a"]) : "-") " |"
			print line
		}
	}' "$out/noiso.txt" "$out/series.txt" | tee "$out/table.md"
say "raw counts: ${out#$top/}/noiso.txt, series.txt; table: ${out#$top/}/table.md"
