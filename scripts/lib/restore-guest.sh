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
dir=$1
h=("$dir/harness/run" "RESULTS=$dir/runs" "TESTS_DIR=$dir/tests")

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
run() { "$@" >>"$dir/runs.log" 2>&1 || true; }
# started PID: wait (up to 60 s) until that run's program is running,
# so the signal lands with its devices set up, whatever the machine's speed.
started() {
	local i
	for ((i = 0; i < 600; i++)); do
		compgen -G "$dir/runs/*-$1/nvme_passthru_early_lookup/output" >/dev/null && return 0
		sleep 0.1
	done
}

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
snap before
run "${h[@]}" 'T=*/alloc-fault/*'
snap after-pass-or-fail
run "${h[@]}" 'T=sweep/*'
snap after-sweeps
# The file-system devices: an ext4 mount, a FUSE mount, a split null_blk.
for t in rw_fixed_ext4_early_lookup rw_fixed_blkdev_early_lookup fuse_uring_bufpool_early_lookup; do
	run "${h[@]}" T=$t
done
snap after-mounts
run "${h[@]}" T=nvme_passthru_early_lookup SLOW=1 TIMEOUT=3
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
run "${h[@]}" T=send_zc_early_lookup
snap after-next-run

bad=0
for s in after-pass-or-fail after-sweeps after-mounts after-timeout after-ctrl-c after-next-run; do
	if diff -u "$dir/before" "$dir/$s" >"$dir/$s.diff"; then
		echo "restore: $s: as before"
	else
		echo "restore: $s: NOT as before:" && sed -n '3,20p' "$dir/$s.diff" && bad=1
		grep -a "^harness: " "$dir/runs.log" | sort | uniq -c | head -20 || true
	fi
done
# The kill must have left something for the next run to undo, or the
# SIGKILL case proved nothing.
if cmp -s "$dir/before" "$dir/after-sigkill" || ! grep -q 'was killed: undoing' "$dir/runs.log"; then
	echo "restore: the SIGKILL left nothing to undo, or the next run did not undo it" && bad=1
fi
exit "$bad"
