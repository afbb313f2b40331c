# shellcheck shell=bash disable=SC2034 # OUT and TEXT are read by the tests
# The replay tests of the campaign drivers (matrix-test.sh, history-test.sh,
# peer-test.sh): the driver with FROM= on made-up or recorded streams, no
# VM, one TAP line a check. Run from the repository root.

# replay_init DRIVER: TMP, a scratch directory; it and the driver's results
# directories made by replay_drive are removed on exit.
replay_init() {
	DRIVER=$1 OUTS=() N=0 BAD=0
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/fixbuf-$1.XXXXXX")
	trap replay__cleanup EXIT
}
# shellcheck disable=SC2317 # the EXIT trap calls it
replay__cleanup() {
	local o
	for o in "${OUTS[@]}"; do [[ $o != results/"$DRIVER"-* ]] || rm -rf -- "$o"; done
	rm -rf -- "$TMP"
}

# replay_ok DESCRIPTION COMMAND...: "ok" when COMMAND succeeds, else "not
# ok" and what it said.
replay_ok() {
	local said
	N=$((N + 1))
	if said=$("${@:2}" 2>&1); then
		echo "ok $N $1"
	else
		echo "not ok $N $1"
		[[ -z $said ]] || printf '%s\n' "$said" | sed 's/^/#   /'
		BAD=1
	fi
}

# replay_drive NAME WANT-RC WANT-TEXT ARGS...: scripts/DRIVER.sh ARGS exits
# WANT-RC, says WANT-TEXT and names its table last; OUT is its results
# directory, TEXT what it said.
replay_drive() {
	local rc=0
	TEXT=$(scripts/"$DRIVER".sh "${@:4}" 2>&1) || rc=$?
	OUT=$(sed -n "s|^$DRIVER: \(results/$DRIVER-[^/]*\)/$DRIVER.md$|\1|p" <<<"$TEXT")
	OUTS+=("$OUT")
	replay_ok "$1" replay__said "$rc" "$2" "$3"
}
# shellcheck disable=SC2317 # called through replay_ok
replay__said() {
	((${1} == ${2})) && [[ $TEXT == *"$3"* && ${TEXT##*$'\n'} == "$DRIVER: $OUT/$DRIVER.md" ]] && return 0
	echo "exit $1, want $2 and '$3'"
	printf '%s\n' "$TEXT" | tail -n 8
	return 1
}
