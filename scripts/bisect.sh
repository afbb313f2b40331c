#!/usr/bin/env bash
set -euo pipefail
# git bisect run helper: build the checked-out kernel, run the suite on it
# in the VM, tell git bisect good/bad/skip.
#   cd ~/linux && git bisect start BAD GOOD
#   git bisect run /path/to/fixbuf-order/scripts/bisect.sh T='send_zc*'
# Arguments (or environment): T=GLOB (required), SRC=TREE (default: the
# git tree in the current directory), VM_FAIL=skip|bad (a guest that
# panics, hangs or does not boot; default skip), VM_TIMEOUT=SECONDS.
# The tree must be clean (make mrproper): it is built out of tree, under
# $FIXBUF_CACHE/kbuild/, one build directory per tree (incremental steps).
# Exit: 0 good (selected cases pass), 1 bad (a case fails), 125 skip
# (build error, everything skipped, VM failure), 255 stops the bisection
# (bad arguments or bad test input).

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR/..
source "$repo/harness/lib/args.sh"
args_export bisect 'T SRC VM_FAIL VM_TIMEOUT' "$@" || exit 255
[[ -n ${T:-} ]] || { echo "bisect: T=GLOB is required" >&2; exit 255; }
src=${SRC:-$(git rev-parse --show-toplevel)}
rev=$(git -C "$src" rev-parse --short=12 HEAD)
log() { echo "bisect: $rev: $*" >&2; }

if ! kimg=$("$repo/scripts/build-kernel.sh" --src "$src" "bisect-$rev"); then
	log "build failed: skip"
	exit 125
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
"$repo/scripts/vm-run.sh" KERNEL="$kimg" T="$T" 2>"$out" || rc=$?
cat "$out" >&2
if grep -q '^vm-run: FAILED:' "$out"; then
	log "VM failure: ${VM_FAIL:-skip}"
	[[ ${VM_FAIL:-skip} == bad ]] && exit 1
	exit 125
fi
case $rc in
0) log good; exit 0 ;;
1) log bad; exit 1 ;;
4) log "all selected cases skipped: skip"; exit 125 ;;
2) log "the harness rejected its input: stopping"; exit 255 ;;
*) log "unexpected exit $rc: skip"; exit 125 ;;
esac
