#!/bin/sh
# /init of the Linux boot benchmarks (bench/run; docs/performance.md). The same initramfs
# boots under every configuration (bare, pKVM, Xen dom0, Palisade host VM and pVM):
#  1. bench-clock reads CNTVCT_EL0 first thing: virtual time from reset to /init;
#  2. /proc/uptime: the kernel's own view (it misses early boot);
#  3. a fixed workload between two marks: a shell loop that forks and executes a
#     program that maps 1 MiB and touches every page of it, 40 times;
#  4. power off.
/bin/bench-clock boot
/bin/busybox mount -t proc proc /proc
read up idle < /proc/uptime
echo "BENCH-UPTIME $up"
/bin/bench-clock mark work-start
i=0
while [ $i -lt 200 ]; do
	/bin/bench-clock touch 256
	i=$((i + 1))
done
/bin/bench-clock mark work-end
echo "BENCH-DONE"
/bin/busybox poweroff -f
