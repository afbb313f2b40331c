# shellcheck shell=bash disable=SC2034 # RG_BAD is read by the sourcing script
# Shared by the restore checks run inside the VM (restore-guest.sh,
# ublk-restore-guest.sh): DIR holds a frozen suite, every run's output goes
# to DIR/runs.log, each state snapshot to DIR/<name>. RG_NAME prefixes
# every line they print (restore, ublk-restore).

rg_init() { # DIR NAME: check the argument, set up the harness command
	RG_DIR=$1 RG_NAME=$2 RG_BAD=0
	RG_H=("$RG_DIR/harness/run" "RESULTS=$RG_DIR/runs" "TESTS_DIR=$RG_DIR/tests")
}

# rg_run ARGS...: one harness run, its status ignored (the snapshots judge).
rg_run() { "${RG_H[@]}" "$@" >>"$RG_DIR/runs.log" 2>&1 || true; }

# rg_wait GLOB SECS: until a path matches GLOB, at most SECS seconds, so a
# signal lands at a known point whatever the machine's speed.
rg_wait() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		compgen -G "$1" >/dev/null && return 0
		sleep 0.05
	done
	echo "$RG_NAME: nothing matched $1 within $2 s" >>"$RG_DIR/runs.log"
	return 1
}

# rg_compare SNAPSHOT...: each against DIR/before; a difference is shown
# with the harness's own lines, and fails the check.
rg_compare() {
	local s
	for s in "$@"; do
		if diff -u "$RG_DIR/before" "$RG_DIR/$s" >"$RG_DIR/$s.diff"; then
			echo "$RG_NAME: $s: as before"
			continue
		fi
		echo "$RG_NAME: $s: NOT as before:" && sed -n '3,20p' "$RG_DIR/$s.diff"
		grep -a "^harness: " "$RG_DIR/runs.log" | sort | uniq -c | head -20 || true
		RG_BAD=1
	done
}

# rg_undone SNAPSHOT: the SIGKILL before SNAPSHOT left something, and the
# next run undid it from the journal; else the kill proved nothing.
rg_undone() {
	cmp -s "$RG_DIR/before" "$RG_DIR/$1" || ! grep -q 'was killed: undoing' "$RG_DIR/runs.log" || return 0
	echo "$RG_NAME: the SIGKILL left nothing to undo, or the next run did not undo it"
	RG_BAD=1
}
