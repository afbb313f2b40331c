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
