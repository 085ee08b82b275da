#!/usr/bin/env bash
# Fuzzes every target for SECONDS each (default 600), two at a time, and prints each
# target's figures. A target whose reader aborts the process (an allocation the 4 GiB
# cap refuses) is restarted until its time is used; the aborts are counted and the
# input that caused each is kept in fuzz/crashes/.
#   bash scripts/fuzz-all.sh [SECONDS]
set -uo pipefail
seconds=${1:-600}
cd "$(dirname "$0")/.."
cargo build --release --example fuzz >/dev/null
bin=${CARGO_TARGET_DIR:-target}/release/examples/fuzz
"$bin" seeds >/dev/null
fuzz_one() {
  local target=$1 left=$seconds aborts=0 started log
  log=$(mktemp)
  while [ "$left" -gt 0 ]; do
    started=$(date +%s)
    "$bin" run "$target" "$left" >>"$log" 2>"$log.err"
    status=$?
    if [ $status -ne 0 ] && [ $status -ne 1 ]; then
      aborts=$((aborts + 1))
      work=$(sed -n 's/.*work folder \(.*\)$/\1/p' "$log.err" | tail -1)
      mkdir -p fuzz/crashes
      for f in "$work"/*; do [ -f "$f" ] && cp "$f" "fuzz/crashes/$target-abort-$aborts-$(basename "$f")"; done
      rm -rf "$work"
    fi
    left=$((left - $(date +%s) + started))
    [ $status -eq 0 ] || [ $status -eq 1 ] && break
  done
  echo "$(grep -h "executions" "$log" | tail -1) [aborts: $aborts]"
  grep -h "PANIC\|HANG" "$log.err" | head -5
  rm -f "$log" "$log.err"
}
targets=(avro parquet csv json xlsx config discards)
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  fuzz_one "${targets[i]}" &
  [ $((i + 1)) -lt ${#targets[@]} ] && fuzz_one "${targets[i + 1]}" &
  wait
done
