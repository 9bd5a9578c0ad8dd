#!/bin/sh
# /init of the Linux host-VM test: checks, from inside Linux running as Palisade's host
# VM, that its vCPUs, timer, IPIs and aborts work, prints PALISADE-TEST verdicts, and
# powers off (PSCI SYSTEM_OFF through the hypervisor).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

pass=0 fail=0
verdict() {  # verdict NAME OK(0/1) REASON
	if [ "$2" = 0 ]; then echo "PALISADE-TEST $1 PASS"; pass=$((pass + 1))
	else echo "PALISADE-TEST $1 FAIL $3"; fail=$((fail + 1)); fi
}
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

verdict linux_reached_init 0
want=$(arg palisade.test.cpus)
have=$(grep -c '^processor' /proc/cpuinfo)
[ "$have" = "$want" ]; verdict linux_sees_all_vcpus $? "cpuinfo shows $have CPUs, expected $want"
online=$(cat /sys/devices/system/cpu/online)
[ "$online" = "0-$((want - 1))" ] || [ "$want" = 1 -a "$online" = 0 ]
verdict linux_all_vcpus_online $? "online: $online"

# The timer: sleep must complete, and take about as long as asked (virtual timer IRQs).
t0=$(cut -d' ' -f1 /proc/uptime); sleep 1; t1=$(cut -d' ' -f1 /proc/uptime)
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.9 && b - a < 5) }'
verdict linux_timer_sleep $? "sleep 1 took $t0 -> $t1"

# IPIs: run a task pinned on every CPU (migration and wakeups go through SGIs).
ok=0
for c in $(seq 0 $((want - 1))); do
	out=$(taskset -c "$c" sh -c 'grep ^Cpus_allowed_list /proc/self/status' 2>&1) || ok=1
	case "$out" in *"	$c") ;; *) ok=1 ;; esac
done
verdict linux_ipi_taskset_every_cpu $ok "taskset failed: $out"

# CPU hotplug (PSCI CPU_OFF, then CPU_ON of the same vCPU): it must restart clean at
# its new entry point, not with the EL1 state it had when it went off (issue 21).
ok=1
if [ "$want" -ge 2 ] && echo 0 > /sys/devices/system/cpu/cpu1/online &&
   echo 1 > /sys/devices/system/cpu/cpu1/online &&
   taskset -c 1 true; then
	ok=0
fi
verdict linux_cpu_hotplug $ok "cpu1 did not come back online after going offline"

# Interrupt counts: the timer and the IPIs reached every CPU.
grep -q 'arch_timer' /proc/interrupts; verdict linux_arch_timer_irq $? "no arch_timer in /proc/interrupts"

# An address nothing backs: the access gets an external abort (SIGBUS), the VM lives on.
devmem 0x0f000000 32 >/dev/null 2>&1; rc=$?
[ "$rc" = 135 ]; verdict linux_unbacked_access_sigbus $? "devmem exited $rc, expected SIGBUS (135)"

# With a guest beside us: wait until it has powered itself off, then show we still run.
wait=$(arg palisade.test.wait_guest)
if [ -n "$wait" ]; then
	sleep "$wait"
	verdict linux_host_alive_after_guest_off 0
fi

echo "PALISADE-TEST-END passed=$pass failed=$fail"
poweroff -f
