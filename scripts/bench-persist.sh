#!/usr/bin/env bash
# The persistence figures of docs/benchmarks.md: the layer pipeline, the
# Store's Set with and without persistence, and each backend. Results go to
# $OUT (default ./bench-out), one file per module; read them with benchstat.
# COUNT (default 10) runs each benchmark that many times; the backend
# benchmarks do real fsyncs and take a few minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$root/bench-out}
COUNT=${COUNT:-10}
mkdir -p "$OUT"
cd "$root"
go test -run '^$' -bench 'Pipeline' -count "$COUNT" ./layer/ | tee "$OUT/layer.txt"
go test -run '^$' -bench 'PersistSet' -count "$COUNT" . | tee "$OUT/persist.txt"
for m in sqlite badger fs redis; do
  (cd "store/$m" && go test -run '^$' -bench . -count "$COUNT" . | tee "$OUT/$m.txt")
done
