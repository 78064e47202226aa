#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Prints the JSON lines of the `authwire` tool (stdin) readably; used by scripts/demo.sh."""
import json
import sys


def val(v):
    if isinstance(v, dict):
        return "(bytes, base64) " + v["b64"]
    return json.dumps(v, ensure_ascii=False)


def raw(v):
    if v is None:
        return "-"
    if isinstance(v, dict):
        return "(bytes, base64) " + v["b64"]
    return str(v)


def params(ps, ind):
    for n, v in ps:
        print(f"{ind}{n} = {val(v)}")


def body(c, ind):
    if "token68" in c:
        print(f"{ind}token68 {c['token68']}")
    elif c.get("params"):
        params(c["params"], ind)
    elif "params" in c:
        print(f"{ind}(no parameters)")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        d = json.loads(line)
        if "error" in d and "id" not in d:
            e = d["error"]
            print(f"    error {e['code']} at byte {e['offset']}: {e['message']}")
        elif "challenges" in d:
            for i, c in enumerate(d["challenges"], 1):
                print(f"    challenge {i}: scheme {c['scheme']}")
                body(c, "        ")
        elif "credentials" in d:
            print(f"    credentials: scheme {d['credentials']['scheme']}")
            body(d["credentials"], "        ")
            if "typed" in d:
                print("    typed reading: " + json.dumps(d["typed"], ensure_ascii=False))
        elif "authentication_info" in d:
            params(d["authentication_info"], "    ")
        elif "error" in d:
            e = d["error"]
            print(f"    request {d['id']}: not handled: {e['code']}: {e['message']}")
        else:
            print(f"    request {d['id']}: {d['verdict']}, HTTP {d['status']}, scheme {raw(d['scheme'])}, "
                  f"identity {raw(d['identity'])}, reason {raw(d['reason'])}")
            for n, v in d["headers"]:
                print(f"        {n}: {raw(v)}")


if __name__ == "__main__":
    main()
