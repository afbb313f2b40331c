# shellcheck shell=bash
# Helpers of harness/selftest/run: run the harness, TAP-style checks.

N=0 NPASS=0 NFAIL=0
OUT='' ERR='' RC=0

# hrun [VAR=value...]: harness/run with the fake environment reset; an outer
# timeout so a harness broken on purpose cannot hang the self-test.
hrun() {
	echo off >"$FAKE_STATE"
	: >"$TMP/undo.log"
	: >"$HARNESS_KMSG"
	RC=0
	OUT=$(timeout -k 1 20 "$HRUN" "$@" 2>"$TMP/stderr") || RC=$?
	ERR=$(<"$TMP/stderr")
}

# check DESCRIPTION COMMAND...: one TAP line; on failure show the output tail.
check() {
	N=$((N + 1))
	if "${@:2}"; then
		NPASS=$((NPASS + 1))
		echo "ok $N $1"
	else
		NFAIL=$((NFAIL + 1))
		echo "not ok $N $1"
		printf '#   rc=%s, last output:\n' "$RC"
		tail -n 6 <<<"$OUT"$'\n'"$ERR" | sed 's/^/#   /'
	fi
}

# all CMD... -- CMD...: every command succeeds (no eval, no quoting games).
all() {
	local -a cmd=()
	while (($#)); do
		if [[ $1 == -- ]]; then
			"${cmd[@]}" || return 1
			cmd=()
		else
			cmd+=("$1")
		fi
		shift
	done
	"${cmd[@]}"
}
not() { ! "$@"; }

rc() { ((RC == $1)); }
err_is() { [[ $ERR == "$1" ]]; }
out_is() { [[ $OUT == "$1" ]]; }
starts() { [[ $OUT == "$1"* ]]; }
one_line_err() { [[ -z $OUT && -n $ERR && $ERR != *$'\n'* ]]; }
files() { local f; for f in "${@:2}"; do [[ -s $1/$f ]] || return 1; done; }
last_in() { [[ $(tail -n 1 "$1") == "$2" ]]; }
count_in() { [[ $(grep -c -- "$2" "$1") == "$3" ]]; }
within() { ((SECONDS - $1 < $2)); } # START SECONDS
has() { [[ $OUT$'\n'$ERR == *"$1"* ]]; }
hasnt() { ! has "$1"; }
last() { [[ ${OUT##*$'\n'} == "$1" ]]; }
infile() { [[ -f $1 && $(<"$1") == *"$2"* ]]; }
no_procs() { ! pgrep -f "fixbuf-fake-$FAKE_TOKEN" >/dev/null; }
# The setup hook's change was undone, all undos ran newest first even
# though one failed, and the failure was reported.
undone() {
	[[ $(<"$FAKE_STATE") == off && $(<"$TMP/undo.log") == $'second\nfirst' ]] &&
		[[ $ERR == *"undo failed: exit 3"* ]]
}

mk_suite() { # DIR TIMEOUT FAKE...: a TESTS_DIR of links to fake programs
	local dir=$1 t=$2 f
	shift 2
	mkdir -p "$dir"
	for f in "$@"; do ln -s "$SELF/fake/$f" "$dir/$f"; done
	echo "timeout=$t" >"$dir/settings"
}

finish() {
	echo "1..$N"
	echo "$NPASS passed, $NFAIL failed"
	((NFAIL == 0))
}
