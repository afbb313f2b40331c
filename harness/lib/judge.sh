# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Verdict on one program: its case lines (with expectations applied) plus
# what the harness saw (timeout, signal, exit status, plan, kernel splat).
# Prints the program's KTAP subtest block and its top-level line.

R_PASS=0 R_FAIL=0 R_SKIP=0 R_XFAIL=0 R_XPASS=0
R_FAILED=() R_XPASSED=()
# For the closing summary (report.sh): what a verdict rests on.
R_TESTED=0       # cases that could show a late lookup (not controls) with a verdict
R_UNTESTED=0     # such cases that skipped
R_PROGS=0        # programs judged
R_FAILS=()       # "PROG<TAB>CASE" of every failure (CASE = PROG: the whole program)
R_XFAILS=()      # "CASE<TAB>NOTE" of every expected failure
declare -gA R_SKIPWHY=() R_UNTESTEDWHY=() # skip reason (judge_reason_key) -> cases
R_SKIPWHY_ORDER=() R_UNTESTEDWHY_ORDER=()

# judge_control NAME: the case is a control, which cannot show a late
# lookup: a path component of its name is "inline" (the I/O completes in its
# first issue; tests/lib/ktap.c has the same rule for kselftest). A run in
# which no other case got a verdict tested nothing of the promise: exit 4.
judge_control() { [[ /$1/ == */inline/* ]]; }

# judge_reason_key VAR REASON: the reason a skip is counted under: without
# a last " (...)", up to its first ": ", again without a last " (...)"
# ("requires tracefs (root, ...): the proof ..." is "requires tracefs",
# "kernel lacks X (prep: -EINVAL)" is "kernel lacks X").
judge_reason_key() {
	local _key=$2
	[[ $_key != *")" ]] || _key=${_key% (*}
	_key=${_key%%": "*}
	[[ $_key != *")" ]] || _key=${_key% (*}
	printf -v "$1" "%s" "${_key:-no reason given}"
}

# judge__skip NAME REASON: count a skipped case under its reason.
judge__skip() {
	local k
	judge_reason_key k "$2"
	[[ -n ${R_SKIPWHY["$k"]:-} ]] || R_SKIPWHY_ORDER+=("$k")
	R_SKIPWHY["$k"]=$((${R_SKIPWHY["$k"]:-0} + 1))
	judge_control "$1" && return 0
	R_UNTESTED=$((R_UNTESTED + 1))
	[[ -n ${R_UNTESTEDWHY["$k"]:-} ]] || R_UNTESTEDWHY_ORDER+=("$k")
	R_UNTESTEDWHY["$k"]=$((${R_UNTESTEDWHY["$k"]:-0} + 1))
}

# judge__tested NAME: a verdict on a case that could show a late lookup.
judge__tested() { judge_control "$1" || R_TESTED=$((R_TESTED + 1)); }

judge_program() { # N PROG DIR SECS
	local n=$1 prog=$2 dir=$3 secs=$4 out='' kind st num name dx why diag
	local fail=0 xfail=0 pass=0 skip=0 planned=-1 nres=0 planskip='' skipwhy=''
	local -a reasons=()
	while IFS=$'\037' read -r kind st num name dx why diag; do
		case $kind in
		L) out+="    $st"$'\n' ;;
		E) planned=$st nres=$num planskip=$name ;;
		R)
			local line="$st${num:+ $num} $name" note=''
			if [[ $dx == SKIP ]]; then
				skip=$((skip + 1)) && skipwhy=${skipwhy:-$why} && judge__skip "$name" "$why"
				line+=" # SKIP $why" && junit_case "$prog" "$name" skip "$why"
			elif [[ $st == ok ]]; then
				pass=$((pass + 1)) && judge__tested "$name"
				if expect_match "$name"; then
					R_XPASS=$((R_XPASS + 1)) && R_XPASSED+=("$name")
					line+=" # XPASS $EXPECT_HIT" && junit_case "$prog" "$name" xpass "$EXPECT_HIT"
				else
					line+="${why:+ # $why}" && junit_case "$prog" "$name" pass
				fi
			elif [[ $dx == TODO ]] && note="TODO $why" || expect_match "$name"; then
				xfail=$((xfail + 1)) && judge__tested "$name"
				R_XFAILS+=("$name"$'\t'"${note:-$EXPECT_HIT}")
				line+=" # XFAIL ${note:-$EXPECT_HIT}" && junit_case "$prog" "$name" xfail "${note:-$EXPECT_HIT}"
			else
				fail=$((fail + 1)) && R_FAILED+=("$name") && judge__tested "$name"
				R_FAILS+=("$prog"$'\t'"$name")
				ktap_diag_pick "$name" "$diag"
				line+="${why:+ # $why}" && junit_case "$prog" "$name" fail "$KTAP_PICK" "${diag//$'\036'/$'\n'}"
			fi
			out+="    $line"$'\n'
			;;
		esac
	done < <(ktap_parse "$dir/output")

	local rc=$EXEC_RC top=''
	R_PROGS=$((R_PROGS + 1))
	# Interrupted (JUDGE_INTERRUPTED, e.g. SIGINT): the cases it reported stand,
	# the harness killed it, so its exit status and plan say nothing.
	if [[ -n ${JUDGE_INTERRUPTED:-} ]]; then
		:
	elif [[ -n $EXEC_TIMED_OUT ]]; then
		reasons+=("TIMEOUT after ${secs}s") && top=" # TIMEOUT after ${secs}s"
	elif ((rc > 128 && rc <= 128 + 64)); then
		reasons+=("killed by signal SIG$(kill -l $((rc - 128)))")
	elif ((rc != 0 && rc != 1 && rc != 4)); then
		reasons+=("exit status $rc")
	elif ((planned < 0)); then
		reasons+=("no TAP plan in the output")
	elif ((nres != planned)); then
		reasons+=("plan 1..$planned but $nres result lines")
	elif ((rc == 1 && fail + xfail == 0)); then
		reasons+=("exit status 1 without a failing case")
	fi
	# A splat fails the program unless EXPECT names every splat in its slice.
	local fname=$prog splatx=''
	if [[ -n $DMESG_SPLAT ]]; then
		if judge__splats; then
			splatx=$JUDGE_SPLAT_NOTE
			out+="# $prog: kernel splat, expected: $DMESG_SPLAT"$'\n'
		else
			((${#reasons[@]})) || fname=splat:$JUDGE_SPLAT
			reasons+=("kernel splat: $JUDGE_SPLAT")
		fi
	fi

	R_PASS=$((R_PASS + pass)) R_FAIL=$((R_FAIL + fail)) R_XFAIL=$((R_XFAIL + xfail))
	local r verdict="ok $n $prog"
	for r in "${reasons[@]}"; do
		out+="# $prog: $r"$'\n'
	done
	if ((${#reasons[@]})); then
		R_FAIL=$((R_FAIL + 1)) && R_FAILED+=("$prog")
		R_FAILS+=("$prog"$'\t'"$fname")
		verdict="not ok $n $prog$top"
		local IFS=$'\n'
		junit_case "$prog" "$prog" fail "${reasons[0]}" "${reasons[*]}"
	elif ((fail)); then
		verdict="not ok $n $prog"
	elif [[ -n $splatx ]]; then
		R_XFAIL=$((R_XFAIL + 1)) && R_XFAILS+=("$prog"$'\t'"$splatx")
		junit_case "$prog" "$prog" xfail "kernel splat: $splatx"
		verdict="not ok $n $prog # XFAIL kernel splat: $splatx"
	elif [[ -n ${JUDGE_INTERRUPTED:-} ]]; then
		junit_case "$prog" "$prog" error "interrupted by $JUDGE_INTERRUPTED"
		verdict+=" # SKIP interrupted by $JUDGE_INTERRUPTED"
	elif ((pass + xfail == 0)); then
		((nres)) || { skip=1 && judge__skip "$prog" "${planskip:-no cases}" && junit_case "$prog" "$prog" skip "${planskip:-no cases}"; }
		verdict+=" # SKIP ${planskip:-${skipwhy:-all cases skipped}}"
	fi
	R_SKIP=$((R_SKIP + skip))
	out+="$verdict"
	emit "$out"
}

# judge__splats: 0 when EXPECT names every splat of the slice
# (DMESG_SPLATS), JUDGE_SPLAT_NOTE the first one's note; else 1 with
# JUDGE_SPLAT the first splat it does not name. Names are splat:LINE, LINE
# without its timestamp, so a known-issues line reads "splat:UBSAN:*...".
judge__splats() {
	local l
	JUDGE_SPLAT_NOTE='' JUDGE_SPLAT=''
	while IFS= read -r l; do
		[[ $l =~ ^\[[\ 0-9.]+\]\ ?(.*)$ ]] && l=${BASH_REMATCH[1]}
		if ! expect_match "splat:$l"; then
			JUDGE_SPLAT=$l
			return 1
		fi
		JUDGE_SPLAT_NOTE=${JUDGE_SPLAT_NOTE:-$EXPECT_HIT}
	done <<<"${DMESG_SPLATS:-}"
}
