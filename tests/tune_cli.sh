#!/bin/sh
# Command-line tests of `isolator check`, `apply` and `revert`, in TAP.
# Usage: tune_cli.sh path/to/isolator
# 1. bad input: one line on stderr, exit 1;
# 2. check --json and exit codes, on this machine and on fake trees;
# 3. apply/revert on a fake tree: exact, dry run changes nothing, a refused
#    value is reported and the rest still applies; apply killed at random and
#    inside a write (ISOLATOR_TEST_WRITE_STOP), then revert: exact, no litter;
#    revert killed inside a write, then revert again: the same;
# 4. as root on this machine: apply then revert, and apply SIGKILLed at
#    random points then revert, leave every IRQ affinity and tunable as it was.
set -u
ISOLATOR=${1:?usage: tune_cli.sh ISOLATOR}
tmp=$(mktemp -d /tmp/isolator-tune-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# a private copy: a concurrent rebuild of build/isolator must not pull the
# binary away between apply and revert
# (and one caught half-written by a rebuild is retried)
for try in 1 2 3 4 5 6 7 8 9 10; do
	cp "$ISOLATOR" "$tmp/isolator" 2>/dev/null && "$tmp/isolator" --version >/dev/null 2>&1 && break
	sleep 1
done
ISOLATOR=$tmp/isolator
export ISOLATOR_STATE_DIR="$tmp/state"
unset ISOLATOR_SYSROOT ISOLATOR_TEST_STEP_DELAY_MS ISOLATOR_TEST_WRITE_STOP

. "$(dirname "$0")/tap.sh"
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; sed 's/^/#   /' "$tmp/out" "$tmp/err" | head -40; fi; }

expect_fail "check: CPU not online" check --cpu 9999
expect_fail "check: CPU list a" check --cpu a
expect_fail "check: bad option" check --bogus
expect_fail "check: stray argument" check extra
expect_fail "apply: no --cpu" apply
expect_fail "apply: CPU not online" apply --cpu 9999
expect_fail "apply: CPU list 3-1" apply --cpu 3-1
expect_fail "apply: bad option" apply --cpu 0 --bogus
expect_fail "apply: every CPU" apply --cpu "$(cat /sys/devices/system/cpu/online)" --dry-run
for cmd in check apply; do
	"$ISOLATOR" $cmd --help >"$tmp/out" 2>"$tmp/err"
	check "$cmd --help shows usage" "grep -q '^usage: isolator $cmd' '$tmp/out'"
done

# --- check on this machine --------------------------------------------------
"$ISOLATOR" check >"$tmp/out" 2>"$tmp/err"
rc=$?
check "check on this machine exits 0 or 2 (got $rc)" "[ $rc = 0 ] || [ $rc = 2 ]"
check "check prints a verdict per item and a tally" \
	"grep -q '^\(pass\|warn\|fail\|skip\)  preempt_rt' '$tmp/out' && grep -q ' pass, .* fail, ' '$tmp/out'"
"$ISOLATOR" check --json >"$tmp/out" 2>"$tmp/err"
if command -v python3 >/dev/null; then
	check "check --json is isolator-check/1 with id/status/evidence/fix" "python3 -c '
import json, sys
d = json.load(open(\"$tmp/out\"))
assert d[\"schema\"] == \"isolator-check/1\"
assert len(d[\"checks\"]) >= 20
for c in d[\"checks\"]:
    assert c[\"status\"] in (\"pass\", \"warn\", \"fail\", \"skip\"), c
    assert set((\"id\", \"status\", \"evidence\", \"fix\")) <= set(c), c
    assert c[\"evidence\"], c
'"
else
	ok "# SKIP no python3 to parse the JSON"
fi

# --- fake trees ---------------------------------------------------------------
# make_tree DIR: 4 CPUs with everything that apply touches, untuned
make_tree() {
	t=$1
	rm -rf "$t"
	mkdir -p "$t/sys/devices/system/cpu/cpu1/cpufreq" "$t/proc/sys/kernel" "$t/proc/sys/vm" "$t/dev" \
		"$t/sys/devices/virtual/workqueue/writeback" "$t/sys/kernel/mm/transparent_hugepage"
	echo 0-3 >"$t/sys/devices/system/cpu/online"
	for irq in 10:0-3 11:1 12:0 13:1-3; do
		mkdir -p "$t/proc/irq/${irq%%:*}"
		echo "${irq#*:}" >"$t/proc/irq/${irq%%:*}/smp_affinity_list"
	done
	echo f >"$t/proc/irq/default_smp_affinity"
	echo powersave >"$t/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor"
	echo "performance powersave" >"$t/sys/devices/system/cpu/cpu1/cpufreq/scaling_available_governors"
	echo 950000 >"$t/proc/sys/kernel/sched_rt_runtime_us"
	echo 1 >"$t/proc/sys/kernel/timer_migration"
	echo 1 >"$t/proc/sys/kernel/numa_balancing"
	echo 1 >"$t/proc/sys/vm/stat_interval"
	echo 120 >"$t/proc/sys/kernel/hung_task_timeout_secs"
	echo 0-3 >"$t/proc/sys/kernel/watchdog_cpumask"
	echo f >"$t/sys/devices/virtual/workqueue/cpumask"
	echo f >"$t/sys/devices/virtual/workqueue/writeback/cpumask"
	echo madvise >"$t/sys/kernel/mm/transparent_hugepage/enabled"
	echo quiet >"$t/proc/cmdline"
	: >"$t/dev/cpu_dma_latency"
}
# every file but the holder's device, with its content
tree_state() { (cd "$1" && find . -type f ! -name cpu_dma_latency | sort | xargs grep -H '' 2>/dev/null); }
# a random delay in seconds below $1 ms, and the changes journaled so far
rand_delay() { r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' '); awk -v r="$r" -v m="$1" 'BEGIN { printf "%.3f", (r % m) / 1000 }'; }
journal_entries() { [ -e "$ISOLATOR_STATE_DIR/journal" ] && echo $(($(wc -l <"$ISOLATOR_STATE_DIR/journal") - 1)) || echo 0; }
# live (not zombie) holders that apply started; other tests' holders don't count
holders() { ps -C isolator-dma -o stat= 2>/dev/null | grep -vc Z; }

tree="$tmp/tree"
make_tree "$tree"
tree_state "$tree" >"$tmp/tree.before"
ISOLATOR_SYSROOT=$tree "$ISOLATOR" check --cpu 1 >"$tmp/out" 2>"$tmp/err"
check "check on an untuned tree exits 2" "[ $? = 2 ]"
check "it names the boot parameters to add" "grep -q 'isolcpus=domain,managed_irq,1 nohz_full=1 rcu_nocbs=1 irqaffinity=0,2-3' '$tmp/out'"
ISOLATOR_SYSROOT=$tree "$ISOLATOR" apply --cpu 1 --dry-run >"$tmp/out" 2>"$tmp/err"
check "apply --dry-run exits 0" "[ $? = 0 ]"
tree_state "$tree" >"$tmp/tree.dry"
check "apply --dry-run changes nothing" "cmp -s '$tmp/tree.before' '$tmp/tree.dry' && [ ! -e '$ISOLATOR_STATE_DIR/journal' ]"
check "apply --dry-run lists the changes" "grep -q 'would set .*/proc/irq/10/smp_affinity_list: 0-3 -> 0,2-3' '$tmp/out'"

h0=$(holders)
ISOLATOR_SYSROOT=$tree "$ISOLATOR" apply --cpu 1 >"$tmp/out" 2>"$tmp/err"
check "apply on the tree exits 0" "[ $? = 0 ]"
check "IRQ 11 (only CPU 1) moved to the housekeeping CPUs" "[ \$(cat '$tree/proc/irq/11/smp_affinity_list') = 0,2-3 ]"
check "IRQ 13 (1-3) keeps 2-3" "[ \$(cat '$tree/proc/irq/13/smp_affinity_list') = 2-3 ]"
check "governor performance, RT throttling -1, timer_migration 0" \
	"[ \$(cat '$tree/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor') = performance ] && [ \$(cat '$tree/proc/sys/kernel/sched_rt_runtime_us') = -1 ] && [ \$(cat '$tree/proc/sys/kernel/timer_migration') = 0 ]"
check "workqueue masks f -> d, watchdog 0-3 -> 0,2-3, THP never" \
	"[ \$(cat '$tree/sys/devices/virtual/workqueue/cpumask') = d ] && [ \$(cat '$tree/sys/devices/virtual/workqueue/writeback/cpumask') = d ] && [ \$(cat '$tree/proc/sys/kernel/watchdog_cpumask') = 0,2-3 ] && [ \$(cat '$tree/sys/kernel/mm/transparent_hugepage/enabled') = never ]"
check "tuned's sysctls: numa_balancing 0, vm.stat_interval 10, hung_task_timeout_secs 600" \
	"[ \$(cat '$tree/proc/sys/kernel/numa_balancing') = 0 ] && [ \$(cat '$tree/proc/sys/vm/stat_interval') = 10 ] && [ \$(cat '$tree/proc/sys/kernel/hung_task_timeout_secs') = 600 ]"
check "  ... each journaled for revert" \
	"grep -q '/proc/sys/kernel/numa_balancing 1 0\$' '$ISOLATOR_STATE_DIR/journal' && grep -q '/proc/sys/vm/stat_interval 1 10\$' '$ISOLATOR_STATE_DIR/journal' && grep -q '/proc/sys/kernel/hung_task_timeout_secs 120 600\$' '$ISOLATOR_STATE_DIR/journal'"
check "a /dev/cpu_dma_latency holder runs" "[ $(holders) -gt $h0 ]"
check "journal written" "head -1 '$ISOLATOR_STATE_DIR/journal' | grep -q '^isolator-journal 1 '"
ISOLATOR_SYSROOT=$tree "$ISOLATOR" apply --cpu 1 >"$tmp/out" 2>"$tmp/err"
check "a second apply is refused while the journal exists" "[ $? = 1 ] && grep -q 'revert' '$tmp/err'"
ISOLATOR_SYSROOT=$tree "$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
check "revert exits 0" "[ $? = 0 ]"
tree_state "$tree" >"$tmp/tree.after"
check "revert restores every value of the tree" "cmp -s '$tmp/tree.before' '$tmp/tree.after'"
check "revert stops the holder" "[ $(holders) = $h0 ] && grep -q 'stopped process:' '$tmp/out'"
check "journal removed" "[ ! -e '$ISOLATOR_STATE_DIR/journal' ]"

# tuned's sysctls: never lowered (stat_interval 20 stays, hung_task 0 is
# the detector off and stays); absent from the kernel: skipped, and said
echo 20 >"$tree/proc/sys/vm/stat_interval"
echo 0 >"$tree/proc/sys/kernel/hung_task_timeout_secs"
rm "$tree/proc/sys/kernel/numa_balancing"
tree_state "$tree" >"$tmp/tree.before"
ISOLATOR_SYSROOT=$tree "$ISOLATOR" apply --cpu 1 --no-dma-holder >"$tmp/out" 2>"$tmp/err"
check "apply without numa_balancing exits 0" "[ $? = 0 ]"
check "  ... says it skipped it" "grep -q '^skip /proc/sys/kernel/numa_balancing: not present' '$tmp/out'"
check "  ... left stat_interval 20 and hung_task_timeout_secs 0 alone" \
	"[ \$(cat '$tree/proc/sys/vm/stat_interval') = 20 ] && [ \$(cat '$tree/proc/sys/kernel/hung_task_timeout_secs') = 0 ] && ! grep -q 'stat_interval\\|hung_task' '$ISOLATOR_STATE_DIR/journal'"
ISOLATOR_SYSROOT=$tree "$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
tree_state "$tree" >"$tmp/tree.after"
check "  ... and revert is exact" "cmp -s '$tmp/tree.before' '$tmp/tree.after'"
make_tree "$tree"

# A value the kernel refuses: reported, the rest applies, revert exact.
rm "$tree/proc/sys/kernel/timer_migration"
ln -s /proc/version "$tree/proc/sys/kernel/timer_migration"
tree_state "$tree" >"$tmp/tree.before"
ISOLATOR_SYSROOT=$tree "$ISOLATOR" apply --cpu 1 --no-dma-holder >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a refused value: exit 1, one line on stderr" "[ $rc = 1 ] && [ \$(wc -l <'$tmp/err') = 1 ]"
check "the refusal is reported" "grep -q 'FAILED .*timer_migration' '$tmp/out'"
check "the rest still applied" "[ \$(cat '$tree/proc/sys/kernel/sched_rt_runtime_us') = -1 ]"
ISOLATOR_SYSROOT=$tree "$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
tree_state "$tree" >"$tmp/tree.after"
check "revert after a refused value is exact" "cmp -s '$tmp/tree.before' '$tmp/tree.after'"

# SIGKILL at a random point on the tree, then revert
for i in 1 2 3; do
	make_tree "$tree"
	tree_state "$tree" >"$tmp/tree.before"
	h0=$(holders)
	delay=$(rand_delay 250)
	ISOLATOR_SYSROOT=$tree ISOLATOR_TEST_STEP_DELAY_MS=20 "$ISOLATOR" apply --cpu 1 >"$tmp/out" 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	done_lines=$(journal_entries)
	ISOLATOR_SYSROOT=$tree "$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
	tree_state "$tree" >"$tmp/tree.after"
	check "tree: apply killed after ${delay}s ($done_lines changes made), revert exact" \
		"cmp -s '$tmp/tree.before' '$tmp/tree.after' && [ $(holders) = $h0 ] || { diff '$tmp/tree.before' '$tmp/tree.after'; echo holders $(holders) $h0; false; }"
done

# SIGKILL inside one write, every time: apply stops itself (SIGSTOP) between
# opening the setting and writing its value (ISOLATOR_TEST_WRITE_STOP), and is
# killed there. A regular file must then hold the old value or the new, as a
# sysfs attribute would (it used to be left empty, and revert skipped it as
# changed by someone else), and revert must leave no temporary file behind.
# stopped PID: wait up to 10 s until PID is stopped (state T)
stopped() {
	w=0
	while [ $w -lt 100 ]; do
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1; w=$((w + 1))
	done
	return 1
}
for setting in /proc/sys/kernel/timer_migration:1:0 /proc/irq/11/smp_affinity_list:1:0,2-3; do
	file=${setting%%:*} values=${setting#*:}
	make_tree "$tree"
	tree_state "$tree" >"$tmp/tree.before"
	h0=$(holders)
	ISOLATOR_SYSROOT=$tree ISOLATOR_TEST_WRITE_STOP=$file "$ISOLATOR" apply --cpu 1 >"$tmp/out" 2>&1 &
	pid=$!
	stopped "$pid"; was_stopped=$?
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	now=$(cat "$tree$file")
	check "tree: apply killed inside the write of $file: it holds the old or the new value ('$now')" \
		"[ $was_stopped = 0 ] && { [ '$now' = '${values%:*}' ] || [ '$now' = '${values#*:}' ]; }"
	check "  ... beside it, the staging file the kill left" "[ -f '$tree${file%/*}/.${file##*/}.isolator-$pid' ]"
	ISOLATOR_SYSROOT=$tree "$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
	tree_state "$tree" >"$tmp/tree.after"
	check "  ... revert exact, no temporary file left" \
		"cmp -s '$tmp/tree.before' '$tmp/tree.after' && [ -z \"\$(find '$tree' -name '*.isolator-*')\" ] && [ $(holders) = $h0 ] || { { diff '$tmp/tree.before' '$tmp/tree.after'; find '$tree' -name '*.isolator-*'; } | sed 's/^/# /'; false; }"
	rm -f "$ISOLATOR_STATE_DIR/journal" # a failed revert keeps it: not the next test's business
done

# SIGKILL inside a revert's write, every time: the revert stages the old
# value under its own pid, which no journal holds, and is killed before the
# rename. The next revert must finish the job and remove that file too: it
# used to remove only the apply's (the pid in the journal's header), and the
# revert's stayed for good.
for setting in /proc/sys/kernel/timer_migration:1:0 /proc/irq/11/smp_affinity_list:1:0,2-3; do
	file=${setting%%:*} values=${setting#*:}
	make_tree "$tree"
	tree_state "$tree" >"$tmp/tree.before"
	h0=$(holders)
	ISOLATOR_SYSROOT=$tree "$ISOLATOR" apply --cpu 1 >"$tmp/out" 2>&1
	ISOLATOR_SYSROOT=$tree ISOLATOR_TEST_WRITE_STOP=$file "$ISOLATOR" revert >"$tmp/out" 2>&1 &
	pid=$!
	stopped "$pid"; was_stopped=$?
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	now=$(cat "$tree$file")
	check "tree: revert killed inside the write of $file: it holds the old or the new value ('$now')" \
		"[ $was_stopped = 0 ] && { [ '$now' = '${values%:*}' ] || [ '$now' = '${values#*:}' ]; }"
	check "  ... beside it, the revert's staging file" "[ -f '$tree${file%/*}/.${file##*/}.isolator-$pid' ]"
	ISOLATOR_SYSROOT=$tree "$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
	tree_state "$tree" >"$tmp/tree.after"
	check "  ... the next revert exact, no temporary file left" \
		"cmp -s '$tmp/tree.before' '$tmp/tree.after' && [ -z \"\$(find '$tree' -name '*.isolator-*')\" ] && [ ! -e '$ISOLATOR_STATE_DIR/journal' ] && [ $(holders) = $h0 ] || { { diff '$tmp/tree.before' '$tmp/tree.after'; find '$tree' -name '*.isolator-*'; } | sed 's/^/# /'; false; }"
	rm -f "$ISOLATOR_STATE_DIR/journal"
done

# --- issue 13: journals root can trust (each on a private state directory) ----
# tree_without FILE: the tree's state, FILE's line left out
tree_without() { tree_state "$tree" | grep -v "^\.${1#$tree}:"; }
make_tree "$tree"
tree_state "$tree" >"$tmp/tree.before"
echo "root's file" >"$tmp/victim"

# row 1: a state directory others can write is refused by run and revert
evil=$tmp/evil
mkdir -m 700 "$evil" && chmod 777 "$evil"
ISOLATOR_STATE_DIR=$evil expect_fail "revert: a world-writable state directory" revert
check "  ... the refusal says why" "grep -q 'writable by group or others' '$tmp/err'"
if [ "$(id -u)" = 0 ]; then
	ISOLATOR_STATE_DIR=$evil ISOLATOR_SYSROOT=$tree expect_fail "run as root: a world-writable state directory" \
		run --cpu 1 --fifo 0 --quiet -- true
	check "  ... and nothing changed in the tree" "tree_state '$tree' | cmp -s - '$tmp/tree.before'"
else
	ok "# SKIP run with a world-writable state directory: root only"
	ok "# SKIP"
fi
# row 1: a symbolic link planted as the next session's journal is refused,
# and its target never written; the run is refused whole, in one line (it
# used to carry on without IRQ steering), and its command never starts
good=$tmp/good
mkdir -m 700 "$good"
ISOLATOR_STATE_DIR=$good ISOLATOR_SYSROOT=$tree sh -c \
	'ln -s "$2" "$ISOLATOR_STATE_DIR/session-$$.journal"; exec "$1" run --cpu 1 --fifo 0 -- touch "$3"' \
	sh "$ISOLATOR" "$tmp/victim" "$tmp/ran" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$(id -u)" = 0 ]; then
	check "run refuses a symlink planted as its journal: exit 1, one line (exit $rc)" \
		"[ $rc = 1 ] && [ \$(wc -l <'$tmp/err') = 1 ] && grep -q '^isolator: run: journal .*session-[0-9]*.journal exists: a symbolic link; refused' '$tmp/err'"
	check "  ... and its command never ran" "[ ! -e '$tmp/ran' ]"
else
	ok "# SKIP run journals only as root"
	ok "# SKIP"
fi
check "  ... the symlink's target is untouched" "[ \"\$(cat '$tmp/victim')\" = \"root's file\" ]"
check "  ... and the tree is as before" "tree_state '$tree' | cmp -s - '$tmp/tree.before'"
ISOLATOR_STATE_DIR=$good expect_fail "revert refuses the planted symlink" revert
check "  ... naming it" "grep -q 'symbolic link' '$tmp/err'"
rm -f "$good"/session-*.journal
# the same for a journal of ours left at the name (a dead session's pid reused)
ISOLATOR_STATE_DIR=$good ISOLATOR_SYSROOT=$tree sh -c \
	'printf "isolator-journal 1 %d -\n" $$ >"$ISOLATOR_STATE_DIR/session-$$.journal"
	 chmod 600 "$ISOLATOR_STATE_DIR/session-$$.journal"; exec "$1" run --cpu 1 --fifo 0 -- touch "$2"' \
	sh "$ISOLATOR" "$tmp/ran" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$(id -u)" = 0 ]; then
	check "run refuses when an old journal has its journal's name: exit 1, says revert (exit $rc)" \
		"[ $rc = 1 ] && [ \$(wc -l <'$tmp/err') = 1 ] && grep -q '^isolator: run: journal .*session-[0-9]*.journal exists (from pid [0-9]*); run .isolator revert. first' '$tmp/err'"
	check "  ... and its command never ran; the tree is as before" \
		"[ ! -e '$tmp/ran' ] && tree_state '$tree' | cmp -s - '$tmp/tree.before'"
else
	ok "# SKIP run journals only as root"
	ok "# SKIP"
fi
rm -f "$good"/session-*.journal
# row 1: a journal naming any file and any process: nothing written, nobody signalled
sleep 60 & victim_pid=$!
printf 'isolator-journal 1 1 -\n%s x y\n%s/proc/sys/kernel/core_pattern core |/tmp/x\nprocess:%d %%- 0\n' \
	"$tmp/victim" "$tree" "$victim_pid" >"$good/journal"
chmod 600 "$good/journal"
ISOLATOR_STATE_DIR=$good ISOLATOR_SYSROOT=$tree "$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
rc=$?
check "revert of a planted journal: exit 1, the settings off the allow-list refused" \
	"[ $rc = 1 ] && [ \$(grep -c '^REFUSED ' '$tmp/out') = 2 ] && [ \$(wc -l <'$tmp/err') = 1 ]"
check "  ... the file it names is not written" "[ \"\$(cat '$tmp/victim')\" = \"root's file\" ]"
check "  ... the process it names was not signalled" "kill -0 $victim_pid"
kill "$victim_pid"; wait "$victim_pid" 2>/dev/null
check "  ... the journal is kept" "[ -e '$good/journal' ]"
if [ "$(id -u)" = 0 ]; then
	chown nobody "$good/journal"
	ISOLATOR_STATE_DIR=$good expect_fail "revert refuses someone else's journal" revert
	check "  ... naming the owner" "grep -q 'owned by another user' '$tmp/err'"
else
	ok "# SKIP someone else's journal: root only"
	ok "# SKIP"
fi
rm -f "$good/journal"

# row 7: a FIFO as the journal is refused at once (it blocked in open())
mkdir -p -m 700 "$ISOLATOR_STATE_DIR"
mkfifo "$ISOLATOR_STATE_DIR/journal"
TAP_TIMEOUT=10 expect_fail "revert: a FIFO as the journal" revert
check "  ... says it is a FIFO" "grep -q 'a FIFO, not a regular file' '$tmp/err'"
rm -f "$ISOLATOR_STATE_DIR/journal"

# row 2: two applies at once: exactly one succeeds, the journal has one header
both=0 none=0 headers=0
for i in $(seq 20); do
	ISOLATOR_SYSROOT=$tree "$ISOLATOR" apply --cpu 1 --no-dma-holder >/dev/null 2>&1 & pa=$!
	ISOLATOR_SYSROOT=$tree "$ISOLATOR" apply --cpu 1 --no-dma-holder >/dev/null 2>&1; rb=$?
	wait $pa; ra=$?
	[ $ra = 0 ] && [ $rb = 0 ] && both=$((both + 1))
	[ $ra != 0 ] && [ $rb != 0 ] && none=$((none + 1))
	[ "$(grep -c '^isolator-journal ' "$ISOLATOR_STATE_DIR/journal" 2>/dev/null)" = 1 ] || headers=$((headers + 1))
	ISOLATOR_SYSROOT=$tree "$ISOLATOR" revert >/dev/null 2>&1 || headers=$((headers + 1))
done
check "two applies at once, 20 times: never both succeed ($both), never neither ($none)" "[ $both = 0 ] && [ $none = 0 ]"
check "  ... one header each time, and every revert succeeds ($headers bad)" "[ $headers = 0 ]"
check "  ... the tree is as before" "tree_state '$tree' | cmp -s - '$tmp/tree.before'"

# row 6: a line damaged in the middle: named, the rest restored, journal kept
ISOLATOR_SYSROOT=$tree "$ISOLATOR" apply --cpu 1 --no-dma-holder >/dev/null 2>&1
line3=$(awk 'NR == 3 { print $1 }' "$ISOLATOR_STATE_DIR/journal")
sed -i '3s/ \([^ ]*\) / %Z\1 /' "$ISOLATOR_STATE_DIR/journal"
ISOLATOR_SYSROOT=$tree "$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
rc=$?
check "revert of a damaged journal: exit 1, one line on stderr" "[ $rc = 1 ] && [ \$(wc -l <'$tmp/err') = 1 ]"
check "  ... it names line 3" "grep -q '^DAMAGED .*journal line 3: ' '$tmp/out'"
check "  ... every other setting is restored" \
	"tree_without '$line3' >'$tmp/a'; grep -v \"^\\.\${line3#$tree}:\" '$tmp/tree.before' >'$tmp/b'; cmp -s '$tmp/a' '$tmp/b'"
check "  ... line 3's setting is left as apply set it" "! grep -qx \"\\.\${line3#$tree}:\$(cat '$line3')\" '$tmp/tree.before'"
check "  ... the journal is kept" "[ -e '$ISOLATOR_STATE_DIR/journal' ]"
rm -f "$ISOLATOR_STATE_DIR/journal"
make_tree "$tree"

# row 5: apply interrupted: what it did is undone, exit 128+N
h0=$(holders)
ISOLATOR_SYSROOT=$tree ISOLATOR_TEST_STEP_DELAY_MS=100 env --default-signal=INT "$ISOLATOR" apply --cpu 1 >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
check "apply SIGINTed after 0.5 s: exit 130 ($rc)" "[ $rc = 130 ] && grep -q 'interrupted by SIGINT' '$tmp/err'"
check "  ... the tree is as before, no journal, no holder" \
	"tree_state '$tree' | cmp -s - '$tmp/tree.before' && [ ! -e '$ISOLATOR_STATE_DIR/journal' ] && [ $(holders) = $h0 ]"

# --- stat --prometheus ----------------------------------------------------------
expect_fail "stat: --bench without --prometheus" stat --bench /dev/null
expect_fail "stat: --prometheus into a missing directory" stat --prometheus "$tmp/none/x.prom"
expect_fail "stat: --bench not a bench output" stat --prometheus "$tmp/x.prom" --bench /etc/hostname
check "no file left behind by a failed write" "[ ! -e '$tmp/x.prom' ] && ! ls '$tmp'/x.prom.tmp.* 2>/dev/null"
cat >"$tmp/bench.json" <<'JSON'
{"schema":"isolator-bench/1","test":"response","results":[{"mode":"poll","count":100,"latency_ns":{"min":400,"avg":450.5,"p50":450,"p99":500,"p9999":900,"max":1000}},{"mode":"wake","count":50,"latency_ns":{"min":5000,"avg":6000,"p50":6000,"p99":9000,"p9999":9500,"max":10000}}],"split":[{"mode":"poll","count":100,"latency_ns":{"min":1,"avg":1,"p50":1,"p99":1,"p9999":1,"max":1}}]}
JSON
"$ISOLATOR" stat --prometheus "$tmp/x.prom" --bench "$tmp/bench.json" >"$tmp/out" 2>"$tmp/err"
check "stat --prometheus writes the file and nothing on stdout" "[ $? = 0 ] && [ -s '$tmp/x.prom' ] && [ ! -s '$tmp/out' ]"
check "interrupts per CPU and kind, as counters" \
	"grep -q '^# TYPE isolator_interrupts_total counter' '$tmp/x.prom' && grep -q '^isolator_interrupts_total{cpu=\"0\",kind=\"LOC\",type=\"hard\"} [0-9]*\$' '$tmp/x.prom'"
check "bench percentiles in seconds, split not repeated" \
	"grep -q '^isolator_bench_latency_seconds{test=\"response\",mode=\"poll\",quantile=\"0.99\"} 0.000000500\$' '$tmp/x.prom' && [ \$(grep -c 'mode=\"poll\",quantile=\"0.99\"' '$tmp/x.prom') = 1 ]"
# the text format: every sample line is NAME{labels} VALUE, a family's lines
# (a summary's _sum and _count too) together after its TYPE; tests/formats.sh
# runs promtool itself on it
check "valid textfile format, families contiguous" "awk '
	/^# TYPE / { if (seen[\$3]++) bad = 1; cur = \$3; next }
	/^#/ { next }
	!/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eE]+\$/ { bad = 1 }
	{ name = \$0; sub(/[{ ].*/, \"\", name)
	  if (name != cur && name != cur \"_sum\" && name != cur \"_count\") bad = 1 }
	END { exit bad }' '$tmp/x.prom'"
"$ISOLATOR" stat --prometheus "$tmp/x.prom" --cpu 0 --interval 50ms --count 2 >"$tmp/out" 2>"$tmp/err"
check "stat --prometheus --cpu 0 --count 2 rewrites and exits" "[ $? = 0 ] && ! grep -q 'cpu=\"1\"' '$tmp/x.prom' && grep -q 'cpu=\"0\"' '$tmp/x.prom'"

# --- run --deadline and --isolate ---------------------------------------------
expect_fail "run: --deadline runtime > deadline" run --deadline 2ms/1ms/10ms -- true
expect_fail "run: --deadline under 1024 ns" run --deadline 50ns/1ms -- true
expect_fail "run: --deadline one part" run --deadline 1ms -- true
expect_fail "run: --deadline junk" run --deadline 1ms/xs/2ms -- true
expect_fail "run: --fifo with --deadline" run --cpu 0 --fifo 10 --deadline 1ms/2ms -- true
expect_fail "run: --isolate bogus" run --cpu 0 --isolate bogus -- true
expect_fail "run: --isolate 0" run --cpu 0 --isolate 0 -- true
expect_fail "run: --isolate without --cpu" run --isolate all -- true
if [ "$(id -u)" = 0 ]; then
	"$ISOLATOR" run --deadline 2ms/10ms/10ms --quiet -- chrt -p 0 >"$tmp/out" 2>"$tmp/err"
	check "run --deadline 2ms/10ms/10ms gives SCHED_DEADLINE 2000000/10000000/10000000" \
		"grep -q 'SCHED_DEADLINE' '$tmp/out' && grep -q '2000000/10000000/10000000' '$tmp/out'"
	# admission control: deadline tasks may reserve 95% of each CPU; fill it, then ask more
	ncpu=$(nproc)
	pids=""
	for i in $(seq 1 "$ncpu"); do
		"$ISOLATOR" run --deadline 9ms/10ms/10ms --quiet -- sleep 5 & pids="$pids $!"
	done
	sleep 0.5
	"$ISOLATOR" run --deadline 9ms/10ms/10ms --quiet -- true >"$tmp/out" 2>"$tmp/err"
	rc=$?
	kill $pids 2>/dev/null; wait $pids 2>/dev/null
	check "admission control refusal: exit 127, one line that explains it" \
		"[ $rc = 127 ] && [ \$(wc -l <'$tmp/err') = 1 ] && grep -q 'admission control (EBUSY).*sched_rt_runtime_us' '$tmp/err'"
	if [ "$(cat /sys/devices/system/cpu/isolated)" = "" ]; then
		"$ISOLATOR" run --cpu 0 --deadline 1ms/10ms --quiet -- true >"$tmp/out" 2>"$tmp/err"
		check "pinned deadline task refused, root domain explained" \
			"[ $? = 127 ] && grep -q 'root domain' '$tmp/err'"
	fi
	"$ISOLATOR" run --cpu 0 --fifo 0 --isolate clock,ipi -- grep Cpus_allowed_list /proc/self/status >"$tmp/out" 2>"$tmp/err"
	check "run --isolate calls isolator_start in the child, pinned" \
		"grep -q 'isolator_start(0x5): .* backend' '$tmp/err' && grep -q 'Cpus_allowed_list:.0\$' '$tmp/out'"
else
	ok "# SKIP run --deadline needs root"
fi

# --- this machine (root): every IRQ affinity and tunable as it was ------------
if [ "$(id -u)" = 0 ] && [ "$(cat /sys/devices/system/cpu/online)" != 0 ]; then
	last=$(($(nproc --all) - 1))
	# one test at a time changes the real machine (cli.sh's crash test takes it
	# too); anything else that steers IRQs meanwhile would show up as a diff
	exec 9>/tmp/isolator-system-test.lock
	flock -w 300 9
	snapshot() {
		for f in /proc/irq/*/smp_affinity_list /proc/irq/default_smp_affinity \
			/proc/sys/kernel/sched_rt_runtime_us /proc/sys/kernel/timer_migration \
			/proc/sys/kernel/numa_balancing /proc/sys/vm/stat_interval \
			/proc/sys/kernel/hung_task_timeout_secs \
			/proc/sys/kernel/watchdog_cpumask /sys/devices/virtual/workqueue/cpumask \
			/sys/devices/virtual/workqueue/*/cpumask /sys/kernel/mm/transparent_hugepage/enabled \
			/sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
			[ -r "$f" ] && echo "$f $(cat "$f")"
		done
		echo "dma holders $(holders)"
		ls -d /sys/fs/cgroup/unified/isolator.apply /sys/fs/cgroup/isolator.apply 2>/dev/null
	}
	# other isolator sessions (benchmarks, demos of other users of this machine)
	# steer IRQs too: wait until none is live, and say so if one started meanwhile
	foreign() {
		for j in /var/lib/isolator/*.journal /tmp/isolator-*/state/*.journal; do
			case $j in "$tmp"/*) continue ;; esac
			[ -e "$j" ] || continue
			o=$(head -1 "$j" 2>/dev/null | awk '{ print $3 }')
			[ -n "$o" ] && kill -0 "$o" 2>/dev/null && echo "$j"
		done
	}
	quiet() { w=0; while [ -n "$(foreign)" ] && [ $w -lt 120 ]; do sleep 1; w=$((w + 1)); done; }
	# same_as_before DESCRIPTION: compare, and blame a foreign session if one ran
	same_as_before() {
		snapshot >"$tmp/after"
		if cmp -s "$tmp/before" "$tmp/after"; then ok "$1"; return; fi
		# a session of another test may have started just now: it restores
		# when it ends, so wait for it and look again
		sleep 1
		f=$(foreign | head -1)
		quiet
		snapshot >"$tmp/after"
		if cmp -s "$tmp/before" "$tmp/after"; then ok "$1 (after another session ended)"
		elif [ -n "$f" ]; then ok "# SKIP $1: another isolator session changed IRQs meanwhile ($f)"
		else not_ok "$1"; diff "$tmp/before" "$tmp/after" | sed 's/^/#   /'; fi
	}
	quiet
	snapshot >"$tmp/before"
	"$ISOLATOR" apply --cpu "$last" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	snapshot >"$tmp/during"
	check "apply --cpu $last on this machine (exit $rc)" "[ $rc = 0 ] || [ $rc = 1 ]"
	check "apply changed the machine" "! cmp -s '$tmp/before' '$tmp/during'"
	"$ISOLATOR" check --cpu "$last" --json >"$tmp/out" 2>"$tmp/err"
	check "after apply, check passes rt_throttling and timer_migration" \
		"grep -q '\"id\":\"rt_throttling\",[^}]*\"status\":\"pass\"' '$tmp/out' && grep -q '\"id\":\"timer_migration\",[^}]*\"status\":\"pass\"' '$tmp/out'"
	check "after apply, check passes tuned's vm_stat_interval and hung_task_timeout" \
		"grep -q '\"id\":\"vm_stat_interval\",[^}]*\"status\":\"\\(pass\\|skip\\)\"' '$tmp/out' && grep -q '\"id\":\"hung_task_timeout\",[^}]*\"status\":\"\\(pass\\|skip\\)\"' '$tmp/out'"
	"$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
	check "revert exits 0" "[ $? = 0 ]"
	same_as_before "apply + revert: every IRQ affinity and tunable as it was"
	for i in 1 2 3 4; do
		quiet
		snapshot >"$tmp/before"
		delay=$(rand_delay 600)
		ISOLATOR_TEST_STEP_DELAY_MS=20 "$ISOLATOR" apply --cpu "$last" >"$tmp/out" 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		made=$(journal_entries)
		"$ISOLATOR" revert >"$tmp/out" 2>"$tmp/err"
		same_as_before "apply SIGKILLed after ${delay}s ($made changes made); revert leaves the machine as it was"
	done

	# --- issue 13 rows 3-5: sessions that share this machine -----------------
	# row 3: one owner per CPU; a second run, or apply, on it is refused
	quiet
	snapshot >"$tmp/before"
	"$ISOLATOR" run --cpu "$last" --fifo 0 --quiet -- sleep 3 &
	p1=$!
	sleep 1
	expect_fail "a second run on CPU $last is refused" run --cpu "$last" --fifo 0 --quiet -- sleep 4
	check "  ... naming the holder's pid and command" "grep -q 'CPU $last is in use by pid $p1 (.*run --cpu $last .*sleep 3)' '$tmp/err'"
	expect_fail "apply --cpu $last during that run is refused" apply --cpu "$last"
	check "  ... and journals nothing" "[ ! -e '$ISOLATOR_STATE_DIR/journal' ]"
	wait "$p1"
	same_as_before "the first run's restore leaves the machine as it was"

	# row 4: a session on another CPU never steers IRQs onto apply's CPU
	quiet
	snapshot >"$tmp/before"
	"$ISOLATOR" apply --cpu "$last" --no-dma-holder >/dev/null 2>&1
	irqs='for f in /proc/irq/*/smp_affinity_list; do echo "$f $(cat "$f")"; done'
	sh -c "$irqs" >"$tmp/applied"
	"$ISOLATOR" run --cpu 0 --fifo 0 --quiet -- sh -c "$irqs" >"$tmp/out" 2>"$tmp/err"
	# an IRQ whose list names CPU $last while run holds CPU 0, but did not
	# after apply (unmovable ones stay where they are), was steered onto it
	check "run --cpu 0 after apply --cpu $last: no IRQ is steered onto CPU $last" "awk -v c=$last '
		function has(l,   n, r, i, ab) { n = split(l, r, \",\"); for (i = 1; i <= n; i++) {
			split(r[i], ab, \"-\"); if (c + 0 >= ab[1] + 0 && c + 0 <= (ab[2] == \"\" ? ab[1] : ab[2]) + 0) return 1 }
			return 0 }
		FNR == NR { before[\$1] = has(\$2); next }
		has(\$2) && !before[\$1] { print \"steered onto CPU \" c \": \" \$0; bad = 1 }
		END { exit bad }' '$tmp/applied' '$tmp/out'"
	"$ISOLATOR" revert >/dev/null 2>&1
	same_as_before "  ... and apply's revert leaves the machine as it was"

	# row 5: Ctrl-C on bench and demo restores and exits 128+N
	for sig in INT TERM; do
		case $sig in INT) cmd="bench response --duration 5" want=130 ;; TERM) cmd="demo --duration 5" want=143 ;; esac
		quiet
		snapshot >"$tmp/before"
		# a shell starts background jobs with SIGINT ignored: as typed
		env --default-signal=INT "$ISOLATOR" $cmd >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		sleep 1.5
		kill -$sig "$pid"
		wait "$pid"
		rc=$?
		check "$cmd, SIG$sig after 1.5 s: exit $want ($rc)" "[ $rc = $want ] && grep -q '^isolator: .*interrupted by SIG$sig; system state restored' '$tmp/err'"
		check "  ... no session journal left" "! ls '$ISOLATOR_STATE_DIR'/session-*.journal >/dev/null 2>&1"
		same_as_before "  ... every IRQ affinity as it was"
	done
	# an ignored signal stays ignored: nohup still works
	quiet
	snapshot >"$tmp/before"
	(trap '' HUP; exec "$ISOLATOR" demo --duration 2 >"$tmp/out" 2>"$tmp/err") &
	pid=$!
	sleep 1
	kill -HUP "$pid"
	wait "$pid"
	rc=$?
	check "demo with SIGHUP ignored (nohup) runs to its end despite a SIGHUP ($rc)" "[ $rc = 0 ] && grep -q 'TSC gaps' '$tmp/out'"
	same_as_before "  ... every IRQ affinity as it was"
else
	ok "# SKIP apply/revert on this machine needs root and several CPUs"
fi

echo "1..$n"
[ "$failed" = 0 ]
