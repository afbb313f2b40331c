#!/usr/bin/env bash
set -euo pipefail
# Every place a kernel tree resolves a fixed (registered) buffer, checked
# against configs/fixed-buffer-sites, the suite's table of the sites it
# covers or documents. A call site the table does not name fails the audit,
# so a new opcode or driver that consumes fixed buffers is noticed the day
# it appears. A table row no call site matches is noted, not failed: the
# fix series moves a call, an older tree lacks one.
#   scripts/audit-sites.sh [--list] KERNEL_TREE
# --list prints the sites found ("file function callee"), nothing else.
# Exit: 0 every site known, 1 an unknown site, 2 bad input.

repo=$(cd "$(dirname "$0")/.." && pwd)
table=${AUDIT_TABLE:-$repo/configs/fixed-buffer-sites}
list=
[[ ${1:-} == --list ]] && list=1 && shift
(($# == 1)) || { echo "usage: $0 [--list] KERNEL_TREE" >&2; exit 2; }
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
if [[ -n $list ]]; then
	printf '%s\n' "$found"
	exit 0
fi
[[ -r $table ]] || { echo "audit-sites: cannot read $table" >&2; exit 2; }
known=$(awk '!/^#/ && NF >= 4 {print $1, $2, $3}' "$table" | sort -u)
bad=0
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
