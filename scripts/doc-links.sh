#!/usr/bin/env bash
set -euo pipefail
# Every relative link in the README and docs/ leads somewhere: the file
# exists and, for a markdown file with #anchor, it has that heading (the
# anchor as GitHub makes it). The docs are moved and renamed by hand, so a
# stale link is the likely mistake.
#   scripts/doc-links.sh [FILE.md ...]   (default: README.md docs/*.md)
# Exit 0 all links resolve, 1 one or more do not (each named).

cd "$(dirname "$0")/.."
(($#)) || set -- README.md docs/*.md

# links FILE: each link target outside fenced code, one a line.
links() {
	awk '/^```/ { code = !code; next }
		!code { while (match($0, /\]\([^) ]+\)/)) {
			print substr($0, RSTART + 2, RLENGTH - 3); $0 = substr($0, RSTART + RLENGTH) } }' "$1"
}
# anchors FILE: GitHub's anchor of each heading: lower case, punctuation
# dropped, blanks to '-', a repeated one numbered.
anchors() {
	awk '/^```/ { code = !code; next }
		!code && /^#+ / { a = tolower($0); sub(/^#+ +/, "", a); sub(/ +$/, "", a)
			gsub(/[^a-z0-9_ -]/, "", a); gsub(/ /, "-", a)
			print (seen[a]++ ? a "-" seen[a] - 1 : a) }' "$1"
}

bad=0
for f in "$@"; do
	while read -r l; do
		[[ $l == *:* && $l != \#* && ${l%%:*} =~ ^[a-z]+$ ]] && continue # a URL
		path=${l%%#*} anchor=''
		[[ $l != *#* ]] || anchor=${l#*#}
		target=$f
		[[ -z $path ]] || target=$(dirname "$f")/$path
		[[ $path != /* ]] || target=$path
		if [[ ! -e $target ]]; then
			echo "doc-links: $f: $l: no such file" >&2 && bad=1
		elif [[ -n $anchor && $target == *.md ]] && ! anchors "$target" | grep -qxF -- "$anchor"; then
			echo "doc-links: $f: $l: no such heading in $target" >&2 && bad=1
		fi
	done < <(links "$f")
done
((bad == 0)) && echo "doc-links: every link of $# files resolves"
exit "$bad"
