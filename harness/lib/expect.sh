# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Expectations. configs/known-issues (the harness's): "<case-pattern> <range> <reason...>", range A..B
# (A <= v < B), A.. or ..B; the pattern language is pattern.sh's.  Only the
# lines whose range holds the running kernel (or FIXBUF_KVER) are kept: those
# turn a failure into XFAIL and a pass into XPASS.
# A pattern "splat:GLOB" names a known kernel splat instead of cases: it
# matches a splat whose first line, without its timestamp, GLOB matches
# (judge.sh, dmesg.sh), and never a case; a case pattern never a splat.
# configs/expected-matrix (scripts/matrix.sh's) is read by the same loop:
# expect_rules_load, expect_want.

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

# The one reader of both rule files, configs/known-issues (expect_load) and
# configs/expected-matrix (expect_rules_load, scripts/matrix.sh): blank and
# '#' lines skipped, every other line handed to a per-format parser, and one
# "WHO: file:line: ..." message (EXPECT_WHO, harness by default) on the first
# bad one, status 1.
# expect__each FILE PARSER: PARSER LINE for each rule line; EXPECT_AT is its file:line.
expect__each() {
	local file=$1 n=0 line
	if [[ ! -f $file || ! -r $file ]]; then
		printf '%s: %s: cannot read expectations file\n' "${EXPECT_WHO:-harness}" "$file" >&2
		return 1
	fi
	while IFS= read -r line || [[ -n $line ]]; do
		n=$((n + 1))
		[[ $line =~ ^[[:blank:]]*(#|$) ]] && continue
		EXPECT_AT=$file:$n
		"$2" "$line" || return 1
	done <"$file"
}
expect__bad() { printf '%s: %s: %s\n' "${EXPECT_WHO:-harness}" "$EXPECT_AT" "$*" >&2; return 1; }
expect__pat() { pat_check "$2" || expect__bad "bad $1 pattern: $PAT_ERR"; }

# expect_load FILE: the known-issues lines whose range holds KVER_NUM.
expect_load() { expect__each "$1" expect__issue; }
expect__issue() {
	local pat range why lo=0 hi=-1 a b ok=
	IFS=$' \t' read -r pat range why <<<"$1"
	if [[ -n $why && $range =~ ^([0-9.]*)\.\.([0-9.]*)$ && $range != .. ]]; then
		a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} ok=1
		[[ -z $a ]] || expect__num lo "$a" || ok=
		[[ -z $b ]] || expect__num hi "$b" || ok=
		((hi == -1 || hi > lo)) || ok=
	fi
	[[ -n $ok ]] || expect__bad "malformed expectation, want '<case-pattern> <A..B|A..|..B> <reason>'" || return 1
	expect__pat case "$pat" || return 1
	if ((KVER_NUM >= lo && (hi == -1 || KVER_NUM < hi))); then
		EXPECT_PAT+=("$pat")
		EXPECT_NOTE+=("$why (known in $range)")
	fi
}

# expect_rules_load FILE: configs/expected-matrix's "<kernel-pattern>
# <case-pattern> <pass|fail|skip>" lines into EXPECT_K, EXPECT_C, EXPECT_V.
EXPECT_K=() EXPECT_C=() EXPECT_V=()
expect_rules_load() { expect__each "$1" expect__rule; }
expect__rule() {
	local kp cp v extra
	IFS=$' \t' read -r kp cp v extra <<<"$1"
	[[ -n $v && -z $extra ]] || expect__bad "want '<kernel-pattern> <case-pattern> <pass|fail|skip>'" || return 1
	[[ $v =~ ^(pass|fail|skip)$ ]] || expect__bad "verdict '$v' is not pass, fail or skip" || return 1
	expect__pat kernel "$kp" && expect__pat case "$cp" || return 1
	EXPECT_K+=("$kp") EXPECT_C+=("$cp") EXPECT_V+=("$v")
}

# expect_want KERNEL CASE: EXPECT_WANT = the verdict of the first rule
# matching both, pass when none does.
expect_want() {
	local i
	EXPECT_WANT=pass
	for i in "${!EXPECT_K[@]}"; do
		if pat_match "$1" "${EXPECT_K[i]}" && pat_match "$2" "${EXPECT_C[i]}"; then
			EXPECT_WANT=${EXPECT_V[i]}
			return 0
		fi
	done
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
