#!/usr/bin/env bash
set -euo pipefail
# On a real kernel in the VM: no ublk device, server process, id file or
# module load of the suite is left after a ublk program ends in any way
# (scripts/lib/ublk-restore-guest.sh).
#   scripts/ublk-restore-vm.sh [KERNEL=debian|debian:[SUITE/]VERSION|PATH]   (default: debian)
# Exit 0 nothing left, 1 something left (shown), 2 bad arguments.

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
{
	source harness/lib/args.sh
	source scripts/lib/freeze.sh
}
args_export ublk-restore-vm 'KERNEL' "$@" || exit 2
out=$PWD/results/ublk-restore-$(date +%Y%m%d-%H%M%S)
freeze_suite "$out"
scripts/vm-run.sh KERNEL="${KERNEL:-debian}" VM_TIMEOUT=900 VM_CMD="scripts/lib/ublk-restore-guest.sh $out"
