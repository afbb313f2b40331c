# shellcheck shell=bash disable=SC2034 # REQ_WHY is read by the harness
# device fakedev, for the self-tests (HARNESS_DEVICES=harness/selftest/devices):
# a file in FAKEDEV_DIR holding FAKE_TOKEN stands for the node, so the whole
# device contract (setup, undo, exported variables, skip reason) runs
# without root or a kernel module. FAKEDEV_FAIL=1 makes the setup fail as a
# missing driver would. FAKEDEV_SLOW=SECS: the node is made, then its undo
# pushed SECS later, as a device whose undo names what the change returned
# (an nvme-loop connect): a signal in between must not lose the undo.
# Exports FIXBUF_FAKEDEV_NODE (the file); FAKEDEV_NOEXPORT=1 leaves it out
# and FAKEDEV_EXTRA=1 exports FIXBUF_FAKEDEV_EXTRA too, which no program
# reads: both must fail the setup (device.sh, device__reads).

dev_fakedev_setup() {
	local node
	if [[ ${FAKEDEV_FAIL:-} == 1 ]]; then
		REQ_WHY="fakedev: told to fail"
		return 1
	fi
	if ! node=$(mktemp "${FAKEDEV_DIR:?}/node.XXXXXX"); then
		REQ_WHY="fakedev: cannot create a file in $FAKEDEV_DIR"
		return 1
	fi
	if [[ -n ${FAKEDEV_SLOW:-} ]]; then
		sleep "$FAKEDEV_SLOW"
		state_push rm -f "$node"
	else
		# On the stack before it is written: a failed write is undone too.
		state_push rm -f "$node"
	fi
	printf '%s\n' "${FAKE_TOKEN-}" >"$node"
	[[ ${FAKEDEV_NOEXPORT:-} == 1 ]] || export FIXBUF_FAKEDEV_NODE=$node
	[[ ${FAKEDEV_EXTRA:-} != 1 ]] || export FIXBUF_FAKEDEV_EXTRA=1
}
