# fixbuf-order: io_uring fixed buffer lookup-order regression suite.
#   make help     every target and option, with the defaults (one screen)
#   make run      build and run the suite on the running kernel (raw
#                 verdicts; EXPECT=configs/known-issues marks known gaps as
#                 XFAIL, T=<glob> selects programs or cases, SLOW=1 also
#                 runs the slow passthrough forcing modes where alloc-fault
#                 covers them)
#   make vm-run   the same inside a virtme-ng VM: KERNEL=debian:trixie-backports/7.3
#                 (default: Debian's latest release), debian (sid's current),
#                 debian:[<suite>/]<version>, a bzImage or a built kernel tree
#   make check    the project's own checks (build, shellcheck, harness
#                 tests, suite on this kernel and in the VM, expectations)
#   make bench    wall time of repeated suite runs, verdict stability
#   make bench-vm download / boot / suite times of one VM run
#   make kernels  build stock, patched and mutant 7.3 kernels (out of tree;
#                 FIXBUF_BASE=7.2 for the 7.2 series)
#   make matrix   suite in the VM on every kernel, vs configs/expected-matrix
#   make history  suite in the VM on Debian's kernel of every series 6.1..7.3,
#                 vs configs/known-issues (SERIES="6.1 7.3" picks some)
#   make peer     liburing's regression tests and the kernel's io_uring
#                 zero-copy and ublk selftests in the VM, stock vs patched
#                 7.3 (KERNEL="stock patched" or NAME=<bzImage> ...; built
#                 kernels only), PEER_LIBURING=all for liburing's whole suite

T ?=
EXPECT ?=
SLOW ?=
SERIES ?=
KERNEL ?= debian:trixie-backports/7.3
RUNS ?= 50
KEEP ?= 20

.PHONY: all help deps vm-deps build run vm-run check bench bench-vm kernels matrix history peer upstream clean

all: build

# One screen: every target and option, the defaults as this Makefile has them.
help:
	@echo 'usage: make [TARGET] [OPTION=value ...]   (default target: build)'
	@echo '  run       build, run the suite on this kernel (as root); exit 0 pass, 1 fail,'
	@echo '            4 nothing tested (every case that could show a late lookup skipped)'
	@echo '  vm-run    the same in a virtme-ng VM booting KERNEL'
	@echo '  check     the project'"'"'s own checks (what CI runs; builds 7.3 once, long)'
	@echo '  bench     RUNS runs of the suite: time per run, distinct verdict sets'
	@echo '  bench-vm  download, boot and suite times of one VM run'
	@echo '  kernels   build the stock, patched and mutant 7.3 kernels'
	@echo '  matrix    every kernel in the VM vs configs/expected-matrix'
	@echo '  history   Debian'"'"'s kernel of each series in the VM vs configs/known-issues'
	@echo '  peer      liburing'"'"'s and the kernel'"'"'s tests in the VM, stock vs patched'
	@echo '  upstream  patches for upstream, tested; also: build deps vm-deps clean help'
	@echo 'options (default):'
	@echo '  T=<glob>          programs or cases to run               (all)'
	@echo '  EXPECT=<file>     known gaps are XFAIL: configs/known-issues (none: raw)'
	@echo '  SLOW=1            also the slow passthrough forcing modes  (off)'
	@echo '  KEEP=<n>          runs kept in results/, 0 keeps all      ($(KEEP))'
	@echo '  KERNEL=<spec>     vm-run, bench-vm: debian, debian:[SUITE/]VERSION, a'
	@echo '                    bzImage or kernel tree ($(KERNEL))'
	@echo '                    peer: built kernels (stock patched)'
	@echo '  SERIES="6.1 7.3"  history: these series      (all in configs/history-kernels)'
	@echo '  RUNS=<n>          bench: runs                             ($(RUNS))'
	@echo '  PEER_LIBURING=all peer: liburing'"'"'s whole suite           ($(PEER_LIBURING))'
	@echo '  RERUN=0           peer: no rerun of differing tests       ($(RERUN))'
	@echo 'results: results/latest/{summary,junit.xml,results.ktap}; see docs/harness.md'

deps:
	@scripts/install-deps.sh

vm-deps:
	@scripts/install-deps.sh --vm

build: deps
	@$(MAKE) -s -C tests

# make exits 2 on any failing recipe; the harness's own kselftest status
# (1 fail, 4 skip, 2 bad input) is printed so it is not lost.
run: build
	@rc=0; harness/run T='$(T)' EXPECT='$(EXPECT)' SLOW='$(SLOW)' KEEP='$(KEEP)' || rc=$$?; \
	[ $$rc = 0 ] || echo "harness exit status: $$rc" >&2; exit $$rc

vm-run: build vm-deps
	@rc=0; scripts/vm-run.sh KERNEL='$(KERNEL)' T='$(T)' EXPECT='$(EXPECT)' SLOW='$(SLOW)' KEEP='$(KEEP)' || rc=$$?; \
	[ $$rc = 0 ] || echo "vm-run exit status: $$rc" >&2; exit $$rc

check: vm-deps
	scripts/check.sh

bench: build
	scripts/bench.sh $(RUNS)

bench-vm: build vm-deps
	scripts/bench-vm.sh KERNEL='$(KERNEL)' T='$(T)' EXPECT='$(EXPECT)'

# Stock, patched and every mutant of 7.3: one base build (about 25 min on
# 2 cores), then incremental rebuilds of the files each variant touches.
kernels:
	@scripts/install-deps.sh --kernel
	scripts/build-kernel.sh all

# Every kernel in the VM; the table is compared with configs/expected-matrix.
matrix: build vm-deps
	@scripts/install-deps.sh --kernel
	scripts/matrix.sh T='$(T)'

# Debian's prebuilt kernel of every series, vs configs/known-issues.
history: build vm-deps
	scripts/history.sh SERIES='$(SERIES)' T='$(T)'

# KERNEL's default is vm-run's (Debian's kernel); peer compares the suite's stock and
# patched builds unless KERNEL is given on the command line or environment.
PEER_KERNEL = $(if $(filter command line environment,$(origin KERNEL)),$(KERNEL),stock patched)
PEER_LIBURING ?= groups
RERUN ?= 1
peer:
	@scripts/install-deps.sh --vm --peer
	scripts/peer.sh KERNEL='$(PEER_KERNEL)' PEER_LIBURING='$(PEER_LIBURING)' T='$(T)' RERUN='$(RERUN)'

# The series as git send-email takes it, checked (checkpatch, git am),
# built step by step, its tests run in the VM on stock and patched 7.3:
# results/upstream-DATE/.
upstream: vm-deps
	scripts/upstream.sh --vm

clean:
	@$(MAKE) -s -C tests clean
