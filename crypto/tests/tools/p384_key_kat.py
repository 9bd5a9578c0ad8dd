#!/usr/bin/env python3
"""Recomputes the p384-key-from-secret known answer in crypto/src/selftest.c.

Independent of Mbed TLS: c comes from OpenSSL's HKDF (the openssl CLI), then
d = (c mod (n-1)) + 1 and d*G are computed with plain Python integers, following
docs/crypto.md. The public key was also checked with `openssl ec -text`.
Development-time tool; the build does not run it.

usage: p384_key_kat.py [PRIVATE_KEY_HEX]   (also prints PRIVATE_KEY_HEX * G)
"""
import subprocess, sys
secret = bytes(range(0x40, 0x40 + 48))
label = b"palisade selftest key"
out = subprocess.check_output(["openssl", "kdf", "-keylen", "64", "-kdfopt", "digest:SHA384",
    "-kdfopt", "hexkey:" + secret.hex(), "-kdfopt", "hexinfo:" + label.hex(), "HKDF"]).decode()
c = int(out.strip().replace(":", ""), 16)
p = 2**384 - 2**128 - 2**96 + 2**32 - 1
n = int("ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973", 16)
a = p - 3
Gx = int("aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7", 16)
Gy = int("3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f", 16)
def add(P, Q):
    if P is None: return Q
    if Q is None: return P
    if P[0] == Q[0] and (P[1] + Q[1]) % p == 0: return None
    if P == Q: l = (3 * P[0] * P[0] + a) * pow(2 * P[1], -1, p) % p
    else: l = (Q[1] - P[1]) * pow(Q[0] - P[0], -1, p) % p
    x = (l * l - P[0] - Q[0]) % p
    return (x, (l * (P[0] - x) - P[1]) % p)
def mul(k, P):
    R = None
    for bit in bin(k)[2:]:
        R = add(R, R)
        if bit == '1': R = add(R, P)
    return R
d = c % (n - 1) + 1
X, Y = mul(d, (Gx, Gy))
print("secret", secret.hex()); print("label", label.decode()); print("c", "%0128x" % c)
print("priv", "%096x" % d); print("pub", "04%096x%096x" % (X, Y))
if len(sys.argv) > 1:  # RFC 6979 A.2.6 key -> its public point
    dd = int(sys.argv[1], 16); X, Y = mul(dd, (Gx, Gy)); print("rfcpub", "04%096x%096x" % (X, Y))
