# chatwasm — common tasks. `make help` lists them.

GO      ?= go
BIN     ?= bin/chatwasm
DB      ?= sqlite:chatwasm.db
ADDR    ?= 127.0.0.1:8080
BENCH   ?= .
PKGS    ?= ./...
# staticcheck is installed into bin/ at this pinned version, so that a fresh
# machine or CI lints with the same checks.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.DEFAULT_GOAL := build
.PHONY: help build test test-js web run bench lint

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## build the server and CLI into bin/chatwasm
	$(GO) build -o $(BIN) ./cmd/chatwasm

# TEST_JS tests the TypeScript client (clients/js) and checks that the web
# app's committed build (web/static/js) is what tsc makes of web/src and the
# client. It needs Node.js 20.10+ and npm (scripts/install-toolchains as
# installs them); without npm it skips, unless CI=true.
TEST_JS = if ! command -v npm >/dev/null; then \
		if [ "$$CI" = true ]; then echo "test-js: npm is not installed"; exit 1; fi; \
		echo "test-js: skipped: Node.js and npm are not installed"; exit 0; \
	fi; \
	rc=0; \
	echo "cd clients/js && npm ci && npm test"; \
	( cd clients/js && npm ci --no-audit --no-fund && npm test ) || rc=$$?; \
	echo "cd web && npm ci && npm test"; \
	( cd web && npm ci --no-audit --no-fund && npm test ) || rc=$$?; \
	exit $$rc

# test runs the JS client's tests even when go test failed, and fails if either did.
test: ## run every test: go test ./..., then the TypeScript client's (test-js)
	@rc=0; echo "$(GO) test $(PKGS)"; $(GO) test $(PKGS) || rc=$$?; \
	( $(TEST_JS) ) || rc=$$?; exit $$rc

test-js: ## test the TypeScript client (clients/js) against the real server; check web/static/js is built from web/src
	@$(TEST_JS)

web: ## rebuild the web app's committed scripts (web/static/js) from web/src and clients/js/src
	cd web && npm ci --no-audit --no-fund && npm run build

run: ## serve on SQLite (DB=sqlite:PATH, ADDR=host:port)
	$(GO) run ./cmd/chatwasm serve --db $(DB) --addr $(ADDR)

bench: ## run the Go benchmarks (BENCH=regexp, PKGS=packages)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(PKGS)

# lint runs staticcheck twice: over everything as built for this machine, then
# over the guest side (the Go SDK and example modules) as built for wasip1,
# whose files with the host imports the first run does not see.
lint: ## check gofmt, go vet, staticcheck and that go.mod is tidy
	@unformatted=$$(find . \( -name .git -o -name node_modules -o -name testdata \) -prune -o -name '*.go' -print | xargs gofmt -l); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	$(GO) vet $(PKGS)
	GOBIN=$(CURDIR)/bin $(GO) install $(STATICCHECK)
	bin/staticcheck $(PKGS)
	GOOS=wasip1 GOARCH=wasm bin/staticcheck -tests=false ./guest-sdk/go/ $(addprefix ./,$(GO_MODULES))

# The example modules: the Go ones (a directory with a main.go) are built here, the others
# (C, AssemblyScript, Rust) by their own Makefile, with the toolchains of scripts/install-toolchains.
GO_MODULES    := $(patsubst %/main.go,%,$(wildcard modules/examples/*/main.go))
OTHER_MODULES := $(patsubst %/Makefile,%,$(wildcard modules/examples/*/Makefile))
.PHONY: modules clean-modules

modules: ## build every example module into modules/examples/NAME/NAME.wasm
	@for d in $(GO_MODULES); do \
		echo "GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o $$d/$${d##*/}.wasm ./$$d"; \
		GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -o $$d/$${d##*/}.wasm ./$$d || exit 1; \
	done
	@for d in $(OTHER_MODULES); do $(MAKE) --no-print-directory -C $$d || exit 1; done

clean-modules: ## remove the built example modules
	rm -f modules/examples/*/*.wasm
