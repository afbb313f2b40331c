#!/usr/bin/env bash
set -euo pipefail
# Bad input fails fast and clean (make check): the scripts' usage and exit 2
# for a bad argument, before any side effect (no package installed, no lock
# taken, no tree or cache touched, no results directory left), and make
# help: every target and option on one screen. A bad KERNEL= goes through
# fetch-kernel.sh (apt's index of a suite that does not exist: network).
# One TAP line per check; exit 1 on any failure.

cd "$(dirname "$0")/.."
repo=$PWD
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fixbuf-usage.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 bad=0 RC=0
check() { # DESCRIPTION COMMAND...: one TAP line
	n=$((n + 1))
	if "${@:2}"; then
		echo "ok $n $1"
	else
		echo "not ok $n $1 (exit $RC)" && bad=1
		sed 's/^/#   /' "$tmp/err" | tail -n 5
	fi
}
run() { # CMD...: RC, stdout in $tmp/out, stderr in $tmp/err
	RC=0
	"$@" >"$tmp/out" 2>"$tmp/err" || RC=$?
}
# The predicates of the checks (called through check and all).
# shellcheck disable=SC2317
{
all() { # CMD... -- CMD...: every command succeeds
	local -a c=()
	while (($#)); do
		if [[ $1 == -- ]]; then "${c[@]}" || return 1; c=(); else c+=("$1"); fi
		shift
	done
	"${c[@]}"
}
rc() { ((RC == $1)); }
err_has() { grep -qF -- "$1" "$tmp/err"; }
one_line_err() { [[ $(wc -l <"$tmp/err") == 1 ]]; }
untouched() { [[ ! -e $tmp/calls && -z $(ls -A "$tmp/cache") ]]; }
vmdirs() { find "$repo/results" -maxdepth 1 -name 'vm-*' 2>/dev/null | sort; }
same_vmdirs() { [[ $(vmdirs) == "$1" ]]; }
fits_screen() { (($(wc -l <"$tmp/out") <= 25)) && awk 'length > 80 { exit 1 }' "$tmp/out"; }
names_all() { # WHAT WORD...: every WORD (WHAT=target: a word, option: NAME=) in make help
	local w
	for w in "${@:2}"; do
		[[ $1 == option ]] && w+="="
		if ! grep -qw -- "${w%=}" "$tmp/out" || ! grep -qF -- "$w" "$tmp/out"; then
			echo "make help lacks $w" >"$tmp/err"
			return 1
		fi
	done
}
}
echo "TAP version 13"

# build-kernel.sh: with a shim PATH recording every apt, dpkg, flock, git
# and make call, and an empty cache, a bad variant touches nothing.
mkdir "$tmp/shim" "$tmp/cache"
for c in apt-get apt-cache dpkg dpkg-query flock git make ccache; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit 1\n' "$c" "$tmp" >"$tmp/shim/$c"
	chmod +x "$tmp/shim/$c"
done
for a in bogus-variant mutant-no-such-mutant patched-0 "" "-x stock" "stock extra" "-j"; do
	# shellcheck disable=SC2086 # the arguments split on purpose
	PATH=$tmp/shim:$PATH FIXBUF_CACHE=$tmp/cache run scripts/build-kernel.sh $a
	check "build-kernel.sh ${a:-(no argument)}: usage, exit 2, nothing installed, locked or touched" \
		all rc 2 -- err_has "usage: scripts/build-kernel.sh" -- untouched
done

# vm-run.sh: bad arguments and a kernel fetch-kernel.sh refuses exit 2
# with one message, before any results directory exists.
before=$(vmdirs)
run scripts/vm-run.sh BOGUS=1
check "vm-run.sh BOGUS=1: exit 2, says where the usage is" \
	all rc 2 -- err_has "unknown argument 'BOGUS=1' (see scripts/vm-run.sh -h)"
run scripts/vm-run.sh -h
check "vm-run.sh -h: usage, exit 0" all rc 0 -- err_has "usage: scripts/vm-run.sh"
for a in VM_TIMEOUT=soon VM_CPUS=0 KEEP=all SLOW=2 EXPECT=/nonexistent RESULTS=/tmp; do
	run scripts/vm-run.sh "$a"
	check "vm-run.sh $a: exit 2, one line" all rc 2 -- one_line_err
done
run scripts/vm-run.sh KERNEL=debian:nosuchsuite/9.9
check "vm-run.sh KERNEL=debian:nosuchsuite/9.9: the project's message, exit 2" \
	all rc 2 -- err_has "fetch-kernel: the archive has no suite 'nosuchsuite'"
check "no results/vm-* directory left by any of them" same_vmdirs "$before"

# The other scripts with arguments: exit 2 on an unknown one, named.
# (bisect.sh exits 255 instead: that stops git bisect run, see args.sh.)
for s in matrix history peer repeat-vm load-vm restore-vm ublk-restore-vm bench-vm; do
	run "scripts/$s.sh" NO_SUCH_ARG=1
	check "$s.sh NO_SUCH_ARG=1: exit 2, names it" all rc 2 -- err_has "NO_SUCH_ARG=1"
done
# Scripts that need an argument: usage and exit 2 without one.
for s in audit-sites lib/restore-guest lib/ublk-restore-guest; do
	run "scripts/$s.sh"
	check "$s.sh (no argument): usage, exit 2" all rc 2 -- err_has "usage: scripts/$s.sh"
done
run scripts/bench.sh many
check "bench.sh many: usage, exit 2" all rc 2 -- err_has "usage: scripts/bench.sh"
run scripts/install-deps.sh --nope
check "install-deps.sh --nope: usage, exit 2" all rc 2 -- err_has "usage:"
run scripts/install-vm-deps.sh --nope
check "install-vm-deps.sh --nope: usage, exit 2" all rc 2 -- err_has "usage:"

# make help: one screen, every target of .PHONY and every option with a
# default (NAME ?= in the Makefile).
run make -s --no-print-directory help
check "make help: exit 0, at most 25 lines of at most 80 columns" all rc 0 -- fits_screen
mapfile -t targets < <(sed -n 's/^\.PHONY://p' Makefile | tr ' ' '\n' | sed '/^$/d')
mapfile -t options < <(sed -n 's/^\([A-Z_]*\) ?=.*/\1/p' Makefile)
check "make help names every target (${#targets[@]})" names_all target "${targets[@]}"
check "make help names every option (${#options[@]}), with its default" names_all option "${options[@]}"

echo "1..$n"
exit "$bad"
