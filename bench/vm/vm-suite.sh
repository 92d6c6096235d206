# Guest suite "bench" for vm/run.sh (sourced; see the vm_* helpers there):
# `isolator bench` in the guest (bench/vm/guest-tests.c) on gpio-sim and on an
# ivshmem-plain BAR whose input the host drives (bench/vm/ivshmem-host).
# libgpiod exists only for the host architecture here (no multiarch), so a
# cross-built isolator-bench has no --gpio and the gpio tests are skipped.
suite_bench_build() {
	vm_want bench || return 0
	gpiod="-DHAVE_GPIOD" libs="-lgpiod -lm" gpio_arg=
	if [ "$arch" != x86_64 ]; then
		gpiod= libs=-lm gpio_arg=--no-gpio
	else
		scripts/deps.sh bench >&2
	fi
	# the library's committed sources (lib/ and the tuning engine under it),
	# the bench core and tests, the command-line helpers
	# shellcheck disable=SC2046,SC2086
	$cc -static -O2 -std=gnu11 -Wall -Wextra -Wno-missing-field-initializers \
		-Wno-format-truncation -D_GNU_SOURCE $gpiod -DISOLATOR_VERSION_STRING='"bench-vm"' \
		-Iinclude -Ibench -pthread -o "$root/bin/isolator-bench" bench/vm/isolator-bench.c \
		bench/vm/guest-tests.c $(git ls-files 'lib/*.c' 'tune/*.c') bench/hist.c bench/bench.c \
		bench/common.c bench/gpio.c bench/ipc.c bench/ipc_peers.c bench/mmio.c bench/noise.c \
		bench/plot.c bench/response.c bench/toggle.c tools/check.c util/util.c util/json.c util/signals.c $libs
	gcc -O2 -Wall -Wextra -o "$work/ivshmem-host" bench/vm/ivshmem-host.c
	vm_device ivshmem
	# toggles 0x100 every ms, counts the guest's echoes in 0x140, wants 50
	vm_host bench "$work/ivshmem-host" '"$IVSHMEM_FILE" 0x100 0x140 50 "$VM_TIMEOUT"'
	# 420 s: the same-run ratio runs add about 20 s of guest time to what took
	# up to 300 s on a loaded host
	vm_test bench bench 420 "" /bin/isolator-bench vm-tests $gpio_arg
}
