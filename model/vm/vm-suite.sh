# Guest suite "model" for vm/run.sh (sourced; see the vm_* helpers there):
# the latency model's bound against timerlat, recorded together in the guest
# (model/vm/model_vm.c), for 4 s. The trace buffer runs on the x86-tsc clock
# on x86-64 and on mono_raw (time stamps to the microsecond) on arm64.
suite_model_build() {
	vm_want t9_model || return 0
	$cc -static -O2 -Wall -Wextra -Imodel -o "$root/tests/t9_model" model/vm/model_vm.c \
		model/trace.c model/model.c
	vm_test model t9_model 300 "" /tests/t9_model 4
}
