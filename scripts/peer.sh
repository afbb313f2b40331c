#!/usr/bin/env bash
set -euo pipefail
# Peer suites (make peer): tests nobody in this project wrote, on the suite's
# stock and patched kernels side by side. liburing's regression tests (its
# test/ and runtests.sh, from Debian's liburing source package) and the
# kernel's io_uring zero-copy and ublk selftests (from the tree the kernels
# are built from), built once out of tree, run in the VM with their own
# runners, one VM per kernel. Prints the per-test table (also markdown) and
# exits 1 when a verdict differs between the kernels, naming the test;
# a difference that does not repeat in a rerun is shown as flaky instead.
#   scripts/peer.sh [KERNEL="stock patched"] [PEER_LIBURING=groups|all]
#                   [T=<glob>] [RERUN=1] [FROM=<dir>]
# KERNEL: as scripts/lib/campaign.sh names kernels, the suite's builds not
#   built here (make kernels). The first is the baseline. PEER_LIBURING=all:
#   every liburing test, not only configs/peer-tests'. T: only tests
#   (suite/test) matching the pattern. RERUN=0: no rerun of differing tests.
#   FROM=<dir>: recompute the table from an earlier run's streams. LIST=1:
#   build, print the plan (suite group test timeout) and stop.
# Exit 0 no difference, 1 a difference (or a kernel without results), 2 bad
# input or build failure.

cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign-peer.sh
campaign_start peer 'KERNEL PEER_LIBURING T RERUN FROM LIST' "$@"
tree=${FIXBUF_PEER_TREE:-$FIXBUF_CACHE/src/debian-${FIXBUF_BASE:-7.3}}
[[ ${PEER_LIBURING:-groups} =~ ^(groups|all)$ ]] || { echo "peer: PEER_LIBURING is groups or all" >&2; exit 2; }
[[ -z ${T:-} ]] || pat_check "$T" || { echo "peer: T: $PAT_ERR" >&2; exit 2; }
LABELS=() IMAGES=()
for k in ${KERNEL:-stock patched}; do
	CAMPAIGN_BUILD=0 campaign_kernel "$k" || exit 2
	LABELS+=("$LABEL") IMAGES+=("$KIMG")
done
((${#LABELS[@]} >= 2)) || { echo "peer: KERNEL needs two kernels or more to compare" >&2; exit 2; }
campaign_dir peer nofreeze
[[ -n ${FROM:-} ]] || ln -sfn "${OUT#results/}" results/peer-latest

if [[ -z ${FROM:-} ]]; then
	peer_prepare "$tree" "$OUT" || exit 2
	[[ ${LIST:-0} != 1 ]] || { cat "$OUT/plan"; exit 0; }
	for i in "${!LABELS[@]}"; do
		KIMG=${IMAGES[i]}
		campaign_snapshot "${LABELS[i]}"
		IMAGES[i]=$KIMG
	done
fi

# run PHASE PLAN: every kernel runs PLAN in its own VM (FROM=: the earlier
# run's streams of PHASE); cells of the phase in OUT/PHASE.cells.
run() {
	local i
	mkdir -p "$OUT/$1"
	for i in "${!LABELS[@]}"; do
		KIMG=${IMAGES[i]}
		campaign_run "$OUT/$1" "${LABELS[i]}" "$OUT/$1/${LABELS[i]}/results.ktap" \
			VM_MEM="${VM_MEM:-3G}" VM_RODIRS="$PEER_DIR/build" VM_TIMEOUT="${PEER_VM_TIMEOUT:-2400}" \
			VM_CMD="$(printf '%q ' scripts/peer-guest.sh OUT="$repo/$OUT/$1/${LABELS[i]}" PLAN="$repo/$2" \
				LIBURING="${lu:-}" KSFT="${ksft:-}" FIO="${fio:-}")"
		((RC == 0)) || tail -n 5 "$OUT/$1/${LABELS[i]}.log" | sed 's/^/  /'
	done
	campaign_cells "$OUT/$1" "${LABELS[@]}" >"$OUT/$1.cells"
}
[[ -z ${FROM:-} ]] || cp "$FROM/plan" "$FROM/groups" "$OUT/" 2>/dev/null || :
run run1 "$OUT/plan"
# Tests whose verdicts differ (or that lack one on some kernel): rerun them
# once on every kernel, so a flaky test is told from a real difference.
awk -v n="${#LABELS[@]}" '{ v[$1] = v[$1] " " $3; c[$1]++ }
	END { for (t in v) { split(v[t], a, " "); d = (c[t] != n)
		for (i in a) if (a[i] != a[1]) d = 1
		if (d) print t } }' "$OUT/run1.cells" | sort >"$OUT/differing1"
if [[ -z ${FROM:-} && -s $OUT/differing1 && ${RERUN:-1} != 0 ]]; then
	echo "peer: rerunning $(wc -l <"$OUT/differing1") differing tests on every kernel"
	# net-lo's variants come from one plan entry.
	sed 's|^net-lo/io_uring_zerocopy_tx/.*|net-lo/io_uring_zerocopy_tx|' "$OUT/differing1" | sort -u |
		while read -r t; do awk -v t="$t" '$1 "/" $3 == t' "$OUT/plan"; done >"$OUT/plan.rerun"
	run rerun "$OUT/plan.rerun"
elif [[ -n ${FROM:-} && -d $FROM/rerun ]]; then
	run rerun -
fi
[[ -f $OUT/rerun.cells ]] || : >"$OUT/rerun.cells"

# The judge and the table: one row per test, a column per kernel (verdict,
# seconds; a rerun's verdict after a comma), and what the comparison says:
#   same       every kernel agrees (fail/timeout on all: listed below)
#   DIFFERS    the kernels disagree, and (if rerun) each kernel repeated
#              its own verdict: a difference the run fails on
#   flaky      a kernel's verdict changed between the two runs
peer_compare "$OUT" "${LABELS[*]}" | campaign_table "$OUT/peer.md" 48 16 1 2 | tee "$OUT/peer.term"
peer_details "$OUT" "${LABELS[@]}" | tee "$OUT/summary"
cat "$OUT/summary" >>"$OUT/peer.md"

campaign_missing "$OUT/run1.cells" "${LABELS[@]}" | sed "s|.*|peer: &: no verdicts (see $OUT/run1/&.log)|"
sed 's/^/peer: DIFFERENCE: /' "$OUT/differences"
echo "peer: $OUT/peer.md"
[[ -s $OUT/differences ]] && exit 1
[[ -z $(campaign_missing "$OUT/run1.cells" "${LABELS[@]}") ]]
