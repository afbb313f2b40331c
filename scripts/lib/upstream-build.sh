# shellcheck shell=bash disable=SC2154 # cache and log: set by scripts/upstream.sh
# Bisectability of the upstream series, step by step: at each commit,
# the kernel objects that commit touches, compiled in an out-of-tree
# build directory configured like the suite's kernels (tinyconfig +
# configs/kernel.config, the .config of kbuild/debian-7.3), not a whole
# bzImage: a full link per step costs minutes the objects do not need.
# Documentation commits get a docutils check of their .rst files, the
# selftest commit `make -C tools/testing/selftests TARGETS=io_uring`.
# One build at a time: the lock scripts/build-kernel.sh takes for
# kbuild/debian-7.3. A library for scripts/upstream.sh (set -euo
# pipefail; uses its cache, repo and log).

# upstream_build WORKTREE LOGFILE [INSTALL]: INSTALL gets the kselftest
# install tree (run_kselftest.sh, io_uring/) of the last commit.
upstream_build() {
	local wt=$1 logf=$2 inst=${3:-} kb=$cache/kbuild/upstream-7.3 c f objs docs rc=0
	local -a commits
	mkdir -p "$kb"
	exec 8>"$cache/kbuild/debian-7.3.lock"
	log "build: waiting for the kbuild lock"
	flock 8
	export PATH=/usr/lib/ccache:$PATH CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
	# The worktree path changes every run: hash paths relative to it.
	export CCACHE_BASEDIR=$wt
	cp "$cache/kbuild/debian-7.3/.config" "$kb/.config"
	mk() { make -s -C "$wt" O="$kb" ARCH=x86_64 -j"$(nproc)" "$@"; }
	mapfile -t commits < <(git -C "$wt" rev-list --reverse base..HEAD)
	{
		git -C "$wt" checkout -q --detach base
		mk olddefconfig && mk prepare && mk headers || return 1
		for c in "${commits[@]}"; do
			git -C "$wt" checkout -q --detach "$c"
			echo "== $(git -C "$wt" log -1 --format='%h %s')"
			objs=$(git -C "$wt" diff --name-only "$c~1" "$c" -- '*.c' ':!tools/' | sed 's/\.c$/.o/' | paste -sd ' ')
			docs=$(git -C "$wt" diff --name-only --diff-filter=A "$c~1" "$c" -- '*.rst' | paste -sd ' ')
			if [[ -n $objs ]]; then
				# shellcheck disable=SC2086 # a list of objects
				if mk $objs; then echo "built: $objs"; else echo "FAILED: $objs"; rc=1; fi
			fi
			for f in $docs; do
				if /usr/bin/python3 -m docutils --report=2 --halt=2 "$wt/$f" >/dev/null; then
					echo "docutils: $f: no warnings"
				else
					echo "FAILED: docutils $f"
					rc=1
				fi
			done
			if git -C "$wt" diff --quiet "$c~1" "$c" -- tools/testing/selftests/io_uring; then
				continue
			fi
			if make -s -C "$wt/tools/testing/selftests" O="$kb" TARGETS=io_uring; then
				echo "built: kselftest io_uring"
			else
				echo "FAILED: kselftest io_uring"
				rc=1
			fi
		done
		if [[ -n $inst ]]; then
			make -s -C "$wt/tools/testing/selftests" O="$kb" TARGETS=io_uring \
				INSTALL_PATH="$inst" install || rc=1
		fi
	} >"$logf" 2>&1
	flock -u 8
	cat "$logf" >&2
	return "$rc"
}
