# shellcheck shell=bash disable=SC2034 # REQ_WHY and DEV_* are read by the harness
# device null_blk: a memory-backed null_blk made through configfs for one
# program, named fixbuf-<pid> (only that one is touched), slow when the
# program's slow forcing modes run (dev_slow), else completing at once. It
# backs nvme-loop, whose setup calls dev_null_blk_setup.
# Exports FIXBUF_SLOW_NS (its delay) when it was made slow, FIXBUF_SLOW_WHY
# when asked slow but made fast; its node is DEV_NULLB, for the caller.

# Long enough that the table change lands while the fillers hold the tags,
# even on a busy TCG guest (a case proves it did by the clock, FIXBUF_SLOW_NS;
# where load made it miss, it forces again, and after 3 attempts it skips);
# each filler round costs this much. The override keeps the name
# it has always had: nvme-loop is what this delay slows.
NULLB_DELAY_NS=${FIXBUF_NVME_DELAY_NS:-500000000}

dev_null_blk_setup() {
	local irq=2 delay=$NULLB_DELAY_NS
	dev_slow || irq=0 delay=0
	dev__null_blk "fixbuf-$$" size=16 blocksize=4096 "irqmode=$irq" "completion_nsec=$delay" || return 1
	# No filler completes sooner after its submit: what a case that changed
	# its buffer slot before then has proven under any load (tests/lib/dev.h).
	((delay == 0)) || export FIXBUF_SLOW_NS=$delay
}

# dev__null_blk NAME ATTR=VALUE...: make a memory-backed null_blk NAME with
# these configfs attributes and power it on (undo: off, then removed); its
# node in DEV_NULLB. Shared by the devices built on null_blk.
dev__null_blk() {
	local nb=/sys/kernel/config/nullb/$1 idx a
	shift
	req_configfs || return 1
	# nr_devices=0: no stray nullb0 when this run loads the module.
	req_driver null_blk nr_devices=0 || return 1
	if [[ ! -d ${nb%/*} ]]; then
		REQ_WHY="requires null_blk configfs (CONFIG_BLK_DEV_NULL_BLK)"
		return 1
	fi
	dev__mkdir "$nb" || return 1
	dev__cfs "$nb/memory_backed" 1 || return 1
	for a in "$@"; do
		dev__cfs "$nb/${a%%=*}" "${a#*=}" || return 1
	done
	state_push "echo 0 > $nb/power"
	dev__cfs "$nb/power" 1 || { state_drop; return 1; }
	# Named after the configfs item since 6.x; nullb<index> before.
	read -r idx <"$nb/index"
	DEV_NULLB=/dev/${nb##*/}
	[[ -b $DEV_NULLB ]] || DEV_NULLB=/dev/nullb$idx
	if [[ ! -b $DEV_NULLB ]]; then
		REQ_WHY="null_blk: $DEV_NULLB did not appear"
		return 1
	fi
}
