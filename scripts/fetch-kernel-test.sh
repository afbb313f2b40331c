#!/usr/bin/env bash
set -euo pipefail
# fetch-kernel.sh without the network: which packages it picks from the
# `apt-cache madison` output of a suite (kernel_pick, on recordings), and
# that bad arguments end with exit 2 and one line of its own, the cache
# untouched. With --net (slow: about 150 MB from the archive), also real
# runs on empty caches: the default spec (sid's current kernel) must print a
# bootable kernel, a suite or version the archive lacks must end like bad
# arguments, and no run may leave a .tmp or an empty directory behind.
#   scripts/fetch-kernel-test.sh [--net]
# scripts/testdata/madison-SUITE.txt are recorded through the private apt
# configuration (scripts/lib/apt-private.sh), the mirror's URI replaced:
#   apt_private SUITE apt-cache madison $(apt_private SUITE apt-cache search \
#     --names-only '^linux-(image|binary|modules|base)-[0-9].*-amd64$' | cut -d' ' -f1)
# madison-host-bookworm.txt is the same from a bookworm host's own apt
# (bookworm and bookworm-security: packages listed twice, a series
# metapackage with its kernel's version, 6.1 next to 6.12).

cd "$(dirname "$0")/.."
case ${1:-} in
'') net=0 ;;
--net) net=1 ;;
*) echo "usage: $0 [--net]" >&2; exit 2 ;;
esac
# shellcheck source=scripts/fetch-kernel.sh
source scripts/fetch-kernel.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fixbuf-fetch.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
n=0 bad=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)) bad=$((bad + 1)); echo "not ok $n $*"; }

# pick SUITE WANT WANT-PACKAGES...: kernel_pick WANT on the recording of
# SUITE prints these packages ('-' for none: no kernel matches).
pick() {
	local suite=$1 want=$2 got
	shift 2
	got=$(kernel_pick "$want" <"scripts/testdata/madison-$suite.txt" | paste -sd ' ') || got=-
	if [[ $got == "$*" ]]; then
		ok "$suite '$want': $got"
	else
		notok "$suite '$want': want '$*', got '$got'"
	fi
}
b=7.2.13+deb14-amd64 v=7.2.13-1
pick sid '' "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick sid 7.2 "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick sid 7.2.13 "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick sid 7.2.13-1 "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick sid 7.2.1 -
pick sid 7.3 -
b=7.3.4+deb13-amd64 v=7.3.4-1~bpo13+1
pick trixie-backports '' "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick trixie-backports 7.3 "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick trixie-backports 7.3.4 "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick trixie-backports 7.3.4-1 "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick trixie-backports 7.3.4-1~bpo13+1 "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
b=7.2.12+deb13-amd64 v=7.2.12-1~bpo13+1
pick trixie-backports 7.2 "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
# 6.19 to 7.1: the archive dropped their modules packages, the binary alone.
pick trixie-backports 7.1 "linux-binary-7.1.13+deb13-amd64=7.1.13-1~bpo13+1"
pick trixie-backports 7.0.12 "linux-binary-7.0.12+deb13-amd64=7.0.12-2~bpo13+1"
pick trixie-backports 6.19 "linux-binary-6.19.14+deb13-amd64=6.19.14-1~bpo13+1"
pick trixie-backports 6.19.6 "linux-binary-6.19.6+deb13-amd64=6.19.6-2~bpo13+1"
# Up to 6.18: one linux-image package.
pick trixie-backports 6.18 "linux-image-6.18.15+deb13-amd64=6.18.15-1~bpo13+1"
pick trixie-backports 6.16 "linux-image-6.16.12+deb13-amd64=6.16.12-1~bpo13+1"
pick trixie-backports 6.1 -
pick trixie-backports 9.9 -
b=7.3-amd64 v=7.3~rc7-1~exp1
pick experimental '' "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick experimental 7.3 "linux-binary-$b=$v linux-modules-$b=$v linux-base-$b=$v"
pick trixie 6.12 "linux-image-6.12.117+deb13-amd64=6.12.117-1"
pick bookworm 6.1 "linux-image-6.1.0-50-amd64=6.1.176-1"
pick host-bookworm 6.1 "linux-image-6.1.0-57-amd64=6.1.192-3"
pick host-bookworm 6.1.192-2 "linux-image-6.1.0-56-amd64=6.1.192-2"
pick host-bookworm 6.1.176 "linux-image-6.1.0-50-amd64=6.1.176-1"
pick host-bookworm 6.12 "linux-image-6.12.118+deb12-amd64=6.12.118-1~deb12u1"
pick host-bookworm '' "linux-image-6.12.118+deb12-amd64=6.12.118-1~deb12u1"
if got=$(kernel_pick '' </dev/null); then notok "no input: got '$got'"; else ok "no input: no pick"; fi
got=$(kernel_series <scripts/testdata/madison-trixie-backports.txt)
want='6.16 6.17 6.18 6.19 7.0 7.1 7.2 7.3'
if [[ $got == "$want" ]]; then ok "series: $got"; else notok "series: want '$want', got '$got'"; fi

# run WANT-RC WANT-TEXT [ENV=VALUE...] -- ARGS...: fetch-kernel.sh ARGS on
# the cache $cache exits WANT-RC, its last line on stderr containing
# WANT-TEXT, and leaves no .tmp and no empty directory in the cache.
run() {
	local rc=0 want_rc=$1 text=$2 env=() last left
	shift 2
	while [[ $1 != -- ]]; do env+=("$1"); shift; done
	shift
	env "${env[@]}" FIXBUF_CACHE="$cache" scripts/fetch-kernel.sh "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	last=$(tail -n1 "$tmp/err")
	# (apt's own directories of an index kept are empty until used)
	left=$(find "$cache" -mindepth 1 \( -name '*.tmp' -o -type d -empty \) -not -path "$cache/apt/*/*" |
		head -n3 | paste -sd ' ')
	if [[ $rc == "$want_rc" && $last == *"$text"* && -z $left ]]; then
		ok "${env[*]}${env[*]:+ }fetch-kernel.sh${*:+ $*}: exit $rc, ${last:-$(head -n1 "$tmp/out")}"
	else
		notok "${env[*]}${env[*]:+ }fetch-kernel.sh${*:+ $*}: want exit $want_rc and '$text', got exit $rc: '$last'${left:+, left $left}"
	fi
}
cache=$tmp/cache
mkdir "$cache"
: >"$tmp/bzImage"
run 0 '' -- -h
if grep -q '^fetch-kernel.sh \[SPEC\]' "$tmp/out"; then ok "-h prints the usage"; else notok "-h prints no usage"; fi
run 0 '' -- "$tmp/bzImage"
if [[ $(cat "$tmp/out") == "$(realpath "$tmp/bzImage")" ]]; then ok "a bzImage is passed through"; else notok "bzImage: $(cat "$tmp/out")"; fi
run 2 "unknown option '--nope'" -- --nope
run 2 'one SPEC at most, got 2' -- debian sid
run 2 "bad suite 'Sid'" -- debian:Sid/7.3
run 2 "bad suite 'no_such'" KERNEL=debian:no_such/7.3 --
run 2 "bad version 'latest'" -- debian:sid/latest
run 2 "bad version '7.3;x'" -- 'debian:sid/7.3;x'
run 2 "no kernel at '$tmp/none'" -- "$tmp/none"
left=$(find "$cache" -mindepth 1 | head -n3 | paste -sd ' ')
if [[ -z $left ]]; then ok "bad arguments leave the cache as it was"; else notok "bad arguments left $left"; fi

# An archive out of reach (a closed local port): exit 1 and a line of ours,
# and no stamp on the index, so that the next run tries again.
cache=$tmp/unreachable
mkdir -p "$cache/apt/sid/etc"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://127.0.0.1:9/debian sid main" \
	>"$cache/apt/sid/etc/sources.list"
run 1 'cannot update the package index of sid: ' -- debian:sid/7.2
if [[ ! -e $cache/apt/sid/lists/.updated ]]; then ok "no index stamp after a failed update"; else notok "a failed update stamped the index"; fi

if ((net)); then
	cache=$tmp/net
	mkdir "$cache"
	run 2 "the archive has no suite 'nosuchsuite'" -- debian:nosuchsuite/9.9
	if [[ ! -e $cache/apt ]]; then ok "no index of nosuchsuite kept"; else notok "kept $(find "$cache/apt" | head -n3 | paste -sd ' ')"; fi
	run 2 'no amd64 kernel 9.9 in sid (its series: ' -- debian:sid/9.9
	run 0 'sid ' -- # the default: sid's current kernel
	kimg=$(cat "$tmp/out")
	if [[ -f $kimg ]] && file -b "$kimg" | grep -q 'Linux kernel x86 boot executable'; then
		ok "sid: $kimg"
	else
		notok "sid: no bootable kernel at '$kimg'"
	fi
fi

echo "fetch-kernel-test: $((n - bad)) passed, $bad failed"
((bad == 0))
