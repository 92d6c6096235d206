#!/bin/sh
# What other programs read from isolator, checked by those programs, in TAP:
#  - manual pages: `mandoc -T lint` says nothing; every function of
#    <isolator.h> has its page (a .so link); isolator(1) renders one entry
#    per subcommand;
#  - JSON: check --json and model report --json valid against their schemas;
#  - Prometheus: stat --prometheus (with a bench result) passes
#    `promtool check metrics`;
#  - bash completion completes subcommands and options;
#  - the tuned profile: includes cpu-partitioning, and its script hands
#    isolated_cores to `isolator apply` on start and calls revert on stop.
# Usage: formats.sh ISOLATOR SOURCE_DIR BUILD_DIR
set -u
ISOLATOR=${1:?usage: formats.sh ISOLATOR SOURCE_DIR BUILD_DIR}
src=${2:?}
build=${3:?}
tmp=$(mktemp -d /tmp/isolator-formats-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export ISOLATOR_STATE_DIR="$tmp/state"
. "$(dirname "$0")/tap.sh"
# bench noise below isolates a real CPU (IRQs steered off it): hold the lock
# the system tests share (cli.sh, tune_cli.sh, bench_cli.sh)
if command -v flock >/dev/null; then
	exec 9>/tmp/isolator-system-test.lock
	flock -w 300 9
fi
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; sed 's/^/#   /' "$tmp/log" 2>/dev/null | head -30; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

# validate SCHEMA JSON: the draft 2020-12 schema itself, then the document
validate() {
	python3 - "$1" "$2" >"$tmp/log" 2>&1 <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
PY
}

# --- manual pages -----------------------------------------------------------
if command -v mandoc >/dev/null; then
	mandoc -T lint "$src/man/isolator.1" "$src/man/libisolator.3" >"$tmp/log" 2>&1
	check "mandoc -T lint: nothing to say about isolator.1 and libisolator.3" "[ ! -s '$tmp/log' ]"
else
	skip "no mandoc (scripts/deps.sh formats)"
fi
# every function the headers declare (exported or inline), against the links
{ grep -hoE 'ISOLATOR_API[^(]*\(' "$src/include/isolator.h"
  grep -hoE '^(static inline|ISOLATOR_CHAN_INLINE_) [^(]*\(' "$src"/include/isolator/*.h; } |
	grep -oE 'isolator_[a-z_0-9]+\($' | tr -d '(' | grep -v '_$' | grep -vx isolator_chan_slot |
	sort -u >"$tmp/declared"
sed -n "s/^  '\(isolator_[a-z_0-9]*\)',$/\1/p" "$src/man/meson.build" | sort -u >"$tmp/linked"
diff "$tmp/declared" "$tmp/linked" >"$tmp/log"
check "a man page for each of the $(wc -l <"$tmp/declared") public functions (man/meson.build)" "[ ! -s '$tmp/log' ]"
DESTDIR=$tmp/dest meson install -C "$build" --no-rebuild --quiet >/dev/null 2>&1
page=$(find "$tmp/dest" -path '*/man3/isolator_start.3' 2>/dev/null | head -1)
check "installed isolator_start.3 leads to libisolator(3)" \
	"[ -n '$page' ] && [ \"\$(readlink '$page')\" = libisolator.3 ] && [ -e '$page' ]"
if command -v man >/dev/null; then
	MANWIDTH=200 man -l "$src/man/isolator.1" 2>/dev/null >"$tmp/isolator.txt"
	missing=""
	for cmd in run check apply stat revert demo "bench response" "bench toggle" "bench noise" \
		"bench ipc" "model record" "model report" explain; do
		grep -q "^       $cmd " "$tmp/isolator.txt" || missing="$missing '$cmd'"
	done
	echo "$missing" >"$tmp/log"
	check "isolator(1) renders an entry for every subcommand" "[ -z '$missing' ]"
	check "isolator(1) has no stray request in its text" "! grep -q '\.\(TP\|IP\|PP\|B\)\b' '$tmp/isolator.txt'"
fi

# the Debian symbols file lists what libisolator.so exports, no more, no less
if command -v nm >/dev/null && [ -e "$build/libisolator.so" ]; then
	nm -D --defined-only "$build/libisolator.so" | awk '$2 == "T" { print $3 }' | sort >"$tmp/exported"
	sed -n 's/^ \(isolator_[a-z_0-9]*\)@Base .*/\1/p' "$src/debian/libisolator0.symbols" | sort >"$tmp/symbols"
	diff "$tmp/symbols" "$tmp/exported" >"$tmp/log"
	check "debian/libisolator0.symbols = the $(wc -l <"$tmp/exported") exported functions" "[ ! -s '$tmp/log' ]"
fi

# --- JSON schemas -----------------------------------------------------------
if ! python3 -c 'import jsonschema' 2>/dev/null; then
	skip "no python3-jsonschema (scripts/deps.sh formats)"
else
	"$ISOLATOR" check --json >"$tmp/check.json" 2>"$tmp/err"
	check "check --json on this machine is valid isolator-check/1" \
		"validate '$src/tools/schema/isolator-check-1.json' '$tmp/check.json'"
	ISOLATOR_SYSROOT=$ISOLATOR_TEST_DATA/x86 "$ISOLATOR" check --json --cpu 1 >"$tmp/check.json" 2>"$tmp/err"
	check "check --json on a fake tree is valid isolator-check/1" \
		"validate '$src/tools/schema/isolator-check-1.json' '$tmp/check.json'"
	"$ISOLATOR" model report "$ISOLATOR_TEST_DATA/model/basic.trace" --json >"$tmp/model.json" 2>"$tmp/err"
	check "model report --json is valid isolator-model/1" \
		"validate '$src/model/schema/isolator-model-1.json' '$tmp/model.json'"
	"$ISOLATOR" check --cpu 0 --json="$tmp/c0.json" >"$tmp/out" 2>"$tmp/err"
	check "check --json=FILE: the table on stdout, valid JSON in FILE (as cyclictest --json=FILE)" \
		"grep -q ' pass, ' '$tmp/out' && validate '$src/tools/schema/isolator-check-1.json' '$tmp/c0.json'"
	"$ISOLATOR" model report "$ISOLATOR_TEST_DATA/model/basic.trace" --json="$tmp/m.json" >"$tmp/out" 2>"$tmp/err"
	check "model report --json=FILE: table and FILE" \
		"grep -q 'L_IF' '$tmp/out' && validate '$src/model/schema/isolator-model-1.json' '$tmp/m.json'"
	"$ISOLATOR" bench noise --duration 0.2 --quiet --json="$tmp/n.json" >"$tmp/out" 2>"$tmp/err"
	check "bench noise --json=FILE: table and FILE" \
		"grep -q '^mode ' '$tmp/out' && validate '$src/bench/schema/isolator-bench-1.json' '$tmp/n.json'"
	# --json FILE, as cyclictest takes it, where the command takes no operand
	"$ISOLATOR" bench noise --duration 0.2 --quiet --json "$tmp/n2.json" >"$tmp/out" 2>"$tmp/err"
	check "bench noise --json FILE (a space, as cyclictest --json FILE): table and FILE" \
		"grep -q '^mode ' '$tmp/out' && validate '$src/bench/schema/isolator-bench-1.json' '$tmp/n2.json'"
	"$ISOLATOR" check --json "$tmp/c1.json" --cpu 0 >"$tmp/out" 2>"$tmp/err"
	check "check --json FILE --cpu 0: table and FILE" \
		"grep -q ' pass, ' '$tmp/out' && validate '$src/tools/schema/isolator-check-1.json' '$tmp/c1.json'"
	"$ISOLATOR" check --json --cpu 0 >"$tmp/out" 2>"$tmp/err"
	check "check --json --cpu 0: a bare --json before an option is still stdout" \
		"validate '$src/tools/schema/isolator-check-1.json' '$tmp/out'"
	"$ISOLATOR" explain --json "$tmp/x.json" "$ISOLATOR_TEST_DATA/explain/cyclictest-smp-q.txt" >"$tmp/out" 2>"$tmp/err"
	check "explain --json FILE REPORT (explain takes an operand): one line naming --json=FILE, exit 1" \
		"[ \$? = 1 ] && [ \$(wc -l <'$tmp/err') = 1 ] && grep -q 'write --json=FILE' '$tmp/err'"
	echo '{"schema":"isolator-check/1","cpus":"1","checks":[{"id":"x","title":"x","status":"maybe","evidence":"e","fix":"","boot":""}],"boot_cmdline":""}' >"$tmp/bad.json"
	check "the check schema refuses a status it does not know" \
		"! validate '$src/tools/schema/isolator-check-1.json' '$tmp/bad.json'"
fi

# --- Prometheus -------------------------------------------------------------
"$ISOLATOR" bench noise --duration 0.2 --json >"$tmp/noise.json" 2>"$tmp/err"
"$ISOLATOR" stat --prometheus "$tmp/metrics.prom" --bench "$tmp/noise.json" >"$tmp/log" 2>&1
check "stat --prometheus --bench writes the textfile" "[ -s '$tmp/metrics.prom' ]"
if command -v promtool >/dev/null; then
	promtool check metrics <"$tmp/metrics.prom" >"$tmp/log" 2>&1
	check "promtool check metrics accepts it (interrupts and a bench summary)" "[ \$? = 0 ] && [ ! -s '$tmp/log' ]"
	check "bench latency is a summary with _sum and _count" \
		"grep -q '^# TYPE isolator_bench_latency_seconds summary' '$tmp/metrics.prom' &&
		 grep -q '^isolator_bench_latency_seconds_count{test=\"noise\"' '$tmp/metrics.prom'"
else
	skip "no promtool (scripts/deps.sh formats installs prometheus)"
fi

# --- bash completion --------------------------------------------------------
if [ -r /usr/share/bash-completion/bash_completion ] && command -v bash >/dev/null; then
	complete_words() {
		bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; shift
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _isolator
			printf "%s\n" "${COMPREPLY[@]}"' sh "$src/completion/isolator.bash" "$@"
	}
	PATH=$(dirname "$ISOLATOR"):$PATH
	export PATH
	complete_words isolator ch >"$tmp/log" 2>&1
	check "completion: 'isolator ch' gives check" "grep -qx check '$tmp/log'"
	complete_words isolator ex >"$tmp/log" 2>&1
	check "completion: 'isolator ex' gives explain" "grep -qx explain '$tmp/log'"
	complete_words isolator check --j >"$tmp/log" 2>&1
	check "completion: 'isolator check --j' gives --json, from check --help" "grep -qx -- --json '$tmp/log'"
	complete_words isolator bench r >"$tmp/log" 2>&1
	check "completion: 'isolator bench r' gives response" "grep -qx response '$tmp/log'"
else
	skip "no bash-completion"
fi

# --- tuned profile ----------------------------------------------------------
check "tuned profile includes cpu-partitioning and runs its script as a unit of its own" \
	"python3 - '$src/tuned/isolator/tuned.conf' >'$tmp/log' 2>&1 <<'PY'
import configparser, sys
c = configparser.ConfigParser(interpolation=None)
c.read(sys.argv[1])
assert c['main']['include'] == 'cpu-partitioning'
assert c['isolator']['type'] == 'script' and 'script.sh' in c['isolator']['script']
assert 'script' not in c  # would replace cpu-partitioning's own [script]
PY"
cat >"$tmp/isolator-stub" <<'STUB'
#!/bin/sh
echo "$*" >>"$STUB_LOG"
STUB
chmod +x "$tmp/isolator-stub"
sed "s|@BINDIR@|$tmp|" "$src/tuned/isolator/script.sh.in" >"$tmp/script.sh"
export STUB_LOG=$tmp/calls
: >"$STUB_LOG"
ISOLATOR=$tmp/isolator-stub TUNED_isolated_cores=2-3 TUNED_isolator_apply_options=--no-dma-holder \
	sh "$tmp/script.sh" start
ISOLATOR=$tmp/isolator-stub TUNED_isolated_cores=2-3 sh "$tmp/script.sh" stop full_rollback
printf 'revert\napply --cpu 2-3 --no-dma-holder\nrevert\n' >"$tmp/want"
cp "$STUB_LOG" "$tmp/log"
check "tuned start: revert a stale journal, apply --cpu isolated_cores; stop: revert" "cmp -s '$tmp/want' '$STUB_LOG'"
: >"$STUB_LOG"
ISOLATOR=$tmp/isolator-stub TUNED_isolated_cores=1 TUNED_isolator_apply_options='${isolator_apply_options}' \
	sh "$tmp/script.sh" start
check "tuned start: an unset isolator_apply_options (tuned passes '\${name}') adds nothing" \
	"[ \"\$(tail -1 '$STUB_LOG')\" = 'apply --cpu 1' ]"
ISOLATOR=$tmp/isolator-stub TUNED_isolated_cores= sh "$tmp/script.sh" start 2>"$tmp/log"
rc=$?
check "tuned start without isolated_cores fails with one isolator: line" \
	"[ $rc != 0 ] && [ \$(wc -l <'$tmp/log') = 1 ] && grep -q '^isolator: ' '$tmp/log'"

echo "1..$n"
[ "$failed" = 0 ]
