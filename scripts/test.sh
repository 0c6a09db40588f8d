#!/usr/bin/env bash
# The one test command: for every module in modules.txt it checks gofmt, runs
# go vet, staticcheck (pinned, fetched through the module proxy) and
# go test -race. It stops at the first failure and exits non-zero.
#
# Environment:
#   GOTEST_FLAGS  extra flags for go test (for example -count=1 -v). Not a
#                 LIVEDICT_ name: the config package treats unknown LIVEDICT_
#                 variables as typos, and the CLI's tests would see it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

STATICCHECK=honnef.co/go/tools/cmd/staticcheck@v0.8.2

mapfile -t modules < <(grep -vE '^\s*(#|$)' modules.txt)

for m in "${modules[@]}"; do
  echo "==> module $m"
  (
    cd "$root/$m"
    unformatted=$(gofmt -l .)
    if [ -n "$unformatted" ]; then
      echo "gofmt would change:"; echo "$unformatted"; exit 1
    fi
    go vet ./...
    go run "$STATICCHECK" ./...
    # shellcheck disable=SC2086
    go test -race -timeout 12m ${GOTEST_FLAGS:-} ./...
  )
done
echo "all modules passed"
