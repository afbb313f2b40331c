# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Output of a run: one KTAP stream on stdout, the same in results.ktap. It
# ends with the summary as KTAP diagnostics, the last one
# "# N passed, N failed, N skipped". RESULTS_DIR/summary holds the same
# lines without "# ", and its last line, the bare closing line a CI log or a
# terminal reads, also ends stderr: not stdout, which stays strict KTAP.

REPORT_KTAP=/dev/null

emit() { # TEXT: one or more lines to stdout and results.ktap
	printf '%s\n' "$1"
	printf '%s\n' "$1" >>"$REPORT_KTAP"
}

report_summary() { # RESULTS_DIR -> RESULTS_DIR/summary, stdout, stderr
	local s
	s="failed: ${R_FAILED[*]:-none}"$'\n'
	s+="expected failures: $R_XFAIL (xfail), unexpected passes: $R_XPASS (xpass)"$'\n'
	((R_XPASS == 0)) || s+="xpass: ${R_XPASSED[*]}"$'\n'
	s+="results: $1"$'\n'
	s+="$R_PASS passed, $R_FAIL failed, $R_SKIP skipped"
	printf '%s\n' "$s" >"$1/summary"
	emit "# ${s//$'\n'/$'\n'# }"
	printf '%s\n' "${s##*$'\n'}" >&2
}

report_status() { # the harness exit status
	if ((R_FAIL)); then
		return 1
	elif ((R_PASS + R_XFAIL == 0)); then
		return 4
	fi
	return 0
}
