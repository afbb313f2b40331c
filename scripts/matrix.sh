#!/usr/bin/env bash
set -euo pipefail
# The verdict matrix: runs the suite in the VM against each kernel (stock,
# patched and every mutant of the default series, 7.3; Debian's prebuilt
# kernel of that series, FIXBUF_DEBIAN_KERNEL), prints a table
# (rows: cases; columns: kernels; cells: pass / fail / skip), writes it as
# markdown into the results directory, and compares every cell with
# configs/expected-matrix. Exit 1 on any deviation, naming the cell; 2 on
# bad input (arguments, a malformed configs/expected-matrix line).
#   scripts/matrix.sh [KERNELS="stock patched ..."] [T=<glob>] [FROM=<dir>]
# FROM= re-reads the <kernel>.ktap streams of an earlier matrix run.

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign.sh
# shellcheck source-path=SCRIPTDIR/..
source harness/lib/expect.sh
campaign_start matrix 'KERNELS T FROM' "$@"
EXPECT_WHO=matrix expect_rules_load configs/expected-matrix || exit 2
if [[ -z ${KERNELS:-} ]]; then
	KERNELS="stock patched"
	for m in patches/mutants/*.patch; do KERNELS+=" mutant-$(basename "$m" .patch)"; done
	KERNELS+=" debian"
fi
campaign_dir matrix

# One VM run per kernel, each with its own results root (nothing else's run
# can be mistaken for it). SLOW=1: every forcing mode, the slow ones too.
for k in $KERNELS; do
	[[ -n ${FROM:-} ]] || campaign_kernel "$k" || continue
	campaign_run "$OUT" "$k" "$OUT/runs/$k/latest/results.ktap" T="${T:-}" SLOW=1 \
		RESULTS="$OUT/runs/$k" TESTS_DIR="$OUT/tests" HARNESS="$OUT/harness"
done

# Cells: the runs have no expectations; a FROM= stream that had them still
# gives raw verdicts: an expected failure (xfail) is a failing cell, an
# xpass a pass.
# shellcheck disable=SC2086 # the kernel list is words
campaign_cells "$OUT" $KERNELS | sed 's/ xfail$/ fail/; s/ xpass$/ pass/' >"$OUT/cells"
campaign_pivot case "$KERNELS" <"$OUT/cells" |
	campaign_table "$OUT/matrix.md" 50 5 0 0 "$(printf 'case'; for k in $KERNELS; do printf '\t%.5s' "${k#mutant-}"; done)" |
	tee "$OUT/matrix.term"

# The judge: the first rule of configs/expected-matrix matching kernel and
# case gives the expected verdict. A kernel that produced no cells deviates.
# shellcheck disable=SC2086
{
	campaign_missing "$OUT/cells" $KERNELS | sed "s|.*|DEVIATION: &: no results (see $OUT/&.log)|"
	while read -r name k got; do
		expect_want "$k" "$name"
		[[ $got == "$EXPECT_WANT" ]] || echo "DEVIATION: $k $name: got $got, expected $EXPECT_WANT"
	done <"$OUT/cells"
} | tee "$OUT/deviations"

# The closing summary (also OUT/summary): deviations by kernel and by
# family (the first component of the case name), the next step.
{
	printf 'matrix: summary: %d kernels, %d cells, %d deviations from configs/expected-matrix\n' \
		"$(wc -w <<<"$KERNELS")" "$(wc -l <"$OUT/cells")" "$(wc -l <"$OUT/deviations")"
	if [[ -s $OUT/deviations ]]; then
		awk '{ sub(/:$/, "", $2); print $2 }' "$OUT/deviations" | campaign_tally "deviations by kernel"
		awk 'NF > 3 { split($3, p, "/"); print p[1] }' "$OUT/deviations" | campaign_tally "deviations by family"
		echo "matrix: next: read the DEVIATION lines above (and $OUT/<kernel>.log); a verdict that changed on purpose goes into configs/expected-matrix"
	else
		echo "matrix: next: nothing: every cell is as configs/expected-matrix says"
	fi
	echo "matrix: results: $OUT (matrix.md, cells, deviations, <kernel>.ktap and .log)"
} | tee "$OUT/summary"
echo "matrix: $OUT/matrix.md"
[[ ! -s $OUT/deviations ]]
