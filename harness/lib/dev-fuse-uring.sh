# shellcheck shell=bash disable=SC2034 # REQ_WHY is read by the harness
# device fuse-uring: FUSE over io_uring with registered buffer pools (7.3+),
# for a program that runs its own FUSE server (tests/lib/fuse.c). Loads
# fuse if it is a module, sets its enable_uring parameter (the undo writes
# the old value back) and makes a private directory the program mounts
# under. The undo lazily unmounts whatever is still mounted below that
# directory (a program killed by SIGKILL leaves its mount), then removes
# it; no other mount is touched.
# Exports FIXBUF_FUSE_DIR.

dev_fuse_uring_setup() {
	local param=/sys/module/fuse/parameters/enable_uring dir v major minor
	v=$(uname -r)
	v=${v%%[!0-9.]*}
	major=${v%%.*} minor=${v#*.}
	minor=${minor%%.*}
	if ((major < 7 || (major == 7 && minor < 3))); then
		REQ_WHY="requires FUSE io_uring buffer pools (Linux 7.3+; this is $(uname -r))"
		return 1
	fi
	req_driver fuse || return 1
	if [[ ! -e $param ]]; then
		REQ_WHY="requires the fuse enable_uring parameter (CONFIG_FUSE_IO_URING)"
		return 1
	fi
	if [[ ! -c /dev/fuse ]]; then
		REQ_WHY="requires /dev/fuse"
		return 1
	fi
	if ! state_write "$param" Y; then
		REQ_WHY="cannot set fuse enable_uring"
		return 1
	fi
	if ! dir=$(mktemp -d "${TMPDIR:-/tmp}/fixbuf-fuse.XXXXXX"); then
		REQ_WHY="cannot create the fuse mount directory"
		return 1
	fi
	# Pushed before the program runs: replayed from the journal too.
	state_push dev__fuse_uring_undo "$dir"
	export FIXBUF_FUSE_DIR=$dir
}

# dev__fuse_uring_undo DIR: unmount (lazily) the fuse mounts below DIR,
# then remove DIR and the program's empty mount points in it. A killed
# server leaves its connection up, and anything that touches the mount
# (umount canonicalizing the path too) waits for it forever: abort the
# connection first (fusectl, named by the mount's device minor).
dev__fuse_uring_undo() {
	local dev mnt fstype ctl=/sys/fs/fuse/connections own=
	[[ -d $1 ]] || return 0
	# mountinfo: field 3 is major:minor, 5 the mount point, the type follows " - ".
	while read -r dev mnt fstype; do
		[[ $mnt == "$1"/* && $fstype == fuse* ]] || continue
		if [[ -d $ctl && ! -e $ctl/${dev#*:} && -z $own ]] &&
			mount -t fusectl fusectl "$ctl" 2>/dev/null; then
			own=1
		fi
		[[ ! -e $ctl/${dev#*:}/abort ]] || echo 1 >"$ctl/${dev#*:}/abort"
		umount -l -c -- "$mnt" || echo "harness: cannot unmount $mnt" >&2
	done < <(sed -n 's/^[^ ]* [^ ]* \([^ ]*\) [^ ]* \([^ ]*\) .* - \([^ ]*\) .*/\1 \2 \3/p' /proc/self/mountinfo)
	[[ -z $own ]] || umount "$ctl"
	find "$1" -mindepth 1 -maxdepth 1 -type d -name 'mnt.*' -empty -delete 2>/dev/null
	rmdir -- "$1"
}
