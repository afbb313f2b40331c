#!/usr/bin/env bash
set -euo pipefail
# The guest side of scripts/peer.sh: runs the peer tests of a plan with their
# own runners and records one verdict per test. Runs as root inside the VM
# (scripts/vm-run.sh VM_CMD=...); the builds are read-only, so each suite is
# copied to a scratch directory in the guest's tmpfs, where its tests write.
#   scripts/peer-guest.sh OUT=DIR PLAN=FILE LIBURING=DIR KSFT=DIR FIO=FILE
# PLAN: "<suite> <group> <test> <timeout|->" lines (configs/peer-tests
# resolved by peer.sh). OUT (under results/) gets:
#   results.ktap  a KTAP stream like the harness's (scripts/lib/campaign.sh
#              reads its cells): one case line per test, "<suite>/<test> #
#              [SKIP|XFAIL|TIMEOUT ]time=<seconds>s <reason>", the verdict
#              (pass, fail, skip, timeout or the kselftest runner's xfail)
#              as the runner said it; "# kernel:" (uname -rv) and
#              "# seconds:" (all tests, without the boot)
#   logs/      each test's runner output

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR/..
source "$repo/harness/lib/args.sh"
args_export peer-guest 'OUT PLAN LIBURING KSFT FIO' "$@" || exit 2
for v in OUT PLAN LIBURING KSFT FIO; do
	[[ -n ${!v:-} ]] || { echo "peer-guest: $v= is required" >&2; exit 2; }
done
mkdir -p "$OUT/logs"
printf 'KTAP version 1\n# kernel: %s\n1..1\n    # Subtest: peer\n' "$(uname -rv)" >"$OUT/results.ktap"
cases=0 failed=0
scratch=$(mktemp -d /tmp/peer.XXXXXX)
trap 'rm -rf -- "${scratch:?}"' EXIT
export PATH=${FIO%/*}:$PATH
# ublk's tests create their backing files and mount points under TMPDIR.
export TMPDIR=$scratch/tmp
mkdir -p "$TMPDIR"
ip link set lo up 2>/dev/null || :

# record SUITE/TEST VERDICT SECONDS REASON: its case line.
record() {
	local reason=${4//$'\t'/ } st='not ok' d=''
	case $2 in
	pass) st=ok ;;
	skip) st=ok d='SKIP ' ;;
	xfail | timeout) d="${2^^} " ;;
	esac
	[[ $st == ok ]] || failed=$((failed + 1))
	cases=$((cases + 1))
	printf '    %s %d %s # %stime=%ds%s\n' "$st" "$cases" "$1" "$d" "$3" "${reason:+ ${reason:0:160}}" | tee -a "$OUT/results.ktap"
}

# last_words LOG: the last line a test printed itself (runner lines dropped).
last_words() {
	sed -e 's/^Running test [^ ]* *//' -e 's/^# *//' "$1" |
		grep -vE '^(Totals: |Test run complete|All tests passed|Tests (failed|timed out)|Skipped$|Test .* (failed|timed out)|TAP version|1\.\.|(not )?ok [0-9]+ |timeout set to|overriding timeout|selftests: |[0-9]+ sec( \[.*\])?$|$)' |
		tail -n 1 || :
}

# nvme_loop: an NVMe namespace for liburing's io_uring_passthrough (its
# device argument, through runtests.sh's TEST_MAP in config.local): a
# memory-backed null_blk exported by nvme-loop, all built into the suite's
# kernels. The guest is thrown away, so nothing is taken down. Sets NVME_NG
# (/dev/ngXnY), or NVME_WHY.
nvme_loop() {
	local nb=/sys/kernel/config/nullb/peer cfs=/sys/kernel/config/nvmet dev fd reply d nqn i
	NVME_NG='' NVME_WHY=''
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config 2>/dev/null || :
	[[ -d ${nb%/*} && -d $cfs && -c /dev/nvme-fabrics ]] ||
		{ NVME_WHY='no null_blk or nvmet configfs, or no /dev/nvme-fabrics'; return 1; }
	{
		mkdir "$nb" && echo 64 >"$nb/size" && echo 4096 >"$nb/blocksize" &&
			echo 1 >"$nb/memory_backed" && echo 1 >"$nb/power" &&
			dev=/dev/peer && { [[ -b $dev ]] || dev=/dev/nullb$(cat "$nb/index"); } &&
			mkdir "$cfs/subsystems/peer" && echo 1 >"$cfs/subsystems/peer/attr_allow_any_host" &&
			mkdir "$cfs/subsystems/peer/namespaces/1" &&
			echo "$dev" >"$cfs/subsystems/peer/namespaces/1/device_path" &&
			echo 1 >"$cfs/subsystems/peer/namespaces/1/enable" &&
			mkdir "$cfs/ports/1" && echo loop >"$cfs/ports/1/addr_trtype" &&
			ln -s "$cfs/subsystems/peer" "$cfs/ports/1/subsystems/peer" &&
			exec {fd}<>/dev/nvme-fabrics && printf 'transport=loop,nqn=peer\n' >&"$fd" &&
			read -r reply <&"$fd" && exec {fd}>&-
	} 2>/dev/null || { NVME_WHY='nvme-loop setup failed'; return 1; }
	# The namespace's disk (under its subsystem with native multipath) and
	# its char device appear once the controller's scan ran.
	for ((i = 0; i < 100; i++)); do
		for d in /sys/class/nvme/nvme*/nvme*n* /sys/class/nvme-subsystem/*/nvme*n*; do
			[[ ${d##*/} != *c*n* && -e $d ]] || continue
			read -r nqn <"${d%/*}/subsysnqn" 2>/dev/null || continue
			[[ $nqn == peer && -c /dev/ng${d##*/nvme} ]] || continue
			NVME_NG=/dev/ng${d##*/nvme}
			return 0
		done
		sleep 0.1
	done
	NVME_WHY="nvme-loop: no namespace after connecting ($reply)"
	return 1
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
	# The runner writes a test's output to its logfile, /dev/stdout unless
	# -p: the guest's /dev/stdout is not this redirection, so -p, appended.
	mkdir -p "$scratch/ksft-logs"
	(cd "$scratch/ksft" && ./run_kselftest.sh "${opt[@]}" -p "$scratch/ksft-logs" -t "$c:$t") >"$log" 2>&1 || :
	cat "$scratch/ksft-logs/$t" >>"$log" 2>/dev/null || :
	line=$(grep -E "^(not )?ok [0-9]+ selftests: $c: " "$log" | tail -n 1 || :)
	why=$(last_words "$log")
	# ok with a directive is not a pass: XFAIL is also what the runner says
	# when it could not start the test at all (exit 2 of its own pipeline).
	case $line in
	'ok '*'# SKIP'*) v=skip ;;
	'ok '*'# XFAIL'*) v=xfail ;;
	'ok '*'#'*) v=fail why="unknown result: $line" ;;
	'ok '*) v=pass why='' ;;
	'not ok '*'# TIMEOUT'*) v=timeout why="${line##*# }" ;;
	'not ok '*) v=fail why="${line##*# }: $why" ;;
	*) v=fail why="no result line from run_kselftest.sh" ;;
	esac
	record "$c/$t" "$v" $((SECONDS - t0)) "$why"
}

# net-lo: io_uring_zerocopy_tx.sh's automated run (IPv4 and IPv6, modes 1-3:
# zero-copy, zero-copy from registered buffers, mixed; udp -n 32 and tcp
# -n 1; its do_test: msg_zerocopy receives, the io_uring program sends for
# 1 s) over loopback instead of veth between two namespaces, one verdict
# per run.
netlo_test() {
	local to=$1 dir=$scratch/ksft/net ip mode tx n dst port rc rx t0 log v why
	[[ $to != - ]] || to=60
	sysctl -w -q net.core.optmem_max=1000000
	port=8000
	for ip in 4 6; do
		dst=127.0.0.1
		[[ $ip == 4 ]] || dst=::1
		for mode in 1 2 3; do
			for tx in udp tcp; do
				n=32
				[[ $tx == udp ]] || n=1
				# A port per run, as the script's fresh namespaces give each
				# run its own: nothing left of the last run is in the way.
				port=$((port + 1))
				log=$OUT/logs/net-lo/io_uring_zerocopy_tx-$ip-$tx-m$mode.log
				t0=$SECONDS rc=0 rx=0
				{
					echo "ipv$ip $tx -m $mode -t 1 -n $n over lo"
					timeout "$to" "$dir/msg_zerocopy" "-$ip" -p "$port" -t 2 -C 2 -S "$dst" -D "$dst" -r "$tx" &
					sleep 0.2
					timeout "$to" "$dir/io_uring_zerocopy_tx" "-$ip" -p "$port" -t 1 -D "$dst" -m "$mode" -t 1 -n "$n" "$tx" || rc=$?
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
		started[$suite]=1
		mkdir -p "$OUT/logs/$suite"
		case $suite in
		liburing)
			cp -a "$LIBURING" "$scratch/liburing"
			if nvme_loop; then
				echo "TEST_MAP[io_uring_passthrough.t]=$NVME_NG" >"$scratch/liburing/config.local"
				echo "peer-guest: io_uring_passthrough.t runs on $NVME_NG (nvme-loop)"
			else
				echo "peer-guest: io_uring_passthrough.t without a device: $NVME_WHY"
			fi
			;;
		net | ublk) [[ -d $scratch/ksft ]] || cp -a "$KSFT" "$scratch/ksft" ;;
		net-lo) [[ -d $scratch/ksft ]] || cp -a "$KSFT" "$scratch/ksft" ;;
		*) echo "peer-guest: unknown suite $suite" >&2; exit 2 ;;
		esac
	fi
	case $suite in
	liburing) liburing_test "$t" "$to" ;;
	net | ublk) ksft_test "$suite" "$t" "$to" ;;
	net-lo) netlo_test "$to" ;;
	esac
done <"$PLAN"
st=ok
((failed == 0)) || st='not ok'
printf '    1..%d\n%s 1 peer\n# seconds: %d\n' "$cases" "$st" "$SECONDS" >>"$OUT/results.ktap"
echo "peer-guest: $cases verdicts in $OUT/results.ktap"
