# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Kernel log slice per program: a marker goes to /dev/kmsg before and after,
# the log between them is saved and scanned for splats.  HARNESS_KMSG and
# HARNESS_DMESG_CMD redirect both ends so the self-tests can fake a splat.

DMESG_ON=
DMESG_SPLAT=  # first splat line of the last slice, empty if clean
DMESG_SPLATS= # the first line of every splat in it, one per line (judge.sh:
#               a known splat is expected only when all of them are)

# dmesg_init: on as root, or when the self-tests point it elsewhere.
dmesg_init() {
	HARNESS_KMSG=${HARNESS_KMSG:-/dev/kmsg}
	HARNESS_DMESG_CMD=${HARNESS_DMESG_CMD:-dmesg}
	if ((EUID == 0)) || [[ $HARNESS_KMSG != /dev/kmsg ]]; then
		DMESG_ON=1
	fi
	export HARNESS_KMSG
}

dmesg_mark() { # begin|end RUNID PROG
	printf 'fixbuf-order: %s %s %s\n' "$1" "$2" "$3" >>"$HARNESS_KMSG" 2>/dev/null ||
		printf 'harness: cannot write marker to %s\n' "$HARNESS_KMSG" >&2
}

# dmesg_slice RUNID PROG OUTFILE: save the slice, set DMESG_SPLAT and
# DMESG_SPLATS. A splat starts at a header line (WARNING:, BUG:, UBSAN: ...,
# not indented: trace entries are); a Call Trace: with no header before it
# in the slice counts as one.
dmesg_slice() {
	local log
	DMESG_SPLAT='' DMESG_SPLATS=''
	: >"$3"
	if ! log=$(eval "$HARNESS_DMESG_CMD" 2>&1); then
		printf 'harness: %s failed: %s\n' "$HARNESS_DMESG_CMD" "$log" >"$3"
		return 0
	fi
	DMESG_SPLATS=$(awk -v b="fixbuf-order: begin $1 $2" -v e="fixbuf-order: end $1 $2" -v out="$3" '
		index($0, b) { on = 1; seen = 1; next }
		index($0, e) { on = 0; next }
		!on { next }
		{ print > out; l = $0; sub(/^\[[ 0-9.]+\] ?/, "", l) }
		l !~ /^[ \t]/ && l ~ /WARNING:|BUG:|Oops|KASAN|UBSAN|possible circular locking|lockdep|rcu_sched self-detected stall|RCU stall|INFO: rcu|general protection fault/ { heads[++n] = $0; next }
		n == 0 && trace == "" && /Call Trace:/ { trace = $0 }
		END {
			if (!seen) print "harness: begin marker not found in kernel log" > out
			close(out)
			if (n == 0 && trace != "") heads[++n] = trace
			for (i = 1; i <= n; i++) print heads[i]
		}' <<<"$log")
	DMESG_SPLAT=${DMESG_SPLATS%%$'\n'*}
}
