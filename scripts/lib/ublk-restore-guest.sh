#!/usr/bin/env bash
set -euo pipefail
# Inside the VM (scripts/ublk-restore-vm.sh): end a ublk program every way
# one can end (pass and fail, timeout, SIGKILL of the test program, Ctrl-C
# of the harness, SIGKILL of the harness followed by the next run) and show
# that no ublk device, server process, id file or module load of the suite
# is left after any of them. Each kill happens while a device exists.
#   ublk-restore-guest.sh DIR   (DIR/harness and DIR/tests: a frozen suite)
if (($# != 1)) || [[ ! -d $1 ]]; then
	echo "usage: scripts/lib/ublk-restore-guest.sh DIR   (DIR/harness and DIR/tests: a frozen suite; run in the VM by scripts/ublk-restore-vm.sh)" >&2
	exit 2
fi
dir=$1
h=("$dir/harness/run" "RESULTS=$dir/runs" "TESTS_DIR=$dir/tests")
prog=$dir/tests/ublk_zc_net_early_lookup
conc='ublk/net-send-zc/inline/concurrency'

# ublk devices and control nodes, server processes (the frozen programs),
# id files, journals, modules.
snap() {
	{
		find /dev -maxdepth 1 -name 'ublk[bc]*' | sort
		{ find /sys/class/ublk-char -mindepth 1 -maxdepth 1 2>/dev/null || true; } | sort
		echo "servers: $(pgrep -f "^$dir/tests/ublk_" | tr '\n' ' ' || true)"
		echo "id files: $(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'fixbuf-ublk-ids.*' | tr '\n' ' ')"
		echo "journals: $(ls /run/fixbuf-order 2>/dev/null || true)"
		if [[ -r /proc/modules ]]; then cut -d' ' -f1 /proc/modules | sort; fi
	} >"$dir/$1"
}
run() { "$@" >>"$dir/runs.log" 2>&1 || true; }
# wait_dev: until a ublk block device exists (a case is serving), at most 20 s.
wait_dev() {
	local i
	for ((i = 0; i < 400; i++)); do
		compgen -G '/dev/ublkb*' >/dev/null && return 0
		sleep 0.05
	done
	echo "ublk-restore: no ublk device appeared" >>"$dir/runs.log"
	return 1
}

snap before
run "${h[@]}" 'T=ublk/net-send-zc/*/write'
snap after-pass-and-fail
run "${h[@]}" "T=$conc" TIMEOUT=1
snap after-timeout

# SIGKILL of the test program (every process of it) while it serves.
"${h[@]}" "T=$conc" >>"$dir/runs.log" 2>&1 &
pid=$!
killed=0
if wait_dev; then
	for p in $(pgrep -f "^$prog" || true); do
		kill -KILL "$p" 2>/dev/null && killed=1
	done
fi
wait "$pid" || true
echo "program killed while serving: $killed" >>"$dir/after-test-sigkill.note"
snap after-test-sigkill

env --default-signal=INT "${h[@]}" "T=$conc" >>"$dir/runs.log" 2>&1 &
pid=$!
wait_dev || true
kill -INT "$pid"
wait "$pid" || true
snap after-ctrl-c

setsid "${h[@]}" "T=$conc" >>"$dir/runs.log" 2>&1 &
pid=$!
wait_dev || true
kill -KILL -- "-$pid"
wait "$pid" 2>/dev/null || true
snap after-harness-sigkill
run "${h[@]}" T=ublk_zc_file_early_lookup
snap after-next-run

bad=0
for s in after-pass-and-fail after-timeout after-test-sigkill after-ctrl-c after-next-run; do
	if diff -u "$dir/before" "$dir/$s" >"$dir/$s.diff"; then
		echo "ublk-restore: $s: as before"
	else
		echo "ublk-restore: $s: NOT as before:" && sed -n '3,20p' "$dir/$s.diff" && bad=1
	fi
done
if ! grep -q "TIMEOUT after" "$dir/runs.log"; then
	echo "ublk-restore: the timeout run did not time out: proved nothing" && bad=1
fi
if ! grep -q 'killed while serving: 1' "$dir/after-test-sigkill.note"; then
	echo "ublk-restore: the test program was not killed while a device existed: proved nothing" && bad=1
fi
# The harness kill must have left a device for the next run to delete.
if cmp -s "$dir/before" "$dir/after-harness-sigkill" || ! grep -q 'was killed: undoing' "$dir/runs.log"; then
	echo "ublk-restore: the harness SIGKILL left nothing to undo, or the next run did not undo it" && bad=1
fi
exit "$bad"
