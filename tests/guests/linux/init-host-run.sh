#!/bin/sh
# /init of the host VM for the `palisade run` tests (docs/host-linux.md): loads the host
# driver, launches protected VMs from Linux user space with `palisade run` and checks
# what they print, misuses the driver (paltest), attacks a running pVM's memory, kills a
# VMM with SIGKILL, stops one with SIGINT and runs two pVMs at once. Verdicts are
# PALISADE-TEST lines; the pVMs' and the tools' verdicts are relayed and counted here.
#   palisade.test.run=elf     small ELF pVMs (pvm-attest, pvm-echo)
#   palisade.test.run=linux   Debian's kernel with a busybox initramfs as a 2-vCPU pVM,
#                             attesting (palisade.test.nonce=HEX) through palisade run
#   palisade.test.run=demo    scripts/demo: the Linux pVM attests (palisade.demo.nonce=HEX),
#                             the host attacks it, its pages come back zeroed
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
ln -s palisade-arm64 /bin/palisade

# Verdicts are collected in /tmp/verdicts and printed in one block at the end, when no
# pVM runs any more: the hypervisor logs (VM created, destroyed, a host fault) on the
# same UART as this Linux, without a common lock, and a log line written from the other
# CPU can land inside a verdict line (seen: "PPALISADE-TEST drv_open PASS"). Live
# progress is shown with "  = " instead.
pass=0 fail=0
: > /tmp/verdicts
verdict() {  # verdict NAME OK(0/1) REASON
	if [ "$2" = 0 ]; then l="PALISADE-TEST $1 PASS"; pass=$((pass + 1))
	else l="PALISADE-TEST $1 FAIL $3"; fail=$((fail + 1)); fi
	echo "$l" >> /tmp/verdicts
	echo "  = ${l#PALISADE-TEST }"
}
# count FILE: a program's verdict lines (already shown) count as ours.
count() {
	p=$(grep -c '^PALISADE-TEST .* PASS$' "$1"); f=$(grep -c '^PALISADE-TEST .* FAIL' "$1")
	pass=$((pass + p)); fail=$((fail + f))
	grep -E '^PALISADE-TEST .* (PASS$|FAIL)' "$1" >> /tmp/verdicts
}
# relay FILE: shows a program's output; its verdict lines count as ours.
relay() {
	while IFS= read -r l; do
		case "$l" in
		"PALISADE-TEST "*" PASS") echo "$l" >> /tmp/verdicts; echo "  = ${l#PALISADE-TEST }"; pass=$((pass + 1)) ;;
		"PALISADE-TEST "*" FAIL"*) echo "$l" >> /tmp/verdicts; echo "  = ${l#PALISADE-TEST }"; fail=$((fail + 1)) ;;
		*) echo "  | $l" ;;
		esac
	done < "$1"
}
# live: a program's output as it comes, its verdict lines masked (they are counted later).
live() {
	while IFS= read -r l; do
		case "$l" in
		"PALISADE-TEST "*) echo "  = ${l#PALISADE-TEST }" ;;
		*) echo "$l" ;;
		esac
	done
}
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
# wait_for FILE TEXT SECONDS
wait_for() { n=$(($3 * 10)); while [ $n -gt 0 ]; do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
dstat() { sed -n "s/^$1 //p" /sys/kernel/debug/palisade/stats; }
vm_id() { sed -n 's/^palisade run: VM \([0-9]*\) launched.*/\1/p' "$1"; }
memfree() { sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
# start_echo NAME: a pvm-echo pVM in the background, input from the FIFO /tmp/NAME.in
# (file descriptor kept open by the caller), output in /tmp/NAME.out; pid in $started
start_echo() {
	mkfifo /tmp/$1.in
	palisade run --elf /bin/guest-pvm-echo.elf --mem 2M < /tmp/$1.in > /tmp/$1.out 2>&1 &
	started=$!
}

mode=$(arg palisade.test.run)
t0=$(cut -d' ' -f1 /proc/uptime)
insmod /bin/palisade.ko check_zero=1 test_physmap=1; rc=$?
verdict run_module_loads $rc "insmod exited $rc: $(dmesg | grep palisade | tail -1)"
[ -c /dev/palisade ]; verdict run_device_node $? "no /dev/palisade"
dmesg | grep 'palisade:' | sed 's/^/  | /'
free0=$(memfree)

if [ "$mode" = elf ]; then
	# 1. The launch-API test pVM through palisade run: its verdicts, and the measurement
	#    palisade run printed equals the one the pVM reads from inside.
	palisade run --elf /bin/guest-pvm-attest.elf --mem 2M < /dev/null > /tmp/attest.out 2>&1
	rc=$?
	relay /tmp/attest.out
	[ $rc = 0 ]; verdict run_elf_pvm_powers_off $rc "palisade run exited $rc"
	lm=$(sed -n 's/^palisade run: launch measurement \([0-9a-f]*\)$/\1/p' /tmp/attest.out)
	in=$(sed -n 's/^PVM-LAUNCH-MEASUREMENT \([0-9a-f]*\)$/\1/p' /tmp/attest.out)
	[ ${#lm} = 96 ] && [ "$lm" = "$in" ]
	verdict run_measurement_matches_pvm $? "palisade run printed '$lm', the pVM read '$in'"
	echo "RUN-MEASUREMENT pvm-attest $lm"

	# 2. The driver's interface, misused.
	paltest misuse 2>&1 | tee /tmp/misuse.out | live
	count /tmp/misuse.out

	# 3. A live pVM: console input reaches it; its memory is out of the host's reach.
	start_echo e1; p1=$started
	exec 3> /tmp/e1.in
	wait_for /tmp/e1.out "PVM-ECHO ready" 20; verdict run_echo_pvm_ready $? "no ready line"
	id1=$(vm_id /tmp/e1.out)
	paltest probe-vm "$id1" 2>&1 | tee /tmp/probe.out | live
	count /tmp/probe.out
	echo hello-pvm >&3
	wait_for /tmp/e1.out "PVM-ECHO got hello-pvm" 10
	verdict run_console_input_reaches_pvm $? "no echo of the input line"
	echo quit >&3
	wait $p1; rc=$?
	exec 3>&-
	relay /tmp/e1.out
	[ $rc = 0 ]; verdict run_echo_pvm_quits $rc "palisade run exited $rc"

	# 4. SIGKILL of the VMM mid-run: the driver destroys the VM; every page comes back
	#    zeroed; the hypervisor carries on.
	start_echo k; pk=$started
	exec 3> /tmp/k.in
	wait_for /tmp/k.out "PVM-ECHO ready" 20
	held=$(dstat pages_held)
	kill -9 $pk
	wait $pk; rc=$?
	exec 3>&-
	n=50; while [ $n -gt 0 ] && [ "$(dstat vms_live)" != 0 ]; do sleep 0.1; n=$((n - 1)); done
	[ $rc = 137 ] && [ "$held" -gt 0 ] && [ "$(dstat vms_live)" = 0 ] && [ "$(dstat pages_held)" = 0 ]
	verdict run_sigkill_destroys_vm $? "exit $rc, held $held before, now live $(dstat vms_live) held $(dstat pages_held)"
	[ "$(dstat pages_nonzero)" = 0 ] && [ "$(dstat pages_leaked)" = 0 ] && [ "$(dstat pages_checked_zero)" -gt 0 ]
	verdict run_sigkill_pages_back_zeroed $? "nonzero $(dstat pages_nonzero) leaked $(dstat pages_leaked)"
	echo "  | MemFree before the runs ${free0} kB, after the kill $(memfree) kB"

	# 5. SIGINT (Ctrl-C) ends a run cleanly, the VM destroyed.
	start_echo i; pi=$started
	exec 3> /tmp/i.in
	wait_for /tmp/i.out "PVM-ECHO ready" 20
	kill -INT $pi
	wait $pi; rc=$?
	exec 3>&-
	relay /tmp/i.out
	[ $rc = 130 ] && grep -q "stopping VM" /tmp/i.out && [ "$(dstat vms_live)" = 0 ]
	verdict run_sigint_stops_cleanly $? "exit $rc, live $(dstat vms_live)"

	# 6. Two pVMs at once from two palisade run processes, then a new launch.
	start_echo a; pa=$started
	exec 3> /tmp/a.in
	start_echo b; pb=$started
	exec 4> /tmp/b.in
	wait_for /tmp/a.out "PVM-ECHO ready" 20 && wait_for /tmp/b.out "PVM-ECHO ready" 20
	verdict run_two_pvms_ready $? "not both ready"
	ida=$(vm_id /tmp/a.out); idb=$(vm_id /tmp/b.out)
	[ "$(dstat vms_live)" = 2 ] && [ -n "$ida" ] && [ "$ida" != "$idb" ]
	verdict run_two_pvms_distinct $? "VM ids '$ida' '$idb', live $(dstat vms_live)"
	echo to-a >&3; echo to-b >&4
	wait_for /tmp/a.out "PVM-ECHO got to-a" 10 && wait_for /tmp/b.out "PVM-ECHO got to-b" 10 &&
		! grep -q "got to-b" /tmp/a.out && ! grep -q "got to-a" /tmp/b.out
	verdict run_two_pvms_own_consoles $? "input went astray"
	echo quit >&3; echo quit >&4
	wait $pa; ra=$?; wait $pb; rb=$?
	exec 3>&- 4>&-
	[ $ra = 0 ] && [ $rb = 0 ]; verdict run_two_pvms_power_off $? "exits $ra $rb"
	palisade run --elf /bin/guest-pvm-attest.elf --mem 2M < /dev/null > /tmp/again.out 2>&1
	rc=$?
	[ $rc = 0 ] && grep -q "PALISADE-TEST pvm_measure_read_launch PASS" /tmp/again.out
	verdict run_new_launch_after_all $? "exit $rc"
fi

# hexout FILE: the file as hex, 32 bytes a line.
hexout() { od -An -v -tx1 "$1" | tr -d ' \n' | fold -w 64; echo; }

if [ "$mode" = linux ]; then
	# Debian's kernel as a protected VM with 2 vCPUs (CPU_ON starts the second thread),
	# launched with --attest (a fixed nonce on its command line): its /init says ready,
	# loads palisade-guest.ko, extends runtime register 2 and prints its evidence framed
	# (palisade run writes it to --evidence-out), reads a line from its console (PL011
	# RX interrupts) and answers it, then powers off. The evidence is printed again
	# below (RUN-EVIDENCE lines) for run.linux_pvm_evidence_verifies.
	nonce=$(arg palisade.test.nonce)
	mkfifo /tmp/l.in
	t1=$(cut -d' ' -f1 /proc/uptime)
	palisade run --kernel /bin/Image --initrd /bin/initrd-pvm-run.cpio --mem 128M --vcpus 2 \
		--cmdline "console=ttyAMA0 quiet" --attest "$nonce" --evidence-out /tmp/evidence.bin \
		--verbose < /tmp/l.in > /tmp/l.out 2>&1 &
	pl=$!
	exec 3> /tmp/l.in
	wait_for /tmp/l.out "PVM-LINUX ready" 50; ok=$?
	t2=$(cut -d' ' -f1 /proc/uptime)
	verdict run_linux_pvm_boots $ok "no ready line"
	grep -q "PVM-LINUX ready: .* 2 CPU" /tmp/l.out
	verdict run_linux_pvm_two_vcpus $? "the pVM does not see 2 CPUs"
	echo hello-linux >&3
	wait_for /tmp/l.out "PVM-LINUX got hello-linux" 40
	verdict run_linux_pvm_console_input $? "no answer to the input line"
	wait $pl; rc=$?
	exec 3>&-
	relay /tmp/l.out
	[ $rc = 0 ]; verdict run_linux_pvm_powers_off $rc "palisade run exited $rc"
	lm=$(sed -n 's/^palisade run: launch measurement \([0-9a-f]*\)$/\1/p' /tmp/l.out)
	echo "RUN-MEASUREMENT linux $lm"
	awk -v a="$t1" -v b="$t2" 'BEGIN { printf "  | palisade run to the pVM'"'"'s ready line: %.1f s\n", b - a }'
	grep -q "PVM-LINUX guest driver loaded" /tmp/l.out
	verdict run_linux_pvm_guest_driver_loads $? "palisade-guest.ko did not load in the pVM"
	in=$(sed -n 's/^PVM-LINUX launch measurement \([0-9a-f]*\)$/\1/p' /tmp/l.out)
	[ ${#lm} = 96 ] && [ "$lm" = "$in" ]
	verdict run_linux_pvm_reads_its_measurement $? "palisade run printed '$lm', the pVM read '$in'"
	[ -f /tmp/evidence.bin ] && [ "$(wc -c < /tmp/evidence.bin)" = 760 ] &&
		grep -q "evidence (760 bytes) written" /tmp/l.out
	verdict run_linux_pvm_evidence_out $? "no 760-byte --evidence-out file"
	if [ -f /tmp/evidence.bin ]; then
		echo "RUN-EVIDENCE-BEGIN"
		hexout /tmp/evidence.bin | sed 's/^/RUN-EVIDENCE /'
		echo "RUN-EVIDENCE-END"
	fi
	sed -n 's/^PVM-LINUX rmr2 \([0-9a-f]*\)$/RUN-RMR2 \1/p' /tmp/l.out
fi

if [ "$mode" = demo ]; then
	# scripts/demo: the Linux pVM attests with the demo's fresh nonce; while it runs, the
	# host tries to read its memory; after it powers off, its pages are back, zeroed.
	nonce=$(arg palisade.demo.nonce)
	mkfifo /tmp/d.in
	echo "DEMO: palisade run --kernel Image --initrd initrd-pvm-run.cpio --mem 128M --vcpus 2 --cmdline 'console=ttyAMA0 quiet' --attest $nonce --evidence-out /tmp/evidence.bin"
	palisade run --kernel /bin/Image --initrd /bin/initrd-pvm-run.cpio --mem 128M --vcpus 2 \
		--cmdline "console=ttyAMA0 quiet" --attest "$nonce" --evidence-out /tmp/evidence.bin \
		< /tmp/d.in > /tmp/d.out 2>&1 &
	pd=$!
	exec 3> /tmp/d.in
	wait_for /tmp/d.out "PALISADE-EVIDENCE-END" 90; ok=$?
	sed 's/^/DEMO: pVM | /' /tmp/d.out
	verdict demo_pvm_attested $ok "no evidence on the pVM's console"
	id=$(vm_id /tmp/d.out)
	echo "DEMO: the host (root, in its own Linux) now tries to read VM $id's memory:"
	pa=$(sed -n "s/^vm $id mem ipa 0x80000000 pa \(0x[0-9a-f]*\).*/\1/p" /sys/kernel/debug/palisade/pages | head -1)
	[ -z "$pa" ] && pa=$(sed -n "s/^vm $id [a-z]* ipa [0-9a-fx]* pa \(0x[0-9a-f]*\).*/\1/p" /sys/kernel/debug/palisade/pages | head -1)
	echo "DEMO: dd if=/dev/mem bs=4096 skip=\$(($pa / 4096)) count=1  (a page the driver gave the pVM, pa $pa)"
	dd if=/dev/mem of=/tmp/pvm-page bs=4096 skip=$(($pa / 4096)) count=1 2>/tmp/dd.err
	echo "DEMO:   -> $(head -1 /tmp/dd.err) (Linux refuses /dev/mem on RAM)"
	echo "DEMO: mapping the pVM's pages into a process directly (palisade.ko test_physmap) and reading:"
	paltest probe-vm "$id" 2>&1 | sed 's/^/DEMO:   -> /'
	echo "DEMO:   (every read faulted: the hypervisor removed these pages from the host's stage-2 tables)"
	echo bye >&3
	wait $pd; rc=$?
	exec 3>&-
	tail -n 4 /tmp/d.out | sed 's/^/DEMO: pVM | /'
	[ $rc = 0 ]; verdict demo_pvm_powers_off $rc "palisade run exited $rc"
	if [ -f /tmp/evidence.bin ]; then
		echo "DEMO-EVIDENCE-BEGIN"
		hexout /tmp/evidence.bin | sed 's/^/DEMO-EVIDENCE /'
		echo "DEMO-EVIDENCE-END"
	fi
	echo "DEMO: after the pVM powered off: VMs live $(dstat vms_live), pages held $(dstat pages_held);"
	echo "DEMO:   $(dstat pages_checked_zero) pages (pa $pa among them) came back from the hypervisor: the host"
	echo "DEMO:   read every one through its own mapping and found it zero ($(dstat pages_nonzero) not zero, $(dstat pages_quarantined) without host access)"
fi

[ "$(dstat pages_quarantined)" = 0 ]
verdict run_pages_come_back_mapped $? "$(dstat pages_quarantined) page(s) came back from VM_DESTROY without host access (see dmesg)"
dmesg | grep 'quarantined' | head -3 | sed 's/^/  | /'
[ "$(dstat vms_live)" = 0 ] && [ "$(dstat pages_held)" = 0 ] && [ "$(dstat pages_nonzero)" = 0 ] &&
	[ "$(dstat pages_leaked)" = 0 ]
verdict run_driver_holds_nothing_at_end $? "$(tr '\n' ' ' < /sys/kernel/debug/palisade/stats)"
sed 's/^/  | stats: /' /sys/kernel/debug/palisade/stats
rmmod palisade; verdict run_module_unloads $? "rmmod failed"
sleep 1
cat /tmp/verdicts
echo "PALISADE-TEST-END passed=$pass failed=$fail"
poweroff -f
