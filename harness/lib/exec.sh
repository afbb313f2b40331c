# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Run one test program in its own process group under a timeout, and make
# sure nothing of it survives: coreutils timeout puts itself and the program
# in a fresh group, sends TERM to the group on expiry and KILL 2 s later.

EXEC_PGID=      # group of the running program, for the signal traps
EXEC_TIMED_OUT= # set by exec_run when the timeout fired
EXEC_MS=        # wall time in ms

# exec_run OUTFILE SECS PROG [ARGS...] -> sets EXEC_RC (0 = disabled timeout)
exec_run() {
	local out=$1 secs=$2 t0=${EPOCHREALTIME/./}
	shift 2
	timeout -k 2 "$secs" "$@" >"$out" 2>&1 </dev/null &
	EXEC_PGID=$!
	# 2>/dev/null: keep bash's "Segmentation fault" job notice off our stderr.
	wait "$EXEC_PGID" 2>/dev/null && EXEC_RC=0 || EXEC_RC=$?
	EXEC_MS=$(((${EPOCHREALTIME/./} - t0) / 1000))
	# 124: TERM did it; 137 at/after the deadline: the KILL escalation did.
	EXEC_TIMED_OUT=
	if ((secs > 0)) && { ((EXEC_RC == 124)) ||
		{ ((EXEC_RC == 137)) && ((EXEC_MS >= secs * 1000)); }; }; then
		EXEC_TIMED_OUT=1
	fi
	# timeout only waits for its direct child; reap what the program left.
	exec_kill_group "$EXEC_PGID"
	EXEC_PGID=
}

# exec__alive PGID: a live (non-zombie) member left?  Zombies count for
# kill -0, and init may take its time reaping orphans.
exec__alive() {
	kill -0 -- "-$1" 2>/dev/null || return 1
	pgrep -g "$1" -r R,S,D,T,t,W,P,I >/dev/null
}

# exec_kill_group PGID: TERM, up to 2 s grace, then KILL.
exec_kill_group() {
	local g=$1 i
	exec__alive "$g" || return 0
	kill -TERM -- "-$g" 2>/dev/null || true
	for ((i = 0; i < 20; i++)); do
		exec__alive "$g" || return 0
		sleep 0.1
	done
	kill -KILL -- "-$g" 2>/dev/null || true
}

# For the traps: the program may be between fork and setpgid, so hit the
# pid as well as the group.
exec_kill_current() {
	[[ -n ${EXEC_PGID:-} ]] || return 0
	# 2>/dev/null: bash's "Killed" job notices, not worth the noise here.
	{
		kill -TERM "$EXEC_PGID" || true
		exec_kill_group "$EXEC_PGID"
		wait "$EXEC_PGID" || true
	} 2>/dev/null
}
