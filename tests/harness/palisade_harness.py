"""Boots Palisade on QEMU and judges the run from structured console verdicts.

QEMU starts the measured boot stage, which measures and enters the hypervisor
(qemu_command); the boot chain's own log lines are checked by check_boot_identity().

The hypervisor (and, later, its test guests) print:
    PALISADE-TEST <name> PASS
    PALISADE-TEST <name> FAIL <reason>
    PALISADE-TEST-END passed=<n> failed=<m>
    PALISADE-FAULT cpu=<i> ...          (any unexpected exception or panic)
    PALISADE-INVARIANT <what> ...       (debug image: an ownership invariant broke)
A run passes only if every expected test printed PASS, nothing printed FAIL or FAULT,
the END line is present and agrees with the lines seen, and QEMU powered off by itself
before the timeout. The absence of a crash is never enough.
"""
import os
import re
import selectors
import subprocess
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

# Guests' lines reach the console with their VM's prefix ("[vm2] ").
VERDICT = re.compile(r'^(\[vm\d+\] )?PALISADE-TEST (\S+) (PASS|FAIL)(?: (.*))?$')
END = re.compile(r'^PALISADE-TEST-END passed=(\d+) failed=(\d+)$')
# A debug image's invariant checker (hyp/core/mem_check_hook.c) reports like a fault.
FAULT = re.compile(r'^PALISADE-(FAULT|INVARIANT) ')
BANNER = re.compile(r'(\d+) of (\d+) CPUs online')
# A Linux VM reporting an RCU stall will not finish: stop waiting (docs/architecture.md,
# "Known issues").
STALL = re.compile(r'rcu: INFO: rcu_sched detected stalls')


# Where the boot chain's pieces go on QEMU virt (docs/attestation.md section 6).
HYP_LOAD_ADDR = 0x40200000
UDS_ADDR = 0x40100000
UDS_SIZE = 64
# Boot stage lines: the measurement it logs, and a refusal.
BOOT_HM = re.compile(r'^PALISADE-BOOT: hypervisor measurement ([0-9a-f]{96}) svn (\d+)$')
HYP_IDENTITY = re.compile(r'^PALISADE: boot identity: (?:hypervisor measurement ([0-9a-f]{96}), '
                          r'svn (\d+), )?(?:attestation key ready \(key id ([0-9a-f]+)\)|'
                          r'attestation unavailable: (.*))$')
DEFAULT_UDS = 'default'


def boot_files(image, hyp_bin=None, uds=DEFAULT_UDS):
    """The boot chain next to a built palisade-hyp.elf: (boot stage ELF, hypervisor flat
    image, UDS file or None). Raises FileNotFoundError naming what is missing."""
    build = os.path.dirname(os.path.abspath(image))
    stage = os.path.join(build, 'palisade-boot.elf')
    hyp_bin = hyp_bin or os.path.join(build, 'palisade-hyp.bin')
    if uds == DEFAULT_UDS:
        uds = os.path.join(build, 'test-device', 'uds.bin')
    for f in (stage, hyp_bin, uds):
        if f and not os.path.exists(f):
            raise FileNotFoundError('%s not found (build first: scripts/build)' % f)
    if uds and os.path.getsize(uds) != UDS_SIZE:
        raise FileNotFoundError('%s is %d bytes; a UDS is %d' % (uds, os.path.getsize(uds), UDS_SIZE))
    return stage, hyp_bin, uds


def qemu_command(image, smp=4, mem='2G', append='', extra=(), icount=False,
                 boot_stage=True, hyp_bin=None, uds=DEFAULT_UDS):
    """The QEMU command line DESIGN.md fixes for Palisade on the virt board.

    image is the built palisade-hyp.elf. By default QEMU starts the measured boot stage
    (palisade-boot.elf, beside it) and -device loader places the flat hypervisor image
    (palisade-hyp.bin, or hyp_bin) at 0x40200000 and the UDS (the build's test UDS, a
    file, or None for none) at 0x40100000. boot_stage=False boots image directly: no
    measurement, no attestation. An image that is itself palisade-boot.elf is booted as
    given: the caller places the hypervisor and the UDS with its own -device loader
    arguments."""
    if boot_stage and os.path.basename(image) != 'palisade-boot.elf':
        stage, hyp_bin, uds = boot_files(image, hyp_bin, uds)
        boot = ['-kernel', stage,
                '-device', 'loader,file=%s,addr=0x%x,force-raw=on' % (hyp_bin, HYP_LOAD_ADDR)]
        if uds:
            boot += ['-device', 'loader,file=%s,addr=0x%x,force-raw=on' % (uds, UDS_ADDR)]
    else:
        boot = ['-kernel', image]
    cmd = ['qemu-system-aarch64',
           '-machine', 'virt,virtualization=on,gic-version=3',
           # Palisade does not virtualize SVE/SME state yet (docs/architecture.md).
           '-cpu', 'max,pauth-impdef=on,sve=off,sme=off', '-smp', str(smp), '-m', mem,
           '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-nic', 'none',
           '-no-reboot'] + boot
    if append:
        cmd += ['-append', append]
    if icount:
        cmd += ['-icount', 'shift=0,sleep=off,align=off', '-seed', '1',
                '-rtc', 'base=2020-01-01T00:00:00,clock=vm']
    return cmd + list(extra)


class Run:
    def __init__(self):
        self.lines = []
        self.timed_out = False
        self.exit_code = None
        self.powered_off = False
        self.seconds = 0.0


def run_qemu(cmd, timeout, log_path=None, echo=False, stop_on_end=True):
    """Runs QEMU, collecting console lines, until it exits, a fault is reported, or the
    timeout passes (then QEMU is killed). Never hangs."""
    r = Run()
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b''
    log = open(log_path, 'w') if log_path else None
    grace_deadline = None
    eof = False
    try:
        while True:
            now = time.monotonic()
            if grace_deadline is not None and now >= grace_deadline:
                break
            if now >= start + timeout:
                r.timed_out = grace_deadline is None
                break
            if not sel.select(timeout=0.5):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                eof = True
                break
            buf += chunk
            *complete, buf = buf.split(b'\n')
            for raw in complete:
                line = raw.decode('utf-8', 'replace').rstrip('\r')
                r.lines.append(line)
                if log:
                    log.write(line + '\n')
                    log.flush()
                if echo:
                    print(line, flush=True)
                # After the verdict summary or a fault, give QEMU a moment to power off
                # (or to print the rest of a fault report), then stop waiting.
                if grace_deadline is None and ((stop_on_end and END.match(line)) or FAULT.match(line)
                                               or STALL.search(line)):
                    grace_deadline = time.monotonic() + 3
    finally:
        if buf:
            r.lines.append(buf.decode('utf-8', 'replace').rstrip('\r'))
        try:  # at EOF QEMU is exiting: let it finish before judging that it powered off
            proc.wait(timeout=5 if eof else 0.1)
        except subprocess.TimeoutExpired:
            pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        else:
            r.powered_off = True
        r.exit_code = proc.returncode
        r.seconds = time.monotonic() - start
        if log:
            log.close()
    return r


def judge(lines, expected=(), cpus=None, require_poweroff=True, powered_off=True,
          timed_out=False, timeout=None):
    """Returns (ok, reason, details) for a console log."""
    verdicts = {}
    own = {}           # verdicts printed on the same console as the END line (no prefix)
    failures = []
    faults = [l for l in lines if FAULT.match(l)]
    end = None
    for l in lines:
        m = VERDICT.match(l)
        if m:
            prefix, name, result, why = m.groups()
            if name in verdicts:
                failures.append('%s reported twice' % name)
            verdicts[name] = result
            if not prefix:
                own[name] = result
            if result == 'FAIL':
                failures.append('%s FAILED: %s' % (name, why or 'no reason given'))
        m = END.match(l)
        if m:
            end = (int(m.group(1)), int(m.group(2)))
    if faults:
        return False, 'hypervisor FAULT: ' + faults[0], verdicts
    stalls = [l for l in lines if STALL.search(l)]
    if stalls:
        return False, 'a VM reported an RCU stall: ' + stalls[0], verdicts
    if failures:
        return False, failures[0], verdicts
    if timed_out:
        return False, 'timed out after %ss without finishing' % timeout, verdicts
    missing = [n for n in expected if n not in verdicts]
    if missing:
        return False, 'missing verdict(s): ' + ', '.join(missing), verdicts
    if end is None:
        return False, 'no PALISADE-TEST-END line', verdicts
    seen = (sum(v == 'PASS' for v in own.values()), sum(v == 'FAIL' for v in own.values()))
    if end != seen:
        return False, 'END line says passed=%d failed=%d but %d/%d verdicts were seen' % (end + seen), verdicts
    if not verdicts:
        return False, 'no verdicts at all', verdicts
    if cpus is not None:
        banner = [BANNER.search(l) for l in lines if BANNER.search(l)]
        if not banner:
            return False, 'no boot banner with the CPU count', verdicts
        up, total = int(banner[0].group(1)), int(banner[0].group(2))
        if up != cpus or total != cpus:
            return False, 'banner: %d of %d CPUs online, expected %d' % (up, total, cpus), verdicts
    if require_poweroff and not powered_off:
        return False, 'QEMU did not power off after the verdicts', verdicts
    return True, '%d verdicts passed' % len(verdicts), verdicts


def check_boot_identity(lines, hyp_bin, uds=None, boot_stage=True, differs_from=None):
    """Host-side checks of the boot chain's log lines against an independent computation
    (dice_ref): the boot stage's and the hypervisor's HM equal SHA-384 of the image that
    was loaded, both SVNs equal its header's, and the hypervisor's attestation key id
    equals the one derived from the UDS and HM (or attestation is reported unavailable
    when there is no UDS). differs_from: another image whose HM must differ. Returns a
    list of (name, failure or None)."""
    import dice_ref
    image = open(hyp_bin, 'rb').read()
    want_hm, want_svn = dice_ref.hm(image).hex(), dice_ref.image_svn(image)
    stage = [BOOT_HM.match(l) for l in lines if BOOT_HM.match(l)]
    hyp = [HYP_IDENTITY.match(l) for l in lines if HYP_IDENTITY.match(l)]
    results = []

    def check(name, failure):
        results.append((name, failure))

    if not boot_stage:
        check('boot_identity_without_stage',
              None if len(hyp) == 1 and not stage and hyp[0].group(4) and
              hyp[0].group(4).startswith('no handoff') else
              'expected one "attestation unavailable: no handoff" line and no boot stage line')
        return results
    if len(stage) != 1:
        check('boot_stage_measurement', 'expected one "PALISADE-BOOT: hypervisor measurement" line, saw %d' % len(stage))
        return results
    check('boot_stage_measurement',
          None if stage[0].group(1) == want_hm and int(stage[0].group(2)) == want_svn else
          'boot stage logged HM %s svn %s; SHA-384 of %s is %s, header svn %d'
          % (stage[0].group(1), stage[0].group(2), hyp_bin, want_hm, want_svn))
    if differs_from:
        other = dice_ref.hm(open(differs_from, 'rb').read()).hex()
        check('measurement_differs', None if stage[0].group(1) != other else
              'the changed image has the same HM as %s' % differs_from)
    if len(hyp) != 1:
        check('hypervisor_boot_identity', 'expected one "PALISADE: boot identity" line, saw %d' % len(hyp))
        return results
    m = hyp[0]
    check('hypervisor_boot_identity',
          None if m.group(1) == want_hm and m.group(2) and int(m.group(2)) == want_svn else
          'hypervisor logged HM %s svn %s, expected %s svn %d' % (m.group(1), m.group(2), want_hm, want_svn))
    if uds:
        want_id = dice_ref.attestation_key_id(open(uds, 'rb').read(), bytes.fromhex(want_hm))
        check('attestation_key_id',
              None if m.group(3) == want_id else
              'attestation key id %s (%s), expected %s from the UDS and HM'
              % (m.group(3), m.group(4) or 'ready', want_id))
    else:
        check('attestation_unavailable_without_uds',
              None if m.group(4) and 'no UDS' in m.group(4) and
              any(l == 'PALISADE-BOOT: no UDS: attestation unavailable' for l in lines) else
              'expected the boot stage and the hypervisor to report no UDS')
    return results
