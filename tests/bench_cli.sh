#!/bin/sh
# Command-line tests of `isolator bench`, in TAP: bad input gets one line on
# stderr and exit 1; short runs of every mode give a table, JSON valid against
# bench/schema/isolator-bench-1.json, a cyclictest histogram and a plot.
# Behaviour only: no timing is asserted. Usage: bench_cli.sh ISOLATOR SCHEMA
set -u
ISOLATOR=${1:?usage: bench_cli.sh ISOLATOR SCHEMA}
SCHEMA=${2:?usage: bench_cli.sh ISOLATOR SCHEMA}
tmp=$(mktemp -d /tmp/isolator-bench-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export ISOLATOR_STATE_DIR="$tmp/state"
. "$(dirname "$0")/tap.sh"

check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }

# The schema check: python3's jsonschema when it is there (scripts/deps.sh
# bench installs it), else the required keys with jq, else skip.
validate() {
	if python3 -c 'import jsonschema' 2>/dev/null; then
		python3 - "$SCHEMA" "$1" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
	elif command -v jq >/dev/null; then
		jq -e '.schema == "isolator-bench/1" and (.results | length > 0) and
			all(.results[]; .mode and (.count | type == "number") and
			    (.latency_ns | has("min") and has("avg") and has("p50") and has("p99") and
			     has("p9999") and has("max"))) and .machine.cpu_model and .machine.backend' \
			"$1" >/dev/null
	else
		return 77
	fi
}

# --- bad input -------------------------------------------------------------
expect_fail "bench: no mode" bench
expect_fail "bench: unknown mode" bench frobnicate
expect_fail "response: period 0" bench response --period 0
expect_fail "response: period x" bench response --period x
expect_fail "response: duration 0" bench response --duration 0
expect_fail "response: CPU not online" bench response --cpu 9999
expect_fail "response: other CPU not online" bench response --other-cpu 9999
expect_fail "response: same CPU twice" bench response --cpu 0 --other-cpu 0
expect_fail "response: missing plot directory" bench response --plot /nonexistent/dir/x.png
expect_fail "response: plot not png or svg" bench response --plot "$tmp/x.pdf"
expect_fail "response: missing histogram directory" bench response --histogram /nonexistent/dir/h
expect_fail "response: stray argument" bench response extra
expect_fail "response: bad option" bench response --bogus
expect_fail "response: --gpio and --mmio" bench response --gpio gpiochip0:0,1 --mmio /dev/mem:0
expect_fail "response: --external alone" bench response --external
expect_fail "response: --gpio without lines" bench response --gpio gpiochip0
expect_fail "response: --gpio same line twice" bench response --gpio gpiochip0:3,3
expect_fail "response: --gpio no such chip" bench response --gpio nosuchchip:0,1 --duration 0.2
expect_fail "response: --mmio no such file" bench response --mmio /nonexistent:0,4
expect_fail "response: --mmio bad offset" bench response --mmio "$tmp/reg:zz"
expect_fail "response: --mmio unaligned" bench response --mmio "$tmp/reg:2,8"
expect_fail "toggle: period 0" bench toggle --period 0
expect_fail "toggle: CPU not online" bench toggle --cpu 9999
expect_fail "toggle: --external" bench toggle --external --mmio "$tmp/reg:0"
expect_fail "noise: --period does not apply" bench noise --period 2us
expect_fail "noise: --gpio does not apply" bench noise --gpio gpiochip0:0,1
expect_fail "noise: threshold 0" bench noise --threshold 0
expect_fail "noise: missing plot directory" bench noise --plot /nonexistent/n.svg

# --- help ------------------------------------------------------------------
expect_ok "bench --help" bench --help
check "bench --help lists the modes" 'grep -q "^  response" "$tmp/out" && grep -q "^  toggle" "$tmp/out" && grep -q "^  noise" "$tmp/out"'
for mode in response toggle noise; do
	expect_ok "$mode --help" bench $mode --help
	check "$mode --help shows usage" 'grep -q "^usage: isolator bench $mode" "$tmp/out"'
done

# --- short runs --------------------------------------------------------------
# These isolate a real CPU (IRQs steered off it): hold the lock cli.sh and
# tune_cli.sh take, so that their IRQ snapshots never see our session.
if command -v flock >/dev/null; then
	exec 9>/tmp/isolator-system-test.lock
	flock -w 300 9
fi
# Each describes the machine and gives every mode of the test in one run.
expect_ok "response: table" bench response --duration 0.3 --quiet
check "response table has poll, wake and floor" 'grep -q "^poll " "$tmp/out" && grep -q "^wake " "$tmp/out" && grep -q "^floor " "$tmp/out"'
check "response table describes the machine" 'grep -q "^# machine: " "$tmp/out" && grep -q "^# kernel: " "$tmp/out" && grep -q "backend" "$tmp/out"'
check "response table has the one-way split and goal ratios" 'grep -q "one-way split" "$tmp/out" && grep -q "^goal: poll p50 / floor p50" "$tmp/out"'

expect_ok "response: --json, --histogram, --plot svg" bench response --duration 0.3 --quiet --json \
	--histogram "$tmp/resp.hist" --hist-unit us --plot "$tmp/resp.svg"
cp "$tmp/out" "$tmp/resp.json"
validate "$tmp/resp.json"; rc=$?
if [ $rc = 77 ]; then ok "# SKIP no JSON validator (python3 jsonschema or jq)"; else
	check "response JSON valid against the schema" '[ $rc = 0 ]'; fi
check "response JSON has poll, wake, floor" '[ "$(grep -o "\"mode\":\"[a-z]*\"" "$tmp/resp.json" | head -3 | tr -d "\n")" = "\"mode\":\"poll\"\"mode\":\"wake\"\"mode\":\"floor\"" ]'
check "--hist-unit us: cyclictest's format" 'grep -q "^000000 [0-9]*	[0-9]*	[0-9]*$" "$tmp/resp.hist" && grep -q "latency (us)" "$tmp/resp.hist" && grep -q "^# Total: " "$tmp/resp.hist" && grep -q "^# Max Latencies: " "$tmp/resp.hist" && grep -q "^# Histogram Overflows: " "$tmp/resp.hist" && [ $(grep -c "^[0-9]" "$tmp/resp.hist") = 1000 ]'
expect_ok "response: --hist-unit ns --hist-max 5us" bench response --duration 0.2 --quiet \
	--histogram "$tmp/ns.hist" --hist-unit ns --hist-max 5us
check "--hist-unit ns: 1 ns buckets, the unit in the header and the trailer" 'grep -q "latency (ns), 1 ns buckets" "$tmp/ns.hist" && grep -q "^# Min Latencies (ns): " "$tmp/ns.hist" && [ $(grep -c "^[0-9]" "$tmp/ns.hist") = 5000 ]'
expect_fail "response: --hist-unit ms" bench response --hist-unit ms
expect_fail "response: --hist-max 0" bench response --hist-max 0
expect_fail "response: --threshold 2parsecs" bench response --threshold 2parsecs
if command -v gnuplot >/dev/null; then
	check "plot written as SVG" 'grep -q "<svg" "$tmp/resp.svg"'
else
	ok "# SKIP gnuplot not installed"
fi

expect_ok "toggle: --json" bench toggle --duration 0.3 --quiet --json
validate "$tmp/out"; rc=$?
if [ $rc = 77 ]; then ok "# SKIP no JSON validator"; else check "toggle JSON valid against the schema" '[ $rc = 0 ]'; fi
check "toggle: isolated and control" 'grep -q "\"mode\":\"isolated\"" "$tmp/out" && grep -q "\"mode\":\"control\"" "$tmp/out"'

expect_ok "noise: table" bench noise --duration 0.3 --quiet
check "noise table has both loops and the interrupts" 'grep -q "^isolated " "$tmp/out" && grep -q "^control " "$tmp/out" && grep -q "interrupts, all kinds" "$tmp/out"'
expect_ok "noise: --json" bench noise --duration 0.3 --quiet --json
validate "$tmp/out"; rc=$?
if [ $rc = 77 ]; then ok "# SKIP no JSON validator"; else check "noise JSON valid against the schema" '[ $rc = 0 ]'; fi

# --mmio on an ordinary file: the register path without a device.
dd if=/dev/zero of="$tmp/reg" bs=4096 count=1 2>/dev/null
expect_ok "response --mmio on a mapped file" bench response --duration 0.3 --quiet --mmio "$tmp/reg:0,64"
check "mmio response has poll and floor, no wake" 'grep -q "^poll " "$tmp/out" && grep -q "^floor " "$tmp/out" && ! grep -q "^wake " "$tmp/out" && grep -q "^device: mmio" "$tmp/out"'
expect_ok "toggle --mmio on a mapped file" bench toggle --duration 0.3 --quiet --mmio "$tmp/reg:0x100"
check "toggle names the mmio output" 'grep -q "output: mmio" "$tmp/out"'

echo "1..$n"
[ "$failed" = 0 ]
