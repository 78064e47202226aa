"""`authwire verify` with the AWS SigV4 plug-in: requests signed by botocore (S3SigV4Auth at a
fixed time) replayed through the tool; statuses and reasons checked, and the typed reading of
`authwire credentials`.

usage: aws_sigv4_cli.py <path of the authwire tool>
"""
import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failures  # noqa: E402

import botocore.auth  # noqa: E402
import botocore.credentials  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402


class Fixed(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return datetime.datetime(2015, 8, 30, 12, 36, 0)


def main():
    tool = sys.argv[1]
    f = Failures()
    botocore.auth.datetime.datetime = Fixed
    req = AWSRequest(method="PUT", url="http://example.org/bucket/key?x=1", data=b"body",
                     headers={"x-amz-meta-a": "1"})
    botocore.auth.S3SigV4Auth(botocore.credentials.Credentials("AKIDEXAMPLE", "SECRET"), "s3",
                              "us-east-1").add_auth(req)
    p = req.prepare()
    hdrs = [["Host", "example.org"]] + [[k, v] for k, v in p.headers.items()]
    body = "Ym9keQ=="  # "body"
    server = {"now": 1440938160, "realm": "r", "schemes": ["AWS4-HMAC-SHA256"],
              "aws": {"credentials": [{"access_key": "AKIDEXAMPLE", "secret": "SECRET", "identity": "alice"}],
                      "region": "us-east-1", "service": "s3", "max_skew": 900}}

    def line(i, target="/bucket/key?x=1", headers=hdrs, b64=body, **srv):
        return {"id": i, "request": {"method": "PUT", "target": target, "headers": headers, "body_b64": b64},
                "server": dict(server, **srv)}
    lines = [line("ok"), line("tampered-query", target="/bucket/key?x=2"),
             line("tampered-body", b64="Qk9EWQ=="),
             line("late", now=1440938160 + 901),
             line("other-region", aws=dict(server["aws"], region="eu-west-1")),
             line("unsigned", headers=[["Host", "example.org"]])]
    out = subprocess.run([tool, "verify"], input="\n".join(json.dumps(x) for x in lines),
                         capture_output=True, text=True, timeout=30)
    f.check(out.returncode == 0, f"verify exits 0: {out.returncode} {out.stderr}")
    got = {}
    for l in out.stdout.splitlines():
        j = json.loads(l)
        got[j["id"]] = j
    want = {"ok": (200, None), "tampered-query": (403, "signature_mismatch"),
            "tampered-body": (400, "payload_hash_mismatch"), "late": (403, "request_time_too_skewed"),
            "other-region": (400, "region_not_accepted"), "unsigned": (401, "no_credentials")}
    for k, (status, reason) in want.items():
        j = got.get(k, {})
        f.check(j.get("status") == status and j.get("reason") == reason,
                f"{k}: status {status} reason {reason}, got {j}")
    f.check(got.get("ok", {}).get("identity") == "alice", "identity is the configured one")
    f.check(got.get("unsigned", {}).get("headers") ==
            [["WWW-Authenticate", 'AWS4-HMAC-SHA256 realm="r", region="us-east-1", service="s3"']],
            f"the 401 carries the SigV4 challenge: {got.get('unsigned')}")
    out = subprocess.run([tool, "credentials", p.headers["Authorization"]], capture_output=True, text=True, timeout=30)
    typed = json.loads(out.stdout).get("typed", {})
    names = typed.get("signed_headers", [])
    f.check(typed.get("access_key") == "AKIDEXAMPLE" and typed.get("service") == "s3" and
            "host" in names and "x-amz-meta-a" in names and names == sorted(names),
            f"typed reading: {out.stdout}")
    f.finish()


if __name__ == "__main__":
    main()
