# stackmap — build, test and check.
GO          ?= go
BIN         := bin/stackmap
TOOLS       := $(CURDIR)/.tools
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2
FUZZTIME    ?= 10s
PKGS        := ./...

.PHONY: all build test unit fuzz examples lint fmt e2e bench clean

all: lint test

## build: compile bin/stackmap
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/stackmap

## test: unit and golden tests with -race, a short fuzz of the loader, and the product run on its own examples and their tests
test: unit fuzz examples

unit:
	$(GO) test -race -count=1 $(PKGS)

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./engine/config/

examples: build
	$(BIN) validate examples mappings
	$(BIN) test examples mappings
	@for m in $$(find examples -name '*.yaml' -not -path '*/testdata/*' -not -path '*/data/*' -not -name '*.test.yaml'); do \
		echo "preview $$m"; $(BIN) preview --format json $$m >/dev/null || exit 1; \
	done

## lint: gofmt, go vet and staticcheck must be clean
lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags e2e,sqlbench $(PKGS)
	$(STATICCHECK) -tags e2e,sqlbench $(PKGS)

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## fmt: format the code
fmt:
	gofmt -w $$(git ls-files '*.go')

## e2e: the stackmap binary end to end against a local receiver and real PostgreSQL, MariaDB, Zabbix 6.0 and Nagios 4.4 on loopback (as root)
e2e: build
	STACKMAP_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 25m -tags e2e ./e2e/...

## bench: Go benchmarks of the hot path; the CMDB benchmark (bench/run.sh: stackmap against the gojq CLI on 10 000, 100 000 and 1 000 000 generated ServiceNow CIs, sizes from BENCH_SIZES); then 1 000 000 rows mapped from a private PostgreSQL (as root)
bench: build
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)
	STACKMAP_BIN=$(CURDIR)/$(BIN) bench/run.sh
	STACKMAP_BIN=$(CURDIR)/$(BIN) e2e/sqlbench/run.sh

clean:
	rm -rf bin $(TOOLS)
