#!/usr/bin/env bash
set -euo pipefail
# Shows that scripts/audit-sites.sh has teeth: it passes on KERNEL_TREE,
# and fails, naming the call, on a copy of the tree's io_uring/ and
# passthrough drivers with one new caller of io_import_reg_buf added.
#   scripts/audit-sites-test.sh KERNEL_TREE

here=$(cd "$(dirname "$0")" && pwd)
(($# == 1)) || { echo "usage: $0 KERNEL_TREE" >&2; exit 2; }
tree=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fixbuf-audit.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

"$here/audit-sites.sh" "$tree"

mkdir -p "$tmp/drivers/nvme/host" "$tmp/drivers/scsi"
cp -r "$tree/io_uring" "$tmp/"
cp "$tree/drivers/nvme/host/ioctl.c" "$tmp/drivers/nvme/host/"
cp "$tree/drivers/scsi/scsi_bsg.c" "$tmp/drivers/scsi/"
cat >>"$tmp/io_uring/rw.c" <<'NEW'

static int io_audit_new_op(struct io_kiocb *req, unsigned int issue_flags)
{
	return io_import_reg_buf(req, NULL, 0, 0, ITER_DEST, issue_flags);
}
NEW
rc=0
out=$("$here/audit-sites.sh" "$tmp" 2>&1) || rc=$?
printf '%s\n' "$out"
want="unknown fixed-buffer site: io_uring/rw.c io_audit_new_op() calls io_import_reg_buf"
if ((rc != 1)) || [[ $out != *"$want"* ]]; then
	echo "audit-sites-test: FAILED: a new call site was not caught (exit $rc)" >&2
	exit 1
fi
echo "audit-sites-test: a new call site fails the audit, as it must"

# The table's own rules: a covered row must name a mutant that exists, a
# documented row must say why no program can park its site.
repo=$(cd "$here/.." && pwd)
bad_table() { # bad_table SED-EXPR WANT: the table edited so must fail, naming WANT
	sed "$1" "$repo/configs/fixed-buffer-sites" >"$tmp/sites"
	rc=0
	out=$(AUDIT_TABLE=$tmp/sites "$here/audit-sites.sh" --table 2>&1) || rc=$?
	printf '%s\n' "$out"
	if ((rc != 1)) || [[ $out != *"$2"* ]]; then
		echo "audit-sites-test: FAILED: '$1' was not refused (exit $rc)" >&2
		exit 1
	fi
}
bad_table 's/\tcovered\trw-fixed-late-eagain,rw-reimport-on-retry\t/\tcovered\t/' \
	"io_uring/rw.c io_init_rw_fixed(): covered, but no mutant"
bad_table 's/\tdocumented\tinline-only: /\tdocumented\t/' \
	"io_uring/nop.c io_nop(): documented, but not why"
echo "audit-sites-test: a covered row without a mutant, a documented one without a reason fail"
