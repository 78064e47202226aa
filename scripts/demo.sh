#!/usr/bin/env bash
# The quick-start demo. Installs missing Debian packages, builds what the demo needs with the
# "dev" preset (build/dev), then:
#   - when the example server examples/demo_server and its driver tests/e2e/demo.py exist:
#     starts the server through the driver (real HTTP clients against it);
#   - otherwise: runs the `authwire` tool on real headers from the RFCs and prints the results.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/deps.sh" >/dev/null
cd "$root"

py=/usr/bin/python3
echo "demo: configuring and building (build/dev) ..."
cmake --preset dev >/dev/null

if [ -f examples/demo_server.cpp ] && [ -f tests/e2e/demo.py ]; then
  cmake --build --preset dev --target demo_server hoba_client mutual_client authwire_cli >/dev/null
  exec env AUTHWIRE_CLI="$root/build/dev/tools/authwire" "$py" tests/e2e/demo.py "$root/build/dev/examples/demo_server"
fi

cmake --build --preset dev --target authwire_cli >/dev/null
tool="$root/build/dev/tools/authwire"

show() { "$py" "$root/scripts/show_cli.py"; }

run() {
  local title="$1"; shift
  echo
  echo "== $title"
  printf '$ authwire'
  printf " '%s'" "$@"
  echo
  local out
  out="$("$tool" "$@")" || true   # exit 1 is an expected answer for a broken header
  printf '%s\n' "$out" | show
}

echo
echo "authwire demo: the command-line tool on real headers (tools/authwire, see README.md)"

run "WWW-Authenticate with two challenges (RFC 9110 section 11.6.1)" \
  challenges 'Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"'

run "The same header sent as two field lines: one list" \
  challenges 'Newauth realm="apps", type=1, title="Login to \"apps\""' 'Basic realm="simple"'

run "Digest challenge (RFC 7616 section 3.9.1)" \
  challenges 'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'

digest_auth='Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
run "Digest Authorization (RFC 7616 section 3.9.1, SHA-256)" credentials "$digest_auth"

run "Basic Authorization (RFC 7617 section 2)" credentials 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='

run "Authentication-Info after a Digest login (RFC 7616 section 3.5)" \
  authentication-info 'rspauth="5a1bd9bb9f2e0d8b7b2a4c2e8d1f0e3a", cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc=00000001, qop=auth'

run "A broken header: the error names the code and the byte offset" \
  challenges 'Basic realm="simple", Digest realm="x, nonce=1'

echo
echo "== Server-side verification (authwire verify): the RFC 7616 section 3.9.1 request, the same"
echo "   request again (a replay), and RFC 7617 Basic credentials, right and wrong"
issued='Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
AUTH="$digest_auth" ISSUED="$issued" "$py" -c '
import json, os
def line(id, auth, schemes):
    headers = [["Host", "example.org"]] + ([["Authorization", auth]] if auth else [])
    print(json.dumps({"id": id, "request": {"method": "GET", "target": "/dir/index.html", "headers": headers},
        "server": {"now": 1700000000, "realm": "http-auth@example.org", "schemes": schemes,
                   "accounts": [{"user": "Mufasa", "password": "Circle of Life"},
                                {"user": "Aladdin", "password": "open sesame"}],
                   "digest": {"algorithms": ["SHA-256"], "qop": ["auth"], "issued": [os.environ["ISSUED"]]}}}))
line("no-credentials", None, ["Digest", "Basic"])
line("rfc7616-example", os.environ["AUTH"], ["Digest"])
line("replayed", os.environ["AUTH"], ["Digest"])
line("basic-rfc7617", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", ["Digest", "Basic"])
line("basic-wrong-password", "Basic QWxhZGRpbjpvcGVuIHNlc2FtRQ==", ["Digest", "Basic"])
' > "$tmp"
out="$("$tool" verify < "$tmp")" || true
printf '%s\n' "$out" | show
