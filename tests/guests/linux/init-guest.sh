#!/bin/sh
# /init of a Linux guest VM (beside the host): checks its vCPUs, timer and IPIs on its
# emulated console, then powers its own VM off (the host must keep running).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

verdict() { if [ "$2" = 0 ]; then echo "PALISADE-TEST $1 PASS"; else echo "PALISADE-TEST $1 FAIL $3"; fi; }
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

verdict guest_reached_init 0
want=$(arg palisade.test.cpus)
have=$(grep -c '^processor' /proc/cpuinfo)
[ "$have" = "$want" ]; verdict guest_sees_all_vcpus $? "cpuinfo shows $have CPUs, expected $want"
t0=$(cut -d' ' -f1 /proc/uptime); sleep 1; t1=$(cut -d' ' -f1 /proc/uptime)
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.9 && b - a < 5) }'
verdict guest_timer_sleep $? "sleep 1 took $t0 -> $t1"
ok=0
for c in $(seq 0 $((want - 1))); do taskset -c "$c" true || ok=1; done
verdict guest_ipi_taskset_every_cpu $ok "taskset failed"
mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
[ "$mem" -le 262144 ]; verdict guest_memory_is_its_own $? "MemTotal $mem kB is more than its 256 MiB"
devmem 0x0f000000 32 >/dev/null 2>&1; rc=$?
[ "$rc" = 135 ]; verdict guest_unbacked_access_sigbus $? "devmem exited $rc"
echo "PALISADE-TEST guest_powering_off PASS"
poweroff -f
