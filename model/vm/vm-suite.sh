# Guest suite "model" for vm/run.sh (sourced; see the vm_* helpers there):
# the latency model's bound against timerlat, recorded together in the guest
# (model/vm/model_vm.c), for 4 s. x86-64 only for now: the trace buffer runs
# on the x86-tsc clock, calibrated against the TSC.
suite_model_build() {
	vm_want t9_model || return 0
	if [ "$arch" != x86_64 ]; then
		say "model: skipped on $arch (model_vm.c reads the x86-tsc trace clock)"
		return 0
	fi
	$cc -static -O2 -Wall -Wextra -Imodel -o "$root/tests/t9_model" model/vm/model_vm.c \
		model/trace.c model/model.c
	vm_test model t9_model 300 "" /tests/t9_model 4
}
