#!/bin/sh
# The in-guest suite as kselftests: one generated commit on top of the series,
# "selftests/isolator: the in-guest suite", which places kernel/tests' test
# programs (t<N>_*.c and common.h; not the lib_t*.c, which link libisolator)
# in tools/testing/selftests/isolator/ beside 0016's isolator_test.c, with
# kernel/tests/selftests.mk as its Makefile (every t<N>_*.c there is a
# TEST_GEN_PROGS entry) and a settings file whose timeout is the longest
# vm-timeout. kernel/tests stays the one copy that engineers edit; the commit
# is made again whenever it or the series changes.
#
#   kernel/selftests.sh            (re)make the commit: branch "kselftest" of
#                                  build/kernel/src = branch "isolator" + it
#   kernel/selftests.sh export DIR the series and that commit as a mail
#                                  series, git format-patch pristine..kselftest
#
# Run from the repository root, after kernel/build.sh applied the series to
# branch "isolator" (kernel/build.sh series does both, without compiling).
# Only git objects and the branch are written: the work tree of
# build/kernel/src (whatever branch an engineer has checked out there) is
# not touched; vm/run.sh builds from `git archive kselftest`.
set -eu

top=$(pwd)
src=$top/build/kernel/src
dir=tools/testing/selftests/isolator
subject="selftests/isolator: the in-guest suite"
ident="isolator developers <isolator@localhost>"

# kernel/build.sh re-applies the series under this lock: never read a
# branch isolator that git am is still moving
mkdir -p "$top/build/kernel"
exec 9>"$top/build/kernel/src.lock"
flock 9

[ -d "$src/.git" ] && git -C "$src" rev-parse -q --verify isolator >/dev/null || {
	echo "isolator: kernel/selftests.sh: no branch isolator in ${src#$top/} (run kernel/build.sh first)" >&2
	exit 1
}
git -C "$src" cat-file -e "isolator:$dir/Makefile" 2>/dev/null || {
	echo "isolator: kernel/selftests.sh: the series has no $dir (patch 0016)" >&2
	exit 1
}

if [ "${1:-}" = export ]; then
	out=${2:?usage: kernel/selftests.sh export DIR}
	exec 9>&-
	"$0"
	rm -rf "$out" && mkdir -p "$out"
	git -C "$src" format-patch -q --no-signature -o "$(cd "$out" && pwd)" pristine..kselftest
	ls "$out"
	exit 0
fi

tests=$(cd kernel/tests && ls t[0-9]*.c)
# the longest vm-timeout of the suite (default 240) is the directory's timeout
timeout=$(for t in $tests; do
	sed -n 's|.*/\* vm-timeout: \([0-9]*\) *\*/.*|\1|p' "kernel/tests/$t" | head -n 1
done | sort -n | tail -n 1)
[ "${timeout:-0}" -ge 240 ] || timeout=240

base=$(git -C "$src" rev-parse isolator)
# this script too: it writes the commit's message
inputs=$(cd kernel/tests && cat common.h selftests.mk $tests ../selftests.sh | sha256sum | cut -c1-16)
stamp="$base $inputs $timeout $(echo $tests | sha256sum | cut -c1-16)"
if [ "$(cat "$top/build/kernel/selftests.stamp" 2>/dev/null)" = "$stamp" ] &&
	git -C "$src" rev-parse -q --verify kselftest >/dev/null; then
	exit 0
fi

# A private index: the tree of isolator, plus the suite.
index=$(mktemp)
trap 'rm -f "$index"' EXIT
export GIT_INDEX_FILE=$index
git -C "$src" read-tree isolator
add() {	# add FILE-ON-DISK PATH-IN-TREE
	h=$(git -C "$src" hash-object -w --path="$2" "$1")
	git -C "$src" update-index --add --cacheinfo "100644,$h,$2"
}
for t in common.h $tests; do
	add "$top/kernel/tests/$t" "$dir/$t"
done
add "$top/kernel/tests/selftests.mk" "$dir/Makefile"
tmp=$(mktemp -d)
trap 'rm -f "$index"; rm -rf "$tmp"' EXIT
git -C "$src" show "isolator:$dir/.gitignore" >"$tmp/gitignore"
for t in $tests; do echo "${t%.c}"; done >>"$tmp/gitignore"
add "$tmp/gitignore" "$dir/.gitignore"
echo "timeout=$timeout" >"$tmp/settings"
add "$tmp/settings" "$dir/settings"
tree=$(git -C "$src" write-tree)

{
	cat <<EOF
$subject

The isolator's in-guest tests ran only in the project's VM runner. Add
them here, built by the kselftest makefiles beside isolator_test, so that
\`make -C tools/testing/selftests TARGETS=isolator run_tests\` runs every
one of them on a machine booted for isolation (each file's first comment
says what it checks):

EOF
	for t in $tests; do echo "${t%.c}"; done | sort -V | tr '\n' ' ' | sed 's/ $/.\n/' |
		fold -s -w 72 | sed 's/ *$//'
	cat <<EOF

Each program needs root, the isolator (/proc/isolator) and CPU 3 in
nohz_full= (they are written for a 4-CPU machine, CPUs 0-2 housekeeping);
one that asks for its own boot in a "vm-cmdline:" line checks the running
kernel's command line for it (nohz_full=, isolcpus=, rcu_nocbs=, tsc=).
Without them a test exits with KSFT_SKIP (4) and says why. The
directory's timeout is the longest a test asks for (${timeout} s).

Each program prints TAP 13 as kselftest.h's tests do: the header of
ksft_print_header(), numbered results ("ok 3 - t4: ...", "# SKIP why"),
the plan and the "# Totals:" line of ksft_print_cnts(). The plan comes
last, as TAP allows, because a test knows its number of results only at
its end. common.h numbers the results itself rather than through
ksft_test_result_*(): forked children print results too, and their
counts would stay in each child's copy of kselftest.h's counters. A
"not ok" of any of them fails the test.

checkpatch --strict warns only of lines over 100 columns that hold one
user-visible string whole (a result's name, a diagnostic), kept so that
it can be grepped for (coding-style.rst), and of new files without a
MAINTAINERS change: the ISOLATOR entry already has
tools/testing/selftests/isolator/.
EOF
	for t in $tests; do
		cl=$(sed -n 's|.*/\* vm-cmdline: \(.*[^ ]\) *\*/.*|\1|p' "kernel/tests/$t" | head -n 1)
		[ -z "$cl" ] || printf -- '\n- %s:\n    %s' "${t%.c}" "$cl"
	done
	echo
	cat <<EOF

Cost: none outside the selftests.

Signed-off-by: $ident
EOF
} >"$tmp/msg"
commit=$(GIT_AUTHOR_NAME="isolator developers" GIT_AUTHOR_EMAIL=isolator@localhost \
	GIT_COMMITTER_NAME="isolator developers" GIT_COMMITTER_EMAIL=isolator@localhost \
	git -C "$src" commit-tree "$tree" -p "$base" -F "$tmp/msg")
git -C "$src" update-ref refs/heads/kselftest "$commit"
echo "$stamp" >"$top/build/kernel/selftests.stamp"
echo "kernel/selftests.sh: branch kselftest = isolator + \"$subject\" ($(echo $tests | wc -w) tests)" >&2
