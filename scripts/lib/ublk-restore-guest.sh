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
# shellcheck source-path=SCRIPTDIR source=restore-common.sh
source "${BASH_SOURCE[0]%/*}/restore-common.sh"
rg_init "$1" ublk-restore
dir=$1 h=("${RG_H[@]}")
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
# wait_dev: until a ublk block device exists (a case is serving).
wait_dev() { rg_wait '/dev/ublkb*' 20; }

snap before
rg_run 'T=ublk/net-send-zc/*/write'
snap after-pass-and-fail
rg_run "T=$conc" TIMEOUT=1
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
rg_run T=ublk_zc_file_early_lookup
snap after-next-run

bad=0
rg_compare after-pass-and-fail after-timeout after-test-sigkill after-ctrl-c after-next-run
if ! grep -q "TIMEOUT after" "$dir/runs.log"; then
	echo "ublk-restore: the timeout run did not time out: proved nothing" && bad=1
fi
if ! grep -q 'killed while serving: 1' "$dir/after-test-sigkill.note"; then
	echo "ublk-restore: the test program was not killed while a device existed: proved nothing" && bad=1
fi
# The harness kill must have left a device for the next run to delete.
rg_undone after-harness-sigkill
((RG_BAD == 0)) || bad=1
exit "$bad"
