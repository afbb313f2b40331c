# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Output of a run: one KTAP stream on stdout, the same in results.ktap. It
# ends with the summary as KTAP diagnostics, the last one
# "# N passed, N failed, N skipped". RESULTS_DIR/summary holds the same
# lines without "# ", and its last line, the bare closing line a CI log or a
# terminal reads, also ends stderr: not stdout, which stays strict KTAP.
# When stdout is not where stderr goes (redirected, piped), the lines that
# say what to do (NOT TESTED, INTERRUPTED, next:) come before it on stderr.
#
# The summary, for a person: failures by family (the first component of the
# case name) and by the known gap of configs/known-issues they match on this
# kernel (range, file:line, reason), skips by reason (judge_reason_key),
# the results directory and the next step. A run in which no case that
# could show a late lookup (judge_control: not an /inline/ control) got a
# verdict is NOT TESTED and exits 4, saying why and what to do.

REPORT_KTAP=/dev/null
REPORT_KNOWN_PAT=() REPORT_KNOWN_WHY=() REPORT_KNOWN_AT=() REPORT_KNOWN_FILE=

emit() { # TEXT: one or more lines to stdout and results.ktap
	printf '%s\n' "$1"
	printf '%s\n' "$1" >>"$REPORT_KTAP"
}

# report_known_load FILE [SHOWN]: the known gaps whose range holds this
# kernel (KVER_NUM, expect_kver), to name what a failure matches even
# without EXPECT. SHOWN is how the summary names FILE. Quiet: a file that
# is missing or malformed only means no gap is named (EXPECT= validates).
report_known_load() {
	local file=$1 shown=${2:-$1} n=0 pat range why lo hi a b
	[[ -r $file ]] || return 0
	REPORT_KNOWN_FILE=$shown
	while IFS=$' \t' read -r pat range why || [[ -n $pat ]]; do
		n=$((n + 1))
		[[ -z $pat || $pat == \#* || -z $why ]] && continue
		[[ $range =~ ^([0-9.]*)\.\.([0-9.]*)$ ]] || continue
		a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} lo=0 hi=-1
		[[ -z $a ]] || expect__num lo "$a" || continue
		[[ -z $b ]] || expect__num hi "$b" || continue
		pat_check "$pat" || continue
		((KVER_NUM >= lo && (hi == -1 || KVER_NUM < hi))) || continue
		REPORT_KNOWN_PAT+=("$pat")
		REPORT_KNOWN_WHY+=("$why")
		REPORT_KNOWN_AT+=("$range $n")
	done <"$file"
}

# report__gap NAME: REPORT_GAP = index of the first known gap matching, or -1.
report__gap() {
	local i
	REPORT_GAP=-1
	for i in "${!REPORT_KNOWN_PAT[@]}"; do
		pat_same_kind "$1" "${REPORT_KNOWN_PAT[i]}" || continue
		if pat_match "$1" "${REPORT_KNOWN_PAT[i]}"; then
			REPORT_GAP=$i
			return 0
		fi
	done
	return 1
}

# report__counts VAR ASSOC KEY...: "N key, N key", the largest N first
# (ties in KEY order).
report__counts() {
	local -n _cnt=$2
	local k c s=''
	while read -r c k; do s+="${s:+, }$c $k"; done < <(
		for k in "${@:3}"; do printf '%s %s\n' "${_cnt[$k]}" "$k"; done | sort -s -k1,1nr)
	printf -v "$1" '%s' "$s"
}

# report__fix VAR: the way to get the untested cases to run, from their
# skip reasons.
report__fix() {
	local k root='' trace='' need='' kernel=''
	for k in "${R_UNTESTEDWHY_ORDER[@]}"; do
		case $k in
		"requires root" | "requires configfs") root=1 ;;
		"requires tracefs"*) trace=1 ;;
		requires*) need=1 ;;
		"kernel "*) kernel=1 ;;
		esac
	done
	if ((EUID != 0)) && [[ -n $root$trace$need ]]; then
		printf -v "$1" 'run as root (sudo make run): tracefs, configfs and the devices need it'
	elif [[ -n $trace ]]; then
		printf -v "$1" 'mount tracefs with the io_uring events (mount -t tracefs nodev /sys/kernel/tracing)'
	elif [[ -n $need ]]; then
		printf -v "$1" 'make vm-run runs them in a VM that has the modules and devices they require'
	elif [[ -n $kernel ]]; then
		printf -v "$1" 'this kernel lacks what they use: make vm-run KERNEL=... or make history runs other kernels'
	else
		printf -v "$1" 'see the skip reasons above'
	fi
}

# report_summary RESULTS_DIR [SIGNAL] -> RESULTS_DIR/summary, stdout, stderr.
# SIGNAL (SIGINT, ...): the run was interrupted after R_PROGS of its programs.
report_summary() {
	local dir=$1 sig=${2:-} s='' e k v i t prog name gap fix line first=''
	local -A fam=() gapn=() gapfam=() gapat=() xgap=()
	local -a famorder=() gaporder=() xorder=() tell=()
	local known=0 unknown=0 whole=0
	s="summary: kernel $KERNEL_RELEASE, $R_PROGS of ${#SEL_PROGS[@]} programs run, $R_TESTED cases that could show a late lookup got a verdict (the /inline/ controls are not counted)"$'\n'
	s+="failed: ${R_FAILED[*]:-none}"$'\n'
	s+="expected failures: $R_XFAIL (xfail), unexpected passes: $R_XPASS (xpass)"$'\n'
	((R_XPASS == 0)) || s+="xpass: ${R_XPASSED[*]}"$'\n'

	for e in "${R_FAILS[@]}"; do
		prog=${e%%$'\t'*} name=${e#*$'\t'}
		# A whole-program failure is named after the program, or after its
		# splat (splat:LINE, judge.sh) when that was its only reason.
		if [[ $name == "$prog" || $name == splat:* ]]; then
			k="$prog (whole program)" && whole=$((whole + 1))
		else
			k=${name%%/*}
		fi
		[[ -n ${fam[$k]:-} ]] || famorder+=("$k")
		fam[$k]=$((${fam[$k]:-0} + 1))
		if [[ $name != "$prog" ]] && report__gap "$name"; then
			# One gap may be several lines (one per park mode): by reason and range.
			read -r t i <<<"${REPORT_KNOWN_AT[REPORT_GAP]}"
			gap="${REPORT_KNOWN_WHY[REPORT_GAP]} [$t" && known=$((known + 1))
			[[ ",${gapat[$gap]:-}," == *",$i,"* ]] || gapat[$gap]+="${gapat[$gap]:+,}$i"
		else
			gap=none && unknown=$((unknown + 1))
			first=${first:-$prog}
		fi
		[[ -n ${gapn[$gap]:-} ]] || gaporder+=("$gap")
		gapn[$gap]=$((${gapn[$gap]:-0} + 1))
		[[ "|${gapfam[$gap]:-}|" == *"|$k|"* ]] || gapfam[$gap]+="${gapfam[$gap]:+|}$k"
	done
	if ((${#R_FAILS[@]})); then
		report__counts line fam "${famorder[@]}"
		s+="failures by family: $line"$'\n'
		s+="failures by known gap (${REPORT_KNOWN_FILE:-no known-issues file}: the lines whose range holds $KVER):"$'\n'
		for gap in "${gaporder[@]}"; do
			if [[ $gap == none ]]; then
				s+="  ${gapn[$gap]} (${gapfam[$gap]//|/, }): no known gap"$'\n'
			else
				s+="  ${gapn[$gap]} (${gapfam[$gap]//|/, }): $gap, $REPORT_KNOWN_FILE:${gapat[$gap]}]"$'\n'
			fi
		done
	fi
	for e in "${R_XFAILS[@]}"; do
		k=${e#*$'\t'}
		[[ -n ${xgap[$k]:-} ]] || xorder+=("$k")
		xgap[$k]=$((${xgap[$k]:-0} + 1))
	done
	if ((${#xorder[@]})); then
		s+="expected failures by known gap:"$'\n'
		for k in "${xorder[@]}"; do s+="  ${xgap[$k]}: $k"$'\n'; done
	fi
	if ((${#R_SKIPWHY_ORDER[@]})); then
		s+="skips by reason:"$'\n'
		while IFS= read -r line; do s+="  $line"$'\n'; done < <(
			for k in "${R_SKIPWHY_ORDER[@]}"; do printf '%s %s\n' "${R_SKIPWHY[$k]}" "$k"; done | sort -s -k1,1nr)
	fi

	if [[ -n $sig ]]; then
		tell+=("INTERRUPTED by $sig: $R_PROGS of ${#SEL_PROGS[@]} programs ran (the last one stopped), every change undone; the verdicts above are only what ran")
		tell+=("next: run it again to the end for a verdict on every program")
	elif ((R_FAIL)); then
		line=''
		if ((known)); then
			if [[ -z $EXPECT ]]; then
				line="these $known failures are the known gaps above, on this kernel: EXPECT=configs/known-issues marks them expected"
			else
				line="$known failures match a known gap whose range holds this kernel but not in $EXPECT"
			fi
		fi
		if ((unknown)); then
			t="$unknown failures match no known gap: a regression or a new gap; their '# <case>:' lines in $dir/$first/output say what the kernel did"
			((whole == 0)) || t+=" ($whole whole programs failed: timeout, crash or kernel splat; see output and dmesg there)"
			line+="${line:+; }$t"
		fi
		tell+=("next: $line")
	elif ((R_TESTED == 0)); then
		if ((R_UNTESTED == 0)); then
			tell+=("NOT TESTED: no case that could show a late lookup was selected, only the /inline/ controls")
			tell+=("next: select cases that park (T='send_zc/*'), or run them all")
		else
			report__counts line R_UNTESTEDWHY "${R_UNTESTEDWHY_ORDER[@]}"
			report__fix fix
			tell+=("NOT TESTED: every case that could show a late lookup skipped: $line: ${fix%%" ("*}")
			tell+=("next: $fix")
		fi
	elif ((R_XFAIL)); then
		tell+=("next: nothing new: every failure is a known gap of this kernel ($R_XFAIL expected failures), the rest passed")
	else
		tell+=("next: nothing: every case that ran passed")
	fi
	s+="results: $dir"$'\n'
	for line in "${tell[@]}"; do s+="$line"$'\n'; done
	s+="$R_PASS passed, $R_FAIL failed, $R_SKIP skipped"
	printf '%s\n' "$s" >"$dir/summary"
	emit "# ${s//$'\n'/$'\n'# }"
	# On a terminal stderr is stdout: the lines above are already there.
	if [[ ! /proc/self/fd/1 -ef /proc/self/fd/2 ]]; then
		printf '%s\n' "${tell[@]}" >&2
	fi
	printf '%s\n' "${s##*$'\n'}" >&2
}

report_status() { # the harness exit status: 1 failures, 4 nothing tested
	if ((R_FAIL)); then
		return 1
	elif ((R_TESTED == 0)); then
		return 4
	fi
	return 0
}
