#!/usr/bin/python3
"""End to end: examples/mutual_server with (1) the C++ example client examples/mutual_client and
(2) an independent Python client that speaks RFC 8120 on the wire with the KAM3 arithmetic of
tests/data/mutual/gen_kam3_vectors.py (no code shared with the library). curl cannot do Mutual.

usage: mutual.py MUTUAL_SERVER MUTUAL_CLIENT"""
import hashlib
import http.client
import os
import re
import secrets
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "data", "mutual"))
from harness import Server, Failures  # noqa: E402
import gen_kam3_vectors as k  # noqa: E402

ALG = "iso-kam3-ec-p256-sha256"
C = k.P256
G = (C["gx"], C["gy"])
Q = C["n"]


def params(challenge):
    """auth-params of one challenge / credentials value (simple: no commas inside quotes)."""
    out = {}
    for m in re.finditer(r'([A-Za-z0-9-]+)=("((?:[^"\\]|\\.)*)"|[^,\s]+)', challenge):
        out[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(2)
    return out


def get(host, port, path, authorization=None):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    h = {"Authorization": authorization} if authorization else {}
    conn.request("GET", path, headers=h)
    r = conn.getresponse()
    body = r.read().decode()
    res = (r.status, r.msg.get_all("WWW-Authenticate") or [], r.msg.get("Authentication-Info"), body)
    conn.close()
    return res




def python_client(f, host, port, user, password, tamper_kc1=None):
    """Runs the handshake; returns (status of req-VFY-C answer, state dict)."""
    st, www, _, _ = get(host, port, "/private")
    f.check(st == 401 and len(www) == 1, f"py: 401-INIT with one challenge ({st}, {len(www)})")
    init = [params(w) for w in www if w.startswith("Mutual ") and f"algorithm={ALG}" in w]
    f.check(len(init) == 1, "py: a P-256 401-INIT")
    p = init[0]
    f.check(p.get("reason") == "initial" and p.get("version") == "1", "py: reason=initial, version=1")
    scope, realm = p["auth-scope"], p["realm"]
    salt = k.vs(ALG.encode()) + k.vs(scope.encode()) + k.vs(realm.encode()) + k.vs(user.encode())
    pi = int.from_bytes(hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 16384, 32), "big") % Q
    s_c1 = secrets.randbelow(Q - 1) + 1
    kc1 = k.ec_octets(C, k.ec_mul(C, s_c1, G)) if tamper_kc1 is None else tamper_kc1
    common = f'Mutual version=1, algorithm={ALG}, validation=host, auth-scope="{scope}", realm="{realm}"'
    auth1 = common + f', user="{user}", kc1={kc1.hex()}'
    st, www, _, _ = get(host, port, "/private", auth1)
    s1 = params(www[0])
    if tamper_kc1 is not None:
        return st, s1  # a 401-INIT again
    f.check(st == 401 and len(www) == 1, f"py: one 401 challenge after req-KEX-C1 ({st})")
    f.check(all(x in s1 for x in ("sid", "ks1", "nc-max", "nc-window", "time")), "py: 401-KEX-S1 parameters")
    # EC values are hex-fixed-numbers; a point p travels as P(p) = 2x + (y mod 2) (RFC 8121 3.3)
    ks1 = bytes.fromhex(s1["ks1"])
    f.check(len(ks1) == 33, "py: ks1 is a 33-octet P(p) for P-256")
    t1 = int.from_bytes(k.H("sha256", b"\x01" + kc1), "big") % Q
    t2 = int.from_bytes(k.H("sha256", b"\x02" + kc1 + ks1), "big") % Q
    e = (s_c1 + t2) * pow((s_c1 * t1 + pi) % Q, -1, Q) % Q
    z = k.ec_octets(C, k.ec_mul(C, e, k.ec_point(C, ks1)))
    vh = f"http://{host}:{port}".encode()
    state = dict(common=common, sid=s1["sid"], kc1=kc1, ks1=ks1, z=z, vh=vh)
    return vfy(f, host, port, state, 1), state


def vk(state, tag, nc):
    return k.H("sha256", bytes([tag]) + state["kc1"] + state["ks1"] + state["z"] + k.vi(nc) + k.vs(state["vh"]))


def vfy(f, host, port, state, nc, expect_ok=True):
    auth = state["common"] + f', sid={state["sid"]}, nc={nc}, vkc={vk(state, 4, nc).hex()}'
    st, www, info, body = get(host, port, "/private", auth)
    state["last"] = (st, www, info, body)
    if st == 200:
        i = params(info or "")
        f.check(i.get("sid") == state["sid"] and i.get("version") == "1", "py: Authentication-Info version, sid")
        f.check(bytes.fromhex(i.get("vks", "")) == vk(state, 3, nc), f"py: vks verifies (nc={nc})")
    return st


def main():
    server_bin, client_bin = sys.argv[1], sys.argv[2]
    f = Failures()
    with Server([server_bin]) as srv:
        host, port = "127.0.0.1", int(srv.base.rsplit(":", 1)[1])
        url = srv.base + "/private"
        # (1) the C++ example client
        r = subprocess.run([client_bin, url, "alice", "correct horse", "--requests", "3"], capture_output=True, text=True)
        f.check(r.returncode == 0 and r.stdout.count("server verified") == 4, f"cpp client: 4 verified ({r.returncode})")
        f.check("hello alice via Mutual" in r.stdout, "cpp client: body")
        # ASCII user names only here: Debian's cpp-httplib 0.11 percent-decodes every request
        # header value, which breaks the RFC 5987 form user*=UTF-8''J%C3%B6rg that RFC 8120
        # section 3.1 asks for (the handler-level tests cover user*).
        for path in ("/p521", "/dl2048", "/dl4096"):
            r = subprocess.run([client_bin, srv.base + path, "alice", "correct horse", "--requests", "1"],
                               capture_output=True, text=True)
            f.check(r.returncode == 0 and r.stdout.count("server verified") == 2,
                    f"cpp client on {path} ({r.returncode}: {r.stdout[-200:]})")
        r = subprocess.run([client_bin, url, "alice", "wrong"], capture_output=True, text=True)
        f.check(r.returncode == 1 and "auth_failed" in r.stdout, f"cpp client: wrong password refused ({r.returncode})")
        r = subprocess.run([client_bin, url, "nobody", "x"], capture_output=True, text=True)
        f.check(r.returncode == 1 and "auth_failed" in r.stdout, "cpp client: unknown user looks like a wrong password")
        # (2) the independent Python client
        st, state = python_client(f, host, port, "alice", "correct horse")
        f.check(st == 200 and "hello alice" in state["last"][3], f"py: req-VFY-C accepted ({st})")
        f.check(vfy(f, host, port, state, 3) == 200, "py: nc=3")
        f.check(vfy(f, host, port, state, 2) == 200, "py: nc=2 within the window")
        st = vfy(f, host, port, state, 1)
        f.check(st == 401 and "reason=stale-session" in state["last"][1][0], "py: replayed nc -> 401-STALE")
        f.check(vfy(f, host, port, state, 4) == 401, "py: the session is discarded after a replay")
        st, state = python_client(f, host, port, "alice", "not the password")
        f.check(st == 401 and "reason=auth-failed" in state["last"][1][0], "py: wrong password -> auth-failed")
        bad = b"\xff" * 33
        st, s1 = python_client(f, host, port, "alice", "correct horse", tamper_kc1=bad)
        f.check(st == 401 and s1.get("reason") == "invalid-parameters", "py: invalid kc1 -> invalid-parameters")
        st, _, _, body = get(host, port, "/public")
        f.check(st == 200 and body == "public\n", "public path open")
    f.finish()


if __name__ == "__main__":
    main()
