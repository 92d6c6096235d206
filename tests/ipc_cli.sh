#!/bin/sh
# Command-line tests of `isolator bench ipc`, in TAP: bad input gets one line
# on stderr and exit 1; a short run prints a table and valid JSON with every
# mode, valid against the one bench schema, that `stat --prometheus --bench`
# reads. Behaviour only: no timing is asserted.
# Usage: ipc_cli.sh ISOLATOR SCHEMA
set -u
ISOLATOR=${1:?usage: ipc_cli.sh ISOLATOR SCHEMA}
SCHEMA=${2:?usage: ipc_cli.sh ISOLATOR SCHEMA}
tmp=$(mktemp -d /tmp/isolator-ipc-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/tap.sh"

online=$(cat /sys/devices/system/cpu/online)
expect_fail "same CPU twice" bench ipc --cpus 0,0
expect_fail "CPU not online" bench ipc --cpus 0,4095
expect_fail "one CPU" bench ipc --cpus 0
expect_fail "bad duration" bench ipc --duration abc
expect_fail "zero duration" bench ipc --duration 0
expect_fail "unknown mode" bench ipc --modes shm,bogus
expect_fail "empty mode list" bench ipc --modes ,
expect_fail "FIFO priority out of range" bench ipc --fifo 100
expect_fail "unknown option" bench ipc --bogus
expect_fail "stray argument" bench ipc extra

if "$ISOLATOR" bench ipc --help | grep -q -- '--cpus A,B'; then ok "--help lists the options"; else not_ok "--help"; fi

case "$online" in
0) echo "ok $((n + 1)) # SKIP one CPU online"; n=$((n + 1)) ;;
*)
	if "$ISOLATOR" bench ipc --duration 0.05 --quiet >"$tmp/table" 2>"$tmp/err"; then
		ok "a short run of every mode exits 0"
	else
		not_ok "a short run (exit $?)"
		sed 's/^/#   /' "$tmp/err"
	fi
	missing=""
	for m in shm shm_tput floor floor_ring poll_all poll_scan futex eventfd pipe ck_ring rte_ring memcpy; do
		grep -q "^$m " "$tmp/table" || missing="$missing $m"
	done
	if [ -z "$missing" ]; then ok "the table has a row per mode"; else not_ok "rows missing:$missing"; fi
	"$ISOLATOR" bench ipc --duration 0.05 --quiet --json --modes shm,shm_tput,floor,floor_ring,poll_all,pipe,memcpy >"$tmp/json" 2>"$tmp/err"
	if python3 - "$tmp/json" "$SCHEMA" <<'PY'
import json, sys, jsonschema
d = json.load(open(sys.argv[1]))
jsonschema.validate(d, json.load(open(sys.argv[2])))
assert d["schema"] == "isolator-bench/1" and d["test"] == "ipc"
modes = [r["mode"] for r in d["results"]]
assert modes == ["shm", "shm_tput", "floor", "floor_ring", "poll_all", "pipe", "memcpy"], modes
for r in d["results"]:
    assert "throughput_msgs_per_s" in r
    assert r["sequence_errors"] == 0
    streams = {(s["send"], s["message_bytes"]) for s in r["streams"]}
    if r["mode"].startswith("shm"):
        # single and burst at every size, messages and bytes per second
        assert streams == {(k, b) for k in ("single", "burst") for b in (8, 64, 256, 1024)}, streams
        assert all(s["bytes_per_s"] == round(s["msgs_per_s"] * s["message_bytes"], -0) or
                   abs(s["bytes_per_s"] - s["msgs_per_s"] * s["message_bytes"]) <= s["message_bytes"]
                   for s in r["streams"])
    if r["mode"] == "pipe":
        assert streams == {("single", b) for b in (8, 64, 256, 1024)}, streams
    if r["mode"] == "memcpy":
        # the copy in pieces of each message size; the best is the limit
        assert streams == {("stream", b) for b in (8, 64, 256, 1024)}, streams
        assert r["count"] == 0 and r["bytes_per_s"] == max(s["bytes_per_s"] for s in r["streams"])
    # the receive leg timed on B: one channel's poll and poll_all's, nobody else's
    assert ("receive_leg_ns" in r) == (r["mode"] in ("shm", "poll_all")), r["mode"]
g = d["goals"]
assert all("best_shm_over_best_rte_ring_%dB" % b in g for b in (8, 64, 256, 1024)), g
assert "poll_all_receive_leg_over_one_channel_timed" in g, g
PY
	then ok "--json: valid isolator-bench/1, one entry per selected mode, streams at every size, no sequence errors"
	else not_ok "--json output"; sed 's/^/#   /' "$tmp/json" "$tmp/err"; fi
	if "$ISOLATOR" stat --prometheus "$tmp/prom" --bench "$tmp/json" 2>"$tmp/err" &&
		grep -q 'isolator_bench_latency_seconds{test="ipc",mode="shm",quantile="0.5"}' "$tmp/prom"
	then ok "stat --prometheus --bench reads the ipc JSON"
	else not_ok "stat --prometheus --bench on ipc JSON"; sed 's/^/#   /' "$tmp/err"; fi
	;;
esac

echo "1..$n"
[ "$failed" = 0 ]
