# Tether: `make run` starts a gateway with embedded defaults; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := build

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS   := -s -w -X github.com/tetherhq/tether/internal/version.Version=$(VERSION) -X github.com/tetherhq/tether/internal/version.Commit=$(COMMIT)
export CGO_ENABLED ?= 0

WEBUI_SRC := $(shell find webui/src webui/index.html webui/package.json webui/vite.config.* -type f 2>/dev/null)
CLIENT_TARGETS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

# Clients in dist/ are baked with the gateway they belong to (docs/clients.md):
# PUBLIC_ADDR is the host:port users' computers reach, DATA the gateway's data
# directory (its CA is what clients pin), FINGERPRINT_FLAGS e.g.
# "--tls-cert FILE --tls-key FILE" when the gateway serves operator certificates.
PUBLIC_ADDR       ?= 127.0.0.1:8443
LISTEN            ?= 127.0.0.1:8443
DATA              ?= ./data
FINGERPRINT_FLAGS ?=
HOST_OS           := $(shell $(GO) env GOHOSTOS 2>/dev/null)
HOST_ARCH         := $(shell $(GO) env GOHOSTARCH 2>/dev/null)
PRESET            := github.com/tetherhq/tether/client/internal/preset
# bake (a shell snippet) sets $$bake to the -X flags, asking the gateway for its pin.
bake = pin=$$(./bin/tether-gateway fingerprint --data '$(DATA)' --public-url 'https://$(PUBLIC_ADDR)' $(FINGERPRINT_FLAGS)) || exit 1; \
	bake="-X $(PRESET).Gateway=$(PUBLIC_ADDR) -X $(PRESET).Pin=$$pin"; \
	echo "baking gateway $(PUBLIC_ADDR), pin $$pin"
# sums (a shell snippet) writes dist/SHA256SUMS.
sums = cd dist && { command -v sha256sum >/dev/null && sha256sum tether-client-* || shasum -a 256 tether-client-*; } > SHA256SUMS

.PHONY: build run dist-host test test-go test-web test-browser vet bench fuzz fuzz-short dist sign cross clean webui

build: webui/dist/index.html bin/tether-gateway bin/tether-client

webui/node_modules/.installed: webui/package.json webui/package-lock.json
	cd webui && npm ci --no-audit --no-fund
	@# npm packages may ship .go files; a go.mod here keeps them out of ./...
	echo 'module node_modules' > webui/node_modules/go.mod
	touch $@

webui/dist/index.html: webui/node_modules/.installed $(WEBUI_SRC)
	cd webui && npm run build

webui: webui/dist/index.html

bin/tether-gateway: webui/dist/index.html FORCE
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./gateway/cmd/tether-gateway

bin/tether-client: FORCE
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./client/cmd/tether-client

FORCE:

# run serves with a client for this computer in dist/ (make dist adds the rest).
run: build dist-host
	./bin/tether-gateway serve --listen $(LISTEN) --public-url https://$(PUBLIC_ADDR) --data $(DATA) --ice-loopback

# dist-host builds the baked client for the host platform only.
dist-host: bin/tether-gateway
	@mkdir -p dist
	@$(bake); ext=; [ $(HOST_OS) = windows ] && ext=.exe; \
	  echo "building tether-client $(VERSION) for $(HOST_OS)/$(HOST_ARCH)"; \
	  GOOS=$(HOST_OS) GOARCH=$(HOST_ARCH) $(GO) build -trimpath -ldflags "$(LDFLAGS) $$bake" -o dist/tether-client-$(HOST_OS)-$(HOST_ARCH)$$ext ./client/cmd/tether-client
	@$(sums)

# Every Go command that compiles the gateway embeds webui/dist, which only
# the web UI build produces: vet and tests depend on it.
vet: webui/dist/index.html
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	GOOS=windows $(GO) vet ./client/... ./internal/... ./certs/...
	GOOS=darwin $(GO) vet ./client/... ./internal/... ./certs/...

test-go: build
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 25m ./...

test-web: webui/node_modules/.installed
	cd webui && npm test

test-browser: build
	cd webui && TETHER_BIN_DIR=$(CURDIR)/bin npm run test:browser

test: vet cross test-go fuzz-short test-web test-browser

# bench: Tether vs OpenSSH on loopback, load and fault tolerance (docs/performance.md);
# writes bench/results/latest.{md,json}. BENCH_FLAGS passes options to tether-bench.
bench: build
	@mkdir -p bench/results
	$(GO) build -trimpath -o bin/tether-loadgen ./client/cmd/tether-loadgen
	$(GO) build -trimpath -o bin/tether-bench ./bench/cmd/tether-bench
	@echo "== Go benchmarks through the real gateway and client (bench/results/go-bench.txt)"
	$(GO) test -run '^$$' -bench 'KeystrokeEcho|ShellThroughput|ScreenView' -benchtime 1x ./gateway/internal/e2e/ | tee bench/results/go-bench.txt
	$(GO) test -run '^$$' -bench . -benchtime 1s ./gateway/internal/recorder/ ./client/internal/diag/ | tee -a bench/results/go-bench.txt
	@echo "== side by side with OpenSSH, load and faults (bench/results/latest.md)"
	./bin/tether-bench --bin bin --out bench/results $(BENCH_FLAGS)

# soak: 50 shells for TETHER_SOAK (default 60s) while clients are killed and restarted.
TETHER_SOAK ?= 60s
soak:
	TETHER_SOAK=$(TETHER_SOAK) $(GO) test -count=1 -timeout 15m -run '^TestSoak$$' -v ./gateway/internal/e2e/

FUZZTIME ?= 60s
fuzz:
	@GO=$(GO) scripts/fuzz.sh $(FUZZTIME)

# fuzz-short runs every Fuzz target briefly (CI): FUZZTIME=3s each.
fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=3s

# dist cross-builds the client for every platform into dist/, baked with this
# gateway's address and pin (see bake above) and the version, signs the
# Windows binaries when a certificate is configured (see
# scripts/sign-windows.sh and docs/clients.md), and writes SHA256SUMS last so
# the checksums cover the signed files. The gateway serves dist/ at /download.
dist: bin/tether-gateway
	@mkdir -p dist
	@$(bake); for t in $(CLIENT_TARGETS); do \
	  os=$${t%/*}; arch=$${t#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  echo "building tether-client $(VERSION) for $$os/$$arch"; \
	  GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS) $$bake" -o dist/tether-client-$$os-$$arch$$ext ./client/cmd/tether-client || exit 1; \
	done
	@$(MAKE) --no-print-directory sign
	@$(sums)

# sign signs dist/*.exe with Authenticode when SIGN_PFX or SIGN_CERT+SIGN_KEY
# is set; otherwise it says loudly that the binaries are unsigned.
sign:
	@if [ -n "$$SIGN_PFX$$SIGN_CERT" ]; then \
	  scripts/sign-windows.sh dist/tether-client-windows-*.exe; \
	else \
	  echo "WARNING: SIGN_PFX / SIGN_CERT not set: the Windows clients in dist/ are NOT signed" >&2; \
	fi

# cross builds the client for every platform (CGO_ENABLED=0) into a temporary
# directory, to prove each one compiles (`vet` vets windows and darwin).
cross:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for t in $(CLIENT_TARGETS); do \
	  os=$${t%/*}; arch=$${t#*/}; \
	  echo "cross: $$os/$$arch"; \
	  GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -o "$$tmp/tether-client-$$os-$$arch" ./client/cmd/tether-client || exit 1; \
	done

clean:
	rm -rf bin dist webui/dist/assets webui/dist/index.html bench/results
