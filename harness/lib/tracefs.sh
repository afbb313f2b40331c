# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Tests read tracefs as evidence that a request parked, so the harness makes
# sure it is mounted (undone at exit) and removes the fixbuf-* instances a
# killed test may have left behind (fixbuf-<pid> only once <pid> is gone).

TRACEFS=${HARNESS_TRACEFS:-/sys/kernel/tracing}

tracefs_init() {
	((EUID == 0)) || return 0
	state_mount tracefs "$TRACEFS" ||
		printf 'harness: cannot mount tracefs at %s\n' "$TRACEFS" >&2
	return 0
}

tracefs_cleanup() {
	local d
	for d in "$TRACEFS"/instances/fixbuf-*; do
		[[ -d $d ]] || continue
		# fixbuf-<pid> of a live process belongs to a concurrent run.
		[[ ${d##*-} =~ ^[0-9]+$ && -d /proc/${d##*-} ]] && continue
		rmdir "$d" 2>/dev/null || printf 'harness: cannot remove tracefs instance %s\n' "$d" >&2
	done
	return 0
}
