# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run and the other libs
# Command line: make-style VAR=value arguments, same names as the env.

# shellcheck source-path=SCRIPTDIR source=args.sh
source "${BASH_SOURCE[0]%/*}/args.sh"

cli_usage() {
	cat <<'USAGE'
usage: harness/run [-h] [VAR=value ...]

Runs the fixbuf-order test programs and prints one KTAP stream.
Variables (environment or arguments):
  T=<glob>          programs to run; if no program name matches, the case
                    names (prog -l) and the matching programs run with
                    FIXBUF_FILTER=<glob>                    (default: all)
  EXPECT=<file>     known issues, e.g. configs/known-issues: lines
                    "<case-pattern> <A..B|A..|..B> <reason>" (default: none)
  TESTS_DIR=<dir>   test programs                 (default: build/tests)
  RESULTS=<dir>     results root, run in RESULTS/<run-id>, RESULTS/latest
                                                  (default: results)
  TIMEOUT=<secs>    per-program timeout, 0 = none (default: TESTS_DIR/settings
                    timeout=N, else 45)
  FIXBUF_KVER=x.y.z kernel version for EXPECT     (default: uname -r)
  SLOW=1            also run the passthrough forcing modes that hold every
                    tag with fillers on a slow device where alloc-fault can
                    force the same path (default: they skip there)
  KEEP=<n>          keep the newest n runs in RESULTS, never one in progress
                    or RESULTS/latest; 0 keeps all         (default: 20)
Exit: 0 no failure (xfail allowed), 1 failures, 2 bad input, 4 nothing
tested (every case that could show a late lookup skipped: only /inline/
controls, which cannot, ran) or io_uring unusable, 130/143/129 interrupted
(INT/TERM/HUP). The summary ends stdout; results in RESULTS/latest/summary.
USAGE
}

cli_parse() { # "$@" -> exported variables; returns 2 on a bad argument
	local a ARGS_SEE='harness/run -h'
	# One at a time: -h anywhere before a bad argument still prints the usage.
	for a in "$@"; do
		case $a in
		-h | --help) cli_usage && exit 0 ;;
		*) args_export harness 'T EXPECT TESTS_DIR RESULTS TIMEOUT FIXBUF_KVER SLOW KEEP' "$a" || return 2 ;;
		esac
	done
	if [[ -n ${SLOW:-} && ! $SLOW =~ ^[01]$ ]]; then
		printf "harness: SLOW='%s' is not 0 or 1\n" "$SLOW" >&2
		return 2
	fi
	if [[ -n ${TIMEOUT:-} && ! $TIMEOUT =~ ^[0-9]+$ ]]; then
		printf "harness: TIMEOUT='%s' is not a number of seconds\n" "$TIMEOUT" >&2
		return 2
	fi
}
