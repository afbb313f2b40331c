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

# A signal the harness was started with ignored cannot be trapped (bash
# keeps it ignored, and says nothing): the shell that started it chose so.
# A background job of a non-interactive shell (`harness/run &` in a script,
# most CI) starts with SIGINT ignored: Ctrl-C cannot reach the run, TERM and
# HUP still unwind the stack. nohup does the same to HUP: TERM and INT still
# do. `env --default-signal=INT harness/run` (coreutils >= 8.31) gives INT
# back. EXIT always runs the unwind, whatever ends the run short of KILL.
state_traps() {
	trap state__exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

# state_ignored SIG: status 0 when SIG (a name, e.g. INT) is ignored in this
# shell; for INT, TERM and HUP after state_traps, that it was ignored at
# start. SigIgn in /proc/self/status has bit N-1 for signal N; read by this
# shell, not a subshell, so "self" is the harness.
state_ignored() {
	local key='' mask='' n
	[[ -r /proc/self/status ]] || return 1
	while read -r key mask; do
		[[ $key == SigIgn: ]] && break
	done </proc/self/status
	[[ $key == SigIgn: && $mask =~ ^[0-9a-fA-F]+$ ]] || return 1
	n=$(kill -l "$1") || return 1
	(((16#$mask >> (n - 1)) & 1))
}

# state_note_ignored: one KTAP-style diagnostic line on stderr when Ctrl-C
# cannot stop this run (see state_traps), saying what still can.
state_note_ignored() {
	local s left=() what
	state_ignored INT || return 0
	for s in TERM HUP; do
		state_ignored "$s" || left+=("$s")
	done
	case ${#left[@]} in
	0) what="only KILL can, and it skips the undo" ;;
	1) what="${left[0]} still undoes its changes" ;;
	*) what="TERM and HUP still undo its changes" ;;
	esac
	printf '# harness: started with SIGINT ignored (a background job of a non-interactive shell?): Ctrl-C cannot stop this run, %s\n' "$what" >&2
}
