#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of the scheme fuzz targets (fuzz/corpus/<target>/) from the test
vectors in tests/data/ plus a few hand-made messages. Run from anywhere; the output is
committed. File names are the first 16 hex digits of the SHA-1 of the content. The committed
corpora also hold inputs merged in from fuzzing runs (libFuzzer -merge=1, renamed the same way);
this script only adds its own seeds and never removes files."""
import base64, hashlib, json, os, re, sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
data = os.path.join(top, "tests", "data")
out = {}


def add(target, s):
    if isinstance(s, str):
        s = s.encode("utf-8")
    if not s or len(s) > 4096:
        return
    out.setdefault(target, set()).add(s)


def strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for v in o.values():
            yield from strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from strings(v)


def route(s):
    t = s.lstrip(" \t")
    low = t.lower()
    for line in [t] + t.split("\n"):
        l = line.strip().lower()
        for prefix in ("authorization:", "www-authenticate:", "proxy-authorization:", "proxy-authenticate:",
                       "authentication-info:"):
            if l.startswith(prefix):
                route(line.strip()[len(prefix):].strip())
    if low.startswith("basic"):
        add("basic", t)
    if low.startswith("bearer") or ", bearer" in low:
        add("bearer", t)
    if low.startswith("digest") or "digest " in low:
        add("digest", t)
        add("digest_challenge", t)
    if t.startswith("AWS4-HMAC-SHA256"):
        add("aws_sigv4_parse", t)
    if "x-amz-credential" in low:
        q = t.split("?", 1)[1] if "?" in t else t
        add("aws_sigv4_parse", q.split(" ", 1)[0])
    if low.startswith("hoba"):
        add("hoba", t)
    if low.startswith("mutual") or "vks=" in low:
        add("mutual", t)


for root, _, files in os.walk(data):
    for f in sorted(files):
        p = os.path.join(root, f)
        if f.endswith(".json"):
            try:
                doc = json.load(open(p, encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            for s in strings(doc):
                route(s)
        elif f.endswith(".jsonl"):
            for line in open(p, encoding="utf-8"):
                try:
                    for s in strings(json.loads(line)):
                        route(s)
                except ValueError:
                    pass
        elif f.endswith((".authz", "signed-request.txt", ".sreq")):
            txt = open(p, encoding="utf-8", errors="replace").read()
            if f.endswith(".authz"):
                add("aws_sigv4_parse", txt.strip())
            else:
                route(txt)

# SigV4 requests (botocore .req, aws-c-auth request.txt) as the sign target reads them:
# method, target, header lines (without Host and X-Amz-*), empty line, body.
for root, _, files in os.walk(os.path.join(data, "aws-sigv4")):
    for f in sorted(files):
        if not (f.endswith(".req") or f == "request.txt"):
            continue
        raw = open(os.path.join(root, f), "rb").read().replace(b"\r\n", b"\n")
        head, _, body = raw.partition(b"\n\n")
        lines = head.split(b"\n")
        parts = lines[0].split(b" ")
        if len(parts) < 2:
            continue
        method, target = parts[0], b" ".join(parts[1:-1]) if len(parts) > 2 else parts[1]
        hs = [l for l in lines[1:] if b":" in l and not l.lower().startswith((b"host:", b"x-amz-"))
              and not l.startswith((b" ", b"\t"))]
        add("aws_sigv4_sign", b"\n".join([method, target] + hs) + b"\n\n" + body)

# Hand-made messages where tests/data has few.
b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
for kid, ch, nonce, sig in [(b"kid", b"challenge", b"nonce-123", b"signature"),
                            (b"\x01" * 32, b"\xfe" * 32, b"\x00" * 32, b"\x55" * 256)]:
    res = ".".join([b64u(kid), b64u(ch), b64u(nonce), b64u(sig)])
    add("hoba", res)
    add("hoba", 'HOBA result="%s"' % res)
add("hoba", "a2lk.Y2g=.bm9uY2U=.c2ln")
add("hoba", 'HOBA challenge="Y2hhbGxlbmdl", max-age=600, realm="my \\"realm\\""')

algs = {"iso-kam3-ec-p256-sha256": (33, 32, True), "iso-kam3-ec-p521-sha512": (66, 64, True),
        "iso-kam3-dl-2048-sha256": (256, 32, False), "iso-kam3-dl-4096-sha512": (512, 64, False)}


def fixed(n, hexform, byte=0x5a):
    b = bytes([byte]) * n
    return b.hex() if hexform else '"%s"' % base64.b64encode(b).decode()


for alg, (el, hs, hexform) in algs.items():
    common = 'Mutual version=1, algorithm=%s, validation=host, auth-scope="www.example.com", realm="r"' % alg
    add("mutual", common + ", reason=initial")
    add("mutual", common + ", reason=stale-session")
    add("mutual", common + ', sid=0123abcd, ks1=%s, nc-max=10, nc-window=16, time=60, path="/a /b"'
        % fixed(el, hexform))
    add("mutual", common + ', user="alice", kc1=%s' % fixed(el, hexform))
    add("mutual", common.replace('realm="r"', "realm=r") + ", user*=UTF-8''%C3%A4, kc1=" + fixed(el, hexform))
    add("mutual", common + ", sid=0123abcd, nc=1, vkc=%s" % fixed(hs, hexform))
    add("mutual", "version=1, sid=0123abcd, vks=%s" % fixed(hs, hexform))
    add("mutual", "Mutual version=1, sid=0123abcd, vks=%s" % fixed(hs, hexform))

add("digest_challenge", 'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, '
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"\n'
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, '
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')
add("digest_challenge", 'Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256-sess, '
    'nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", '
    'charset=UTF-8, userhash=true, stale=TRUE, domain="/a /b"')
add("bearer", 'Bearer realm="example", scope="openid profile", error="insufficient_scope", '
    'error_description="more scope", error_uri="https://example.com/e", acr_values="urn:a urn:b", max_age=300, '
    'resource_metadata="https://rs.example.com/.well-known/oauth-protected-resource", ext="x"')

limit = 1 << 20
for target, seeds in sorted(out.items()):
    d = os.path.join(top, "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    total = 0
    for s in sorted(seeds):
        if total + len(s) > limit:
            break
        total += len(s)
        with open(os.path.join(d, hashlib.sha1(s).hexdigest()[:16]), "wb") as f:
            f.write(s)
    print("%-20s %4d seeds, %7d bytes" % (target, len(seeds), total))
