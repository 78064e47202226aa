"""Shared helpers for the end-to-end tests: start an example server on 127.0.0.1 on a free
port, wait until it listens, and stop it. Every example server prints one line
`listening http://127.0.0.1:<port>` on stdout once it accepts connections."""
import os
import re
import signal
import subprocess
import sys
import time


class Server:
    def __init__(self, argv, env=None, timeout=20.0):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=sys.stderr,
                                     text=True, env=env)
        deadline = time.time() + timeout
        self.base = None
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = re.search(r"listening (http://127\.0\.0\.1:\d+)", line)
            if m:
                self.base = m.group(1)
                break
        if self.base is None:
            self.stop()
            raise RuntimeError(f"server {argv[0]} did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def curl(*args):
    """Runs curl with -s and -i-like output; returns (status, headers list, body).
    Follows every exchange with -v so that intermediate 401s are visible in `trace`."""
    out = subprocess.run(["curl", "-s", "-S", "-D", "-", "--max-time", "10", *args],
                         capture_output=True, text=True)
    return out


class Failures:
    """Collects check results and prints a closing line that CTest logs show."""
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}", flush=True)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)
