#!/usr/bin/env bash
set -euo pipefail
# The project's own checks (make check): -Werror build, shellcheck on every
# bash file, the harness's own tests, then the suite on the running kernel
# with the known upstream gaps as expected failures, then the same inside a
# VM on Debian's current kernel (nvme-loop, scsi_debug available), and on the
# suite's own build of the default series (7.3) with the fix series applied
# (must pass everything).

cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

step "build (-Wall -Wextra -Werror)"
make -s -C tests clean
make -s -C tests

step "shellcheck"
mapfile -t scripts < <(git ls-files --cached --others --exclude-standard | while read -r f; do
	case $f in
	*.sh | .ci/run) echo "$f" ;;
	*) [[ -f $f ]] && head -c 64 "$f" | grep -q '^#!.*bash' && echo "$f" ;;
	esac
done)
shellcheck -x -S style "${scripts[@]}"
echo "${#scripts[@]} bash files clean"

step "harness self-tests"
harness/selftest/run

step "make history judges its cells as configs/known-issues says (no VM)"
scripts/history-test.sh

step "make matrix compares its cells and sums its table up (no VM)"
scripts/matrix-test.sh

step "fetch-kernel picks its packages from recorded apt-cache madison tables (no network)"
scripts/fetch-kernel-test.sh

step "bad input fails fast and clean; make help (one apt index fetch for a bad suite)"
scripts/usage-test.sh

step "every program measured: configs/expected-matrix names its cases; the fixed-buffer table is sound"
scripts/expect-lint.sh
# ... and a program without a line fails it, named.
if EXPECT_MATRIX=<(grep -v "^mutant-rw" configs/expected-matrix) scripts/expect-lint.sh >/dev/null; then
	echo "expect-lint let a program without lines pass" >&2
	exit 1
fi
scripts/audit-sites.sh --table

step "docs: README.md a guide (under 300 lines, both commands in its first 40); every link resolves"
if (($(wc -l <README.md) >= 300)) || ! head -40 README.md | grep -q 'make run' ||
	! head -40 README.md | grep -q 'make check'; then
	echo "README.md: over 299 lines, or make run / make check not in its first 40: the reference goes in docs/" >&2
	exit 1
fi
scripts/doc-links.sh
# ... and a stale one fails it (a heading that is gone).
scripts/doc-links.sh <(echo "[x]($PWD/README.md#the-two-commands)") >/dev/null
if scripts/doc-links.sh <(echo "[x]($PWD/README.md#no-such-heading)") >/dev/null 2>&1; then
	echo "doc-links let a link to a missing heading pass" >&2
	exit 1
fi

step "make peer compares its kernels and tables them as recorded (no VM)"
scripts/peer-test.sh

step "suite on $(uname -r) with expectations"
harness/run EXPECT=configs/known-issues

# Debian's prebuilt kernel of the default series (trixie-backports 7.3).
debian=${FIXBUF_DEBIAN_KERNEL:-debian:trixie-backports/7.3}
step "VM gate: suite in Debian's kernel ($debian) with expectations"
scripts/vm-run.sh KERNEL="$debian" EXPECT=configs/known-issues

# The fix series must make a kernel pass everything, raw verdicts. On a
# fresh machine this builds 7.3 once (about 25 min on 2 cores, ccache and
# the build directory are kept outside the repo); afterwards it is a
# rebuild of the touched files. Mutants run in `make matrix` only.
step "VM gate: patched 7.3 (patches/fixes) must pass every case"
scripts/install-deps.sh --kernel
scripts/vm-run.sh KERNEL="$(scripts/build-kernel.sh patched)"

# Pass, fail, timeout, Ctrl-C, SIGKILL and the next run: every fault
# attribute, configfs object, device and tracefs instance back as it was.
step "VM: every way a run ends leaves the machine as it was (patched 7.3)"
scripts/restore-vm.sh KERNEL="$(scripts/build-kernel.sh patched)"

# The same for ublk: devices, the server (threads of the case) and the
# ublk_drv module load, on Debian's kernel where ublk_drv is a module.
step "VM: no ublk device, server or module load left after any ending ($debian)"
scripts/ublk-restore-vm.sh KERNEL="$debian"

# Every call site that resolves a fixed buffer in the tree just built must
# be in configs/fixed-buffer-sites; and the audit must catch a new one.
# The build lock: another job's build-kernel.sh may be checking out a variant.
step "fixed-buffer call sites of the default kernel tree"
cache=${FIXBUF_CACHE:-/var/cache/fixbuf-order}
base=${FIXBUF_BASE:-7.3}
flock "$cache/kbuild/debian-$base.lock" scripts/audit-sites-test.sh "$cache/src/debian-$base"

# The series as upstream takes it (make upstream without the VM): git am on
# a clean 7.3 base, checkpatch --strict, each step's objects built, the
# kselftest built with the kernel's selftests Makefile and the liburing test
# inside liburing's own tree.
step "upstream: series applies, checkpatch --strict clean, builds step by step; kselftest and liburing test build in their trees"
scripts/upstream.sh --build >/dev/null
