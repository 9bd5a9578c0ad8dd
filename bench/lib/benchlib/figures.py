"""Every figure bench/run reports: name, unit, target, how it is computed from the runs.

A figure is one entry in FIGURES. Its compute function gets the Data of a benchmark run
and returns a number (or (number, detail dict)); it raises Missing('what is missing')
when the figure cannot be taken, and the figure is then recorded with value null, met
null and that note. Adding a figure is adding one entry (and, for a guest-side figure,
one function in the bench guest printing BENCH-RESULT <name>)."""
from .hosttools import Missing


class Data:
    """What the figures are computed from: runs by name, footprint, host-side results."""

    def __init__(self, runs, footprint=None, host=None):
        self.runs = {r.name: r for r in runs}
        self.footprint = footprint or {}
        self.host = host or {}

    def run(self, name):
        r = self.runs.get(name)
        if r is None:
            raise Missing('run %s was not part of this benchmark' % name)
        if r.result is None:
            raise Missing('run %s did not run%s' % (name, ': ' + r.error if r.error else ''))
        if r.error and r.kind != 'micro':
            raise Missing('run %s failed: %s' % (name, r.error))
        return r

    def linux(self, name, key):
        r = self.run(name)
        if key not in r.parsed:
            raise Missing('run %s gave no %s' % (name, key))
        return r.parsed[key]

    def guest(self, run_name, fig):
        """A BENCH-RESULT of a bench guest, or Missing with its BENCH-SKIP reason."""
        r = self.runs.get(run_name)
        if r is None or r.result is None:
            raise Missing('run %s did not run%s' % (run_name, ': ' + r.error if r and r.error else ''))
        res = r.parsed.get('results', {})
        if fig in res:
            return res[fig]['value'], {k: v for k, v in res[fig].items() if k != 'value'}
        skip = r.parsed.get('skips', {}).get(fig)
        if skip:
            raise Missing(skip)
        raise Missing('the bench guest printed no result for it' +
                      (' (run %s: %s)' % (run_name, r.error) if r.error else ''))


class Figure:
    def __init__(self, name, unit, target, compute, config, what, met=None, limit=None):
        self.name, self.unit, self.target = name, unit, target
        self.compute, self.config, self.what = compute, config, what
        self.met_fn = met
        self.limit = limit

    def evaluate(self, data, values):
        out = {'value': None, 'unit': self.unit, 'target': self.target, 'met': None,
               'config': self.config}
        try:
            v = self.compute(data)
            detail = None
            if isinstance(v, tuple):
                v, detail = v
            out['value'] = round(float(v), 3) if not isinstance(v, int) else v
            if detail:
                out['detail'] = detail
        except Missing as e:
            out['note'] = str(e)
            return out
        values[self.name] = out['value']
        if self.met_fn:
            out['met'] = self.met_fn(out['value'], values)
        elif self.target is not None:
            out['met'] = out['value'] <= self.target
        return out


# ------------------------------------------------------------------ boot configurations

BARE2, BARE1 = 'linux-bare-smp2', 'linux-bare-smp1'
PKVM, XEN = 'linux-pkvm-smp2', 'linux-xen-smp1'
HOST2, HOST1 = 'linux-palisade-host-smp2', 'linux-palisade-host-smp1'
PVM = 'linux-palisade-pvm-1vcpu'
MICRO, PVMB = 'palisade-micro', 'palisade-pvm-attest'

CFG = {
    BARE2: '-smp 2 -m 2G: Linux alone at EL2',
    BARE1: '-smp 1 -m 1G: Linux alone at EL2',
    PKVM: '-smp 2 -m 2G: Linux, kvm-arm.mode=protected',
    XEN: '-smp 1 -m 1G: Xen 4.17, Linux as dom0 (768 MiB)',
    HOST2: '-smp 2 -m 2G: Linux as Palisade host VM (2 vCPUs)',
    HOST1: '-smp 1 -m 1G: Linux as Palisade host VM (1 vCPU)',
    PVM: '-smp 2 -m 2G: Linux as Palisade pVM (1 vCPU, 1 GiB), idle host VM',
    MICRO: '-smp 2 -m 2G: bench guest as Palisade host VM (2 vCPUs) + idle guest VM',
    PVMB: '-smp 2 -m 2G: protected bench VM (1 vCPU) + idle host VM',
}
# Each configuration and the bare one of equal CPU count and memory it is compared with.
BASELINE = {PKVM: BARE2, HOST2: BARE2, XEN: BARE1, HOST1: BARE1, PVM: BARE1}


def _metric(run, key):
    return lambda d: d.linux(run, key)


def _ratio(run, key):
    def f(d):
        base = BASELINE[run]
        v, b = d.linux(run, key), d.linux(base, key)
        return v / b, {'ms': round(v, 3), 'baseline_ms': round(b, 3), 'baseline': base}
    return f


def _host_met(smp2):
    """Within 5% of bare, and faster than the peers measured at the same CPU count."""
    def met(v, values):
        peers = ['boot_ratio_pkvm'] if smp2 else ['boot_ratio_xen']
        known = [values[p] for p in peers if values.get(p) is not None]
        return v <= 1.05 and all(v < p for p in known)
    return met


def _guest(run, fig):
    return lambda d: d.guest(run, fig)


def _fp(key, scale=1.0):
    def f(d):
        if key not in d.footprint:
            raise Missing(d.footprint.get('_note', 'no footprint measured'))
        return d.footprint[key] * scale
    return f


def _reserved_mib(d):
    return d.linux(HOST2, 'reserved_kib') / 1024.0


def _ownership_mib_per_gib(d):
    kib, ram = d.linux(HOST2, 'ownership_kib'), d.linux(HOST2, 'ram_mib')
    return kib / 1024.0 / (ram / 1024.0), {'ownership_table_kib': kib, 'ram_mib': ram}


def _pvm_metadata_mib_per_gib(d):
    pages, detail = d.guest(MICRO, 'pvm_metadata_pages_per_gib')
    return pages * 4096 / float(1 << 20), dict(detail, pages=int(pages))


def _metadata_mib_per_gib(d):
    """Per GiB of a pVM's memory: its pages' entries in the ownership table and the
    stage-2 metadata VM_CREATE takes from the host."""
    own, _ = _ownership_mib_per_gib(d)
    s2, _ = _pvm_metadata_mib_per_gib(d)
    return own + s2, {'ownership_mib_per_gib': round(own, 3), 'pvm_metadata_mib_per_gib': round(s2, 3)}


def _host(key):
    def f(d):
        v = d.host.get(key)
        if isinstance(v, Missing):
            raise v
        if v is None:
            raise Missing('not measured')
        return v
    return f


def _hyp_boot_ms(d):
    v, detail = d.guest(MICRO, 'hyp_boot_to_host_insns')
    return v / 1e6, detail


I = 'insns'
FIGURES = [
    # Boot to the first program /init runs, in virtual milliseconds (= millions of instructions).
    Figure('boot_ms_bare_smp2', 'ms', None, _metric(BARE2, 'boot_ms'), CFG[BARE2], 'boot to /init'),
    Figure('boot_ms_bare_smp1', 'ms', None, _metric(BARE1, 'boot_ms'), CFG[BARE1], 'boot to /init'),
    Figure('boot_ms_pkvm', 'ms', None, _metric(PKVM, 'boot_ms'), CFG[PKVM], 'boot to /init'),
    Figure('boot_ms_xen', 'ms', None, _metric(XEN, 'boot_ms'), CFG[XEN], 'boot to /init (Xen + dom0)'),
    Figure('boot_ms_palisade_host', 'ms', None, _metric(HOST2, 'boot_ms'), CFG[HOST2], 'boot to /init'),
    Figure('boot_ms_palisade_host_smp1', 'ms', None, _metric(HOST1, 'boot_ms'), CFG[HOST1], 'boot to /init'),
    Figure('boot_ms_palisade_pvm', 'ms', None, _metric(PVM, 'boot_ms'), CFG[PVM], 'boot to /init'),
    Figure('boot_ratio_pkvm', 'ratio', None, _ratio(PKVM, 'boot_ms'), CFG[PKVM] + ' / bare', 'vs bare'),
    Figure('boot_ratio_xen', 'ratio', None, _ratio(XEN, 'boot_ms'), CFG[XEN] + ' / bare', 'vs bare'),
    Figure('boot_ratio_palisade_host', 'ratio', 1.05, _ratio(HOST2, 'boot_ms'), CFG[HOST2] + ' / bare',
           'vs bare; target: within 5% and below pKVM', met=_host_met(True)),
    Figure('boot_ratio_palisade_host_smp1', 'ratio', 1.05, _ratio(HOST1, 'boot_ms'), CFG[HOST1] + ' / bare',
           'vs bare; target: within 5% and below Xen', met=_host_met(False)),
    Figure('boot_ratio_palisade_pvm', 'ratio', None, _ratio(PVM, 'boot_ms'), CFG[PVM] + ' / bare -smp 1 -m 1G',
           'vs bare'),
    # The fixed workload in /init (fork + exec + touch 1 MiB, 200 times), virtual ms.
    Figure('work_ms_bare_smp2', 'ms', None, _metric(BARE2, 'work_ms'), CFG[BARE2], 'workload'),
    Figure('work_ms_bare_smp1', 'ms', None, _metric(BARE1, 'work_ms'), CFG[BARE1], 'workload'),
    Figure('work_ratio_pkvm', 'ratio', None, _ratio(PKVM, 'work_ms'), CFG[PKVM] + ' / bare', 'workload vs bare'),
    Figure('work_ratio_xen', 'ratio', None, _ratio(XEN, 'work_ms'), CFG[XEN] + ' / bare', 'workload vs bare'),
    Figure('work_ratio_palisade_host', 'ratio', None, _ratio(HOST2, 'work_ms'), CFG[HOST2] + ' / bare',
           'workload vs bare'),
    Figure('work_ratio_palisade_host_smp1', 'ratio', None, _ratio(HOST1, 'work_ms'), CFG[HOST1] + ' / bare',
           'workload vs bare'),
    Figure('work_ratio_palisade_pvm', 'ratio', None, _ratio(PVM, 'work_ms'), CFG[PVM] + ' / bare -smp 1 -m 1G',
           'workload vs bare'),
    # Micro-benchmarks inside Palisade, in instructions (timing cost subtracted).
    Figure('null_hvc_insns', I, 150, _guest(MICRO, 'null_hvc_insns'), CFG[MICRO],
           'PAL_VERSION round trip from the host VM'),
    Figure('null_hvc_pvm_insns', I, None, _guest(PVMB, 'null_hvc_pvm_insns'), CFG[PVMB],
           'PAL_VERSION round trip from a pVM'),
    Figure('mmio_exit_insns', I, 400, _guest(MICRO, 'mmio_exit_insns'), CFG[MICRO],
           'GICD_TYPER read, stage-2 abort emulated at EL2'),
    Figure('virtual_ipi_insns', I, None, _guest(MICRO, 'virtual_ipi_insns'), CFG[MICRO],
           'SGI to a vCPU waiting in WFI on the other CPU, taken (half a ping-pong)'),
    Figure('lend_reclaim_1p_insns', I, 3000, _guest(MICRO, 'lend_reclaim_1p_insns'), CFG[MICRO],
           'MEM_LEND + MEM_RECLAIM of 1 page (zeroing, TLB maintenance)'),
    Figure('lend_reclaim_1p_first_insns', I, None, _guest(MICRO, 'lend_reclaim_1p_first_insns'),
           CFG[MICRO], 'the same, first time (splits the host 2 MiB mapping)'),
    Figure('lend_reclaim_1p_warm_insns', I, None, _guest(MICRO, 'lend_reclaim_1p_warm_insns'), CFG[MICRO],
           'the same with a neighbour page kept lent (the borrower\'s stage-2 tables stay)'),
    Figure('lend_reclaim_512p_insns', I, None, _guest(MICRO, 'lend_reclaim_512p_insns'), CFG[MICRO],
           'MEM_LEND + MEM_RECLAIM of 512 pages, not 2 MiB aligned'),
    Figure('lend_reclaim_2m_insns', I, 10000, _guest(MICRO, 'lend_reclaim_2m_insns'), CFG[MICRO],
           'MEM_LEND + MEM_RECLAIM of one aligned 2 MiB block'),
    Figure('share_unshare_1p_insns', I, None, _guest(MICRO, 'share_unshare_1p_insns'), CFG[MICRO],
           'MEM_SHARE + MEM_UNSHARE of 1 page'),
    Figure('measure_insns_per_byte', 'insns/byte', 4, _guest(MICRO, 'measure_insns_per_byte'), CFG[MICRO],
           'VM_LOAD with measure of a 32 MiB image, per byte'),
    Figure('launch_linux_pvm_insns', I, None, _guest(MICRO, 'launch_linux_pvm_insns'), CFG[MICRO],
           'VM_CREATE .. first instruction of a Linux pVM (kernel measured)'),
    Figure('vm_create_destroy_1g_insns', I, None, _guest(MICRO, 'vm_create_destroy_1g_insns'), CFG[MICRO],
           'VM_CREATE + VM_DESTROY of an empty 1 GiB pVM'),
    Figure('attest_insns', I, 15000000, _guest(PVMB, 'attest_insns'), CFG[PVMB],
           'ATTEST: signed report (ECDSA P-384)'),
    Figure('measure_extend_insns', I, None, _guest(PVMB, 'measure_extend_insns'), CFG[PVMB],
           'MEASURE_EXTEND of one 48-byte digest'),
    Figure('measure_read_insns', I, None, _guest(PVMB, 'measure_read_insns'), CFG[PVMB],
           'MEASURE_READ of one register'),
    # Host side (wall time on this machine, not virtual).
    Figure('host_measure_mib_per_s', 'MiB/s', None, _host('measure_mib_per_s'), 'host CPU, wall time',
           'palisade measure on the Linux Image'),
    Figure('verify_wall_ms', 'ms', None, _host('verify_wall_ms'), 'host CPU, wall time, median',
           'palisade verify of one report'),
    Figure('verify_peak_rss_kib', 'KiB', None, _host('verify_peak_rss_kib'), 'host, /usr/bin/time %M',
           'palisade verify peak memory'),
    # Footprint.
    Figure('hyp_text_kib', 'KiB', None, _fp('text', 1 / 1024.0), 'palisade-hyp.elf', 'code'),
    Figure('hyp_rodata_kib', 'KiB', None, _fp('rodata', 1 / 1024.0), 'palisade-hyp.elf', 'read-only data'),
    Figure('hyp_data_kib', 'KiB', None, _fp('data', 1 / 1024.0), 'palisade-hyp.elf', 'initialised data'),
    Figure('hyp_bss_kib', 'KiB', None, _fp('bss', 1 / 1024.0), 'palisade-hyp.elf',
           'zero-initialised data (stacks included)'),
    Figure('hyp_boot_ms', 'ms', None, _hyp_boot_ms, CFG[MICRO],
           'reset to the host VM\'s first instruction (boot stage, hypervisor, VMs built)'),
    Figure('hyp_reserved_mib', 'MiB', 8, _reserved_mib, CFG[HOST2], 'RAM reserved at boot (banner)'),
    Figure('ownership_mib_per_gib', 'MiB/GiB', None, _ownership_mib_per_gib, CFG[HOST2],
           'ownership table per GiB of RAM (boot log)'),
    Figure('pvm_metadata_mib_per_gib', 'MiB/GiB', None, _pvm_metadata_mib_per_gib, CFG[MICRO],
           'metadata pages VM_CREATE needs at least, per GiB of pVM memory'),
    Figure('metadata_mib_per_gib', 'MiB/GiB', 2, _metadata_mib_per_gib, CFG[MICRO],
           'all metadata per GiB of pVM memory: ownership table + stage-2 metadata'),
    Figure('tcb_lines', 'lines', 10000, _fp('tcb_lines'), 'scripts/tcb-lines', 'EL2 code lines'),
]


def evaluate(data):
    values, out = {}, {}
    # Peers first, so that the host's "faster than the peers" check can see them.
    order = sorted(FIGURES, key=lambda f: f.met_fn is not None)
    for f in order:
        out[f.name] = f.evaluate(data, values)
    return {f.name: out[f.name] for f in FIGURES}
