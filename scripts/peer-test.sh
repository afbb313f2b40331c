#!/usr/bin/env bash
set -euo pipefail
# Shows that make peer compares its kernels as it should, without a VM:
# scripts/peer.sh FROM=scripts/testdata/peer, streams as peer-guest.sh
# writes them (made up): a test every kernel agrees on, one timing out
# everywhere, ones that differ in both runs (fail vs timeout too: any
# verdict that differs; the run fails and names them), one that differs
# once (flaky), one missing on a kernel. The table and the lists under it
# must be the recorded ones (testdata/peer/peer.term, summary).
#   scripts/peer-test.sh

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign-test.sh
replay_init peer
data=scripts/testdata/peer
# shellcheck disable=SC2317 # called through replay_ok
same() { diff -u "$data/$1" "$OUT/$1"; }
# shellcheck disable=SC2317
lists() { [[ $(cat "$OUT/$1") == "$(printf '%s\n' "${@:2}")" ]]; }

echo "TAP version 13"
echo "1..7"
replay_drive "exit 1, the difference named" 1 "peer: DIFFERENCE: liburing/real" FROM="$data"
replay_ok "the table as recorded" same peer.term
replay_ok "the lists and totals as recorded" same summary
replay_ok "differences: both runs differ, or a kernel lacks the test" lists differences liburing/bad liburing/real ublk/missing.sh
replay_ok "flaky: changed in the rerun" lists flaky liburing/flaky
replay_ok "failing everywhere: the same verdict, bad, on every kernel" lists failing-everywhere ublk/both.sh
replay_ok "markdown row with its group" grep -qx '| liburing/same | net | pass 1s | pass 1s | same |' "$OUT/peer.md"
exit "$BAD"
