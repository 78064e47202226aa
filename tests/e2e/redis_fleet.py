"""End to end: two digest_fleet_server processes sharing one Redis (started here on a free
port, no persistence) and one nonce key. A Digest request accepted by one process and
replayed to the other is refused; with Redis stopped both answer 503 with Retry-After;
after Redis restarts they recover (a nonce whose counter Redis lost gets stale=true).

usage: redis_fleet.py <digest_fleet_server> [redis-server]"""
import hashlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time

import requests
from requests.auth import HTTPDigestAuth

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failures, Server  # noqa: E402

USER, PASSWORD = "Mufasa", "Circle of Life"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Redis:
    def __init__(self, exe, port):
        self.exe, self.port, self.proc = exe, port, None

    def start(self):
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", "/tmp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


PARAM = re.compile(r'([A-Za-z0-9_-]+)=("(?:[^"\\]|\\.)*"|[^,\s]*)')


def challenges(resp):
    """The Digest challenges of a 401, one dict per WWW-Authenticate field line."""
    out = []
    for v in resp.raw.headers.getlist("WWW-Authenticate"):
        if v.lower().startswith("digest "):
            out.append({k.lower(): (x[1:-1] if x.startswith('"') else x) for k, x in PARAM.findall(v[7:])})
    return out


def sha256_challenge(base, path="/private"):
    r = requests.get(base + path, timeout=10)
    for c in challenges(r):
        if c.get("algorithm", "").upper() == "SHA-256":
            return r, c
    return r, None


def authorization(chal, nc, uri="/private", method="GET"):
    h = lambda s: hashlib.sha256(s.encode()).hexdigest()  # noqa: E731
    cnonce = secrets.token_hex(8)
    ha1 = h(f"{USER}:{chal['realm']}:{PASSWORD}")
    ha2 = h(f"{method}:{uri}")
    resp = h(f"{ha1}:{chal['nonce']}:{nc:08x}:{cnonce}:auth:{ha2}")
    v = (f'Digest username="{USER}", realm="{chal["realm"]}", uri="{uri}", algorithm=SHA-256, '
         f'nonce="{chal["nonce"]}", nc={nc:08x}, cnonce="{cnonce}", qop=auth, response="{resp}"')
    if "opaque" in chal:
        v += f', opaque="{chal["opaque"]}"'
    return v


def send(base, value, path="/private"):
    return requests.get(base + path, headers={"Authorization": value}, timeout=10)


def is_stale(resp):
    return resp.status_code == 401 and any(c.get("stale", "").lower() == "true" for c in challenges(resp))


f = Failures()
server_exe = sys.argv[1]
redis_exe = sys.argv[2] if len(sys.argv) > 2 else "redis-server"
redis = Redis(redis_exe, free_port())
redis.start()
env = dict(os.environ, AUTHWIRE_REDIS_HOST="127.0.0.1", AUTHWIRE_REDIS_PORT=str(redis.port),
           AUTHWIRE_NONCE_KEY=secrets.token_hex(32))
try:
    with Server([server_exe], env=dict(env, AUTHWIRE_SERVER_NAME="A")) as a, \
         Server([server_exe], env=dict(env, AUTHWIRE_SERVER_NAME="B")) as b:
        # Real clients first: curl and requests authenticate against either member.
        out = subprocess.run(["curl", "-s", "-S", "--max-time", "10", "--digest", "-u", f"{USER}:{PASSWORD}",
                              a.base + "/private"], capture_output=True, text=True)
        f.check(out.stdout.strip() == "hello Mufasa from A", f"curl --digest on A ({out.stdout!r} {out.stderr!r})")
        r = requests.get(b.base + "/private", auth=HTTPDigestAuth(USER, PASSWORD), timeout=10)
        f.check(r.status_code == 200 and r.text.strip() == "hello Mufasa from B",
                f"requests HTTPDigestAuth on B ({r.status_code} {r.text!r})")
        # requests' exact Authorization, replayed to A: refused.
        captured = r.request.headers.get("Authorization", "")
        f.check(captured.startswith("Digest "), "requests sent Digest credentials")
        rr = send(a.base, captured)
        f.check(rr.status_code == 401, f"requests' request replayed to A -> 401 ({rr.status_code})")

        # Challenge from A, accepted by A, replayed to B and to A: refused both times.
        r401, chal = sha256_challenge(a.base)
        t_issue = time.time()
        f.check(r401.status_code == 401 and chal is not None, f"A offers a SHA-256 challenge ({r401.status_code})")
        first = authorization(chal, 1)
        r = send(a.base, first)
        f.check(r.status_code == 200 and "from A" in r.text, f"nc=1 accepted by A ({r.status_code} {r.text!r})")
        r = send(b.base, first)
        f.check(r.status_code == 401, f"the same request replayed to B -> 401 ({r.status_code})")
        f.check(is_stale(r), "the replay refused by B asks for a new nonce (stale=true)")
        r = send(a.base, first)
        f.check(r.status_code == 401, f"the same request replayed to A -> 401 ({r.status_code})")
        # A's nonce is good on B (shared key): nc=2 on B, then replayed to A.
        second = authorization(chal, 2)
        r = send(b.base, second)
        f.check(r.status_code == 200 and "from B" in r.text, f"nc=2 on B with A's nonce ({r.status_code})")
        r = send(a.base, second)
        f.check(r.status_code == 401, f"nc=2 replayed to A -> 401 ({r.status_code})")

        # Redis stopped: the nonce is still valid, the count cannot be checked -> 503 + Retry-After.
        redis.stop()
        for name, srv in (("A", a), ("B", b)):
            r = send(srv.base, authorization(chal, 3))
            ra = r.headers.get("Retry-After", "")
            f.check(r.status_code == 503, f"{name}: Redis down -> 503 ({r.status_code})")
            f.check(ra.isdigit() and int(ra) >= 1, f"{name}: Retry-After ({ra!r})")
        r = requests.get(a.base + "/private", timeout=10)
        f.check(r.status_code == 401, f"challenges need no store: 401 while Redis is down ({r.status_code})")

        # Make sure the restart happens in a later second than the nonce was issued.
        while int(time.time()) <= int(t_issue):
            time.sleep(0.05)
        redis.start()
        # Redis lost everything: the old nonce's count must not start afresh.
        r = send(b.base, authorization(chal, 4))
        f.check(r.status_code == 401 and is_stale(r),
                f"old nonce after Redis lost its data -> 401 stale=true ({r.status_code})")
        r = send(a.base, first)
        f.check(r.status_code == 401, f"first request replayed after the restart -> 401 ({r.status_code})")
        # Recovery: a fresh nonce works on both, and its replay is refused across processes.
        _, chal2 = sha256_challenge(b.base)
        fresh = authorization(chal2, 1)
        r = send(b.base, fresh)
        f.check(r.status_code == 200 and "from B" in r.text, f"fresh nonce after the restart on B ({r.status_code})")
        r = send(a.base, fresh)
        f.check(r.status_code == 401, f"its replay to A -> 401 ({r.status_code})")
        r = send(a.base, authorization(chal2, 2))
        f.check(r.status_code == 200 and "from A" in r.text, f"nc=2 on A after the restart ({r.status_code})")
finally:
    redis.stop()
f.finish()
