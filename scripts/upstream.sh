#!/usr/bin/env bash
set -euo pipefail
# upstream.sh [--build] [--vm]: the fix series in the form upstream takes it, under
# results/upstream-DATE/:
#   kernel/    git format-patch series against Debian's 7.3 source (branch
#              base): patches/fixes 0001-0004, the documentation of the
#              guarantee, the kselftest; cover letter with the before/after
#              table and recipients (the tree's scripts/get_maintainer.pl)
#   liburing/  git format-patch of the same cases as one liburing test,
#              against liburing 2.15 (the source the peer suites fetch)
#   checkpatch.txt, am.txt, build.txt: what was checked, with the output
# Sources: patches/fixes, patches/upstream. The series is made in a
# throwaway worktree of the 7.3 tree (its checkout is never touched).
# --build: also build each step (scripts/lib/upstream-build.sh).
# --vm: also --build, then run both tests in the VM on the suite's stock and
# patched 7.3 (scripts/lib/upstream-vm.sh): vm-table.txt.

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${FIXBUF_CACHE:-/var/cache/fixbuf-order}
src=$cache/src/debian-7.3
UPSTREAM_SRC=$repo/patches/upstream
build=0 vm=0
for a in "$@"; do
	case $a in
	--build) build=1 ;;
	--vm) build=1 vm=1 ;;
	*) echo "usage: scripts/upstream.sh [--build] [--vm]" >&2; exit 2 ;;
	esac
done
log() { echo "upstream: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source-path=SCRIPTDIR
source "$repo/scripts/lib/upstream-tests.sh"

[[ -d $src/.git ]] || "$repo/scripts/build-kernel.sh" stock >/dev/null
# checkpatch's SPDX check needs ply and git, the .rst check docutils.
if ! /usr/bin/python3 -c 'import ply, git, docutils' 2>/dev/null; then
	apt-get install -y -q python3-ply python3-git python3-docutils >&2 || die "needs python3-ply, python3-git and python3-docutils"
fi
# The kselftest install (--build) copies with rsync.
command -v rsync >/dev/null || apt-get install -y -q rsync >&2 || die "needs rsync"
outdir=$repo/results/upstream-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$outdir/kernel" "$outdir/liburing"
tmp=$(mktemp -d)
wt=$tmp/linux
cleanup() {
	git -C "$src" worktree remove --force "$wt" >/dev/null 2>&1 || true
	rm -rf -- "$tmp"
}
trap cleanup EXIT

name=$(git -C "$src" config user.name)
email=$(git -C "$src" config user.email)
sob="Signed-off-by: $name <$email>"
g() { git -C "$wt" -c user.name="$name" -c user.email="$email" "$@"; }
commit() { # commit MSGFILE: everything changed, with the sign-off
	# -f: the tarball tree's .gitignore files hide some new files
	g add -A -f
	{ cat "$1"; echo; echo "$sob"; } | g commit -q -F -
}

log "worktree of $src (base) in $wt"
git -C "$src" worktree add -q --detach "$wt" base
mapfile -t fixes < <(find "$repo/patches/fixes" -name '0*.patch' ! -name '0000-*' | sort)
g am -q --no-3way "${fixes[@]}" || die "patches/fixes do not apply to base"

# Documentation: a new page of the user-space API guide, listed in its
# index (System calls) and in the IO_URING entry of MAINTAINERS.
install -m 644 "$UPSTREAM_SRC/docs/io_uring_fixed_buffers.rst" \
	"$wt/Documentation/userspace-api/io_uring_fixed_buffers.rst"
sed -i '/^   rseq$/a\   io_uring_fixed_buffers' "$wt/Documentation/userspace-api/index.rst"
sed -i '/^IO_URING$/,/^$/ s|^F:\tinclude/linux/io_uring/$|F:\tDocumentation/userspace-api/io_uring_fixed_buffers.rst\n&|' \
	"$wt/MAINTAINERS"
commit "$UPSTREAM_SRC/docs/commit-msg"

# kselftest: tools/testing/selftests/io_uring, in the TARGETS list.
ks=$wt/tools/testing/selftests/io_uring
mkdir -p "$ks"
upstream_test_source kselftest >"$ks/fixed_buf_order.c"
install -m 644 "$UPSTREAM_SRC"/kselftest/{Makefile,config,settings} "$ks/"
install -m 644 "$UPSTREAM_SRC/kselftest/gitignore" "$ks/.gitignore"
install -m 755 "$UPSTREAM_SRC/kselftest/fixed_buf_order.sh" "$ks/"
sed -i '/^TARGETS += intel_pstate$/a TARGETS += io_uring' "$wt/tools/testing/selftests/Makefile"
sed -i '/^IO_URING$/,/^$/ s|^F:\tio_uring/$|&\nF:\ttools/testing/selftests/io_uring/|' "$wt/MAINTAINERS"
commit "$UPSTREAM_SRC/kselftest/commit-msg"

# Recipients: maintainers and supporters To, lists and reviewers Cc.
g format-patch -q -o "$tmp/plain" base..HEAD
# From the tree's top (it checks where it runs); no history to ask.
gm() { (cd "$wt" && ./scripts/get_maintainer.pl --no-git --no-git-fallback \
	--no-rolestats --no-fixes --separator $'\n' "$@" "$tmp"/plain/*.patch 2>/dev/null); }
gm >"$tmp/all" || true
gm --no-r --no-l >"$tmp/to" || true
grep -vxF -f "$tmp/to" "$tmp/all" >"$tmp/cc" || true
args=()
while IFS= read -r a; do [[ -z $a ]] || args+=("--to=$a"); done <"$tmp/to"
while IFS= read -r a; do [[ -z $a ]] || args+=("--cc=$a"); done <"$tmp/cc"
((${#args[@]})) || die "get_maintainer.pl named nobody"
g format-patch -q --cover-letter --thread=shallow "${args[@]}" -o "$outdir/kernel" base..HEAD
cp "$tmp/to" "$outdir/kernel/to.txt"
cp "$tmp/cc" "$outdir/kernel/cc.txt"

# Cover letter: subject, text, and the table of measured verdicts.
# shellcheck source-path=SCRIPTDIR
source "$repo/scripts/lib/upstream-cover.sh"
upstream_cover "$outdir/kernel"/0000-cover-letter.patch

# checkpatch --strict on every patch, and git am on a clean base.
: >"$outdir/checkpatch.txt"
bad=0
for p in "$outdir"/kernel/0*.patch; do
	[[ $p == */0000-* ]] && continue
	# Its SPDX check runs python3 with ply: the system's, not another one.
	{ echo "== ${p##*/}"; PATH=/usr/bin:$PATH "$wt/scripts/checkpatch.pl" --strict --terse --show-types "$p" || true; } >>"$outdir/checkpatch.txt" 2>&1
done
# Fixes: ids need a mainline history, which the tarball tree lacks: that
# report (UNKNOWN_COMMIT_ID) is the only one allowed.
if grep -E ': (ERROR|WARNING|CHECK):|^Traceback' "$outdir/checkpatch.txt" | grep -v ':UNKNOWN_COMMIT_ID:'; then
	bad=1
	log "checkpatch --strict: reports above"
fi
g checkout -q --detach base
mapfile -t series < <(find "$outdir/kernel" -name '0*.patch' ! -name '0000-*' | sort)
g am -q --no-3way "${series[@]}" >"$outdir/am.txt" 2>&1 || die "git am on base failed: $outdir/am.txt"
echo "git am of ${#series[@]} patches on a clean base: ok" >>"$outdir/am.txt"

# liburing: its 2.15 release tarball as a one-commit tree, plus the test.
# shellcheck source-path=SCRIPTDIR
source "$repo/scripts/lib/upstream-liburing.sh"
upstream_liburing "$tmp/liburing" "$outdir/liburing" || bad=1

if ((build)); then
	# shellcheck source-path=SCRIPTDIR
	source "$repo/scripts/lib/upstream-build.sh"
	upstream_build "$wt" "$outdir/build.txt" "$outdir/run/ksft" || bad=1
fi
if ((vm)); then
	# shellcheck source-path=SCRIPTDIR
	source "$repo/scripts/lib/upstream-vm.sh"
	upstream_vm "$outdir" || bad=1
fi
log "series in $outdir"
((bad == 0)) || die "checks failed, see $outdir"
echo "$outdir"
