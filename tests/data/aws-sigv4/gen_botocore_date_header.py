#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Writes botocore-date-header.json: requests signed by botocore (Debian python3-botocore) that
# carry a Date header, so botocore signs `date` and sends no X-Amz-Date (SigV4Auth
# _set_necessary_date_headers); the clock is pinned to 2015-08-30T12:36:00Z.
# Run: /usr/bin/python3 tests/data/aws-sigv4/gen_botocore_date_header.py > tests/data/aws-sigv4/botocore-date-header.json
import datetime
import json
from unittest import mock

import botocore
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
fixed = datetime.datetime(2015, 8, 30, 12, 36, 0)


class FixedDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return fixed

    @classmethod
    def now(cls, tz=None):
        return fixed.replace(tzinfo=tz) if tz else fixed


cases = []
for cls, service in ((S3SigV4Auth, "s3"), (SigV4Auth, "service")):
    req = AWSRequest(method="GET", url="https://example.amazonaws.com/test.txt?a=b",
                     headers={"Date": "placeholder", "Host": "example.amazonaws.com"})
    with mock.patch("botocore.auth.datetime.datetime", FixedDateTime):
        cls(creds, service, "us-east-1").add_auth(req)
    cases.append({"service": service, "method": "GET", "target": "/test.txt?a=b",
                  "headers": [[k, v] for k, v in req.headers.items()]})
print(json.dumps({"botocore": botocore.__version__, "time": 1440938160, "access_key": creds.access_key,
                  "secret": creds.secret_key, "region": "us-east-1", "cases": cases}, indent=1))
