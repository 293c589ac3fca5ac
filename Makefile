# Bosun's entry points. `make run` and `make test` work on a fresh Debian
# machine as root: they install what is missing with apt-get first.
SHELL := /bin/bash
export GOTOOLCHAIN := local
GO ?= go
BIN := bin/bosun
DATA ?= $(CURDIR)/data
PORT ?= 6443
ACCEPTANCE ?= $(CURDIR)/../shared/acceptance
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT := $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -s -w -X github.com/bosun-dev/bosun/internal/version.Bosun=$(VERSION) \
	-X github.com/bosun-dev/bosun/internal/version.Commit=$(COMMIT) \
	-X github.com/bosun-dev/bosun/internal/version.BuildDate=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)

.PHONY: build run stop test unit acceptance bench lint deps deps-test clean testimages

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/bosun

# run starts a one-node cluster in the background (state in $(DATA)), waits
# until it is ready and prints how to use it; `make stop` stops it.
run: deps build
	@hack/run.sh $(BIN) $(DATA) $(PORT)

stop:
	@hack/stop.sh $(DATA) $(BIN)
	@hack/testimages.sh --stop $(DATA)

# testimages builds the test images (busybox from Debian's busybox-static),
# serves them from a local registry (Debian's docker-registry) and prints
# BUSYBOX=<image reference> as its last line.
testimages: deps-test
	@hack/testimages.sh $(DATA)

# test runs every test: unit and integration tests, then the acceptance
# scripts through real kubectl against a server started the README's way.
test: deps-test build unit acceptance

unit:
	$(GO) test -count=1 -timeout 20m ./...

acceptance: build
	hack/acceptance.sh $(BIN) $(ACCEPTANCE) sim api deployment
	hack/acceptance.sh $(BIN) $(ACCEPTANCE) node pods
	hack/acceptance.sh $(BIN) $(ACCEPTANCE) cluster services

# bench prints every performance figure beside its target (not part of test).
bench: build
	$(GO) run ./bench/apiserver -bosun $(BIN)
	$(GO) run ./bench/controlplane -bosun $(BIN)
	$(GO) run ./bench/agent -bosun $(BIN)
	$(GO) run ./bench/proxy
	$(GO) run ./bench/dns
	$(GO) run ./bench/podnet

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@command -v staticcheck >/dev/null || $(GO) install honnef.co/go/tools/cmd/staticcheck@2026.2.2
	$$($(GO) env GOPATH)/bin/staticcheck ./...

# deps installs what building and running need (Debian packages).
deps:
	@hack/deps.sh run

deps-test:
	@hack/deps.sh test

clean:
	rm -rf bin
