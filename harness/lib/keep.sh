# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the scripts
# results/ keeps the last KEEP runs (default 20, 0 keeps everything): the
# harness's run directories (<date>-<time>-<pid>) and the scripts' ones
# (vm-*, matrix-*, history-*, peer-*, ... followed by <date>-<time>). The
# newest KEEP by modification time stay; of the older ones, a run in
# progress stays too: one whose DIR/.lock is held (keep_lock: harness/run,
# vm-run.sh, matrix.sh, history.sh hold it while they run), or, for a tool
# that does not lock, one without a .lock changed in the last 24 hours. A
# directory a symlink of results/ points to or into (latest, peer-latest)
# stays.

KEEP_DEFAULT=20
KEEP_FD=

# keep_check: KEEP is a number, else one message and status 2.
keep_check() {
	[[ -z ${KEEP:-} || $KEEP =~ ^[0-9]+$ ]] && return 0
	printf "%s: KEEP='%s' is not a number of runs (0 keeps all)\n" "${1:-harness}" "$KEEP" >&2
	return 2
}

# keep_lock DIR: mark DIR a run in progress for as long as this process
# (and what it starts) lives.
keep_lock() {
	command -v flock >/dev/null || return 0
	{ exec {KEEP_FD}>>"$1/.lock"; } 2>/dev/null || return 0
	flock -n "$KEEP_FD" || true
}

# keep__busy DIR: a run in progress (see above).
keep__busy() {
	local fd age
	if [[ -e $1/.lock ]]; then
		command -v flock >/dev/null || return 0
		{ exec {fd}<"$1/.lock"; } 2>/dev/null || return 0
		if flock -n "$fd"; then
			exec {fd}<&-
			return 1
		fi
		exec {fd}<&-
		return 0
	fi
	age=$(($(printf '%(%s)T' -1) - $(stat -c %Y -- "$1" 2>/dev/null || echo 0)))
	((age < 86400))
}

# keep__pinned DIR TARGET...: a TARGET is DIR or inside it (results/latest may
# point at vm-<id>/<run>).
keep__pinned() {
	local t
	for t in "${@:2}"; do
		[[ $t == "$1" || $t == "$1"/* ]] && return 0
	done
	return 1
}

# keep_prune ROOT: remove the run directories of ROOT beyond the newest
# KEEP, except those in progress and those a symlink points to. One line
# on stderr when it removed any.
keep_prune() {
	local root=$1 keep=${KEEP:-$KEEP_DEFAULT} d l n=0 gone=0
	local t
	local -a pinned=()
	local -a runs=()
	((keep > 0)) && [[ -d $root ]] || return 0
	for l in "$root"/*; do
		[[ -L $l ]] || continue
		t=$(readlink -f -- "$l") && pinned+=("$t")
	done
	mapfile -t runs < <(
		for d in "$root"/*/; do
			d=${d%/}
			[[ ! -L $d && ${d##*/} =~ ^([a-z][a-z0-9-]*-)?[0-9]{8}-[0-9]{6}(-[0-9]+)?$ ]] || continue
			printf '%s %s\n' "$(stat -c %Y -- "$d")" "$d"
		done | sort -rn -k1,1 | cut -d' ' -f2-
	)
	for d in "${runs[@]}"; do
		n=$((n + 1))
		((n > keep)) || continue
		keep__pinned "$(readlink -f -- "$d")" "${pinned[@]}" && continue
		keep__busy "$d" && continue
		rm -rf -- "$d" && gone=$((gone + 1))
	done
	((gone == 0)) || printf '# results: removed the %d oldest runs of %s (KEEP=%d)\n' "$gone" "$root" "$keep" >&2
	return 0
}
