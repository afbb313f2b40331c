# shellcheck shell=bash
# make-style NAME=value arguments, the one parser of the harness and of the
# scripts. It lives in harness/ because the harness is copied and run as a
# unit (a frozen copy for the matrix and repeat-vm.sh): it must not reach
# outside its own directory, while scripts/ can always source harness/lib.

# args_export WHO 'NAME...' [ARG...]: exports every ARG of the form NAME=value
# whose NAME is listed. Otherwise prints "WHO: unknown argument 'ARG'" (plus
# " (see ARGS_SEE)" if the caller set it) and returns 2, leaving the exit
# status to the caller (bisect.sh must stop git bisect with 255).
args_export() {
	local who=$1 names=" $2 " a
	shift 2
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z_][A-Za-z0-9_]*= && $names == *" ${a%%=*} "* ]]; then
			export "${a%%=*}=${a#*=}"
		else
			printf "%s: unknown argument '%s'%s\n" "$who" "$a" "${ARGS_SEE:+ (see $ARGS_SEE)}" >&2
			return 2
		fi
	done
}
