#!/usr/bin/env bash
set -euo pipefail
# Shows that make history judges every cell as configs/known-issues says,
# without a VM: scripts/history.sh FROM= on streams made up here. A failure
# inside its range is a known one (x); a failure outside every range, a
# pass inside one and a kernel without results each fail the run, naming
# kernel and case; a whole-program finding (a splat) is reported. The
# tables stay under results/ (the last line names them): README=1, which
# rewrote README.md, is gone.
#   scripts/history-test.sh

cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fixbuf-history.XXXXXX")
outs=()
# shellcheck disable=SC2317 # the EXIT trap calls it
cleanup() {
	local o
	for o in "${outs[@]}"; do [[ $o == results/history-* ]] && rm -rf -- "$o"; done
	rm -rf -- "$tmp"
}
trap cleanup EXIT
n=0 bad=0

# stream FILE CASE-LINE...: a harness KTAP stream with one program.
stream() {
	local f=$1 i=0 l
	shift
	{
		printf 'KTAP version 1\n1..1\n    # Subtest: send_zc_early_lookup\n    1..%d\n' $#
		for l in "$@"; do
			i=$((i + 1))
			printf '    %s\n' "${l/@/$i}"
		done
		echo "ok 1 send_zc_early_lookup"
	} >"$f"
}

# run NAME WANT-RC WANT-TEXT: history.sh FROM=$tmp/NAME for 6.1 and 7.3.
run() {
	local rc=0 out
	out=$(scripts/history.sh FROM="$tmp/$1" SERIES="6.1 7.3" 2>&1) || rc=$?
	outs+=("$(sed -n 's|^history: \(results/history-[^/]*\)/history.md$|\1|p' <<<"$out")")
	n=$((n + 1))
	if ((rc == $2)) && [[ $out == *"$3"* && ${out##*$'\n'} == "history: results/history-"*/history.md ]]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1 (exit $rc, want $2 and '$3')"
		printf '%s\n' "$out" | tail -n 8 | sed 's/^/#   /'
		bad=1
	fi
}

late=send_zc/tcp4/defer-taskrun/slot-emptied ctl=send_zc/tcp4/inline/slot-emptied
for d in agree fail-outside pass-inside no-results splat; do
	mkdir -p "$tmp/$d"
	printf '6.1 linux-image-6.1=6.1.1-1 6.1.0-1-amd64 0 50\n7.3 linux-binary-7.3=7.3.4-1 7.3.4-amd64 0 60\n' >"$tmp/$d/kernels"
	echo 2026-12-01 >"$tmp/$d/date"
	stream "$tmp/$d/6.1.ktap" "ok @ $late" "ok @ $ctl"
	stream "$tmp/$d/7.3.ktap" "not ok @ $late # XFAIL late (known in 6.13..)" "ok @ $ctl"
done
stream "$tmp/fail-outside/6.1.ktap" "not ok @ $late" "ok @ $ctl"
stream "$tmp/pass-inside/7.3.ktap" "ok @ $late # XPASS late (known in 6.13..)" "ok @ $ctl"
: >"$tmp/no-results/7.3.ktap"
echo "# send_zc_early_lookup: kernel splat: UBSAN: array-index-out-of-bounds" >>"$tmp/splat/7.3.ktap"

echo "TAP version 13"
echo "1..8"
run agree 0 "send_zc/defer-taskrun      1p       1x"
run fail-outside 1 "DISAGREES: 6.1 $late: failed, configs/known-issues has no range for it"
run pass-inside 1 "DISAGREES: 7.3 $late: passed inside its configs/known-issues range"
run no-results 1 "DISAGREES: 7.3 (linux-binary-7.3=7.3.4-1): no results"
run splat 0 "PROGRAM: 7.3 send_zc_early_lookup: kernel splat: UBSAN"
# The closing summary of the tables: by kind and family, and the next step.
run fail-outside 1 $'history: disagreements by family: 1 send_zc\nhistory: 1 failed where configs/known-issues has no range, 0 passed inside a range\nhistory: next: a failure with no range'
run agree 0 $'history: next: nothing: every kernel as configs/known-issues says\nhistory: results: '
n=$((n + 1))
if out=$(scripts/history.sh README=1 2>&1); then rc=0; else rc=$?; fi
if ((rc == 2)) && [[ $out == *README=1* ]]; then echo "ok $n README=1 refused"; else echo "not ok $n README=1 (exit $rc)" && bad=1; fi
exit "$bad"
