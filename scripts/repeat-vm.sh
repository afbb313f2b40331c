#!/usr/bin/env bash
set -euo pipefail
# Verdict stability in the VM: boots KERNEL once and runs the suite (or a
# T= selection) RUNS times in a row inside it, each run creating and
# removing its devices, then prints how many distinct verdict sets came out
# (1: deterministic) and the wall time of each run.
#   scripts/repeat-vm.sh [RUNS=20] [KERNEL=debian|PATH] [T=<glob>]

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
{
	source harness/lib/args.sh
	source harness/lib/ktap.sh
	source scripts/lib/freeze.sh
}
args_export repeat-vm 'RUNS KERNEL T' "$@" || exit 2
runs=${RUNS:-20}
out=results/repeat-$(date +%Y%m%d-%H%M%S)
# A frozen copy of the programs and the harness: the tree may change meanwhile.
freeze_suite "$out"

# Inside the guest: the harness RUNS times; its exit status is not ours.
guest="for i in \$(seq $runs); do s=\$(date +%s); $out/harness/run RESULTS=$out/\$i TESTS_DIR=$out/tests T='${T:-}' >$out/\$i.log 2>&1; echo \"run \$i: exit \$?, \$((\$(date +%s) - s)) s\"; done"
rc=0
scripts/vm-run.sh KERNEL="${KERNEL:-debian}" VM_TIMEOUT=$((600 + runs * 300)) VM_CMD="$guest" || rc=$?
((rc == 0)) || { echo "repeat-vm: the VM run failed (exit $rc)" >&2; exit 1; }

declare -A sets=()
for ((i = 1; i <= runs; i++)); do
	[[ -f $out/$i/latest/results.ktap ]] || { echo "repeat-vm: run $i left no results" >&2; exit 1; }
	sum=$(ktap_cases "$out/$i/latest/results.ktap" | sort | md5sum)
	sets[${sum%% *}]+=" $i"
done
echo "runs: $runs, distinct verdict sets: ${#sets[@]}"
for s in "${!sets[@]}"; do echo "  $s: runs${sets[$s]}"; done
((${#sets[@]} == 1))
