# shellcheck shell=bash disable=SC2034 # FAULT_* are read by the device setups
# Kernel fault injection (Documentation/fault-injection), set up by the
# harness for one program and left disarmed: a test arms it for exactly what
# it means to fail.
#
# fail_io_timeout (device setups): drops the completions of requests on
# queues whose disk has io-timeout-fail set, until the block layer's timeout
# handler ends them (io_timeout plus about a second): they keep their tags
# meanwhile. io-timeout-fail is per disk and only ever set on a disk of
# ours; the debugfs attributes are global, so they are left disarmed
# (times=0) and a test arms times for exactly the requests it means to hold.
#
# fail_function and fail-nth, the two per-task mechanisms: fault-function.sh
# and fault-nth.sh, on the helpers here.
#
# Saved and restored: every debugfs attribute and disk attribute changed is
# a state_write (state.sh): its value is read before the change, the undo
# writes it back on every exit path (times, written first, comes back last
# so nothing fires while the others change back), the value is read back
# and compared once the unwind ran, and the undo is journaled so a run
# killed with SIGKILL is undone by the next run's start.

FAULT_DEBUGFS=${HARNESS_DEBUGFS:-/sys/kernel/debug}
# Present where the kernel has CONFIG_FAULT_INJECTION (checked on the
# harness's own thread; HARNESS_FAIL_NTH: a fake, for the self-tests).
FAULT_FAIL_NTH=${HARNESS_FAIL_NTH:-/proc/thread-self/fail-nth}
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
		FAULT_WHY="${dir##*/}: writing ${a#*=} to ${dir#"$FAULT_DEBUGFS"/}/$name failed"
		return 1
	done
}

# fault__disarm DIR TASK_FILTER: the attributes of one fault_attr in
# debugfs, disarmed. times=0 first and restored last: the fault never fires
# while the others change, nor while the undo puts them back. Then every
# attribute that can keep a fault from firing, set explicitly.
fault__disarm() {
	fault__attrs "$1" times=0 probability=100 interval=1 space=0 verbose=0 \
		"task-filter=$2" 'ignore-gfp-wait?=N' 'ignore-gfp-highmem?=N' \
		'stacktrace-depth?=32' 'require-start?=0' 'require-end?=0xffffffffffffffff' \
		'reject-start?=0' 'reject-end?=0'
}

# fault__debugfs DIR: DIR (under debugfs) exists, debugfs mounted if need be.
fault__debugfs() {
	[[ -d $1 ]] || state_mount debugfs "$FAULT_DEBUGFS" 2>/dev/null || true
	[[ -d $1 ]]
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
	if ! fault__debugfs "$dir"; then
		FAULT_WHY="requires CONFIG_FAULT_INJECTION_DEBUG_FS (no ${dir})"
		return 1
	fi
	# Completions run in interrupt context, in no task: no task filter.
	fault__disarm "$dir" N || return 1
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
