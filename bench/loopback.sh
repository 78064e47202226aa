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
# their check in-process (MHD: get_username + check2; authwire: authenticate) and print it; a
# fifth run (httplib_timed, not in the table) times authwire's stateless digest::handler::check
# alone in the same server (parse, nonce MAC, offer checks, response: no replay store, no
# Authentication-Info), the closest match to what MHD_digest_auth_check2 does. Two more runs
# (httplib_norsp, httplib_noinfo; LOOPBACK_VARIANTS=0 skips them) serve with
# options::send_rspauth = false and with options::send_authentication_info = false (libmicrohttpd
# sends no Authentication-Info); their authenticate() medians are printed after the table.
#
# Builds nothing: the programs come from CMake (-DAUTHWIRE_BUILD_BENCH=ON; targets
# mhd_digest_server, loopback_httplib_server, loopback_client). Servers bind 127.0.0.1 on free
# ports and are stopped at the end.
#
# Usage: bench/loopback.sh [build dir]   (default build/peers or $AUTHWIRE_BUILD)
#   LOOPBACK_SECONDS (5), LOOPBACK_CONNECTIONS (4), LOOPBACK_ROUNDS (1), LOOPBACK_VARIANTS (1)
#   With wrk installed, the baselines are also measured with wrk (as a check that the client
#   is not the bottleneck).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${AUTHWIRE_BUILD:-$here/../build/peers}}/bench
seconds=${LOOPBACK_SECONDS:-5}
conns=${LOOPBACK_CONNECTIONS:-4}
rounds=${LOOPBACK_ROUNDS:-1}
variants=${LOOPBACK_VARIANTS:-1}
for p in mhd_digest_server loopback_httplib_server loopback_client; do
  [ -x "$build/$p" ] || { echo "loopback.sh: $build/$p not built (cmake --build ... --target $p)" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
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
  # Emptied here, not by the redirection below: that one runs in the background child, and the
  # wait loop could otherwise read the previous server's "listening" line (and its port).
  : >"$tmp/out"
  : >"$tmp/err"
  "$@" >>"$tmp/out" 2>>"$tmp/err" &
  pid=$!
  i=0
  while ! grep -q listening "$tmp/out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "loopback.sh: $name did not start" >&2; cat "$tmp/err" >&2; exit 1; }
    sleep 0.1
  done
  port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/out")
  res=$("$build/loopback_client" --port "$port" --seconds "$seconds" --connections "$conns" $cflags || true)
  # server CPU time (user + system) so far, per answered request of our client
  ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  wrk_rps=-
  if [ "$cflags" = --noauth ] && command -v wrk >/dev/null; then
    wrk_rps=$(wrk -t2 -c"$conns" -d"${seconds}s" "http://127.0.0.1:$port/" 2>/dev/null | awk '/Requests\/sec/ { printf "%.0f", $2 }')
  fi
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=
  check=$(awk '/^check_ns/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print v["median"], v["mean"], v["count"] }' "$tmp/err")
  cpu=$(echo "$res" | awk -v t="$ticks" -v hz="$hz" '{ printf "%.2f", ($4 > 0 ? t / hz * 1e6 / $4 : 0) }')
  echo "$name round $r $res check ${check:-0 0 0} cpu_us $cpu wrk ${wrk_rps:--}" | tee -a "$tmp/results" >&2
  stateless=$(awk '/^stateless_ns/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print v["median"] }' "$tmp/err")
  [ -n "$stateless" ] && echo "stateless $stateless" >>"$tmp/stateless"
  true
}

for r in $(seq "$rounds"); do
  run mhd_noauth --noauth "$build/mhd_digest_server" --noauth
  run mhd_digest "" "$build/mhd_digest_server"
  run httplib_noauth --noauth "$build/loopback_httplib_server" --noauth
  run httplib_digest "" "$build/loopback_httplib_server"
  run httplib_timed "" "$build/loopback_httplib_server" --time-check
  if [ "$variants" = 1 ]; then
    run httplib_norsp "" "$build/loopback_httplib_server" --no-rspauth
    run httplib_noinfo "" "$build/loopback_httplib_server" --no-info
  fi
done

echo
echo "loopback: $conns connections, ${seconds}s per run, $rounds round(s); medians over the rounds"
echo "x base: rps / rps of the same server without authentication in the same round"
echo "srv us/req: server CPU (user+sys) per request; auth us/req: that minus the baseline's"
awk '
  function med(a, c,   i, j, t) {
    for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
  }
  # name round R rps X ok N refused N seconds S check MED MEAN COUNT cpu_us C wrk W
  { n = $1; r = $3; rps[n, r] = $5; bad[n] += $9; cm[n, r] = $13; cpu[n, r] = $17; wrk[n, r] = $19; rounds[r] = 1; seen[n] = 1 }
  END {
    printf "%-16s %9s %8s %8s %11s %12s %12s %9s\n", "server", "rps", "x base", "refused", "srv us/req", "auth us/req", "check med ns", "wrk rps"
    split("mhd_noauth mhd_digest httplib_noauth httplib_digest", order, " ")
    for (i = 1; i <= 4; i++) {
      n = order[i]; if (!(n in seen)) continue
      b = n; sub(/_digest$/, "_noauth", b)
      c = 0; delete A; delete R; delete C; delete D; delete K; delete W
      for (r in rounds) {
        c++; A[c] = rps[n, r]; R[c] = rps[n, r] / rps[b, r]; C[c] = cpu[n, r]; D[c] = cpu[n, r] - cpu[b, r]
        K[c] = cm[n, r]; W[c] = wrk[n, r]
      }
      w = n ~ /_noauth$/ && W[1] != "-" ? sprintf("%.0f", med(W, c)) : "-"
      printf "%-16s %9.0f %8.3f %8d %11.2f %12.2f %12.0f %9s\n", n, med(A, c), med(R, c), bad[n], med(C, c), med(D, c), med(K, c), w
      if (n ~ /_digest$/) { checkmed[n] = med(K, c); added[n] = med(D, c) }
    }
    if (checkmed["httplib_digest"] > 0 && added["httplib_digest"] > 0) {
      printf "\nlibmicrohttpd / authwire, Digest check median in-process time: %.2f\n", checkmed["mhd_digest"] / checkmed["httplib_digest"]
      printf "libmicrohttpd / authwire, server CPU added by Digest per request: %.2f\n", added["mhd_digest"] / added["httplib_digest"]
    }
  }' "$tmp/results"
if [ -s "$tmp/stateless" ]; then
  awk -v mhd="$(awk '$1 == "mhd_digest" { print $13 }' "$tmp/results" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" '
    { a[NR] = $2 } END {
      n = NR
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      m = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
      printf "authwire digest::handler::check alone, median in-process time: %d ns; libmicrohttpd / authwire check = %.2f\n", m, mhd / m
    }' "$tmp/stateless"
fi
# authenticate() medians of the variants (per run: median; here: the median over the rounds)
for v in httplib_norsp httplib_noinfo; do
  awk -v n="$v" -v mhd="$(awk '$1 == "mhd_digest" { print $13 }' "$tmp/results" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" '
    $1 == n { a[++c] = $13; r[c] = $5 } END {
      if (!c) exit
      for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      m = c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
      what = n == "httplib_norsp" ? "send_rspauth = false" : "send_authentication_info = false"
      printf "authwire authenticate() with %s, median in-process time: %d ns; libmicrohttpd / authwire = %.2f\n", what, m, mhd / m
    }' "$tmp/results"
done
