"""The demo: starts examples/demo_server on 127.0.0.1, drives it with real clients (curl for
Basic, Bearer, Digest and --aws-sigv4; the library's own clients for HOBA and Mutual), prints
every exchange (request, status, challenges, outcome, Authentication-Info), stops the server,
and exits 0 only if every exchange ended as expected.

    demo.py DEMO_SERVER [HOBA_CLIENT MUTUAL_CLIENT]

The clients default to the programs beside DEMO_SERVER (the same build's examples/).
"""
import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failures, Server  # noqa: E402

AUTH_HEADERS = ("www-authenticate", "authentication-info", "proxy-authenticate")


def responses(raw):
    """Splits curl -i output into [(status, [(name, value)], body)], one per response."""
    out = []
    text = raw.replace("\r\n", "\n")
    while text.startswith("HTTP/"):
        head, _, rest = text.partition("\n\n")
        lines = head.split("\n")
        status = int(lines[0].split()[1])
        headers = [tuple(x.split(": ", 1)) for x in lines[1:] if ": " in x]
        if rest.startswith("HTTP/"):
            body, text = "", rest
        else:
            nxt = rest.find("\nHTTP/1.1 ")
            body, text = (rest, "") if nxt < 0 else (rest[:nxt], rest[nxt + 1:])
        out.append((status, headers, body))
    return out


def show_curl(f, title, url, args, expect_status, expect_body=None):
    print(f"\n== {title}")
    print("   $ curl " + shlex.join(args + [url]))
    res = subprocess.run(["curl", "-s", "-S", "-i", "--max-time", "10", *args, url],
                         capture_output=True, text=True)
    rs = responses(res.stdout)
    if not rs:
        print(f"   no response: {res.stderr.strip()}")
        f.check(False, title)
        return None
    for status, headers, body in rs:
        print(f"   < {status}")
        for n, v in headers:
            if n.lower() in AUTH_HEADERS:
                print(f"   < {n}: {v}")
    status, headers, body = rs[-1]
    print(f"   outcome: {status} {body.strip()[:100]}")
    ok = status == expect_status and (expect_body is None or expect_body in body)
    f.check(ok, f"{title}: expected {expect_status}" + (f" and {expect_body!r}" if expect_body else ""))
    return rs


def show_program(f, title, argv, expect_rc):
    print(f"\n== {title}")
    print("   $ " + shlex.join([os.path.basename(argv[0])] + argv[1:]))
    res = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    for line in (res.stdout + res.stderr).strip().split("\n"):
        print(f"   {line}")
    print(f"   outcome: exit status {res.returncode}")
    f.check(res.returncode == expect_rc, f"{title}: expected exit status {expect_rc}")


def main():
    server = sys.argv[1]
    here = os.path.dirname(os.path.abspath(server))
    hoba_client = sys.argv[2] if len(sys.argv) > 3 else os.path.join(here, "hoba_client")
    mutual_client = sys.argv[3] if len(sys.argv) > 3 else os.path.join(here, "mutual_client")
    f = Failures()
    with Server([server]) as s, tempfile.TemporaryDirectory() as tmp:
        b = s.base
        print(f"demo_server is listening on {b}")
        show_curl(f, "No credentials: 401 with the Basic challenge", b + "/basic", [], 401)
        show_curl(f, "Basic (RFC 7617): curl --basic", b + "/basic",
                  ["--basic", "-u", "Aladdin:open sesame"], 200, "hello Aladdin via Basic")
        show_curl(f, "Basic, wrong password: 401 and a fresh challenge", b + "/basic",
                  ["--basic", "-u", "Aladdin:guess"], 401)
        show_curl(f, "Bearer (RFC 6750): no token, a plain challenge", b + "/bearer", [], 401)
        show_curl(f, "Bearer: curl --oauth2-bearer", b + "/bearer",
                  ["--oauth2-bearer", "mF_9.B5f-4.1JqM"], 200, "hello alice via Bearer")
        show_curl(f, "Bearer: an expired token gets error=\"invalid_token\"", b + "/bearer",
                  ["--oauth2-bearer", "expired"], 401)
        show_curl(f, "Bearer: a malformed token gets 400 invalid_request", b + "/bearer",
                  ["-H", "Authorization: Bearer not a token"], 400)
        rs = show_curl(f, "Digest (RFC 7616): curl --digest, 401 then 200 with Authentication-Info",
                       b + "/digest", ["--digest", "-u", "Mufasa:Circle of Life"], 200, "hello Mufasa via Digest")
        if rs:
            info = [v for (n, v) in rs[-1][1] if n.lower() == "authentication-info"]
            f.check(len(rs) == 2 and rs[0][0] == 401, "Digest: the first answer is a 401 challenge")
            f.check(len(info) == 1 and "rspauth=" in info[0], "Digest: Authentication-Info with rspauth")
        show_curl(f, "Digest, wrong password: 401 without stale", b + "/digest",
                  ["--digest", "-u", "Mufasa:guess"], 401)
        show_curl(f, "AWS SigV4: curl --aws-sigv4", b + "/aws/bucket/key",
                  ["--aws-sigv4", "aws:amz:us-east-1:s3", "-u",
                   "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"], 200, "hello alice via AWS4-HMAC-SHA256")
        show_curl(f, "AWS SigV4, wrong secret: 403 SignatureDoesNotMatch", b + "/aws/bucket/key",
                  ["--aws-sigv4", "aws:amz:us-east-1:s3", "-u", "AKIDEXAMPLE:wrong"], 403)
        show_curl(f, "One authenticator, every scheme: curl --anyauth picks Digest", b + "/any",
                  ["--anyauth", "-u", "Mufasa:Circle of Life"], 200, "via Digest")
        key = os.path.join(tmp, "device.pem")
        subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
        show_program(f, "HOBA (RFC 7486): register a key, then log in (library client)",
                     [hoba_client, b, key, "demo-device", "/hoba"], 0)
        show_program(f, "Mutual (RFC 8120): handshake, then two more requests in the session",
                     [mutual_client, b + "/mutual", "alice", "correct horse", "--requests", "2"], 0)
        show_program(f, "Mutual, wrong password: the server refuses at vkc",
                     [mutual_client, b + "/mutual", "alice", "wrong"], 1)
    print()
    f.finish()


if __name__ == "__main__":
    main()
