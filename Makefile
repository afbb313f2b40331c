# fixbuf-order: io_uring fixed buffer lookup-order regression suite.
#   make run    build and run the suite on the running kernel (raw verdicts;
#               EXPECT=configs/known-issues marks known gaps as XFAIL,
#               T=<glob> selects programs or cases)
#   make check  the project's own checks (build, shellcheck, harness tests,
#               suite with expectations)
#   make bench  wall time of repeated suite runs, and verdict stability

T ?=
EXPECT ?=
RUNS ?= 50

.PHONY: all deps build run check bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@$(MAKE) -s -C tests

run: build
	harness/run T='$(T)' EXPECT='$(EXPECT)'

check: deps
	scripts/check.sh

bench: build
	scripts/bench.sh $(RUNS)

clean:
	@$(MAKE) -s -C tests clean
