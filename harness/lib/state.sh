# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Global-state restore stack: whatever the harness changes on the machine is
# recorded with its undo here, and undone in reverse order on every exit path
# (normal exit, error, Ctrl-C, TERM, HUP), so a run never leaves the box
# modified.  An undo that fails is reported and the rest still run.
#
# Saved: state_write reads an attribute's value before it changes it and
# pushes the write-back (state__restore) first, so a change never exists
# without its undo. Restored: by the undo, newest first, per program
# (state_unwind to a mark) and at exit.
# Verified: once an unwind has run, every attribute a state_write in it
# changed is read back and compared with the value saved by its first write
# (a later undo may have clobbered an earlier restore); a difference is a
# "harness: PATH is 'NOW' after restore, was 'SAVED'" line on stderr and
# turns an exit status of 0 into 1. A file the unwind removed (its device
# or mount went with an older undo) has nothing left to compare.
# Journaled: see journal.sh (a run killed with SIGKILL is undone by the
# next run to start).

STATE_UNDO=()
STATE_MARK=0
STATE_BAD=         # set when a restored attribute did not read back as saved
STATE_PATH=        # state__restored's answer: the file a state_write changed
STATE_OLD=         # and the value it saved

# state_push CMD...: one argument is a shell command string (eval'd later);
# several are an argv, quoted now so odd paths survive.
state_push() {
	local q line
	if (($# == 1)); then
		q=$1
	else
		printf -v q '%q ' "$@"
	fi
	STATE_UNDO+=("$q")
	printf -v line '+ %q' "$q"
	state__journal "$line"
}

# state_drop: forget the newest undo without running it (the change it
# would undo did not happen).
state_drop() {
	((${#STATE_UNDO[@]})) || return 0
	unset 'STATE_UNDO[-1]'
	state__journal -
}


# state_hold / state_release: INT, TERM and HUP wait until the release.
# Around each undo (a signal between taking an entry off the stack and
# running it would lose it) and each requirement's setup (a signal between
# a change and its push would leave the change unrecorded). Both are
# short and bounded, so a Ctrl-C there is late by a moment, never lost.
# Nested holds release at the outermost. A signal ignored stays ignored.
STATE_HELD=0
STATE_SIG=   # the first signal that came during a hold
STATE_TRAPS= # the traps a hold replaced, as trap -p printed them
state_hold() {
	local s
	((STATE_HELD++ == 0)) || return 0
	STATE_TRAPS=$(trap -p INT TERM HUP)
	for s in INT TERM HUP; do
		[[ $STATE_TRAPS == *"trap -- '' SIG$s"* ]] && continue
		# shellcheck disable=SC2064 # $s now, STATE_SIG when it fires
		trap "STATE_SIG=\${STATE_SIG:-$s}" "$s"
	done
}

state_release() {
	local s
	((STATE_HELD > 0 && --STATE_HELD == 0)) || return 0
	trap - INT TERM HUP
	eval "$STATE_TRAPS"
	s=$STATE_SIG STATE_SIG=
	[[ -z $s ]] || kill -s "$s" "$$"
}

# state_mount FSTYPE DIR: mount only if DIR is not a mount point yet.
state_mount() {
	mountpoint -q "$2" && return 0
	# Pushed first: a SIGKILL in between leaves nothing unjournaled.
	state_push state__umount "$2"
	mount -t "$1" "$1" "$2" && return 0
	state_drop
	return 1
}

# state_write FILE VALUE: write a sysfs/proc/configfs-style attribute, undo
# restores the value read before. The undo is pushed (and journaled) before
# the write: a run killed in between rewrites a value that never changed.
state_write() {
	local old
	IFS= read -r old <"$1" || [[ -n $old ]] || old=
	state_push state__restore "$1" "$old"
	printf '%s\n' "$2" >"$1" && return 0
	state_drop
	return 1
}

state__restore() { printf '%s\n' "$2" >"$1"; }
state__umount() { ! mountpoint -q "$1" || umount "$1"; }

# state_mark: remember the depth, for a later state_unwind (per-test state).
state_mark() { STATE_MARK=${#STATE_UNDO[@]}; }

# state_unwind [DEPTH]: undo, newest first, down to DEPTH (default: all),
# then verify what the undone state_writes restored.
state_unwind() {
	local i cmd depth=${1:-0} p
	local -A saved=()
	local -a paths=()
	state_hold
	for ((i = ${#STATE_UNDO[@]} - 1; i >= depth; i--)); do
		cmd=${STATE_UNDO[i]}
		unset 'STATE_UNDO[i]'
		# Older entries come later: the value kept is the one saved first.
		if state__restored "$cmd"; then
			[[ -n ${saved["$STATE_PATH"]+set} ]] || paths+=("$STATE_PATH")
			saved["$STATE_PATH"]=$STATE_OLD
		fi
		# Subshell: an undo calling exit or tripping set -e cannot stop the others.
		if ! (eval "$cmd"); then
			printf 'harness: undo failed: %s\n' "$cmd" >&2
		fi
		# Recorded once it ran: a run killed before that reruns it.
		state__journal -
	done
	STATE_UNDO=("${STATE_UNDO[@]:0:depth}")
	((${#STATE_UNDO[@]})) || state__journal_end
	for p in "${paths[@]}"; do
		state__verify "$p" "${saved["$p"]}"
	done
	state_release
}

state_undo() { state_unwind 0; }

# state__restored CMD: CMD is a state_write's undo; its file and saved value
# in STATE_PATH and STATE_OLD. The words were %q-quoted by state_push.
state__restored() {
	[[ $1 == 'state__restore '* ]] || return 1
	eval "set -- $1"
	STATE_PATH=$2 STATE_OLD=${3-}
}

# state__verify FILE SAVED: FILE reads back as SAVED, else say so and fail
# the run (STATE_BAD). A file that is gone has nothing left to compare.
state__verify() {
	local now=
	[[ -e $1 ]] || return 0
	IFS= read -r now 2>/dev/null <"$1" || [[ -n $now ]] || now=
	[[ $now == "$2" ]] && return 0
	printf "harness: %s is '%s' after restore, was '%s'\n" "$1" "$now" "$2" >&2
	STATE_BAD=1
}

# The running test (if any) dies first, then the stack unwinds.  A second
# Ctrl-C must not cut the unwinding short, so signals are ignored from here.
# A restore that did not hold fails a run that would otherwise pass: the
# machine is not as it was.
state__exit() {
	local rc=$?
	trap '' INT TERM HUP
	if declare -F exec_kill_current >/dev/null; then exec_kill_current; fi
	state_undo
	if [[ -n $STATE_BAD ]] && ((rc == 0)); then exit 1; fi
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
