# envtrace — run `make help` for the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin/envtrace
ADDR ?= 127.0.0.1:8080

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## Build the envtrace binary into bin/
	$(GO) build -o $(BIN) ./cmd/envtrace

demo: build ## Serve the embedded central-Taiwan fixture in memory (no database)
	$(BIN) serve --addr $(ADDR)

test: ## Run every test (installs PostGIS and creates a throwaway database when needed)
	@url=$$(.ci/testdb) || { echo "make test: could not prepare PostGIS" >&2; exit 1; }; \
	ENVTRACE_TEST_DATABASE_URL=$$url $(GO) test -race -count=1 -timeout 25m ./...

fuzz: ## Run every fuzz target briefly (FUZZTIME each, default 10s)
	.ci/fuzz

bench: ## Run the benchmarks (each prints its ratio against its baseline)
	$(GO) test -run '^$$' -bench . -benchmem ./...

# golangci-lint is pinned and fetched through the Go module proxy on first
# use (a few minutes, then cached), so a fresh machine needs only Go.
GOLANGCI_LINT ?= $(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

lint: ## gofmt, go vet and golangci-lint (configuration in .golangci.yml)
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GOLANGCI_LINT) run ./...

.PHONY: help build demo test fuzz bench lint
