#!/usr/bin/env bash
set -euo pipefail
# The guest side of `scripts/upstream.sh --vm`: the upstream tests with
# their own runners, as root in the VM (scripts/vm-run.sh VM_CMD=...).
#   scripts/lib/upstream-guest.sh RUN OUT
# RUN: ksft/ (a kselftest install tree: run_kselftest.sh, io_uring/) and
# liburing/ (runtests.sh, fixed-buf-order.t); copied to the guest's tmpfs,
# where the runners write. OUT gets each runner's log and exit code.

run=$1 out=$2
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf -- "${scratch:?}"' EXIT
cp -a "$run/ksft" "$run/liburing" "$scratch/"
# The socket cases connect over loopback, down in a fresh guest.
ip link set lo up 2>/dev/null || :
uname -rv >"$out/kernel"
rc=0
# The runner writes the test's own output to /dev/stdout, which the guest's
# /dev may lack: -p puts it in a per-test log, appended after the runner's.
(cd "$scratch/ksft" && ./run_kselftest.sh -p "$scratch/ksft-logs" -t io_uring:fixed_buf_order.sh) >"$out/kselftest.log" 2>&1 || rc=$?
cat "$scratch"/ksft-logs/* >>"$out/kselftest.log" 2>/dev/null || :
echo "$rc" >"$out/kselftest.rc"
rc=0
(cd "$scratch/liburing" && ./runtests.sh fixed-buf-order.t) >"$out/liburing.log" 2>&1 || rc=$?
echo "$rc" >"$out/liburing.rc"
