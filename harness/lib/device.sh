# shellcheck shell=bash disable=SC2034 # DEV_* are read by the dev-*.sh files
# The device contract (tests/lib/dev.h), harness side. A program's
# requirement "device X" is met by dev_X_setup (dashes in X as underscores),
# defined by a file dev-X.sh that harness/run loads from harness/lib (and
# from HARNESS_DEVICES, for the self-tests). A new device is that one file:
# no list here or in requires.sh to extend.
#
# dev_X_setup runs once per program that requires it, as part of req_setup:
# every change it makes goes on the undo stack (state_push), it exports the
# FIXBUF_* variables its dev-X.sh header lists (req_teardown unsets them
# again), and when it cannot, it returns 1 with a one-line REQ_WHY that
# becomes the skip reason of the program's cases. This file is not a
# dev-*.sh itself: it holds the loader, the dispatcher and the helpers the
# device files share.

DEVICE_NAMES=() # X of every dev-X.sh loaded

# device_load DIR...: source every DIR/dev-*.sh, each of which must define
# its dev_X_setup: a misnamed function fails the run at start instead of
# skipping a program later as "unknown device". The files are sourced inside
# this function, so their own globals must be plain assignments (a declare
# there would be local to it), and the locals here have names none will use.
device_load() {
	local dev__dir dev__file dev__x
	for dev__dir in "$@"; do
		if [[ ! -d $dev__dir ]]; then
			printf 'harness: no device directory %s\n' "$dev__dir" >&2
			return 1
		fi
		for dev__file in "$dev__dir"/dev-*.sh; do
			[[ -f $dev__file ]] || continue
			# shellcheck source=/dev/null
			source "$dev__file"
			dev__x=${dev__file##*/dev-}
			dev__x=${dev__x%.sh}
			if ! declare -F "dev_${dev__x//-/_}_setup" >/dev/null; then
				printf 'harness: %s does not define dev_%s_setup\n' "$dev__file" "${dev__x//-/_}" >&2
				return 1
			fi
			DEVICE_NAMES+=("$dev__x")
		done
	done
}

# device_setup "X [ARG...]": requirement "device X", for exactly the X of a
# dev-X.sh. ARG "slow": the program's forcing needs the device slow
# (DEV_SLOW=1, read by dev_slow); "io-timeout": it uses fail_io_timeout on
# the backing disk (DEV_IO_TIMEOUT=1). A setup that fails without saying why
# still gets a reason: the program must skip, not run without its device.
# One that succeeds must have exported exactly the variables the program
# reads (device__reads).
device_setup() {
	local dev__x dev__name=${1%% *} dev__arg
	local -a dev__args dev__before
	read -ra dev__args <<<"${1#"$dev__name"}"
	DEV_SLOW=0 DEV_IO_TIMEOUT=0
	for dev__arg in "${dev__args[@]}"; do
		case $dev__arg in
		slow) DEV_SLOW=1 ;;
		io-timeout) DEV_IO_TIMEOUT=1 ;;
		*) REQ_WHY="device $dev__name: unknown argument '$dev__arg'" && return 1 ;;
		esac
	done
	mapfile -t dev__before < <(compgen -e FIXBUF_ || true)
	for dev__x in "${DEVICE_NAMES[@]}"; do
		[[ $dev__x == "$dev__name" ]] || continue
		"dev_${dev__name//-/_}_setup" && [[ -z $REQ_WHY ]] &&
			device__reads "$dev__name" "${dev__before[@]}" && return 0
		REQ_WHY=${REQ_WHY:-"device $dev__name: setup failed"}
		return 1
	done
	REQ_WHY="unknown device '$dev__name' (no harness/lib/dev-$dev__name.sh)"
	return 1
}

# device__reads X OLD...: the setup of device X exported (beyond the OLD
# variables) exactly what the program reads of it ("reads: X VAR", VAR?
# when the setup may leave it out): an export nobody reads, or a read
# nobody exports, is a contract broken on one side. REQ_WHY names both.
device__reads() {
	local name=$1 v r
	shift
	local -A old=() want=()
	for v in "$@"; do old[$v]=1; done
	for r in "${REQ_READS[@]}"; do
		[[ ${r%% *} == "$name" ]] && want[${r#* }]=1
	done
	while read -r v; do
		[[ -n ${old[$v]:-} || -n ${want[$v]:-} || -n ${want[$v?]:-} ]] && continue
		REQ_WHY="device $name exported $v, which $REQ_PROG does not read"
		return 1
	done < <(compgen -e FIXBUF_ || true)
	for r in "${!want[@]}"; do
		[[ $r == *'?' || -n ${!r+set} ]] && continue
		REQ_WHY="device $name did not export $r, which $REQ_PROG reads"
		return 1
	done
}

# dev_slow: whether the device must be slow: only when the program asked
# ("device X slow"), for the forcing modes that hold every tag with fillers
# (tags-exhausted, fault-timeout). Where alloc-fault forces the same io-wq
# path (the program's "fault blk_mq_alloc_request" was set up: req_setup
# meets device requirements after all others, whatever their order) they
# are redundant and cost the delay on every case, so they are off unless
# SLOW=1: the device is made fast and FIXBUF_SLOW_WHY is their skip reason.
DEV_SLOW=0 DEV_IO_TIMEOUT=0
dev_slow() {
	((DEV_SLOW)) || return 1
	[[ ${SLOW:-} == 1 || -z ${FIXBUF_FAIL_FUNCTION:-} ]] && return 0
	export FIXBUF_SLOW_WHY="slow forcing mode off: alloc-fault forces the same io-wq path on this kernel (SLOW=1 runs it)"
	return 1
}

# Shared by the dev-*.sh files (configfs-made devices).

dev__cfs() { # dev__cfs PATH VALUE: write a configfs attribute or say which
	printf '%s\n' "$2" >"$1" 2>/dev/null && return 0
	REQ_WHY="writing $2 to ${1#/sys/kernel/config/} failed"
	return 1
}

# dev__mkdir DIR: create a configfs object, undo removes it. The undo is
# pushed first (a SIGKILL in between leaves no unjournaled object), so it
# must bear the object not being there.
dev__mkdir() {
	state_push dev__rmdir "$1"
	mkdir "$1" 2>/dev/null && return 0
	state_drop
	REQ_WHY="cannot create ${1#/sys/kernel/config/}"
	return 1
}
dev__rmdir() { [[ ! -d $1 ]] || rmdir "$1"; }

# dev__umount DIR: the undo of a mount, pushed before it.
dev__umount() { ! mountpoint -q "$1" || umount -l "$1"; }
