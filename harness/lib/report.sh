# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Output of a run: one KTAP stream on stdout, the same in results.ktap, and
# the summary whose last line is "N passed, N failed, N skipped".

REPORT_KTAP=/dev/null

emit() { # TEXT: one or more lines to stdout and results.ktap
	printf '%s\n' "$1"
	printf '%s\n' "$1" >>"$REPORT_KTAP"
}

report_summary() { # RESULTS_DIR -> stdout and RESULTS_DIR/summary
	local s
	s="failed: ${R_FAILED[*]:-none}"$'\n'
	s+="expected failures: $R_XFAIL (xfail), unexpected passes: $R_XPASS (xpass)"$'\n'
	((R_XPASS == 0)) || s+="xpass: ${R_XPASSED[*]}"$'\n'
	s+="results: $1"$'\n'
	s+="$R_PASS passed, $R_FAIL failed, $R_SKIP skipped"
	printf '%s\n' "$s" >"$1/summary"
	printf '%s\n' "$s"
}

report_status() { # the harness exit status
	if ((R_FAIL)); then
		return 1
	elif ((R_PASS + R_XFAIL == 0)); then
		return 4
	fi
	return 0
}
