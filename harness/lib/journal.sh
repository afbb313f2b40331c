# shellcheck shell=bash disable=SC2034 # globals here are read by state.sh
# The undo stack's journal (state.sh pushes, unwinds and calls into it).
# Journaled: SIGKILL skips every trap, so each push and each undo that ran
# is also appended to a journal, <dir>/<pid>.undo (HARNESS_JOURNAL_DIR,
# default /run/fixbuf-order as root, $XDG_RUNTIME_DIR/fixbuf-order
# otherwise): "+ CMD" a push (CMD %q-quoted, one line), "-" the newest entry
# gone (undone or dropped), lines starting with # are comments. The file
# goes when the stack is empty. state_journal_start, at the next run's start,
# replays the journals of runs that are gone newest first, each in a
# subshell with the harness libraries loaded, through the same unwind (so it
# is verified and, killed again, resumes where it stopped), with one line on
# stderr per journal. The journal is shell code run as its owner: a
# directory not private to this user is not used. Without one (say, not
# root and no XDG_RUNTIME_DIR) the first change warns once and the run goes
# on unjournaled.

STATE_JOURNAL=     # this run's journal file, once state_journal_start found a dir
STATE_JOURNAL_WHY= # why there is none: warned once, at the first change

# state__journal LINE: append LINE to this run's journal, creating it with
# its header; without a journal, warn once (at the first change).
state__journal() {
	if [[ -z $STATE_JOURNAL ]]; then
		[[ $1 == - ]] || state__journal_warn
		return 0
	fi
	if [[ ! -e $STATE_JOURNAL ]]; then
		printf '# undo journal of harness/run %s (harness/lib/journal.sh): "+ CMD" pushes CMD (%%q-quoted), "-" pops the newest\n' \
			"$$" 2>/dev/null >"$STATE_JOURNAL" || true
	fi
	printf '%s\n' "$1" 2>/dev/null >>"$STATE_JOURNAL" && return 0
	STATE_JOURNAL_WHY="cannot write $STATE_JOURNAL"
	rm -f -- "$STATE_JOURNAL" 2>/dev/null || true
	STATE_JOURNAL=
	state__journal_warn
}

state__journal_warn() {
	[[ -n $STATE_JOURNAL_WHY ]] || return 0
	printf 'harness: no undo journal (%s): a run killed with SIGKILL leaves its changes behind\n' \
		"$STATE_JOURNAL_WHY" >&2
	STATE_JOURNAL_WHY=
}

# state__journal_end: the stack is empty, nothing left to replay.
state__journal_end() {
	[[ -n $STATE_JOURNAL ]] || return 0
	rm -f -- "$STATE_JOURNAL" 2>/dev/null || true
}

# state_journal_start: journal every later change, after undoing what runs
# killed before left in the journal directory. Call once, before any change.
state_journal_start() {
	local dir=${HARNESS_JOURNAL_DIR:-}
	if [[ -z $dir ]] && ((EUID == 0)); then
		dir=/run/fixbuf-order
	elif [[ -z $dir && -n ${XDG_RUNTIME_DIR:-} ]]; then
		dir=$XDG_RUNTIME_DIR/fixbuf-order
	elif [[ -z $dir ]]; then
		STATE_JOURNAL_WHY="not root and no XDG_RUNTIME_DIR"
		return 0
	fi
	state__journal_dir "$dir" || return 0
	state__replay_all "$dir"
	STATE_JOURNAL=$dir/$$.undo
}

# state__journal_dir DIR: create DIR; usable only if private to this user,
# since a journal is replayed as shell code.
state__journal_dir() {
	local owner mode
	if [[ ! -d $1 ]] && ! mkdir -m 0700 -- "$1" 2>/dev/null; then
		STATE_JOURNAL_WHY="cannot create $1"
		return 1
	fi
	if [[ -L $1 ]] || ! read -r owner mode < <(stat -c '%u %a' -- "$1" 2>/dev/null) ||
		[[ $owner != "$EUID" ]] || ((8#$mode & 8#022)); then
		STATE_JOURNAL_WHY="$1 is not a directory private to uid $EUID"
		return 1
	fi
}

# state__replay_all DIR: replay, newest first, the journals of runs that
# are gone. Only <digits>.undo files are journals. Our own pid's is a dead
# run's that had this pid before us.
state__replay_all() {
	local j pid
	local -a js=()
	mapfile -t js < <(state__journals "$1")
	for j in "${js[@]}"; do
		pid=${j##*/}
		pid=${pid%.undo}
		if [[ $pid != "$$" ]] && state__harness_alive "$pid"; then continue; fi
		state__replay "$j" "$pid" || STATE_BAD=1
	done
}

# state__journals DIR: its journal files, newest first.
state__journals() {
	local f
	for f in "$1"/*.undo; do
		[[ ${f##*/} =~ ^[0-9]+\.undo$ && -f $f && ! -L $f ]] || continue
		printf '%s %s\n' "$(stat -c %Y -- "$f")" "$f"
	done | sort -rn | cut -d' ' -f2-
}

# state__harness_alive PID: PID is a running harness/run (interpreter,
# script and first argument are looked at, relative ones from its cwd). A
# zombie has no command line: it is gone.
state__harness_alive() {
	local a
	local -a argv=()
	[[ -d /proc/$1 ]] || return 1
	mapfile -d '' -t argv 2>/dev/null </proc/"$1"/cmdline || return 1
	for a in "${argv[@]:0:3}"; do
		[[ $a == /* ]] || a=/proc/$1/cwd/$a
		a=$(realpath -e -- "$a" 2>/dev/null) || continue
		[[ $a == */harness/run ]] && return 0
	done
	return 1
}

# state__replay JOURNAL PID: undo what that run left, in a subshell: its
# own stack, journaled back into JOURNAL. A lock keeps two starting runs
# from replaying the same journal. Status 1 when a restore did not hold.
state__replay() (
	local fd n
	# Gone already: another run replayed it since we listed it.
	{ exec {fd}<"$1"; } 2>/dev/null || exit 0
	if command -v flock >/dev/null && ! flock -n "$fd"; then exit 0; fi
	[[ -e $1 ]] || exit 0
	# shellcheck disable=SC2030 # this subshell's own stack, on purpose
	STATE_UNDO=() STATE_BAD='' STATE_JOURNAL=$1
	state__journal_read "$1"
	n=${#STATE_UNDO[@]}
	if ((n)); then
		printf 'harness: run %s was killed: undoing what it left (%d changes)\n' "$2" "$n" >&2
	fi
	state_undo
	rm -f -- "$1"
	[[ -z $STATE_BAD ]]
)

# state__journal_read FILE: its stack into STATE_UNDO. A last line without
# its newline was cut short by the kill: ignored.
# shellcheck disable=SC2031 # STATE_UNDO of state__replay's subshell
state__journal_read() {
	local line cmd
	while IFS= read -r line; do
		case $line in
		'+ '*) eval "cmd=${line#+ }" 2>/dev/null && STATE_UNDO+=("$cmd") ;;
		-) ((${#STATE_UNDO[@]} == 0)) || unset 'STATE_UNDO[-1]' ;;
		esac
	done <"$1"
}

