#!/usr/bin/env bash
set -euo pipefail
# fetch-kernel.sh [SPEC] -> prints the path of a bootable kernel on stdout.
#   debian            Debian sid's current amd64 kernel (cached after the first run)
#   debian:VERSION    that package version (7.2.13-1, or 7.2.13), while sid still has it
#   PATH              a bzImage or a built kernel tree, passed through
# Debian's modules ship as .ko.xz: they are decompressed and depmod'ed once
# here, because decompressing them in a TCG guest is very slow.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib/apt-private.sh"

spec=${1:-${KERNEL:-debian}}
suite=${FIXBUF_KERNEL_SUITE:-sid}
kroot=$FIXBUF_CACHE/kernels
log() { echo "fetch-kernel: $*" >&2; }

if [[ $spec != debian && $spec != debian:* ]]; then
	if [[ -f $spec ]]; then realpath "$spec"; exit 0; fi
	if [[ -f $spec/arch/x86/boot/bzImage ]]; then realpath "$spec"; exit 0; fi
	log "no kernel at '$spec' (want debian, debian:VERSION, a bzImage or a built tree)"
	exit 1
fi
want=${spec#debian}
want=${want#:}

# The plain "debian" spec is fetched once; FIXBUF_REFRESH=1 looks for a newer one.
cur=$kroot/$suite-current
if [[ -z $want && ${FIXBUF_REFRESH:-0} != 1 && -e $cur/ready ]]; then
	cat "$cur/ready"
	exit 0
fi
if [[ -n $want ]]; then
	for d in "$kroot/$suite-$want" "$kroot/$suite-$want"-*; do
		[[ -e $d/ready ]] && { cat "$d/ready"; exit 0; }
	done
fi

# One fetch at a time: parallel VM runs share the cache.
mkdir -p "$kroot"
exec 9>"$kroot/.lock"
flock 9
t0=$(date +%s%3N)
apt_private_update "$suite"
if [[ -z $want ]]; then
	want=$(apt_private "$suite" apt-cache show --no-all-versions linux-image-amd64 |
		awk '/^Version:/ {print $2; exit}')
fi
# The real packages are linux-{binary,modules,base}-ABI-amd64 (base holds the
# config and modules.builtin); linux-image-* are metapackages. Skip cloud/rt.
pkg='' ver=''
while read -r name; do
	while IFS='|' read -r _ v _; do
		v=${v// /}
		if [[ $v == "$want" || $v == "$want"-* ]]; then pkg=$name ver=$v; fi
	done < <(apt_private "$suite" apt-cache madison "$name")
done < <(apt_private "$suite" apt-cache search --names-only '^linux-binary-[0-9].*-amd64$' |
	awk '$1 !~ /-(cloud|rt)-amd64$/ {print $1}' | sort -V)
[[ -n $pkg ]] || { log "no amd64 kernel $want in $suite's index"; exit 1; }
abi=${pkg#linux-binary-}
dir=$kroot/$suite-$ver
if [[ ! -e $dir/ready ]]; then
	rm -rf "$dir.tmp"
	apt_private_download "$suite" "$dir.tmp/debs" "$pkg=$ver" "linux-modules-$abi=$ver" \
		"linux-base-$abi=$ver"
	t1=$(date +%s%3N)
	for deb in "$dir.tmp"/debs/*.deb; do dpkg -x "$deb" "$dir.tmp/root"; done
	kver=$(basename "$(find "$dir.tmp/root/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)")
	kimg=$(find "$dir.tmp/root" -type f -name 'vmlinuz*' | head -n1)
	find "$dir.tmp/root" -name '*.ko.xz' -print0 | xargs -0 -r -P "$(nproc)" -n 64 unxz
	find "$dir.tmp/root" -name '*.ko.zst' -print0 | xargs -0 -r -P "$(nproc)" -n 64 unzstd -q --rm
	# Packages install under usr/lib/modules; depmod -b wants BASE/lib/modules.
	depmod -b "$dir.tmp/root/usr" "$kver"
	t2=$(date +%s%3N)
	rm -rf "$dir.tmp/debs"
	printf 'download_s=%d.%03d\nunpack_depmod_s=%d.%03d\n' $(((t1 - t0) / 1000)) $(((t1 - t0) % 1000)) \
		$(((t2 - t1) / 1000)) $(((t2 - t1) % 1000)) >"$dir.tmp/fetch-times"
	echo "$dir${kimg#"$dir.tmp"}" >"$dir.tmp/ready"
	mv -T "$dir.tmp" "$dir"
	log "$(tr '\n' ' ' <"$dir/fetch-times")"
fi
[[ $spec == debian ]] && ln -sfn "$(basename "$dir")" "$cur"
cat "$dir/ready"
