#!/usr/bin/env bash
set -euo pipefail
# make history: the suite in the VM on one Debian kernel of every series
# (configs/history-kernels) with configs/known-issues as the expectations.
# Prints a table (rows: case families, columns: kernels; cells: how many
# cases passed, failed as known, skipped) and the package versions and
# times, writes both as markdown into results/history-*/, and fails naming
# kernel and case wherever a kernel disagrees with configs/known-issues: a
# failure no range covers, or a pass inside a range (XPASS).
#   scripts/history.sh [SERIES="6.1 7.3"] [T=<glob>] [FROM=<dir>] [README=1]
# FROM= re-reads the runs of an earlier history directory (no VM). README=1
# writes the tables, dated, between the history markers of README.md.

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
{
	source harness/lib/args.sh
	source harness/lib/ktap.sh
	source scripts/lib/freeze.sh
}
# shellcheck source-path=SCRIPTDIR/..
source harness/lib/keep.sh
args_export history 'SERIES T FROM README KEEP' "$@" || exit 2
keep_check history || exit 2
list=configs/history-kernels
expect=configs/known-issues

names=() specs=()
n=0
while read -r s spec extra || [[ -n $s ]]; do
	n=$((n + 1))
	[[ -z $s || $s == \#* ]] && continue
	[[ $s =~ ^[0-9]+\.[0-9]+$ && $spec == debian:* && -z $extra ]] ||
		{ echo "history: $list:$n: want '<series> debian:<suite>/<version>'" >&2; exit 2; }
	[[ -z ${SERIES:-} || " $SERIES " == *" $s "* ]] || continue
	names+=("$s") specs+=("$spec")
done <"$list"
((${#names[@]})) || { echo "history: no kernel of '${SERIES:-}' in $list" >&2; exit 2; }

out=results/history-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$out"
keep_lock "$out"
keep_prune results
[[ -n ${FROM:-} ]] || freeze_suite "$out"
if [[ -n ${FROM:-} ]]; then cp "$FROM/date" "$out/date" 2>/dev/null || echo unknown >"$out/date"; else date -u +%Y-%m-%d >"$out/date"; fi
: >"$out/kernels"
for i in "${!names[@]}"; do
	s=${names[i]} spec=${specs[i]}
	if [[ -n ${FROM:-} ]]; then
		cp "$FROM/$s.ktap" "$out/$s.ktap" 2>/dev/null || : >"$out/$s.ktap"
		grep "^$s " "$FROM/kernels" >>"$out/kernels" || echo "$s ? ? 255 0" >>"$out/kernels"
		continue
	fi
	t0=$SECONDS rc=0 pkg='?' rel='?'
	# The fetch is timed apart from the run: downloads are cached after the first.
	if kimg=$(scripts/fetch-kernel.sh "$spec" 2>"$out/$s.log"); then
		tf=$((SECONDS - t0))
		info=${kimg%/root/*}/fetch-info
		pkg=$(sed -n 's/^packages=\([^ =]*\)=\([^ ]*\).*/\1=\2/p' "$info" 2>/dev/null || true)
		rel=$(sed -n 's/^release=//p' "$info" 2>/dev/null || true)
		scripts/vm-run.sh KERNEL="$kimg" T="${T:-}" EXPECT="$expect" RESULTS="$out/runs/$s" \
			TESTS_DIR="$out/tests" HARNESS="$out/harness" >>"$out/$s.log" 2>&1 || rc=$?
	else
		rc=$? tf=0
	fi
	cp "$out/runs/$s/latest/results.ktap" "$out/$s.ktap" 2>/dev/null || : >"$out/$s.ktap"
	echo "$s ${pkg:-?} ${rel:-?} $rc $((SECONDS - t0 - tf))" >>"$out/kernels"
	printf 'history: %-5s %-46s exit %d, run %d s\n' "$s" "${pkg:-?}" "$rc" $((SECONDS - t0 - tf))
done

# Cells: "case series verdict"; a family is the case without direction and
# slot change (nvme/tags-exhausted, send_zc/import-once, sweep/nvme).
for s in "${names[@]}"; do
	ktap_cases "$out/$s.ktap" | awk -v k="$s" '{ print $1, k, $2 }'
done >"$out/cells"
awk -v kernels="${names[*]}" -v md="$out/history.md" '
	function fam(c, a, n) {
		n = split(c, a, "/")
		return (a[1] == "sweep" || n < 4) ? a[1] "/" a[2] : a[1] "/" a[3]
	}
	# p pass, x known failure (XFAIL), s skip; F and P disagree with known-issues.
	BEGIN { nk = split(kernels, ks, " "); code["pass"] = "p"; code["xfail"] = "x"
		code["skip"] = "s"; code["fail"] = "F"; code["xpass"] = "P" }
	{ f = fam($1); if (!(f in seen)) { seen[f]; rows[++nr] = f }
	  cnt[f, $2, code[$3]]++ }
	function cell(f, k, out, i, c) {
		out = ""
		for (i = 1; i <= 5; i++) {
			c = substr("FPxps", i, 1)
			if ((f, k, c) in cnt) out = out (out == "" ? "" : " ") cnt[f, k, c] c
		}
		return out == "" ? "-" : out
	}
	END {
		printf "| family |" > md
		for (i = 1; i <= nk; i++) printf " %s |", ks[i] > md
		printf "\n|---|" > md
		for (i = 1; i <= nk; i++) printf "---|" > md
		printf "\n" > md
		line = sprintf("%-26s", "family")
		for (i = 1; i <= nk; i++) line = line sprintf(" %-8s", ks[i])
		print line
		for (r = 1; r <= nr; r++) {
			printf "| %s |", rows[r] > md
			line = sprintf("%-26s", rows[r])
			for (i = 1; i <= nk; i++) {
				c = cell(rows[r], ks[i])
				printf " %s |", c > md
				line = line sprintf(" %-8s", c)
			}
			printf "\n" > md
			print line
		}
	}' "$out/cells" | tee "$out/history.term"
{
	echo
	echo "Cells: p passed, x failed as configs/known-issues says (the late lookup),"
	echo "s skipped (feature or device missing in that kernel); F failed and P"
	echo "passed against configs/known-issues."
	echo
	echo "| series | package | release | exit | VM run, boot included (s) |"
	echo "|---|---|---|---|---|"
	while read -r s pkg rel rc secs; do
		echo "| $s | $pkg | $rel | $rc | $secs |"
	done <"$out/kernels"
} | tee -a "$out/history.md"

# A disagreement names kernel and case; a kernel without cases is one too.
{
	while read -r s pkg _ rc _; do
		grep -q " $s " "$out/cells" || echo "DISAGREES: $s ($pkg): no results, exit $rc (see $out/$s.log)"
	done <"$out/kernels"
	while read -r name k got; do
		case $got in
		fail) echo "DISAGREES: $k $name: failed, configs/known-issues has no range for it" ;;
		xpass) echo "DISAGREES: $k $name: passed inside its configs/known-issues range" ;;
		esac
	done <"$out/cells"
} | tee "$out/disagreements"
bad=0
[[ ! -s $out/disagreements ]] || bad=1
# What the harness saw about whole programs (kernel splats, timeouts,
# crashes): not a case of configs/known-issues, so reported, not judged.
for s in "${names[@]}"; do
	sed -n "s/^# \([a-z0-9_]*: \(kernel splat\|TIMEOUT\|killed by signal\|exit status\|no TAP plan\|plan \)\)/PROGRAM: $s \1/p" "$out/$s.ktap"
done | tee "$out/programs"
# The closing summary of the tables (also $out/summary): disagreements by
# kernel, by family (the first component of the case name) and by kind,
# whole-program findings, the next step; "history: <table>" stays last.
{
	printf 'history: summary: %d kernels, %d cells, %d disagreements with configs/known-issues, %d whole-program findings\n' \
		"${#names[@]}" "$(wc -l <"$out/cells")" "$(wc -l <"$out/disagreements")" "$(wc -l <"$out/programs")"
	if [[ -s $out/disagreements ]]; then
		awk '{ k = $2; sub(/:$/, "", k); n[k]++; if (!(k in s)) { s[k]; o[++m] = k } }
			END { printf "history: disagreements by kernel:"; for (i = 1; i <= m; i++) printf "%s %d %s", (i > 1 ? "," : ""), n[o[i]], o[i]; print "" }' "$out/disagreements"
		awk '$3 ~ /:$/ { c = $3; sub(/:$/, "", c); split(c, p, "/"); f = p[1]; n[f]++; if (!(f in s)) { s[f]; o[++m] = f }
				if ($0 ~ /: failed,/) fl++; else if ($0 ~ /: passed inside/) ps++ }
			END { if (m) { printf "history: disagreements by family:"; for (i = 1; i <= m; i++) printf "%s %d %s", (i > 1 ? "," : ""), n[o[i]], o[i]; print ""
				printf "history: %d failed where configs/known-issues has no range, %d passed inside a range\n", fl, ps } }' "$out/disagreements"
		echo "history: next: a failure with no range is a new gap or a regression (its log in $out/<series>.log); a pass inside a range means the range ends earlier: fix configs/known-issues, with the source line"
	else
		echo "history: next: nothing: every kernel as configs/known-issues says"
	fi
	echo "history: results: $out (history.md, cells, disagreements, programs, <series>.ktap and .log)"
} | tee "$out/summary"
echo "history: $out/history.md"
if [[ ${README:-} == 1 ]]; then
	grep -q '^<!-- history:begin -->$' README.md || { echo "history: README.md has no history markers" >&2; exit 2; }
	{
		echo "Measured $(cat "$out/date") by \`make history\`: every cell as configs/known-issues says unless listed below the tables."
		echo
		cat "$out/history.md"
		[[ ! -s $out/disagreements ]] || { echo; sed 's/^/    /' "$out/disagreements"; }
		[[ ! -s $out/programs ]] || { echo; echo "Whole-program findings (reported, not judged):"; echo; sed 's/^/    /' "$out/programs"; }
	} >"$out/readme-block"
	awk -v blk="$out/readme-block" '/^<!-- history:end -->$/ { skip = 0 }
		!skip { print }
		/^<!-- history:begin -->$/ { while ((getline l < blk) > 0) print l; skip = 1 }' \
		README.md >"$out/README.md" && cat "$out/README.md" >README.md
	echo "history: README.md table updated"
fi
exit "$bad"
