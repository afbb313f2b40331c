#!/usr/bin/env bash
set -euo pipefail
# The slow check: do the verdicts survive load? Runs the VM gate on KERNEL
# once on a quiet host, then RUNS times with HOGS busy loops beside the VM
# (default: one per host CPU), and compares each loaded run's verdict set
# with the quiet run's. Every case whose verdict differs is named, with
# both verdicts and the loaded run's diagnosis; exit 1 then. A forcing mode
# that cannot prove its hold under load retries and at worst skips, saying
# why (docs/forcing.md, "Forcing under load"): a skip where the quiet run passed or
# failed is a difference too. Quiet means no hogs of ours; whatever else
# the host runs is not stopped.
#   scripts/load-vm.sh [KERNEL=debian:trixie-backports/7.3|PATH] [T=<glob>] [EXPECT=FILE] [SLOW=1] [RUNS=1] [HOGS=<CPUs>]
# Results: results/load-<date>/{quiet,load-N}/ (each run's RESULTS, with
# its vm-run log as run.log). Exit: 0 the same verdicts in every run, 1 a
# difference or a run that left no results, 2 bad input.

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign.sh
campaign_start load-vm 'KERNEL T EXPECT SLOW RUNS HOGS' "$@"
count=${RUNS:-1}
hogs=${HOGS:-$(nproc)}
bad() { echo "load-vm: $*" >&2; exit 2; }
[[ $count =~ ^[1-9][0-9]*$ ]] || bad "RUNS wants a number of loaded runs, not '$count'"
[[ $hogs =~ ^[1-9][0-9]*$ ]] || bad "HOGS wants a number of busy loops, not '$hogs'"
[[ -z ${EXPECT:-} || -r $EXPECT ]] || bad "EXPECT: cannot read '$EXPECT'"

# The same programs, harness and kernel in every run, whatever happens to
# the tree.
campaign_dir load
out=$OUT
campaign_kernel "${KERNEL:-debian:trixie-backports/7.3}" kernel || exit 2

pids=()
hogs_stop() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	pids=()
}
trap hogs_stop EXIT

# run NAME: the VM gate into $out/NAME; its verdicts in $out/NAME.cases.
run() {
	campaign_run "$out" "$1" "$out/$1/latest/results.ktap" T="${T:-}" EXPECT="${EXPECT:-}" SLOW="${SLOW:-}" \
		RESULTS="$out/$1" TESTS_DIR="$out/tests" HARNESS="$out/harness"
	if [[ ! -s $out/$1/latest/results.ktap ]]; then
		echo "load-vm: $1: the VM run left no results (exit $RC): $out/$1.log" >&2
		return 1
	fi
	ktap_cases "$out/$1.ktap" | sort >"$out/$1.cases"
	echo "load-vm: $1: $(wc -l <"$out/$1.cases") cases"
}

# diagnosis KTAP CASE: the case's last diagnostic line (its verdict's reason).
diagnosis() {
	awk -v c="$2" 'index($0, "    # " c ": ") == 1 { d = substr($0, length(c) + 9) }
		END { if (d != "") print d }' "$1"
}

run quiet
differ=0
for ((i = 1; i <= count; i++)); do
	for ((h = 0; h < hogs; h++)); do
		(while :; do :; done) &
		pids+=($!)
	done
	rc=0
	run "load-$i" || rc=$?
	hogs_stop
	((rc == 0)) || { differ=1; continue; }
	n=0
	while read -r c q l; do
		printf 'load-vm: load-%d: %s: %s quiet, %s loaded' "$i" "$c" "$q" "$l"
		d=$(diagnosis "$out/load-$i/latest/results.ktap" "$c")
		[[ -z $d ]] && echo || echo " ($d)"
		n=$((n + 1))
	done < <(join -a1 -a2 -e - -o 0,1.2,2.2 "$out/quiet.cases" "$out/load-$i.cases" | awk '$2 != $3')
	((n == 0)) || differ=1
	echo "load-vm: load-$i: $n case(s) differ from the quiet run"
done
echo "load-vm: results in $out"
exit "$differ"
