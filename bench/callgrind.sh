#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Exact instruction counts per operation, for comparing changes on a noisy machine. Builds
# nothing: runs the driver bench/cg_ops.cpp (target cg_ops, built by CMake with
# -DAUTHWIRE_BUILD_BENCH=ON) under `valgrind --tool=callgrind --toggle-collect=cg_measure`, so
# that only the N timed operations are counted (inputs and one warm-up call are outside), and
# prints instructions (Ir) per operation. The hostile shapes print Ir per input byte at three
# sizes (elements, or bytes for the long value and token68): a constant column is linear time,
# independent of caches and machine load.
#
# Usage: bench/callgrind.sh [build dir]      (default: build/peers, or $AUTHWIRE_BUILD)
# Needs: valgrind (Debian package valgrind).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${AUTHWIRE_BUILD:-$here/../build/peers}}
cg=$build/bench/cg_ops
if [ ! -x "$cg" ]; then
  echo "callgrind.sh: $cg not found; build it: cmake --build $build --target cg_ops" >&2
  exit 1
fi
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not installed (apt-get install valgrind)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# ir <op> <iterations> [size]: instructions collected inside cg_measure
ir() {
  out=$tmp/cg.out
  rm -f "$out"
  valgrind --tool=callgrind --toggle-collect=cg_measure --callgrind-out-file="$out" \
    "$cg" "$@" >"$tmp/stdout" 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; return 1; }
  # "totals: <Ir>" (older valgrind: "summary: <Ir>")
  awk '/^(totals|summary):/ { print $2; exit }' "$out"
}

N=${CG_ITERATIONS:-1000}
ops=$("$cg" --list)
printf '%-26s %12s %14s\n' "operation (N=$N)" "Ir/op" "Ir total"
noop=0
for op in $ops; do
  case $op in hostile_*) continue ;; esac
  total=$(ir "$op" "$N")
  per=$(awk -v t="$total" -v n="$N" 'BEGIN { printf "%.0f", t / n }')
  [ "$op" = noop ] && noop=$per
  printf '%-26s %12s %14s\n' "$op" "$per" "$total"
done
echo "(noop = the driver's own cost per call, included in every row)"

echo
printf '%-22s %10s %10s %12s\n' "hostile shape" "elements" "bytes" "Ir/byte"
for op in hostile_params hostile_challenges hostile_escapes hostile_comma_list hostile_comma_params \
          hostile_quoted_value hostile_token68; do
  sizes="1024 16384 131072"
  case $op in hostile_quoted_value | hostile_token68) sizes="1024 32768 1048576" ;; esac
  for size in $sizes; do
    total=$(ir "$op" 3 "$size")
    bytes=$(awk '/^bytes/ { print $2 }' "$tmp/stdout")
    per=$(awk -v t="$total" -v b="$bytes" 'BEGIN { printf "%.2f", t / 3 / b }')
    printf '%-22s %10s %10s %12s\n' "${op#hostile_}" "$size" "$bytes" "$per"
  done
done
