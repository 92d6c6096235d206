# TAP helpers for the command-line test scripts (cli.sh, tune_cli.sh,
# bench_cli.sh, ipc_cli.sh), sourced after they set ISOLATOR and tmp.
# Each script ends with: echo "1..$n"; [ "$failed" = 0 ]
n=0
failed=0

# printf, not echo: dash's echo would turn a quoted '\n' into a new line
ok() { n=$((n + 1)); printf 'ok %s - %s\n' "$n" "$1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); printf 'not ok %s - %s\n' "$n" "$1"; }

# expect_exit WANT DESCRIPTION ARGS...: `isolator ARGS` exits WANT with
# exactly one line on stderr, starting "isolator: ", and nothing on stdout.
# With TAP_TIMEOUT=S set, a command still running after S seconds is
# stopped (exit 124), so a refusal that regressed into a run cannot hang.
expect_exit() {
	want=$1 desc=$2
	shift 2
	${TAP_TIMEOUT:+timeout "$TAP_TIMEOUT"} "$ISOLATOR" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" = "$want" ] && [ "$lines" = 1 ] && grep -q '^isolator: ' "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "$desc: $(cat "$tmp/err")"
	else
		not_ok "$desc (exit $rc, want $want; stderr $lines lines)"
		sed 's/^/#   /' "$tmp/err" "$tmp/out"
	fi
}

# expect_fail DESCRIPTION ARGS...: bad input, so exit 1 and one line.
expect_fail() { expect_exit 1 "$@"; }

# expect_ok DESCRIPTION ARGS...: `isolator ARGS` succeeds; output in $tmp/out.
expect_ok() {
	desc=$1
	shift
	if "$ISOLATOR" "$@" >"$tmp/out" 2>"$tmp/err"; then
		ok "$desc"
	else
		not_ok "$desc (exit $?)"
		sed 's/^/#   /' "$tmp/err"
	fi
}
