#!/usr/bin/env python3
"""SHA-384 at EL2 with each SHA-512 block function, on QEMU.

Boots the boot stage (palisade-boot.elf, MMU off) and the hypervisor with
palisade.selftest=1 on two CPUs models, one after the other:
  -cpu max         has FEAT_SHA512: the SHA-512 instructions are used
  -cpu cortex-a76  has none: Mbed TLS's portable C is used
Each run must log the block function in use ("crypto: SHA-512 instructions ..."), pass
every self-test (crypto_kat runs the SHA-384 known answers with both block functions
where the CPU has the instructions, and checks FP/SIMD state survives), and print the
boot stage's hypervisor measurement equal to SHA-384 (Python's hashlib) of
palisade-hyp.bin's first image_size bytes: ~170 KiB hashed at EL2 in one update.

usage: qemu_sha512_paths.py --build DIR --harness DIR [--log-dir DIR]
"""
import argparse, hashlib, os, struct, sys

RUNS = [('max', 'crypto: SHA-512 instructions in use'),		# the harness's own -cpu max
        ('cortex-a76', 'crypto: SHA-512 instructions not available')]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', required=True)
    ap.add_argument('--harness', required=True)
    ap.add_argument('--log-dir', default='.')
    a = ap.parse_args()
    sys.path.insert(0, a.harness)
    import palisade_harness as h

    image = open(os.path.join(a.build, 'palisade-hyp.bin'), 'rb').read()
    size = struct.unpack_from('<Q', image, 16)[0]	# image header: image_size
    want = hashlib.sha384(image[:size]).hexdigest()
    os.makedirs(a.log_dir, exist_ok=True)
    failed = False
    for cpu, line in RUNS:
        loader = ['-device', 'loader,file=%s,addr=0x40200000,force-raw=on'
                  % os.path.join(a.build, 'palisade-hyp.bin'),
                  '-device', 'loader,file=%s,addr=0x40100000,force-raw=on'
                  % os.path.join(a.build, 'test-device', 'uds.bin')]
        if cpu != 'max':
            loader += ['-cpu', cpu]	# the last -cpu wins over the harness's
        cmd = h.qemu_command(os.path.join(a.build, 'palisade-boot.elf'), 2, '1G',
                             'palisade.selftest=1', loader)
        print('qemu_sha512_paths: ' + ' '.join(cmd), flush=True)
        r = h.run_qemu(cmd, 60, log_path=os.path.join(a.log_dir, 'crypto-sha512-%s.log' % cpu))
        ok, reason, _ = h.judge(r.lines, ['crypto_kat'], cpus=2, powered_off=r.powered_off,
                                timed_out=r.timed_out, timeout=60)
        measured = [l.split()[3] for l in r.lines
                    if l.startswith('PALISADE-BOOT: hypervisor measurement ')]
        if ok and not any(line in l for l in r.lines):
            ok, reason = False, 'no "%s" line' % line
        if ok and measured != [want]:
            ok, reason = False, 'measurement %s, hashlib says %s' % (measured, want)
        print('qemu_sha512_paths: -cpu %s: %s: %s' % (cpu, 'PASS' if ok else 'FAIL', reason),
              flush=True)
        failed |= not ok
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
