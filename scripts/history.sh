#!/usr/bin/env bash
set -euo pipefail
# make history: the suite in the VM on one Debian kernel of every series
# (configs/history-kernels) with configs/known-issues as the expectations.
# Prints a table (rows: case families, columns: kernels; cells: how many
# cases passed, failed as known, skipped) and the package versions and
# times, writes both as markdown into results/history-*/ (and nowhere else:
# a person copies a table into the docs when it should stay), and fails
# naming kernel and case wherever a kernel disagrees with
# configs/known-issues: a failure no range covers, or a pass inside a range.
#   scripts/history.sh [SERIES="6.1 7.3"] [T=<glob>] [FROM=<dir>]
# FROM= re-reads the runs of an earlier history directory (no VM).

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign.sh
campaign_start history 'SERIES T FROM' "$@"
list=configs/history-kernels
names=() specs=() n=0
while read -r s spec extra || [[ -n $s ]]; do
	n=$((n + 1))
	[[ -z $s || $s == \#* ]] && continue
	[[ $s =~ ^[0-9]+\.[0-9]+$ && $spec == debian:* && -z $extra ]] ||
		{ echo "history: $list:$n: want '<series> debian:<suite>/<version>'" >&2; exit 2; }
	[[ -z ${SERIES:-} || " $SERIES " == *" $s "* ]] || continue
	names+=("$s") specs+=("$spec")
done <"$list"
((${#names[@]})) || { echo "history: no kernel of '${SERIES:-}' in $list" >&2; exit 2; }

campaign_dir history
if [[ -n ${FROM:-} ]]; then cp "$FROM/date" "$OUT/date" 2>/dev/null || echo unknown >"$OUT/date"; else date -u +%Y-%m-%d >"$OUT/date"; fi
# OUT/kernels: "series package release exit seconds"; the fetch (cached
# after the first) is not in the run's time.
for i in "${!names[@]}"; do
	s=${names[i]} pkg='?' rel='?'
	if [[ -n ${FROM:-} ]]; then
		campaign_run "$OUT" "$s" -
		grep "^$s " "$FROM/kernels" >>"$OUT/kernels" || echo "$s ? ? 255 0" >>"$OUT/kernels"
		continue
	fi
	if campaign_kernel "${specs[i]}" "$s"; then
		info=${KIMG%/root/*}/fetch-info
		pkg=$(sed -n 's/^packages=\([^ =]*\)=\([^ ]*\).*/\1=\2/p' "$info" 2>/dev/null || true)
		rel=$(sed -n 's/^release=//p' "$info" 2>/dev/null || true)
		campaign_run "$OUT" "$s" "$OUT/runs/$s/latest/results.ktap" T="${T:-}" EXPECT=configs/known-issues \
			RESULTS="$OUT/runs/$s" TESTS_DIR="$OUT/tests" HARNESS="$OUT/harness"
	else
		RC=$? SECS=0
	fi
	echo "$s ${pkg:-?} ${rel:-?} $RC $SECS" >>"$OUT/kernels"
done

# Cells: "case series verdict"; a family is the case without direction and
# slot change (nvme/tags-exhausted, send_zc/import-once, sweep/nvme), its
# cell the counts of p pass, x known failure (XFAIL), s skip, and of F and
# P, failures and passes that disagree with known-issues.
campaign_cells "$OUT" "${names[@]}" >"$OUT/cells"
awk 'function fam(c, a, n) {
		n = split(c, a, "/")
		return (a[1] == "sweep" || n < 4) ? a[1] "/" a[2] : a[1] "/" a[3]
	}
	BEGIN { code["pass"] = "p"; code["xfail"] = "x"; code["skip"] = "s"; code["fail"] = "F"; code["xpass"] = "P" }
	{ f = fam($1); if (!(f in seen)) { seen[f]; rows[++nr] = f }
	  if (!($2 in ks)) { ks[$2]; kl[++nk] = $2 }
	  cnt[f, $2, code[$3]]++ }
	END { for (r = 1; r <= nr; r++) for (i = 1; i <= nk; i++) {
		out = ""
		for (j = 1; j <= 5; j++) { c = substr("FPxps", j, 1); if ((rows[r], kl[i], c) in cnt) out = out (out == "" ? "" : " ") cnt[rows[r], kl[i], c] c }
		if (out != "") print rows[r], kl[i], out } }' "$OUT/cells" |
	campaign_pivot family "${names[*]}" | campaign_table "$OUT/history.md" 26 8 | tee "$OUT/history.term"
{
	printf '\n%s\n%s\n%s\n\n' "Cells: p passed, x failed as configs/known-issues says (the late lookup)," \
		"s skipped (feature or device missing in that kernel); F failed and P" "passed against configs/known-issues."
	echo "| series | package | release | exit | VM run, boot included (s) |"
	echo "|---|---|---|---|---|"
	while read -r s pkg rel rc secs; do
		echo "| $s | $pkg | $rel | $rc | $secs |"
	done <"$OUT/kernels"
} | tee -a "$OUT/history.md"

# The judge: a disagreement names kernel and case; a kernel without cases
# is one too.
{
	campaign_missing "$OUT/cells" "${names[@]}" | awk -v out="$OUT" 'NR == FNR { m[$1]; next }
		$1 in m { print "DISAGREES: " $1 " (" $2 "): no results, exit " $4 " (see " out "/" $1 ".log)" }' - "$OUT/kernels"
	awk '$3 == "fail" { print "DISAGREES: " $2 " " $1 ": failed, configs/known-issues has no range for it" }
		$3 == "xpass" { print "DISAGREES: " $2 " " $1 ": passed inside its configs/known-issues range" }' "$OUT/cells"
} | tee "$OUT/disagreements"
# What the harness saw about whole programs (kernel splats, timeouts,
# crashes): not a case of configs/known-issues, so reported, not judged.
for s in "${names[@]}"; do
	sed -n "s/^# \([a-z0-9_]*: \(kernel splat\|TIMEOUT\|killed by signal\|exit status\|no TAP plan\|plan \)\)/PROGRAM: $s \1/p" "$OUT/$s.ktap"
done | tee "$OUT/programs"
# The closing summary (also OUT/summary): disagreements by kernel, by
# family (the first component of the case name) and by kind, whole-program
# findings, the next step, where the tables are.
{
	printf 'history: summary: %d kernels, %d cells, %d disagreements with configs/known-issues, %d whole-program findings\n' \
		"${#names[@]}" "$(wc -l <"$OUT/cells")" "$(wc -l <"$OUT/disagreements")" "$(wc -l <"$OUT/programs")"
	if [[ -s $OUT/disagreements ]]; then
		awk '{ sub(/:$/, "", $2); print $2 }' "$OUT/disagreements" | campaign_tally "disagreements by kernel"
		awk '$3 ~ /:$/ { split($3, p, "/"); sub(/:$/, "", p[1]); print p[1] }' "$OUT/disagreements" | campaign_tally "disagreements by family"
		printf 'history: %d failed where configs/known-issues has no range, %d passed inside a range\n' \
			"$(grep -c ': failed,' "$OUT/disagreements")" "$(grep -c ': passed inside' "$OUT/disagreements")"
		echo "history: next: a failure with no range is a new gap or a regression (its log in $OUT/<series>.log); a pass inside a range means the range ends earlier: fix configs/known-issues, with the source line"
	else
		echo "history: next: nothing: every kernel as configs/known-issues says"
	fi
	echo "history: results: $OUT (history.md, cells, disagreements, programs, <series>.ktap and .log)"
} | tee "$OUT/summary"
echo "history: $OUT/history.md"
[[ ! -s $OUT/disagreements ]]
