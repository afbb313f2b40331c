# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Verdict on one program: its case lines (with expectations applied) plus
# what the harness saw (timeout, signal, exit status, plan, kernel splat).
# Prints the program's KTAP subtest block and its top-level line.

R_PASS=0 R_FAIL=0 R_SKIP=0 R_XFAIL=0 R_XPASS=0
R_FAILED=() R_XPASSED=()

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
				skip=$((skip + 1)) && skipwhy=${skipwhy:-$why}
				line+=" # SKIP $why" && junit_case "$prog" "$name" skip "$why"
			elif [[ $st == ok ]]; then
				pass=$((pass + 1))
				if expect_match "$name"; then
					R_XPASS=$((R_XPASS + 1)) && R_XPASSED+=("$name")
					line+=" # XPASS $EXPECT_HIT" && junit_case "$prog" "$name" xpass "$EXPECT_HIT"
				else
					line+="${why:+ # $why}" && junit_case "$prog" "$name" pass
				fi
			elif [[ $dx == TODO ]] && note="TODO $why" || expect_match "$name"; then
				xfail=$((xfail + 1))
				line+=" # XFAIL ${note:-$EXPECT_HIT}" && junit_case "$prog" "$name" xfail "${note:-$EXPECT_HIT}"
			else
				fail=$((fail + 1)) && R_FAILED+=("$name")
				ktap_diag_pick "$name" "$diag"
				line+="${why:+ # $why}" && junit_case "$prog" "$name" fail "$KTAP_PICK" "${diag//$'\036'/$'\n'}"
			fi
			out+="    $line"$'\n'
			;;
		esac
	done < <(ktap_parse "$dir/output")

	local rc=$EXEC_RC top=''
	if [[ -n $EXEC_TIMED_OUT ]]; then
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
	[[ -n $DMESG_SPLAT ]] && reasons+=("kernel splat: $DMESG_SPLAT")

	R_PASS=$((R_PASS + pass)) R_FAIL=$((R_FAIL + fail)) R_XFAIL=$((R_XFAIL + xfail))
	local r verdict="ok $n $prog"
	for r in "${reasons[@]}"; do
		out+="# $prog: $r"$'\n'
	done
	if ((${#reasons[@]})); then
		R_FAIL=$((R_FAIL + 1)) && R_FAILED+=("$prog")
		verdict="not ok $n $prog$top"
		local IFS=$'\n'
		junit_case "$prog" "$prog" fail "${reasons[0]}" "${reasons[*]}"
	elif ((fail)); then
		verdict="not ok $n $prog"
	elif ((pass + xfail == 0)); then
		((nres)) || { skip=1 && junit_case "$prog" "$prog" skip "${planskip:-no cases}"; }
		verdict+=" # SKIP ${planskip:-${skipwhy:-all cases skipped}}"
	fi
	R_SKIP=$((R_SKIP + skip))
	out+="$verdict"
	emit "$out"
}
