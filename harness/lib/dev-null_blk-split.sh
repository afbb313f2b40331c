# shellcheck shell=bash disable=SC2034 # REQ_WHY is read by the harness
# device null_blk-split: a fast memory-backed null_blk (512-byte blocks,
# completes at once) whose requests carry at most 4 KiB, made for one
# program. An 8 KiB O_DIRECT I/O then needs a bio split, which the block
# layer refuses for a REQ_NOWAIT bio (BLK_STS_AGAIN): io_uring's first,
# non-blocking issue ends in -EAGAIN and the request is reissued from
# io-wq. Deterministic: no tag is held, no completion is timed.
# Exports FIXBUF_NULL_BLK_SPLIT (the block device node).

dev_null_blk_split_setup() {
	local q
	dev__null_blk "fixbuf-split-$$" size=16 blocksize=512 irqmode=0 completion_nsec=0 || return 1
	q=/sys/block/${DEV_NULLB#/dev/}/queue/max_sectors_kb
	if ! printf '4\n' >"$q" 2>/dev/null; then
		REQ_WHY="null_blk: cannot limit $q to 4 KiB"
		return 1
	fi
	export FIXBUF_NULL_BLK_SPLIT=$DEV_NULLB
}
