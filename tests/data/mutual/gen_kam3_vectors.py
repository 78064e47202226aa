#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent KAM3 (RFC 8121) cross-check values for authwire's Mutual scheme.

A second implementation, sharing no code with the library: Python integers for the MODP groups
(whose primes are rebuilt here from the RFC 3526 formula with pi computed by Machin's formula),
textbook affine arithmetic for P-256 / P-521, hashlib for SHA-2 and PBKDF2. It follows the same
reading of RFC 8121 as include/authwire/detail/mutual_kam3.hpp (see the notes there), so it checks
arithmetic and encodings, not the reading of the RFC. Test-only code: never used by the library.

Writes kam3_vectors.json next to this file:  /usr/bin/python3 gen_kam3_vectors.py
"""
import hashlib
import json
import os


def machin_pi_fixed(bits):
    """floor(pi * 2^bits), computed with 64 guard bits."""
    scale = 1 << (bits + 64)

    def arctan_inv(x):
        total, term, k, x2 = 0, scale // x, 0, x * x
        while term:
            total += term // (2 * k + 1) if k % 2 == 0 else -(term // (2 * k + 1))
            term //= x2
            k += 1
        return total

    return (16 * arctan_inv(5) - 4 * arctan_inv(239)) >> 64


def modp_prime(bits, offset):
    # RFC 3526: p = 2^N - 2^(N-64) - 1 + 2^64 * ( [2^(N-130) pi] + offset )
    return (1 << bits) - (1 << (bits - 64)) - 1 + (1 << 64) * (machin_pi_fixed(bits - 130) + offset)


DL = {
    "iso-kam3-dl-2048-sha256": (modp_prime(2048, 124476), "sha256"),
    "iso-kam3-dl-4096-sha512": (modp_prime(4096, 240904), "sha512"),
}

P256 = dict(
    p=2**256 - 2**224 + 2**192 + 2**96 - 1,
    a=-3,
    b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
    gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
    n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    size=32,
)
P521 = dict(
    p=2**521 - 1,
    a=-3,
    b=int("0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00", 16),
    gx=int("00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66", 16),
    gy=int("011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650", 16),
    n=int("01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409", 16),
    size=66,
)
EC = {"iso-kam3-ec-p256-sha256": (P256, "sha256"), "iso-kam3-ec-p521-sha512": (P521, "sha512")}


def ec_add(c, P, Q):
    if P is None:
        return Q
    if Q is None:
        return P
    p = c["p"]
    if P[0] == Q[0] and (P[1] + Q[1]) % p == 0:
        return None
    if P == Q:
        lam = (3 * P[0] * P[0] + c["a"]) * pow(2 * P[1], -1, p) % p
    else:
        lam = (Q[1] - P[1]) * pow(Q[0] - P[0], -1, p) % p
    x = (lam * lam - P[0] - Q[0]) % p
    return (x, (lam * (P[0] - x) - P[1]) % p)


def ec_mul(c, k, P):
    R = None
    for bit in bin(k)[2:]:
        R = ec_add(c, R, R)
        if bit == "1":
            R = ec_add(c, R, P)
    return R


def ec_octets(c, P):
    # RFC 8121 section 3.3: the point travels as the integer P(p) = 2x + (y mod 2), in its
    # natural length (degree + 1 bits: 33 octets for P-256, 66 for P-521; appendix B).
    n = (c["p"].bit_length() + 1 + 7) // 8
    return (2 * P[0] + (P[1] & 1)).to_bytes(n, "big")


def ec_point(c, octets):
    """P'(z): the point with x = z >> 1 and y of parity z & 1 (p = 3 mod 4 for both curves)."""
    z = int.from_bytes(octets, "big")
    x, odd, p = z >> 1, z & 1, c["p"]
    assert x < p
    rhs = (x ** 3 + c["a"] * x + c["b"]) % p
    y = pow(rhs, (p + 1) // 4, p)
    assert y * y % p == rhs
    if y & 1 != odd:
        y = p - y
    return (x, y)


def vi(i):
    out = [i & 0x7F]
    i >>= 7
    while i:
        out.append(0x80 | (i & 0x7F))
        i >>= 7
    return bytes(reversed(out))


def vs(s):
    return vi(len(s)) + s


def H(name, data):
    return hashlib.new(name, data).digest()


def scalar(label, q):
    # Deterministic test scalar in [1, q-1].
    x = int.from_bytes(hashlib.sha512(label.encode()).digest() * 2, "big")
    return x % (q - 1) + 1


def vector(alg, user, password, realm, scope, vh, nc):
    b = lambda s: s.encode("utf-8")
    if alg in DL:
        p, h = DL[alg]
        q, g, elen = (p - 1) // 2, 2, (p.bit_length() + 7) // 8
        enc = lambda x: x.to_bytes(elen, "big")
        powg = lambda e: pow(g, e, p)
    else:
        c, h = EC[alg]
        q = c["n"]
        G = (c["gx"], c["gy"])
        assert (G[1] ** 2 - (G[0] ** 3 + c["a"] * G[0] + c["b"])) % c["p"] == 0
        assert ec_mul(c, q, G) is None
        enc = lambda P: ec_octets(c, P)
        powg = lambda e: ec_mul(c, e, G)
    hlen = hashlib.new(h).digest_size
    qlen = (q.bit_length() + 7) // 8
    salt = vs(b(alg)) + vs(b(scope)) + vs(b(realm)) + vs(b(user))
    pi = int.from_bytes(hashlib.pbkdf2_hmac(h, b(password), salt, 16384, hlen), "big") % q
    s_c1, s_s1 = scalar(alg + "/client", q), scalar(alg + "/server", q)
    Kc1 = powg(s_c1)
    if alg in EC:
        assert ec_point(c, enc(Kc1)) == Kc1
    t1 = int.from_bytes(H(h, b"\x01" + enc(Kc1)), "big") % q
    if alg in DL:
        base = pow(Kc1, t1, p) * pow(g, pi, p) % p
        Ks1 = pow(base, s_s1, p)
    else:
        Ks1 = ec_mul(c, s_s1, ec_add(c, ec_mul(c, t1, Kc1), powg(pi)))
    t2 = int.from_bytes(H(h, b"\x02" + enc(Kc1) + enc(Ks1)), "big") % q
    # The client's formula; the library's server formula must agree with it.
    e = (s_c1 + t2) * pow((s_c1 * t1 + pi) % q, -1, q) % q
    z = pow(Ks1, e, p) if alg in DL else ec_mul(c, e, Ks1)
    if alg in DL:
        assert z == pow(Kc1 * pow(g, t2, p) % p, s_s1, p)
    tail = vi(nc) + vs(b(vh))
    common = enc(Kc1) + enc(Ks1) + enc(z)
    return {
        "algorithm": alg, "user": user, "password": password, "realm": realm, "auth_scope": scope,
        "vh": vh, "nc": nc,
        "pi": pi.to_bytes(qlen, "big").hex(),
        "s_c1": s_c1.to_bytes(qlen, "big").hex(), "s_s1": s_s1.to_bytes(qlen, "big").hex(),
        "j": enc(powg(pi)).hex(),
        "kc1": enc(Kc1).hex(), "ks1": enc(Ks1).hex(), "z": enc(z).hex(),
        "vkc": H(h, b"\x04" + common + tail).hex(), "vks": H(h, b"\x03" + common + tail).hex(),
    }


def main():
    p14 = DL["iso-kam3-dl-2048-sha256"][0]
    assert p14 >> (2048 - 64) == 2**64 - 1 and p14 & (2**64 - 1) == 2**64 - 1
    assert hex(p14).startswith("0xffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1")
    vecs = [
        vector("iso-kam3-ec-p256-sha256", "alice", "correct horse", "example realm", "www.example.com",
               "http://www.example.com:80", 1),
        vector("iso-kam3-ec-p521-sha512", "J\u00f6rg", "p\u00e4ssword", "r", "example.org",
               "https://example.org:443", 300),
        vector("iso-kam3-dl-2048-sha256", "alice", "correct horse", "example realm", "www.example.com",
               "http://www.example.com:80", 1),
        vector("iso-kam3-dl-4096-sha512", "bob", "battery staple", "x", "h", "http://h:8080", 128),
    ]
    out = {
        "source": "tests/data/mutual/gen_kam3_vectors.py (independent Python implementation; see its docstring)",
        "vectors": vecs,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kam3_vectors.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main()
