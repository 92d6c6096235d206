#!/bin/sh
# In-guest tests of `isolator bench` (run by the initramfs of bench/vm/run.sh,
# or by kernel/vm-test.sh's init if it adopts it): the gpio path on gpio-sim
# and the mmio path on QEMU's ivshmem-plain BAR. Prints "# ..." and
# "ok - ..." / "not ok - ..." lines. Needs /bin/isolator-bench (static).
# Functional checks only: under TCG the numbers say nothing about latency.
B=/bin/isolator-bench
CPU=${ISO_CPU:-3}
OTHER=${OTHER_CPU:-2}
result() { if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi; }
# count MODE FILE: the sample count of MODE in a JSON output
count() { sed -n "s/.*\"mode\":\"$1\",\"count\":\([0-9]*\).*/\1/p" "$2" | head -n 1; }
show() { sed 's/^/# /' "$1"; }

# --- gpio-sim ------------------------------------------------------------------
mount -t configfs configfs /sys/kernel/config 2>/dev/null
sim=/sys/kernel/config/gpio-sim/isolator
if mkdir "$sim" 2>/dev/null && mkdir "$sim/bank0" && echo 4 >"$sim/bank0/num_lines" &&
	echo 1 >"$sim/live"; then
	chip=$(cat "$sim/bank0/chip_name")
	result 0 "gpio-sim chip $chip is live"
	$B response --gpio "$chip:0,1" --duration 3 --cpu $CPU --other-cpu $OTHER --quiet \
		--json >/tmp/gpio.json 2>/tmp/err
	rc=$?
	[ -s /tmp/err ] && show /tmp/err
	show /tmp/gpio.json
	result $rc "bench response --gpio $chip:0,1 runs"
	poll=$(count poll /tmp/gpio.json); wake=$(count wake /tmp/gpio.json)
	[ "${poll:-0}" -gt 0 ] && [ "${wake:-0}" -gt 0 ]
	result $? "gpio: poll ($poll) and wake ($wake) responses through gpio-sim"
	grep -q '"io":"gpio .*driven through gpio-sim' /tmp/gpio.json
	result $? "gpio: the stimulus drove the line through gpio-sim's pull attribute"
	$B toggle --gpio "$chip:2" --duration 2 --cpu $CPU --other-cpu $OTHER --quiet >/tmp/toggle.txt 2>&1
	rc=$?
	show /tmp/toggle.txt
	result $rc "bench toggle --gpio $chip:2 runs"
	grep -q 'output: gpio' /tmp/toggle.txt
	result $? "toggle: the isolated loop flipped the gpio line"
else
	result 1 "gpio-sim: cannot create a simulated chip through configfs"
fi

# --- ivshmem-plain --------------------------------------------------------------
bar=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat $d/vendor 2>/dev/null)" = 0x1af4 ] && [ "$(cat $d/device 2>/dev/null)" = 0x1110 ]; then
		bar=$d/resource2
	fi
done
if [ -n "$bar" ] && [ -e "$bar" ]; then
	result 0 "ivshmem-plain BAR2 found: $bar"
	$B response --mmio "$bar:0,64" --duration 3 --cpu $CPU --other-cpu $OTHER --quiet \
		--json >/tmp/mmio.json 2>/tmp/err
	rc=$?
	[ -s /tmp/err ] && show /tmp/err
	show /tmp/mmio.json
	result $rc "bench response --mmio BAR2 runs"
	poll=$(count poll /tmp/mmio.json)
	[ "${poll:-0}" -gt 0 ]
	result $? "mmio: $poll responses polled from the BAR with plain loads"
	# the host (bench/vm/ivshmem-host) toggles 0x100; we echo it to 0x140
	$B response --mmio "$bar:0x100,0x140" --external --duration ${EXTERNAL_S:-30} --cpu $CPU \
		--other-cpu $OTHER --quiet >/tmp/ext.txt 2>&1
	rc=$?
	show /tmp/ext.txt
	n=$(sed -n 's/^inputs answered: \([0-9]*\).*/\1/p' /tmp/ext.txt)
	[ $rc = 0 ] && [ "${n:-0}" -gt 0 ]
	result $? "mmio --external: answered $n inputs driven from outside the guest"
else
	result 1 "ivshmem-plain: no device 1af4:1110 with a BAR2 resource file"
fi

# --- noise ------------------------------------------------------------------------
$B noise --duration 2 --cpu $CPU --other-cpu $OTHER --quiet >/tmp/noise.txt 2>&1
rc=$?
show /tmp/noise.txt
result $rc "bench noise runs on the isolated CPU"
