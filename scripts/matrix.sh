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
{
	source harness/lib/args.sh
	source harness/lib/ktap.sh
	source harness/lib/pattern.sh
	source scripts/lib/freeze.sh
}
# shellcheck source-path=SCRIPTDIR/..
source harness/lib/keep.sh
args_export matrix 'KERNELS T FROM KEEP' "$@" || exit 2
keep_check matrix || exit 2
expected=configs/expected-matrix

# rules_load FILE: RULE_K, RULE_C, RULE_V from "<kernel-pattern>
# <case-pattern> <verdict>" lines; exit 2 after one file:line message, before
# any VM has run.
RULE_K=() RULE_C=() RULE_V=()
rules_load() {
	local file=$1 n=0 kp cp v extra
	while read -r kp cp v extra || [[ -n $kp ]]; do
		n=$((n + 1))
		[[ -z $kp || $kp == \#* ]] && continue
		[[ -n $v && -z $extra ]] ||
			rules_bad "$file:$n: want '<kernel-pattern> <case-pattern> <pass|fail|skip>'"
		[[ $v =~ ^(pass|fail|skip)$ ]] || rules_bad "$file:$n: verdict '$v' is not pass, fail or skip"
		pat_check "$kp" || rules_bad "$file:$n: bad kernel pattern: $PAT_ERR"
		pat_check "$cp" || rules_bad "$file:$n: bad case pattern: $PAT_ERR"
		RULE_K+=("$kp") RULE_C+=("$cp") RULE_V+=("$v")
	done <"$file"
}
rules_bad() { echo "matrix: $*" >&2; exit 2; }

# rules_want KERNEL CASE: WANT = the verdict of the first rule matching both,
# pass when none does.
rules_want() {
	local i
	WANT=pass
	for i in "${!RULE_K[@]}"; do
		if pat_match "$1" "${RULE_K[i]}" && pat_match "$2" "${RULE_C[i]}"; then
			WANT=${RULE_V[i]}
			return 0
		fi
	done
}

rules_load "$expected"
if [[ -z ${KERNELS:-} ]]; then
	KERNELS="stock patched"
	for m in patches/mutants/*.patch; do KERNELS+=" mutant-$(basename "$m" .patch)"; done
	KERNELS+=" debian"
fi
out=results/matrix-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
keep_lock "$out"
keep_prune results
# One frozen build of the tests and copy of the harness for every kernel:
# the same programs in every column, even while the tree changes (FROM=
# runs nothing, so it builds nothing).
[[ -n ${FROM:-} ]] || freeze_suite "$out"

# One VM run per kernel, each with its own results root (nothing else's
# run can be mistaken for it); its KTAP stream is kept as <kernel>.ktap.
for k in $KERNELS; do
	if [[ -n ${FROM:-} ]]; then
		cp "$FROM/$k.ktap" "$out/$k.ktap" 2>/dev/null || : >"$out/$k.ktap"
		continue
	fi
	t0=$SECONDS
	if [[ $k == debian ]]; then
		img=${FIXBUF_DEBIAN_KERNEL:-debian:trixie-backports/7.3}
	else
		img=$(scripts/build-kernel.sh "$k")
	fi
	rc=0
	# SLOW=1: every forcing mode on every kernel, the slow ones too.
	scripts/vm-run.sh KERNEL="$img" T="${T:-}" SLOW=1 RESULTS="$out/runs/$k" \
		TESTS_DIR="$out/tests" HARNESS="$out/harness" >"$out/$k.log" 2>&1 || rc=$?
	cp "$out/runs/$k/latest/results.ktap" "$out/$k.ktap" 2>/dev/null || : >"$out/$k.ktap"
	printf 'matrix: %-36s exit %d, %d s\n' "$k" "$rc" $((SECONDS - t0))
done

# Cells: "case kernel verdict" from the case lines of each stream. The runs
# have no expectations; a FROM= stream that had them still gives raw
# verdicts: an expected failure (xfail) is a failing cell, an xpass a pass.
for k in $KERNELS; do
	ktap_cases "$out/$k.ktap" | awk -v k="$k" '{
		v = ($2 == "xfail") ? "fail" : ($2 == "xpass") ? "pass" : $2
		print $1, k, v }'
done >"$out/cells"

# The table, terminal and markdown, from the same awk.
awk -v kernels="$KERNELS" -v md="$out/matrix.md" '
	BEGIN { nk = split(kernels, ks, " ") }
	{ cell[$1, $2] = $3; if (!($1 in seen)) { seen[$1]; rows[++nr] = $1 } }
	END {
		printf "| case |" > md
		for (i = 1; i <= nk; i++) printf " %s |", ks[i] > md
		printf "\n|---|" > md
		for (i = 1; i <= nk; i++) printf "---|" > md
		printf "\n" > md
		for (r = 1; r <= nr; r++) {
			printf "| %s |", rows[r] > md
			line = sprintf("%-50s", rows[r])
			for (i = 1; i <= nk; i++) {
				c = ((rows[r], ks[i]) in cell) ? cell[rows[r], ks[i]] : "-"
				printf " %s |", c > md
				line = line sprintf(" %-5s", c)
			}
			printf "\n" > md
			print line
		}
	}' "$out/cells" >"$out/matrix.txt"
{
	printf '%-50s' case
	for k in $KERNELS; do printf ' %.5s' "${k#mutant-}"; done
	echo
	cat "$out/matrix.txt"
} | tee "$out/matrix.term"

# Compare: the first rule of configs/expected-matrix matching kernel and case
# gives the expected verdict. A kernel that produced no cells is a deviation.
dev=0
: >"$out/deviations"
for k in $KERNELS; do
	grep -q " $k " "$out/cells" || { echo "DEVIATION: $k: no results (see $out/$k.log)" | tee -a "$out/deviations"; dev=1; }
done
while read -r name k got; do
	rules_want "$k" "$name"
	if [[ $got != "$WANT" ]]; then
		echo "DEVIATION: $k $name: got $got, expected $WANT" | tee -a "$out/deviations"
		dev=1
	fi
done <"$out/cells"

# The closing summary of the table (also $out/summary): deviations by
# kernel and by family (the first component of the case name), then the
# next step; "matrix: <table>" stays the last line.
{
	printf 'matrix: summary: %d kernels, %d cells, %d deviations from configs/expected-matrix\n' \
		"$(wc -w <<<"$KERNELS")" "$(wc -l <"$out/cells")" "$(wc -l <"$out/deviations")"
	if [[ -s $out/deviations ]]; then
		awk '{ k = $2; sub(/:$/, "", k); n[k]++; if (!(k in s)) { s[k]; o[++m] = k } }
			END { printf "matrix: deviations by kernel:"; for (i = 1; i <= m; i++) printf "%s %d %s", (i > 1 ? "," : ""), n[o[i]], o[i]; print "" }' "$out/deviations"
		awk 'NF > 3 { split($3, p, "/"); f = p[1]; n[f]++; if (!(f in s)) { s[f]; o[++m] = f } }
			END { if (m) { printf "matrix: deviations by family:"; for (i = 1; i <= m; i++) printf "%s %d %s", (i > 1 ? "," : ""), n[o[i]], o[i]; print "" } }' "$out/deviations"
		echo "matrix: next: read the DEVIATION lines above (and $out/<kernel>.log); a verdict that changed on purpose goes into configs/expected-matrix"
	else
		echo "matrix: next: nothing: every cell is as configs/expected-matrix says"
	fi
	echo "matrix: results: $out (matrix.md, cells, deviations, <kernel>.ktap and .log)"
} | tee "$out/summary"
echo "matrix: $out/matrix.md"
exit "$dev"
