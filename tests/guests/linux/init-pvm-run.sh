#!/bin/sh
# /init of the Linux protected VM that the host's `palisade run` launches
# (init-host-run.sh, palisade.test.run=linux): says it is ready, answers one line read
# from its console (the PL011 the host emulates, with RX interrupts), powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "PVM-LINUX ready: $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU(s)"
read -r line
echo "PVM-LINUX got $line"
poweroff -f
