#!/usr/bin/env python3
"""Unit tests of the harness's judge() on synthetic console logs."""
import os, sys, unittest
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from palisade_harness import judge

GOOD = ['Palisade 0.1.0: 2 of 2 CPUs online, RAM 1024 MiB',
        'PALISADE-TEST a PASS', 'PALISADE-TEST b PASS', 'PALISADE-TEST-END passed=2 failed=0']

class Judge(unittest.TestCase):
    def test_good_run_passes(self):
        ok, why, _ = judge(GOOD, ['a', 'b'], cpus=2)
        self.assertTrue(ok, why)

    def test_fail_verdict(self):
        lines = GOOD[:2] + ['PALISADE-TEST b FAIL broken', 'PALISADE-TEST-END passed=1 failed=1']
        ok, why, _ = judge(lines, ['a', 'b'])
        self.assertFalse(ok)
        self.assertIn('b FAILED: broken', why)

    def test_missing_verdict(self):
        ok, why, _ = judge(GOOD, ['a', 'b', 'c'])
        self.assertFalse(ok)
        self.assertIn('missing verdict(s): c', why)

    def test_missing_end(self):
        ok, why, _ = judge(GOOD[:3], ['a', 'b'])
        self.assertFalse(ok)
        self.assertIn('no PALISADE-TEST-END', why)

    def test_end_disagrees(self):
        ok, why, _ = judge(GOOD[:3] + ['PALISADE-TEST-END passed=3 failed=0'], ['a'])
        self.assertFalse(ok)
        self.assertIn('END line says', why)

    def test_fault_beats_everything(self):
        ok, why, _ = judge(GOOD + ['PALISADE-FAULT cpu=1 kind=sync'], ['a'])
        self.assertFalse(ok)
        self.assertIn('FAULT', why)

    def test_timeout(self):
        ok, why, _ = judge(GOOD[:2], ['a'], timed_out=True, timeout=5)
        self.assertFalse(ok)
        self.assertIn('timed out', why)

    def test_cpu_count_checked(self):
        ok, why, _ = judge(GOOD, ['a'], cpus=4)
        self.assertFalse(ok)
        self.assertIn('expected 4', why)

    def test_no_poweroff(self):
        ok, why, _ = judge(GOOD, ['a'], powered_off=False)
        self.assertFalse(ok)
        self.assertIn('did not power off', why)

    def test_empty_log(self):
        ok, why, _ = judge([], [])
        self.assertFalse(ok)

    def test_guest_verdicts_count_apart_from_end(self):
        lines = GOOD[:3] + ['[vm2] PALISADE-TEST g PASS'] + GOOD[3:]
        ok, why, _ = judge(lines, ['a', 'b', 'g'])
        self.assertTrue(ok, why)
        lines = GOOD[:3] + ['[vm2] PALISADE-TEST g FAIL broke'] + GOOD[3:]
        ok, why, _ = judge(lines, ['a', 'b', 'g'])
        self.assertFalse(ok)
        self.assertIn('g FAILED', why)

    def test_rcu_stall_fails(self):
        ok, why, _ = judge(GOOD + ['[vm2] [   25.3] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:'], ['a'])
        self.assertFalse(ok)
        self.assertIn('RCU stall', why)

    def test_duplicate_verdict(self):
        ok, why, _ = judge(GOOD[:3] + ['PALISADE-TEST a PASS', 'PALISADE-TEST-END passed=2 failed=0'], ['a'])
        self.assertFalse(ok)
        self.assertIn('twice', why)

if __name__ == '__main__':
    unittest.main(verbosity=2)
