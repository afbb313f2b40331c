#!/usr/bin/env bash
set -euo pipefail
# Shows that make matrix compares its cells with configs/expected-matrix
# and closes with a summary of its table, without a VM: scripts/matrix.sh
# FROM= on streams made up here. A cell as expected gives "next: nothing";
# a deviation is named and counted by kernel and family, exit 1.
#   scripts/matrix-test.sh

cd "$(dirname "$0")/.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fixbuf-matrix.XXXXXX")
outs=()
# shellcheck disable=SC2317 # the EXIT trap calls it
cleanup() {
	local o
	for o in "${outs[@]}"; do [[ $o == results/matrix-* ]] && rm -rf -- "$o"; done
	rm -rf -- "$tmp"
}
trap cleanup EXIT
n=0 bad=0

# stream FILE VERDICT: a harness KTAP stream, one SEND_ZC case that parks.
stream() {
	printf 'KTAP version 1\n1..1\n    # Subtest: send_zc_early_lookup\n    1..1\n    %s 1 send_zc/tcp4/defer-taskrun/slot-emptied\n%s 1 send_zc_early_lookup\n' \
		"$2" "$2" >"$1"
}

# run NAME WANT-RC WANT-TEXT: matrix.sh FROM=$tmp/NAME on the patched kernel.
run() {
	local rc=0 out
	out=$(scripts/matrix.sh KERNELS=patched FROM="$tmp/$1" 2>&1) || rc=$?
	outs+=("$(sed -n 's|^matrix: \(results/matrix-[^/]*\)/matrix.md$|\1|p' <<<"$out")")
	n=$((n + 1))
	if ((rc == $2)) && [[ $out == *"$3"* && ${out##*$'\n'} == "matrix: results/matrix-"*/matrix.md ]]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1 (exit $rc, want $2 and '$3')"
		printf '%s\n' "$out" | tail -n 8 | sed 's/^/#   /'
		bad=1
	fi
}

mkdir "$tmp/agree" "$tmp/deviates"
stream "$tmp/agree/patched.ktap" ok
stream "$tmp/deviates/patched.ktap" "not ok"
echo "TAP version 13"
echo "1..2"
run agree 0 $'matrix: summary: 1 kernels, 1 cells, 0 deviations from configs/expected-matrix\nmatrix: next: nothing'
run deviates 1 $'matrix: deviations by kernel: 1 patched\nmatrix: deviations by family: 1 send_zc\nmatrix: next: read the DEVIATION lines'
exit "$bad"
