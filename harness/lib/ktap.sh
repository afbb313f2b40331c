# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Reading a program's TAP 13 output.  One awk per program turns it into
# records (\037-separated, so empty fields survive `read`):
#   L <line>                                  any non-result line
#   R <ok|not ok> <num> <name> <SKIP|TODO|> <reason> <diag>
#   E <planned, -1 if none> <results> <plan skip reason>
# <diag> is the "# ..." lines since the previous result, joined by \036.

ktap_parse() { # FILE
	awk '
	function clean(s) { gsub(/[\t\036\037]/, " ", s); return s }
	BEGIN { planned = -1; n = 0; diag = ""; planskip = "" }
	/^(not ok|ok)([ \t]|$)/ {
		st = ($0 ~ /^ok/) ? "ok" : "not ok"
		rest = substr($0, length(st) + 1)
		sub(/^[ \t]+/, "", rest)
		num = ""
		if (match(rest, /^[0-9]+/)) { num = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1) }
		sub(/^[ \t]*(- )?/, "", rest)
		dir = ""; why = ""
		if ((i = index(rest, "#")) > 0) {
			why = substr(rest, i + 1); rest = substr(rest, 1, i - 1)
			sub(/^[ \t]+/, "", why)
			w = toupper(substr(why, 1, 4))
			if (w == "SKIP" || w == "TODO") {
				dir = w; why = substr(why, 5); sub(/^[A-Za-z]*[ \t:]*/, "", why)
			}
		}
		sub(/[ \t]+$/, "", rest)
		n++
		printf "R\037%s\037%s\037%s\037%s\037%s\037%s\n", st, num, clean(rest), dir, clean(why), diag
		diag = ""
		next
	}
	/^1\.\.[0-9]+/ {
		if (planned < 0) { p = $0; sub(/^1\.\./, "", p); planned = p + 0 }
		if (match($0, /#[ \t]*[Ss][Kk][Ii][Pp][ \t:]*/)) planskip = clean(substr($0, RSTART + RLENGTH))
	}
	/^#/ {
		d = $0; sub(/^#[ \t]*/, "", d)
		if (d != "" && d !~ /^Totals:/) diag = (diag == "") ? clean(d) : diag "\036" clean(d)
	}
	{ print "L\037" $0 }
	END { printf "E\037%d\037%d\037%s\n", planned, n, planskip }
	' "$1"
}

# ktap_diag_pick NAME DIAG: the most telling diagnosis line for a one-line
# message: the one naming the case, else the last one.
ktap_diag_pick() {
	local line pick=
	local -a lines
	IFS=$'\036' read -r -a lines <<<"$2" || true
	for line in "${lines[@]}"; do
		pick=$line
		[[ $line == "$1:"* ]] && break
	done
	KTAP_PICK=$pick
}

# Reading the harness's own stream (results.ktap, or its stdout): the one
# parser of case lines for every script that compares runs or kernels.
# ktap_cases FILE: one "<case-name> <verdict>" line per case, in stream order.
# Case lines are the subtest lines judge_program writes, four spaces deep:
# "ok|not ok N NAME[ # DIRECTIVE ...]". Verdict: a SKIP directive is skip
# whatever the status; otherwise "not ok" is fail, or xfail with XFAIL, and
# "ok" is pass, or xpass with XPASS. Deeper lines are a program's own output.
ktap_cases() {
	awk '/^    (not )?ok [0-9]+ / {
		f = ($1 == "not") ? 4 : 3
		v = ($1 == "not") ? "fail" : "pass"
		d = ($(f + 1) == "#") ? $(f + 2) : ""
		if (d == "SKIP") v = "skip"
		else if (d == "XFAIL" && v == "fail") v = "xfail"
		else if (d == "XPASS" && v == "pass") v = "xpass"
		print $f, v
	}' "$1"
}
