#!/bin/sh
# The README's kernel table, rerunnable: boot the test kernel once under QEMU,
# run only t1 (kernel/tests/t1_silence.c: stock nohz_full and isolated windows
# alternating in one boot, the same housekeeping loads on CPUs 1-2), and print
# its figures as markdown: interrupts on CPU 3 by kind, each load's iterations
# and longest iteration, /proc/isolator/stats (forced, remote, ...) and the
# culprits of forced deliveries. Run from the repository root:
#
#   kernel/vm-table.sh [--arch x86_64|arm64] [--kernel IMAGE] [--tap FILE]
#   make vm-table [ARCH=arm64]
#
# --tap FILE formats a kernel.tap that vm/run.sh already wrote, without a boot.
# Exit status: vm/run.sh's (1 if any of t1's assertions failed), the table is
# printed either way; 2 if there are no t1 figures at all.
set -eu

arch=x86_64
kernel=
tap=
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--tap) tap=$2; shift 2 ;;
	-h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "isolator: kernel/vm-table.sh: unknown argument '$1'" >&2; exit 1 ;;
	esac
done
case "$arch" in x86|amd64) arch=x86_64 ;; aarch64) arch=arm64 ;; esac

st=0
if [ -z "$tap" ]; then
	tap=build/vm/$arch/kernel.tap
	echo "# vm-table: booting $arch for t1 (about 3-10 min under TCG)" >&2
	ISOLATOR_VM_TESTS=t1_silence timeout 1200 vm/run.sh --arch "$arch" \
		${kernel:+--kernel "$kernel"} kernel >&2 || st=$?
fi
[ -f "$tap" ] && grep -q '^# t1-table|' "$tap" || {
	echo "isolator: kernel/vm-table.sh: no t1 figures in $tap (did t1 run?)" >&2
	exit 2
}

awk -F'|' -v cmd="kernel/vm-table.sh --arch $arch" '
/^# t1-table\|/ { rows[++n] = $0 }
/^(not )?ok [0-9]+ - t1: / { if (/^not /) bad++; else good++ }
END {
	for (i = 1; i <= n; i++) {
		split(rows[i], f, "|")
		if (f[2] == "meta") { machine = f[3]; rel = f[4]; win = f[5]; rounds = f[6]; defer = f[7] }
	}
	printf "t1 on %s (kernel %s), CPU 3, one boot: a SCHED_FIFO spinner, %d stock nohz_full windows of %s s alternating with %d isolated ones (the task never ticks), first under every load, then under the housekeeping loads alone; max_defer_ms %s; t1: %d ok, %d not ok. From `%s`.\n\n", \
		machine, rel, rounds, win, rounds, defer, good, bad, cmd
	print "| interrupts on CPU 3 | housekeeping loads: stock | housekeeping loads: isolated | every load: stock | every load: isolated |"
	print "|---|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++) {
		split(rows[i], f, "|")
		if (f[2] == "irq") {
			name = f[3] == "TOTAL" ? "**TOTAL** (every row of /proc/interrupts and /proc/softirqs)" : f[3]
			printf "| %s | %s | %s | %s | %s |\n", name, f[6], f[7], f[4], f[5]
		}
	}
	print ""
	print "| load on CPUs 1-2 (iterations) | reaches CPU 3 alone, stock (interrupts in 2 s) | housekeeping loads: stock | isolated | every load: stock | isolated | longest iteration, ms: stock / isolated (every load) |"
	print "|---|---:|---:|---:|---:|---:|---|"
	for (i = 1; i <= n; i++) {
		split(rows[i], f, "|")
		if (f[2] == "load") {
			hk = f[4] == "hk"
			printf "| %s | %s | %s | %s | %s | %s | %s / %s |\n", f[3], f[5], \
				hk ? f[8] : "-", hk ? f[9] : "-", f[6], f[7], f[10], f[11]
		}
	}
	print ""
	line = ""; line2 = ""
	for (i = 1; i <= n; i++) {
		split(rows[i], f, "|")
		if (f[2] == "stat") { line = line sprintf(" %s=%s", f[3], f[4]); line2 = line2 sprintf(" %s=%s", f[3], f[5] == "18446744073709551615" ? "?" : f[5]) }
	}
	printf "`/proc/isolator/stats` of CPU 3, isolated windows, housekeeping loads:%s  \n", line2
	printf "every load:%s\n\n", line
	nc = 0
	for (i = 1; i <= n; i++) {
		split(rows[i], f, "|")
		if (f[2] == "culprit") {
			if (!nc++) print "Forced deliveries (`/proc/isolator/culprits`, the last 64 of the boot: cpu waited_us sender pid work scans):\n```"
			print f[3]
		}
	}
	if (nc) print "```"
	else print "Forced deliveries: none in this boot."
}
' "$tap"
exit "$st"
