#!/bin/sh
# SPDX-License-Identifier: MIT
#
# End to end over loopback: requests per second for the same Digest SHA-256 workload (GET /,
# qop=auth, a fresh nc per request, keep-alive connections) served by
#   mhd_digest      libmicrohttpd, MHD_digest_auth_check2(..., MHD_DIGEST_ALG_SHA256)
#   httplib_digest  cpp-httplib with authwire's Digest handler (authenticator::authenticate)
# each against the same server with no authentication at all (mhd_noauth, httplib_noauth: the
# baseline, measured in the same run, with the same client doing the same work). The ratio
# rps / baseline rps is the share of throughput left once Digest is on. The servers also time
# their check in-process (MHD: get_username + check2; authwire: authenticate) and print it.
#
# Builds nothing: the programs come from CMake (-DAUTHWIRE_BUILD_BENCH=ON; targets
# mhd_digest_server, loopback_httplib_server, loopback_client). Servers bind 127.0.0.1 on free
# ports and are stopped at the end.
#
# Usage: bench/loopback.sh [build dir]   (default build/peers or $AUTHWIRE_BUILD)
#   LOOPBACK_SECONDS (5), LOOPBACK_CONNECTIONS (4), LOOPBACK_ROUNDS (1)
#   With wrk installed, the baselines are also measured with wrk (as a check that the client
#   is not the bottleneck).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${AUTHWIRE_BUILD:-$here/../build/peers}}/bench
seconds=${LOOPBACK_SECONDS:-5}
conns=${LOOPBACK_CONNECTIONS:-4}
rounds=${LOOPBACK_ROUNDS:-1}
for p in mhd_digest_server loopback_httplib_server loopback_client; do
  [ -x "$build/$p" ] || { echo "loopback.sh: $build/$p not built (cmake --build ... --target $p)" >&2; exit 1; }
done

tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# run <name> <client flags> <server> [server flags]: one server, one client run; appends to results
run() {
  name=$1; cflags=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  i=0
  while ! grep -q listening "$tmp/out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "loopback.sh: $name did not start" >&2; cat "$tmp/err" >&2; exit 1; }
    sleep 0.1
  done
  port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/out")
  res=$("$build/loopback_client" --port "$port" --seconds "$seconds" --connections "$conns" $cflags || true)
  wrk_rps=-
  if [ "$cflags" = --noauth ] && command -v wrk >/dev/null; then
    wrk_rps=$(wrk -t2 -c"$conns" -d"${seconds}s" "http://127.0.0.1:$port/" 2>/dev/null | awk '/Requests\/sec/ { printf "%.0f", $2 }')
  fi
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=
  check=$(awk '/^check_ns/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print v["median"], v["mean"], v["count"] }' "$tmp/err")
  echo "$name $res check ${check:-- - -} wrk ${wrk_rps:--}" | tee -a "$tmp/results" >&2
}

for r in $(seq "$rounds"); do
  run mhd_noauth --noauth "$build/mhd_digest_server" --noauth
  run mhd_digest "" "$build/mhd_digest_server"
  run httplib_noauth --noauth "$build/loopback_httplib_server" --noauth
  run httplib_digest "" "$build/loopback_httplib_server"
done

echo
echo "loopback: $conns connections, ${seconds}s per run, $rounds round(s); rps = median over rounds"
awk '
  { n = $1; rps[n, ++k[n]] = $3; ok[n] += $5; bad[n] += $7; cm[n] = $11; cmean[n] = $12; wrk[n] = $NF }
  function med(n,   i, j, t, a, c) {
    c = k[n]; for (i = 1; i <= c; i++) a[i] = rps[n, i]
    for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
  }
  END {
    printf "%-16s %9s %9s %8s %12s %12s %9s\n", "server", "rps", "refused", "x base", "check med ns", "check mean", "wrk rps"
    split("mhd_noauth mhd_digest httplib_noauth httplib_digest", order, " ")
    for (i = 1; i <= 4; i++) {
      n = order[i]; if (!(n in k)) continue
      b = n; sub(/_digest$/, "_noauth", b)
      printf "%-16s %9.0f %9d %8.3f %12s %12s %9s\n", n, med(n), bad[n], med(n) / med(b), cm[n], cmean[n], wrk[n]
    }
    if (("mhd_digest" in k) && ("httplib_digest" in k) && cm["httplib_digest"] > 0)
      printf "\nDigest check, median in-process time: libmicrohttpd / authwire = %.2f\n", cm["mhd_digest"] / cm["httplib_digest"]
  }' "$tmp/results"
