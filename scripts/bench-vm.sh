#!/usr/bin/env bash
set -euo pipefail
# Where the VM gate's time goes: kernel fetch (or cache hit), boot, suite.
#   scripts/bench-vm.sh [KERNEL=..] [T=..] [EXPECT=..]   (BENCH_CMD='uname -r' for a bare boot)
# Boot and suite times are the guest's uptime when the command starts and
# ends; the rest of the total is host-side setup and poweroff.

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR/..
source "$repo/harness/lib/args.sh"
args_export bench-vm 'KERNEL T EXPECT VM_TIMEOUT BENCH_CMD' "$@" || exit 2
now() { date +%s%3N; }

t0=$(now)
kimg=$("$repo/scripts/fetch-kernel.sh" "${KERNEL:-debian}")
t1=$(now)
# fetch-kernel.sh leaves its first-download timings next to the unpacked tree.
cold='n/a (not a fetched kernel)'
d=$kimg
while [[ $d == */* && ${d%/*} != "" ]]; do
	d=${d%/*}
	if [[ -f $d/fetch-info ]]; then cold=$(grep _s= "$d/fetch-info" | tr '\n' ' '); break; fi
done

if [[ -n ${BENCH_CMD:-} ]]; then
	cmd=$BENCH_CMD
else
	cmd="harness/run RESULTS=$(printf %q "$repo/results")"
	[[ -z ${T:-} ]] || cmd+=" T=$(printf %q "$T")"
	[[ -z ${EXPECT:-} ]] || cmd+=" EXPECT=$(printf %q "$(realpath "$EXPECT")")"
	[[ ! -f $repo/tests/Makefile ]] || make -s -C "$repo/tests" >&2
fi
# shellcheck disable=SC2016  # expands in the guest
mark='echo "bench-uptime $(cut -d" " -f1 /proc/uptime)" >&2'
err=$(mktemp)
trap 'rm -f "$err"' EXIT
rc=0
VM_CMD="$mark; $cmd; rc=\$?; $mark; exit \$rc" KERNEL=$kimg \
	"$repo/scripts/vm-run.sh" 2>"$err" || rc=$?
t2=$(now)
grep -v '^bench-uptime ' "$err" >&2 || true

read -r boot end < <(awk '/^bench-uptime / {u[n++] = $2} END {print u[0], u[1]}' "$err")
total=$((t2 - t1))
awk -v f=$((t1 - t0)) -v b="${boot:-0}" -v e="${end:-0}" -v t="$total" -v c="$cold" -v rc="$rc" 'BEGIN {
	printf "kernel fetch/cache:  %.1f s (first download: %s)\n", f / 1000, c
	printf "boot to command:     %.1f s (guest uptime)\n", b
	printf "suite (command):     %.1f s\n", e - b
	printf "VM run total:        %.1f s (exit %d)\n", t / 1000, rc
	printf "suite share of total: %.0f %%\n", t ? 100 * (e - b) * 1000 / t : 0
}'
exit "$rc"
