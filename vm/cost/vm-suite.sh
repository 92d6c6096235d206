# Guest suite "cost" for vm/run.sh (sourced; see the vm_* helpers there): the
# workload of `make vm-cost` (vm/cost.sh), whose instructions the icount
# plugin counts (vm/plugin/icount.c). nokaslr: the plugin finds the paths by
# their System.map addresses.
suite_cost_build() {
	$cc -static -O2 -Wall -Wextra -o "$root/tests/cost" vm/cost/cost.c
	vm_test cost cost 600 "$default_cmdline nokaslr" /tests/cost
}
