#!/usr/bin/env bash
set -euo pipefail
# build-kernel.sh [--src TREE] [-j N] VARIANT -> prints the bzImage path.
#   stock          Debian's linux-source-$FIXBUF_BASE as shipped (branch "base")
#   patched        stock + patches/fixes (git am)
#   (every variant of the default tree also gets patches/debug/, test-only hooks)
#   patched-N      stock + the first N fix patches (each must build alone)
#   mutant-NAME    patched + patches/mutants/NAME.patch
#   all            stock, patched and every mutant
# FIXBUF_BASE: the Debian source series, 7.3 (default, trixie-backports) or
# 7.2 (sid); each has its own tree, build directory and outputs.
# --src TREE builds TREE as checked out (no branches touched; for bisect.sh);
# VARIANT is then only the output name. Config: tinyconfig + configs/kernel.config.
# Output: $FIXBUF_CACHE/kernels/build-BASE/VARIANT/{bzImage,config,build-info}
# (with --src: kernels/TREE-HASH/VARIANT/...).

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${FIXBUF_CACHE:-/var/cache/fixbuf-order}
base=${FIXBUF_BASE:-7.3}
[[ $base =~ ^[0-9]+\.[0-9]+$ ]] || { echo "build-kernel: FIXBUF_BASE must be a series like 7.3" >&2; exit 2; }
frag=$repo/configs/kernel.config
jobs=$(nproc)
src=''
log() { echo "build-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

usage() {
	echo "usage: scripts/build-kernel.sh [--src TREE] [-j N] stock|patched|patched-N|mutant-NAME|all" >&2
	local m
	m=$(find "$repo/patches/mutants" -name '*.patch' -printf '%f\n' 2>/dev/null | sed 's/\.patch$//' | sort | paste -sd ' ')
	echo "  mutants: ${m:-none}" >&2
}
bad() { log "$*"; usage; exit 2; }

while (($#)); do
	case $1 in
	--src) (($# >= 2)) || bad "--src needs a tree"; src=$(realpath -m -- "$2"); shift 2 ;;
	-j) (($# >= 2)) || bad "-j needs a number"; jobs=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) bad "unknown option $1" ;;
	*) break ;;
	esac
done
(($# == 1)) || bad "one variant, not $#"
variant=$1
# Bad input first: no package installed, no lock taken, no tree touched.
[[ $jobs =~ ^[1-9][0-9]*$ ]] || bad "-j wants a number of jobs, not '$jobs'"
[[ $variant =~ ^[A-Za-z0-9._-]+$ ]] || bad "bad variant name '$variant'"
if [[ -z $src ]]; then
	nfix=$(find "$repo/patches/fixes" -name '0*.patch' ! -name '0000-*' 2>/dev/null | wc -l)
	case $variant in
	stock | patched | all) ;;
	patched-[0-9]*)
		n=${variant#patched-}
		if [[ ! $n =~ ^[0-9]+$ ]] || ((10#$n == 0 || 10#$n > nfix)); then
			bad "'$variant': patches/fixes has $nfix patches (patched-1 to patched-$nfix)"
		fi
		;;
	mutant-*) [[ -f $repo/patches/mutants/${variant#mutant-}.patch ]] || bad "unknown mutant '${variant#mutant-}'" ;;
	*) bad "unknown variant '$variant'" ;;
	esac
elif [[ ! -f $src/Makefile || ! -f $src/scripts/kconfig/merge_config.sh ]]; then
	bad "$src: not a kernel tree"
fi
if [[ -n $src && $variant =~ ^(all|stock|patched|patched-[0-9]+|mutant-.*)$ ]]; then
	bad "'$variant' names a variant of the default tree; pick another name for --src"
fi
# Its own tools (ccache, flex, ...): run alone on a fresh machine it used to
# stop at "ccache: command not found". stdout is the bzImage path only.
"$repo/scripts/install-deps.sh" --kernel >&2

if [[ $variant == all ]]; then
	[[ -z $src ]] || die "'all' needs the default source"
	vs=(stock patched)
	for m in "$repo"/patches/mutants/*.patch; do
		[[ -e $m ]] && vs+=("mutant-$(basename "$m" .patch)")
	done
	for v in "${vs[@]}"; do "$0" -j "$jobs" "$v" >/dev/null; done
	exit 0
fi
[[ $variant =~ ^[A-Za-z0-9._-]+$ ]] || die "bad variant name '$variant'"
if [[ -n $src && $variant =~ ^(stock|patched|patched-[0-9]+|mutant-.*)$ ]]; then
	die "'$variant' names a variant of the default tree; pick another name for --src"
fi

# Default source: Debian's linux-source-$base, unpacked once into a git repo.
# The newest package of that series in any suite that carries it: 7.3 is in
# trixie-backports, 7.2 in sid (and trixie-backports, older).
unpack_debian() {
	local dst=$1 tarball=$cache/deb/usr/src/linux-source-$base.tar.xz deb='' s v best=''
	if [[ ! -f $tarball ]]; then
		# shellcheck source-path=SCRIPTDIR/..
		source "$repo/scripts/lib/apt-private.sh"
		for s in sid trixie-backports experimental; do
			apt_private_update "$s"
			v=$(apt_private "$s" apt-cache show --no-all-versions "linux-source-$base" 2>/dev/null |
				awk '/^Version:/ {print $2; exit}' || true)
			[[ -n $v ]] || continue
			if [[ -z $best ]] || dpkg --compare-versions "$v" gt "${best#*=}"; then best=$s=$v; fi
		done
		[[ -n $best ]] || die "no linux-source-$base in sid, trixie-backports or experimental"
		apt_private_download "${best%%=*}" "$cache/debs" "linux-source-$base=${best#*=}"
		deb=$(find "$cache/debs" -name "linux-source-${base}_*_all.deb" | sort -V | tail -n1)
		dpkg -x "$deb" "$cache/deb"
	fi
	log "unpacking $tarball into $dst"
	rm -rf "$dst.tmp"
	mkdir -p "$dst.tmp"
	tar -xJf "$tarball" -C "$dst.tmp" --strip-components=1
	git -C "$dst.tmp" init -q -b base
	git -C "$dst.tmp" config user.name "fixbuf-order maintainers"
	git -C "$dst.tmp" config user.email maintainers@users.noreply.r-seed-26a5ead6.example
	git -C "$dst.tmp" add -A -f
	git -C "$dst.tmp" commit -q -m "base: Debian linux-source-$base $(make -s -C "$dst.tmp" kernelversion)"
	mv -T "$dst.tmp" "$dst"
}

# Check out VARIANT in the default tree: a fresh branch each time, so edited
# patches are always picked up; unchanged files keep their mtimes. Every
# variant, stock included, carries patches/debug/ last: test-only hooks
# (error injection on blk_mq_alloc_request) that change no behaviour.
checkout_variant() {
	local v=$1 n=0 p=''
	local -a fixes debug
	mapfile -t fixes < <(find "$repo/patches/fixes" -name '0*.patch' ! -name '0000-*' 2>/dev/null | sort)
	mapfile -t debug < <(find "$repo/patches/debug" -name '*.patch' 2>/dev/null | sort)
	g() { git -C "$src" "$@"; }
	g am --abort >/dev/null 2>&1 || true
	g checkout -q -f base
	case $v in
	stock) ;;
	patched) n=${#fixes[@]} ;;
	patched-[0-9]*) n=${v#patched-} ;;
	mutant-*)
		p=$repo/patches/mutants/${v#mutant-}.patch
		[[ -f $p ]] || die "no $p"
		n=${#fixes[@]}
		;;
	*) die "unknown variant '$v'" ;;
	esac
	[[ $v == stock ]] || ((n > 0 && n <= ${#fixes[@]})) || die "no fix patches for '$v'"
	g checkout -q -B "$v" base
	((n == 0)) || g am -q --no-3way "${fixes[@]:0:n}" || die "fix patches do not apply"
	[[ -z $p ]] || g am -q --no-3way "$p" || die "$p does not apply"
	((${#debug[@]} == 0)) || g am -q --no-3way "${debug[@]}" || die "patches/debug do not apply"
}

if [[ -z $src ]]; then
	src=$cache/src/debian-$base
	[[ -d $src/.git ]] || unpack_debian "$src"
	kb=$cache/kbuild/debian-$base
	out=$cache/kernels/build-$base/$variant
else
	[[ -f $src/Makefile && -f $src/scripts/kconfig/merge_config.sh ]] || die "$src: not a kernel tree"
	kb=$cache/kbuild/$(basename "$src")-$(realpath "$src" | md5sum | cut -c1-8)
	out=$cache/kernels/$(basename "$kb")/$variant
fi
mkdir -p "$kb" "$cache/kernels"
# One build directory per tree, shared by all variants: one build at a time.
exec 9>"$kb.lock"
flock 9
[[ $src != "$cache/src/debian-$base" ]] || checkout_variant "$variant"

export PATH=/usr/lib/ccache:$PATH CCACHE_DIR=${CCACHE_DIR:-$cache/ccache}
export KBUILD_BUILD_USER=fixbuf KBUILD_BUILD_HOST=fixbuf-order
ccache -M 10G >/dev/null
mk() { make -s -C "$src" ARCH=x86_64 "$@"; }

# Config in a scratch dir; copied into the build dir only when it changed.
cfg=$kb.cfg
mkdir -p "$cfg"
mk O="$cfg" tinyconfig >/dev/null
"$src"/scripts/kconfig/merge_config.sh -m -O "$cfg" "$cfg/.config" "$frag" >/dev/null
mk O="$cfg" olddefconfig >/dev/null
missing=()
while IFS= read -r line; do
	sym=${line%%=*}
	grep -qxF -- "$line" "$cfg/.config" && continue
	# A user's tree may predate a symbol: only warn for those.
	if grep -rqsE --include='Kconfig*' "^[[:space:]]*(menu)?config ${sym#CONFIG_}[[:space:]]*$" "$src"; then
		missing+=("$line")
	else
		log "warning: $sym does not exist in $src"
	fi
done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$frag")
((${#missing[@]} == 0)) || die "config lines lost by olddefconfig: ${missing[*]}"
cmp -s "$cfg/.config" "$kb/.config" || cp "$cfg/.config" "$kb/.config"

t0=$SECONDS
log "$variant: make -j$jobs bzImage in $kb"
mk O="$kb" -j"$jobs" bzImage || die "$variant: build failed"
secs=$((SECONDS - t0))
mkdir -p "$out"
cp "$kb/arch/x86/boot/bzImage" "$out/bzImage"
cp "$kb/.config" "$out/config"
{
	echo "variant=$variant"
	echo "src=$src"
	echo "commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo none)"
	echo "build_seconds=$secs"
} >"$out/build-info"
log "$variant: built in $((secs / 60))m$((secs % 60))s -> $out/bzImage"
echo "$out/bzImage"
