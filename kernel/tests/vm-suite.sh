# Guest suite "kernel" for vm/run.sh (sourced; see the vm_* helpers there):
# the in-guest tests of the kernel extension, every kernel/tests/t[0-9]*.c,
# plus the lib_t*.c linked with lib/ and tune/, which must build for this
# $arch with the project's warnings as errors.
# The t*.c are built as the kselftests they also are: kernel/selftests.sh
# puts them into tools/testing/selftests/isolator of the series (branch
# kselftest of build/kernel/src, one generated commit beside 0016's
# isolator_test.c), and `make -C tools/testing/selftests TARGETS=isolator
# install` builds and installs them, static, into the guest's /kselftest:
# the guest runs exactly what the kselftest makefiles build. Each is one
# guest test of its own, as before; 0016's isolator_test is the test
# "kselftest_isolator" (its numbered TAP lines are counted in this suite's).
# The test "kselftest_runner" runs kselftest's own run_kselftest.sh (under
# busybox sh: the guest has no shell) in the default boot, on isolator_test
# and on the tests written for another boot (they skip there, exit 4):
# its "ok N selftests: isolator: ..." lines are counted too.
# ISOLATOR_VM_KSFT_ALL=1 makes it run every test of kselftest-list.txt
# but the known-failing ones.
# A test file may carry `/* vm-cmdline: <full kernel cmdline> */` (its own
# boot) and `/* vm-timeout: SECONDS */` (default 240).
# A test named in kernel/tests/known-failing waits for a fix of the series:
# not run, said so (ISOLATOR_VM_RUN_KNOWN_FAILING=1 runs it).
suite_kernel_known() {
	[ "${ISOLATOR_VM_RUN_KNOWN_FAILING:-0}" != 1 ] || return 1
	why=$(awk -v n="$1" '$1 == n && $2 == "skip" { $1 = $2 = ""; sub(/^ +/, ""); print; exit }' \
		kernel/tests/known-failing 2>/dev/null)
	[ -n "$why" ] || return 1
	say "$1 not run: known-failing on this series: $why"
}
suite_kernel_build() {
	suite_kernel_kselftests || return 1
	for t in kernel/tests/t[0-9]*.c; do
		name=$(basename "$t" .c)
		vm_want "$name" || continue
		suite_kernel_known "$name" && continue
		vm_test kernel "$name" "$(vm_tag "$t" timeout 240)" "$(vm_tag "$t" cmdline)" \
			"/kselftest/isolator/$name"
	done
	! vm_want kselftest_isolator ||
		vm_test kernel kselftest_isolator 120 "" /kselftest/isolator/isolator_test
	suite_kernel_runner
	# The library's kernel backend, when lib/ compiles (tests named lib_t*.c).
	# The kernel's own tests never depend on it.
	[ -f include/isolator.h ] && [ -d lib ] || return 0
	libtests=
	for t in kernel/tests/lib_t*.c; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .c)
		! vm_want "${name#lib_}" || libtests="$libtests $t"
	done
	[ -n "$libtests" ] || return 0
	# lib/ and tune/ once, with the project's warnings as errors (meson.build's
	# flags), so a cross-built arm64 library is held to the x86 build's rules.
	mkdir -p "$work/libobj"
	for f in lib/*.c tune/*.c; do
		$cc -c -O2 -std=gnu11 -D_GNU_SOURCE -DISOLATOR_VERSION_STRING='"vm-test"' \
			-Wall -Wextra -Werror -Wno-missing-field-initializers -Wno-format-truncation \
			-Iinclude -Ilib -o "$work/libobj/$(echo "$f" | tr / _).o" "$f" \
			2>>"$work/libobj.log" || {
			cat "$work/libobj.log" >&2
			echo "isolator: vm/run.sh: $f does not build with -Werror for $arch" >&2
			return 1
		}
	done
	for t in $libtests; do
		name=$(basename "$t" .c)
		name=${name#lib_}
		$cc -static -O2 -std=gnu11 -D_GNU_SOURCE -Wno-unused-function -Iinclude -Ilib -pthread \
			-o "$root/tests/$name" "$t" "$work"/libobj/*.o
		vm_test kernel "$name" "$(vm_tag "$t" timeout 240)" "$(vm_tag "$t" cmdline)" \
			"/tests/$name"
	done
}
# Build and install the kselftests of the series: kernel/selftests.sh's
# commit, exported with git archive (the work tree of build/kernel/src may
# be an engineer's branch), against the series' uapi headers.
suite_kernel_kselftests() {
	ksrc=$top/build/kernel/src
	kernel/selftests.sh || return 1
	case "$arch" in x86_64) karch=x86 ;; *) karch=$arch ;; esac
	khdr=$top/build/kernel/headers-$arch
	kst=$work/kselftest-src
	sel=tools/testing/selftests
	mkdir -p "$kst"
	git -C "$ksrc" archive kselftest $sel/Makefile $sel/lib.mk $sel/kselftest.h \
		$sel/kselftest_harness.h $sel/kselftest $sel/run_kselftest.sh $sel/isolator \
		scripts/subarch.include | tar -x -C "$kst"
	say "kselftests: make -C $sel TARGETS=isolator install (branch kselftest, $cc -static)"
	make -s -C "$ksrc" O="$khdr" ARCH="$karch" headers >"$work/kselftest.log" 2>&1 &&
	make -C "$kst/$sel" -j2 TARGETS=isolator O="$work/kselftest" ARCH="$karch" CC="$cc" \
		LDFLAGS=-static KHDR_INCLUDES="-isystem $khdr/usr/include" \
		KSFT_INSTALL_PATH="$root/kselftest" install >>"$work/kselftest.log" 2>&1 || {
		say "kselftests: build FAILED (${work#$top/}/kselftest.log)"
		grep -E 'error|Error' "$work/kselftest.log" | head -n 20 | sed 's/^/# /'
		return 1
	}
	for t in kernel/tests/t[0-9]*.c; do
		[ -x "$root/kselftest/isolator/$(basename "$t" .c)" ] || {
			say "kselftests: $t was not built by the kselftest makefile"
			return 1
		}
	done
}
# kselftest's runner in the guest needs a shell: busybox-static, the host's
# on x86, Debian's arm64 build fetched once by scripts/busybox-arm64.sh (the
# runner is left out, and said so, if it cannot be had).
suite_kernel_runner() {
	vm_want kselftest_runner || return 0
	if [ "$arch" = x86_64 ]; then
		bb=/bin/busybox
	elif ! bb=$(scripts/busybox-arm64.sh); then
		say "kselftest_runner not run: no busybox for $arch"
		return 0
	fi
	cp "$bb" "$root/bin/busybox"
	cat >"$root/kselftest/run-in-guest.sh" <<'EOF'
# kernel/tests/vm-suite.sh: run_kselftest.sh in the guest, busybox's sh
/bin/busybox --install -s /bin
# the runner logs to /dev/stdout, which devtmpfs does not make: without it,
# the tests' output would go to a file of that name
for n in 0:stdin 1:stdout 2:stderr; do ln -sf "/proc/self/fd/${n%:*}" "/dev/${n#*:}"; done
cd /kselftest || exit 1
sed 's/^/# kselftest-list.txt: /' kselftest-list.txt
exec sh ./run_kselftest.sh "$@"
EOF
	if [ "${ISOLATOR_VM_KSFT_ALL:-0}" = 1 ]; then
		# every test of the list but the known-failing ones, as the suite
		args="-t isolator:isolator_test" tmo=120
		for t in kernel/tests/t[0-9]*.c; do
			! suite_kernel_known "$(basename "$t" .c)" >/dev/null || continue
			args="$args -t isolator:$(basename "$t" .c)"
			tmo=$((tmo + $(vm_tag "$t" timeout 240)))
		done
	else
		# the suite's tests planned in a boot of their own (on this
		# architecture: arm64's t16 shares the default one) skip here
		dboot=$(grep -nxF "$default_cmdline" "$work/cmdlines" | cut -d: -f1)
		args="-t isolator:isolator_test$(awk -F'\t' -v d="$((${dboot:-0} - 1))" \
			'$5 ~ /^\/kselftest\/isolator\/t/ && $1 != d { printf " -t isolator:%s", $3 }' \
			"$work/plan")" tmo=180
	fi
	vm_test kernel kselftest_runner "$tmo" "" /bin/busybox sh /kselftest/run-in-guest.sh $args
}
