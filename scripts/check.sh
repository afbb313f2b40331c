#!/usr/bin/env bash
set -euo pipefail
# The project's own checks (make check): -Werror build, shellcheck on every
# bash file, the harness's own tests, then the suite on the running kernel
# with the known upstream gaps as expected failures, then the same inside a
# VM on Debian's current kernel (ublk, nvme-loop, scsi_debug available).

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

step "suite on $(uname -r) with expectations"
harness/run EXPECT=configs/known-issues

step "VM gate: suite in Debian's current kernel with expectations"
scripts/vm-run.sh KERNEL=debian EXPECT=configs/known-issues
