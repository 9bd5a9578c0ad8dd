#!/usr/bin/env python3
"""Tests of scripts/gen-hypercalls itself (run by ctest, standard library only).

  test_generator.py GENERATOR bad-tables DIR
      Every DIR/*.toml is a table with one defect, named on its first line as
      "# expect: <message>". The generator must exit 1, report exactly one error,
      "<table>: error: ...", containing that message, and write no output.

  test_generator.py GENERATOR deterministic TABLE
      Generating twice gives identical bytes; --check-doc accepts the generated manual
      and rejects (exit 1, with a diff) one that differs; a usage error exits 2.
"""

import filecmp
import glob
import os
import subprocess
import sys
import tempfile


def run(gen, *args):
    return subprocess.run([sys.executable, gen, *args], capture_output=True, text=True)


def bad_tables(gen, directory):
    tables = sorted(glob.glob(os.path.join(directory, "*.toml")))
    if not tables:
        print(f"FAIL: no tables in {directory}")
        return 1
    failures = 0
    for table in tables:
        name = os.path.basename(table)
        with open(table, encoding="utf-8") as f:
            first = f.readline()
        if not first.startswith("# expect: "):
            print(f"FAIL {name}: first line must be '# expect: <message>'")
            failures += 1
            continue
        expect = first[len("# expect: "):].strip()
        with tempfile.TemporaryDirectory() as out:
            r = run(gen, "--table", table, "--out-dir", out, "--doc", os.path.join(out, "doc.md"))
            written = [p for p in glob.glob(os.path.join(out, "**"), recursive=True)
                       if os.path.isfile(p)]
        errors = [l for l in r.stderr.splitlines() if l.strip()]
        problem = None
        if r.returncode != 1:
            problem = f"exit status {r.returncode}, expected 1"
        elif len(errors) != 1:
            problem = f"{len(errors)} error lines, expected 1"
        elif not errors[0].startswith(f"{table}: error: "):
            problem = "error line not in the form '<table>: error: <message>'"
        elif expect not in errors[0]:
            problem = f"message does not contain {expect!r}"
        elif written:
            problem = f"wrote output despite the error: {written}"
        if problem:
            failures += 1
            print(f"FAIL {name}: {problem}")
            for l in errors:
                print(f"    {l}")
        else:
            print(f"ok   {name}: {errors[0][len(table) + 2:]}")
    print(f"{len(tables) - failures} of {len(tables)} bad tables rejected as expected")
    return 1 if failures else 0


def deterministic(gen, table):
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
        for d in (a, b):
            r = run(gen, "--table", table, "--out-dir", d, "--doc", os.path.join(d, "doc.md"))
            if r.returncode != 0:
                print(r.stderr)
                return 1
        names = sorted(os.path.relpath(p, a) for p in glob.glob(os.path.join(a, "**"),
                                                                 recursive=True)
                       if os.path.isfile(p))
        if len(names) != 7:
            failures.append(f"expected 6 generated files and the manual, got {names}")
        match, mismatch, errs = filecmp.cmpfiles(a, b, names, shallow=False)
        if mismatch or errs:
            failures.append(f"output differs between two runs: {mismatch + errs}")
        doc = os.path.join(a, "doc.md")
        r = run(gen, "--table", table, "--check-doc", doc)
        if r.returncode != 0:
            failures.append(f"--check-doc rejected the generated manual: {r.stderr}")
        with open(doc, "a", encoding="utf-8") as f:
            f.write("A hand edit.\n")
        r = run(gen, "--table", table, "--check-doc", doc)
        if r.returncode != 1 or "+++" not in r.stdout or "out of date" not in r.stderr:
            failures.append(f"--check-doc accepted an edited manual (exit {r.returncode})")
        r = run(gen, "--no-such-option")
        if r.returncode != 2:
            failures.append(f"usage error exited {r.returncode}, expected 2")
    for f in failures:
        print(f"FAIL: {f}")
    if not failures:
        print("ok: output is reproducible and --check-doc detects drift")
    return 1 if failures else 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ("bad-tables", "deterministic"):
        print(__doc__)
        return 2
    gen, mode, path = argv
    return bad_tables(gen, path) if mode == "bad-tables" else deterministic(gen, path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
