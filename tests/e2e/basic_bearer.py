#!/usr/bin/python3
"""End-to-end: the cpp-httplib example server (examples/httplib_server.cpp) with Basic and
Bearer, driven by curl (--basic, --anyauth, --oauth2-bearer, proxy) and Python requests.
Usage: basic_bearer.py <httplib_server binary>"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failures, Server, curl  # noqa: E402

import requests  # noqa: E402
from requests.auth import HTTPBasicAuth  # noqa: E402


def responses(out):
    """Splits curl -D - output into [(status, [(name, value)], body)] per response."""
    text = out.stdout.replace("\r\n", "\n")  # text mode may or may not have done this
    blocks = []
    while text.startswith("HTTP/"):
        head, sep, rest = text.partition("\n\n")
        lines = head.split("\n")
        status = int(lines[0].split()[1])
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        text = rest
        blocks.append([status, headers, ""])
    if blocks:
        blocks[-1][2] = text
    return blocks


def values(headers, name):
    return [v for n, v in headers if n.lower() == name.lower()]


def main():
    exe = sys.argv[1]
    f = Failures()
    with Server([exe]) as s:
        b = s.base

        # --- Basic with curl ---
        r = responses(curl(b + "/basic"))
        f.check(r and r[-1][0] == 401, "no credentials: 401")
        f.check(r and values(r[-1][1], "WWW-Authenticate") == ['Basic realm="basic@example", charset="UTF-8"'],
                "no credentials: the Basic challenge with charset")
        f.check(r and values(r[-1][1], "Content-Type") == ["application/problem+json"], "problem+json body")
        f.check(r and '"status":401' in r[-1][2], "problem body has the status")

        r = responses(curl("--basic", "-u", "Aladdin:open sesame", b + "/basic"))
        f.check(r and r[-1][0] == 200, "curl --basic: 200")
        f.check(r and r[-1][2].startswith("hello Aladdin via Basic"), "curl --basic: identity")

        r = responses(curl("--basic", "-u", "Aladdin:open sesamE", b + "/basic/x"))
        f.check(r and r[-1][0] == 401, "curl --basic wrong password: 401")
        f.check(r and "wrong_credentials" in r[-1][2], "wrong password: reason in the problem body")
        f.check(r and "sesam" not in r[-1][2], "the password is not echoed")

        r = responses(curl("--basic", "-u", "J\u00fcrgen:p\u00e4ss", b + "/basic"))
        f.check(r and r[-1][0] == 200, "curl --basic UTF-8 user: 200")
        f.check(r and r[-1][2].startswith("hello J\u00fcrgen via Basic"), "curl UTF-8 identity")

        r = responses(curl("-H", "Authorization: Basic QWxhZGRpbg==", b + "/basic"))
        f.check(r and r[-1][0] == 400 and "missing_colon" in r[-1][2], "no colon: 400 missing_colon")

        r = responses(curl("-H", "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
                           "-H", "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", b + "/basic"))
        f.check(r and r[-1][0] == 400 and "duplicate_authorization" in r[-1][2], "two Authorization: 400")

        # --- --anyauth: curl asks first, sees both challenges, picks Basic (the one it has) ---
        r = responses(curl("--anyauth", "-u", "Aladdin:open sesame", b + "/any"))
        f.check(len(r) == 2, "--anyauth: two exchanges (got %d)" % len(r))
        if len(r) == 2:
            f.check(r[0][0] == 401, "--anyauth: first 401")
            f.check(values(r[0][1], "WWW-Authenticate") ==
                    ['Bearer realm="bearer@example"', 'Basic realm="basic@example", charset="UTF-8"'],
                    "--anyauth: both challenges, Bearer first, one field line each")
            f.check(r[1][0] == 200 and r[1][2].startswith("hello Aladdin via Basic"), "--anyauth: 200 with Basic")

        # --- Bearer with curl ---
        r = responses(curl("--oauth2-bearer", "mF_9.B5f-4.1JqM", b + "/bearer"))
        f.check(r and r[-1][0] == 200 and r[-1][2].startswith("hello alice via Bearer"), "--oauth2-bearer: 200")
        r = responses(curl(b + "/bearer"))
        f.check(r and r[-1][0] == 401 and values(r[-1][1], "WWW-Authenticate") == ['Bearer realm="bearer@example"'],
                "Bearer without token: 401, challenge without error")
        r = responses(curl("--oauth2-bearer", "expired", b + "/bearer"))
        f.check(r and r[-1][0] == 401, "expired token: 401")
        f.check(r and values(r[-1][1], "WWW-Authenticate") ==
                ['Bearer realm="bearer@example", error="invalid_token", error_description="the access token expired"'],
                "expired token: invalid_token challenge")
        r = responses(curl("--oauth2-bearer", "readonly", b + "/bearer/write"))
        f.check(r and r[-1][0] == 403, "missing scope: 403")
        f.check(r and any('error="insufficient_scope"' in v and 'scope="write"' in v
                          for v in values(r[-1][1], "WWW-Authenticate")), "missing scope: insufficient_scope, scope")
        r = responses(curl("-H", "Authorization: Bearer a b", b + "/bearer"))
        f.check(r and r[-1][0] == 400, "malformed Bearer: 400")
        f.check(r and any('error="invalid_request"' in v for v in values(r[-1][1], "WWW-Authenticate")),
                "malformed Bearer: invalid_request")
        r = responses(curl("-X", "POST", "-d", "access_token=readonly", b + "/form"))
        f.check(r and r[-1][0] == 200 and r[-1][2].startswith("hello bob via Bearer"), "form body token: 200")
        r = responses(curl("--oauth2-bearer", "readonly", "-d", "access_token=readonly", b + "/form"))
        f.check(r and r[-1][0] == 400 and "multiple_methods" in r[-1][2], "header and body token: 400")
        r = responses(curl("-d", "", b + "/form?access_token=mF_9.B5f-4.1JqM"))
        f.check(r and r[-1][0] == 200 and "alice" in r[-1][2], "query token: 200")
        r = responses(curl(b + "/public"))
        f.check(r and r[-1][0] == 200, "public: 200")

        # --- Python requests ---
        resp = requests.get(b + "/basic", auth=HTTPBasicAuth("Aladdin", "open sesame"), timeout=10)
        f.check(resp.status_code == 200 and resp.text.startswith("hello Aladdin"), "requests Basic: 200")
        resp = requests.get(b + "/basic", auth=("Aladdin", "wrong"), timeout=10)
        f.check(resp.status_code == 401, "requests wrong password: 401")
        f.check(resp.headers.get("WWW-Authenticate") == 'Basic realm="basic@example", charset="UTF-8"',
                "requests sees the challenge")
        resp = requests.get(b + "/basic", auth=HTTPBasicAuth("J\u00fcrgen".encode(), "p\u00e4ss".encode()), timeout=10)
        f.check(resp.status_code == 200, "requests Basic with UTF-8 bytes: 200")
        # requests encodes str credentials as ISO-8859-1: refused under charset="UTF-8".
        resp = requests.get(b + "/basic", auth=HTTPBasicAuth("J\u00fcrgen", "p\u00e4ss"), timeout=10)
        f.check(resp.status_code == 400 and resp.json().get("detail") == "invalid_utf8_user",
                "requests latin-1 user: 400 invalid_utf8_user")
        resp = requests.get(b + "/bearer", headers={"Authorization": "Bearer readonly"}, timeout=10)
        f.check(resp.status_code == 200, "requests Bearer: 200")

    # --- htpasswd file written by Apache's tool ---
    if shutil.which("htpasswd"):
        d = tempfile.mkdtemp(prefix="authwire-e2e-")
        try:
            path = os.path.join(d, "users")
            subprocess.run(["htpasswd", "-cbB", "-C", "4", path, "Aladdin", "open sesame"], check=True,
                           capture_output=True)
            subprocess.run(["htpasswd", "-bm", path, "apr", "apr pw"], check=True, capture_output=True)
            subprocess.run(["htpasswd", "-b5", path, "sha", "sha pw"], check=True, capture_output=True)
            with Server([exe, "--htpasswd", path]) as s:
                b = s.base
                for user, pw in (("Aladdin", "open sesame"), ("apr", "apr pw"), ("sha", "sha pw")):
                    r = responses(curl("--basic", "-u", "%s:%s" % (user, pw), b + "/basic"))
                    f.check(r and r[-1][0] == 200, "htpasswd %s: 200" % user)
                    r = responses(curl("--basic", "-u", "%s:x%s" % (user, pw), b + "/basic"))
                    f.check(r and r[-1][0] == 401, "htpasswd %s wrong: 401" % user)
                r = responses(curl("--basic", "-u", "nobody:open sesame", b + "/basic"))
                f.check(r and r[-1][0] == 401, "htpasswd unknown user: 401")
        finally:
            shutil.rmtree(d, ignore_errors=True)
    else:
        print("WARN: htpasswd (apache2-utils) missing: htpasswd end-to-end skipped", flush=True)

    # --- proxy mode: 407 / Proxy-Authorization ---
    with Server([exe, "--proxy"]) as s:
        b = s.base
        r = responses(curl("-x", b, "http://origin.example/thing"))
        f.check(r and r[-1][0] == 407, "proxy without credentials: 407")
        f.check(r and values(r[-1][1], "Proxy-Authenticate") == ['Basic realm="basic@example", charset="UTF-8"'],
                "proxy: Proxy-Authenticate challenge")
        r = responses(curl("-x", b, "--proxy-basic", "--proxy-user", "Aladdin:open sesame",
                           "http://origin.example/thing"))
        f.check(r and r[-1][0] == 200 and r[-1][2].startswith("hello Aladdin via Basic"), "proxy with Basic: 200")
        r = responses(curl("-x", b, "--proxy-anyauth", "--proxy-user", "Aladdin:open sesame",
                           "http://origin.example/thing"))
        f.check(r and r[-1][0] == 200, "proxy --proxy-anyauth: 200")
        r = responses(curl("-x", b, "-u", "Aladdin:open sesame", "http://origin.example/thing"))
        f.check(r and r[-1][0] == 407, "proxy: origin credentials do not count")
    f.finish()


if __name__ == "__main__":
    main()
