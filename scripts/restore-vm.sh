#!/usr/bin/env bash
set -euo pipefail
# On a real kernel in the VM: after a run that passes or fails, times out,
# is stopped with Ctrl-C, or is killed with SIGKILL and followed by the
# next run, every fault attribute, configfs object, device, tracefs
# instance and module is as it was before (scripts/lib/restore-guest.sh).
#   scripts/restore-vm.sh [KERNEL=PATH]   (default: the suite's patched build)
# Exit 0 all restored, 1 a difference (shown), 2 bad arguments.

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
{
	source harness/lib/args.sh
	source scripts/lib/freeze.sh
}
args_export restore-vm 'KERNEL' "$@" || exit 2
out=$PWD/results/restore-$(date +%Y%m%d-%H%M%S)
freeze_suite "$out"
kimg=${KERNEL:-$(scripts/build-kernel.sh patched)}
scripts/vm-run.sh KERNEL="$kimg" VM_TIMEOUT=900 VM_CMD="scripts/lib/restore-guest.sh $out"
