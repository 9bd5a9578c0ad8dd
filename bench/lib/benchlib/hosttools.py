"""Host-side figures: the `palisade` CLI's `verify` (wall time and peak memory for one
report, medians of several runs under /usr/bin/time) and `measure` (throughput on the
Linux Image). Wall time on this machine: unlike the QEMU figures, these vary with load."""
import json
import os
import re
import statistics
import subprocess
import time

NONCE = bytes(range(64)).hex()      # the report_data the pVM bench puts in its reports
PVM_MEM, PVM_BASE = '4M', '0x40000000'   # the pVM bench's memory (runs.PalisadePVMBench)


class Missing(Exception):
    """A figure that cannot be taken yet; the message says what is missing."""


def cli(build):
    path = os.path.join(build, 'palisade')
    if not os.path.exists(path):
        raise Missing('the palisade CLI was not built (%s)' % path)
    return path


def has_subcommand(build, sub):
    try:
        r = subprocess.run([cli(build), sub, '--help'], capture_output=True, text=True, timeout=30)
    except Missing:
        return False, ''
    return r.returncode == 0, r.stdout + r.stderr


def _run(cmd, what):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise Missing('%s failed (exit %d): %s' % (what, r.returncode,
                                                    (r.stderr or r.stdout).strip()[:300]))
    return r.stdout


def timed(cmd, runs, ok_codes=(0,)):
    """Runs cmd 'runs' times under /usr/bin/time: medians of wall seconds and peak RSS KiB."""
    if not os.path.exists('/usr/bin/time'):
        raise Missing('/usr/bin/time is not installed (bench/setup installs the time package)')
    walls, rss = [], []
    out = os.path.join('/tmp', 'bench-time-%d.txt' % os.getpid())
    try:
        for _ in range(runs):
            t0 = time.monotonic()
            r = subprocess.run(['/usr/bin/time', '-f', '%e %M', '-o', out] + cmd,
                               capture_output=True, text=True, timeout=300)
            walls.append(time.monotonic() - t0)
            if r.returncode not in ok_codes:
                raise Missing('%s failed (exit %d): %s' % (' '.join(cmd[:2]), r.returncode,
                                                            (r.stderr or r.stdout).strip()[:300]))
            m = re.match(r'\s*([\d.]+)\s+(\d+)', open(out).read().strip().splitlines()[-1])
            rss.append(int(m.group(2)) if m else 0)
    finally:
        if os.path.exists(out):
            os.unlink(out)
    return statistics.median(walls), statistics.median(rss)


def stand_in_hyp(work, size=512 * 1024, svn=1):
    """A hypervisor image with a valid header (docs/attestation.md section 6) and a fixed
    body, for when the build's own cannot be measured: the host-side figures time the
    tool, and the hypervisor image is a small part of what it hashes."""
    import struct
    path = os.path.join(work, 'stand-in-hyp.bin')
    body = bytes((i * 131 + (i >> 8)) & 0xff for i in range(size - 64))
    os.makedirs(work, exist_ok=True)
    with open(path, 'wb') as f:
        f.write(struct.pack('<II8sQI', 0x14000010, 0, b'PALHYP01', size, svn) + bytes(36) + body)
    return path


def hyp_image(build, work):
    """The build's palisade-hyp.bin if `palisade measure` accepts it, else a stand-in;
    and a note saying which."""
    hyp = os.path.join(build, 'palisade-hyp.bin')
    if os.path.exists(hyp):
        r = subprocess.run([cli(build), 'measure', '--hyp', hyp, '--json'], capture_output=True,
                           text=True, timeout=60)
        if r.returncode == 0:
            return hyp, None
        why = (r.stderr or r.stdout).strip().splitlines()[-1][:200] if (r.stderr or r.stdout).strip() else ''
    else:
        why = '%s missing' % hyp
    return stand_in_hyp(work), 'a stand-in hypervisor image was used: the build\'s was refused (%s)' % why


def measure_throughput(build, image, work, runs=3):
    """`palisade measure` of a Linux pVM made of the Linux Image: MiB of Image per second
    (median wall of 'runs'); the hypervisor image is measured too (part of the command)."""
    ok, text = has_subcommand(build, 'measure')
    if not ok:
        raise Missing("the palisade CLI has no 'measure' subcommand yet")
    if '--hyp' not in text:
        raise Missing("'palisade measure' has no --hyp option")
    hyp, note = hyp_image(build, work)
    cmd = [cli(build), 'measure', '--hyp', hyp, '--kernel', image, '--mem', '256M', '--json']
    wall, rss = timed(cmd, runs)
    return os.path.getsize(image) / (1 << 20) / wall, wall, rss, note


def verify_cost(build, work, evidence=None, runs=5):
    """Wall seconds, peak RSS (KiB) and details of `palisade verify` for one report.

    The evidence is the pVM bench's own ATTEST output when it has one (real hypervisor,
    test UDS of the build); otherwise it is made by the test suite's stand-in device
    (host-tools/tests/mkevidence) for the same hypervisor image and launch measurement,
    which exercises the same checks. Either way the reference values come from
    `palisade measure` of the pVM bench image and the device from `palisade provision ca` and
    `palisade provision device`."""
    ok, _ = has_subcommand(build, 'verify')
    if not ok:
        raise Missing("the palisade CLI has no 'verify' subcommand yet")
    pal = cli(build)
    guest = os.path.join(build, 'bench', 'bench-pvm.bin')
    uds = os.path.join(build, 'test-device', 'uds.bin')
    if not os.path.exists(guest):
        raise Missing('%s missing (build)' % guest)
    os.makedirs(work, exist_ok=True)
    hyp, hyp_note = hyp_image(build, work)
    if evidence and hyp_note:
        evidence = None   # its hypervisor measurement is the refused image's
    dev = os.path.join(work, 'device')
    ca = os.path.join(work, 'ca')
    for d in (dev, ca):
        if os.path.exists(d):
            for f in os.listdir(d):
                os.unlink(os.path.join(d, f))
            os.rmdir(d)
    _run([pal, 'provision', 'ca', '--out', ca, '--json'], 'palisade provision ca')
    prov = [pal, 'provision', 'device', '--ca', ca, '--out', dev, '--json'] + \
        (['--uds', uds] if os.path.exists(uds) else [])
    _run(prov, 'palisade provision device')
    ref = os.path.join(work, 'reference.json')
    out = _run([pal, 'measure', '--hyp', hyp, '--kernel', guest, '--mem', PVM_MEM, '--mem-base', PVM_BASE,
                '--vcpus', '1', '--out', ref, '--json'], 'palisade measure')
    lm = json.loads(out)['launch_measurements'][0]
    ev = os.path.join(work, 'evidence.bin')
    if evidence:
        with open(ev, 'wb') as f:
            f.write(evidence)
        source = 'ATTEST of the pVM bench'
    else:
        mk = os.path.join(build, 'host-tools', 'tests', 'mkevidence')
        if not os.path.exists(mk):
            raise Missing('no evidence: the pVM bench got no ATTEST report and %s is not built' % mk)
        _run([mk, '--uds', os.path.join(dev, 'uds.bin') if not os.path.exists(uds) else uds,
              '--hyp', hyp, '--out', ev, '--report-data', NONCE, '--launch', lm], 'mkevidence')
        source = 'host-tools/tests/mkevidence (the pVM bench got no ATTEST report)'
    cmd = [pal, 'verify', '--ca', os.path.join(ca, 'ca.pem'), '--device-cert',
           os.path.join(dev, 'device.pem'), '--reference', ref, '--nonce', NONCE, '--json', ev]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    detail = {'evidence': source, 'verify_exit': r.returncode}
    if hyp_note:
        detail['hyp_image'] = hyp_note
    try:
        res = json.loads(r.stdout)
        detail.update({k: res.get(k) for k in ('result', 'failed_check', 'message')})
    except ValueError:
        detail['verify_output'] = (r.stdout or r.stderr).strip()[:300]
    if r.returncode not in (0, 1):
        raise Missing('palisade verify could not check the evidence (exit %d): %s'
                      % (r.returncode, (r.stderr or r.stdout).strip()[:300]))
    wall, rss = timed(cmd, runs, ok_codes=(0, 1))
    return wall, rss, detail
