#!/usr/bin/env bash
set -euo pipefail
# Every test program has been through `make matrix`: at least one line of
# configs/expected-matrix names one of its cases (a program whose cases pass
# on every kernel says so with an explicit 'pass' line). A new program with
# no line was never measured against the kernels; make check fails on it,
# naming the program.
#   scripts/expect-lint.sh [TESTS_DIR]   (default build/tests)
# Exit: 0 every program named, 1 one is not, 2 bad input.

repo=$(cd "$(dirname "$0")/.." && pwd)
tests=${1:-$repo/build/tests}
matrix=${EXPECT_MATRIX:-$repo/configs/expected-matrix}
# shellcheck source-path=SCRIPTDIR/..
source "$repo/harness/lib/pattern.sh"
(($# <= 1)) || { echo "usage: $0 [TESTS_DIR]" >&2; exit 2; }
[[ -d $tests && -r $matrix ]] || { echo "expect-lint: no $tests or $matrix (make build first)" >&2; exit 2; }

mapfile -t pats < <(awk '!/^#/ && NF == 3 {print $2}' "$matrix")
bad=0 n=0
for p in "$tests"/*; do
	[[ -f $p && -x $p ]] || continue
	n=$((n + 1))
	named=
	while read -r c; do
		for pat in "${pats[@]}"; do
			pat_match "$c" "$pat" && { named=1; break 2; }
		done
	done < <(timeout 10 "$p" -l 2>/dev/null </dev/null)
	if [[ -z $named ]]; then
		echo "expect-lint: ${p##*/}: no line of ${matrix#"$repo"/} names any of its cases (run make matrix and make history with it, then record what they show)"
		bad=1
	fi
done
((bad)) || echo "expect-lint: all $n programs have lines in ${matrix#"$repo"/}"
exit "$bad"
