#!/usr/bin/env bash
set -euo pipefail
# Shows that make matrix compares its cells with configs/expected-matrix
# and closes with a summary of its table, without a VM: scripts/matrix.sh
# FROM= on streams made up here. A cell as expected gives "next: nothing";
# a deviation is named and counted by kernel and family, exit 1.
#   scripts/matrix-test.sh

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign-test.sh
replay_init matrix

# stream FILE VERDICT: a harness KTAP stream, one SEND_ZC case that parks.
stream() {
	printf 'KTAP version 1\n1..1\n    # Subtest: send_zc_early_lookup\n    1..1\n    %s 1 send_zc/tcp4/defer-taskrun/slot-emptied\n%s 1 send_zc_early_lookup\n' \
		"$2" "$2" >"$1"
}

mkdir "$TMP/agree" "$TMP/deviates"
stream "$TMP/agree/patched.ktap" ok
stream "$TMP/deviates/patched.ktap" "not ok"
echo "TAP version 13"
echo "1..3"
replay_drive agree 0 $'matrix: summary: 1 kernels, 1 cells, 0 deviations from configs/expected-matrix\nmatrix: next: nothing' \
	KERNELS=patched FROM="$TMP/agree"
replay_drive deviates 1 $'matrix: deviations by kernel: 1 patched\nmatrix: deviations by family: 1 send_zc\nmatrix: next: read the DEVIATION lines' \
	KERNELS=patched FROM="$TMP/deviates"
replay_drive "no results" 1 "DEVIATION: debian: no results" KERNELS="patched debian" FROM="$TMP/agree"
exit "$BAD"
