#!/usr/bin/env bash
set -euo pipefail
# Peer suites (make peer): tests nobody in this project wrote, on the suite's
# stock and patched kernels side by side. liburing's regression tests (its
# test/ and runtests.sh, from Debian's liburing source package) and the
# kernel's io_uring zero-copy and ublk selftests (from the tree the kernels
# are built from), built once out of tree, run in the VM with their own
# runners, one VM per kernel. Prints the per-test table (also markdown) and
# exits 1 when a verdict differs between the kernels, naming the test;
# a difference that does not repeat in a rerun is shown as flaky instead.
#   scripts/peer.sh [KERNEL="stock patched"] [PEER_LIBURING=groups|all]
#                   [T=<glob>] [RERUN=1] [FROM=<dir>]
# KERNEL: kernels, each NAME=<bzImage>, a bzImage, or a variant of the
#   suite's own builds (FIXBUF_CACHE/kernels/build-FIXBUF_BASE/VARIANT;
#   never built here: make kernels does that). The first is the baseline.
# PEER_LIBURING=all: every liburing test, not only configs/peer-tests'.
# T: only tests (suite/test) matching the pattern (harness/lib/pattern.sh).
# RERUN=0: no rerun of differing tests. FROM=<dir>: recompute the table
#   from an earlier run's verdicts, running nothing. LIST=1: build, print
#   the plan (suite group test timeout) and stop before any VM.
# Exit 0 no difference, 1 a difference (or a kernel without results), 2 bad
# input or build failure.

cd "$(dirname "$0")/.."
repo=$PWD
# shellcheck source-path=SCRIPTDIR/..
{
	source harness/lib/args.sh
	source harness/lib/pattern.sh
	source scripts/lib/apt-private.sh
	source scripts/lib/peer-build.sh
}
args_export peer 'KERNEL PEER_LIBURING T RERUN FROM LIST' "$@" || exit 2
base=${FIXBUF_BASE:-7.3}
tree=${FIXBUF_PEER_TREE:-$FIXBUF_CACHE/src/debian-$base}
KERNEL=${KERNEL:-stock patched}
[[ ${PEER_LIBURING:-groups} =~ ^(groups|all)$ ]] || { echo "peer: PEER_LIBURING is groups or all" >&2; exit 2; }
[[ -z ${T:-} ]] || pat_check "$T" || { echo "peer: T: $PAT_ERR" >&2; exit 2; }

# Kernels: LABELS[i] and IMAGES[i].
LABELS=() IMAGES=()
for k in $KERNEL; do
	case $k in
	*=*) label=${k%%=*} img=${k#*=} ;;
	*/*) img=$k label=$(basename "$(dirname "$(realpath "$k")")") ;;
	*) label=$k img=$FIXBUF_CACHE/kernels/build-$base/$k/bzImage ;;
	esac
	[[ -n ${FROM:-} || -f $img ]] || { echo "peer: kernel $label: no $img (make kernels builds the suite's)" >&2; exit 2; }
	LABELS+=("$label") IMAGES+=("$(realpath -m "$img")")
done
((${#LABELS[@]} >= 2)) || { echo "peer: KERNEL needs two kernels or more to compare" >&2; exit 2; }

out=results/peer-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
ln -sfn "${out#results/}" results/peer-latest
# Other jobs rebuild the suite's kernels in place: every run and rerun of
# this comparison boots the same snapshot (with its build-info).
if [[ -z ${FROM:-} && ${LIST:-0} != 1 ]]; then
	mkdir -p "$out/kernels"
	for i in "${!LABELS[@]}"; do
		cp "${IMAGES[i]}" "$out/kernels/${LABELS[i]}.bzImage"
		cp "$(dirname "${IMAGES[i]}")/build-info" "$out/kernels/${LABELS[i]}.build-info" 2>/dev/null || :
		IMAGES[i]=$repo/$out/kernels/${LABELS[i]}.bzImage
	done
fi

if [[ -z ${FROM:-} ]]; then
	# Build once (cached under FIXBUF_CACHE/peer/build; nothing in the repo).
	t0=$SECONDS
	lu=$(peer_build_liburing) || exit 2
	fio=$(peer_build_fio) || exit 2
	ksft=$(peer_build_selftests "$tree" base "$lu") || exit 2
	echo "peer: builds ready in $((SECONDS - t0)) s: $lu, $fio, $ksft"
	{
		echo "liburing $(basename "$(dirname "$lu")") (Debian source package, $PEER_LIBURING_SUITE)"
		echo "selftests ${ksft##*/} ($tree, branch base)"
		echo "fio $(basename "$(dirname "$fio")") ($PEER_FIO_SUITE)"
	} >"$out/builds"

	# The plan: configs/peer-tests, every listed liburing test must exist.
	while read -r suite group t to extra; do
		[[ -z $suite || $suite == \#* ]] && continue
		[[ -n $t && -z $extra && ${to:--} =~ ^(-|[0-9]+)$ ]] ||
			{ echo "peer: configs/peer-tests: bad line '$suite $group $t $to $extra'" >&2; exit 2; }
		if [[ $suite == liburing && ! -x $lu/$t.t ]]; then
			echo "peer: configs/peer-tests: liburing has no test $t" >&2
			exit 2
		fi
		echo "$suite $group $t ${to:--}"
	done <configs/peer-tests >"$out/plan.all"
	if [[ ${PEER_LIBURING:-groups} == all ]]; then
		listed=$(awk '$1 == "liburing" {print $3}' "$out/plan.all")
		for f in "$lu"/*.t; do
			f=${f##*/}
			grep -qx -- "${f%.t}" <<<"$listed" || echo "liburing other ${f%.t} -"
		done >>"$out/plan.all"
	fi
	# T= selects tests; net-lo is one entry that runs all its variants.
	while read -r suite group t to; do
		[[ -z ${T:-} ]] || pat_match "$suite/$t" "$T" || continue
		echo "$suite $group $t $to"
	done <"$out/plan.all" >"$out/plan"
	[[ -s $out/plan ]] || { echo "peer: T='$T' selects no test" >&2; exit 2; }
	echo "peer: $(wc -l <"$out/plan") tests in the plan ($out/plan)"
	[[ ${LIST:-0} != 1 ]] || { cat "$out/plan"; exit 0; }
	awk '{print $1 "/" $3, $2}' "$out/plan" >"$out/groups"
fi

# run_kernel INDEX PLAN DIR: one VM run of PLAN on kernel INDEX, verdicts in
# DIR/<label>/verdicts; the VM's wall time in DIR/<label>/wall.
run_kernel() {
	local i=$1 plan=$2 dir=$3/${LABELS[$1]} rc=0 t0=$SECONDS
	mkdir -p "$dir"
	VM_MEM=${VM_MEM:-3G} VM_RODIRS=$PEER_DIR/build VM_TIMEOUT=${PEER_VM_TIMEOUT:-2400} \
		scripts/vm-run.sh KERNEL="${IMAGES[i]}" \
		VM_CMD="$(printf '%q ' scripts/peer-guest.sh OUT="$repo/$dir" PLAN="$repo/$plan" \
			LIBURING="$lu" KSFT="$ksft" FIO="$fio")" >"$dir/vm.log" 2>&1 || rc=$?
	echo $((SECONDS - t0)) >"$dir/wall"
	[[ -f $dir/verdicts ]] || : >"$dir/verdicts"
	printf 'peer: %-10s %3d verdicts, %4d s in the VM (boot included), vm-run exit %d\n' \
		"${LABELS[i]}" "$(wc -l <"$dir/verdicts")" "$(cat "$dir/wall")" "$rc"
	((rc == 0)) || tail -n 5 "$dir/vm.log" | sed 's/^/  /'
}

if [[ -z ${FROM:-} ]]; then
	for i in "${!LABELS[@]}"; do run_kernel "$i" "$out/plan" "$out/run1"; done
else
	cp -r "$FROM/run1" "$out/run1"
	[[ ! -d $FROM/rerun ]] || cp -r "$FROM/rerun" "$out/rerun"
	cp "$FROM/plan" "$FROM/groups" "$out/" 2>/dev/null || :
fi

# cells DIR: "test label verdict seconds" of every kernel in DIR.
cells() {
	local i
	for i in "${!LABELS[@]}"; do
		awk -F'\t' -v k="${LABELS[i]}" '{print $1, k, $2, $3}' "$1/${LABELS[i]}/verdicts"
	done
}
cells "$out/run1" >"$out/cells1"

# Tests whose verdicts differ (or that lack one on some kernel): rerun them
# once on every kernel, so a flaky test is told from a real difference.
differing() {
	awk -v n="${#LABELS[@]}" '{ v[$1] = v[$1] " " $3; c[$1]++ }
		END { for (t in v) { split(v[t], a, " "); d = (c[t] != n)
			for (i in a) if (a[i] != a[1]) d = 1
			if (d) print t } }' "$1" | sort
}
differing "$out/cells1" >"$out/differing1"
if [[ -z ${FROM:-} && -s $out/differing1 && ${RERUN:-1} != 0 ]]; then
	echo "peer: rerunning $(wc -l <"$out/differing1") differing tests on every kernel"
	# net-lo's variants come from one plan entry.
	sed 's|^net-lo/io_uring_zerocopy_tx/.*|net-lo/io_uring_zerocopy_tx|' "$out/differing1" | sort -u |
		while read -r t; do
			awk -v t="$t" '$1 "/" $3 == t' "$out/plan"
		done >"$out/plan.rerun"
	for i in "${!LABELS[@]}"; do run_kernel "$i" "$out/plan.rerun" "$out/rerun"; done
fi
if [[ -d $out/rerun ]]; then
	cells "$out/rerun" >"$out/cells2"
else
	: >"$out/cells2"
fi

# The table: one row per test, a column per kernel (verdict, seconds; a
# rerun's verdict after a comma), and what the comparison says:
#   same       every kernel agrees (fail/timeout on all: listed below)
#   DIFFERS    the kernels disagree, and (if rerun) each kernel repeated
#              its own verdict: a difference the run fails on
#   flaky      a kernel's verdict changed between the two runs
awk -v kernels="${LABELS[*]}" -v md="$out/peer.md" -v diffs="$out/differences" \
	-v flaky="$out/flaky" -v both="$out/failing-everywhere" -v groups="$out/groups" '
	BEGIN {
		nk = split(kernels, ks, " ")
		while ((getline line < groups) > 0) { split(line, gl, " "); grp[gl[1]] = gl[2] }
		printf "" > diffs; printf "" > flaky; printf "" > both
	}
	FILENAME ~ /cells1$/ { v1[$1, $2] = $3; s1[$1, $2] = $4; if (!($1 in seen)) { seen[$1]; rows[++nr] = $1 } }
	FILENAME ~ /cells2$/ { v2[$1, $2] = $3; re[$1] = 1 }
	END {
		printf "| test | group |" > md
		for (i = 1; i <= nk; i++) printf " %s |", ks[i] > md
		printf " comparison |\n|---|---|" > md
		for (i = 1; i <= nk; i++) printf "---|" > md
		printf "---|\n" > md
		printf "%-48s", "test"
		for (i = 1; i <= nk; i++) printf " %-16s", ks[i]
		printf " comparison\n"
		for (r = 1; r <= nr; r++) {
			t = rows[r]; base = ""; diff = 0; fl = 0; allbad = 1
			g = (t in grp) ? grp[t] : (t ~ /^net-lo\//) ? "zero-copy" : "-"
			for (i = 1; i <= nk; i++) {
				k = ks[i]
				a = ((t, k) in v1) ? v1[t, k] : "none"
				if (i == 1) base = a
				if (a != base) diff = 1
				if (a != "fail" && a != "timeout") allbad = 0
				if (t in re) {
					b = ((t, k) in v2) ? v2[t, k] : "none"
					if (b != a) fl = 1
				}
			}
			note = !diff ? "same" : fl ? "flaky" : "DIFFERS"
			printf "| %s | %s |", t, g > md
			printf "%-48s", t
			for (i = 1; i <= nk; i++) {
				k = ks[i]
				c = ((t, k) in v1) ? v1[t, k] " " s1[t, k] "s" : "none"
				if (t in re) c = c ", " (((t, k) in v2) ? v2[t, k] : "none")
				printf " %s |", c > md
				printf " %-16s", c
			}
			printf " %s |\n", note > md
			printf " %s\n", note
			if (note == "DIFFERS") print t > diffs
			if (note == "flaky") print t > flaky
			if (note == "same" && allbad) print t > both
		}
	}' "$out/cells1" "$out/cells2" | tee "$out/peer.term"

# Reasons: what each kernel's runner said, for every test that failed or
# timed out everywhere, was flaky or differs.
reasons() {
	local t i
	while read -r t; do
		echo "- $t"
		for i in "${!LABELS[@]}"; do
			awk -F'\t' -v t="$t" -v k="${LABELS[i]}" '$1 == t {printf "  - %s: %s (%s s)%s\n", k, $2, $3, ($4 == "" ? "" : ": " $4)}' \
				"$out/run1/${LABELS[i]}/verdicts"
			[[ ! -f $out/rerun/${LABELS[i]}/verdicts ]] ||
				awk -F'\t' -v t="$t" -v k="${LABELS[i]}" '$1 == t {printf "  - %s, rerun: %s (%s s)%s\n", k, $2, $3, ($4 == "" ? "" : ": " $4)}' \
					"$out/rerun/${LABELS[i]}/verdicts"
		done
	done <"$1"
}
{
	echo
	echo "Failing or timing out on every kernel ($(wc -l <"$out/failing-everywhere")):"
	reasons "$out/failing-everywhere"
	echo
	echo "Flaky: verdict changed in the rerun ($(wc -l <"$out/flaky")):"
	reasons "$out/flaky"
	echo
	echo "Differences between the kernels ($(wc -l <"$out/differences")):"
	reasons "$out/differences"
	echo
	echo "Totals (first run): kernel, VM wall time with boot, the tests' own time in the guest, verdict counts, seconds per suite"
	for i in "${!LABELS[@]}"; do
		d=$out/run1/${LABELS[i]}
		printf -- '- %s: %s s in the VM, tests %s s;' "${LABELS[i]}" "$(cat "$d/wall" 2>/dev/null || echo '?')" \
			"$(cat "$d/seconds" 2>/dev/null || echo '?')"
		awk -F'\t' '{n[$2]++} END {for (v in n) printf " %s %d", v, n[v]}' "$d/verdicts"
		awk -F'\t' '{split($1, a, "/"); s[a[1]] += $3} END {for (x in s) printf "; %s %d s", x, s[x]}' "$d/verdicts"
		[[ ! -f $d/kernel ]] || printf '; %s' "$(cat "$d/kernel")"
		echo
	done
} | tee "$out/summary"
cat "$out/summary" >>"$out/peer.md"

rc=0
for i in "${!LABELS[@]}"; do
	[[ -s $out/run1/${LABELS[i]}/verdicts ]] || { echo "peer: ${LABELS[i]}: no verdicts (see $out/run1/${LABELS[i]}/vm.log)"; rc=1; }
done
while read -r t; do
	echo "peer: DIFFERENCE: $t"
	rc=1
done <"$out/differences"
echo "peer: $out/peer.md"
exit "$rc"
