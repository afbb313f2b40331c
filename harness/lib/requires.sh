# shellcheck shell=bash disable=SC2034 # globals here are read by harness/run
# Declarative requirements, blktests style: a program lists what it needs
# (`prog -r`: "device nvme-loop", "module X", "root"); the harness provides
# it for that program only (undo stack mark) or passes a one-line reason
# (FIXBUF_UNMET) that the program reports as the skip reason of its cases.

REQ_WHY= # why the last requirement could not be met

# req_module NAME [PARAMS...]: load NAME unless loaded or built in. The undo
# unloads exactly what this load brought in (NAME and the dependencies it
# pulled), dependents first; modules loaded before are never touched.
req_module() {
	local m=$1 sys=/sys/module/${1//-/_} before new i
	shift
	[[ -e $sys/initstate ]] && return 0
	before=$(cut -d' ' -f1 /proc/modules 2>/dev/null || true)
	if ! modprobe -q "$m" "$@" 2>/dev/null; then
		# Built in without a modules directory (the suite's own kernel).
		[[ -d $sys ]] && return 0
		REQ_WHY="requires module $m (modprobe $m failed)"
		return 1
	fi
	# /proc/modules lists the newest first: push oldest first, so the undo
	# (newest pushed, first run) removes dependents before dependencies.
	mapfile -t new < <(cut -d' ' -f1 /proc/modules | grep -vxF -e "${before:-.}")
	for ((i = ${#new[@]} - 1; i >= 0; i--)); do
		state_push rmmod "${new[i]}"
	done
}

# req_configfs: configfs mounted at /sys/kernel/config (a module in Debian).
req_configfs() {
	if ! req_module configfs && [[ ! -d /sys/kernel/config ]]; then
		REQ_WHY="requires configfs (CONFIG_CONFIGFS_FS)"
		return 1
	fi
	REQ_WHY=
	state_mount configfs /sys/kernel/config || {
		REQ_WHY="requires configfs (CONFIG_CONFIGFS_FS)"
		return 1
	}
}

# req_setup PROG: meet PROG's requirements; exports what the program needs.
# Only "requires: " lines count, and the query is bounded: a program that
# does not know -r must not run unbounded or be misread.
req_setup() {
	local line
	unset FIXBUF_UNMET
	state_mark
	REQ_MARK=$STATE_MARK
	while read -r line; do
		[[ $line == "requires: "* ]] || continue
		line=${line#requires: }
		REQ_WHY=
		case $line in
		root) ((EUID == 0)) || REQ_WHY="requires root" ;;
		"module "*) req_module "${line#module }" || true ;;
		"device nvme-loop") dev_nvme_setup || true ;;
		"device scsi_debug") dev_scsi_setup || true ;;
		*) REQ_WHY="unknown requirement '$line'" ;;
		esac
		if [[ -n $REQ_WHY ]]; then
			export FIXBUF_UNMET=$REQ_WHY
			return 0
		fi
	done < <(timeout -k 1 10 "$1" -r 2>/dev/null </dev/null || true)
}

# req_teardown: undo what req_setup did, newest first.
req_teardown() {
	state_unwind "$REQ_MARK"
	unset FIXBUF_UNMET
}
