# Guest suite "kernel" for vm/run.sh (sourced; see the vm_* helpers there):
# the in-guest tests of the kernel extension, every kernel/tests/t[0-9]*.c,
# static, plus the optional lib_t*.c when lib/ compiles for this $arch.
# A test file may carry `/* vm-cmdline: <full kernel cmdline> */` (its own
# boot) and `/* vm-timeout: SECONDS */` (default 240).
# A test named in kernel/tests/known-failing waits for a fix of the series:
# not built, not run, said so (ISOLATOR_VM_RUN_KNOWN_FAILING=1 runs it).
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
	# The library's kernel backend, when lib/ compiles (tests named lib_t*.c).
	# The kernel's own tests never depend on it.
	[ -f include/isolator.h ] && [ -d lib ] || return 0
	for t in kernel/tests/lib_t*.c; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .c)
		name=${name#lib_}
		vm_want "$name" || continue
		if $cc -static -O2 -std=gnu11 -D_GNU_SOURCE -DISOLATOR_VERSION_STRING='"vm-test"' \
			-Wno-unused-function -Iinclude -Ilib -pthread \
			-o "$root/tests/$name" "$t" lib/*.c tune/*.c 2>"$work/lib_$name.log"; then
			vm_test kernel "$name" "$(vm_tag "$t" timeout 240)" "$(vm_tag "$t" cmdline)" \
				"/tests/$name"
		else
			say "lib_$name not built: lib/ does not compile for $arch (see ${work#$top/}/lib_$name.log)"
		fi
	done
}
