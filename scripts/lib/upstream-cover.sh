# shellcheck shell=bash disable=SC2154 # repo, tmp: set by scripts/upstream.sh
# The cover letter of the upstream series: subject, patches/upstream/cover/
# blurb, and the before/after table. The table is not measured here: it
# lists the cells configs/expected-matrix expects to fail on stock 7.3 and
# pass with the series, the verdicts `make matrix` measured (patches/
# README.md says when); patches/upstream/cover/measured adds the runs of
# the new tests. A library for scripts/upstream.sh (set -euo pipefail;
# uses its repo, tmp and UPSTREAM_SRC).

# upstream_table: the stock-fails rows, one case glob a line (sweep/*: the
# fail-nth sweeps, where the N-th fault point of the submit is hit).
upstream_table() {
	local kern cases verdict c note
	printf '  %-50s %-6s %s\n' 'suite case (glob)' stock patched
	while read -r kern cases verdict; do
		[[ $verdict == fail && "|$kern|" == *'|stock|'* ]] || continue
		note=''
		# Needs the suite's test-only error injection on the allocation.
		[[ $cases == */alloc-fault/* ]] && note=' (a)'
		for c in ${cases//|/ }; do
			printf '  %-50s %-6s %s\n' "$c" FAIL "pass$note"
		done
	done < <(grep -v '^#' "$repo/configs/expected-matrix" | grep .)
}

# upstream_cover FILE: fills in git format-patch's cover letter template.
upstream_cover() {
	local f=$1 body=$tmp/cover-body
	{
		cat "$UPSTREAM_SRC/cover/blurb"
		echo
		echo "Measured with the fixbuf-order regression suite (C and liburing,"
		echo "run in a VM) on Debian's linux-source-7.3 (7.3.4), before and"
		echo "after patches 1-4. The verdicts are those its configs/expected-matrix"
		echo "records; every cell of its kernel matrix was checked against that"
		echo "file on 2026-12-01 and 2026-12-05:"
		echo
		upstream_table
		echo
		echo "  (a) with a test-only ALLOW_ERROR_INJECTION on blk_mq_alloc_request()"
		echo
		echo "Every other case of the suite has the same verdict on both kernels."
		[[ ! -f $UPSTREAM_SRC/cover/measured ]] || { echo; cat "$UPSTREAM_SRC/cover/measured"; }
		echo
		echo "checkpatch.pl --strict reports only UNKNOWN_COMMIT_ID: the Fixes:"
		echo "ids were taken from public archives, and the tree the series was"
		echo "made on has no history. Please check them against mainline."
	} >"$body"
	sed -i -e 's/\*\*\* SUBJECT HERE \*\*\*/Resolve fixed buffers at first issue, and document it/' \
		-e "/\*\*\* BLURB HERE \*\*\*/{r $body" -e 'd}' "$f"
}
