# shellcheck shell=bash disable=SC2034 # REQ_WHY is read by the harness
# device ext4: an ext4 file system on a fast null_blk, mounted on a private
# directory for one program. ext4 sets FMODE_NOWAIT but not
# FOP_BUFFER_WASYNC: io_uring's first issue of a buffered write returns
# -EAGAIN and the write goes to io-wq. Undo unmounts it (lazily, should a
# killed program still hold a file) and removes the directory and device.
# Exports FIXBUF_EXT4_DIR (the mount point).

dev_ext4_setup() {
	local dir
	if ! command -v mkfs.ext4 >/dev/null; then
		REQ_WHY="requires mkfs.ext4 (e2fsprogs)"
		return 1
	fi
	req_driver ext4 || true
	if ! grep -qw ext4 /proc/filesystems; then
		REQ_WHY="requires ext4 (CONFIG_EXT4_FS)"
		return 1
	fi
	dev__null_blk "fixbuf-ext4-$$" size=64 blocksize=4096 irqmode=0 completion_nsec=0 || return 1
	if ! mkfs.ext4 -q -F "$DEV_NULLB" >/dev/null 2>&1; then
		REQ_WHY="mkfs.ext4 $DEV_NULLB failed"
		return 1
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/fixbuf-ext4.XXXXXX") || { REQ_WHY="mktemp failed"; return 1; }
	state_push rmdir "$dir"
	state_push dev__umount "$dir"
	if ! mount -t ext4 "$DEV_NULLB" "$dir" 2>/dev/null; then
		state_drop
		REQ_WHY="mounting ext4 on $DEV_NULLB failed"
		return 1
	fi
	export FIXBUF_EXT4_DIR=$dir
}
