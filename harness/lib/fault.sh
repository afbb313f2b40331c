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
# fail_function (requirement "fault FUNC", fault_function_setup): FUNC is
# added to fail_function/inject (only if nobody injects it already) with
# retval -EAGAIN, disarmed (times=0) and with task-filter=Y: the kernel then
# fails only tasks whose /proc/<tid>/make-it-fail is 1. The harness never
# sets make-it-fail nor times: the test sets both for its own thread, so
# nothing else on the machine can be failed. Unavailable is not a setup
# failure: FIXBUF_FAIL_FUNCTION_WHY is the skip reason of the cases that
# need it, the others run.
#
# fail-nth (requirement "fault nth", fault_nth_setup): a thread that writes
# N to its own /proc/<tid>/fail-nth fails the N-th injection point it
# reaches from then on, once: should_fail_ex() looks at fail-nth before
# probability, task filter and times. The harness makes every allocation a
# point (failslab: ignore-gfp-wait=N, cache-filter=N; fail_page_alloc where
# the kernel has it: ignore-gfp-wait=N, ignore-gfp-highmem=N), quiet
# (verbose=0, so a forced failure writes nothing that reads as a splat), and
# leaves probability at 0, so nothing fires on its own: only the thread
# that wrote its fail-nth, only at the point it chose. An attribute that
# fires on its own (probability not 0) is someone else's: left alone, and
# the reason. times is recorded, not changed: each fail-nth failure counts
# it down, the undo brings it back. Unavailable is not a setup failure:
# FIXBUF_FAIL_NTH_WHY is the skip reason of the cases that need it.
#
# Saved and restored: every debugfs attribute and disk attribute changed is
# a state_write (state.sh): its value is read before the change, the undo
# writes it back on every exit path (times, written first, comes back last
# so nothing fires while the others change back), the value is read back
# and compared once the unwind ran, and the undo is journaled so a run
# killed with SIGKILL is undone by the next run's start. The injection of
# FUNC is a state_push of its removal, journaled the same way; FUNC's
# retval file exists only while FUNC is injected and goes with it.

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

# fault_function_setup FUNC: requirement "fault FUNC" (requires.sh). Exports
# FIXBUF_FAIL_FUNCTION=FUNC and FIXBUF_FAIL_FUNCTION_TIMES (debugfs
# fail_function/times), else FIXBUF_FAIL_FUNCTION_WHY; never fails the
# requirement itself (REQ_WHY untouched): only the cases that need the
# fault skip. req_teardown unsets the variables and unwinds the changes.
fault_function_setup() {
	if fault_function "$1"; then
		unset FIXBUF_FAIL_FUNCTION_WHY
		export FIXBUF_FAIL_FUNCTION=$1 FIXBUF_FAIL_FUNCTION_TIMES=$FAULT_DEBUGFS/fail_function/times
	else
		unset FIXBUF_FAIL_FUNCTION FIXBUF_FAIL_FUNCTION_TIMES
		export FIXBUF_FAIL_FUNCTION_WHY=$FAULT_WHY
	fi
	return 0
}

# fault_function FUNC: fail_function on FUNC, disarmed, task-filtered,
# returning -EAGAIN when it fires; else FAULT_WHY. Nothing changes before
# every check passed. A fake debugfs (HARNESS_DEBUGFS, the self-tests)
# needs no root.
fault_function() {
	local func=$1 dir=$FAULT_DEBUGFS/fail_function
	FAULT_WHY=
	if ((EUID != 0)) && [[ -z ${HARNESS_DEBUGFS:-} ]]; then
		FAULT_WHY="requires root"
	elif ! fault__debugfs "$dir"; then
		FAULT_WHY="requires CONFIG_FAIL_FUNCTION (no fail_function in debugfs)"
	elif ! fault__listed "$func" "$dir/injectable"; then
		FAULT_WHY="requires error injection on $func (the suite's kernels carry patches/debug/)"
	elif fault__listed "$func" "$dir/inject"; then
		FAULT_WHY="fail_function already injects $func (not ours: left alone)"
	fi
	[[ -z $FAULT_WHY ]] || return 1
	fault__disarm "$dir" Y && fault__inject "$dir" "$func" || return 1
	# What the kernel takes: unsigned, so -EAGAIN as its 64-bit pattern.
	if ! printf '%#x\n' -11 2>/dev/null >"$dir/$func/retval"; then
		FAULT_WHY="fail_function: cannot set $func/retval to -EAGAIN"
		return 1
	fi
}

# fault__listed FUNC FILE: FUNC is the first word of a line of FILE
# (injectable: "FUNC<tab>TYPE"; inject: "FUNC").
fault__listed() {
	local name _
	while read -r name _ || [[ -n $name ]]; do
		[[ $name == "$1" ]] && return 0
	done 2>/dev/null <"$2"
	return 1
}

# fault__inject DIR FUNC: inject FUNC. Its removal is pushed first: a run
# killed in between tries to remove what is not there, harmlessly.
fault__inject() {
	state_push fault__uninject "$1" "$2"
	fault__inject_write "$1" "$2" && return 0
	state_drop
	FAULT_WHY="fail_function: cannot inject $2"
	return 1
}

fault__uninject() { fault__inject_write "$1" "!$2"; }

# fault__inject_write DIR LINE: write LINE to DIR/inject, as the kernel takes
# it. HARNESS_FAIL_FUNCTION_INJECT, a command given DIR and LINE, does it
# instead: a fake debugfs has plain files, and only the kernel makes
# DIR/FUNC/retval appear and go.
fault__inject_write() {
	if [[ -n ${HARNESS_FAIL_FUNCTION_INJECT:-} ]]; then
		"$HARNESS_FAIL_FUNCTION_INJECT" "$1" "$2"
	else
		printf '%s\n' "$2" 2>/dev/null >"$1/inject"
	fi
}

# fault_nth_setup: requirement "fault nth" (requires.sh). Exports
# FIXBUF_FAIL_NTH=1, else FIXBUF_FAIL_NTH_WHY; never fails the requirement
# itself (REQ_WHY untouched): only the cases that need the fault skip.
# req_teardown unsets the variables and unwinds the changes.
fault_nth_setup() {
	if fault_nth; then
		unset FIXBUF_FAIL_NTH_WHY
		export FIXBUF_FAIL_NTH=1
	else
		unset FIXBUF_FAIL_NTH
		export FIXBUF_FAIL_NTH_WHY=$FAULT_WHY
	fi
	return 0
}

# fault_nth: failslab, and fail_page_alloc where present, made to reach
# every allocation for fail-nth, quiet, never firing on their own; else
# FAULT_WHY. Nothing changes before every check passed. A fake debugfs and
# fail-nth (HARNESS_DEBUGFS, HARNESS_FAIL_NTH: the self-tests) need no root.
fault_nth() {
	local slab=$FAULT_DEBUGFS/failslab page=$FAULT_DEBUGFS/fail_page_alloc d p
	FAULT_WHY=
	if ((EUID != 0)) && [[ -z ${HARNESS_DEBUGFS:-} ]]; then
		FAULT_WHY="requires root"
	elif [[ ! -e $FAULT_FAIL_NTH ]]; then
		FAULT_WHY="requires CONFIG_FAULT_INJECTION (no /proc/thread-self/fail-nth)"
	elif ! fault__debugfs "$slab"; then
		FAULT_WHY="requires CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS (no failslab in debugfs)"
	fi
	for d in "$slab" "$page"; do
		[[ -z $FAULT_WHY && -d $d ]] || continue
		p=
		read -r p 2>/dev/null <"$d/probability" || true
		[[ $p == 0 ]] || FAULT_WHY="${d##*/} fires on its own (probability '$p', not ours): left alone"
	done
	[[ -z $FAULT_WHY ]] || return 1
	fault__nth_attrs "$slab" cache-filter=N || return 1
	[[ ! -d $page ]] || fault__nth_attrs "$page" ignore-gfp-highmem=N
}

# fault__nth_attrs DIR ATTR=VALUE...: times recorded first (restored last),
# probability recorded at 0, then what makes every allocation a quiet point.
fault__nth_attrs() {
	local dir=$1 times=
	shift
	if ! read -r times 2>/dev/null <"$dir/times"; then
		FAULT_WHY="${dir##*/}: cannot read ${dir#"$FAULT_DEBUGFS"/}/times"
		return 1
	fi
	fault__attrs "$dir" "times=$times" probability=0 ignore-gfp-wait=N verbose=0 "$@"
}
