"""The results file (bench/results/latest.json, the previous one kept beside it) and the
readable table, with the change against the previous result."""
import json
import os


def fmt(v):
    if v is None:
        return '-'
    if isinstance(v, bool):
        return 'yes' if v else 'NO'
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) >= 1000):
        return '{:,}'.format(int(v))
    if abs(v) >= 100:
        return '%.1f' % v
    if abs(v) >= 10:
        return '%.2f' % v
    return '%.3f' % v


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def save(results_dir, doc):
    """Writes latest.json, moving the one it replaces to previous.json."""
    os.makedirs(results_dir, exist_ok=True)
    latest = os.path.join(results_dir, 'latest.json')
    if os.path.exists(latest):
        os.replace(latest, os.path.join(results_dir, 'previous.json'))
    tmp = latest + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write('\n')
    os.replace(tmp, latest)
    return latest


def table(doc, previous=None):
    """Text table: figure, value, unit, target, met, previous, change; notes after it."""
    prev = (previous or {}).get('figures', {})
    rows = [('figure', 'value', 'unit', 'target', 'met', 'previous', 'change')]
    notes = []
    for name, f in doc['figures'].items():
        p = prev.get(name, {}).get('value')
        change = ''
        if p not in (None, 0) and f['value'] is not None:
            change = '%+.1f%%' % ((f['value'] - p) * 100.0 / p)
        target = ('<= ' + fmt(f['target'])) if f['target'] is not None else ''
        met = {True: 'yes', False: 'NO', None: '-' if f['target'] is not None else ''}[f['met']]
        rows.append((name, fmt(f['value']), f['unit'], target, met, fmt(p) if p is not None else '', change))
        if f.get('note'):
            notes.append('%s: %s' % (name, f['note']))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for i, r in enumerate(rows):
        lines.append('  '.join(c.ljust(widths[j]) if j in (0, 2, 4) else c.rjust(widths[j])
                               for j, c in enumerate(r)).rstrip())
        if i == 0:
            lines.append('  '.join('-' * w for w in widths))
    if notes:
        lines.append('')
        lines.append('null figures (value "-"):')
        lines += ['  ' + n for n in notes]
    return '\n'.join(lines) + '\n'


def markdown(doc):
    """The table as Markdown (for docs/performance.md)."""
    out = ['| Figure | Value | Unit | Target | Met | Configuration |', '|---|---:|---|---:|---|---|']
    for name, f in doc['figures'].items():
        target = ('<= ' + fmt(f['target'])) if f['target'] is not None else ''
        met = {True: 'yes', False: '**no**', None: ''}[f['met']]
        value = fmt(f['value']) if f['value'] is not None else 'null'
        out.append('| `%s` | %s | %s | %s | %s | %s |' % (name, value, f['unit'], target, met,
                                                         f.get('config', '')))
    notes = ['- `%s`: %s' % (name, f['note']) for name, f in doc['figures'].items() if f.get('note')]
    if notes:
        out += ['', 'Null figures:', ''] + notes
    return '\n'.join(out) + '\n'


def check_schema(doc):
    """The schema the issue fixes: figures NAME -> value number|null, unit string, target
    number|null, met bool|null; plus 'qemu' and 'kernel'."""
    errors = []
    for key in ('figures', 'qemu', 'kernel'):
        if key not in doc:
            errors.append('missing top-level key %r' % key)
    for name, f in doc.get('figures', {}).items():
        if not isinstance(f.get('value'), (int, float, type(None))) or isinstance(f.get('value'), bool):
            errors.append('%s: value is not a number or null' % name)
        if not isinstance(f.get('unit'), str):
            errors.append('%s: unit is not a string' % name)
        if not isinstance(f.get('target'), (int, float, type(None))):
            errors.append('%s: target is not a number or null' % name)
        if f.get('met') not in (True, False, None):
            errors.append('%s: met is not true/false/null' % name)
        if f.get('value') is None and not f.get('note'):
            errors.append('%s: null without a note' % name)
    return errors
