#!/usr/bin/env bash
set -euo pipefail
# On a real kernel in the VM: no ublk device, server process, id file or
# module load of the suite is left after a ublk program ends in any way
# (scripts/lib/ublk-restore-guest.sh).
#   scripts/ublk-restore-vm.sh [KERNEL=<kernel>]   (scripts/lib/campaign.sh's names; default: debian)
# Exit 0 nothing left, 1 something left (shown), 2 bad arguments.

cd "$(dirname "$0")/.."
# shellcheck source-path=SCRIPTDIR/..
source scripts/lib/campaign.sh
campaign_start ublk-restore-vm 'KERNEL' "$@"
campaign_dir ublk-restore
campaign_kernel "${KERNEL:-debian}" || exit 2
scripts/vm-run.sh KERNEL="$KIMG" VM_TIMEOUT=900 VM_CMD="scripts/lib/ublk-restore-guest.sh $PWD/$OUT"
