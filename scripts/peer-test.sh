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
data=scripts/testdata/peer
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fixbuf-peer.XXXXXX")
out=
# shellcheck disable=SC2317 # the EXIT trap calls it
cleanup() {
	[[ $out != results/peer-* ]] || rm -rf -- "$out"
	rm -rf -- "$tmp"
}
trap cleanup EXIT
n=0 bad=0
# ok DESCRIPTION COMMAND...: one TAP line.
ok() {
	n=$((n + 1))
	if "${@:2}"; then echo "ok $n $1"; else echo "not ok $n $1" && bad=1; fi
}
# shellcheck disable=SC2317 # called through ok
same() { diff -u "$data/$1" "$out/$1" | sed 's/^/#   /' && cmp -s "$data/$1" "$out/$1"; }
# shellcheck disable=SC2317
lists() { [[ $(cat "$out/$1") == "$(printf '%s\n' "${@:2}")" ]]; }

rc=0
scripts/peer.sh FROM="$data" >"$tmp/out" 2>&1 || rc=$?
out=$(sed -n 's|^peer: \(results/peer-[^/]*\)/peer.md$|\1|p' "$tmp/out")
echo "TAP version 13"
echo "1..7"
ok "exit 1 (a difference)" test "$rc" = 1
ok "the table as recorded" same peer.term
ok "the lists and totals as recorded" same summary
ok "differences: both runs differ, or a kernel lacks the test" lists differences liburing/bad liburing/real ublk/missing.sh
ok "flaky: changed in the rerun" lists flaky liburing/flaky
ok "the difference is named" grep -qx 'peer: DIFFERENCE: liburing/real' "$tmp/out"
ok "markdown row with its group" grep -qx '| liburing/same | net | pass 1s | pass 1s | same |' "$out/peer.md"
((bad == 0)) || tail -n 5 "$tmp/out" | sed 's/^/#   /'
exit "$bad"
