# shellcheck shell=bash
# Sourced by the fake test programs: imitates the contract of a real one
# (-l lists cases, FIXBUF_FILTER selects, TAP 13 on stdout, exit 0/1/4).

FAKE_CASES=() # "name|pass|", "name|fail|diagnosis", "name|skip|reason"
FAKE_REQUIRES=() # what the program asks the harness for (-r)

fake_case() { FAKE_CASES+=("$1|$2|${3:-}"); }

fake_list() { # handles -l (cases) and -r (requirements); returns otherwise
	local c
	case ${1:-} in
	-l) for c in "${FAKE_CASES[@]}"; do printf '%s\n' "${c%%|*}"; done ;;
	-r) for c in "${FAKE_REQUIRES[@]}"; do printf 'requires: %s\n' "$c"; done ;;
	*) return 0 ;;
	esac
	exit 0
}

# fake_sleeper: a process with a unique name the self-test can pgrep for.
fake_sleeper() { (exec -a "fixbuf-fake-$FAKE_TOKEN" sleep 1000) & }

fake_run() { # prints the TAP and exits like a real program
	local c name res text n=0 pass=0 fail=0 skip=0
	local -a sel=()
	fake_list "$@"
	for c in "${FAKE_CASES[@]}"; do
		# shellcheck disable=SC2053 # the filter is a glob
		[[ ${c%%|*} == ${FIXBUF_FILTER:-*} ]] && sel+=("$c")
	done
	printf 'TAP version 13\n1..%d\n' "${#sel[@]}"
	for c in "${sel[@]}"; do
		IFS='|' read -r name res text <<<"$c"
		# Like a real program: an unmet requirement skips every case.
		if ((${#FAKE_REQUIRES[@]})) && [[ -n ${FIXBUF_UNMET:-} ]]; then
			res=skip text=$FIXBUF_UNMET
		fi
		n=$((n + 1))
		case $res in
		pass) pass=$((pass + 1)) && echo "ok $n $name" ;;
		fail) fail=$((fail + 1)) && printf '# %s: %s\nnot ok %d %s\n' "$name" "$text" "$n" "$name" ;;
		skip) skip=$((skip + 1)) && echo "ok $n $name # SKIP $text" ;;
		esac
	done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	((fail == 0)) || exit 1
	((pass == 0)) && exit 4
	exit 0
}
