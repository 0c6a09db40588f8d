#!/usr/bin/env bash
# Runs every fuzz target of every module in modules.txt for FUZZTIME each
# (default 30s). Not part of `make test`, which runs only the committed seed
# corpora (testdata/fuzz) as regular tests. New crashers land in the
# package's testdata/fuzz and should be committed with the fix.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
FUZZTIME=${FUZZTIME:-30s}
mapfile -t modules < <(grep -vE '^\s*(#|$)' modules.txt)
for m in "${modules[@]}"; do
  (
    cd "$root/$m"
    for pkg in $(go list ./...); do
      dir=$(go list -f '{{.Dir}}' "$pkg")
      for target in $(grep -h '^func Fuzz' "$dir"/*_test.go 2>/dev/null | sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' | sort -u); do
        echo "==> $pkg $target ($FUZZTIME)"
        go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
      done
    done
  )
done
