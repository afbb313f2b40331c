#!/usr/bin/env bash
set -euo pipefail
# The verdict matrix: runs the suite in the VM against each kernel (stock
# 7.2, patched 7.2, every mutant, Debian's prebuilt kernel), prints a table
# (rows: cases; columns: kernels; cells: pass / fail / skip), writes it as
# markdown into the results directory, and compares every cell with
# configs/expected-matrix. Exit 1 on any deviation, naming the cell.
#   scripts/matrix.sh [KERNELS="stock patched ..."] [T=<glob>] [FROM=<dir>]
# FROM= re-reads the <kernel>.ktap streams of an earlier matrix run.

cd "$(dirname "$0")/.."
for a in "$@"; do
	case $a in
	KERNELS=* | T=* | FROM=*) export "${a?}" ;;
	*) echo "matrix: unknown argument '$a'" >&2; exit 2 ;;
	esac
done
expected=configs/expected-matrix
if [[ -z ${KERNELS:-} ]]; then
	KERNELS="stock patched"
	for m in patches/mutants/*.patch; do KERNELS+=" mutant-$(basename "$m" .patch)"; done
	KERNELS+=" debian"
fi
out=results/matrix-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
# One frozen build of the tests for every kernel: the same programs in
# every column, even while the tree changes (FROM= runs nothing).
[[ -n ${FROM:-} ]] || make -s -C tests OUTPUT="$PWD/$out/tests"

# One VM run per kernel, each with its own results root (nothing else's
# run can be mistaken for it); its KTAP stream is kept as <kernel>.ktap.
for k in $KERNELS; do
	if [[ -n ${FROM:-} ]]; then
		cp "$FROM/$k.ktap" "$out/$k.ktap" 2>/dev/null || : >"$out/$k.ktap"
		continue
	fi
	t0=$SECONDS
	if [[ $k == debian ]]; then
		img=debian
	else
		img=$(scripts/build-kernel.sh "$k")
	fi
	rc=0
	scripts/vm-run.sh KERNEL="$img" T="${T:-}" RESULTS="$out/runs/$k" \
		TESTS_DIR="$out/tests" >"$out/$k.log" 2>&1 || rc=$?
	cp "$out/runs/$k/latest/results.ktap" "$out/$k.ktap" 2>/dev/null || : >"$out/$k.ktap"
	printf 'matrix: %-36s exit %d, %d s\n' "$k" "$rc" $((SECONDS - t0))
done

# Cells: "case kernel verdict" from the nested case lines of each stream.
for k in $KERNELS; do
	awk -v k="$k" '/^    (not )?ok [0-9]+ / {
		v = ($1 == "not") ? "fail" : "pass"
		name = ($1 == "not") ? $4 : $3
		if ($0 ~ /# SKIP/) v = "skip"
		print name, k, v }' "$out/$k.ktap"
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
for k in $KERNELS; do
	grep -q " $k " "$out/cells" || { echo "DEVIATION: $k: no results (see $out/$k.log)"; dev=1; }
done
while read -r name k got; do
	want=$(awk -v k="$k" -v c="$name" '
		/^#/ || NF < 3 { next }
		{ kp = $1; cp = $2; gsub(/\./, "\\.", kp); gsub(/\*/, ".*", kp)
		  gsub(/\./, "\\.", cp); gsub(/\*/, ".*", cp)
		  if (k ~ "^(" kp ")$" && c ~ "^(" cp ")$") { print $3; exit } }' "$expected")
	if [[ $got != "${want:-pass}" ]]; then
		echo "DEVIATION: $k $name: got $got, expected ${want:-pass}"
		dev=1
	fi
done <"$out/cells"
echo "matrix: $out/matrix.md"
exit "$dev"
