# shellcheck shell=bash disable=SC2154 # repo, name, email, sob: set by scripts/upstream.sh
# The liburing form of the upstream test: test/fixed-buf-order.c added to
# liburing 2.15's release tarball (the one the peer suites fetch, Debian's
# orig tarball), as git format-patch, then built in that tree with its own
# Makefiles. A library for scripts/upstream.sh (set -euo pipefail).

# upstream_liburing WORKDIR OUTDIR
upstream_liburing() {
	local w=$1 o=$2 srcdir tarball
	# shellcheck source-path=SCRIPTDIR/..
	source "$repo/scripts/lib/apt-private.sh"
	# shellcheck source-path=SCRIPTDIR/..
	source "$repo/scripts/lib/peer-build.sh"
	srcdir=$(apt_private_source "$PEER_LIBURING_SUITE" "$PEER_DIR/src" liburing)
	tarball=$(find "${srcdir%/*}" -maxdepth 1 -name 'liburing_*.orig.tar.gz' | sort -V | tail -n1)
	[[ -n $tarball ]] || { echo "upstream: no liburing orig tarball" >&2; return 1; }
	mkdir -p "$w"
	tar -xzf "$tarball" -C "$w" --strip-components=1
	git -C "$w" init -q
	lg() { git -C "$w" -c user.name="$name" -c user.email="$email" "$@"; }
	lg add -A -f
	lg commit -q -m "liburing ${tarball##*_}"
	upstream_test_source liburing >"$w/test/fixed-buf-order.c"
	sed -i 's/^\tfixed-buf-merge\.c \\$/&\n\tfixed-buf-order.c \\/' "$w/test/Makefile"
	grep -q 'fixed-buf-order\.c' "$w/test/Makefile" || { echo "upstream: liburing test/Makefile changed" >&2; return 1; }
	lg add -A -f
	{ cat "$UPSTREAM_SRC/liburing/commit-msg"; echo; echo "$sob"; } | lg commit -q -F -
	lg format-patch -q --subject-prefix='PATCH liburing' -o "$o" HEAD~1
	# Built as liburing builds its tests: the library, then this test.
	(cd "$w" && ./configure >/dev/null && make -s -j"$(nproc)" -C src >/dev/null &&
		make -s -C test fixed-buf-order.t) >"$o/build.txt" 2>&1 ||
		{ tail -n 20 "$o/build.txt" >&2; echo "upstream: liburing build failed" >&2; return 1; }
	cp "$w/test/fixed-buf-order.t" "$o/"
	# For the VM (upstream-guest.sh): the test with liburing's runner.
	mkdir -p "$o/../run/liburing"
	cp "$w/test/runtests.sh" "$w/test/fixed-buf-order.t" "$o/../run/liburing/"
	echo "liburing: test/fixed-buf-order.t built in its own tree" >>"$o/build.txt"
}
