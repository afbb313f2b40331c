# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Known-issue expectations: "<case-pattern> <range> <reason...>", range A..B
# (A <= v < B), A.. or ..B; the pattern language is pattern.sh's.  Only the
# lines whose range holds the running kernel (or FIXBUF_KVER) are kept: those
# turn a failure into XFAIL and a pass into XPASS.
# A pattern "splat:GLOB" names a known kernel splat instead of cases: it
# matches a splat whose first line, without its timestamp, GLOB matches
# (judge.sh, dmesg.sh), and never a case; a case pattern never a splat.

# shellcheck source-path=SCRIPTDIR source=pattern.sh
source "${BASH_SOURCE[0]%/*}/pattern.sh"

EXPECT_PAT=() EXPECT_NOTE=()
KVER='' KVER_NUM=''

# expect__num VAR VERSION: major.minor[.patch] -> comparable integer.
expect__num() {
	[[ $2 =~ ^([0-9]+)\.([0-9]+)(\.([0-9]+))?$ ]] || return 1
	printf -v "$1" '%d' $((10#${BASH_REMATCH[1]} * 10000000000 +
		10#${BASH_REMATCH[2]} * 100000 + 10#${BASH_REMATCH[4]:-0}))
}

# expect_kver: leading x.y[.z] of the release, or FIXBUF_KVER. Debian's
# stable kernels name the ABI, not the release (6.1.0-50-amd64 is 6.1.176):
# their version string says "Debian 6.1.176-1".
expect_kver() {
	local rel=${FIXBUF_KVER:-$KERNEL_RELEASE} deb=' Debian ([0-9]+\.[0-9]+\.[0-9]+)-'
	[[ -n ${FIXBUF_KVER:-} || ! ${KERNEL_VERSION:-} =~ $deb ]] || rel=${BASH_REMATCH[1]}
	if [[ $rel =~ ^[0-9]+\.[0-9]+(\.[0-9]+)? ]]; then
		KVER=${BASH_REMATCH[0]}
		expect__num KVER_NUM "$KVER" && return 0
	fi
	printf "harness: cannot read a kernel version from '%s'\n" "$rel" >&2
	return 1
}

# expect_load FILE: returns 1 after one "file:line" message on bad input.
expect_load() {
	local file=$1 n=0 pat range why lo hi a b ok
	if [[ ! -f $file || ! -r $file ]]; then
		printf 'harness: %s: cannot read expectations file\n' "$file" >&2
		return 1
	fi
	while IFS=$' \t' read -r pat range why || [[ -n $pat ]]; do
		n=$((n + 1))
		[[ -z $pat || $pat == \#* ]] && continue
		lo=0 hi=-1 ok=
		if [[ -n $why && $range =~ ^([0-9.]*)\.\.([0-9.]*)$ && $range != .. ]]; then
			a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} ok=1
			[[ -z $a ]] || expect__num lo "$a" || ok=
			[[ -z $b ]] || expect__num hi "$b" || ok=
			((hi == -1 || hi > lo)) || ok=
		fi
		if [[ -z $ok ]]; then
			printf "harness: %s:%d: malformed expectation, want '<case-pattern> <A..B|A..|..B> <reason>'\n" "$file" "$n" >&2
			return 1
		fi
		if ! pat_check "$pat"; then
			printf 'harness: %s:%d: bad case pattern: %s\n' "$file" "$n" "$PAT_ERR" >&2
			return 1
		fi
		if ((KVER_NUM >= lo && (hi == -1 || KVER_NUM < hi))); then
			EXPECT_PAT+=("$pat")
			EXPECT_NOTE+=("$why (known in $range)")
		fi
	done <"$file"
}

# expect_match NAME: EXPECT_HIT = note of the first active line matching.
# NAME is a case, or splat:LINE for a splat (judge.sh).
expect_match() {
	local i
	EXPECT_HIT=
	for i in "${!EXPECT_PAT[@]}"; do
		pat_same_kind "$1" "${EXPECT_PAT[i]}" || continue
		if pat_match "$1" "${EXPECT_PAT[i]}"; then
			EXPECT_HIT=${EXPECT_NOTE[i]}
			return 0
		fi
	done
	return 1
}
