# shellcheck shell=bash
# The peer suites, fetched and built once, out of tree, under
# $FIXBUF_CACHE/peer (never in the repository):
#   src/        Debian source packages (apt_private_source), unpacked
#   build/NAME  one finished build each, moved into place when complete:
#     liburing-VER   liburing's test/ (its own runtests.sh, *.t, static lib)
#     fio-VER        fio with the libaio engine (ublk's tests run fio)
#     selftests-KVER-COMMIT  a kselftest install tree: run_kselftest.sh,
#                    kselftest/, net/ (io_uring_zerocopy_tx{,.sh},
#                    msg_zerocopy) and ublk/ (kublk, test_*.sh)
# A library: source it from a script running set -euo pipefail, with
# scripts/lib/apt-private.sh sourced first.

PEER_DIR=$FIXBUF_CACHE/peer
# Debian suites the sources come from: liburing from sid (2.15 there; the
# kernel's selftests and bookworm's 2.3 are too old for each other), fio and
# libaio from the system's own suite.
PEER_LIBURING_SUITE=${PEER_LIBURING_SUITE:-sid}
PEER_FIO_SUITE=${PEER_FIO_SUITE:-bookworm}

# peer_stage NAME: PEER_STAGE, a fresh directory to build NAME in, next to
# its final place (the move is then a rename). peer_done NAME moves it in.
peer_stage() {
	mkdir -p "$PEER_DIR/build"
	PEER_STAGE=$(mktemp -d "$PEER_DIR/build/.$1.XXXXXX")
}
peer_done() {
	mv "$PEER_STAGE/$1" "$PEER_DIR/build/$1"
	rm -rf -- "${PEER_STAGE:?}"
}

# peer_begin NAME WHAT SRC [DIR=SRC...]: status 1 when NAME is built
# already; else it says so, stages NAME and copies SRC in as NAME (and each
# further SRC as DIR beside it), with an empty build log.
peer_begin() {
	local a
	[[ ! -d $PEER_DIR/build/$1 ]] || return 1
	echo "peer: building $1 ($2)" >&2
	peer_stage "$1"
	cp -a "$3" "$PEER_STAGE/$1"
	for a in "${@:4}"; do cp -a "${a#*=}" "$PEER_STAGE/${a%%=*}"; done
	: >"$PEER_DIR/build/$1.log"
}

# peer_log NAME CMD...: CMD's output into NAME's build log, shown on failure.
peer_log() {
	local log=$PEER_DIR/build/$1.log
	shift
	if ! "$@" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		echo "peer: build step failed: $* (log: $log)" >&2
		return 1
	fi
}

# peer_build_liburing: prints the build's test directory.
peer_build_liburing() {
	local src name
	src=$(apt_private_source "$PEER_LIBURING_SUITE" "$PEER_DIR/src" liburing)
	name=${src##*/}
	if peer_begin "$name" "library and test/" "$src"; then
		(
			cd "$PEER_STAGE/$name" || exit
			peer_log "$name" ./configure
			peer_log "$name" make -j"$(nproc)" -C src
			peer_log "$name" make -j"$(nproc)" -C test
		)
		peer_done "$name"
	fi
	echo "$PEER_DIR/build/$name/test"
}

# peer_build_fio: prints the fio binary (libaio linked in statically, so the
# guest needs no libaio-dev; the host's libc and zlib only).
peer_build_fio() {
	local src aio name
	src=$(apt_private_source "$PEER_FIO_SUITE" "$PEER_DIR/src" fio)
	aio=$(apt_private_source "$PEER_FIO_SUITE" "$PEER_DIR/src" libaio)
	name=${src##*/}
	if peer_begin "$name" "with ${aio##*/}" "$src" libaio="$aio"; then
		(
			cd "$PEER_STAGE" || exit
			peer_log "$name" make -C libaio/src libaio.a
			cd "$name" || exit
			LDFLAGS="-L$PEER_STAGE/libaio/src" peer_log "$name" ./configure --disable-native \
				--extra-cflags="-I$PEER_STAGE/libaio/src"
			grep -qx 'CONFIG_LIBAIO=y' config-host.mak || {
				echo "peer: fio configured without libaio" >&2
				exit 1
			}
			peer_log "$name" make -j"$(nproc)"
		)
		peer_done "$name"
	fi
	echo "$PEER_DIR/build/$name/fio"
}

# The selftests this suite runs, as paths under tools/testing/selftests.
PEER_KSFT_FILES=(
	run_kselftest.sh kselftest
	net/io_uring_zerocopy_tx.c net/io_uring_zerocopy_tx.sh net/msg_zerocopy.c net/settings
	ublk
)

# peer_build_selftests TREE REF LIBURING_TEST_DIR: a kselftest install tree
# built from git ref REF of the kernel tree TREE (read with git archive, never
# its work tree, which other jobs switch between branches). Its UAPI headers
# go through the tree's own headers_install.sh; kublk links the liburing
# just built (the system's 2.3 is too old). Prints the install tree.
peer_build_selftests() {
	local tree=$1 ref=$2 lu=$3 commit kver name ksft f paths=()
	commit=$(git -C "$tree" rev-parse --short=12 "$ref^{commit}")
	kver=$(git -C "$tree" show "$ref:Makefile" | awk -F' = ' '
		$1 == "VERSION" {v = $2} $1 == "PATCHLEVEL" {p = $2} $1 == "SUBLEVEL" {s = $2}
		END {print v "." p "." s}')
	name=selftests-$kver-$commit
	if [[ ! -d $PEER_DIR/build/$name ]]; then
		echo "peer: building $name (net io_uring zerocopy, ublk)" >&2
		peer_stage "$name"
		ksft=tools/testing/selftests
		for f in "${PEER_KSFT_FILES[@]}"; do paths+=("$ksft/$f"); done
		mkdir "$PEER_STAGE/tree" "$PEER_STAGE/$name"
		git -C "$tree" archive "$ref" include/uapi arch/x86/include/uapi tools/include/io_uring \
			scripts/headers_install.sh scripts/unifdef.c "$ksft/kselftest.h" "${paths[@]}" |
			tar -x -C "$PEER_STAGE/tree"
		: >"$PEER_DIR/build/$name.log"
		(
			cd "$PEER_STAGE/tree" || exit
			peer_log "$name" gcc -O2 -o scripts/unifdef scripts/unifdef.c
			# headers_install: include/uapi and the arch's uapi/asm.
			local h out
			while read -r h; do
				case $h in
				include/uapi/*) out=usr/include/${h#include/uapi/} ;;
				*) out=usr/include/asm/${h##*/} ;;
				esac
				mkdir -p "${out%/*}"
				peer_log "$name" scripts/headers_install.sh "$h" "$out"
			done < <(find include/uapi arch/x86/include/uapi -name '*.h' | sort)
			cp -r tools/include/io_uring usr/include/io_uring
			cd "$ksft" || exit
			local cflags=(-O2 -Wall -D_GNU_SOURCE= -I"$PEER_STAGE/tree/usr/include")
			peer_log "$name" gcc "${cflags[@]}" -I. -o net/io_uring_zerocopy_tx net/io_uring_zerocopy_tx.c
			peer_log "$name" gcc "${cflags[@]}" -I. -o net/msg_zerocopy net/msg_zerocopy.c
			# kublk as its Makefile builds it: every .c but the standalone
			# utilities, -O3, liburing; metadata_size on its own.
			local srcs=()
			for f in ublk/*.c; do [[ $f == ublk/metadata_size.c ]] || srcs+=("$f"); done
			peer_log "$name" gcc -O3 -Wl,-no-as-needed -Wall -D_GNU_SOURCE= -I"$PEER_STAGE/tree/usr/include" \
				-I"$lu/../src/include" -Iublk -I. -o ublk/kublk "${srcs[@]}" \
				"$lu/../src/liburing.a" -lpthread -lm
			peer_log "$name" gcc -O3 -Wall -D_GNU_SOURCE= -I"$PEER_STAGE/tree/usr/include" -I. \
				-o ublk/metadata_size ublk/metadata_size.c
			rm -f net/*.c ublk/*.c ublk/*.h
			# The runner's list: every runnable test of the two collections.
			{
				echo net:io_uring_zerocopy_tx.sh
				for f in ublk/test_*.sh; do [[ $f == ublk/test_common.sh ]] || echo "ublk:${f#ublk/}"; done
			} >kselftest-list.txt
			cp -a . "$PEER_STAGE/$name/"
		)
		peer_done "$name"
	fi
	echo "$PEER_DIR/build/$name"
}
