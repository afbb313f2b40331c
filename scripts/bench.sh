#!/usr/bin/env bash
set -euo pipefail
# Runs the suite N times (default 50) on the running kernel and prints the
# wall time of each run (min / median / max) and whether every run gave the
# same verdicts. Figures only: it asserts nothing about speed.

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source harness/lib/ktap.sh
runs=${1:-50}
if (($# > 1)) || [[ ! $runs =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: scripts/bench.sh [RUNS]   (a number of runs, default 50; make bench RUNS=N)" >&2
	exit 2
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

declare -A verdicts=()
times=()
for ((i = 1; i <= runs; i++)); do
	start=$(date +%s%N)
	rc=0
	harness/run RESULTS="$out/r$i" EXPECT= >"$out/log" 2>&1 || rc=$?
	end=$(date +%s%N)
	times+=($(((end - start) / 1000000)))
	# Case verdicts without numbering: "name pass|fail|skip".
	sum=$(ktap_cases "$out/r$i"/latest/results.ktap | sort | md5sum)
	verdicts["${sum%% *} exit $rc"]=$i
	rm -rf "$out/r$i"
done

mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
printf 'runs: %d\n' "$runs"
printf 'wall time per run (ms): min %d, median %d, max %d\n' \
	"${sorted[0]}" "${sorted[$((runs / 2))]}" "${sorted[-1]}"
printf 'distinct verdict sets: %d\n' "${#verdicts[@]}"
for v in "${!verdicts[@]}"; do
	printf '  %s (last seen in run %d)\n' "$v" "${verdicts[$v]}"
done
