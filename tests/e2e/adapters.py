"""End to end: the Boost.Beast and Poco example servers, driven by curl on 127.0.0.1.
Asserts the status codes and the authentication headers curl saw."""
import base64
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Failures, Server  # noqa: E402


def exchange(*args):
    """curl -i: returns (status of the last response, headers of it as [(name, value)], body)."""
    out = subprocess.run(["curl", "-s", "-S", "-i", "--max-time", "10", *args],
                         capture_output=True, text=True, check=True).stdout
    blocks = out.replace("\r\n", "\n").split("\n\n")
    # With --anyauth/--basic curl may print several responses; keep the last header block.
    heads = [b for b in blocks if b.startswith("HTTP/")]
    head = heads[-1].split("\n")
    status = int(head[0].split()[1])
    headers = [tuple(x.split(": ", 1)) for x in head[1:] if ": " in x]
    body = blocks[-1] if not blocks[-1].startswith("HTTP/") else ""
    return status, headers, body


def values(headers, name):
    return [v for (n, v) in headers if n.lower() == name.lower()]


f = Failures()
beast, poco = sys.argv[1], sys.argv[2]
good = "Basic " + base64.b64encode(b"alice:wonderland").decode()

with Server([beast]) as s:
    st, h, body = exchange(s.base + "/basic")
    f.check(st == 401, f"beast: no credentials -> 401 (got {st})")
    f.check(values(h, "WWW-Authenticate") == ['Basic realm="beast example", charset="UTF-8"'],
            f"beast: the Basic challenge ({values(h, 'WWW-Authenticate')})")
    f.check('"status":401' in body, "beast: RFC 9457 problem body")
    st, h, body = exchange("--basic", "-u", "alice:wonderland", s.base + "/basic")
    f.check(st == 200 and body.strip() == "hello alice", f"beast: curl --basic -> 200 ({st} {body!r})")
    st, h, _ = exchange("--anyauth", "-u", "alice:wonderland", s.base + "/basic")
    f.check(st == 200, f"beast: curl --anyauth -> 200 ({st})")
    st, h, _ = exchange("--basic", "-u", "alice:wrong", s.base + "/basic")
    f.check(st == 401, f"beast: wrong password -> 401 ({st})")
    st, h, _ = exchange(s.base + "/proxy")
    f.check(st == 407, f"beast proxy mode: no credentials -> 407 ({st})")
    f.check(values(h, "Proxy-Authenticate") == ['Basic realm="beast proxy", charset="UTF-8"'],
            f"beast proxy mode: Proxy-Authenticate ({values(h, 'Proxy-Authenticate')})")
    st, h, _ = exchange("-H", "Proxy-Authorization: " + good, s.base + "/proxy")
    f.check(st == 200, f"beast proxy mode: Proxy-Authorization -> 200 ({st})")
    st, h, body = exchange(s.base + "/public")
    f.check(st == 200 and body.strip() == "public", "beast: public path")

with Server([poco]) as s:
    st, h, body = exchange(s.base + "/basic")
    f.check(st == 401, f"poco: no credentials -> 401 ({st})")
    f.check(values(h, "WWW-Authenticate") == ['Basic realm="poco example", charset="UTF-8"'],
            f"poco: the Basic challenge ({values(h, 'WWW-Authenticate')})")
    st, h, body = exchange("--basic", "-u", "alice:wonderland", s.base + "/basic")
    f.check(st == 200 and body.strip() == "hello alice", f"poco: curl --basic -> 200 ({st} {body!r})")
    st, h, _ = exchange("--basic", "-u", "mallory:x", s.base + "/basic")
    f.check(st == 401, f"poco: unknown user -> 401 ({st})")
    st, h, body = exchange("--basic", "-u", "alice:wonderland", "--data-binary", "12345", s.base + "/upload")
    f.check(st == 200 and body.strip() == "alice uploaded 5 bytes", f"poco: body handler ({st} {body!r})")
    st, h, body = exchange(s.base + "/public")
    f.check(st == 200 and body.strip() == "public", "poco: public path")

f.finish()
