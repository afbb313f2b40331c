#!/usr/bin/env bash
set -euo pipefail
# fetch-kernel.sh [SPEC] -> prints the path of a bootable kernel on stdout.
#   debian                  the current amd64 kernel of $FIXBUF_KERNEL_SUITE (sid)
#   debian:VERSION          that version in $FIXBUF_KERNEL_SUITE
#   debian:SUITE/VERSION    that version in any suite: bookworm/6.1,
#                           trixie/6.12, trixie-backports/7.3.4, experimental/7.3
#   debian:SUITE            the newest kernel of SUITE
#   PATH                    a bzImage or a built kernel tree, passed through
# VERSION is a series (7.3: its newest release in the suite), a release
# (7.3.4) or a package version (7.3.4-1~bpo13+1). Both package layouts:
# linux-image-ABI (up to 6.18: image and modules in one package) and
# linux-binary/linux-modules/linux-base-ABI (later). Packages are downloaded
# through the private apt configuration and unpacked, never installed.
# Debian's modules ship compressed: they are decompressed and depmod'ed once
# here, because decompressing them in a TCG guest is very slow. The result is
# ROOT/usr/lib/modules/KVER/{vmlinuz,modules.dep,...} (ROOT/boot/vmlinuz-KVER
# and modules=none in fetch-info where the archive lost the modules), in a
# cache directory without '~' (virtme-ng refuses it in a mount path).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib/apt-private.sh"

spec=${1:-${KERNEL:-debian}}
kroot=$FIXBUF_CACHE/kernels
log() { echo "fetch-kernel: $*" >&2; }

if [[ $spec != debian && $spec != debian:* ]]; then
	if [[ -f $spec ]]; then realpath "$spec"; exit 0; fi
	if [[ -f $spec/arch/x86/boot/bzImage ]]; then realpath "$spec"; exit 0; fi
	log "no kernel at '$spec' (want debian, debian:[SUITE/]VERSION, a bzImage or a built tree)"
	exit 2
fi
want=${spec#debian}
want=${want#:}
suite=${FIXBUF_KERNEL_SUITE:-sid}
if [[ $want == */* ]]; then
	suite=${want%%/*} want=${want#*/}
elif [[ -n $want && $want != [0-9]* ]]; then
	suite=$want want=''
fi
[[ $suite =~ ^[a-z]+(-[a-z]+)?$ ]] || { log "bad suite '$suite' in '$spec'"; exit 2; }
[[ -z $want || $want =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || { log "bad version '$want' in '$spec'"; exit 2; }
safe() { echo "${1//\~/_}"; }

# The current kernel of a suite is fetched once; FIXBUF_REFRESH=1 looks again.
# A version is looked up in the cache first, as package version, release or series.
cur=$kroot/$suite-current
if [[ -z $want && ${FIXBUF_REFRESH:-0} != 1 && -e $cur/ready ]]; then
	cat "$cur/ready"
	exit 0
fi
if [[ -n $want && ${FIXBUF_REFRESH:-0} != 1 ]]; then
	w=$(safe "$want")
	for d in "$kroot/$suite-$w" "$kroot/$suite-$w"-* "$kroot/$suite-$w".*; do
		[[ -e $d/ready ]] && { cat "$d/ready"; exit 0; }
	done
fi

# One fetch at a time: parallel VM runs share the cache.
mkdir -p "$kroot"
exec 9>"$kroot/.lock"
flock 9
t0=$(date +%s%3N)
apt_private_update "$suite"
# Every amd64 kernel package of the suite (no cloud/rt flavours, no -dbg or
# -unsigned): name version, newest matching version wins.
best='' bestname=''
while read -r name; do
	while IFS='|' read -r _ v _; do
		v=${v// /}
		if [[ -n $want && $v != "$want" && $v != "$want"[-.+~]* ]]; then continue; fi
		if [[ -z $best ]] || dpkg --compare-versions "$v" gt "$best"; then best=$v bestname=$name; fi
	done < <(apt_private "$suite" apt-cache madison "$name")
done < <(apt_private "$suite" apt-cache search --names-only '^linux-(image|binary)-[0-9].*-amd64$' |
	awk '$1 !~ /-(cloud|rt)-amd64$/ {print $1}' | sort -V)
[[ -n $best ]] || { log "no amd64 kernel ${want:-at all} in $suite's index"; exit 1; }
abi=${bestname#linux-*-}
ver=$best
# New layout when a linux-binary package of that version exists; then
# linux-image-ABI is only a metapackage. The archive has dropped the
# modules (and base) packages of some (trixie-backports 6.19-7.1): such a
# kernel is fetched alone, modules=none, and vm-run.sh boots it over virtiofs.
has() { apt_private "$suite" apt-cache madison "$1" 2>/dev/null | grep -qF "| $ver |"; }
if has "linux-binary-$abi"; then
	pkgs=("linux-binary-$abi=$ver")
	! has "linux-modules-$abi" || pkgs+=("linux-modules-$abi=$ver" "linux-base-$abi=$ver")
else
	pkgs=("linux-image-$abi=$ver")
fi
dir=$kroot/$suite-$(safe "$ver")
if [[ ! -e $dir/ready ]]; then
	rm -rf "$dir.tmp"
	apt_private_download "$suite" "$dir.tmp/debs" "${pkgs[@]}"
	t1=$(date +%s%3N)
	for deb in "$dir.tmp"/debs/*.deb; do dpkg -x "$deb" "$dir.tmp/root"; done
	# The old layout has lib/modules/KVER and boot/vmlinuz-KVER (and maybe
	# a usrmerged usr/lib/modules): bring it to the new one.
	r=$dir.tmp/root
	if [[ -d $r/lib/modules && ! -L $r/lib ]]; then
		mkdir -p "$r/usr/lib/modules"
		for m in "$r"/lib/modules/*; do mv -T "$m" "$r/usr/lib/modules/$(basename "$m")"; done
		rmdir "$r/lib/modules"
	fi
	mods=$(find "$r/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n1 || true)
	if [[ -n $mods ]]; then
		kver=$(basename "$mods")
	else
		kver=$(find "$r/boot" -name 'vmlinuz-*' -printf '%f\n' 2>/dev/null | head -n1 || true)
		kver=${kver#vmlinuz-}
		[[ -n $kver ]] || { log "$ver: no kernel image in ${pkgs[*]}"; exit 1; }
	fi
	kimg=$r/usr/lib/modules/$kver/vmlinuz
	[[ -n $mods ]] || kimg=$r/boot/vmlinuz-$kver
	if [[ ! -f $kimg ]]; then
		[[ -f $r/boot/vmlinuz-$kver ]] || { log "$ver: no vmlinuz in ${pkgs[*]}"; exit 1; }
		mv "$r/boot/vmlinuz-$kver" "$kimg"
	fi
	find "$r" -name '*.ko.xz' -print0 | xargs -0 -r -P "$(nproc)" -n 64 unxz
	find "$r" -name '*.ko.zst' -print0 | xargs -0 -r -P "$(nproc)" -n 64 unzstd -q --rm
	# depmod -b wants BASE/lib/modules.
	[[ -z $mods ]] || depmod -b "$r/usr" "$kver"
	t2=$(date +%s%3N)
	rm -rf "$dir.tmp/debs"
	{
		printf 'download_s=%d.%03d\nunpack_depmod_s=%d.%03d\n' $(((t1 - t0) / 1000)) $(((t1 - t0) % 1000)) \
			$(((t2 - t1) / 1000)) $(((t2 - t1) % 1000))
		echo "suite=$suite"
		echo "packages=${pkgs[*]}"
		echo "release=$kver"
		[[ -n $mods ]] || echo modules=none
	} >"$dir.tmp/fetch-info"
	echo "$dir${kimg#"$dir.tmp"}" >"$dir.tmp/ready"
	mv -T "$dir.tmp" "$dir"
	log "$suite $ver: $(grep _s= "$dir/fetch-info" | tr '\n' ' ')"
fi
[[ -n $want ]] || ln -sfn "$(basename "$dir")" "$cur"
cat "$dir/ready"
