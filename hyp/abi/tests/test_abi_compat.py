#!/usr/bin/env python3
"""check-abi-compat has teeth: every kind of change, with and without the version bump
the rule asks for. Usage: test_abi_compat.py CHECKER TABLE"""
import os
import re
import subprocess
import sys
import tempfile

checker, table = sys.argv[1], sys.argv[2]
base = open(table).read()
m = re.search(r'^major = (\d+)\nminor = (\d+)$', base, re.M)
major, minor = int(m.group(1)), int(m.group(2))


def with_version(text, ma, mi):
    return re.sub(r'^major = \d+\nminor = \d+$', 'major = %d\nminor = %d' % (ma, mi), text,
                  count=1, flags=re.M)


def run(current):
    with tempfile.TemporaryDirectory() as d:
        rel = os.path.join(d, 'released')
        os.mkdir(rel)
        with open(os.path.join(rel, 'hypercalls-%d.%d.toml' % (major, minor)), 'w') as f:
            f.write(base)
        path = os.path.join(d, 'table.toml')
        with open(path, 'w') as f:
            f.write(current)
        return subprocess.run([sys.executable, checker, path, rel],
                              capture_output=True, text=True).returncode


# An added argument (VCPU_RUN's x4 is the last one; drop it to make the "release").
added = base
removed = re.sub(r'\[\[call\.args\]\]\nreg = "x4"\nname = "mmio_flags".*?(?=\n\[\[)', '', base,
                 count=1, flags=re.S)
assert removed != base, 'the table no longer has VCPU_RUN x4 mmio_flags: update this test'
renumbered = base.replace('number = 0x0300', 'number = 0x0310', 1)
assert renumbered != base
cases = [
    ('identical, same version', base, 0),
    ('identical, higher minor', with_version(base, major, minor + 1), 0),
    ('removed argument, same version', removed, 1),
    ('removed argument, higher minor', with_version(removed, major, minor + 1), 1),
    ('removed argument, higher major', with_version(removed, major + 1, 0), 0),
    ('renumbered call, same version', renumbered, 1),
    ('renumbered call, higher major', with_version(renumbered, major + 1, 0), 0),
    ('lower version', with_version(base, major, minor - 1) if minor else
     with_version(base, major - 1, 99), 1),
]
failed = 0
for name, text, want in cases:
    got = run(text)
    ok = (got == 0) == (want == 0)
    failed += not ok
    print('%s: %s (exit %d)' % ('PASS' if ok else 'FAIL', name, got))

# An addition against an older release: release = table without x4, current = table.
with tempfile.TemporaryDirectory() as d:
    rel = os.path.join(d, 'released')
    os.mkdir(rel)
    with open(os.path.join(rel, 'hypercalls-%d.%d.toml' % (major, minor)), 'w') as f:
        f.write(removed)
    for name, text, want in [('added argument, same version', added, 1),
                             ('added argument, higher minor', with_version(added, major, minor + 1), 0)]:
        path = os.path.join(d, 't.toml')
        open(path, 'w').write(text)
        got = subprocess.run([sys.executable, checker, path, rel], capture_output=True).returncode
        ok = (got == 0) == (want == 0)
        failed += not ok
        print('%s: %s (exit %d)' % ('PASS' if ok else 'FAIL', name, got))
print('%d passed, %d failed' % (10 - failed, failed))
sys.exit(1 if failed else 0)
