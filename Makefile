# Every target here is a thin wrapper; scripts/ hold the logic.
.PHONY: test quickstart fuzz bench bench-compare work

test: ## gofmt, go vet, staticcheck and go test -race over every module
	./scripts/test.sh

quickstart: ## run the quick start example (persists to SQLite under the temp dir)
	go -C examples run ./quickstart

fuzz: ## every fuzz target of every module, FUZZTIME each (default 30s); not part of test
	./scripts/fuzz.sh

bench: ## root package benchmarks, 10 runs each (read them with benchstat)
	go test -run '^$$' -bench . -count=10 . | tee bench-root.txt

bench-compare: ## side-by-side benchmarks against other Go caches
	cd bench && go test -run '^$$' -bench . -count=10 -timeout 3h . | tee ../bench-compare.txt

work: ## create a go.work over every module (not committed)
	go work init $$(grep -vE '^\s*(#|$$)' modules.txt)
