#!/bin/sh
# /init of the host VM beside a protected VM (tests/guests/pvm-secret): from Linux user
# space the host tries to read and write the protected VM's memory (busybox devmem on
# /dev/mem), reads the one page the VM shares on purpose, sees it go when the VM ends the
# share, and after the VM is torn down finds its former memory back and zeroed.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

pass=0 fail=0
verdict() {
	if [ "$2" = 0 ]; then echo "PALISADE-TEST $1 PASS"; pass=$((pass + 1))
	else echo "PALISADE-TEST $1 FAIL $3"; fail=$((fail + 1)); fi
}
arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
# poll SECONDS COMMAND...: retries COMMAND every 0.2 s until it succeeds
poll() { n=$(($1 * 5)); shift; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.2; n=$((n - 1)); done; return 1; }

pa=$(arg palisade.test.pvm_pa)
secret=$((pa + 0x100000))
shared=$((pa + 0x200000))

devmem $secret 32 >/dev/null 2>&1; rc=$?
[ $rc = 135 ]; verdict host_cannot_read_pvm_secret $? "devmem read exited $rc, not SIGBUS"
devmem $secret 32 0x11111111 >/dev/null 2>&1; rc=$?
[ $rc = 135 ]; verdict host_cannot_write_pvm_secret $? "devmem write exited $rc, not SIGBUS"

# The same from a program of its own: mmap of /dev/mem, read in a child process.
out=$(memprobe $secret 2>&1)
[ "$out" = sigbus ]; verdict host_program_read_pvm_secret_sigbus $? "memprobe said: $out"

shared_magic() { [ "$(devmem $shared 32 2>/dev/null)" = 0x53484152 ]; }
poll 120 shared_magic; verdict host_reads_pvm_shared_page $? "never saw the VM's message"
devmem $((shared + 4)) 32 0xACC0FFEE; verdict host_writes_pvm_shared_page $? "write failed"

shared_gone() { devmem $shared 32 >/dev/null 2>&1; [ $? = 135 ]; }
poll 120 shared_gone; verdict host_faults_after_unshare $? "the page stayed readable"

zeroed() { [ "$(devmem $secret 32 2>/dev/null)" = 0x00000000 ]; }
poll 120 zeroed; ok=$?
if [ $ok = 0 ]; then
	for off in 4 0x800 0xffc; do
		[ "$(devmem $((secret + off)) 32)" = 0x00000000 ] || ok=1
	done
fi
verdict pvm_memory_back_and_zero_after_teardown $ok "secret page not readable as zeros"
out=$(memprobe $secret 2>&1)
[ "$out" = "read 0x0000000000000000" ]
verdict host_program_reads_zero_after_teardown $? "memprobe said: $out"

echo "PALISADE-TEST-END passed=$pass failed=$fail"
poweroff -f
