"""bench/run: deterministic side-by-side benchmarks of Palisade (docs/performance.md)."""
import argparse
import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

from . import figures, footprint, hosttools, qemu, report, runs

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))


def say(msg):
    print('bench: ' + msg, flush=True)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog='bench/run', description=
        'Runs every benchmark under QEMU with -icount shift=0 (one virtual ns per guest '
        'instruction) and writes bench/results/latest.json and a table. Runs the setup '
        'step (scripts/setup, bench/setup) and the build first.')
    ap.add_argument('--quick', action='store_true',
                    help='each configuration once (under 15 minutes); the full run boots each '
                         'twice and checks that the figures repeat exactly')
    ap.add_argument('--dry-run', action='store_true',
                    help='check tools and inputs, build the command lines, boot nothing')
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'),
                    help='build directory (default: build/)')
    ap.add_argument('--results', default=os.path.join(ROOT, 'bench', 'results'),
                    help='where latest.json goes (default: bench/results/)')
    ap.add_argument('--only', metavar='REGEX',
                    help='only the runs whose name matches (figures of the others are null)')
    ap.add_argument('--list', action='store_true', help='list the runs and figures, then exit')
    ap.add_argument('--no-setup', action='store_true', help='skip scripts/setup and bench/setup')
    ap.add_argument('--no-build', action='store_true', help='skip the build')
    ap.add_argument('--update-docs', action='store_true',
                    help='also write the new table into docs/performance.md (between its '
                         'bench:table markers)')
    ap.add_argument('--timeout-scale', type=float, default=1.0,
                    help='multiply every run timeout by this factor')
    a = ap.parse_args(argv)
    a.build = os.path.abspath(a.build)
    a.results = os.path.abspath(a.results)
    return a


def setup():
    for script in ('scripts/setup', 'bench/setup'):
        say('running ' + script)
        r = subprocess.run(['bash', os.path.join(ROOT, script)])
        if r.returncode != 0:
            raise SystemExit('bench: %s failed (exit %d)' % (script, r.returncode))


def build(build_dir):
    if not os.path.exists(os.path.join(build_dir, 'CMakeCache.txt')):
        say('configuring ' + build_dir)
        subprocess.run(['cmake', '-S', ROOT, '-B', build_dir, '-DCMAKE_C_COMPILER=clang',
                        '-DCMAKE_BUILD_TYPE=RelWithDebInfo'], check=True, stdout=subprocess.DEVNULL)
    say('building ' + build_dir)
    r = subprocess.run(['nice', '-n', '10', 'cmake', '--build', build_dir, '-j2'],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stdout.write(r.stdout[-6000:])
        raise SystemExit('bench: the build failed')
    if not os.path.isdir(os.path.join(build_dir, 'bench')):
        raise SystemExit('bench: %s has no bench/ targets: the top CMakeLists.txt must '
                         'add_subdirectory(bench)' % build_dir)


def kernel_info(cache):
    g = os.path.join(cache, 'guest')
    info = {'image': os.path.join(g, 'Image')}
    try:
        info['package'] = open(os.path.join(g, 'kernel-package')).read().strip()
    except OSError:
        info['package'] = None
    try:
        h = hashlib.sha256()
        with open(info['image'], 'rb') as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                h.update(chunk)
        info['sha256'] = h.hexdigest()
        info['bytes'] = os.path.getsize(info['image'])
    except OSError:
        info['sha256'] = None
    info['cmdline'] = 'console=ttyAMA0 ' + runs.LINUX_ARGS + ' (Xen dom0: console=hvc0)'
    return info


def xen_info(cache):
    try:
        return open(os.path.join(cache, 'bench', 'xen', 'version')).read().strip()
    except OSError:
        return None


def git_commit():
    """HEAD of the tree measured (with -dirty when tracked files differ), or
    $PALISADE_BENCH_COMMIT for a tree exported without its .git."""
    if os.environ.get('PALISADE_BENCH_COMMIT'):
        return os.environ['PALISADE_BENCH_COMMIT']
    try:
        r = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], capture_output=True,
                           text=True, timeout=10)
        if r.returncode != 0:
            return None
        dirty = subprocess.run(['git', '-C', ROOT, 'status', '--porcelain', '--untracked-files=no'],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        return r.stdout.strip() + ('-dirty' if dirty else '')
    except (OSError, subprocess.SubprocessError):
        return None


def summary(run):
    p = run.parsed
    if run.error:
        return 'FAILED: ' + run.error
    if run.kind == 'linux':
        return 'boot %.1f ms, workload %.1f ms (virtual)' % (p.get('boot_ms', 0), p.get('work_ms', 0))
    return '%d results, %d skipped' % (len(p.get('results', {})), len(p.get('skips', {})))


def comparable(run):
    """The numbers of a run that must repeat exactly under icount."""
    p = run.parsed
    if run.kind == 'linux':
        return {k: p.get(k) for k in ('boot_ticks', 'mark_work-start', 'mark_work-end')}
    return {k: v['value'] for k, v in p.get('results', {}).items()}


def measure_footprint(build):
    fp = {}
    elf = os.path.join(build, 'palisade-hyp.elf')
    try:
        fp.update(footprint.image_sizes(elf))
    except (OSError, ValueError) as e:
        fp['_note'] = 'no hypervisor image: %s' % e
    try:
        t = footprint.tcb_lines(ROOT, build)
        fp['tcb_lines'] = t['tcb_lines']
        fp['tcb_detail'] = t
    except (OSError, RuntimeError, subprocess.SubprocessError, ValueError) as e:
        fp.setdefault('_note', 'scripts/tcb-lines failed: %s' % e)
    return fp


def measure_host(build, ctx, planned, quick):
    """The host-side figures (wall time on this machine)."""
    out = {}
    say('host tools: palisade measure, palisade verify')
    try:
        mibs, wall, _rss, note = hosttools.measure_throughput(build, ctx.image, os.path.join(ctx.bench_out, 'host'),
                                                              runs=3 if quick else 5)
        out['measure_mib_per_s'] = (mibs, dict({'wall_ms': round(wall * 1000.0, 1)},
                                               **({'hyp_image': note} if note else {})))
    except (hosttools.Missing, OSError, subprocess.SubprocessError, ValueError) as e:
        out['measure_mib_per_s'] = hosttools.Missing(str(e))
    evidence = None
    for r in planned:
        if r.parsed.get('evidence') and len(r.parsed['evidence']) == 760:
            evidence = r.parsed['evidence']
    try:
        wall, rss, detail = hosttools.verify_cost(build, os.path.join(ctx.bench_out, 'host'), evidence,
                                                  runs=5 if quick else 9)
        out['verify_wall_ms'] = (wall * 1000.0, detail)
        out['verify_peak_rss_kib'] = (rss, detail)
    except (hosttools.Missing, OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
        out['verify_wall_ms'] = out['verify_peak_rss_kib'] = hosttools.Missing(str(e))
    return out


def document(a, ctx, all_runs, fp, host, wall, mode, det):
    data = figures.Data(all_runs, fp, host)
    figs = figures.evaluate(data)
    qemu_cmds = {r.name: r.parsed.get('qemu_command') for r in all_runs if r.parsed.get('qemu_command')}
    return {
        'figures': figs,
        'qemu': {'version': qemu.qemu_version(), 'machine': qemu.MACHINE, 'cpu': qemu.CPU,
                 'icount': ' '.join(qemu.ICOUNT),
                 'palisade_command': qemu_cmds or None},
        'kernel': kernel_info(ctx.cache),
        'xen': xen_info(ctx.cache),
        'configs': {r.name: dict(r.config(), status='ok' if r.result and not r.error else
                                 ('not run' if r.result is None else 'failed'),
                                 error=r.error, wall_s=round(r.result.wall, 1) if r.result else None)
                    for r in all_runs},
        'mode': mode,
        'deterministic': det,
        'git': git_commit(),
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'wall_seconds': round(wall, 1),
        'footprint_detail': {k: v for k, v in fp.items() if not k.startswith('_')},
    }


def dry_run(a, ctx, planned):
    ok = True
    for tool in ('qemu-system-aarch64', 'dtc', 'cmake', 'clang'):
        if shutil.which(tool) is None:
            say('MISSING tool: %s (scripts/setup installs it)' % tool)
            ok = False
    r = subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'run-qemu'), '--help'],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0 or '--manifest' not in r.stdout:
        say('scripts/run-qemu --help failed or has no --manifest option')
        ok = False
    for run in planned:
        missing = run.missing()
        if missing:
            for path, what in missing:
                say('%s: would need %s: %s (not there yet)' % (run.name, what, path))
            cmd = run.command()
        else:
            cmd = run.prepare()
        say('%s [%s]: %s' % (run.name, run.config().get('what', ''), shlex.join(cmd)))
        if 'shift=0,sleep=off,align=off' not in cmd:
            say('%s: the command line has no -icount shift=0,sleep=off,align=off' % run.name)
            ok = False
    doc = document(a, ctx, planned, {'_note': 'dry run'}, {}, 0.0, 'dry-run', None)
    errors = report.check_schema(doc)
    missing_required = [n for n in REQUIRED if n not in doc['figures']]
    if missing_required:
        errors.append('required figures missing: ' + ', '.join(missing_required))
    for e in errors:
        say('schema: ' + e)
    out = os.path.join(ctx.bench_out, 'dry-run.json')
    os.makedirs(ctx.bench_out, exist_ok=True)
    with open(out, 'w') as f:
        json.dump(doc, f, indent=2)
    sys.stdout.write(report.table(doc))
    if errors or not ok:
        say('dry run FAILED')
        return 1
    say('dry run OK: %d runs planned, %d figures (%s)' % (len(planned), len(doc['figures']), out))
    return 0


DOC = os.path.join(ROOT, 'docs', 'performance.md')
BEGIN, END = '<!-- bench:table:begin -->', '<!-- bench:table:end -->'


def update_docs(doc):
    """Replaces the table between the markers in docs/performance.md."""
    text = open(DOC).read()
    i, j = text.find(BEGIN), text.find(END)
    if i < 0 or j < i:
        say('docs/performance.md has no %s ... %s markers: not updated' % (BEGIN, END))
        return
    head = ('Measured by `bench/run%s` at commit %s on %s (QEMU: %s; kernel %s; %s).\n\n'
            % ('' if doc['mode'] == 'full' else ' --' + doc['mode'], doc['git'], doc['date'][:10],
               doc['qemu']['version'], doc['kernel'].get('package'), doc.get('xen')))
    new = text[:i + len(BEGIN)] + '\n' + head + report.markdown(doc) + text[j:]
    with open(DOC, 'w') as f:
        f.write(new)
    say('updated the table in docs/performance.md')


REQUIRED = ['boot_ratio_palisade_host', 'boot_ratio_palisade_pvm', 'boot_ratio_xen', 'boot_ratio_pkvm',
            'null_hvc_insns', 'mmio_exit_insns', 'lend_reclaim_1p_insns', 'lend_reclaim_2m_insns',
            'measure_insns_per_byte', 'attest_insns', 'hyp_reserved_mib', 'tcb_lines']


def main(argv):
    a = parse_args(argv)
    t_start = time.monotonic()
    cache = os.environ.get('PALISADE_CACHE', os.path.join(ROOT, '.cache'))
    mode = 'dry-run' if a.dry_run else ('quick' if a.quick else 'full')
    log_dir = os.path.join(a.build, 'bench', 'logs')
    ctx = runs.Ctx(ROOT, a.build, cache, a.quick, log_dir, a.timeout_scale)
    ctx.evidence_dir = None
    planned = runs.all_runs(ctx)
    if a.only:
        planned = [r for r in planned if re.search(a.only, r.name)]
    if a.list:
        for r in runs.all_runs(ctx):
            print('run    %-28s %s' % (r.name, r.config().get('what', '')))
        for f in figures.FIGURES:
            print('figure %-28s %-10s %s' % (f.name, f.unit, f.what))
        return 0
    if a.dry_run:
        return dry_run(a, ctx, planned)

    if not a.no_setup:
        setup()
    if not a.no_build:
        build(a.build)
    repeats = 1 if a.quick else 2
    det = {}
    say('%s run: %d QEMU runs%s, logs in %s' % (mode, len(planned) * repeats,
                                               ' (each twice)' if repeats > 1 else '', log_dir))
    for run in planned:
        missing = run.missing()
        if missing:
            run.error = 'missing ' + '; '.join('%s (%s)' % (w, p) for p, w in missing)
            say('%-28s skipped: %s' % (run.name, run.error))
            continue
        first = None
        for i in range(repeats):
            say('%-28s running%s ...' % (run.name, ' (again)' if i else ''))
            run.execute()
            say('%-28s %.0f s wall: %s' % (run.name, run.result.wall, summary(run)))
            if run.error:
                break
            if i == 0:
                first = comparable(run)
            elif comparable(run) != first:
                det[run.name] = False
                say('%-28s NOT deterministic: %s vs %s' % (run.name, first, comparable(run)))
            else:
                det[run.name] = True
    fp = measure_footprint(a.build)
    host = measure_host(a.build, ctx, planned, a.quick)
    wall = time.monotonic() - t_start
    doc = document(a, ctx, planned, fp, host, wall, mode, det or None)
    previous = report.load(os.path.join(a.results, 'latest.json'))
    path = report.save(a.results, doc)
    text = report.table(doc, previous)
    with open(os.path.join(a.results, 'latest.txt'), 'w') as f:
        f.write(text)
    with open(os.path.join(a.results, 'latest.md'), 'w') as f:
        f.write(report.markdown(doc))
    sys.stdout.write('\n' + text)
    if a.update_docs:
        update_docs(doc)
    errors = report.check_schema(doc)
    for e in errors:
        say('schema: ' + e)
    failed = [r.name for r in planned if r.error]
    say('wrote %s (previous result kept as previous.json) in %.0f s%s'
        % (path, wall, '; FAILED runs: ' + ', '.join(failed) if failed else ''))
    return 1 if failed or errors else 0
