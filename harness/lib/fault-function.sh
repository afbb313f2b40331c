# shellcheck shell=bash
# fail_function (requirement "fault FUNC", fault_function_setup): FUNC is
# added to fail_function/inject (only if nobody injects it already) with
# retval -EAGAIN, disarmed (times=0) and with task-filter=Y: the kernel then
# fails only tasks whose /proc/<tid>/make-it-fail is 1. The harness never
# sets make-it-fail nor times: the test sets both for its own thread, so
# nothing else on the machine can be failed. Unavailable is not a setup
# failure: FIXBUF_FAIL_FUNCTION_WHY is the skip reason of the cases that
# need it, the others run. The injection of FUNC is a state_push of its
# removal, journaled; FUNC's retval file exists only while FUNC is injected
# and goes with it. Common helpers and the save/restore rules: fault.sh.

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
