#!/bin/sh
# Command-line tests of `isolator explain`, in TAP: the question's report
# gives its findings; every fixture of tests/data/explain is read, and its
# --json is valid against bench/schema/isolator-explain-1.json; bad input
# gets one line on stderr and exit 1; --measure runs here (cyclictest when
# installed, the built-in loop too) and fills both columns. Behaviour only:
# no time is asserted. Usage: explain_cli.sh ISOLATOR SCHEMA
set -u
ISOLATOR=${1:?usage: explain_cli.sh ISOLATOR SCHEMA}
SCHEMA=${2:?usage: explain_cli.sh ISOLATOR SCHEMA}
DATA=${ISOLATOR_TEST_DATA:-tests/data}/explain
tmp=$(mktemp -d /tmp/isolator-explain-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"

check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

# python3's jsonschema when it is there (scripts/deps.sh bench installs it)
validate() {
	python3 -c 'import jsonschema' 2>/dev/null || return 77
	python3 - "$SCHEMA" "$1" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
}

# --- the question's report, verbatim, on a fake machine ----------------------
Q=$DATA/question-microsecond-rt-kernel.txt
ISOLATOR_SYSROOT=$DATA/sysroot "$ISOLATOR" explain "$Q" >"$tmp/q" 2>"$tmp/err"
check "question: explained (exit 0, nothing on stderr)" "[ $? = 0 ] && [ ! -s '$tmp/err' ]"
check "question: SCHED_OTHER and timer slack, 50 us of the 56 us average" \
	"grep -q '^\[cause\] sched_other' '$tmp/q' && grep -q 'timer slack' '$tmp/q' && tr '\n' ' ' <'$tmp/q' | tr -s ' ' | grep -q 'about 50 us of the 56 us average'"
check "question: the policy line quoted with its number" "grep -q '  line 7: policy: other/other' '$tmp/q'"
check "question: no -m, quoting the command line" \
	"grep -A1 '^\[cause\] no_mlock' '$tmp/q' | grep -q 'line 5: sudo cyclictest --smp'"
check "question: CPUs shared with other work" "grep -q '^\[cause\] cpus_shared' '$tmp/q'"
check "question: /dev/cpu_dma_latency ruled out" "grep -q '^\[ruled out\] cpu_dma_latency' '$tmp/q'"
check "question: the 10 ms window answered with isolator run --deadline" \
	"grep -q '^\[answer\] deadline_window' '$tmp/q' && grep -q 'isolator run --deadline 200us/10ms/10ms' '$tmp/q'"
check "question: the 2 us minimum is the wake-up path" "grep -q '^\[cause\] min_wakeup' '$tmp/q'"
"$ISOLATOR" explain - <"$Q" >"$tmp/stdin" 2>&1
check "question: read from stdin too" "grep -q '^\[cause\] sched_other' '$tmp/stdin'"

# --- every fixture, table and JSON -------------------------------------------
for f in "$DATA"/*.txt "$DATA"/*.json; do
	name=$(basename "$f")
	ISOLATOR_SYSROOT=$DATA/sysroot "$ISOLATOR" explain "$f" >"$tmp/out" 2>"$tmp/err"
	check "$name: explained" "[ $? = 0 ] && grep -q '^\[' '$tmp/out'"
	ISOLATOR_SYSROOT=$DATA/sysroot "$ISOLATOR" explain --json "$f" >"$tmp/out.json" 2>"$tmp/err"
	validate "$tmp/out.json"
	rc=$?
	if [ $rc = 77 ]; then ok "# SKIP $name: no python3 jsonschema"; else
		check "$name: --json valid against isolator-explain-1.json" "[ $rc = 0 ]"; fi
done

ISOLATOR_SYSROOT=$DATA/sysroot "$ISOLATOR" explain --json="$tmp/q.json" "$Q" >"$tmp/q2" 2>"$tmp/err"
check "--json=FILE: the table on stdout, the JSON in FILE" \
	"[ $? = 0 ] && cmp -s '$tmp/q' '$tmp/q2' && grep -q '\"schema\":\"isolator-explain/1\"' '$tmp/q.json'"

# --- bad input: one line, exit 1 -------------------------------------------
: >"$tmp/empty"
head -n 9 "$Q" >"$tmp/truncated" && printf 'T: 2 ( 6187) P: 0 I:2000 C: 756' >>"$tmp/truncated"
head -c 4096 "$ISOLATOR" >"$tmp/binary"
head -c 300 "$DATA/cyclictest-a1-p99.json" >"$tmp/truncated.json"
"$ISOLATOR" check --json >"$tmp/check.json" 2>/dev/null
printf '           CPU0       CPU1\n  0:         22          0   IO-APIC   2-edge      timer\n' >"$tmp/interrupts"
expect_fail "empty file" explain "$tmp/empty"
expect_fail "truncated report (half a summary line)" explain "$tmp/truncated"
expect_fail "binary data" explain "$tmp/binary"
expect_fail "truncated JSON" explain "$tmp/truncated.json"
expect_fail "another tool's file: isolator check --json" explain "$tmp/check.json"
expect_fail "another tool's file: /proc/interrupts" explain "$tmp/interrupts"
expect_fail "no such file" explain "$tmp/absent"
expect_fail "two files" explain "$Q" "$Q"
expect_fail "unknown option" explain --frobnicate "$Q"
expect_fail "--duration without --measure" explain --duration 2 "$Q"
expect_fail "--duration 0" explain --measure --duration 0 "$Q"
expect_fail "--cpu not online" explain --cpu 4096 "$Q"
expect_fail "--json=FILE in a missing directory" explain --json="$tmp/absent/x.json" "$Q"
grep -q 'isolator bench --json' "$tmp/err" 2>/dev/null || true
"$ISOLATOR" explain "$tmp/empty" 2>"$tmp/err"
check "the refusal names the formats explain knows" \
	"grep -q 'cyclictest' '$tmp/err' && grep -q 'oslat' '$tmp/err' && grep -q 'rtla timerlat' '$tmp/err' && grep -q 'isolator bench --json' '$tmp/err'"

# --- --measure on this machine: what ran, both columns filled ---------------
# The steps run SCHED_FIFO and mlockall, which need root.
measure() { # DESCRIPTION ENV...
	desc=$1
	shift
	env "$@" "$ISOLATOR" explain --measure --duration 2 --json "$Q" >"$tmp/m.json" 2>"$tmp/m.err"
	rc=$?
	check "$desc: exit 0 with a progress line per step" "[ $rc = 0 ] && grep -q 'measuring 1/' '$tmp/m.err'"
	check "$desc: the user's run, one step per fix, the recommended run, bench response" "python3 - '$tmp/m.json' <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))['measure']
s = m['steps']
assert [x['fix'] for x in s] == ['', 'sched_other', 'no_mlock'], s
assert s[0]['label'] == 'yours' and s[-1]['label'] == 'recommended'
assert all(x['ran'] and x['result']['count'] > 0 for x in s), s
assert ' -p 99' not in s[0]['command'] and ' -p 99' in s[-1]['command'] and ' -m' in s[-1]['command']
assert m['response'] is not None and m['response']['poll_p50_ns'] > 0 and m['response']['wake_p50_ns'] > 0
PY"
	validate "$tmp/m.json"
	rc=$?
	if [ $rc = 77 ]; then ok "# SKIP $desc: no python3 jsonschema"; else
		check "$desc: --json valid against isolator-explain-1.json" "[ $rc = 0 ]"; fi
}
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP --measure: needs root (SCHED_FIFO, mlockall)"
else
	# --measure ends with isolator bench response, which isolates a real CPU
	# (IRQs steered off it): hold the lock cli.sh, tune_cli.sh and
	# bench_cli.sh take, so that none of them sees the affinities moved
	if command -v flock >/dev/null; then
		exec 9>/tmp/isolator-system-test.lock
		flock -w 300 9
	fi
	if command -v cyclictest >/dev/null; then
		measure "--measure with cyclictest"
		check "--measure with cyclictest: cyclictest ran" "grep -q 'measuring 1/4 (2.0 s): cyclictest -t 1' '$tmp/m.err'"
	else
		ok "# SKIP --measure with cyclictest: rt-tests not installed (scripts/deps.sh explain)"
	fi
	measure "--measure, built-in loop" ISOLATOR_EXPLAIN_CYCLICTEST=none
	check "--measure, built-in loop: the built-in loop ran" "grep -q '(built-in loop) -t 1' '$tmp/m.err'"
	# the table: both columns filled on every row
	ISOLATOR_EXPLAIN_CYCLICTEST=none "$ISOLATOR" explain --measure --duration 1 -q "$Q" >"$tmp/m.txt" 2>&1
	check "--measure table: yours and recommended filled on min, avg, max" \
		"awk '/^  (min|avg|max) \(us\)/ { n++; if (\$3 == \"-\" || \$4 == \"-\") bad++ } END { exit !(n == 3 && !bad) }' '$tmp/m.txt'"
	check "--measure table: the share each fix removed" "grep -q 'share of your average each fix removed' '$tmp/m.txt' && grep -q '^    sched_other' '$tmp/m.txt'"
	# Ctrl-C: one line, exit 1, nothing changed to restore
	ISOLATOR_EXPLAIN_CYCLICTEST=none "$ISOLATOR" explain --measure --duration 5 "$Q" >"$tmp/int.out" 2>"$tmp/int.err" &
	pid=$!
	sleep 1
	kill -INT $pid
	wait $pid
	rc=$?
	check "--measure: Ctrl-C ends it with exit 1 and one line" \
		"[ $rc = 1 ] && grep -q '^isolator: explain: --measure interrupted' '$tmp/int.err'"
fi

echo "1..$n"
[ "$failed" = 0 ]
