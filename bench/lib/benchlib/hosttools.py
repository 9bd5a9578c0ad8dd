"""Host-side figures: the `palisade` CLI's `verify` (wall time, peak memory, with
/usr/bin/time, median of several runs) and `measure` (throughput on the Linux Image)."""
import os
import re
import statistics
import subprocess
import tempfile
import time


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


def timed(cmd, runs):
    """Runs cmd 'runs' times under /usr/bin/time: medians of wall seconds and peak RSS KiB."""
    if not os.path.exists('/usr/bin/time'):
        raise Missing('/usr/bin/time is not installed (bench/setup installs the time package)')
    walls, rss = [], []
    for _ in range(runs):
        with tempfile.NamedTemporaryFile('r', suffix='.time') as tf:
            t0 = time.monotonic()
            r = subprocess.run(['/usr/bin/time', '-f', '%e %M', '-o', tf.name] + cmd,
                               capture_output=True, text=True, timeout=300)
            wall = time.monotonic() - t0
            if r.returncode != 0:
                raise Missing('%s failed (exit %d): %s' % (' '.join(cmd[:2]), r.returncode,
                                                            (r.stderr or r.stdout).strip()[:200]))
            m = re.match(r'\s*([\d.]+)\s+(\d+)', tf.read().strip().splitlines()[-1])
            walls.append(wall)
            rss.append(int(m.group(2)) if m else 0)
    return statistics.median(walls), statistics.median(rss)


def measure_throughput(build, image, runs=3):
    """MiB/s of `palisade measure` over the Linux Image (median wall of 'runs')."""
    ok, text = has_subcommand(build, 'measure')
    if not ok:
        raise Missing("the palisade CLI has no 'measure' subcommand yet")
    m = re.search(r'--kernel\b', text)
    if not m:
        raise Missing("'palisade measure --help' shows no --kernel option to give it the Linux Image")
    cmd = [cli(build), 'measure', '--kernel', image, '--json']
    wall, rss = timed(cmd, runs)
    return os.path.getsize(image) / (1 << 20) / wall, wall, rss


def verify_cost(build, evidence_dir, runs=5):
    """Wall seconds and peak RSS (KiB) of `palisade verify` for one report."""
    ok, _ = has_subcommand(build, 'verify')
    if not ok:
        raise Missing("the palisade CLI has no 'verify' subcommand yet")
    if not evidence_dir or not os.path.exists(os.path.join(evidence_dir, 'evidence.bin')):
        raise Missing('no evidence to verify: the pVM bench could not get an ATTEST report')
    raise Missing('verify needs the provisioning chain (CA, device certificate) that the bench '
                  'does not set up yet')
