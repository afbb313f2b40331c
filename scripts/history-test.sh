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
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign-test.sh
replay_init history
tmp=$TMP

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
run() { replay_drive "$1" "$2" "$3" FROM="$tmp/$1" SERIES="6.1 7.3"; }

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
# README=1 rewrote README.md; it is gone, so an unknown argument.
# shellcheck disable=SC2317 # called through replay_ok
readme() {
	local rc=0 out
	out=$(scripts/history.sh README=1 2>&1) || rc=$?
	((rc == 2)) && [[ $out == *README=1* ]]
}
replay_ok "README=1 refused (exit 2, named)" readme
exit "$BAD"
