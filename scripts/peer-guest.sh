#!/usr/bin/env bash
set -euo pipefail
# The guest side of scripts/peer.sh: runs the peer tests of a plan with their
# own runners and records one verdict per test. Runs as root inside the VM
# (scripts/vm-run.sh VM_CMD=...); the builds are read-only, so each suite is
# copied to a scratch directory in the guest's tmpfs, where its tests write.
#   scripts/peer-guest.sh OUT=DIR PLAN=FILE LIBURING=DIR KSFT=DIR FIO=FILE
# PLAN: "<suite> <group> <test> <timeout|->" lines (configs/peer-tests
# resolved by peer.sh). OUT (under results/) gets:
#   verdicts   <suite>/<test> TAB verdict TAB seconds TAB reason, where the
#              verdict is pass, fail, skip or timeout as the runner said it
#   logs/      each test's runner output; timing: seconds per suite; kernel

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR/..
source "$repo/harness/lib/args.sh"
args_export peer-guest 'OUT PLAN LIBURING KSFT FIO' "$@" || exit 2
for v in OUT PLAN LIBURING KSFT FIO; do
	[[ -n ${!v:-} ]] || { echo "peer-guest: $v= is required" >&2; exit 2; }
done
mkdir -p "$OUT/logs"
uname -rv >"$OUT/kernel"
: >"$OUT/verdicts"
: >"$OUT/timing"
scratch=$(mktemp -d /tmp/peer.XXXXXX)
trap 'rm -rf -- "${scratch:?}"' EXIT
export PATH=${FIO%/*}:$PATH
# ublk's tests create their backing files and mount points under TMPDIR.
export TMPDIR=$scratch/tmp
mkdir -p "$TMPDIR"
ip link set lo up 2>/dev/null || :

# record SUITE/TEST VERDICT SECONDS REASON
record() {
	local reason=${4//$'\t'/ }
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${reason:0:160}" | tee -a "$OUT/verdicts"
}

# last_words LOG: the last line a test printed itself (runner lines dropped).
last_words() {
	sed -e 's/^Running test [^ ]* *//' -e 's/^# *//' "$1" |
		grep -vE '^(Test run complete|All tests passed|Tests (failed|timed out)|Skipped$|Test .* (failed|timed out)|TAP version|1\.\.|(not )?ok [0-9]+ |timeout set to|overriding timeout|selftests: |[0-9]+ sec( \[.*\])?$|$)' |
		tail -n 1 || :
}

# liburing: runtests.sh per test, so each gets its own TIMEOUT and its
# verdict comes from the runner's exit status (TEST_GNU_EXITCODE: 77 skip).
liburing_test() {
	local t=$1 to=$2 log=$OUT/logs/liburing/$1.log rc=0 t0=$SECONDS v why
	[[ $to != - ]] || to=60
	(cd "$scratch/liburing" && TEST_GNU_EXITCODE=1 TIMEOUT=$to ./runtests.sh "$t.t") >"$log" 2>&1 || rc=$?
	case $rc in
	0)
		v=pass why=''
		if grep -q '^Tests timed out' "$log"; then v=timeout why="killed after $to s by runtests.sh"; fi
		;;
	77)
		v=skip why=$(last_words "$log")
		[[ -n $why ]] || why='exit 77 (T_EXIT_SKIP), no message'
		! grep -q 'Test skipped$' "$log" || why='excluded (TEST_EXCLUDE)'
		;;
	1)
		v=fail
		why=$(grep -oE 'failed with ret [0-9]+|failed dmesg check|expected fail status 1 but returned [0-9]+' "$log" | head -n 1 || :)
		why="$why: $(last_words "$log")"
		;;
	*) v=fail why="runtests.sh exit $rc" ;;
	esac
	record "liburing/$t" "$v" $((SECONDS - t0)) "$why"
}

# kselftests: run_kselftest.sh per test, the collection's settings timeout
# unless the plan caps it (-o); the verdict from its KTAP result line.
ksft_test() {
	local c=$1 t=$2 to=$3 log=$OUT/logs/$1/$2.log t0=$SECONDS line v why opt=()
	[[ $to == - ]] || opt=(-o "$to")
	(cd "$scratch/ksft" && ./run_kselftest.sh "${opt[@]}" -t "$c:$t") >"$log" 2>&1 || :
	line=$(grep -E "^(not )?ok [0-9]+ selftests: $c: " "$log" | tail -n 1 || :)
	why=$(last_words "$log")
	case $line in
	'ok '*'# SKIP'*) v=skip ;;
	'ok '*) v=pass why='' ;;
	'not ok '*'# TIMEOUT'*) v=timeout why="${line##*# }" ;;
	'not ok '*) v=fail why="${line##*# }: $why" ;;
	*) v=fail why="no result line from run_kselftest.sh" ;;
	esac
	record "$c/$t" "$v" $((SECONDS - t0)) "$why"
}

# net-lo: io_uring_zerocopy_tx.sh's automated run (IPv4 and IPv6, modes 1-3,
# udp -n 32 and tcp -n 1; its do_test: msg_zerocopy receives, the io_uring
# program sends for 1 s) over loopback, one verdict per run.
netlo_test() {
	local to=$1 dir=$scratch/ksft/net ip mode tx n dst rc rx t0 log v why
	[[ $to != - ]] || to=60
	sysctl -w -q net.core.optmem_max=1000000
	for ip in 4 6; do
		dst=127.0.0.1
		[[ $ip == 4 ]] || dst=::1
		for mode in 1 2 3; do
			for tx in udp tcp; do
				n=32
				[[ $tx == udp ]] || n=1
				log=$OUT/logs/net-lo/io_uring_zerocopy_tx-$ip-$tx-m$mode.log
				t0=$SECONDS rc=0 rx=0
				{
					echo "ipv$ip $tx -m $mode -t 1 -n $n over lo"
					timeout "$to" "$dir/msg_zerocopy" "-$ip" -t 2 -C 2 -S "$dst" -D "$dst" -r "$tx" &
					sleep 0.2
					timeout "$to" "$dir/io_uring_zerocopy_tx" "-$ip" -t 1 -D "$dst" -m "$mode" -t 1 -n "$n" "$tx" || rc=$?
					wait $! || rx=$?
				} >"$log" 2>&1
				((rc != 0)) || rc=$rx
				v=pass why=''
				if ((rc == 124)); then
					v=timeout why="killed after $to s"
				elif ((rc != 0)); then
					v=fail why="exit $rc: $(last_words "$log")"
				fi
				record "net-lo/io_uring_zerocopy_tx/ipv$ip-$tx-m$mode" "$v" $((SECONDS - t0)) "$why"
			done
		done
	done
}

declare -A started
while read -r suite _ t to; do
	[[ -z $suite || $suite == \#* ]] && continue
	if [[ -z ${started[$suite]:-} ]]; then
		started[$suite]=$SECONDS
		mkdir -p "$OUT/logs/$suite"
		case $suite in
		liburing) [[ -d $scratch/liburing ]] || cp -a "$LIBURING" "$scratch/liburing" ;;
		net | ublk) [[ -d $scratch/ksft ]] || cp -a "$KSFT" "$scratch/ksft" ;;
		net-lo) [[ -d $scratch/ksft ]] || cp -a "$KSFT" "$scratch/ksft" ;;
		*) echo "peer-guest: unknown suite $suite" >&2; exit 2 ;;
		esac
	fi
	t0=$SECONDS
	case $suite in
	liburing) liburing_test "$t" "$to" ;;
	net | ublk) ksft_test "$suite" "$t" "$to" ;;
	net-lo) netlo_test "$to" ;;
	esac
	# seconds per suite, summed over its tests
	echo "$suite $((SECONDS - t0))" >>"$OUT/timing"
done <"$PLAN"
echo "peer-guest: $(wc -l <"$OUT/verdicts") verdicts in $OUT"
