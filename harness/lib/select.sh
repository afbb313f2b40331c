# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Which programs run: executables directly in TESTS_DIR; T selects by
# program name, else by case name (from "prog -l"), in which case the
# program runs with FIXBUF_FILTER=T so it only runs the matching cases.

SEL_PROGS=()   # programs to run, in name order
SEL_FILTER=    # FIXBUF_FILTER for them (empty: whole program)
SEL_TIMEOUT=45 # from TESTS_DIR/settings unless TIMEOUT is set

select_programs() { # -> SEL_PROGS, or returns 1 after one message
	local f all=() p cases c
	if [[ ! -d $TESTS_DIR ]]; then
		printf 'harness: no tests: %s is not a directory (build them first)\n' "$TESTS_DIR" >&2
		return 1
	fi
	for f in "$TESTS_DIR"/[!.]*; do
		[[ -f $f && -x $f ]] && all+=("${f##*/}")
	done
	if ((${#all[@]} == 0)); then
		printf 'harness: no test programs in %s\n' "$TESTS_DIR" >&2
		return 1
	fi
	for p in "${all[@]}"; do
		# shellcheck disable=SC2053 # T is a glob on purpose
		[[ $p == $T ]] && SEL_PROGS+=("$p")
	done
	if ((${#SEL_PROGS[@]} == 0)); then
		SEL_FILTER=$T
		for p in "${all[@]}"; do
			cases=$("$TESTS_DIR/$p" -l 2>/dev/null </dev/null) || continue
			while IFS= read -r c; do
				# shellcheck disable=SC2053
				if [[ $c == $T ]]; then SEL_PROGS+=("$p") && break; fi
			done <<<"$cases"
		done
	fi
	if ((${#SEL_PROGS[@]} == 0)); then
		printf "harness: no test or case matches '%s'\n" "$T" >&2
		return 1
	fi
}

select_timeout() { # kselftest "settings": timeout=N
	local line
	if [[ -n ${TIMEOUT:-} ]]; then
		SEL_TIMEOUT=$TIMEOUT
	elif [[ -r $TESTS_DIR/settings ]]; then
		while IFS= read -r line || [[ -n $line ]]; do
			[[ $line =~ ^timeout=([0-9]+)[[:space:]]*$ ]] && SEL_TIMEOUT=${BASH_REMATCH[1]}
		done <"$TESTS_DIR/settings"
	fi
	return 0
}
