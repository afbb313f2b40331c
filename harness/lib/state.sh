# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Global-state restore stack: whatever the harness changes on the machine is
# recorded with its undo here, and undone in reverse order on every exit path
# (normal exit, error, Ctrl-C, TERM, HUP), so a run never leaves the box
# modified.  An undo that fails is reported and the rest still run.

STATE_UNDO=()
STATE_MARK=0

# state_push CMD...: one argument is a shell command string (eval'd later);
# several are an argv, quoted now so odd paths survive.
state_push() {
	local q
	if (($# == 1)); then
		q=$1
	else
		printf -v q '%q ' "$@"
	fi
	STATE_UNDO+=("$q")
}

# state_mount FSTYPE DIR: mount only if DIR is not a mount point yet.
state_mount() {
	mountpoint -q "$2" && return 0
	mount -t "$1" "$1" "$2" || return 1
	state_push umount "$2"
}

# state_write FILE VALUE: write a sysfs/proc/configfs-style attribute, undo
# restores the value read before.
state_write() {
	local old
	IFS= read -r old <"$1" || [[ -n $old ]] || old=
	printf '%s\n' "$2" >"$1" || return 1
	state_push state__restore "$1" "$old"
}

state__restore() { printf '%s\n' "$2" >"$1"; }

# state_mark: remember the depth, for a later state_unwind (per-test state).
state_mark() { STATE_MARK=${#STATE_UNDO[@]}; }

# state_unwind [DEPTH]: undo, newest first, down to DEPTH (default: all).
state_unwind() {
	local i cmd depth=${1:-0}
	for ((i = ${#STATE_UNDO[@]} - 1; i >= depth; i--)); do
		cmd=${STATE_UNDO[i]}
		unset 'STATE_UNDO[i]'
		# Subshell: an undo calling exit or tripping set -e cannot stop the others.
		if ! (eval "$cmd"); then
			printf 'harness: undo failed: %s\n' "$cmd" >&2
		fi
	done
	STATE_UNDO=("${STATE_UNDO[@]:0:depth}")
}

state_undo() { state_unwind 0; }

# The running test (if any) dies first, then the stack unwinds.  A second
# Ctrl-C must not cut the unwinding short, so signals are ignored from here.
state__exit() {
	trap '' INT TERM HUP
	if declare -F exec_kill_current >/dev/null; then exec_kill_current; fi
	state_undo
}

state_traps() {
	trap state__exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}
