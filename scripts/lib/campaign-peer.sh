# shellcheck shell=bash
# scripts/peer.sh's plan and judge, beside the campaign frame
# (scripts/lib/campaign.sh): the tests to run, the comparison of the
# kernels' cells and what each runner said. Sources the rest.
# shellcheck source-path=SCRIPTDIR/../..
{
	source scripts/lib/campaign.sh
	source scripts/lib/apt-private.sh
	source scripts/lib/peer-build.sh
}

# peer_prepare TREE OUT: the peer suites built once (cached under
# FIXBUF_CACHE/peer/build, nothing in the repository): lu, fio and ksft,
# named in OUT/builds; the plan (peer_plan).
peer_prepare() {
	local t0=$SECONDS
	lu=$(peer_build_liburing) || return
	fio=$(peer_build_fio) || return
	ksft=$(peer_build_selftests "$1" base "$lu") || return
	echo "peer: builds ready in $((SECONDS - t0)) s: $lu, $fio, $ksft"
	{
		echo "liburing $(basename "$(dirname "$lu")") (Debian source package, $PEER_LIBURING_SUITE)"
		echo "selftests ${ksft##*/} ($1, branch base)"
		echo "fio $(basename "$(dirname "$fio")") ($PEER_FIO_SUITE)"
	} >"$2/builds"
	peer_plan "$lu" "$2" || return
	echo "peer: $(wc -l <"$2/plan") tests in the plan ($2/plan)"
}

# peer_plan LIBURING OUT: OUT/plan, "<suite> <group> <test> <timeout|->"
# from configs/peer-tests (every listed liburing test must exist), all of
# liburing's with PEER_LIBURING=all, those matching T; OUT/groups. Status 1
# after one message on bad input.
peer_plan() {
	local lu=$1 out=$2 suite group t to extra listed f
	while read -r suite group t to extra; do
		[[ -z $suite || $suite == \#* ]] && continue
		[[ -n $t && -z $extra && ${to:--} =~ ^(-|[0-9]+)$ ]] ||
			{ echo "peer: configs/peer-tests: bad line '$suite $group $t $to $extra'" >&2; return 1; }
		[[ $suite != liburing || -x $lu/$t.t ]] || { echo "peer: configs/peer-tests: liburing has no test $t" >&2; return 1; }
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
	[[ -s $out/plan ]] || { echo "peer: T='$T' selects no test" >&2; return 1; }
	awk '{print $1 "/" $3, $2}' "$out/plan" >"$out/groups"
}

# peer_compare OUT LABELS: the grid of the table (campaign_table) from
# OUT/run1.cells and OUT/rerun.cells; the tests that differ, are flaky and
# fail or time out on every kernel into OUT/differences, flaky and
# failing-everywhere.
peer_compare() {
	awk -v kernels="$2" -v diffs="$1/differences" -v flaky="$1/flaky" -v both="$1/failing-everywhere" \
		-v groups="$1/groups" 'BEGIN { OFS = "\t"
			nk = split(kernels, ks, " ")
			while ((getline line < groups) > 0) { split(line, gl, " "); grp[gl[1]] = gl[2] }
			printf "" > diffs; printf "" > flaky; printf "" > both
		}
		FILENAME ~ /run1.cells$/ { v1[$1, $2] = $3; s1[$1, $2] = $4; if (!($1 in seen)) { seen[$1]; rows[++nr] = $1 } }
		FILENAME ~ /rerun.cells$/ { v2[$1, $2] = $3; re[$1] = 1 }
		END {
			$0 = "test"; $2 = "group"; for (i = 1; i <= nk; i++) $(i + 2) = ks[i]; $(nk + 3) = "comparison"; print
			for (r = 1; r <= nr; r++) {
				t = rows[r]; base = ""; diff = 0; fl = 0; allbad = 1
				$0 = t; $2 = (t in grp) ? grp[t] : (t ~ /^net-lo\//) ? "zero-copy" : "-"
				for (i = 1; i <= nk; i++) {
					k = ks[i]
					a = ((t, k) in v1) ? v1[t, k] : "none"
					if (i == 1) base = a
					if (a != base) diff = 1
					if (a != "fail" && a != "timeout") allbad = 0
					c = ((t, k) in v1) ? v1[t, k] " " s1[t, k] "s" : "none"
					if (t in re) {
						b = ((t, k) in v2) ? v2[t, k] : "none"
						if (b != a) fl = 1
						c = c ", " b
					}
					$(i + 2) = c
				}
				$(nk + 3) = note = !diff ? "same" : fl ? "flaky" : "DIFFERS"
				print
				if (note == "DIFFERS") print t > diffs
				if (note == "flaky") print t > flaky
				if (note == "same" && allbad) print t > both
			}
		}' "$1/run1.cells" "$1/rerun.cells"
}

# peer_reasons OUT LIST LABEL...: what each kernel's runner said about each
# test of LIST (the rest of its KTAP line), in the run and the rerun.
peer_reasons() {
	local t k p tag
	while read -r t; do
		echo "- $t"
		for k in "${@:3}"; do
			for p in run1 rerun; do
				[[ -s $1/$p/$k.ktap ]] || continue
				tag=${p/#run1/}
				awk -v t="$t" -v k="$k${tag:+, rerun}" 'FNR == NR { if ($1 == t && $2 == k0) { v = $3; s = $4 }; next }
					$(($1 == "not") ? 4 : 3) == t && /^    (not )?ok / { r = $0; sub(/.* time=[0-9]+s ?/, "", r)
						printf "  - %s: %s (%s s)%s\n", k, v, s, (r == "" ? "" : ": " r) }' k0="$k" "$1/$p.cells" "$1/$p/$k.ktap"
			done
		done
	done <"$1/$2"
}

# peer_details OUT LABEL...: the lists under the table and the totals.
peer_details() {
	local k d=$1
	echo
	echo "Failing or timing out on every kernel ($(wc -l <"$d/failing-everywhere")):"
	peer_reasons "$d" failing-everywhere "${@:2}"
	echo
	echo "Flaky: verdict changed in the rerun ($(wc -l <"$d/flaky")):"
	peer_reasons "$d" flaky "${@:2}"
	echo
	echo "Differences between the kernels ($(wc -l <"$d/differences")):"
	peer_reasons "$d" differences "${@:2}"
	echo
	echo "Totals (first run): kernel, VM wall time with boot, the tests' own time in the guest, verdict counts, seconds per suite"
	for k in "${@:2}"; do
		awk -v k="$k" 'FNR == NR { if (/^# vm-run: /) w = $5; else if (/^# seconds: /) s = $3; else if (/^# kernel: /) { kn = $0; sub(/^# kernel: /, "", kn) }; next }
			$2 == k { n[$3]++; split($1, a, "/"); t[a[1]] += $4 }
			END { printf "- %s: %s s in the VM, tests %s s;", k, (w == "" ? "?" : w), (s == "" ? "?" : s)
				for (v in n) printf " %s %d", v, n[v]
				for (x in t) printf "; %s %d s", x, t[x]
				if (kn != "") printf "; %s", kn
				print "" }' "$d/run1/$k.ktap" "$d/run1.cells"
	done
}
