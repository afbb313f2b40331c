#!/usr/bin/env bash
set -euo pipefail
# The comparison of scripts/peer.sh on made-up verdicts (FROM=, no VM): a
# test every kernel agrees on, one timing out everywhere, ones that differ
# in both runs (fail vs timeout too: any verdict that differs; the run fails
# and names them), one that differs once (flaky), one missing on a kernel. Exit 0 when peer.sh classifies each as it should.

cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf -- "${tmp:?}"' EXIT
v() { printf '%s\t%s\t%s\t%s\n' "$@"; }
mkdir -p "$tmp"/run1/{stock,patched} "$tmp"/rerun/{stock,patched}
{
	v liburing/same pass 1 ''
	v liburing/bad fail 2 'failed with ret 1: boom'
	v liburing/real pass 1 ''
	v liburing/flaky pass 1 ''
	v ublk/missing.sh skip 0 'needs x'
	v ublk/both.sh timeout 150 'TIMEOUT 150 seconds'
} >"$tmp/run1/stock/verdicts"
{
	v liburing/same pass 1 ''
	v liburing/bad timeout 60 'killed after 60 s'
	v liburing/real fail 1 'failed with ret 1: late'
	v liburing/flaky fail 1 'failed with ret 1: once'
	v ublk/both.sh timeout 150 'TIMEOUT 150 seconds'
} >"$tmp/run1/patched/verdicts"
{
	v liburing/bad fail 2 'failed with ret 1: boom'
	v liburing/real pass 1 ''
	v liburing/flaky pass 1 ''
	v ublk/missing.sh skip 0 'needs x'
} >"$tmp/rerun/stock/verdicts"
{
	v liburing/bad timeout 60 'killed after 60 s'
	v liburing/real fail 1 'failed with ret 1: late'
	v liburing/flaky pass 1 ''
} >"$tmp/rerun/patched/verdicts"
printf 'liburing/same net\n' >"$tmp/groups"

rc=0
scripts/peer.sh FROM="$tmp" >"$tmp/out" 2>&1 || rc=$?
out=$(readlink -f results/peer-latest)
fail=0
want() { # want FILE LINES...: FILE holds exactly LINES
	local f=$1
	shift
	if [[ $(cat "$out/$f") != "$(printf '%s\n' "$@")" ]]; then
		echo "peer-selftest: $f: got '$(tr '\n' ' ' <"$out/$f")', want '$*'"
		fail=1
	fi
}
((rc == 1)) || { echo "peer-selftest: exit $rc, want 1"; fail=1; }
want differences liburing/bad liburing/real ublk/missing.sh
want flaky liburing/flaky
want failing-everywhere ublk/both.sh
grep -q '^peer: DIFFERENCE: liburing/real$' "$tmp/out" || { echo "peer-selftest: the difference is not named"; fail=1; }
grep -q '^| liburing/same | net | pass 1s | pass 1s | same |$' "$out/peer.md" ||
	{ echo "peer-selftest: markdown row for liburing/same"; fail=1; }
((fail)) && { cat "$tmp/out"; exit 1; }
echo "peer-selftest: ok ($out)"
