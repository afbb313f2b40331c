# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run
# Declarative requirements, blktests style: a program lists what it needs
# (`prog -r`: "root", "module X", "device X" as device.sh defines it,
# "fault FUNC" as fault-function.sh's fault_function_setup does, "fault nth"
# as fault-nth.sh's fault_nth_setup does: nth is a keyword, not a function
# name); the harness provides it for that program only (undo stack mark,
# and the FIXBUF_* variables it exported are unset after the program) or
# passes a one-line reason (FIXBUF_UNMET) that the program reports as the
# skip reason of its cases. "fault FUNC" and "fault nth" never do: without
# the fault, only the cases that need it skip (FIXBUF_FAIL_FUNCTION_WHY,
# FIXBUF_FAIL_NTH_WHY), the others still run.

REQ_WHY=      # why the last requirement could not be met
REQ_LOADED=() # modules this program's setup loaded
REQ_ENV=()    # FIXBUF_* variables exported before this program's setup
REQ_PROG=     # the program being set up
REQ_READS=()  # its "reads: DEVICE VAR[?]" lines (device.sh checks them)

# req__settle: let udev finish with devices that came or go (it probes new
# disks and auto-loads their drivers, e.g. sd_mod), so the module list and
# device users are stable.
req__settle() {
	if command -v udevadm >/dev/null; then
		timeout 10 udevadm settle 2>/dev/null || true
	fi
}

# req__unload MODULE...: unload these (first the one asked for: removing it
# removes its devices), over a few passes with udev settled in between:
# udev may load a driver again while a device goes away (sg does).
req__unload() {
	local pass m left
	for pass in 1 2 3; do
		left=
		for m in "$@"; do
			[[ -e /sys/module/$m/initstate ]] || continue
			rmmod "$m" 2>/dev/null || left+=" $m"
		done
		req__settle
		[[ -n $left ]] || return 0
	done
	echo "harness: could not unload:$left" >&2
	return 1
}

# req_module NAME [PARAMS...]: load NAME unless loaded or built in. The undo
# unloads exactly what this load brought in (NAME, the dependencies it
# pulled and the drivers udev loaded for its devices), dependents first;
# modules loaded before are never touched.
req_module() {
	local m=$1 sys=/sys/module/${1//-/_} before new
	shift
	[[ -e $sys/initstate ]] && return 0
	before=$(cut -d' ' -f1 /proc/modules 2>/dev/null || true)
	if ! modprobe -q "$m" "$@" 2>/dev/null; then
		# Built in: shows in /sys/module if it has parameters.
		[[ -d $sys ]] && return 0
		REQ_WHY="requires module $m (modprobe $m failed)"
		return 1
	fi
	req__settle
	# /proc/modules lists the newest first: dependents before dependencies.
	mapfile -t new < <(cut -d' ' -f1 /proc/modules | grep -vxF -e "${before:-.}")
	((${#new[@]})) || return 0
	REQ_LOADED+=("${new[@]}")
	state_push req__unload "${m//-/_}" "${new[@]}"
}

# req_configfs: configfs mounted at /sys/kernel/config (a module in Debian).
req_configfs() {
	req_driver configfs || true
	if [[ ! -d /sys/kernel/config ]] ||
		! state_mount configfs /sys/kernel/config 2>/dev/null; then
		REQ_WHY="requires configfs (CONFIG_CONFIGFS_FS)"
		return 1
	fi
	REQ_WHY=
}

# req_setup PROG: meet PROG's requirements; exports what the program needs.
# Only "requires: " lines count, and the query is bounded: a program that
# does not know -r must not run unbounded or be misread. Devices come after
# the rest: a device's setup may depend on them (dev_slow on "fault FUNC"),
# never on the order the program listed them in.
req_setup() {
	local line
	local -a reqs=() devs=()
	unset FIXBUF_UNMET
	state_mark
	REQ_MARK=$STATE_MARK
	REQ_LOADED=()
	REQ_PROG=${1##*/}
	REQ_READS=()
	mapfile -t REQ_ENV < <(compgen -e FIXBUF_ || true)
	while read -r line; do
		[[ $line == "reads: "* ]] && REQ_READS+=("${line#reads: }")
		[[ $line == "requires: "* ]] || continue
		line=${line#requires: }
		if [[ $line == "device "* ]]; then devs+=("$line"); else reqs+=("$line"); fi
	done < <(timeout -k 1 10 "$1" -r 2>/dev/null </dev/null || true)
	for line in "${reqs[@]}" "${devs[@]}"; do
		# Held: a Ctrl-C between a change and its push would lose the undo.
		state_hold
		if ! req__one "$line"; then
			export FIXBUF_UNMET=$REQ_WHY
			state_release
			return 0
		fi
		state_release
	done
}

# req__one REQUIREMENT: returns 1 with REQ_WHY when it cannot be met.
req__one() {
	REQ_WHY=
	case $1 in
	root) ((EUID == 0)) || REQ_WHY="requires root" ;;
	"module "*) req_module "${1#module }" || true ;;
	"device "*) device_setup "${1#device }" || true ;;
	"fault nth") fault_nth_setup ;;
	"fault "*) fault_function_setup "${1#fault }" ;;
	*) REQ_WHY="unknown requirement '$1'" ;;
	esac
	[[ -z $REQ_WHY ]]
}

# req__unexport: unset the FIXBUF_* variables this program's setup
# exported (whatever device did it), so none reaches the next program.
req__unexport() {
	local v old
	while read -r v; do
		for old in "${REQ_ENV[@]}"; do
			[[ $v == "$old" ]] && continue 2
		done
		unset "$v"
	done < <(compgen -e FIXBUF_ || true)
}

# req__users: modules that use one this program loaded but were not loaded
# by it (udev loads sg for a new SCSI disk, say): they must go first.
req__users() {
	local name users m
	while read -r name _ _ users _; do
		for m in "${REQ_LOADED[@]}"; do
			[[ $name == "$m" ]] || continue
			[[ $users == - ]] && continue
			printf '%s\n' "${users//,/$'\n'}"
		done
	done </proc/modules | grep -vxF -e "$(printf '%s\n' "${REQ_LOADED[@]}")" || true
}

# req_teardown: undo what req_setup did, newest first.
req_teardown() {
	local m
	req__settle
	if ((${#REQ_LOADED[@]})); then
		for m in $(req__users); do rmmod "$m" 2>/dev/null || true; done
	fi
	state_unwind "$REQ_MARK"
	unset FIXBUF_UNMET
	req__unexport
}

# req_driver NAME [PARAMS...]: req_module for a device setup. A kernel with
# no modules directory (the suite's own, everything =y) has the driver
# built in or not at all, and the setup step that needs it says which.
req_driver() {
	req_module "$@" && return 0
	[[ -d /lib/modules/$(uname -r) ]] && return 1
	REQ_WHY=
}
