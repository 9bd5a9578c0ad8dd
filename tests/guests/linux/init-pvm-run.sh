#!/bin/sh
# /init of the Linux protected VM that the host's `palisade run` launches
# (init-host-run.sh, palisade.test.run=linux|demo): says it is ready; when its command
# line has palisade.nonce= (palisade run --attest), loads palisade-guest.ko, extends
# runtime register 2, prints its launch measurement as it reads it and the evidence
# framed for the host (palisade-guest attest); then answers one line read from its
# console (the PL011 the host emulates, with RX interrupts; not with palisade.noinput)
# and powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "PVM-LINUX ready: $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU(s)"
if grep -q 'palisade.nonce=' /proc/cmdline; then
	if insmod /bin/palisade-guest.ko; then
		echo "PVM-LINUX guest driver loaded"
	else
		echo "PVM-LINUX guest driver failed to load"
	fi
	# Runtime register 2: the digest a workload would measure (fixed for the tests).
	d=$(printf '%096d' 0 | sed 's/0/5a/g' | cut -c1-96)
	palisade-guest extend --index 2 --digest "$d" && echo "PVM-LINUX extended rmr2"
	echo "PVM-LINUX rmr2 $(palisade-guest read --index 2)"
	echo "PVM-LINUX launch measurement $(palisade-guest read --index 4)"
	palisade-guest attest --out /tmp/evidence.bin || echo "PVM-LINUX attest failed"
fi
if ! grep -q 'palisade.noinput' /proc/cmdline; then
	read -r line
	echo "PVM-LINUX got $line"
fi
poweroff -f
