#!/usr/bin/env bash
set -euo pipefail
# Inside the VM (scripts/restore-vm.sh): snapshot the global state the
# harness may touch, end a run every way one can end (pass or fail,
# timeout, Ctrl-C, SIGKILL followed by the next run), and compare.
#   restore-guest.sh DIR   (DIR/harness and DIR/tests: a frozen suite)
if (($# != 1)) || [[ ! -d $1 ]]; then
	echo "usage: scripts/lib/restore-guest.sh DIR   (DIR/harness and DIR/tests: a frozen suite; run in the VM by scripts/restore-vm.sh)" >&2
	exit 2
fi
# shellcheck source-path=SCRIPTDIR source=restore-common.sh
source "${BASH_SOURCE[0]%/*}/restore-common.sh"
rg_init "$1" restore
dir=$1 h=("${RG_H[@]}")

# Fault attributes, configfs objects, devices, tracefs instances, the
# scsi_debug delay, io-timeout-fail flags, mounts, leftover journals.
snap() {
	local d f
	{
		for d in /sys/kernel/debug/fail_function /sys/kernel/debug/failslab \
			/sys/kernel/debug/fail_page_alloc /sys/kernel/debug/fail_io_timeout; do
			for f in "$d"/*; do [[ -f $f ]] && echo "$f=$(tr '\n' ' ' <"$f")"; done
		done
		find /sys/kernel/config -maxdepth 3 2>/dev/null | sort
		find /dev -maxdepth 1 -name 'nvme*' -o -maxdepth 1 -name 'ng[0-9]*' -o -maxdepth 1 -name 'sd*' | sort
		find /dev/bsg /sys/class/nvme /sys/kernel/tracing/instances -mindepth 1 -maxdepth 1 2>/dev/null | sort
		grep -e fixbuf -e fuse /proc/mounts || true
		echo "ndelay=$(cat /sys/bus/pseudo/drivers/scsi_debug/ndelay 2>/dev/null || true)"
		for f in /sys/block/*/io-timeout-fail; do [[ -f $f ]] && echo "$f=$(<"$f")"; done
		echo "journals: $(ls /run/fixbuf-order 2>/dev/null || true)"
		if [[ -r /proc/modules ]]; then cut -d' ' -f1 /proc/modules | sort; fi
	} >"$dir/$1"
}
# started PID: that run's program is running (its devices are set up).
started() { rg_wait "$dir/runs/*-$1/nvme_passthru_early_lookup/output" 60 || true; }

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
snap before
rg_run 'T=*/alloc-fault/*'
snap after-pass-or-fail
rg_run 'T=sweep/*'
snap after-sweeps
# The file-system devices: an ext4 mount, a FUSE mount, a split null_blk.
for t in rw_fixed_ext4_early_lookup rw_fixed_blkdev_early_lookup fuse_uring_bufpool_early_lookup; do
	rg_run T=$t
done
snap after-mounts
rg_run T=nvme_passthru_early_lookup SLOW=1 TIMEOUT=3
snap after-timeout
env --default-signal=INT "${h[@]}" T=nvme_passthru_early_lookup SLOW=1 >>"$dir/runs.log" 2>&1 &
pid=$!
started "$pid"
sleep 1
kill -INT "$pid"
wait "$pid" || true
snap after-ctrl-c
setsid "${h[@]}" T=nvme_passthru_early_lookup SLOW=1 >>"$dir/runs.log" 2>&1 &
pid=$!
started "$pid"
sleep 1
kill -KILL -- "-$pid"
wait "$pid" 2>/dev/null || true
snap after-sigkill
rg_run T=send_zc_early_lookup
snap after-next-run

rg_compare after-pass-or-fail after-sweeps after-mounts after-timeout after-ctrl-c after-next-run
rg_undone after-sigkill
exit "$RG_BAD"
