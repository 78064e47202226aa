#!/usr/bin/env bash
# Runs every libFuzzer target of the `fuzz` preset for SECONDS each (default 60), two at a
# time, starting from the committed seed corpus. AUTHWIRE_FUZZ_BUILD names the build directory
# (absolute, or relative to the source tree; default build/fuzz); AUTHWIRE_FUZZ_JOBS how many
# targets run at once (default 2). New inputs go to a scratch corpus under the build directory;
# a crash leaves its reproducer there and fails the run. Add a reproducer to
# fuzz/corpus/<name>/ so that the replay test (an ordinary CTest test) keeps it fixed.
# Wall time is about ceil(targets / jobs) * SECONDS.
set -euo pipefail
seconds=${1:-60}
jobs=${AUTHWIRE_FUZZ_JOBS:-2}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${AUTHWIRE_FUZZ_BUILD:-build/fuzz}
case $build in /*) ;; *) build=$top/$build ;; esac
bin=$build/fuzz
work=$build/work
mkdir -p "$work"
status=0
pids=()
names=()
run_one() {
  local exe=$1 short=${1##*/fuzz_}
  local corpus=$work/$short
  mkdir -p "$corpus" "$work/artifacts-$short"
  local dict=()
  [ -f "$top/fuzz/$short.dict" ] && dict=(-dict="$top/fuzz/$short.dict")
  [ -f "$top/fuzz/grammar.dict" ] && [ ${#dict[@]} -eq 0 ] && dict=(-dict="$top/fuzz/grammar.dict")
  "$exe" "$corpus" "$top/fuzz/corpus/$short" "${dict[@]}" -max_total_time="$seconds" -max_len=4096 \
    -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/artifacts-$short/" -print_final_stats=1 \
    >"$work/$short.log" 2>&1
}
for exe in "$bin"/fuzz_*; do
  [ -x "$exe" ] || continue
  run_one "$exe" &
  pids+=($!)
  names+=("${exe##*/}")
  if [ ${#pids[@]} -ge "$jobs" ]; then
    if ! wait "${pids[0]}"; then echo "FUZZ FAILURE: ${names[0]} (see $work)"; status=1; fi
    pids=("${pids[@]:1}"); names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then echo "FUZZ FAILURE: ${names[$i]} (see $work)"; status=1; fi
done
for log in "$work"/*.log; do
  printf '%s: %s\n' "$(basename "$log" .log)" "$(grep -E 'stat::number_of_executed_units' "$log" | tail -1)"
done
echo "total: ${SECONDS}s"
exit $status
