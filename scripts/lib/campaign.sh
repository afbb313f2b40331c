# shellcheck shell=bash disable=SC2034 # CAMP, OUT, LABEL, KIMG, RC, SECS are read by the drivers
# The frame of a campaign over kernels (matrix.sh, history.sh, peer.sh) and
# the start of the other VM scripts: arguments, one results directory,
# a frozen suite, the kernel resolve, one VM run per kernel (or the replay
# of an earlier one, FROM=), its cells, one table renderer (markdown and
# terminal) and the tallies of the closing summary. A driver keeps its
# kernel list, its VM arguments and its judge. Run from the repository root.
# shellcheck source-path=SCRIPTDIR/../..
{
	source harness/lib/args.sh
	source harness/lib/keep.sh
	source harness/lib/ktap.sh
	source harness/lib/pattern.sh
	source scripts/lib/freeze.sh
}

# campaign_start NAME 'VARS' ARGS...: NAME=VALUE arguments (KEEP always
# allowed); exit 2 on a bad one.
campaign_start() {
	CAMP=$1
	args_export "$1" "$2 KEEP" "${@:3}" || exit 2
	keep_check "$1" || exit 2
}

# campaign_dir PREFIX [nofreeze]: OUT=results/PREFIX-<date>-<time>-<pid>,
# held as a run in progress, older runs pruned; the suite frozen into it
# (the same programs for every kernel while the tree changes) unless FROM=
# replays an earlier run or the campaign runs no suite.
campaign_dir() {
	OUT=results/$1-$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$OUT"
	keep_lock "$OUT"
	keep_prune results
	[[ -n ${FROM:-} || ${2:-} == nofreeze ]] || freeze_suite "$OUT"
}

# campaign_kernel NAME [LABEL]: LABEL (NAME unless given) and KIMG, what
# vm-run.sh's KERNEL= takes, for every way the drivers name a kernel:
#   stock, patched, patched-N, mutant-*  the suite's builds (build-kernel.sh;
#                    with CAMPAIGN_BUILD=0 only an image already built)
#   debian           FIXBUF_DEBIAN_KERNEL, else Debian's 7.3 (trixie-backports)
#   debian:SUITE/VERSION   fetched now (fetch-kernel.sh, log in OUT/LABEL.log)
#   NAME=PATH, PATH  an image; a PATH's label is its directory's name.
# With FROM= (a replay) only LABEL is set.
# Fails with the builder's status, or 1 and one message when no image is there.
campaign_kernel() {
	local k=$1 log=/dev/stderr
	LABEL=${k%%=*} KIMG=
	[[ $k != */* || $k == *=* || $k == debian:* ]] || LABEL=$(basename "$(dirname "$(realpath -m "$k")")")
	LABEL=${2:-$LABEL}
	[[ -z ${FROM:-} ]] || return 0
	[[ -z ${OUT:-} ]] || log=$OUT/${LABEL//\//-}.log
	case $k in
	debian) KIMG=${FIXBUF_DEBIAN_KERNEL:-debian:trixie-backports/7.3} ;;
	debian:*) KIMG=$(scripts/fetch-kernel.sh "$k" 2>>"$log") || return ;;
	*=* | */*) KIMG=${k#*=} ;;
	*) if [[ ${CAMPAIGN_BUILD:-1} == 1 ]]; then
		KIMG=$(scripts/build-kernel.sh "$k") || return
	else
		KIMG=${FIXBUF_CACHE:-/var/cache/fixbuf-order}/kernels/build-${FIXBUF_BASE:-7.3}/$k/bzImage
	fi ;;
	esac
	[[ $KIMG == debian* || -f $KIMG ]] && return 0
	echo "$CAMP: kernel $LABEL: no $KIMG (make kernels builds the suite's)" >&2
	return 1
}

# campaign_snapshot LABEL: KIMG, an image file, copied (with its
# build-info) into OUT/kernels/LABEL.bzImage, and KIMG the copy's full
# path: other jobs rebuild the suite's kernels in place, every run of the
# campaign boots the same image.
campaign_snapshot() {
	[[ -f $KIMG ]] || return 0
	mkdir -p "$OUT/kernels"
	cp "$KIMG" "$OUT/kernels/$1.bzImage"
	cp "$(dirname "$KIMG")/build-info" "$OUT/kernels/$1.build-info" 2>/dev/null || :
	KIMG=$PWD/$OUT/kernels/$1.bzImage
}

# campaign_run DIR LABEL STREAM VM-ARGS...: one VM run on KIMG, its output
# in DIR/LABEL.log, RC its exit and SECS its time; the KTAP stream it leaves
# at STREAM is kept as DIR/LABEL.ktap (empty when it left none) with a
# last line "# vm-run: exit RC, SECS s". With FROM=
# the stream of the earlier run is copied instead and nothing runs.
campaign_run() {
	local dir=$1 k=$2 src=$3 t0=$SECONDS
	shift 3
	RC=0 SECS=0
	if [[ -n ${FROM:-} ]]; then
		src=$FROM/${dir#"$OUT"}/$k.ktap
	else
		scripts/vm-run.sh KERNEL="$KIMG" "$@" >>"$dir/$k.log" 2>&1 || RC=$?
		SECS=$((SECONDS - t0))
		printf '%s: %-36s exit %d, %d s\n' "$CAMP" "$k" "$RC" "$SECS"
	fi
	cp "$src" "$dir/$k.ktap" 2>/dev/null || : >"$dir/$k.ktap"
	[[ -n ${FROM:-} ]] || echo "# vm-run: exit $RC, $SECS s" >>"$dir/$k.ktap"
}

# campaign_cells DIR LABEL...: "case label verdict" for every case line of
# each DIR/LABEL.ktap, as ktap_cases reads it; a line with a TIMEOUT
# directive is a timeout, and one with "time=Ns" adds the seconds (the
# streams of peer-guest.sh).
campaign_cells() {
	local k
	for k in "${@:2}"; do
		[[ -f $1/$k.ktap ]] || continue
		ktap_cases "$1/$k.ktap" | awk -v k="$k" -v f="$1/$k.ktap" '
			{ while ((getline l < f) > 0 && l !~ /^    (not )?ok [0-9]+ /) continue
			  v = (l ~ / # TIMEOUT /) ? "timeout" : $2
			  if (match(l, / time=[0-9]+s/)) v = v " " substr(l, RSTART + 6, RLENGTH - 7)
			  print $1, k, v }'
	done
}

# campaign_missing CELLS LABEL...: the labels without a cell.
campaign_missing() {
	local k
	for k in "${@:2}"; do grep -q " $k " "$1" || echo "$k"; done
}

# campaign_pivot NAME LABELS: "row label value..." lines to a grid for
# campaign_table: a header (NAME, then the labels), one line per row in
# the order rows first appear, "-" where a row has no value.
campaign_pivot() {
	awk -v name="$1" -v kernels="$2" 'BEGIN { OFS = "\t"; nk = split(kernels, ks, " ") }
		{ v = $0; sub(/^[^ ]+ [^ ]+ /, "", v); cell[$1, $2] = v; if (!($1 in seen)) { seen[$1]; rows[++nr] = $1 } }
		END { $0 = name; for (i = 1; i <= nk; i++) $(i + 1) = ks[i]; print
			for (r = 1; r <= nr; r++) { $0 = rows[r]
				for (i = 1; i <= nk; i++) $(i + 1) = ((rows[r], ks[i]) in cell) ? cell[rows[r], ks[i]] : "-"
				print } }'
}

# campaign_table MD W1 W2 [FREE] [MDONLY] [THEAD]: a tab-separated grid
# (its header first) as markdown into MD and as a terminal table on stdout:
# the first column W1 wide, the others W2, the last unpadded with FREE=1.
# Column MDONLY is left off the terminal; THEAD (tab-separated) replaces
# the header there.
campaign_table() {
	awk -F'\t' -v md="$1" -v w1="$2" -v w2="$3" -v free="${4:-0}" -v skip="${5:-0}" -v thead="${6:-}" '
		function term(i, s, n) { return i == skip ? "" : (i == 1) ? sprintf("%-" w1 "s", s) : (i == n && free) ? " " s : sprintf(" %-" w2 "s", s) }
		{ line = ""; printf "|" > md
		  for (i = 1; i <= NF; i++) { printf " %s |", $i > md; line = line term(i, $i, NF) }
		  printf "\n" > md
		  if (NR == 1) { printf "|" > md; for (i = 1; i <= NF; i++) printf "---|" > md; printf "\n" > md
			if (thead != "") { n = split(thead, h, "\t"); line = ""; for (i = 1; i <= n; i++) line = line term(i, h[i], n) } }
		  print line }'
}

# campaign_tally TITLE: "CAMP: TITLE: N key, N key" of the keys on stdin,
# in the order they first appear; nothing without keys.
campaign_tally() {
	awk -v t="$CAMP: $1:" '{ n[$1]++; if (!($1 in s)) { s[$1]; o[++m] = $1 } }
		END { if (m) { printf "%s", t; for (i = 1; i <= m; i++) printf "%s %d %s", (i > 1 ? "," : ""), n[o[i]], o[i]; print "" } }'
}
