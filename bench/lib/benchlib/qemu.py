"""Running QEMU (directly for the peers, through scripts/run-qemu for Palisade) and
collecting its console, with a timeout and an optional early stop on a marker line."""
import os
import re
import selectors
import signal
import subprocess
import time

# Deterministic virtual time (DESIGN.md "Platform"): one virtual ns per guest instruction,
# a fixed random seed, the RTC on the virtual clock.
ICOUNT = ['-icount', 'shift=0,sleep=off,align=off', '-seed', '1',
          '-rtc', 'base=2020-01-01T00:00:00,clock=vm']
# dtb-randomness=off: no kaslr-seed / rng-seed in the device tree QEMU generates.
MACHINE = 'virt,virtualization=on,gic-version=3,dtb-randomness=off'
# The CPU Palisade runs on (scripts/run-qemu): pointer authentication with the cheap
# IMPDEF algorithm, SVE/SME off (Palisade does not virtualize them yet). Every peer gets
# the same CPU so that the guest kernel does the same work.
CPU = 'max,pauth-impdef=on,sve=off,sme=off'


def peer_command(smp, mem, kernel, append, extra=()):
    """QEMU command line for a peer configuration (bare, pKVM, Xen)."""
    cmd = ['qemu-system-aarch64', '-machine', MACHINE, '-cpu', CPU, '-smp', str(smp),
           '-m', mem, '-display', 'none', '-serial', 'stdio', '-monitor', 'none',
           '-nic', 'none', '-no-reboot', '-kernel', kernel]
    if append:
        cmd += ['-append', append]
    return cmd + list(extra) + ICOUNT


def palisade_command(root, build, smp, mem, manifest, timeout):
    """scripts/run-qemu command line for Palisade: its own QEMU flags (and whatever boot
    chain it sets up), plus the icount flags and dtb-randomness=off after '--'."""
    return [os.path.join(root, 'scripts', 'run-qemu'), '--build', build, '--smp', str(smp),
            '--mem', mem, '--manifest', manifest, '--timeout', str(int(timeout)), '--',
            '-machine', 'dtb-randomness=off'] + ICOUNT


class Result:
    def __init__(self):
        self.lines = []
        self.exit_code = None
        self.timed_out = False
        self.stopped_on = None
        self.wall = 0.0
        self.command = None


def run(cmd, timeout, log_path, stop=None, grace=1.0, nice=10):
    """Runs cmd (in its own process group, niced), collecting output lines into
    log_path, until it exits, 'stop' (a regex) matches a line (then, after 'grace'
    seconds, the group is ended), or 'timeout' seconds pass."""
    r = Result()
    r.command = cmd
    full = ['nice', '-n', str(nice)] + list(cmd) if nice else list(cmd)
    start = time.monotonic()
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    log = open(log_path, 'w')
    log.write('# ' + ' '.join(cmd) + '\n')
    proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b''
    deadline = start + timeout
    stop_re = re.compile(stop) if stop else None
    try:
        while True:
            now = time.monotonic()
            if now >= deadline:
                if r.stopped_on is None:
                    r.timed_out = True
                break
            if not sel.select(timeout=min(0.5, max(0.0, deadline - now))):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            *complete, buf = buf.split(b'\n')
            for raw in complete:
                line = raw.decode('utf-8', 'replace').rstrip('\r')
                r.lines.append(line)
                log.write(line + '\n')
                if stop_re and r.stopped_on is None and stop_re.search(line):
                    r.stopped_on = line
                    deadline = min(deadline, time.monotonic() + grace)
            log.flush()
    finally:
        if buf:
            line = buf.decode('utf-8', 'replace').rstrip('\r')
            r.lines.append(line)
            log.write(line + '\n')
        try:
            proc.wait(timeout=3 if r.stopped_on is None and not r.timed_out else 0.2)
        except subprocess.TimeoutExpired:
            pass
        if proc.poll() is None:
            _end_group(proc)
        r.exit_code = proc.returncode
        r.wall = time.monotonic() - start
        log.write('# exit %s%s, %.1f s wall\n' % (r.exit_code, ' (timed out)' if r.timed_out else '',
                                                 r.wall))
        log.close()
    return r


def _end_group(proc):
    """Ends the process group this module started (run-qemu and its QEMU, or QEMU)."""
    for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def qemu_version():
    try:
        out = subprocess.run(['qemu-system-aarch64', '--version'], capture_output=True,
                             text=True, timeout=20).stdout
        return out.splitlines()[0].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return None
