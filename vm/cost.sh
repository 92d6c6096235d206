#!/bin/sh
# make vm-cost: the instructions the isolator adds to the kernel's hot paths,
# as a count (TCG has no PMU, and a count does not depend on the host's load).
# Run from the repository root:
#
#   vm/cost.sh [--arch x86_64|arm64]
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
# ISOLATOR_COST_ATTR=PATH[:PATH...] (e.g. tick:call_single_ipi) also
# attributes those paths' instructions to functions (System.map) and prints,
# per function, the instructions and calls per event of (a) and (b) and
# their difference (build/vm-cost/ARCH/attr-PATH.md): where a path's extra
# instructions are, shown rather than guessed. The raw files then also hold
# one event of each frequent count function by function ("sample" lines),
# to compare one sub-path between the kernels.
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
arm64)
	kdir=build/kernel-arm64
	# el0t_64_sync: every synchronous exception from user mode (the
	# syscalls of phase 1 and 3); el1h_64_irq_handler: an interrupt taken
	# in the kernel (from idle: ct_nmi_enter() and its entry hook), any
	# kind; the IPIs' own handlers have no entry code to count on arm64.
	paths="syscall:el0t_64_sync:user __schedule:__schedule:ret
resched_curr:resched_curr:ret irq:el1h_64_irq_handler:ret
call_single_ipi:generic_smp_call_function_single_interrupt:ret tick:tick_nohz_handler:ret" ;;
*) echo "isolator: vm/cost.sh: unknown architecture '$arch' (x86_64, arm64)" >&2; exit 1 ;;
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
	[ -z "${ISOLATOR_COST_ATTR:-}" ] || args="$args,syms=$map,attr=$ISOLATOR_COST_ATTR"
	for p in $paths; do
		a=$(addr "$(echo "$p" | cut -d: -f2)")
		[ -n "$a" ] || { echo "isolator: vm/cost.sh: no symbol for $p in $map" >&2; exit 1; }
		args="$args,path=$(echo "$p" | cut -d: -f1)@$a@$(echo "$p" | cut -d: -f3)"
	done
	say "$1: booting ${2#$top/} with the icount plugin"
	# The counts need the workload's phases, not a quiet console: under a
	# loaded host the slowed guest may report RCU stalls after the workload
	# (printed here as warnings), which do not change what was counted.
	ISOLATOR_VM_QEMU_ARGS="-plugin $args" vm/run.sh --arch "$arch" --kernel "$2" cost \
		>"$out/$1.tap" || true
	grep -q '^ok [0-9]* - cost: phase 1 ' "$out/$1.tap" ||
		{ cat "$out/$1.tap"; echo "isolator: vm/cost.sh: the $1 boot did not run phase 1" >&2; exit 1; }
	grep '^not ok' "$out/$1.tap" | sed "s/^/# warning: $1 boot: /" || true
	grep -q ' path ' "$out/$1.txt" || { echo "isolator: vm/cost.sh: no counts from the $1 boot" >&2; exit 1; }
}

if [ -z "${ISOLATOR_COST_TABLE_ONLY:-}" ]; then	# set: the table of the last run again
	say "building the CONFIG_ISOLATOR=n kernel (kernel/build.sh $arch noiso)"
	noiso=$(kernel/build.sh "$arch" noiso)
	run noiso "$noiso" "$kdir-noiso/obj"
	say "building the series' kernel"
	series=$(kernel/build.sh "$arch")
	run series "$series" "$kdir/obj"
fi

# Per path over the housekeeping vCPUs 0-2: events, instructions / event,
# and the most frequent counts (summed over the vCPUs' top 5). A path runs
# as a few distinct sub-paths (a local or a remote resched_curr, a tick with
# or without timers due): (b)-(a) and (c)-(a) pair each of (a)'s two most
# frequent counts with the same count in the other kernel's top 5 (3 events
# or more), else with its nearest frequent count (which may be another
# sub-path: ISOLATOR_COST_ATTR's sample lines tell).
awk '
	FNR == 1 { kind = FILENAME; sub(/.*\//, "", kind); sub(/\.txt$/, "", kind) }
	$1 == "phase" && $4 <= 2 && $5 == "path" {
		col = kind == "noiso" ? ($2 == 1 ? "a" : "") : ($2 == 1 ? "b" : $2 == 3 ? "c" : "")
		if (col == "") next
		p = $6
		ev[p, col] += $8; ins[p, col] += $10
		for (i = 20; i <= NF; i++) {
			split($i, vn, ":")
			if (!((p, col, vn[1]) in hn)) vals[p, col] = vals[p, col] " " vn[1]
			hn[p, col, vn[1]] += vn[2]
		}
		seen[p] = 1
	}
	function top(p, c, k,    n, v, i, j, best, bv, used) {
		# the k-th most frequent count of path p in column c
		n = split(vals[p, c], v, " ")
		for (j = 1; j <= k; j++) {
			best = -1
			for (i = 1; i <= n; i++)
				if (!(v[i] in used) && (best < 0 || hn[p, c, v[i]] > hn[p, c, bv] ||
				    (hn[p, c, v[i]] == hn[p, c, bv] && v[i] + 0 < bv + 0))) { best = i; bv = v[i] }
			if (best < 0) return ""
			used[bv] = 1
		}
		return bv
	}
	function near(p, c, x,    n, v, i, d, bd, bv) {
		# the same count is the same sub-path: exact first, at any frequency
		if (hn[p, c, x] >= 3) return x
		n = split(vals[p, c], v, " ")
		bd = -1
		for (i = 1; i <= n; i++) {
			if (hn[p, c, v[i]] * 20 < ev[p, c]) continue	# under 5%: not a sub-path
			d = v[i] - x; if (d < 0) d = -d
			if (bd < 0 || d < bd) { bd = d; bv = v[i] }
		}
		return bd < 0 ? "" : bv
	}
	function cell(p, c,    t1, t2, s) {
		if (!ev[p, c]) return "-"
		t1 = top(p, c, 1); t2 = top(p, c, 2)
		s = t1 " (" hn[p, c, t1] ")"
		if (t2 != "") s = s ", " t2 " (" hn[p, c, t2] ")"
		return sprintf("%s; mean %.1f", s, ins[p, c] / ev[p, c])
	}
	function deltas(p, c,    k, x, y, s) {
		if (!ev[p, "a"] || !ev[p, c]) return "-"
		s = ""
		for (k = 1; k <= 2; k++) {
			x = top(p, "a", k)
			if (x == "" || hn[p, "a", x] * 20 < ev[p, "a"]) continue
			y = near(p, c, x)
			if (y == "") continue
			s = s (s == "" ? "" : ", ") sprintf("%+d", y - x)
		}
		return s == "" ? "-" : s
	}
	END {
		printf "| path (vCPUs 0-2) | (a) CONFIG_ISOLATOR=n: frequent counts (events); mean | (b) series, nobody isolated | (c) series, CPU 3 isolated | (b)-(a) | (c)-(a) |\n"
		printf "|---|---|---|---|---|---|\n"
		n = split("syscall __schedule resched_curr resched_ipi irq call_single_ipi tick", order, " ")
		for (i = 1; i <= n; i++) {
			p = order[i]
			if (!seen[p]) continue
			printf "| %s (%d / %d / %d events) | %s | %s | %s | %s | %s |\n", p,
				ev[p, "a"], ev[p, "b"], ev[p, "c"], cell(p, "a"), cell(p, "b"), cell(p, "c"),
				deltas(p, "b"), deltas(p, "c")
		}
	}' "$out/noiso.txt" "$out/series.txt" | tee "$out/table.md"

# Per function of the attributed path, phase 1 over vCPUs 0-2: instructions
# and calls per event in (a) and (b), the functions that differ most first.
for attr in $(echo "${ISOLATOR_COST_ATTR:-}" | tr : ' '); do
	awk -v p="$attr" '
		FNR == 1 { kind = FILENAME; sub(/.*\//, "", kind); sub(/\.txt$/, "", kind)
			   col = kind == "noiso" ? "a" : "b" }
		$1 == "phase" && $2 == 1 && $4 <= 2 && $5 == "path" && $6 == p { ev[col] += $8 }
		$1 == "phase" && $2 == 1 && $4 <= 2 && $5 == "attr" && $6 == p {
			fn[$8] = 1; ins[$8, col] += $10; calls[$8, col] += $12 }
		END {
			if (!ev["a"] || !ev["b"]) exit
			printf "| %s: function | (a) insns/event | (b) insns/event | (b)-(a) | (a) calls/event | (b) calls/event |\n", p
			printf "|---|---:|---:|---:|---:|---:|\n"
			for (f in fn) {
				a = ins[f, "a"] / ev["a"]; b = ins[f, "b"] / ev["b"]
				if (a - b > 0.5 || b - a > 0.5)
					printf "| %s | %.1f | %.1f | %+.1f | %.2f | %.2f |\n", f, a, b, b - a,
						calls[f, "a"] / ev["a"], calls[f, "b"] / ev["b"]
			}
		}' "$out/noiso.txt" "$out/series.txt" |
		{ IFS= read -r h1; IFS= read -r h2; printf '%s\n%s\n' "$h1" "$h2"
		  sort -t'|' -k5,5 -g | awk -F'|' '{ d = $5 + 0; print (d < 0 ? -d : d) "\t" $0 }' |
		  sort -k1,1 -gr | cut -f2- | head -40; } | tee "$out/attr-$attr.md"
done
say "raw counts: ${out#$top/}/noiso.txt, series.txt; table: ${out#$top/}/table.md"
