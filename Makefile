# Every target here is a thin wrapper; scripts/ hold the logic.
.PHONY: test quickstart bench bench-compare work

test: ## gofmt, go vet, staticcheck and go test -race over every module
	./scripts/test.sh

quickstart: ## run the quick start example
	go run ./examples/quickstart

bench: ## root package benchmarks, 10 runs each (read them with benchstat)
	go test -run '^$$' -bench . -count=10 . | tee bench-root.txt

bench-compare: ## side-by-side benchmarks against other Go caches
	cd bench && go test -run '^$$' -bench . -count=10 -timeout 3h . | tee ../bench-compare.txt

work: ## create a go.work over every module (not committed)
	go work init $$(grep -vE '^\s*(#|$$)' modules.txt)
