# wachan — see README.md.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run demo test fuzz bench lint build deb deb-check clean

## run: start the daemon locally (127.0.0.1:8080, data in ./data)
run:
	$(GO) run -ldflags "-X main.version=$(VERSION)" ./cmd/wachan serve --config /dev/null --data-dir ./data

## demo: try wachan with emulated WhatsApp and Asterisk (throw-away data)
demo:
	$(GO) run -ldflags "-X main.version=$(VERSION)" ./cmd/wachan demo

## test: vet, format check and the race-enabled test suite, in random order
## (the browser tests need Chromium; WACHAN_BROWSER_TESTS=required fails
## them instead of skipping them without it)
test:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@command -v chromium >/dev/null || echo "make test: Chromium not found, so the browser tests are skipped (apt-get install chromium)"
	$(GO) test -race -count=1 -shuffle=on -timeout 30m ./...

## fuzz: run every fuzz target for FUZZTIME seconds each (default 10)
FUZZTIME ?= 10
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

## bench: benchmarks with their figures
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...

## lint: staticcheck (pinned in go.mod's tool block)
lint:
	$(GO) tool staticcheck ./...

## build: the binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/wachan ./cmd/wachan

## deb: Debian packages in dist/ (GOARCH=arm64 for ARM)
deb:
	VERSION=$(VERSION) scripts/build-deb.sh

## deb-check: install, check, remove and purge the built package (root, Debian)
deb-check:
	scripts/deb-check.sh

clean:
	rm -rf bin dist
