# shellcheck shell=bash disable=SC2034 # REQ_WHY and DEV_* are read by the harness
# device scsi_debug: a scsi_debug disk for one program, one command at a
# time in the host (max_queue=1), loaded without delay so the SCSI scan stays
# fast, slowed afterwards through sysfs when the program's slow forcing
# modes run (dev_slow). A scsi_debug loaded by anyone else is left alone.
# Exports FIXBUF_SCSI_BSG (/dev/bsg/H:C:T:L), FIXBUF_SCSI_BLK (/dev/sdX),
# FIXBUF_SCSI_TAGS (requests that take every tag), FIXBUF_SLOW_NS (the
# delay) when slowed, and FIXBUF_SLOW_WHY when the disk stays fast.

SCSI_DELAY_NS=${FIXBUF_SCSI_DELAY_NS:-500000000}
SCSI_SYS=/sys/bus/pseudo/drivers/scsi_debug

dev_scsi_debug_setup() {
	local dev hctl blk i nr delay=$SCSI_DELAY_NS
	if [[ -e /sys/module/scsi_debug/initstate ]]; then
		REQ_WHY="requires scsi_debug, but it is loaded already (not ours: left alone)"
		return 1
	fi
	# The SCSI core stays loaded (no undo): in 7.2, unloading it after
	# scsi_debug left the old host's scsi_tmf_0 workqueue behind, and the
	# next scsi_debug load failed on the duplicate name (host0 again).
	modprobe -q scsi_mod 2>/dev/null || true
	req_driver scsi_debug max_queue=1 delay=0 dev_size_mb=16 || return 1
	if [[ ! -d $SCSI_SYS ]]; then
		REQ_WHY="requires scsi_debug (CONFIG_SCSI_DEBUG)"
		return 1
	fi
	# The scan may finish after modprobe returns.
	for ((i = 0; i < 100; i++)); do
		for dev in "$SCSI_SYS"/adapter*/host*/target*/*:*:*:*/block/*; do
			[[ -e $dev ]] && break 2
		done
		sleep 0.1
	done
	[[ -e $dev ]] || { REQ_WHY="scsi_debug: no disk appeared"; return 1; }
	blk=${dev##*/}
	hctl=${dev%/block/*}
	hctl=${hctl##*/}
	[[ -c /dev/bsg/$hctl && -b /dev/$blk ]] || {
		REQ_WHY="requires SCSI BSG (/dev/bsg/$hctl missing: CONFIG_BLK_DEV_BSG)"
		return 1
	}
	# Restored after the program: a built-in scsi_debug outlives it.
	dev_slow || delay=0
	state_write "$SCSI_SYS/ndelay" "$delay" || {
		REQ_WHY="scsi_debug: cannot set ndelay"
		return 1
	}
	read -r nr <"/sys/block/$blk/queue/nr_requests"
	export FIXBUF_SCSI_BSG=/dev/bsg/$hctl FIXBUF_SCSI_BLK=/dev/$blk
	# No command completes sooner after its submit (tests/lib/dev.h).
	((delay == 0)) || export FIXBUF_SLOW_NS=$delay
	# Every blk-mq tag, not just the host's one slot, must be held.
	export FIXBUF_SCSI_TAGS=$((nr + 1))
	# udev probes the new disk: its reads must not compete for tags.
	req__settle
}
