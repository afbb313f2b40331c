#!/usr/bin/env bash
set -euo pipefail
# Every place a kernel tree resolves a fixed (registered) buffer, checked
# against configs/fixed-buffer-sites, the suite's table of the sites it
# covers or documents. A call site the table does not name fails the audit,
# so a new opcode or driver that consumes fixed buffers is noticed the day
# it appears. A table row no call site matches is noted, not failed: the
# fix series moves a call, an older tree lacks one.
#   scripts/audit-sites.sh [--list] KERNEL_TREE
#   scripts/audit-sites.sh --table
# --list prints the sites found ("file function callee"), nothing else.
# --table checks the rows alone (also done before every tree audit):
#   covered     names mutants (patches/mutants/NAME.patch, each with a
#               'fail' line in configs/expected-matrix) and a case pattern
#               that matches a case of the built programs (AUDIT_TESTS,
#               default build/tests, when it holds programs);
#   documented  only with the reason no program can drive it to -EAGAIN
#               before the lookup: 'unreachable:' or 'inline-only:'.
# Exit: 0 every site known and every row sound, 1 not, 2 bad input.

repo=$(cd "$(dirname "$0")/.." && pwd)
table=${AUDIT_TABLE:-$repo/configs/fixed-buffer-sites}
matrix=${AUDIT_MATRIX:-$repo/configs/expected-matrix}
tests=${AUDIT_TESTS:-$repo/build/tests}
# shellcheck source-path=SCRIPTDIR/..
source "$repo/harness/lib/pattern.sh"
mode=tree
case ${1:-} in
--list) mode=list && shift ;;
--table) mode=table && shift ;;
esac
usage() { echo "usage: $0 [--list] KERNEL_TREE | $0 --table" >&2; exit 2; }
if [[ $mode == table ]]; then (($# == 0)) || usage; else (($# == 1)) || usage; fi
[[ -r $table ]] || { echo "audit-sites: cannot read $table" >&2; exit 2; }

# Every case name of the built programs, once (empty without a build).
all_cases() {
	local p
	for p in "$tests"/*; do
		[[ -f $p && -x $p ]] && timeout 10 "$p" -l 2>/dev/null </dev/null
	done | sort -u
}

# matches_any PATTERN: some line of $cases matches.
matches_any() {
	local k
	while read -r k; do pat_match "$k" "$1" && return 0; done <<<"$cases"
	return 1
}

# mutant_fails NAME: configs/expected-matrix expects a failure on mutant-NAME.
mutant_fails() {
	local k p v
	while read -r k p v; do
		[[ $k == \#* || $v != fail ]] && continue
		pat_match "mutant-$1" "$k" && return 0
	done <"$matrix"
	return 1
}

# check_table: one line per unsound row; status 1 when any.
check_table() {
	local f fn c kind rest mutants pat m n=0 bad=0
	while read -r f fn c kind rest; do
		n=$((n + 1))
		case $kind in
		covered)
			read -r mutants pat _ <<<"$rest"
			if ! pat_check "${pat:-}"; then
				echo "audit-sites: $f $fn(): bad case pattern: $PAT_ERR"
				bad=1
			elif [[ -n $cases ]] && ! matches_any "$pat"; then
				echo "audit-sites: $f $fn(): no built case matches '$pat'"
				bad=1
			fi
			for m in ${mutants//,/ }; do
				if [[ ! -f $repo/patches/mutants/$m.patch ]]; then
					echo "audit-sites: $f $fn(): covered, but no mutant patches/mutants/$m.patch (name 'mutant,...' then the cases)"
					bad=1
				elif ! mutant_fails "$m"; then
					echo "audit-sites: $f $fn(): mutant $m has no 'fail' line in ${matrix#"$repo"/}"
					bad=1
				fi
			done
			;;
		documented)
			if [[ $rest != unreachable:* && $rest != inline-only:* ]]; then
				echo "audit-sites: $f $fn(): documented, but not why no program can park it ('unreachable: ...' or 'inline-only: ...'); cover it with cases and a mutant"
				bad=1
			fi
			;;
		internal) ;;
		*)
			echo "audit-sites: $f $fn(): unknown kind '$kind' (covered, documented, internal)"
			bad=1
			;;
		esac
	done < <(awk '!/^#/ && NF >= 4' "$table")
	((bad)) || echo "audit-sites: $n rows of ${table#"$repo"/} sound"
	return "$bad"
}

cases=$(all_cases || true)
if [[ $mode == table ]]; then
	check_table
	exit
fi
tree=$1
[[ -d $tree/io_uring ]] || { echo "audit-sites: $tree: no io_uring/ (not a kernel tree)" >&2; exit 2; }

# The functions that turn a buffer index (or registered iovecs) into pages.
callees='io_find_buf_node|io_import_reg_buf|io_import_reg_vec|io_prep_reg_iovec|io_uring_cmd_import_fixed|io_uring_cmd_import_fixed_vec'

# sites: "file function callee" for every call, the enclosing function being
# the last definition opened at column 0 (kernel style) before the call.
sites() {
	local d dirs=()
	for d in io_uring drivers fs block net; do [[ -d $tree/$d ]] && dirs+=("$d"); done
	(cd "$tree" && { grep -rlE --include='*.c' "\\b($callees)\\s*\\(" -- "${dirs[@]}" || true; } | sort |
		while read -r f; do
			awk -v f="$f" -v re="(^|[^A-Za-z0-9_])($callees)[[:space:]]*[(]" '
				/^[A-Za-z_].*[(]/ && !/;[[:space:]]*$/ {
					fn = $0; sub(/[(].*/, "", fn); sub(/.*[^A-Za-z0-9_]/, "", fn)
				}
				/^[[:space:]]/ && match($0, re) {
					c = substr($0, RSTART, RLENGTH)
					sub(/^[^A-Za-z0-9_]/, "", c); sub(/[[:space:]]*[(]$/, "", c)
					print f, fn, c
				}' "$f"
		done | sort -u)
}

found=$(sites)
if [[ $mode == list ]]; then
	printf '%s\n' "$found"
	exit 0
fi
bad=0
check_table || bad=1
known=$(awk '!/^#/ && NF >= 4 {print $1, $2, $3}' "$table" | sort -u)
while read -r f fn c; do
	[[ -n $f ]] || continue
	echo "audit-sites: unknown fixed-buffer site: $f $fn() calls $c (add it to ${table#"$repo"/}: covered by which cases, or documented why not)"
	bad=1
done < <(comm -23 <(printf '%s\n' "$found") <(printf '%s\n' "$known"))
while read -r f fn c; do
	[[ -n $f ]] || continue
	echo "audit-sites: note: no call matches the row $f $fn() $c"
done < <(comm -13 <(printf '%s\n' "$found") <(printf '%s\n' "$known"))
n=$(printf '%s\n' "$found" | grep -c .)
((bad)) || echo "audit-sites: $n fixed-buffer sites in $tree, every one in ${table#"$repo"/}"
exit "$bad"
