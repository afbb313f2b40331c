#!/usr/bin/env bash
set -euo pipefail
# Verdict stability in the VM: boots KERNEL once and runs the suite (or a
# T= selection) RUNS times in a row inside it, each run creating and
# removing its devices, then prints how many distinct verdict sets came out
# (1: deterministic) and the wall time of each run.
#   scripts/repeat-vm.sh [RUNS=20] [KERNEL=debian|PATH] [T=<glob>]

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign.sh
campaign_start repeat-vm 'RUNS KERNEL T' "$@"
count=${RUNS:-20}
# A frozen copy of the programs and the harness: the tree may change meanwhile.
campaign_dir repeat
out=$OUT

# Inside the guest: the harness RUNS times; its exit status is not ours.
guest="for i in \$(seq $count); do s=\$(date +%s); $out/harness/run RESULTS=$out/\$i TESTS_DIR=$out/tests T='${T:-}' >$out/\$i.log 2>&1; echo \"run \$i: exit \$?, \$((\$(date +%s) - s)) s\"; done"
rc=0
scripts/vm-run.sh KERNEL="${KERNEL:-debian}" VM_TIMEOUT=$((600 + count * 300)) VM_CMD="$guest" || rc=$?
((rc == 0)) || { echo "repeat-vm: the VM run failed (exit $rc)" >&2; exit 1; }

declare -A sets=()
for ((i = 1; i <= count; i++)); do
	[[ -f $out/$i/latest/results.ktap ]] || { echo "repeat-vm: run $i left no results" >&2; exit 1; }
	sum=$(ktap_cases "$out/$i/latest/results.ktap" | sort | md5sum)
	sets[${sum%% *}]+=" $i"
done
echo "runs: $count, distinct verdict sets: ${#sets[@]}"
for s in "${!sets[@]}"; do echo "  $s: runs${sets[$s]}"; done
((${#sets[@]} == 1))
