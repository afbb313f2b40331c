# shellcheck shell=bash
# The one pattern language of configs/known-issues and configs/expected-matrix
# (and of anything else that matches case or kernel names against a rule):
#   PATTERN := GLOB [ '|' GLOB ]...
#   GLOB    := a shell glob: '*' any string, '?' one character, '[...]' one
#              character of a set ('[!...]' or '[^...]' negates it); every
#              other character stands for itself.
# A name matches a pattern when it matches one of its globs, as a whole.
# '|' always separates (it cannot be inside '[...]'). Errors: an empty
# alternative, an unclosed '[', whitespace (fields are split on it), '\' and
# '(' ')' (bash would read them as escapes and extended globs, which the
# rule files must not depend on). pat_check a pattern before pat_match.

# Every '[' opens a set closed by a later ']' (one right after '[', '[!' or
# '[^' is a member, as in bash).
PAT__BRACKETS_RE='^([^[]|\[[!^]?]?[^]]*])*$'

# pat_check PATTERN: returns 1 with the reason in PAT_ERR when malformed.
pat_check() {
	local rest=$1$'|' alt
	PAT_ERR=
	while [[ -n $rest ]]; do
		alt=${rest%%|*} rest=${rest#*|}
		if [[ -z $alt ]]; then
			PAT_ERR="empty alternative in '$1'"
		elif [[ $alt == *[\\\(\)[:space:]]* ]]; then
			PAT_ERR="'$alt' holds '\\', '(', ')' or whitespace"
		elif [[ ! $alt =~ $PAT__BRACKETS_RE ]]; then
			PAT_ERR="unclosed '[' in '$alt'"
		fi
		[[ -z $PAT_ERR ]] || return 1
	done
}

# pat_match NAME PATTERN: status 0 when NAME matches one of the globs.
# No subshell or here-string: the matrix calls this for every cell and rule.
pat_match() {
	local rest=$2$'|' alt
	while [[ -n $rest ]]; do
		alt=${rest%%|*} rest=${rest#*|}
		# shellcheck disable=SC2053 # the right side is a glob on purpose
		[[ $1 == $alt ]] && return 0
	done
	return 1
}

# pat_same_kind NAME PATTERN: both name a splat ("splat:..." in
# configs/known-issues, expect.sh) or both a case: a case pattern such as
# '*' must not match a splat, nor a splat pattern a case.
pat_same_kind() {
	[[ $1 == splat:* && $2 == splat:* ]] || [[ $1 != splat:* && $2 != splat:* ]]
}
