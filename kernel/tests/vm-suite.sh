# Guest suite "kernel" for vm/run.sh (sourced; see the vm_* helpers there):
# the in-guest tests of the kernel extension, every kernel/tests/t[0-9]*.c,
# static, plus the lib_t*.c linked with lib/ and tune/, which must build for
# this $arch with the project's warnings as errors.
# A test file may carry `/* vm-cmdline: <full kernel cmdline> */` (its own
# boot) and `/* vm-timeout: SECONDS */` (default 240).
# A test named in kernel/tests/known-failing waits for a fix of the series:
# not built, not run, said so (ISOLATOR_VM_RUN_KNOWN_FAILING=1 runs it).
# The series' kselftests (tools/testing/selftests/isolator, patch 0061) run
# as the test "kselftest_isolator": built on the host with the kselftest
# makefiles against the series' uapi headers, static; their TAP lines are
# counted in this suite's TAP.
suite_kernel_known() {
	[ "${ISOLATOR_VM_RUN_KNOWN_FAILING:-0}" != 1 ] || return 1
	why=$(awk -v n="$1" '$1 == n && $2 == "skip" { $1 = $2 = ""; sub(/^ +/, ""); print; exit }' \
		kernel/tests/known-failing 2>/dev/null)
	[ -n "$why" ] || return 1
	say "$1 not run: known-failing on this series: $why"
}
suite_kernel_build() {
	for t in kernel/tests/t[0-9]*.c; do
		name=$(basename "$t" .c)
		vm_want "$name" || continue
		suite_kernel_known "$name" && continue
		$cc -static -O2 -Wall -Wextra -Wno-unused-function -Wno-unused-parameter \
			-pthread -o "$root/tests/$name" "$t"
		vm_test kernel "$name" "$(vm_tag "$t" timeout 240)" "$(vm_tag "$t" cmdline)" \
			"/tests/$name"
	done
	suite_kernel_kselftest
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
suite_kernel_kselftest() {
	ksrc=$top/build/kernel/src
	vm_want kselftest_isolator || return 0
	[ -d "$ksrc/tools/testing/selftests/isolator" ] || {
		say "kselftest_isolator not built: the series has no tools/testing/selftests/isolator"
		return 0
	}
	case "$arch" in x86_64) karch=x86 ;; *) karch=$arch ;; esac
	khdr=$top/build/kernel/headers-$arch
	make -s -C "$ksrc" O="$khdr" ARCH="$karch" headers >"$work/kselftest.log" 2>&1 &&
	make -C "$ksrc/tools/testing/selftests" TARGETS=isolator O="$work/kselftest" \
		ARCH="$karch" CC="$cc" LDFLAGS=-static \
		KHDR_INCLUDES="-isystem $khdr/usr/include" >>"$work/kselftest.log" 2>&1 || {
		say "kselftest_isolator: build FAILED (${work#$top/}/kselftest.log)"
		tail -n 20 "$work/kselftest.log" | sed 's/^/# /'
		return 1
	}
	cp "$work/kselftest/kselftest/isolator/isolator_test" "$root/tests/kselftest_isolator"
	vm_test kernel kselftest_isolator 120 "" /tests/kselftest_isolator
}
