# shellcheck shell=bash disable=SC2034 # FAULT_* are read by the device setups
# Kernel fault injection for the device setups (Documentation/fault-injection).
# fail_io_timeout drops the completions of requests on queues whose disk has
# io-timeout-fail set, until the block layer's timeout handler ends them
# (io_timeout plus about a second): they keep their tags meanwhile.
# io-timeout-fail is per disk and only ever set on a disk of ours; the
# debugfs attributes are global, so they are left disarmed (times=0) and a
# test arms times for exactly the requests it means to hold. Every value
# changed is on the undo stack (state_write), restored on every exit path.

FAULT_DEBUGFS=${HARNESS_DEBUGFS:-/sys/kernel/debug}
FAULT_WHY=   # why fault injection is unavailable (one line)
FAULT_TIMES= # the global fail_io_timeout/times, once set up

# fault__attrs DIR ATTR=VALUE...: global attributes; those named with a
# trailing ? only where the kernel has them (config-dependent).
fault__attrs() {
	local dir=$1 a name
	shift
	for a in "$@"; do
		name=${a%%=*}
		if [[ $name == *'?' ]]; then
			name=${name%'?'}
			[[ -e $dir/$name ]] || continue
		fi
		state_write "$dir/$name" "${a#*=}" 2>/dev/null && continue
		FAULT_WHY="fail_io_timeout: writing ${a#*=} to ${dir#"$FAULT_DEBUGFS"/}/$name failed"
		return 1
	done
}

# fault_io_timeout DISK: make fail_io_timeout apply to /sys/block/DISK only,
# disarmed. Sets FAULT_TIMES, else FAULT_WHY. The disk's queue/io_timeout
# is recorded too: a test shortens it while it holds requests.
fault_io_timeout() {
	local disk=/sys/block/$1 dir=$FAULT_DEBUGFS/fail_io_timeout ms
	FAULT_WHY=
	FAULT_TIMES=
	if [[ ! -e $disk/io-timeout-fail ]]; then
		FAULT_WHY="requires CONFIG_FAIL_IO_TIMEOUT"
		return 1
	fi
	[[ -d $dir ]] || state_mount debugfs "$FAULT_DEBUGFS" 2>/dev/null || true
	if [[ ! -d $dir ]]; then
		FAULT_WHY="requires CONFIG_FAULT_INJECTION_DEBUG_FS (no ${dir})"
		return 1
	fi
	# times=0 first and restored last: the attribute never fires while
	# the others change, nor while the undo puts them back. Then every
	# attribute that can keep a fault from firing, set explicitly.
	fault__attrs "$dir" times=0 probability=100 interval=1 space=0 verbose=0 \
		task-filter=N 'ignore-gfp-wait?=N' 'ignore-gfp-highmem?=N' \
		'stacktrace-depth?=32' 'require-start?=0' 'require-end?=0xffffffffffffffff' \
		'reject-start?=0' 'reject-end?=0' || return 1
	# Recorded, not changed: the undo restores it even if a test that
	# shortened it is killed.
	if ! read -r ms <"$disk/queue/io_timeout" || ! state_write "$disk/queue/io_timeout" "$ms" ||
		! state_write "$disk/io-timeout-fail" 1; then
		FAULT_WHY="fail_io_timeout: cannot set up ${disk#/sys/block/}"
		return 1
	fi
	FAULT_TIMES=$dir/times
}

# The variables of tests/lib/fault.h, spelled the same there: the one way a
# device setup hands fail_io_timeout to its program, whatever the device.

# fault_io_timeout_export DISK DROP MS: fault_io_timeout DISK, then export
# FIXBUF_IO_TIMEOUT=1 with the debugfs times attribute (_TIMES), the disk's
# queue/io_timeout (_QUEUE), the io_timeout to use while holding (_MS) and
# how many completions to drop (_DROP); else the reason (_WHY). Unavailable
# is not a setup failure: only the cases that need it skip.
fault_io_timeout_export() {
	if ! fault_io_timeout "$1"; then
		fault_io_timeout_none "$FAULT_WHY"
		return 0
	fi
	export FIXBUF_IO_TIMEOUT=1 FIXBUF_IO_TIMEOUT_TIMES=$FAULT_TIMES \
		FIXBUF_IO_TIMEOUT_QUEUE=/sys/block/$1/queue/io_timeout \
		FIXBUF_IO_TIMEOUT_MS=$3 FIXBUF_IO_TIMEOUT_DROP=$2
}

# fault_io_timeout_none WHY: the device cannot have it, WHY says why.
fault_io_timeout_none() {
	export FIXBUF_IO_TIMEOUT_WHY=$1
}
