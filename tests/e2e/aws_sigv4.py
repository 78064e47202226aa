"""End to end: examples/aws_server (AWS SigV4 on cpp-httplib) driven by real clients:
curl --aws-sigv4, botocore's SigV4Auth / S3SigV4Auth / S3SigV4QueryAuth on an AWSRequest sent
with requests, a botocore S3 client (get_object, put_object, generate_presigned_url) against
endpoint_url, and an aws-chunked upload whose SigV4 seed and chunk signatures are computed here
with hashlib/hmac (an implementation independent of the library).

usage: aws_sigv4.py <path of aws_server>
"""
import datetime
import hashlib
import hmac
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Failures, curl  # noqa: E402

import requests  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.session  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TEMP_AKID, TEMP_SECRET, TEMP_TOKEN = "ASIATEMPEXAMPLE", "tempSecretEXAMPLE", "TOKENEXAMPLE"
REGION, SERVICE = "us-east-1", "s3"


def xml_code(body):
    a, b = body.find("<Code>"), body.find("</Code>")
    return body[a + 6:b] if a >= 0 and b > a else None


def send(req):
    """Sends a signed botocore AWSRequest with requests (headers exactly as signed)."""
    p = req.prepare()
    return requests.request(p.method, p.url, headers=dict(p.headers), data=p.body, timeout=10)


def signed(base, method, path, data=None, headers=None, creds=None, auth_cls=botocore.auth.S3SigV4Auth,
           service=SERVICE, region=REGION):
    creds = creds or botocore.credentials.Credentials(AKID, SECRET)
    req = AWSRequest(method=method, url=base + path, data=data, headers=headers or {})
    auth_cls(creds, service, region).add_auth(req)
    return req


class FixedUtc(datetime.datetime):
    when = None

    @classmethod
    def utcnow(cls):
        return cls.when


def presign_at(base, path, when, expires):
    """A presigned URL as S3SigV4QueryAuth makes it, with botocore's clock set to `when`."""
    saved = botocore.auth.datetime.datetime
    FixedUtc.when = when
    botocore.auth.datetime.datetime = FixedUtc
    try:
        req = AWSRequest(method="GET", url=base + path)
        botocore.auth.S3SigV4QueryAuth(botocore.credentials.Credentials(AKID, SECRET), SERVICE, REGION,
                                       expires=expires).add_auth(req)
        return req.prepare().url
    finally:
        botocore.auth.datetime.datetime = saved


def sigv4_key(secret, date, region, service):
    k = ("AWS4" + secret).encode()
    for m in (date, region, service, "aws4_request"):
        k = hmac.new(k, m.encode(), hashlib.sha256).digest()
    return k


def chunked_upload(base, data, chunk, tamper=None):
    """PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD, signed here by hand (seed + chunk chain)."""
    now = datetime.datetime.utcnow()
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = urllib.parse.urlsplit(base).netloc
    path = "/bucket/chunked.bin"
    scope = f"{day}/{REGION}/{SERVICE}/aws4_request"
    key = sigv4_key(SECRET, day, REGION, SERVICE)
    sizes = [len(data[i:i + chunk]) for i in range(0, len(data), chunk)] + [0]
    # Content-Length is left unsigned (S3 allows that), so that a tampered body can be sent.
    headers = {"content-encoding": "aws-chunked", "host": host,
               "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "x-amz-date": amz_date,
               "x-amz-decoded-content-length": str(len(data))}
    names = sorted(headers)
    creq = "\n".join(["PUT", path, "", "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names),
                      headers["x-amz-content-sha256"]])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    seed = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    empty = hashlib.sha256(b"").hexdigest()
    prev, out, off = seed, b"", 0
    for n in sizes:
        piece = data[off:off + n]
        off += n
        csts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty,
                          hashlib.sha256(piece).hexdigest()])
        prev = hmac.new(key, csts.encode(), hashlib.sha256).hexdigest()
        out += f"{n:x};chunk-signature={prev}\r\n".encode() + piece + b"\r\n"
    if tamper:
        out = tamper(out)
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={AKID}/{scope}, SignedHeaders={';'.join(names)}, "
                                f"Signature={seed}")
    del headers["host"]
    return requests.put(base + path, data=out, headers=headers, timeout=10)


def main():
    server_bin = sys.argv[1]
    f = Failures()
    with Server([server_bin]) as srv:
        base = srv.base

        # --- no credentials: 401 with the SigV4 challenge
        r = requests.get(base + "/bucket/key.txt", timeout=10)
        f.check(r.status_code == 401, f"unsigned GET is 401 (got {r.status_code})")
        f.check(r.headers.get("WWW-Authenticate") ==
                'AWS4-HMAC-SHA256 realm="aws example", region="us-east-1", service="s3"',
                f"challenge names realm, region and service: {r.headers.get('WWW-Authenticate')}")

        # --- curl --aws-sigv4 (curl 7.75+)
        user = f"{AKID}:{SECRET}"
        out = curl("--aws-sigv4", "aws:amz:us-east-1:s3", "--user", user, base + "/bucket/key.txt?list-type=2")
        f.check(" 200 " in out.stdout.split("\r\n")[0] and "hello alice /bucket/key.txt" in out.stdout,
                f"curl --aws-sigv4 GET is 200: {out.stdout[:200]!r} {out.stderr}")
        out = curl("--aws-sigv4", "aws:amz:us-east-1:s3", "--user", user, "-X", "PUT",
                   "--data-binary", "hello body", base + "/bucket/up.txt")
        f.check(" 200 " in out.stdout.split("\r\n")[0] and "x-stored-bytes: 10" in out.stdout,
                f"curl --aws-sigv4 PUT is 200: {out.stdout[:200]!r}")
        out = curl("--aws-sigv4", "aws:amz:us-east-1:s3", "--user", f"{AKID}:wrong", base + "/bucket/key.txt")
        f.check(" 403 " in out.stdout.split("\r\n")[0] and "<Code>SignatureDoesNotMatch</Code>" in out.stdout,
                f"curl with a wrong secret is 403 SignatureDoesNotMatch: {out.stdout[:300]!r}")
        out = curl("--aws-sigv4", "aws:amz:us-east-1:s3", "--user", f"NOSUCHKEY:{SECRET}", base + "/bucket/key.txt")
        f.check(" 403 " in out.stdout.split("\r\n")[0] and "<Code>InvalidAccessKeyId</Code>" in out.stdout,
                f"curl with an unknown key is 403 InvalidAccessKeyId: {out.stdout[:300]!r}")
        out = curl("--aws-sigv4", "aws:amz:eu-west-1:s3", "--user", user, base + "/bucket/key.txt")
        f.check(" 400 " in out.stdout.split("\r\n")[0] and "<Code>AuthorizationHeaderMalformed</Code>" in out.stdout,
                f"curl with another region is 400 AuthorizationHeaderMalformed: {out.stdout[:300]!r}")

        # --- botocore S3SigV4Auth / SigV4Auth on an AWSRequest, sent with requests
        r = send(signed(base, "GET", "/bucket/obj.txt"))
        f.check(r.status_code == 200 and r.text == "hello alice /bucket/obj.txt\n",
                f"S3SigV4Auth GET is 200: {r.status_code} {r.text!r}")
        r = send(signed(base, "PUT", "/bucket/obj.txt", data=b"some data", headers={"x-amz-meta-color": "blue"}))
        f.check(r.status_code == 200 and r.headers.get("x-stored-bytes") == "9",
                f"S3SigV4Auth PUT is 200: {r.status_code} {r.text!r}")
        # (no dot segments: requests/urllib3 would remove them after signing)
        r = send(signed(base, "GET", "/bucket/a%20b//c~d.txt?prefix=x%2Fy&max-keys=2&empty="))
        f.check(r.status_code == 200, f"S3SigV4Auth GET with an odd path and query is 200: {r.status_code} {r.text!r}")
        # SigV4Auth (not S3): the path is normalized and encoded twice; the server accepts service s3 only,
        # so sign for s3 with the generic signer and a path that normalization leaves alone.
        r = send(signed(base, "GET", "/bucket/plain.txt", auth_cls=botocore.auth.SigV4Auth))
        f.check(r.status_code == 200, f"SigV4Auth GET is 200: {r.status_code} {r.text!r}")

        # tampered: body after signing
        req = signed(base, "PUT", "/bucket/obj.txt", data=b"original")
        req.data = b"tampered"
        r = send(req)
        f.check(r.status_code == 400 and xml_code(r.text) == "XAmzContentSHA256Mismatch",
                f"tampered body is 400 XAmzContentSHA256Mismatch: {r.status_code} {r.text!r}")
        # tampered: a signed header changed
        req = signed(base, "PUT", "/bucket/obj.txt", data=b"x", headers={"x-amz-meta-color": "blue"})
        req.headers.replace_header("x-amz-meta-color", "red")
        r = send(req)
        f.check(r.status_code == 403 and xml_code(r.text) == "SignatureDoesNotMatch",
                f"tampered header is 403 SignatureDoesNotMatch: {r.status_code} {r.text!r}")
        # tampered: another path
        req = signed(base, "GET", "/bucket/obj.txt")
        req.url = base + "/bucket/other.txt"
        r = send(req)
        f.check(r.status_code == 403 and xml_code(r.text) == "SignatureDoesNotMatch",
                f"tampered path is 403 SignatureDoesNotMatch: {r.status_code} {r.text!r}")
        # an x-amz-* header added after signing
        req = signed(base, "GET", "/bucket/obj.txt")
        req.headers["x-amz-meta-evil"] = "1"
        r = send(req)
        f.check(r.status_code == 403 and xml_code(r.text) == "AccessDenied",
                f"unsigned x-amz header is 403 AccessDenied: {r.status_code} {r.text!r}")

        # session credentials
        temp = botocore.credentials.Credentials(TEMP_AKID, TEMP_SECRET, TEMP_TOKEN)
        r = send(signed(base, "GET", "/bucket/t.txt", creds=temp))
        f.check(r.status_code == 200 and "hello temp" in r.text, f"session token GET is 200: {r.status_code} {r.text!r}")
        wrong = botocore.credentials.Credentials(TEMP_AKID, TEMP_SECRET, "OTHERTOKEN")
        r = send(signed(base, "GET", "/bucket/t.txt", creds=wrong))
        f.check(r.status_code == 403 and xml_code(r.text) == "InvalidToken",
                f"wrong session token is 403 InvalidToken: {r.status_code} {r.text!r}")

        # --- presigned URLs: S3SigV4QueryAuth
        now = datetime.datetime.utcnow()
        url = presign_at(base, "/bucket/p.txt", now, 60)
        r = requests.get(url, timeout=10)
        f.check(r.status_code == 200 and r.text == "hello alice /bucket/p.txt\n",
                f"presigned GET is 200: {r.status_code} {r.text!r}")
        r = requests.get(url.replace("/bucket/p.txt", "/bucket/q.txt"), timeout=10)
        f.check(r.status_code == 403 and xml_code(r.text) == "SignatureDoesNotMatch",
                f"presigned URL for another key is 403: {r.status_code} {r.text!r}")
        url_old = presign_at(base, "/bucket/p.txt", now - datetime.timedelta(seconds=600), 60)
        r = requests.get(url_old, timeout=10)
        f.check(r.status_code == 403 and xml_code(r.text) == "AccessDenied",
                f"expired presigned URL is 403 AccessDenied: {r.status_code} {r.text!r}")
        r = requests.get(url + "&X-Amz-Expires=60", timeout=10)
        f.check(r.status_code == 400 and xml_code(r.text) == "AuthorizationQueryParametersError",
                f"a repeated presigned parameter is 400: {r.status_code} {r.text!r}")
        hdr = signed(base, "GET", "/bucket/p.txt")
        r = requests.get(url, headers={"Authorization": hdr.headers["Authorization"]}, timeout=10)
        f.check(r.status_code == 400, f"header and query forms together are 400: {r.status_code} {r.text!r}")

        # --- a botocore S3 client against endpoint_url
        session = botocore.session.get_session()
        client = session.create_client("s3", region_name=REGION, endpoint_url=base, aws_access_key_id=AKID,
                                       aws_secret_access_key=SECRET,
                                       config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                                     retries={"max_attempts": 1}))
        resp = client.get_object(Bucket="bucket", Key="from-client.txt")
        f.check(resp["Body"].read() == b"hello alice /bucket/from-client.txt\n", "client.get_object is allowed")
        resp = client.put_object(Bucket="bucket", Key="k.txt", Body=b"0123456789")
        f.check(resp["ResponseMetadata"]["HTTPStatusCode"] == 200, "client.put_object is allowed")
        url = client.generate_presigned_url("get_object", Params={"Bucket": "bucket", "Key": "gp.txt"}, ExpiresIn=60)
        r = requests.get(url, timeout=10)
        f.check(r.status_code == 200 and "hello alice /bucket/gp.txt" in r.text,
                f"generate_presigned_url GET is 200: {r.status_code} {r.text!r}")
        bad = session.create_client("s3", region_name=REGION, endpoint_url=base, aws_access_key_id=AKID,
                                    aws_secret_access_key="not-the-secret",
                                    config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                                  retries={"max_attempts": 1}))
        try:
            bad.get_object(Bucket="bucket", Key="x.txt")
            f.check(False, "a client with a wrong secret is refused")
        except ClientError as e:
            f.check(e.response["Error"]["Code"] == "SignatureDoesNotMatch" and
                    e.response["ResponseMetadata"]["HTTPStatusCode"] == 403,
                    f"botocore reads SignatureDoesNotMatch / 403: {e.response['Error']}")

        # --- aws-chunked upload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), signed here by hand
        data = bytes(range(256)) * 300
        r = chunked_upload(base, data, 8192)
        f.check(r.status_code == 200 and r.headers.get("x-stored-bytes") == str(len(data)),
                f"signed chunked upload is 200: {r.status_code} {r.text!r}")

        def flip(b):
            i = b.find(b"\r\n") + 2 + 100
            return b[:i] + bytes([b[i] ^ 1]) + b[i + 1:]
        r = chunked_upload(base, data, 8192, tamper=flip)
        f.check(r.status_code == 403 and xml_code(r.text) == "SignatureDoesNotMatch",
                f"tampered chunk is 403 SignatureDoesNotMatch: {r.status_code} {r.text!r}")

        def drop_final(b):
            return b[:b.rfind(b"0;chunk-signature=")]
        r = chunked_upload(base, data, 8192, tamper=drop_final)
        f.check(r.status_code == 400 and xml_code(r.text) == "IncompleteBody",
                f"missing final chunk is 400 IncompleteBody: {r.status_code} {r.text!r}")
    f.finish()


if __name__ == "__main__":
    main()
