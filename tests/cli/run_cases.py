#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs cases of tests/cli/cases.json against a built `authwire` tool and compares its output
line by line, byte for byte.

A case: {"name", "args": [str | {"b64": ...}], "stdin": str | "stdin_b64": str |
"stdin_json": [a document, or a raw line as a string, per input line],
"stdout": [expected JSON documents] | "stdout_prefix": str, "exit": int}.
Each expected document is serialized compactly, keys in the order written in cases.json,
so the comparison checks key order and escaping exactly as the tool must print them.

usage: run_cases.py TOOL CASES_JSON CASE_NAME
"""
import base64
import json
import subprocess
import sys


def arg_bytes(a):
    if isinstance(a, dict):
        return base64.b64decode(a["b64"], validate=True)
    return a.encode("utf-8")


def main():
    tool, cases_path, name = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(cases_path, encoding="utf-8") as f:
        cases = {c["name"]: c for c in json.load(f)}
    case = cases[name]
    argv = [tool.encode()] + [arg_bytes(a) for a in case.get("args", [])]
    if "stdin_b64" in case:
        stdin = base64.b64decode(case["stdin_b64"], validate=True)
    elif "stdin_json" in case:
        lines = [x if isinstance(x, str) else json.dumps(x) for x in case["stdin_json"]]
        stdin = "".join(line + "\n" for line in lines).encode("utf-8")
    else:
        stdin = case.get("stdin", "").encode("utf-8")
    p = subprocess.run(argv, input=stdin, capture_output=True, timeout=60)
    out = p.stdout.decode("utf-8", errors="strict")
    failures = []
    if p.returncode != case["exit"]:
        failures.append(f"exit status {p.returncode}, expected {case['exit']}")
    if "stdout_prefix" in case:
        if not out.startswith(case["stdout_prefix"]):
            failures.append(f"stdout does not start with {case['stdout_prefix']!r}:\n{out}")
    else:
        want = [json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in case["stdout"]]
        got = out.split("\n")
        if got and got[-1] == "":
            got.pop()
        else:
            failures.append("stdout does not end with a newline")
        for i in range(max(len(want), len(got))):
            w = want[i] if i < len(want) else "<nothing>"
            g = got[i] if i < len(got) else "<nothing>"
            if w != g:
                failures.append(f"line {i + 1}:\n  expected {w}\n  got      {g}")
        for line in got:
            try:
                json.loads(line)
            except ValueError as e:
                failures.append(f"not valid JSON ({e}): {line}")
    if failures:
        print(f"FAIL {name}")
        for f in failures:
            print(f)
        if p.stderr:
            print("stderr:", p.stderr.decode("utf-8", "replace"))
        return 1
    print(f"ok {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
