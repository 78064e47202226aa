"""End to end: examples/hoba_server (HOBA, RFC 7486) driven by an independent client written
here: Python `requests` for HTTP and the `openssl` command for keys and RSA signatures. The
HOBA-TBS is built by this script from RFC 7486 section 2, not by the library.

With a second argument, examples/hoba_client (the library's own client side) registers and
logs in against the same server too.

Usage: hoba.py <path to hoba_server> [<path to hoba_client>]"""
import base64
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from urllib.parse import urlparse

import requests

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failures, Server  # noqa: E402


def b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def field(s):
    return f"{len(s.encode())}:{s}"


class Key:
    def __init__(self, d, name):
        self.pem = os.path.join(d, name + ".pem")
        subprocess.run(["openssl", "genrsa", "-out", self.pem, "2048"], check=True, capture_output=True)
        self.pub = subprocess.run(["openssl", "rsa", "-in", self.pem, "-pubout"], check=True,
                                  capture_output=True, text=True).stdout
        der = subprocess.run(["openssl", "rsa", "-in", self.pem, "-pubout", "-outform", "DER"], check=True,
                             capture_output=True).stdout
        self.kid = b64url(hashlib.sha256(der).digest())  # kidtype 0: a hash of the public key
        self.dir = d

    def sign(self, data):
        path = os.path.join(self.dir, "tbs")
        with open(path, "wb") as f:
            f.write(data.encode())
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.pem, path], check=True,
                              capture_output=True).stdout


def challenge_of(resp):
    v = resp.headers.get("WWW-Authenticate", "")
    m = re.search(r'challenge="([^"]+)"', v)
    r = re.search(r'realm="([^"]*)"', v)
    return (m.group(1) if m else None), (r.group(1) if r else "")


def hoba_result(key, kid, chal, realm, origin, nonce=None):
    nonce = nonce or b64url(os.urandom(16))
    tbs = field(nonce) + field("0") + field(origin) + field(realm) + field(kid) + field(chal)
    return f"{kid}.{chal}.{nonce}.{b64url(key.sign(tbs))}"


def authz(res):
    return {"Authorization": f'HOBA result="{res}"'}


f = Failures()
with tempfile.TemporaryDirectory() as d, Server([sys.argv[1]]) as s:
    alice, mallory = Key(d, "alice"), Key(d, "mallory")
    u = urlparse(s.base)
    origin = f"http://{u.hostname}:{u.port}"  # RFC 7486 section 2: the port is always written

    # 1. No credentials: 401 with a HOBA challenge.
    r = requests.get(s.base + "/private", timeout=10)
    chal, realm = challenge_of(r)
    f.check(r.status_code == 401, f"no credentials -> 401 (got {r.status_code})")
    f.check(chal is not None and "max-age=120" in r.headers.get("WWW-Authenticate", ""),
            f"HOBA challenge with max-age ({r.headers.get('WWW-Authenticate')})")
    f.check(realm == "hoba example", f"realm ({realm})")
    f.check(r.headers.get("Content-Type", "").startswith("application/problem+json"), "problem body")

    # 2. Unknown kid before registration.
    r = requests.get(s.base + "/private", headers=authz(hoba_result(alice, alice.kid, chal, realm, origin)),
                     timeout=10)
    f.check(r.status_code == 401 and "unknown_kid" in r.text, f"unregistered kid -> 401 ({r.status_code} {r.text})")

    # 3. Registration without proof of possession: 401 with a challenge.
    form = {"pub": alice.pub, "kidtype": "0", "kid": alice.kid, "didtype": "0", "did": "alice-laptop"}
    r = requests.post(s.base + "/.well-known/hoba/register", data=form, timeout=10)
    f.check(r.status_code == 401 and "missing_proof" in r.text, f"register without proof -> 401 ({r.status_code})")
    chal, realm = challenge_of(r)

    # 4. Registration with a proof signed by mallory's key: refused.
    r = requests.post(s.base + "/.well-known/hoba/register", data=form,
                      headers=authz(hoba_result(mallory, alice.kid, chal, realm, origin)), timeout=10)
    f.check(r.status_code == 401 and "bad_signature" in r.text, f"proof by another key -> 401 ({r.status_code})")

    # 5. Registration with a challenge from getchal and a right proof: Hobareg: regok + session cookie.
    r = requests.get(s.base + "/.well-known/hoba/getchal", timeout=10)
    chal = r.text.strip()
    f.check(r.status_code == 200 and len(chal) >= 43, f"getchal ({r.status_code} {chal})")
    r = requests.post(s.base + "/.well-known/hoba/register", data=form,
                      headers=authz(hoba_result(alice, alice.kid, chal, "hoba example", origin)), timeout=10)
    f.check(r.status_code == 200, f"register -> 200 ({r.status_code} {r.text})")
    f.check(r.headers.get("Hobareg") == "regok", f"Hobareg: regok ({r.headers.get('Hobareg')})")
    f.check("hoba_session" in r.cookies, "session cookie after registration")

    # 6. Login by signature: 200 and a session cookie; the same result again: 401 (single use).
    r = requests.get(s.base + "/private", timeout=10)
    chal, realm = challenge_of(r)
    res = hoba_result(alice, alice.kid, chal, realm, origin)
    r = requests.get(s.base + "/private", headers=authz(res), timeout=10)
    f.check(r.status_code == 200 and r.text == "hello alice-laptop\n", f"login -> 200 ({r.status_code} {r.text!r})")
    cookie = r.cookies.get("hoba_session")
    f.check(cookie is not None, "Set-Cookie after login")
    r = requests.get(s.base + "/private", headers=authz(res), timeout=10)
    f.check(r.status_code == 401 and "unknown_challenge" in r.text, f"replay -> 401 ({r.status_code} {r.text})")

    # 7. Wrong key, altered origin and realm, malformed result.
    chal, realm = challenge_of(r)
    r = requests.get(s.base + "/private", headers=authz(hoba_result(mallory, alice.kid, chal, realm, origin)),
                     timeout=10)
    f.check(r.status_code == 401 and "bad_signature" in r.text, f"wrong key -> 401 ({r.status_code})")
    chal, realm = challenge_of(r)
    r = requests.get(s.base + "/private",
                     headers=authz(hoba_result(alice, alice.kid, chal, realm, "http://evil.example:80")), timeout=10)
    f.check(r.status_code == 401 and "bad_signature" in r.text, f"other origin -> 401 ({r.status_code})")
    chal, realm = challenge_of(r)
    r = requests.get(s.base + "/private", headers=authz(hoba_result(alice, alice.kid, chal, "other", origin)),
                     timeout=10)
    f.check(r.status_code == 401 and "bad_signature" in r.text, f"other realm -> 401 ({r.status_code})")
    r = requests.get(s.base + "/private", headers=authz("a2lk.Y2g.bm9uY2Uw"), timeout=10)
    f.check(r.status_code == 400 and "missing_signature" in r.text, f"malformed -> 400 ({r.status_code} {r.text})")
    # curl sends the same kind of request (an unrelated client stack).
    chal, realm = challenge_of(requests.get(s.base + "/private", timeout=10))
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                          'Authorization: HOBA result="' + hoba_result(alice, alice.kid, chal, realm, origin) + '"',
                          s.base + "/.well-known/hoba/login"], capture_output=True, text=True)
    f.check(out.stdout == "200", f"curl login -> 200 ({out.stdout})")

    # 8. The session cookie alone, then logout.
    jar = {"hoba_session": cookie}
    r = requests.get(s.base + "/private", cookies=jar, timeout=10)
    f.check(r.status_code == 200 and r.text == "hello alice-laptop\n", f"session cookie -> 200 ({r.status_code})")
    r = requests.post(s.base + "/.well-known/hoba/logout", cookies=jar, timeout=10)
    f.check(r.status_code == 200 and "Max-Age=0" in r.headers.get("Set-Cookie", ""),
            f"logout expires the cookie ({r.headers.get('Set-Cookie')})")
    r = requests.get(s.base + "/private", cookies=jar, timeout=10)
    f.check(r.status_code == 401 and "unknown_session" in r.text, f"after logout -> 401 ({r.status_code} {r.text})")

    # 9. The library's own client: register a new key and log in.
    if len(sys.argv) > 2:
        bob = Key(d, "bob")
        out = subprocess.run([sys.argv[2], s.base, bob.pem, "bob-phone"], capture_output=True, text=True,
                             timeout=30)
        f.check(out.returncode == 0, f"hoba_client exit status ({out.returncode}: {out.stdout} {out.stderr})")
        f.check(out.stdout == "register 200 Hobareg=regok\nlogin 200 hello bob-phone\nreplay 401\n",
                f"hoba_client output ({out.stdout!r})")

f.finish()
