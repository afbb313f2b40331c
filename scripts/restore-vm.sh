#!/usr/bin/env bash
set -euo pipefail
# On a real kernel in the VM: after a run that passes or fails, times out,
# is stopped with Ctrl-C, or is killed with SIGKILL and followed by the
# next run, every fault attribute, configfs object, device, tracefs
# instance and module is as it was before (scripts/lib/restore-guest.sh).
#   scripts/restore-vm.sh [KERNEL=<kernel>]   (scripts/lib/campaign.sh's names; default: patched)
# Exit 0 all restored, 1 a difference (shown), 2 bad arguments.

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign.sh
campaign_start restore-vm 'KERNEL' "$@"
campaign_dir restore
campaign_kernel "${KERNEL:-patched}" || exit 2
scripts/vm-run.sh KERNEL="$KIMG" VM_TIMEOUT=900 VM_CMD="scripts/lib/restore-guest.sh $PWD/$OUT"
