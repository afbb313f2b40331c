# shellcheck shell=bash disable=SC2034 # REQ_WHY is read by the harness
# device ublk: the ublk driver (module ublk_drv in Debian's kernels, built
# in in the suite's own) and /dev/ublk-control, for a program that runs its
# own ublk server (tests/lib/ublk.c). The program creates its devices
# itself and appends each device id to the file FIXBUF_UBLK_IDS names; the
# undo deletes exactly those ids (tests/lib/ublk-del: STOP_DEV, DEL_DEV),
# so a device is gone however the program ended (pass, fail, timeout,
# Ctrl-C, SIGKILL), and a ublk device this run did not create is never
# touched. The server is threads of the program: it dies with it.
# Exports FIXBUF_UBLK_IDS (t_dev_ublk in tests/lib/ublk.c); the control
# node is the driver's fixed /dev/ublk-control (tests/lib/ublk_ctrl.h).

dev_ublk_setup() {
	local ids del=$TESTS_DIR/lib/ublk-del
	req_driver ublk_drv || return 1
	if [[ ! -c /dev/ublk-control ]]; then
		REQ_WHY="requires /dev/ublk-control (CONFIG_BLK_DEV_UBLK)"
		return 1
	fi
	if [[ ! -x $del ]]; then
		REQ_WHY="requires $del (make -C tests)"
		return 1
	fi
	if ! ids=$(mktemp "${TMPDIR:-/tmp}/fixbuf-ublk-ids.XXXXXX"); then
		REQ_WHY="cannot create the ublk device id file"
		return 1
	fi
	# Pushed before the program runs: the ids it records are deleted even
	# when this harness is killed too (the journal replays this line).
	state_push dev__ublk_undo "$del" "$ids"
	export FIXBUF_UBLK_IDS=$ids
}

# dev__ublk_undo HELPER IDFILE: delete the devices whose ids the program
# recorded, then the file.
dev__ublk_undo() {
	local -a list=()
	[[ -f $2 ]] || return 0
	mapfile -t list <"$2"
	if ((${#list[@]})) && ! timeout -k 2 30 "$1" "${list[@]}"; then
		echo "harness: ublk devices ${list[*]} may be left behind" >&2
		rm -f -- "$2"
		return 1
	fi
	rm -f -- "$2"
}
