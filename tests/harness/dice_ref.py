"""An independent reference for the boot stage's values (docs/attestation.md section 2):
HM, CDI and the attestation key's public fingerprint, in plain Python (hashlib, hmac and
integer arithmetic on P-384), sharing no code with Mbed TLS or OpenSSL. QEMU tests
compare what the boot stage and the hypervisor log with these.
"""
import hashlib
import hmac

# P-384 (FIPS 186-4 D.1.2.4)
P = 2**384 - 2**128 - 2**96 + 2**32 - 1
N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973
A = P - 3
GX = 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7
GY = 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f

CDI_INFO = b'Palisade CDI v1'
DEVICE_KEY_LABEL = b'Palisade device identity v1'
ATTEST_KEY_LABEL = b'Palisade attestation v1'
KEY_ID_LEN = 16


def hkdf_sha384(salt, ikm, info, length):
    """RFC 5869; salt None = 48 zero bytes."""
    prk = hmac.new(salt if salt else bytes(48), ikm, hashlib.sha384).digest()
    out, t, i = b'', b'', 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha384).digest()
        out += t
        i += 1
    return out[:length]


def _add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p == q:
        lam = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return x3, (lam * (x1 - x3) - y1) % P


def _mul(k, pt):
    r = None
    while k:
        if k & 1:
            r = _add(r, pt)
        pt = _add(pt, pt)
        k >>= 1
    return r


def p384_pub_from_secret(secret, label):
    """docs/crypto.md: d = (HKDF(secret, label, 64) mod (n - 1)) + 1; SEC1 uncompressed d*G."""
    c = int.from_bytes(hkdf_sha384(None, secret, label, 64), 'big')
    d = c % (N - 1) + 1
    x, y = _mul(d, (GX, GY))
    return b'\x04' + x.to_bytes(48, 'big') + y.to_bytes(48, 'big')


def hm(image):
    """HM = SHA-384 of the image's first image_size bytes (the whole flat file)."""
    size = int.from_bytes(image[16:24], 'little')
    return hashlib.sha384(image[:size]).digest()


def cdi(uds, hm_value):
    return hkdf_sha384(hm_value, uds, CDI_INFO, 48)


def attestation_key_id(uds, hm_value):
    """What the hypervisor logs as 'key id': SHA-384(attestation public key)[:16], hex."""
    pub = p384_pub_from_secret(cdi(uds, hm_value), ATTEST_KEY_LABEL)
    return hashlib.sha384(pub).digest()[:KEY_ID_LEN].hex()


def image_svn(image):
    return int.from_bytes(image[24:28], 'little')
