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

class BootIdentity(unittest.TestCase):
    """check_boot_identity() on synthetic logs: it must catch every mismatch."""

    @classmethod
    def setUpClass(cls):
        import hashlib, struct, tempfile
        import dice_ref
        cls.dir = tempfile.TemporaryDirectory()
        image = bytearray(b'\x10\x00\x00\x14' + bytes(4) + b'PALHYP01' + struct.pack('<QI', 256, 7)
                          + bytes(36) + bytes(range(192)))
        cls.bin = os.path.join(cls.dir.name, 'hyp.bin')
        cls.other = os.path.join(cls.dir.name, 'other.bin')
        cls.uds = os.path.join(cls.dir.name, 'uds.bin')
        open(cls.bin, 'wb').write(image)
        image[100] ^= 1
        open(cls.other, 'wb').write(image)
        open(cls.uds, 'wb').write(hashlib.sha512(b'test').digest())
        cls.hm = hashlib.sha384(open(cls.bin, 'rb').read()).hexdigest()
        cls.key = dice_ref.attestation_key_id(open(cls.uds, 'rb').read(), bytes.fromhex(cls.hm))

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def log(self, hm=None, svn=7, key=None, stage_hm=None):
        hm = hm or self.hm
        return ['PALISADE-BOOT: hypervisor measurement %s svn %d' % (stage_hm or hm, svn),
                'PALISADE: boot identity: hypervisor measurement %s, svn %d, attestation key ready '
                '(key id %s)' % (hm, svn, key or self.key)]

    def failures(self, lines, **kw):
        from palisade_harness import check_boot_identity
        return [f for _, f in check_boot_identity(lines, self.bin, **kw) if f]

    def test_good_log_passes(self):
        self.assertEqual(self.failures(self.log(), uds=self.uds), [])

    def test_wrong_measurement(self):
        self.assertTrue(self.failures(self.log(stage_hm='0' * 96), uds=self.uds))
        self.assertTrue(self.failures(self.log(hm='1' * 96), uds=self.uds))

    def test_wrong_svn(self):
        self.assertTrue(self.failures(self.log(svn=8), uds=self.uds))

    def test_wrong_key_id(self):
        self.assertTrue(self.failures(self.log(key='0' * 32), uds=self.uds))
        wrong_uds = os.path.join(self.dir.name, 'wrong.bin')
        open(wrong_uds, 'wb').write(bytes(63) + b'\x01')
        self.assertTrue(self.failures(self.log(), uds=wrong_uds))

    def test_missing_lines(self):
        self.assertTrue(self.failures(self.log()[:1], uds=self.uds))
        self.assertTrue(self.failures(self.log()[1:], uds=self.uds))
        self.assertTrue(self.failures(self.log() + self.log()[:1], uds=self.uds))

    def test_differs_from(self):
        self.assertEqual(self.failures(self.log(), uds=self.uds, differs_from=self.other), [])
        self.assertTrue(self.failures(self.log(), uds=self.uds, differs_from=self.bin))

    def test_no_uds(self):
        lines = [self.log()[0], 'PALISADE-BOOT: no UDS: attestation unavailable',
                 'PALISADE: boot identity: hypervisor measurement %s, svn 7, attestation '
                 'unavailable: no UDS (the boot stage found none)' % self.hm]
        self.assertEqual(self.failures(lines, uds=None), [])
        self.assertTrue(self.failures(lines[:1] + lines[2:], uds=None))
        self.assertTrue(self.failures(self.log(), uds=None))   # a key where none may be

    def test_without_stage(self):
        lines = ['PALISADE: boot identity: attestation unavailable: no handoff (booted without '
                 'the boot stage)']
        self.assertEqual(self.failures(lines, boot_stage=False), [])
        self.assertTrue(self.failures(self.log(), boot_stage=False))

if __name__ == '__main__':
    unittest.main(verbosity=2)
