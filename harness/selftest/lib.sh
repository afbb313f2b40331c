# shellcheck shell=bash
# Helpers of harness/selftest/run: run the harness, TAP-style checks.

N=0 NPASS=0 NFAIL=0 NSKIP=0
OUT='' ERR='' RC=0 HPID=

# The harness's signal disposition, explicit: INT, TERM and HUP at their
# default, as a terminal's foreground job has them, whatever started this
# self-test (a background job of a non-interactive shell starts with SIGINT
# ignored, nohup with SIGHUP ignored, and so would every harness it starts:
# bash cannot trap them then). Empty when env cannot do it (coreutils <
# 8.31): the checks that need it skip.
SIGDFL=(env '--default-signal=INT,TERM,HUP')
"${SIGDFL[@]}" true 2>/dev/null || SIGDFL=()

# hrun [VAR=value...]: harness/run with the fake environment reset; an outer
# timeout so a harness broken on purpose cannot hang the self-test.
hrun() {
	hreset
	RC=0
	OUT=$(timeout -k 1 20 "${SIGDFL[@]}" "$HRUN" "$@" 2>"$TMP/stderr") || RC=$?
	ERR=$(<"$TMP/stderr")
}

hreset() {
	echo off >"$FAKE_STATE"
	: >"$TMP/undo.log"
	: >"$HARNESS_KMSG"
}

# hbg CMD...: harness/run on the slow suite (or HBG_TESTS) in the background, started
# through CMD (env and its signal options), until its test runs: HPID.
hbg() {
	local i
	hreset
	FAKE_HANG_TERM=ok TESTS_DIR="${HBG_TESTS:-$TMP/slow}" "$@" "$HRUN" >"$TMP/bg.out" 2>"$TMP/stderr" &
	HPID=$!
	for ((i = 0; i < 50; i++)); do no_procs || break; sleep 0.1; done
}

# hwait: the background harness's status and output, as hrun leaves them.
# It must end within 10 s of the signal, or it is stopped (status 124).
hwait() {
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$HPID" 2>/dev/null || break
		sleep 0.1
	done
	RC=0
	if kill -0 "$HPID" 2>/dev/null; then
		kill -TERM "$HPID" && RC=124
		wait "$HPID" 2>/dev/null || true
	else
		wait "$HPID" 2>/dev/null || RC=$?
	fi
	OUT=$(<"$TMP/bg.out") ERR=$(<"$TMP/stderr")
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

# skip REASON DESCRIPTION...: checks this machine cannot make, TAP SKIP.
skip() {
	local d
	for d in "${@:2}"; do
		N=$((N + 1)) NSKIP=$((NSKIP + 1))
		echo "ok $N $d # SKIP $1"
	done
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
count_err() { [[ $(grep -cF -- "$1" <<<"$ERR") == "$2" ]]; } # STRING N: lines of stderr
within() { ((SECONDS - $1 < $2)); } # START SECONDS
has() { [[ $OUT$'\n'$ERR == *"$1"* ]]; }
hasnt() { ! has "$1"; }
# shellcheck disable=SC2053 # like PATTERN: stdout+stderr match the glob PATTERN
like() { [[ $OUT$'\n'$ERR == $1 ]]; }
# last "N passed, N failed, N skipped": the closing line, as the last KTAP
# diagnostic of stdout and bare at the end of stderr.
last() { [[ ${OUT##*$'\n'} == "# $1" && ${ERR##*$'\n'} == "$1" ]]; }
# ktap_only: every stdout line is KTAP: version, plan, result, diagnostic,
# or indented (a program's own subtest lines).
ktap_only() {
	! grep -qvE '^(KTAP version 1|1\.\.[0-9]+|(not )?ok [0-9]+( .*)?|#.*|    .*)$' <<<"$OUT"
}
empty_dir() { [[ -d $1 && -z $(ls -A "$1") ]]; }
alive() { kill -0 "$1" 2>/dev/null; }
infile() { [[ -f $1 && $(<"$1") == *"$2"* ]]; }
no_procs() { ! pgrep -f "fixbuf-fake-$FAKE_TOKEN" >/dev/null; }
# The setup hook's change was undone, all undos ran newest first even
# though one failed, and the failure was reported.
undone() {
	[[ $(<"$FAKE_STATE") == off && $(<"$TMP/undo.log") == $'second\nfirst' ]] &&
		[[ $ERR == *"undo failed: exit 3"* ]]
}

file_is() { [[ -f $1 && $(<"$1") == "$2" ]]; }

# The fake fail_function directory (under HARNESS_DEBUGFS): plain files at
# unusual values, which a fault setup must change and its undo bring back.
# stacktrace-depth is there, require-start and the like are not: the
# config-dependent attributes are set only where they exist.
FF_ORIG=(times=7 probability=3 interval=5 space=9 verbose=2 task-filter=N stacktrace-depth=4)
FF_INJECT=

# ff_reset [INJECTABLE [INJECT]]: the fake at its original values; the
# injectable functions (default "other_func fake_func") and those injected
# already (default other_func), space-separated.
ff_reset() {
	local d=$HARNESS_DEBUGFS/fail_function a f
	mkdir -p "$d"
	for a in "${FF_ORIG[@]}"; do
		printf '%s\n' "${a#*=}" >"$d/${a%%=*}"
	done
	: >"$d/injectable"
	for f in ${1-other_func fake_func}; do printf '%s\tERRNO\n' "$f" >>"$d/injectable"; done
	FF_INJECT=${2-other_func}
	printf '%s\n' "${FF_INJECT// /$'\n'}" >"$d/inject"
	: >"$FAKE_SEEN"
}

# ff_original: every fake attribute at its original value, fake_func's
# retval gone with its injection.
ff_original() {
	local d=$HARNESS_DEBUGFS/fail_function a
	for a in "${FF_ORIG[@]}"; do
		file_is "$d/${a%%=*}" "${a#*=}" || return 1
	done
	file_is "$d/inject" "${FF_INJECT// /$'\n'}" && [[ ! -e $d/fake_func ]]
}

# ff_armed: the fake as the fault setup leaves it while a program runs.
ff_armed() {
	local d=$HARNESS_DEBUGFS/fail_function
	file_is "$d/times" 0 && file_is "$d/task-filter" Y && file_is "$d/inject" $'other_func\nfake_func' &&
		file_is "$d/fake_func/retval" 0xfffffffffffffff5
}

# kill_run PID: SIGKILL the harness PID, then its test program's whole
# process group (found through the fake's sleeper): nothing of the run can
# undo anything.
kill_run() {
	local p stat g i
	kill -KILL "$1"
	for p in $(pgrep -f "fixbuf-fake-$FAKE_TOKEN" || true); do
		read -r stat 2>/dev/null <"/proc/$p/stat" || continue
		stat=${stat##*) } # after "pid (comm) ": state ppid pgrp ...
		read -r _ _ g _ <<<"$stat"
		kill -KILL -- "-$g" 2>/dev/null || true
	done
	for ((i = 0; i < 50; i++)); do no_procs && break; sleep 0.1; done
}

# devices_resolve: the real devices' setups exist once device_load loaded
# harness/lib as harness/run does (in a subshell: nothing stays defined).
devices_resolve() (
	# shellcheck source-path=SCRIPTDIR source=../lib/device.sh
	source "$SELF/../lib/device.sh"
	device_load "$SELF/../lib" &&
		declare -F dev_nvme_loop_setup dev_scsi_debug_setup dev_null_blk_setup >/dev/null
)

# mk_suite DIR TIMEOUT PROG...: a TESTS_DIR of links to fake programs (a
# PROG with a '/' is a path, else a name in fake/).
mk_suite() {
	local dir=$1 t=$2 f
	shift 2
	mkdir -p "$dir"
	for f in "$@"; do
		[[ $f == */* ]] || f=$SELF/fake/$f
		ln -s "$f" "$dir/${f##*/}"
	done
	echo "timeout=$t" >"$dir/settings"
}

# c_build OUT SRC: build SRC as tests/Makefile builds a test program: its
# compiler, flags, library sources (tests/lib but the probe) and libraries,
# read from the Makefile itself so they cannot drift. Returns 1 with C_WHY
# when this machine cannot build C programs (checks then skip), 2 with the
# compiler's output in C_ERR when SRC does not build.
# shellcheck disable=SC2034 # C_WHY and C_ERR are read by run
c_build() {
	local tests=$SELF/../../tests cc
	local -a v cflags srcs libs
	C_WHY='' C_ERR=''
	command -v make >/dev/null || { C_WHY="no make" && return 1; }
	cat >"$TMP/vars.mk" <<'MK'
$(info $(CC))
$(info $(CFLAGS))
$(info $(LIB_SRCS))
$(info $(LDLIBS))
selftest-vars: ; @:
MK
	mapfile -t v < <(make -s --no-print-directory -C "$tests" -f Makefile -f "$TMP/vars.mk" selftest-vars)
	((${#v[@]} == 4)) || { C_WHY="cannot read the build flags of $tests/Makefile" && return 1; }
	cc=${v[0]}
	read -ra cflags <<<"${v[1]}"
	read -ra srcs <<<"${v[2]}"
	read -ra libs <<<"${v[3]}"
	command -v "$cc" >/dev/null || { C_WHY="no C compiler ($cc)" && return 1; }
	if ! printf '#include <liburing.h>\nint main(void) { return 0; }\n' |
		"$cc" -x c - -luring -o "$TMP/liburing-check" 2>/dev/null; then
		C_WHY="no liburing (liburing-dev)" && return 1
	fi
	if ! (cd "$tests" && "$cc" "${cflags[@]}" "$2" "${srcs[@]}" "${libs[@]}" -o "$1") 2>"$TMP/cc.err"; then
		C_ERR=$(<"$TMP/cc.err")
		return 2
	fi
}

finish() {
	echo "1..$N"
	echo "$NPASS passed, $NFAIL failed, $NSKIP skipped"
	((NFAIL == 0))
}
