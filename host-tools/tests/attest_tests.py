#!/usr/bin/env python3
"""End-to-end tests of the palisade CLI (ctest label host-tools).

  attest_tests.py --case NAME --palisade PATH --mkevidence PATH [--guest-elf PATH]
                  [--linux-image PATH] [--hyp-bin PATH] [--dtc PATH]
  attest_tests.py --list

Each case provisions a device in a fresh temporary directory, makes evidence with
mkevidence (a test-only device built apart from the tool) and runs the tool as a user
would, checking exit status, the check named in --json output and messages. The
measurement cases recompute hypervisor and launch measurements here with hashlib,
from docs/attestation.md alone, and compare them with `palisade measure`.
"""
import argparse, hashlib, json, os, shutil, stat, struct, subprocess, sys, tempfile

A = None          # parsed arguments
TMP = None        # the case's scratch directory

# ---------------------------------------------------------------- helpers

def run(*args, expect=None, stdin=None):
    p = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, input=stdin)
    if expect is not None and p.returncode != expect:
        sys.exit('FAIL: %s\n  exited %d, expected %d\n  stdout: %s\n  stderr: %s'
                 % (' '.join(map(str, args)), p.returncode, expect, p.stdout[-2000:], p.stderr[-2000:]))
    return p


def pal(*args, expect=None):
    return run(A.palisade, *args, expect=expect)


def check(cond, what):
    if not cond:
        sys.exit('FAIL: ' + what)


def path(name):
    return os.path.join(TMP, name)


def write(name, data):
    with open(path(name), 'wb') as f:
        f.write(data)
    return path(name)


def hyp_image(size=100000, svn=3, seed=1):
    body = bytes((i * 131 + seed * 17 + (i >> 8)) & 0xff for i in range(size - 64))
    hdr = struct.pack('<II8sQI', 0x14000010, 0, b'PALHYP01', size, svn) + bytes(36)
    return hdr + body


class CA:
    """A manufacturer CA made by `palisade provision ca`, in a directory of its own."""

    def __init__(self, name='ca'):
        self.dir = path(name)
        self.info = json.loads(pal('provision', 'ca', '--out', self.dir, '--json', expect=0).stdout)
        self.cert = os.path.join(self.dir, 'ca.pem')
        self.key = os.path.join(self.dir, 'ca.key')


class Device:
    """A device provisioned by `palisade provision device` (with a CA of its own, or
    ca_from's), its hypervisor image and reference values."""

    def __init__(self, name='dev', ca_from=None, uds=None):
        self.ca_obj = ca_from.ca_obj if ca_from else CA(name + '-ca')
        self.dir = path(name)
        args = ['provision', 'device', '--ca', self.ca_obj.dir, '--out', self.dir, '--json']
        if uds:
            args += ['--uds', uds]
        self.info = json.loads(pal(*args, expect=0).stdout)
        self.ca = self.ca_obj.cert
        self.ca_key = self.ca_obj.key
        self.uds = uds or os.path.join(self.dir, 'uds.bin')
        self.cert = os.path.join(self.dir, 'device.pem')


def setup(name='dev'):
    """A device, hyp.bin, a raw guest and ref.json for them; returns (device, LM hex)."""
    d = Device(name)
    write('hyp.bin', hyp_image())
    write('guest.bin', bytes(range(256)) * 20)
    out = pal('measure', '--hyp', path('hyp.bin'), '--raw', path('guest.bin') + '@0x80000000',
              '--out', path('ref.json'), '--json', expect=0)
    ref = json.loads(out.stdout)
    return d, ref['launch_measurements'][0]


NONCE = 'a1' * 32


def mkev(dev, out='ev.bin', hyp='hyp.bin', launch=None, report_data=NONCE, extra=()):
    args = [A.mkevidence, '--uds', dev.uds, '--hyp', path(hyp), '--out', path(out),
            '--report-data', report_data]
    if launch:
        args += ['--launch', launch]
    run(*args, *extra, expect=0)
    return path(out)


def verify(dev, ev, nonce=NONCE, ref='ref.json', extra=(), ca=None, cert=None):
    p = pal('verify', '--ca', ca or dev.ca, '--device-cert', cert or dev.cert,
            '--reference', path(ref), '--nonce', nonce, '--json', *extra, ev)
    try:
        res = json.loads(p.stdout) if p.stdout.strip() else None
    except ValueError:
        sys.exit('FAIL: verify printed no JSON:\n' + p.stdout + p.stderr)
    return p.returncode, res, p


def expect_verify(dev, ev, status, failed, **kw):
    rc, res, p = verify(dev, ev, **kw)
    got = res and res.get('failed_check')
    if rc != status or got != failed:
        sys.exit('FAIL: verify %s: exit %d, failed_check %r; expected exit %d, %r\n%s%s'
                 % (os.path.basename(ev), rc, got, status, failed, p.stdout[-1500:], p.stderr))
    if status == 0:
        check(res['result'] == 'pass' and all(c['result'] == 'pass' for c in res['checks']),
              'passing verify reports a failed check')
    elif failed:
        check(res['checks'][-1]['name'] == failed and res['checks'][-1]['result'] == 'fail',
              'the last check listed is not the failed one')
        check(('check %s failed' % failed) in p.stderr or status == 2,
              'stderr does not name the failed check: ' + p.stderr)
    return res

# ---------------------------------------------------------------- measurement, from the spec

def sha384(b):
    return hashlib.sha384(b).digest()


class LM:
    def __init__(self):
        self.v = bytes(48)
        self.n = 0

    def rec(self, op, perms=0, ipa=0, size=0, digest=bytes(48), a=(0,) * 6):
        r = struct.pack('<IIQQ', op, perms, ipa, size) + digest + struct.pack('<6Q', *a) + bytes(8)
        assert len(r) == 128
        self.v = sha384(self.v + r)
        self.n += 1

    def load(self, ipa, data):
        """LOAD_PAGE records for data at ipa, the last page zero-padded."""
        for off in range(0, len(data), 4096):
            page = data[off:off + 4096].ljust(4096, b'\0')
            self.rec(1, 7, ipa + off, 4096, sha384(page))

    def page(self, ipa, page):
        self.rec(1, 7, ipa, 4096, sha384(page))

    def boot(self, entry, x0):
        self.rec(2, a=(entry, x0, 0, 0, 0, 0x3c5))

    def seal(self, base, size, vcpus, policy):
        self.rec(3, 0, base, size, a=(vcpus, policy, 0, 0, 0, 0))
        return self.v.hex()


def measure_json(*args):
    return json.loads(pal('measure', *args, '--json', expect=0).stdout)


def elf_pages(data, base, size):
    """The ELF placement rule of docs/attestation.md, written independently."""
    (e_type, e_machine, _v, entry, phoff, _sh, _f, _eh, phentsize, phnum) = \
        struct.unpack_from('<HHIQQQIHHH', data, 16)
    assert data[:4] == b'\x7fELF' and e_machine == 183 and e_type == 2 and phentsize == 56
    segs = []
    for i in range(phnum):
        (p_type, _flags, off, vaddr, paddr, filesz, memsz, _al) = \
            struct.unpack_from('<IIQQQQQQ', data, phoff + 56 * i)
        if p_type == 1 and memsz:
            segs.append((paddr, data[off:off + filesz], memsz))
    mem = {}
    order = []
    for (addr, content, memsz) in segs:
        first, last = addr & ~4095, (addr + memsz - 1) & ~4095
        for p in range(first, last + 4096, 4096):
            if p not in mem:
                mem[p] = bytearray(4096)
                order.append(p)
        for k, byte in enumerate(content):
            mem[(addr + k) & ~4095][(addr + k) & 4095] = byte
    return entry, [(p, bytes(mem[p])) for p in order]

# ---------------------------------------------------------------- cases

def case_genuine():
    d, lm = setup()
    ev = mkev(d, launch=lm)
    res = expect_verify(d, ev, 0, None)
    names = [c['name'] for c in res['checks']]
    check(names == ['evidence_format', 'ca_chain', 'endorsement_signature', 'endorsement_version',
                    'report_signature', 'report_version', 'endorsement_match', 'hyp_measurement',
                    'hyp_svn', 'launch_measurement', 'report_data', 'policy_debug'],
          'check order: %s' % names)
    check(res['claims']['launch_measurement'] == lm, 'claims')
    # mkevidence and the tool derive the same device key from the UDS.
    info = json.loads(run(A.mkevidence, '--uds', d.uds, '--hyp', path('hyp.bin'), '--info',
                          expect=0).stdout)
    check(info['device_public_key'] == d.info['device_public_key'], 'device keys differ')
    # Text mode too.
    p = pal('verify', '--ca', d.ca, '--device-cert', d.cert, '--reference', path('ref.json'),
            '--nonce', NONCE, ev, expect=0)
    check('verify: OK, all 12 checks passed' in p.stdout, p.stdout)


def case_wrong_nonce():
    d, lm = setup()
    ev = mkev(d, launch=lm)
    expect_verify(d, ev, 1, 'report_data', nonce='a2' * 32)
    expect_verify(d, ev, 1, 'report_data', nonce='a1' * 31)          # a prefix is not enough
    expect_verify(d, ev, 1, 'report_data', nonce='a1' * 32 + '01')   # nor a longer one
    # The nonce is zero-padded to 64 bytes (docs/attestation.md section 8).
    n16 = '0102' * 8
    ev2 = mkev(d, out='ev2.bin', launch=lm, report_data=n16)
    expect_verify(d, ev2, 0, None, nonce=n16)
    expect_verify(d, ev2, 1, 'report_data', nonce=n16[:-2] + '03')


def case_weak_nonce():
    # Shorter than 16 bytes, or all zero (what report_data holds when the VM never set
    # it): no challenge, refused as a usage error whatever the evidence says.
    d, lm = setup()
    ev = mkev(d, out='ev0.bin', launch=lm, report_data='00')
    base = ['verify', '--ca', d.ca, '--device-cert', d.cert, '--reference', path('ref.json')]
    for nonce, why in [('00', 'at least 16 bytes'), ('00' * 32, 'all-zero'),
                       ('00' * 64, 'all-zero'), ('a1' * 15, 'at least 16 bytes')]:
        p = pal(*base, '--nonce', nonce, ev)
        check(p.returncode == 2 and why in p.stderr, 'nonce %r: %s' % (nonce, p.stderr))
    # 16 bytes is enough (and the check then runs on the evidence).
    expect_verify(d, ev, 1, 'report_data', nonce='a1' * 16)


def case_other_launch():
    d, lm = setup()
    other = hashlib.sha384(b'another VM').hexdigest()
    expect_verify(d, mkev(d, launch=other), 1, 'launch_measurement')


def case_hyp_changed():
    d, lm = setup()
    img = bytearray(hyp_image())
    img[5000] ^= 0x01
    write('hyp2.bin', bytes(img))
    a = json.loads(run(A.mkevidence, '--uds', d.uds, '--hyp', path('hyp.bin'), '--info', expect=0).stdout)
    b = json.loads(run(A.mkevidence, '--uds', d.uds, '--hyp', path('hyp2.bin'), '--info', expect=0).stdout)
    check(a['attestation_public_key'] != b['attestation_public_key'], 'same attestation key')
    check(a['cdi'] != b['cdi'] and a['device_public_key'] == b['device_public_key'], 'CDI/device key')
    ev = mkev(d, hyp='hyp2.bin', launch=lm)
    expect_verify(d, ev, 1, 'hyp_measurement')
    # A reference that lists both images accepts either.
    ref = json.load(open(path('ref.json')))
    ref['hyp_measurements'].append(measure_json('--hyp', path('hyp2.bin'))['hyp_measurements'][0])
    json.dump(ref, open(path('ref2.json'), 'w'))
    expect_verify(d, ev, 0, None, ref='ref2.json')


def case_other_device():
    d, lm = setup()
    d2 = Device('dev2', ca_from=d)
    ev2 = mkev(d2, out='ev2.bin', launch=lm)
    expect_verify(d, ev2, 1, 'endorsement_signature')           # device 1's certificate
    expect_verify(d, ev2, 0, None, cert=d2.cert)                 # its own certificate
    check(d.info['device_public_key'] != d2.info['device_public_key'], 'same device key')


def case_untrusted_ca():
    d, lm = setup()
    other = Device('other')
    ev = mkev(d, launch=lm)
    expect_verify(d, ev, 1, 'ca_chain', ca=other.ca)
    expect_verify(d, ev, 1, 'ca_chain', ca=other.ca, cert=d.cert)
    # The CA certificate itself given as the device certificate.
    res = expect_verify(d, ev, 1, 'ca_chain', cert=d.ca)
    check('is the CA certificate' in res['message'], res['message'])


def case_debug_policy():
    d, lm = setup()
    ev = mkev(d, launch=lm, extra=('--policy', '1'))
    expect_verify(d, ev, 1, 'policy_debug')
    expect_verify(d, ev, 0, None, extra=('--allow-debug',))
    ev = mkev(d, out='ev3.bin', launch=lm, extra=('--policy', '2'))   # unknown policy bit
    expect_verify(d, ev, 1, 'report_version', extra=('--allow-debug',))


def case_min_svn():
    d, lm = setup()
    ev = mkev(d, launch=lm)                   # SVN 3, from the image header
    expect_verify(d, ev, 1, 'hyp_svn', extra=('--min-svn', '4'))
    expect_verify(d, ev, 0, None, extra=('--min-svn', '3'))
    expect_verify(d, ev, 1, 'hyp_svn', extra=('--min-svn', '4294967295'))


def case_rmr():
    d, lm = setup()
    v = hashlib.sha384(b'rmr2').hexdigest()
    ev = mkev(d, launch=lm, extra=('--rmr', '2=' + v))
    expect_verify(d, ev, 0, None, extra=('--rmr', '2=' + v, '--rmr', '0=' + '00' * 48))
    expect_verify(d, ev, 1, 'rmr[2]', extra=('--rmr', '2=' + 'ff' * 48))
    expect_verify(d, ev, 1, 'rmr[3]', extra=('--rmr', '2=' + v, '--rmr', '3=' + v))
    expect_verify(d, ev, 1, 'rmr[0]', extra=('--rmr', '0=' + v, '--rmr', '2=' + 'ff' * 48))


def case_endorsement_mismatch():
    d, lm = setup()
    expect_verify(d, mkev(d, launch=lm, extra=('--report-svn', '2')), 1, 'endorsement_match')
    expect_verify(d, mkev(d, out='e2.bin', launch=lm, extra=('--report-hm', 'ab' * 48)), 1,
                  'endorsement_match')


def case_versions():
    d, lm = setup()
    expect_verify(d, mkev(d, launch=lm, extra=('--report-version', '2')), 1, 'report_version')
    expect_verify(d, mkev(d, out='e2.bin', launch=lm, extra=('--report-reserved', '1')), 1,
                  'report_version')
    expect_verify(d, mkev(d, out='e3.bin', launch=lm, extra=('--endorsement-version', '2')), 1,
                  'endorsement_version')


def case_malformed():
    d, lm = setup()
    good = open(mkev(d, launch=lm), 'rb').read()
    off_curve = open(mkev(d, out='oc.bin', launch=lm, extra=('--off-curve-key',)), 'rb').read()
    bad = {
        'empty': b'',
        'truncated': good[:759],
        'header_only': good[:16],
        'oversized': good + b'\0',
        'huge': good + bytes(100000),
        'wrong_magic': b'PALEVID2' + good[8:],
        'wrong_report_size': good[:8] + struct.pack('<I', 481) + good[12:],
        'wrong_endorsement_size': good[:12] + struct.pack('<I', 263) + good[16:],
        'garbage': bytes((i * 73 + 11) & 0xff for i in range(760)),
        'text': b'hello\n' * 100,
        'off_curve_key': off_curve,
        'compressed_key': good[:496 + 64] + b'\x02' + good[496 + 65:],
    }
    for name, data in bad.items():
        ev = write(name + '.bin', data)
        rc, res, p = verify(d, ev)
        check(rc == 2, '%s: verify exited %d, expected 2\n%s' % (name, rc, p.stderr))
        check(res and res['result'] == 'error' and res['failed_check'] == 'evidence_format',
              '%s: JSON %r' % (name, res))
        check('palisade: verify: ' in p.stderr and 'evidence' in p.stderr, name + ': ' + p.stderr)
        p = pal('report', 'show', ev)
        check(p.returncode == 2 and 'report show:' in p.stderr, name + ': report show')
    p = pal('report', 'show', path('nonexistent.bin'))
    check(p.returncode == 2 and 'No such file' in p.stderr, 'report show of a missing file')
    # A directory, not a file.
    rc, res, p = verify(d, TMP)
    check(rc == 2, 'verify of a directory')


def case_bitflips_cli():
    """A sample of single-bit changes through the CLI (unit.host_tools_el2 does them all)."""
    d, lm = setup()
    good = open(mkev(d, launch=lm), 'rb').read()
    for i in list(range(0, 760, 19)) + [15, 16, 495, 496, 559, 560, 656, 657, 663, 664, 759]:
        data = bytearray(good)
        data[i] ^= 1 << (i % 8)
        ev = write('flip.bin', bytes(data))
        e = i - 496
        if i < 16 or 64 <= e < 161:
            want, status = 'evidence_format', 2
        elif i < 496:
            want, status = 'report_signature', 1
        else:
            want, status = 'endorsement_signature', 1
        rc, res, p = verify(d, ev)
        check(rc == status and res['failed_check'] == want,
              'byte %d: exit %d %s, expected %d %s' % (i, rc, res and res['failed_check'], status, want))


def case_bad_inputs():
    d, lm = setup()
    ev = mkev(d, launch=lm)
    base = ['verify', '--ca', d.ca, '--device-cert', d.cert, '--reference', path('ref.json')]
    for nonce in ['', 'abc', 'zz', '00' * 65, '0x00']:
        p = pal(*base, '--nonce', nonce, ev)
        check(p.returncode == 2 and 'usage: palisade verify' in p.stderr, 'nonce %r: %s' % (nonce, p.stderr))
    p = pal(*base, ev)
    check(p.returncode == 2 and '--nonce are required' in p.stderr, p.stderr)
    p = pal(*base, '--nonce', NONCE)
    check(p.returncode == 2 and 'no EVIDENCE file' in p.stderr, p.stderr)
    p = pal(*base, '--nonce', NONCE, ev, ev)
    check(p.returncode == 2, 'two evidence files')
    for rmr in ['4=' + '00' * 48, '1=00', '1', 'x=' + '00' * 48]:
        p = pal(*base, '--nonce', NONCE, '--rmr', rmr, ev)
        check(p.returncode == 2 and '--rmr' in p.stderr, 'rmr %r: %s' % (rmr, p.stderr))
    p = pal(*base, '--nonce', NONCE, '--rmr', '1=' + '00' * 48, '--rmr', '1=' + '00' * 48, ev)
    check(p.returncode == 2 and 'given twice' in p.stderr, p.stderr)
    p = pal(*base, '--nonce', NONCE, '--min-svn', '-1', ev)
    check(p.returncode == 2, 'min-svn -1')
    p = pal(*base, '--nonce', NONCE, '--bogus', ev)
    check(p.returncode == 2 and 'usage: palisade verify' in p.stderr, p.stderr)
    # Unreadable or malformed inputs other than the evidence.
    write('junk.pem', b'not a certificate\n')
    write('bad-ref.json', b'{"version": 1, "hyp_measurements": []}')
    write('not-json.json', b'{"version": 1,')
    cases = [
        (['--ca', path('missing.pem')], 'No such file'),
        (['--ca', path('junk.pem')], 'not a PEM or DER X.509 certificate'),
        (['--device-cert', path('junk.pem')], 'not a PEM or DER X.509 certificate'),
        (['--reference', path('bad-ref.json')], '"hyp_measurements" has 0 values'),
        (['--reference', path('not-json.json')], 'not valid JSON'),
        (['--reference', path('missing.json')], 'No such file'),
    ]
    for over, msg in cases:
        args = list(base)
        args[args.index(over[0]) + 1] = over[1]
        p = pal(*args, '--nonce', NONCE, '--json', ev)
        check(p.returncode == 2 and msg in p.stderr, '%s: exit %d %s' % (over, p.returncode, p.stderr))
        res = json.loads(p.stdout)
        check(res['result'] == 'error' and msg in res['message'], 'JSON for %s' % over)


def case_provision():
    d = Device()
    ca_dir = d.ca_obj.dir
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
    check(mode(d.ca_key) == 0o600 and mode(d.uds) == 0o600, 'secret modes')
    check(mode(d.ca) == 0o644 and mode(d.cert) == 0o644, 'certificate modes')
    check(mode(ca_dir) == 0o700 and mode(d.dir) == 0o700, 'directory modes')
    # The CA and the device each have a directory of their own: no CA key next to a UDS.
    check(sorted(os.listdir(ca_dir)) == ['ca.key', 'ca.pem'], 'CA dir: %s' % os.listdir(ca_dir))
    check(sorted(os.listdir(d.dir)) == ['device.pem', 'uds.bin'], 'device dir: %s' % os.listdir(d.dir))
    check(os.path.getsize(d.uds) == 64, 'UDS size')
    uds = open(d.uds, 'rb').read()
    out = pal('provision', 'device', '--ca', ca_dir, '--out', path('p2'), expect=0)
    check(uds.hex() not in out.stdout + out.stderr, 'the UDS was printed')
    out = pal('provision', 'ca', '--out', path('ca2'), expect=0)
    key = open(path('ca2/ca.key')).read()
    body = ''.join(key.splitlines()[1:-1])
    check('PRIVATE KEY' not in out.stdout + out.stderr and body[:40] not in out.stdout,
          'the CA key was printed')
    # Never overwrites.
    p = pal('provision', 'device', '--ca', ca_dir, '--out', d.dir)
    check(p.returncode == 2 and 'refusing to overwrite' in p.stderr, p.stderr)
    check(open(d.uds, 'rb').read() == uds, 'the UDS changed')
    p = pal('provision', 'ca', '--out', ca_dir)
    check(p.returncode == 2 and 'refusing to overwrite' in p.stderr, p.stderr)
    # The layout rules: a device directory is never the CA's, nor holds a CA key; a CA
    # directory never holds a device's files.
    p = pal('provision', 'device', '--ca', ca_dir, '--out', ca_dir)
    check(p.returncode == 2 and 'is the CA directory' in p.stderr, p.stderr)
    check(sorted(os.listdir(ca_dir)) == ['ca.key', 'ca.pem'], 'CA dir changed')
    os.makedirs(path('keyed'), mode=0o700)
    shutil.copy(d.ca_key, path('keyed/ca.key'))
    p = pal('provision', 'device', '--ca', ca_dir, '--out', path('keyed'))
    check(p.returncode == 2 and 'holds a CA key' in p.stderr, p.stderr)
    check(os.listdir(path('keyed')) == ['ca.key'], 'files written next to a CA key')
    p = pal('provision', 'ca', '--out', d.dir)
    check(p.returncode == 2 and "holds a device's files" in p.stderr, p.stderr)
    check(sorted(os.listdir(d.dir)) == ['device.pem', 'uds.bin'], 'CA written into a device dir')
    # The old one-shot form is gone, with a pointer to the new one.
    p = pal('provision', '--out', path('p9'))
    check(p.returncode == 2 and "'provision ca', then 'provision device'" in p.stderr, p.stderr)
    check(not os.path.exists(path('p9')), 'the one-shot form made a directory')
    # Reusing the UDS: the same device key, a certificate from the same CA, no UDS copy.
    d3 = Device('dev3', ca_from=d, uds=d.uds)
    check(d3.info['device_public_key'] == d.info['device_public_key'], 'reused UDS, other key')
    check(os.listdir(d3.dir) == ['device.pem'], 'dev3: %s' % os.listdir(d3.dir))
    check(d3.info['files']['ca_cert'] == d.ca, 'JSON names the CA certificate')
    if shutil.which('openssl'):
        p = run('openssl', 'verify', '-x509_strict', '-CAfile', d.ca, d.cert, d3.cert)
        check(p.returncode == 0, 'openssl verify: ' + p.stdout + p.stderr)
        p = run('openssl', 'x509', '-in', d.cert, '-noout', '-pubkey')
        txt = run('openssl', 'pkey', '-pubin', '-noout', '-text', stdin=p.stdout).stdout
        hexkey = ''.join(l.strip().replace(':', '') for l in txt.split('pub:')[1].split('ASN1')[0].split())
        check(hexkey == d.info['device_public_key'], 'certificate key differs from the derived key')
        txt = run('openssl', 'x509', '-in', d.cert, '-noout', '-text').stdout
        for want in ['CA:FALSE', 'Digital Signature', '1.3.6.1.4.1.32473.1', 'ecdsa-with-SHA384']:
            check(want in txt, 'device certificate lacks ' + want)
    # Bad inputs, and nothing left behind by a failed run.
    write('short-uds.bin', bytes(63))
    p = pal('provision', 'device', '--ca', ca_dir, '--out', path('p4'), '--uds', path('short-uds.bin'))
    check(p.returncode == 2 and 'exactly 64 bytes' in p.stderr, p.stderr)
    check(not os.listdir(path('p4')), 'files left after a failed provision: %s' % os.listdir(path('p4')))
    other = CA('other-ca')
    os.makedirs(path('mixed'))
    shutil.copy(d.ca, path('mixed/ca.pem'))
    shutil.copy(other.key, path('mixed/ca.key'))
    p = pal('provision', 'device', '--ca', path('mixed'), '--out', path('p5'))
    check(p.returncode == 2 and 'does not belong to' in p.stderr, p.stderr)
    os.makedirs(path('devca'))
    shutil.copy(d.cert, path('devca/ca.pem'))
    shutil.copy(d.ca_key, path('devca/ca.key'))
    p = pal('provision', 'device', '--ca', path('devca'), '--out', path('p6'))
    check(p.returncode == 2 and 'not a usable CA' in p.stderr, 'a device certificate as the CA: ' + p.stderr)
    p = pal('provision', 'device', '--out', path('p7'))
    check(p.returncode == 2 and '--ca DIR is required' in p.stderr, p.stderr)
    p = pal('provision', 'device', '--ca', d.ca, '--out', path('p7'))
    check(p.returncode == 2 and 'is not a directory' in p.stderr, p.stderr)
    p = pal('provision', 'device', '--ca', ca_dir)
    check(p.returncode == 2 and '--out DIR is required' in p.stderr, p.stderr)
    p = pal('provision', 'ca')
    check(p.returncode == 2 and '--out DIR is required' in p.stderr, p.stderr)
    p = pal('provision', 'ca', '--out', path('p10'), '--uds', d.uds)
    check(p.returncode == 2, 'provision ca --uds')
    p = pal('provision')
    check(p.returncode == 2 and 'usage: palisade provision device' in p.stderr, p.stderr)
    # A UDS readable by others is used, with a warning.
    shutil.copy(d.uds, path('open-uds.bin'))
    os.chmod(path('open-uds.bin'), 0o644)
    p = pal('provision', 'device', '--ca', ca_dir, '--out', path('p8'), '--uds', path('open-uds.bin'),
            expect=0)
    check('warning' in p.stderr and 'readable by group or others' in p.stderr, p.stderr)


def case_uds_rules():
    """provision device refuses degenerate UDSs (docs/attestation.md section 2)."""
    ca = CA()
    bad = {
        'zero': bytes(64),                                   # the boot stage's "no UDS"
        'ff': b'\xff' * 64,
        'one_value': b'\x5a' * 64,
        'two_values': bytes([0, 1] * 32),
        'pattern8': bytes(range(1, 9)) * 8,
        'hex_text': os.urandom(32).hex().encode(),          # 64 hex digits, <= 16 values
        'distinct23': bytes(i % 23 + 100 for i in range(64)),
    }
    for name, data in bad.items():
        u = write(name + '.uds', data)
        os.chmod(u, 0o600)
        p = pal('provision', 'device', '--ca', ca.dir, '--out', path('d-' + name), '--uds', u)
        check(p.returncode == 2 and 'degenerate UDS' in p.stderr, '%s: %s' % (name, p.stderr))
        check(not os.listdir(path('d-' + name)), name + ': files written')
        check(data.hex() not in p.stdout + p.stderr, name + ': UDS printed')
    p = pal('provision', 'device', '--ca', ca.dir, '--out', path('d-zero2'), '--uds', path('zero.uds'))
    check('"no UDS" marker' in p.stderr, 'all-zero message: ' + p.stderr)
    # The boundary: 24 distinct values pass.
    u = write('distinct24.uds', bytes(i % 24 + 100 for i in range(64)))
    os.chmod(u, 0o600)
    pal('provision', 'device', '--ca', ca.dir, '--out', path('d-24'), '--uds', u, expect=0)


# ---------------------------------------------------------------- certificate profiles

def ossl(*args):
    return run('openssl', *[str(a) for a in args], expect=0)


def ext_file(name, ext, leaf=True):
    lines = [l for l in ext.split(';') if l] + ['subjectKeyIdentifier=hash',
                                               'authorityKeyIdentifier=keyid:always']
    return write(name + '.cnf', ('[e]\n' + '\n'.join(lines) + '\n').encode())


GOOD_LEAF = ('basicConstraints=critical,CA:FALSE;keyUsage=critical,digitalSignature;'
             'extendedKeyUsage=1.3.6.1.4.1.32473.1')
GOOD_ANCHOR = 'basicConstraints=critical,CA:TRUE,pathlen:0;keyUsage=critical,keyCertSign,cRLSign'


def issue(name, ca_cert, ca_key, pubkey, ext=GOOD_LEAF, md='sha384'):
    """A certificate for the public key in PEM file pubkey, issued by the openssl CLI."""
    out = path(name + '.pem')
    ossl('x509', '-new', '-subj', '/O=Test/CN=' + name, '-force_pubkey', pubkey, '-CA', ca_cert,
         '-CAkey', ca_key, '-extfile', ext_file(name, ext), '-extensions', 'e', '-' + md,
         '-days', '30', '-set_serial', '0x' + os.urandom(8).hex(), '-out', out)
    return out


def key(name, curve='P-384'):
    k = path(name + '.key')
    ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:' + curve, '-out', k)
    return k


def self_signed(name, k, ext=GOOD_ANCHOR, md='sha384'):
    out = path(name + '.pem')
    ossl('x509', '-new', '-key', k, '-subj', '/O=Test/CN=' + name, '-extfile', ext_file(name, ext),
         '-extensions', 'e', '-' + md, '-days', '30', '-out', out)
    return out


def pubkey_of(cert, name):
    return write(name + '.pub', ossl('x509', '-in', cert, '-noout', '-pubkey').stdout.encode())


def expect_chain_fail(d, ev, why, **kw):
    res = expect_verify(d, ev, 1, 'ca_chain', **kw)
    check(why in res['message'], 'ca_chain failed, but not for "%s": %s' % (why, res['message']))


def case_cert_profile():
    """The device certificate profile: each leaf breaks exactly one rule and fails ca_chain
    naming it; the same profile made with the openssl CLI passes."""
    d, lm = setup()
    ev = mkev(d, launch=lm)
    pub = pubkey_of(d.cert, 'device')
    leaf = lambda name, **kw: issue(name, d.ca, d.ca_key, pub, **kw)
    # The control: the profile, issued by the openssl CLI, verifies.
    expect_verify(d, ev, 0, None, cert=leaf('good'))
    cases = [
        # (name, extensions, digest, expected words of the message)
        ('ca_true', GOOD_LEAF.replace('CA:FALSE', 'CA:TRUE'), 'sha384', 'basicConstraints'),
        ('no_bc', GOOD_LEAF.split(';', 1)[1], 'sha384', 'basicConstraints must be critical CA:FALSE (absent)'),
        ('bc_not_critical', GOOD_LEAF.replace('critical,CA:FALSE', 'CA:FALSE'), 'sha384',
         'basicConstraints must be critical CA:FALSE (not critical)'),
        ('bc_pathlen', GOOD_LEAF.replace('CA:FALSE', 'CA:FALSE,pathlen:0'), 'sha384', 'basicConstraints'),
        ('ku_certsign', GOOD_LEAF.replace('digitalSignature', 'digitalSignature,keyCertSign'), 'sha384',
         'keyUsage must be critical digitalSignature only (other usages)'),
        ('ku_keyenc', GOOD_LEAF.replace('digitalSignature', 'keyEncipherment'), 'sha384',
         'keyUsage must be critical digitalSignature only (other usages)'),
        ('no_ku', 'basicConstraints=critical,CA:FALSE;extendedKeyUsage=1.3.6.1.4.1.32473.1', 'sha384',
         'keyUsage must be critical digitalSignature only (absent)'),
        ('ku_not_critical', GOOD_LEAF.replace('critical,digitalSignature', 'digitalSignature'), 'sha384',
         'keyUsage must be critical digitalSignature only (not critical)'),
        ('no_eku', GOOD_LEAF.rsplit(';', 1)[0], 'sha384', 'extendedKeyUsage must be exactly Palisade device attestation'),
        ('eku_server', GOOD_LEAF.replace('1.3.6.1.4.1.32473.1', 'serverAuth'), 'sha384',
         'extendedKeyUsage must be exactly'),
        ('eku_extra', GOOD_LEAF + ',serverAuth', 'sha384', 'extendedKeyUsage must be exactly'),
        ('eku_any', GOOD_LEAF.replace('1.3.6.1.4.1.32473.1', 'anyExtendedKeyUsage'), 'sha384',
         'extendedKeyUsage must be exactly'),
        ('eku_other_oid', GOOD_LEAF.replace('32473.1', '32473.2'), 'sha384', 'extendedKeyUsage must be exactly'),
        ('sha256', GOOD_LEAF, 'sha256', 'signature algorithm ecdsa-with-SHA256'),
        ('sha1', GOOD_LEAF, 'sha1', 'signature algorithm ecdsa-with-SHA1'),
        ('sha512', GOOD_LEAF, 'sha512', 'signature algorithm ecdsa-with-SHA512'),
        # The review's TLS server certificate (keyEncipherment, serverAuth) from the same CA.
        ('tls_server', 'basicConstraints=critical,CA:FALSE;keyUsage=critical,digitalSignature,'
         'keyEncipherment;extendedKeyUsage=serverAuth', 'sha384', 'device certificate:'),
    ]
    for name, ext, md, why in cases:
        expect_chain_fail(d, ev, why, cert=leaf(name, ext=ext, md=md))
    # A P-256 key (the profile otherwise): the key rule.
    p256 = key('p256', 'P-256')
    p256pub = write('p256.pub', ossl('pkey', '-in', p256, '-pubout').stdout.encode())
    expect_chain_fail(d, ev, 'device certificate: the key is not EC P-384',
                      cert=issue('leaf_p256', d.ca, d.ca_key, p256pub))
    # The good profile from another CA: the chain.
    other = CA('other-ca')
    expect_chain_fail(d, ev, 'does not chain to the CA', cert=issue('foreign', other.cert, other.key, pub))
    # What provision issues passes the profile (genuine) and openssl agrees it chains.
    expect_verify(d, ev, 0, None)


def case_ca_profile():
    """The trust anchor profile and anchor != leaf: each anchor breaks exactly one rule;
    the device certificate under it has the device profile and the device's key."""
    d, lm = setup()
    ev = mkev(d, launch=lm)
    pub = pubkey_of(d.cert, 'device')

    def anchored(name, ext=GOOD_ANCHOR, md='sha384', curve='P-384'):
        k = key(name, curve)
        ca = self_signed(name, k, ext=ext, md=md)
        return ca, issue(name + '-leaf', ca, k, pub)

    # The control: an openssl CLI anchor with the profile, and a leaf under it, verify.
    ca, leaf = anchored('anchor_good')
    expect_verify(d, ev, 0, None, ca=ca, cert=leaf)
    cases = [
        ('anchor_ca_false', 'basicConstraints=critical,CA:FALSE;keyUsage=critical,keyCertSign,cRLSign',
         'sha384', 'P-384', 'not a CA (basicConstraints CA:TRUE required)'),
        ('anchor_no_bc', 'keyUsage=critical,keyCertSign,cRLSign', 'sha384', 'P-384', 'not a CA'),
        ('anchor_no_certsign', 'basicConstraints=critical,CA:TRUE;keyUsage=critical,cRLSign,digitalSignature',
         'sha384', 'P-384', 'keyUsage lacks keyCertSign'),
        ('anchor_no_ku', 'basicConstraints=critical,CA:TRUE', 'sha384', 'P-384', 'keyUsage lacks keyCertSign'),
        ('anchor_sha256', GOOD_ANCHOR, 'sha256', 'P-384',
         'trust anchor (CA certificate): signature algorithm ecdsa-with-SHA256'),
        ('anchor_sha1', GOOD_ANCHOR, 'sha1', 'P-384', 'signature algorithm ecdsa-with-SHA1'),
        ('anchor_p256', GOOD_ANCHOR, 'sha384', 'P-256', 'trust anchor (CA certificate): the key is not EC P-384'),
    ]
    for name, ext, md, curve, why in cases:
        ca, leaf = anchored(name, ext, md, curve)
        expect_chain_fail(d, ev, why, ca=ca, cert=leaf)
    # The anchor itself as the device certificate.
    expect_chain_fail(d, ev, 'the device certificate is the CA certificate itself', cert=d.ca)
    # Another certificate for the CA's own key (the device profile, issued by the CA).
    ca_pub = pubkey_of(d.ca, 'ca')
    expect_chain_fail(d, ev, "holds the CA's public key", cert=issue('ca_key_leaf', d.ca, d.ca_key, ca_pub))
    # A self-signed CA:FALSE certificate (device profile) as both anchor and device.
    k = key('selfleaf')
    selfleaf = self_signed('selfleaf', k, ext=GOOD_LEAF)
    expect_chain_fail(d, ev, 'not a CA', ca=selfleaf, cert=selfleaf)


# ---------------------------------------------------------------- signature malleability

P384_N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973


def high_s(data, sig_off):
    """The same evidence with s of the signature at sig_off replaced by n - s."""
    b = bytearray(data)
    s = int.from_bytes(b[sig_off + 48:sig_off + 96], 'big')
    check(0 < s and 2 * s < P384_N, 'mkevidence made a high-s signature')
    b[sig_off + 48:sig_off + 96] = (P384_N - s).to_bytes(48, 'big')
    return bytes(b)


def case_high_s():
    """(r, n - s) verifies mathematically; verify accepts only the low-s form, for the
    endorsement and the report, naming the check."""
    d, lm = setup()
    for i in range(4):
        nonce = os.urandom(32).hex()
        good = open(mkev(d, out='ev%d.bin' % i, launch=lm, report_data=nonce), 'rb').read()
        expect_verify(d, path('ev%d.bin' % i), 0, None, nonce=nonce)
        ev = write('end_high%d.bin' % i, high_s(good, 496 + 168))
        res = expect_verify(d, ev, 1, 'endorsement_signature', nonce=nonce)
        check('high-s' in res['message'], res['message'])
        ev = write('rep_high%d.bin' % i, high_s(good, 16 + 384))
        res = expect_verify(d, ev, 1, 'report_signature', nonce=nonce)
        check('high-s' in res['message'], res['message'])


def case_report_show():
    d, lm = setup()
    rmr = hashlib.sha384(b'r').hexdigest()
    ev = mkev(d, launch=lm, extra=('--rmr', '1=' + rmr, '--policy', '1', '--vm-id', '7'))
    j = json.loads(pal('report', 'show', '--json', ev, expect=0).stdout)
    r, e = j['report'], j['endorsement']
    check(j['verified'] is False, 'verified flag')
    check(r['vm_id'] == 7 and r['policy'] == 1 and r['debug'] is True and r['hyp_svn'] == 3, 'fields')
    check(r['report_data'] == NONCE + '00' * 32 and r['launch_measurement'] == lm, 'data')
    check(r['rmr'][1] == rmr and r['rmr'][0] == '00' * 48, 'rmr')
    ref = json.load(open(path('ref.json')))
    check(r['hyp_measurement'] == ref['hyp_measurements'][0] == e['hyp_measurement'], 'HM')
    check(e['version'] == 1 and e['size'] == 264 and len(e['attestation_public_key']) == 194, 'endorsement')
    check(len(r['signature']) == 192 and len(e['signature']) == 192, 'signatures')
    t = pal('report', 'show', ev, expect=0).stdout
    for field in ['version', 'size', 'vm_id', 'policy', 'hyp_svn', 'report_data', 'launch_measurement',
                  'rmr[0]', 'rmr[3]', 'hyp_measurement', 'signature.r', 'signature.s',
                  'attestation_public_key', 'NOT verified', 'debug allowed', rmr, lm]:
        check(field in t, 'report show lacks ' + field)
    p = pal('report', 'show')
    check(p.returncode == 2 and 'usage: palisade report show' in p.stderr, p.stderr)
    p = pal('report')
    check(p.returncode == 2 and 'usage: palisade report show' in p.stderr, p.stderr)
    p = pal('report', 'frob')
    check(p.returncode == 2 and "unknown command 'report frob'" in p.stderr, p.stderr)


def case_help():
    for cmd in [['provision', 'ca'], ['provision', 'device'], ['measure'], ['verify'],
                ['report', 'show'], ['version']]:
        p = pal(*cmd, '--help', expect=0)
        check(p.stdout.startswith('usage: palisade ' + ' '.join(cmd)), 'help of %s' % cmd)
        check('Exit status' in p.stdout or cmd == ['version'], 'exit status in help of %s' % cmd)
        p = pal(*cmd, '--no-such-option')
        check(p.returncode == 2 and ('usage: palisade ' + ' '.join(cmd)) in p.stderr, 'bad option of %s' % cmd)
    p = pal('report', '--help', expect=0)
    check('usage: palisade report show' in p.stdout, 'report --help')
    p = pal('provision', '--help', expect=0)
    check('usage: palisade provision ca' in p.stdout and 'usage: palisade provision device' in p.stdout,
          'provision --help')
    p = pal('--help', expect=0)
    for cmd in ['provision ca', 'provision device', 'measure', 'verify', 'report show', 'version']:
        check(cmd in p.stdout, 'palisade --help lacks ' + cmd)


def case_measure_kat_raw():
    """Raw image: hyp and launch measurement recomputed with hashlib."""
    img = hyp_image(size=77777, svn=9, seed=5)
    write('hyp.bin', img)
    data = bytes((i * 7) & 0xff for i in range(5000))
    write('raw.bin', data)
    j = measure_json('--hyp', path('hyp.bin'), '--raw', path('raw.bin') + '@0x40201000',
                     '--mem', '4M', '--mem-base', '0x40000000', '--vcpus', '2', '--debug')
    check(j['hyp_measurements'] == [sha384(img).hex()], 'hyp measurement')
    check(j['inputs']['hypervisor']['svn'] == 9, 'svn')
    lm = LM()
    lm.load(0x40201000, data)
    lm.boot(0x40201000, 0)
    check(j['launch_measurements'] == [lm.seal(0x40000000, 4 << 20, 2, 1)], 'raw launch measurement')
    check(j['inputs']['vm']['pages'] == 2 and j['inputs']['vm']['records'] == 4, 'counts')
    # With a device tree: loaded after the image, x0 = its address.
    j = measure_json('--hyp', path('hyp.bin'), '--raw', path('raw.bin') + '@0x40201000',
                     '--mem', '8M', '--mem-base', '0x40000000', '--with-dtb',
                     '--dtb-out', path('raw.dtb'))
    dtb = open(path('raw.dtb'), 'rb').read()
    check(struct.unpack('>I', dtb[4:8])[0] == len(dtb), 'DTB totalsize')
    lm = LM()
    lm.load(0x40201000, data)
    lm.load(0x40600000, dtb)          # the top 2 MiB of memory
    lm.boot(0x40201000, 0x40600000)
    check(j['launch_measurements'] == [lm.seal(0x40000000, 8 << 20, 1, 0)], 'raw+dtb measurement')
    # The record log names every record.
    pal('measure', '--hyp', path('hyp.bin'), '--raw', path('raw.bin') + '@0x40201000',
        '--mem', '4M', '--mem-base', '0x40000000', '--records', path('rec.txt'), expect=0)
    lines = open(path('rec.txt')).read().splitlines()
    check(len(lines) == 4 and 'LOAD_PAGE' in lines[0] and 'SEAL' in lines[3], 'records file')


def case_measure_kat_elf():
    """The project's own guest ELF: pages recomputed here from its program headers."""
    data = open(A.guest_elf, 'rb').read()
    write('hyp.bin', hyp_image())
    base, size = 0x48000000, 16 << 20
    entry, pages = elf_pages(data, base, size)
    j = measure_json('--hyp', path('hyp.bin'), '--elf', A.guest_elf, '--mem', '16M',
                     '--mem-base', hex(base), '--vcpus', '2')
    lm = LM()
    for p, content in pages:
        lm.page(p, content)
    lm.boot(entry, 0)
    check(j['launch_measurements'] == [lm.seal(base, size, 2, 0)], 'ELF launch measurement')
    check(j['inputs']['vm']['pages'] == len(pages), 'ELF page count')
    # Errors: not an ELF, outside memory.
    p = pal('measure', '--hyp', path('hyp.bin'), '--elf', path('hyp.bin'))
    check(p.returncode == 2 and 'ELF: no ELF magic' in p.stderr, p.stderr)
    p = pal('measure', '--hyp', path('hyp.bin'), '--elf', A.guest_elf)     # default 0x80000000
    check(p.returncode == 2 and 'is outside the VM memory' in p.stderr, p.stderr)


def linux_image(text_offset, image_size, length):
    hdr = bytearray(64)
    struct.pack_into('<QQQ', hdr, 8, text_offset, image_size, 0xa)
    hdr[0x38:0x3c] = b'ARM\x64'
    body = bytes((i * 29 + 3) & 0xff for i in range(length - 64))
    return bytes(hdr) + body


def linux_lm(kernel, initrd, dtb, base, size, vcpus, policy):
    """The canonical Linux order, placement computed here from the boot protocol."""
    text_offset = struct.unpack_from('<Q', kernel, 8)[0]
    fdt = base + size - (2 << 20)
    lm = LM()
    lm.load(base + text_offset, kernel)
    if initrd:
        lm.load((fdt - len(initrd)) & ~4095, initrd)
    lm.load(fdt, dtb)
    lm.boot(base + text_offset, fdt)
    return lm.seal(base, size, vcpus, policy)


def case_measure_kat_linux():
    write('hyp.bin', hyp_image())
    kernel = linux_image(0x80000, 4 << 20, 300000)
    initrd = bytes((i * 13) & 0xff for i in range(123457))
    write('Image', kernel)
    write('initrd', initrd)
    j = measure_json('--hyp', path('hyp.bin'), '--kernel', path('Image'), '--initrd', path('initrd'),
                     '--cmdline', 'console=ttyAMA0 rdinit=/init', '--mem', '64M', '--vcpus', '3',
                     '--dtb-out', path('vm.dtb'), '--out', path('ref.json'))
    dtb = open(path('vm.dtb'), 'rb').read()
    base, size = 0x80000000, 64 << 20
    check(j['launch_measurements'] == [linux_lm(kernel, initrd, dtb, base, size, 3, 0)],
          'Linux launch measurement')
    check(json.load(open(path('ref.json'))) == j, 'reference file differs from --json')
    vm = j['inputs']['vm']
    fdt = base + size - (2 << 20)
    check(vm['kernel']['ipa'] == hex(base + 0x80000) and vm['dtb']['ipa'] == hex(fdt), 'placement')
    check(vm['initrd']['ipa'] == hex((fdt - len(initrd)) & ~4095), 'initrd placement')
    check(vm['entry'] == hex(base + 0x80000) and vm['x0'] == hex(fdt), 'entry, x0')
    # The device tree says what the VM was given.
    if A.dtc:
        dts = run(A.dtc, '-I', 'dtb', '-O', 'dts', path('vm.dtb'), expect=0).stdout
        start = (fdt - len(initrd)) & ~4095
        for want in ['bootargs = "console=ttyAMA0 rdinit=/init"', 'memory@80000000',
                     'reg = <0x00 0x80000000 0x00 0x4000000>', 'cpu@2', 'linux,initrd-start',
                     '0x%x' % start, '0x%x' % (start + len(initrd))]:
            check(want in dts, 'DTB lacks %r:\n%s' % (want, dts))
    # Without initrd and cmdline, and the debug policy.
    j = measure_json('--hyp', path('hyp.bin'), '--kernel', path('Image'), '--debug',
                     '--dtb-out', path('vm2.dtb'))
    dtb = open(path('vm2.dtb'), 'rb').read()
    check(j['launch_measurements'] == [linux_lm(kernel, None, dtb, base, 256 << 20, 1, 1)],
          'Linux launch measurement without initrd')
    # Does not fit: image_size reaches the device-tree window.
    write('Big', linux_image(0, 63 << 20, 4096))
    p = pal('measure', '--hyp', path('hyp.bin'), '--kernel', path('Big'), '--mem', '64M')
    check(p.returncode == 2 and 'cannot hold the kernel' in p.stderr, p.stderr)
    p = pal('measure', '--hyp', path('hyp.bin'), '--kernel', path('hyp.bin'))
    check(p.returncode == 2 and 'no arm64 magic' in p.stderr, p.stderr)


def case_measure_real_linux():
    """The Debian kernel scripts/setup fetched, when it is there."""
    if not A.linux_image or not os.path.exists(A.linux_image):
        print('SKIP: no Linux Image (run scripts/setup)')
        return
    write('hyp.bin', hyp_image())
    kernel = open(A.linux_image, 'rb').read()
    j = measure_json('--hyp', path('hyp.bin'), '--kernel', A.linux_image, '--mem', '256M',
                     '--cmdline', 'console=ttyAMA0', '--dtb-out', path('vm.dtb'))
    dtb = open(path('vm.dtb'), 'rb').read()
    check(j['launch_measurements'] == [linux_lm(kernel, None, dtb, 0x80000000, 256 << 20, 1, 0)],
          'Debian kernel launch measurement')


def case_measure_hyp():
    """Header checks, and the project's real palisade-hyp.bin when it was built."""
    good = hyp_image(size=4096, svn=1)
    write('hyp.bin', good)
    j = measure_json('--hyp', path('hyp.bin'))
    check(j['hyp_measurements'] == [sha384(good).hex()] and j['launch_measurements'] == [], 'HM only')
    bad = {
        'short': (good[:63], 'shorter than the 64-byte header'),
        'magic': (good[:8] + b'PALHYP02' + good[16:], 'no "PALHYP01" magic'),
        'longer': (good + b'\0', 'differs from the file size 4097'),
        'shorter': (good[:4000], 'differs from the file size 4000'),
        'reserved': (good[:40] + b'\1' + good[41:], 'reserved header byte 40'),
        'reserved4': (good[:4] + b'\1' + good[5:], 'reserved header bytes 4..7'),
    }
    for name, (data, msg) in bad.items():
        write(name + '.bin', data)
        p = pal('measure', '--hyp', path(name + '.bin'))
        check(p.returncode == 2 and msg in p.stderr, '%s: %d %s' % (name, p.returncode, p.stderr))
    p = pal('measure', '--hyp', path('missing.bin'))
    check(p.returncode == 2 and 'No such file' in p.stderr, p.stderr)
    if A.hyp_bin and os.path.exists(A.hyp_bin):
        data = open(A.hyp_bin, 'rb').read()
        size = struct.unpack_from('<Q', data, 16)[0]
        p = pal('measure', '--hyp', A.hyp_bin, '--json')
        if size == len(data):
            check(p.returncode == 0, 'the real hypervisor image is rejected: ' + p.stderr)
            check(json.loads(p.stdout)['hyp_measurements'] == [sha384(data).hex()], 'real HM')
        else:   # the header disagrees with the file: build.hyp_image_header fails too
            check(p.returncode == 2 and 'differs from the file size' in p.stderr, p.stderr)


def case_measure_usage():
    write('hyp.bin', hyp_image())
    write('raw.bin', b'x' * 100)
    h = ['measure', '--hyp', path('hyp.bin')]
    for args, msg in [
        (['measure'], '--hyp is required'),
        (h + ['--kernel', 'a', '--elf', 'b'], 'give one VM image'),
        (h + ['--raw', path('raw.bin'), '--initrd', 'x'], '--initrd goes with --kernel'),
        (h + ['--kernel', 'a', '--with-dtb'], '--with-dtb goes with --elf or --raw'),
        (h + ['--raw', path('raw.bin') + '@0x80000000', '--cmdline', 'x'], '--cmdline needs a device tree'),
        (h + ['--out', path('r.json')], '--out, --dtb-out and --records need a VM image'),
        (h + ['--raw', path('raw.bin')], 'expected FILE@ADDR'),
        (h + ['--raw', path('raw.bin') + '@zz'], 'expected FILE@ADDR'),
        (h + ['--vcpus', '9'], '--vcpus \'9\': must be 1..8'),
        (h + ['--vcpus', '0'], 'must be 1..8'),
        (h + ['--mem', 'lots'], '--mem \'lots\': not a size'),
        (h + ['extra'], "unexpected argument 'extra'"),
    ]:
        p = pal(*args)
        check(p.returncode == 2 and msg in p.stderr, '%s: %d %s' % (args, p.returncode, p.stderr))
    for args, msg in [
        (['--raw', path('raw.bin') + '@0x80000800'], 'is not 4 KiB aligned'),
        (['--raw', path('raw.bin') + '@0x70000000'], 'is outside the VM memory'),
        (['--raw', path('raw.bin') + '@0x8ffff000', '--with-dtb'], 'reaches into the device-tree window'),
        (['--raw', path('raw.bin') + '@0x80000000', '--mem', '3M'], 'multiples of 2 MiB'),
        (['--raw', path('raw.bin') + '@0x80000000', '--mem-base', '0x80100000'], 'multiples of 2 MiB'),
        (['--raw', path('raw.bin') + '@0x20000000', '--mem-base', '0x20000000'], '[1 GiB, 1 TiB)'),
        (['--raw', path('raw.bin') + '@0x80000000', '--mem-base', '0xffffe00000'], '[1 GiB, 1 TiB)'),
        (['--raw', path('raw.bin') + '@0x80000000', '--with-dtb', '--cmdline', 'x' * 512], 'at most 511'),
        (['--raw', path('missing') + '@0x80000000'], 'No such file'),
    ]:
        p = pal(*h, *args)
        check(p.returncode == 2 and msg in p.stderr, '%s: %d %s' % (args, p.returncode, p.stderr))


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith('case_')}


def main():
    global A, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument('--case')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--palisade')
    ap.add_argument('--mkevidence')
    ap.add_argument('--guest-elf')
    ap.add_argument('--linux-image')
    ap.add_argument('--hyp-bin')
    ap.add_argument('--dtc')
    A = ap.parse_args()
    if A.list:
        print('\n'.join(sorted(CASES)))
        return 0
    if A.case not in CASES:
        sys.exit('unknown case %r; cases: %s' % (A.case, ', '.join(sorted(CASES))))
    TMP = tempfile.mkdtemp(prefix='palisade-%s-' % A.case)
    try:
        CASES[A.case]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print('PASS: ' + A.case)
    return 0


if __name__ == '__main__':
    sys.exit(main())
