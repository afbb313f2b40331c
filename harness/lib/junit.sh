# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# junit.xml for CI: a testsuite per program, a testcase per case.  XFAIL is
# reported as skipped (as pytest does), XPASS as passed with a note. An
# interrupted run: the program the signal stopped is an <error>, and
# <testsuites> says interrupted="SIGINT" (or TERM, HUP).

JUNIT_SUITES= # finished <testsuite> elements
JUNIT_CASES=  # <testcase> elements of the current program
JUNIT_N=0 JUNIT_F=0 JUNIT_S=0 JUNIT_E=0

junit__esc() { # VAR TEXT: XML-escape, drop characters XML 1.0 forbids
	local LC_ALL=C s=$2
	s=${s//&/'&amp;'} s=${s//</'&lt;'} s=${s//>/'&gt;'} s=${s//\"/'&quot;'}
	s=${s//[$'\001'-$'\010'$'\013'$'\014'$'\016'-$'\037'$'\177']/}
	printf -v "$1" '%s' "$s"
}

# junit_case PROG NAME pass|fail|error|skip|xfail|xpass [MESSAGE [BODY]]
junit_case() {
	local c n m b
	junit__esc c "$1"
	junit__esc n "$2"
	junit__esc m "${4:-}"
	junit__esc b "${5:-}"
	JUNIT_N=$((JUNIT_N + 1))
	JUNIT_CASES+="    <testcase classname=\"$c\" name=\"$n\""
	case $3 in
	fail) JUNIT_F=$((JUNIT_F + 1))
		JUNIT_CASES+=$'>\n'"      <failure message=\"$m\">$b</failure>"$'\n    </testcase>\n' ;;
	error) JUNIT_E=$((JUNIT_E + 1))
		JUNIT_CASES+=$'>\n'"      <error message=\"$m\"/>"$'\n    </testcase>\n' ;;
	skip | xfail) JUNIT_S=$((JUNIT_S + 1))
		[[ $3 == xfail ]] && m="XFAIL: $m"
		JUNIT_CASES+=$'>\n'"      <skipped message=\"$m\"/>"$'\n    </testcase>\n' ;;
	xpass) JUNIT_CASES+=$'>\n'"      <system-out>XPASS: $m</system-out>"$'\n    </testcase>\n' ;;
	*) JUNIT_CASES+=$'/>\n' ;;
	esac
}

junit_suite_end() { # PROG MILLISECONDS
	local p
	junit__esc p "$1"
	printf -v p '  <testsuite name="%s" tests="%d" failures="%d" errors="%d" skipped="%d" time="%d.%03d">\n' \
		"$p" "$JUNIT_N" "$JUNIT_F" "$JUNIT_E" "$JUNIT_S" $(($2 / 1000)) $(($2 % 1000))
	JUNIT_SUITES+="$p$JUNIT_CASES  </testsuite>"$'\n'
	JUNIT_CASES='' JUNIT_N=0 JUNIT_F=0 JUNIT_S=0 JUNIT_E=0
}

junit_write() { # FILE [SIGNAL]: SIGNAL (SIGINT...) marks the run interrupted
	local attr=''
	[[ -z ${2:-} ]] || attr=" interrupted=\"$2\""
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="fixbuf-order"%s>\n%s</testsuites>\n' \
		"$attr" "$JUNIT_SUITES" >"$1"
}
