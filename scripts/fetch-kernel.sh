#!/usr/bin/env bash
set -euo pipefail
# fetch-kernel.sh [SPEC] -> prints the path of a bootable kernel on stdout.
# SPEC (default: $KERNEL, else debian):
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
# Cache: $FIXBUF_CACHE (/var/cache/fixbuf-order); FIXBUF_REFRESH=1 looks in
# the archive again. Exit 2 on bad input (usage, a malformed SPEC, a suite
# the archive does not have, no such kernel in the suite), 1 on any other
# failure; a failed fetch leaves nothing half done in the cache.
# Tested offline by scripts/fetch-kernel-test.sh (which sources this file).

# madison_fields: `apt-cache madison` lines (NAME | VERSION | SOURCE, the
# columns padded) -> "NAME VERSION", split at '|' and trimmed.
madison_fields() {
	awk -F'|' 'NF >= 3 {
		for (i = 1; i <= 2; i++) gsub(/^[ \t]+|[ \t]+$/, "", $i)
		print $1, $2
	}'
}

# kernel_pick WANT < MADISON: the packages of the kernel to fetch, one
# NAME=VERSION a line, from the madison output of a suite's kernel packages.
# The kernel is the newest version of an amd64 linux-image-ABI or
# linux-binary-ABI package (no cloud or rt flavour) that matches WANT: any
# when empty, else WANT itself or WANT followed by one of - . + ~ (7.3 and
# 7.3.4 match 7.3.4-1~bpo13+1, 7.1 does not match 7.10.2-1). On a tie the
# longer ABI wins: a series metapackage (linux-image-6.12-amd64) has the
# version of the kernel it depends on. New layout when linux-binary-ABI has
# that version (linux-image-ABI is then a metapackage), with linux-modules
# and linux-base where the archive still has them. Fails when none matches.
kernel_pick() {
	local want=$1 name ver abi best='' babi=''
	local -A have=()
	while read -r name ver; do
		have[$name=$ver]=1
		[[ ! $name =~ -(cloud|rt)-amd64$ && $name =~ ^linux-(image|binary)-([0-9].*-amd64)$ ]] || continue
		abi=${BASH_REMATCH[2]}
		[[ -z $want || $ver == "$want" || $ver == "$want"[-.+~]* ]] || continue
		if [[ -z $best ]] || dpkg --compare-versions "$ver" gt "$best" ||
			[[ $ver == "$best" && ${#abi} -gt ${#babi} ]]; then
			best=$ver babi=$abi
		fi
	done < <(madison_fields)
	[[ -n $best ]] || return 1
	if [[ -z ${have[linux-binary-$babi=$best]:-} ]]; then
		echo "linux-image-$babi=$best"
		return 0
	fi
	echo "linux-binary-$babi=$best"
	[[ -z ${have[linux-modules-$babi=$best]:-} ]] ||
		printf '%s\n' "linux-modules-$babi=$best" "linux-base-$babi=$best"
}

# kernel_series < MADISON: the series of the suite's amd64 kernels, for the
# message when none matches ("6.18 6.19 7.0").
kernel_series() {
	madison_fields | awk '$1 ~ /^linux-(image|binary)-[0-9].*-amd64$/ && $1 !~ /-(cloud|rt)-amd64$/ {
		split($2, v, /[.~+-]/); print v[1] "." v[2]
	}' | sort -uV | paste -sd ' '
}

# Sourced (by the test): the functions only.
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
source "$here/lib/apt-private.sh"

log() { echo "fetch-kernel: $*" >&2; }
usage() { sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; }
# bad MESSAGE: bad input, said in one line (found before any side effect,
# or after them: then the EXIT trap below undoes them).
bad() {
	log "$*"
	exit 2
}

case ${1:-} in
-h | --help) usage; exit 0 ;;
-*) usage >&2; bad "unknown option '$1'" ;;
esac
(($# <= 1)) || { usage >&2; bad "one SPEC at most, got $#: $*"; }
spec=${1:-${KERNEL:-debian}}
kroot=$FIXBUF_CACHE/kernels

if [[ $spec != debian && $spec != debian:* ]]; then
	if [[ -f $spec ]]; then realpath "$spec"; exit 0; fi
	if [[ -f $spec/arch/x86/boot/bzImage ]]; then realpath "$spec"; exit 0; fi
	bad "no kernel at '$spec' (want debian, debian:[SUITE/]VERSION, a bzImage or a built tree; see --help)"
fi
want=${spec#debian}
want=${want#:}
suite=${FIXBUF_KERNEL_SUITE:-sid}
if [[ $want == */* ]]; then
	suite=${want%%/*} want=${want#*/}
elif [[ -n $want && $want != [0-9]* ]]; then
	suite=$want want=''
fi
[[ $suite =~ ^[a-z]+(-[a-z]+)?$ ]] || bad "bad suite '$suite' in '$spec' (see --help)"
[[ -z $want || $want =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || bad "bad version '$want' in '$spec' (see --help)"
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

# Side effects from here on. Every way out (an error, a bad suite, a signal)
# removes what this run left half done: the unpack directory, and the
# private index of a suite the archive turned out not to have.
work='' newapt=''
# shellcheck disable=SC2317 # the EXIT trap calls it
cleanup() {
	[[ -z $work ]] || rm -rf -- "$work"
	if [[ -n $newapt ]]; then
		rm -rf -- "$newapt"
		rmdir -- "${newapt%/*}" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# apt's first error line, for a message of ours.
apt_error() { sed -n 's/^E: //p' <<<"$1" | head -n1; }

# One fetch at a time: parallel VM runs share the cache (and apt its lists).
mkdir -p "$kroot"
exec 9>"$kroot/.lock"
flock 9
t0=$(date +%s%3N)
[[ -d $FIXBUF_CACHE/apt/$suite ]] || newapt=$FIXBUF_CACHE/apt/$suite
if ! out=$(apt_private_update "$suite" 2>&1); then
	if grep -q 'does not have a Release file' <<<"$out"; then
		bad "the archive has no suite '$suite' ($spec)"
	fi
	log "cannot update the package index of $suite: $(apt_error "$out")"
	exit 1
fi
[[ -z $out ]] || echo "$out" >&2
newapt=''
# Every amd64 kernel package of the suite, in one madison table.
search=$(apt_private "$suite" apt-cache search --names-only '^linux-(image|binary|modules|base)-[0-9].*-amd64$')
mapfile -t names < <(awk '{print $1}' <<<"$search")
((${#names[@]})) || bad "no amd64 kernel at all in $suite ($spec)"
madison=$(apt_private "$suite" apt-cache madison "${names[@]}")
picked=$(kernel_pick "$want" <<<"$madison") ||
	bad "no amd64 kernel ${want:-at all} in $suite (its series: $(kernel_series <<<"$madison"))"
mapfile -t pkgs <<<"$picked"
ver=${pkgs[0]#*=}
dir=$kroot/$suite-$(safe "$ver")
if [[ ! -e $dir/ready ]]; then
	work=$dir.tmp
	rm -rf "$work"
	if ! out=$(apt_private_download "$suite" "$work/debs" "${pkgs[@]}" 2>&1); then
		log "cannot download ${pkgs[*]} from $suite: $(apt_error "$out")"
		exit 1
	fi
	t1=$(date +%s%3N)
	for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$work/root"; done
	# The old layout has lib/modules/KVER and boot/vmlinuz-KVER (and maybe
	# a usrmerged usr/lib/modules): bring it to the new one.
	r=$work/root
	if [[ -d $r/lib/modules && ! -L $r/lib ]]; then
		mkdir -p "$r/usr/lib/modules"
		for m in "$r"/lib/modules/*; do mv -T "$m" "$r/usr/lib/modules/$(basename "$m")"; done
		rmdir "$r/lib/modules"
		rmdir --ignore-fail-on-non-empty "$r/lib"
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
	rm -rf "$work/debs"
	{
		printf 'download_s=%d.%03d\nunpack_depmod_s=%d.%03d\n' $(((t1 - t0) / 1000)) $(((t1 - t0) % 1000)) \
			$(((t2 - t1) / 1000)) $(((t2 - t1) % 1000))
		echo "suite=$suite"
		echo "packages=${pkgs[*]}"
		echo "release=$kver"
		[[ -n $mods ]] || echo modules=none
	} >"$work/fetch-info"
	echo "$dir${kimg#"$work"}" >"$work/ready"
	mv -T "$work" "$dir"
	work=''
	log "$suite $ver: $(grep _s= "$dir/fetch-info" | tr '\n' ' ')"
fi
[[ -n $want ]] || ln -sfn "$(basename "$dir")" "$cur"
cat "$dir/ready"
