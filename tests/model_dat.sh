#!/bin/sh
# trace-cmd's binary trace.dat in `isolator model`, in TAP: `record -o
# FILE.dat` writes one that trace-cmd report reads, and `report FILE.dat`
# (libtracecmd) gives exactly what `report` gives on trace-cmd report's own
# text of the same file. Recording needs root and tracefs; it uses a tracefs
# instance of its own, so nothing else on the machine changes.
# Usage: model_dat.sh ISOLATOR SCHEMA
set -u
ISOLATOR=${1:?usage: model_dat.sh ISOLATOR SCHEMA}
SCHEMA=${2:?}
tmp=$(mktemp -d /tmp/isolator-model-dat-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/tap.sh"
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; sed 's/^/#   /' "$tmp/err" 2>/dev/null | head -20; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

printf '\027\010\104tracing6\0garbage' >"$tmp/bad.dat"
expect_fail "report: a trace.dat that is not one" model report "$tmp/bad.dat"
expect_fail "record: --duration 2parsecs" model record --duration 2parsecs -o "$tmp/x.dat"

if [ "$(id -u)" != 0 ] || [ ! -w /sys/kernel/tracing/instances ]; then
	skip "recording needs root and tracefs"
else
	# its own instance only (isolator-model-PID): another checkout's test
	# may be recording at the same time
	timeout 60 sh -c 'echo $$ >"$1/rec.pid"; exec "$2" model record --duration 0.3s -o "$1/t.dat"' \
		sh "$tmp" "$ISOLATOR" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	rec=$(cat "$tmp/rec.pid")
	check "record -o FILE.dat writes a trace.dat" "[ $rc = 0 ] && head -c 10 '$tmp/t.dat' | grep -q tracing"
	check "record leaves no tracefs instance behind" "[ ! -e /sys/kernel/tracing/instances/isolator-model-$rec ]"
	"$ISOLATOR" model report "$tmp/t.dat" --json >"$tmp/dat.json" 2>"$tmp/err"
	check "report FILE.dat (libtracecmd)" "[ \$? = 0 ] && grep -q '\"format\":\"trace.dat\"' '$tmp/dat.json'"
	if python3 -c 'import jsonschema' 2>/dev/null; then
		check "its JSON is valid isolator-model/1" "python3 -c '
import json, jsonschema
jsonschema.validate(json.load(open(\"$tmp/dat.json\")), json.load(open(\"$SCHEMA\")))' 2>'$tmp/err'"
	fi
	if command -v trace-cmd >/dev/null; then
		trace-cmd report -t -i "$tmp/t.dat" >"$tmp/t.txt" 2>"$tmp/err"
		check "trace-cmd report reads what record wrote" "[ \$? = 0 ] && [ \$(wc -l <'$tmp/t.txt') -gt 10 ]"
		"$ISOLATOR" model report "$tmp/t.txt" --json >"$tmp/txt.json" 2>"$tmp/err"
		check "report FILE.dat = report of trace-cmd report -t's text of it" "python3 -c '
import json
a, b = (json.load(open(f)) for f in (\"$tmp/dat.json\", \"$tmp/txt.json\"))
for d in (a, b):
    d.pop(\"file\"); d.pop(\"format\")
assert a == b and a[\"cpus\"], (a, b)' 2>'$tmp/err'"
	else
		skip "no trace-cmd to read the file back"
	fi
	head -c 40000 "$tmp/t.dat" >"$tmp/cut.dat"
	expect_fail "report: a truncated trace.dat" model report "$tmp/cut.dat"
fi

echo "1..$n"
[ "$failed" = 0 ]
