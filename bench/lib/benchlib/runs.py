"""The QEMU runs of the benchmark: Linux boot configurations (bare, pKVM, Xen, Palisade
host VM, Palisade pVM) and the bare-metal micro-benchmark runs under Palisade. Each run
is described once (its command line is built without booting anything, for --dry-run)
and parsed into numbers."""
import os
import re
import subprocess
import sys

from . import qemu

# The guest kernel command line, the same everywhere but for the console device
# (Xen's dom0 writes through the hypervisor console, hvc0). 'quiet' keeps the boot from
# being a benchmark of console emulation.
LINUX_ARGS = 'quiet'

BOOT_RE = re.compile(r'BENCH-BOOT cntvct=(\d+) cntfrq=(\d+)')
MARK_RE = re.compile(r'BENCH-MARK (\S+) cntvct=(\d+)')
UPTIME_RE = re.compile(r'BENCH-UPTIME (\S+)')
DONE_RE = r'BENCH-DONE'
RESULT_RE = re.compile(r'BENCH-RESULT (\S+) (\d+(?:\.\d+)?)(.*)$')
SKIP_RE = re.compile(r'BENCH-SKIP (\S+) (.*)$')
INFO_RE = re.compile(r'BENCH-INFO (\S+) (.*)$')
EVIDENCE_RE = re.compile(r'BENCH-EVIDENCE (\d+) ([0-9a-f]+)$')
END_RE = r'BENCH-END|BENCH-FAULT|PALISADE-FAULT'
# Xen with console_timestamps=raw prefixes its lines with the physical counter
# (CNTPCT_EL0, ticks since reset); dom0's virtual counter starts at dom0's creation.
XEN_DOM0_RE = re.compile(r'\[([0-9a-f]{16})\].*LOADING DOMAIN 0')
XEN_VERSION_RE = re.compile(r'Xen version (\S+)')
RESERVED_RE = re.compile(r'hypervisor reserved (\d+) KiB')
OWNERSHIP_RE = re.compile(r'ownership table: (\d+) KiB at \S+ for (\d+) MiB of RAM')
RUNQEMU_CMD_RE = re.compile(r'^run-qemu: (qemu-system-aarch64 .*)$')


class Ctx:
    """Paths and options shared by every run."""

    def __init__(self, root, build, cache, quick, log_dir, timeout_scale=1.0):
        self.root = root
        self.build = build
        self.cache = cache
        self.quick = quick
        self.log_dir = log_dir
        self.timeout_scale = timeout_scale
        self.bench_out = os.path.join(build, 'bench')
        self.image = os.path.join(cache, 'guest', 'Image')
        self.initrd = os.path.join(self.bench_out, 'initrd-bench.cpio')
        self.xen = os.path.join(cache, 'bench', 'xen', 'xen')
        self.mkmanifest = os.path.join(root, 'scripts', 'mkmanifest')


class Run:
    """One QEMU invocation. Subclasses say how to build its command and parse its log."""
    name = ''
    kind = ''
    smp = 2
    mem = '2G'
    timeout = 600
    stop = None

    def __init__(self, ctx):
        self.ctx = ctx
        self.result = None
        self.parsed = {}
        self.error = None

    def inputs(self):
        """Files the run needs: [(path, what)]."""
        return []

    def missing(self):
        return [(p, w) for p, w in self.inputs() if not os.path.exists(p)]

    def prepare(self):
        """Writes what the command needs (manifests) and returns the command."""
        return self.command()

    def command(self):
        raise NotImplementedError

    def config(self):
        return {'smp': self.smp, 'mem': self.mem}

    def execute(self):
        cmd = self.prepare()
        log = os.path.join(self.ctx.log_dir, self.name + '.log')
        self.result = qemu.run(cmd, self.timeout * self.ctx.timeout_scale, log, stop=self.stop)
        self.log = log
        try:
            self.parsed = self.parse(self.result.lines)
        except Exception as e:   # a parse failure is a finding, not a crash of the runner
            self.error = 'could not parse the log: %s' % e
        if self.error is None:
            self.error = self.check()
        return self

    def parse(self, lines):
        return {}

    def check(self):
        r = self.result
        if r.timed_out:
            return 'timed out after %d s (log: %s)' % (r.wall, self.log)
        return None


# ------------------------------------------------------------------ Linux boots

def parse_linux(lines):
    out = {}
    for l in lines:
        m = BOOT_RE.search(l)
        if m and 'boot_ticks' not in out:
            out['boot_ticks'], out['cntfrq'] = int(m.group(1)), int(m.group(2))
        m = MARK_RE.search(l)
        if m:
            out['mark_' + m.group(1)] = int(m.group(2))
        m = UPTIME_RE.search(l)
        if m:
            out['uptime_s'] = float(m.group(1))
        if re.search(DONE_RE, l):
            out['done'] = True
    if 'boot_ticks' in out:
        f = out['cntfrq']
        out['boot_ms'] = out['boot_ticks'] * 1000.0 / f
        if 'mark_work-start' in out and 'mark_work-end' in out:
            out['work_ms'] = (out['mark_work-end'] - out['mark_work-start']) * 1000.0 / f
    return out


class LinuxRun(Run):
    kind = 'linux'
    stop = DONE_RE
    timeout = 900
    console = 'ttyAMA0'

    def inputs(self):
        return [(self.ctx.image, 'the arm64 Linux Image (scripts/setup)'),
                (self.ctx.initrd, 'the benchmark initramfs (build target bench_artifacts)')]

    def append(self):
        return 'console=%s %s' % (self.console, LINUX_ARGS)

    def parse(self, lines):
        return parse_linux(lines)

    def check(self):
        e = Run.check(self)
        if e:
            return e
        if 'boot_ms' not in self.parsed:
            return 'no BENCH-BOOT line (log: %s)' % self.log
        if 'work_ms' not in self.parsed:
            return 'the workload did not finish (log: %s)' % self.log
        return None


class Bare(LinuxRun):
    """The kernel alone, entered at EL2 (virtualization=on): Linux uses VHE and KVM."""

    def __init__(self, ctx, smp, mem):
        LinuxRun.__init__(self, ctx)
        self.smp, self.mem = smp, mem
        self.name = 'linux-bare-smp%d' % smp

    def command(self):
        return qemu.peer_command(self.smp, self.mem, self.ctx.image, self.append(),
                                 ['-initrd', self.ctx.initrd])

    def config(self):
        return dict(Run.config(self), what='Linux alone at EL2 (VHE, KVM idle)')


class PKVM(Bare):
    """The same kernel with kvm-arm.mode=protected: pKVM's EL2 beneath the kernel."""

    def __init__(self, ctx, smp=2, mem='2G'):
        Bare.__init__(self, ctx, smp, mem)
        self.name = 'linux-pkvm-smp%d' % smp

    def append(self):
        return Bare.append(self) + ' kvm-arm.mode=protected'

    def config(self):
        return dict(Run.config(self), what='Linux with kvm-arm.mode=protected (pKVM at EL2)')


class Xen(LinuxRun):
    """Debian's Xen 4.17 booting the kernel as dom0 through QEMU's guest-loader. -smp 1:
    Xen 4.17 hangs with -smp 2 under icount (DESIGN.md)."""
    name = 'linux-xen-smp1'
    smp = 1
    mem = '1G'
    console = 'hvc0'
    dom0_mem = '768M'
    kernel_addr = 0x42000000

    def inputs(self):
        return LinuxRun.inputs(self) + [(self.ctx.xen, 'Xen 4.17 (bench/setup)')]

    def layout(self):
        size = os.path.getsize(self.ctx.image) if os.path.exists(self.ctx.image) else 40 << 20
        initrd = (self.kernel_addr + size + (4 << 20) - 1) & ~((2 << 20) - 1)
        return self.kernel_addr, initrd

    def command(self):
        kaddr, iaddr = self.layout()
        xen_args = ('dom0_mem=%s,max:%s dom0_max_vcpus=1 console_timestamps=raw'
                    % (self.dom0_mem, self.dom0_mem))
        return qemu.peer_command(self.smp, self.mem, self.ctx.xen, xen_args, [
            '-device', 'guest-loader,addr=0x%x,kernel=%s,bootargs=%s'
            % (kaddr, self.ctx.image, self.append()),
            '-device', 'guest-loader,addr=0x%x,initrd=%s' % (iaddr, self.ctx.initrd)])

    def parse(self, lines):
        out = parse_linux(lines)
        for l in lines:
            m = XEN_DOM0_RE.search(l)
            if m and 'dom0_offset_ticks' not in out:
                out['dom0_offset_ticks'] = int(m.group(1), 16)
            m = XEN_VERSION_RE.search(l)
            if m and 'xen_version' not in out:
                out['xen_version'] = m.group(1)
        if 'boot_ticks' in out:
            if 'dom0_offset_ticks' in out:
                out['dom0_ticks'] = out['boot_ticks']
                out['boot_ticks'] += out['dom0_offset_ticks']
                out['boot_ms'] = out['boot_ticks'] * 1000.0 / out['cntfrq']
            else:
                del out['boot_ms']   # dom0's clock alone would leave Xen's own boot out
        return out

    def check(self):
        e = LinuxRun.check(self)
        if e and 'BENCH-BOOT' in e and 'boot_ticks' in self.parsed:
            return "no '*** LOADING DOMAIN 0 ***' line with a raw timestamp from Xen (log: %s)" % self.log
        return e

    def config(self):
        return dict(Run.config(self), what='Xen 4.17 (Debian), the kernel as dom0 (dom0_mem=%s, 1 vCPU)'
                    % self.dom0_mem)


# ------------------------------------------------------------------ Palisade runs

class PalisadeRun(Run):
    """A boot of Palisade through scripts/run-qemu with a boot manifest written here."""
    vms = ()

    def manifest_path(self):
        return os.path.join(self.ctx.bench_out, 'manifests', self.name + '.dtb')

    def specs(self):
        raise NotImplementedError

    def inputs(self):
        return [(os.path.join(self.ctx.build, 'palisade-hyp.elf'), 'the hypervisor (build)')]

    def prepare(self):
        out = self.manifest_path()
        os.makedirs(os.path.dirname(out), exist_ok=True)
        cmd = [sys.executable, self.ctx.mkmanifest, '--out', out, '--qemu-args', out[:-4] + '.args']
        for spec in self.specs():
            cmd += ['--vm', spec]
        subprocess.run(cmd, check=True)
        return self.command()

    def command(self):
        return qemu.palisade_command(self.ctx.root, self.ctx.build, self.smp, self.mem,
                                     self.manifest_path(), self.timeout)

    def parse_common(self, lines, out):
        for l in lines:
            m = RUNQEMU_CMD_RE.match(l)
            if m and 'qemu_command' not in out:
                out['qemu_command'] = m.group(1)
            m = RESERVED_RE.search(l)
            if m and 'reserved_kib' not in out:
                out['reserved_kib'] = int(m.group(1))
            m = OWNERSHIP_RE.search(l)
            if m and 'ownership_kib' not in out:
                out['ownership_kib'], out['ram_mib'] = int(m.group(1)), int(m.group(2))
        return out

    def config(self):
        return dict(Run.config(self), vms=list(self.specs()))


class PalisadeLinuxHost(PalisadeRun, LinuxRun):
    """The kernel as Palisade's host VM (all vCPUs, the physical UART)."""

    def __init__(self, ctx, smp=2, mem='2G'):
        PalisadeRun.__init__(self, ctx)
        self.smp, self.mem = smp, mem
        self.name = 'linux-palisade-host-smp%d' % smp

    def inputs(self):
        return PalisadeRun.inputs(self) + LinuxRun.inputs(self)

    def specs(self):
        return ['id=1,role=host,vcpus=%d,console=uart,kernel=0x41000000:%s,initrd=0x48000000:%s,'
                'bootargs=%s' % (self.smp, self.ctx.image, self.ctx.initrd, self.append())]

    def parse(self, lines):
        return self.parse_common(lines, parse_linux(lines))

    def config(self):
        return dict(PalisadeRun.config(self), what='Linux as the host VM of Palisade')


class PalisadeLinuxPVM(PalisadeRun, LinuxRun):
    """The kernel as a protected VM (1 vCPU, 1 GiB, measured at launch from the boot
    manifest) beside an idle host VM, on 2 CPUs and 2 GiB: compared with bare -smp 1 -m 1G."""
    name = 'linux-palisade-pvm-1vcpu'
    guest_vcpus = 1
    guest_mem = 0x40000000

    def inputs(self):
        return PalisadeRun.inputs(self) + LinuxRun.inputs(self) + [
            (os.path.join(self.ctx.bench_out, 'bench-idle-host.bin'), 'the idle host (bench_artifacts)')]

    def specs(self):
        return ['id=1,role=host,vcpus=1,console=virtual,kernel=0x48000000:%s'
                % os.path.join(self.ctx.bench_out, 'bench-idle-host.bin'),
                'id=2,role=guest,vcpus=%d,protected,memory=0x40000000:0x%x,kernel=0x50000000:%s,'
                'initrd=0x54000000:%s,bootargs=%s' % (self.guest_vcpus, self.guest_mem, self.ctx.image,
                                                      self.ctx.initrd, self.append())]

    def parse(self, lines):
        return self.parse_common(lines, parse_linux(lines))

    def config(self):
        return dict(PalisadeRun.config(self), guest_vcpus=self.guest_vcpus,
                    guest_mem='%dM' % (self.guest_mem >> 20),
                    what='Linux as a protected VM of Palisade beside an idle host VM')


def parse_bench(lines):
    out = {'results': {}, 'skips': {}, 'info': {}, 'faults': []}
    for l in lines:
        m = RESULT_RE.search(l)
        if m:
            extra = dict(kv.split('=', 1) for kv in m.group(3).split() if '=' in kv)
            out['results'][m.group(1)] = dict(extra, value=float(m.group(2)))
        m = SKIP_RE.search(l)
        if m:
            out['skips'][m.group(1)] = m.group(2)
        m = INFO_RE.search(l)
        if m:
            out['info'][m.group(1)] = m.group(2)
        if 'BENCH-FAULT' in l or 'PALISADE-FAULT' in l:
            out['faults'].append(l)
        if 'BENCH-END' in l:
            out['end'] = True
        m = EVIDENCE_RE.search(l)
        if m:
            ev = out.setdefault('_evidence', {})
            ev[int(m.group(1))] = bytes.fromhex(m.group(2))
    if '_evidence' in out:
        chunks = out.pop('_evidence')
        data = b''.join(chunks[k] for k in sorted(chunks))
        if sorted(chunks) == list(range(0, len(data), 32)):
            out['evidence'] = data
    return out


class PalisadeMicro(PalisadeRun):
    """The micro-benchmarks: bench-micro as the host VM (2 vCPUs; the Linux Image as its
    initrd, for the launch benchmark) and an idle guest VM that borrows memory."""
    name = 'palisade-micro'
    kind = 'micro'
    stop = END_RE
    timeout = 900

    def inputs(self):
        return PalisadeRun.inputs(self) + [
            (os.path.join(self.ctx.bench_out, 'bench-micro.bin'), 'bench guest (bench_artifacts)'),
            (os.path.join(self.ctx.bench_out, 'bench-idle-guest.bin'), 'idle guest (bench_artifacts)'),
            (self.ctx.image, 'the arm64 Linux Image (scripts/setup)')]

    def specs(self):
        o = self.ctx.bench_out
        return ['id=1,role=host,vcpus=2,console=uart,kernel=0x48000000:%s,initrd=0x50000000:%s'
                % (os.path.join(o, 'bench-micro.bin'), self.ctx.image),
                'id=2,role=guest,vcpus=1,memory=0x40000000:0x400000,kernel=0x4c000000:%s'
                % os.path.join(o, 'bench-idle-guest.bin')]

    def parse(self, lines):
        return self.parse_common(lines, parse_bench(lines))

    def check(self):
        e = Run.check(self)
        if self.parsed.get('faults'):
            return 'fault: %s (log: %s)' % (self.parsed['faults'][0], self.log)
        if e:
            return e
        if not self.parsed.get('end'):
            return 'no BENCH-END line (log: %s)' % self.log
        return None

    def config(self):
        return dict(PalisadeRun.config(self), what='bare-metal bench guest as the host VM')


class PalisadePVMBench(PalisadeMicro):
    """The attestation calls, made by a protected bench VM beside an idle host VM."""
    name = 'palisade-pvm-attest'

    def inputs(self):
        return PalisadeRun.inputs(self) + [
            (os.path.join(self.ctx.bench_out, 'bench-pvm.bin'), 'pVM bench guest (bench_artifacts)'),
            (os.path.join(self.ctx.bench_out, 'bench-idle-host.bin'), 'idle host (bench_artifacts)')]

    def specs(self):
        o = self.ctx.bench_out
        return ['id=1,role=host,vcpus=1,console=virtual,kernel=0x48000000:%s'
                % os.path.join(o, 'bench-idle-host.bin'),
                'id=2,role=guest,vcpus=1,protected,memory=0x40000000:0x400000,kernel=0x4c000000:%s'
                % os.path.join(o, 'bench-pvm.bin')]

    def config(self):
        return dict(PalisadeRun.config(self), what='bare-metal protected bench VM beside an idle host')


def all_runs(ctx):
    """Every run, in the order they execute (peers first: they need nothing of Palisade)."""
    return [Bare(ctx, 2, '2G'), Bare(ctx, 1, '1G'), PKVM(ctx), Xen(ctx),
            PalisadeLinuxHost(ctx, 2, '2G'), PalisadeLinuxHost(ctx, 1, '1G'), PalisadeLinuxPVM(ctx),
            PalisadeMicro(ctx), PalisadePVMBench(ctx)]
