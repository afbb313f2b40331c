# shellcheck shell=bash
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
# Common helpers and the save/restore rules: fault.sh.

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
