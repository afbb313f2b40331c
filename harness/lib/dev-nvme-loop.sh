# shellcheck shell=bash disable=SC2034 # REQ_WHY and DEV_* are read by the harness
# device nvme-loop: an nvme-loop target over a slow null_blk (dev-null_blk.sh),
# made through configfs for one program: every object is named fixbuf-<pid>
# and only those are touched.
# Exports FIXBUF_NVME_CHAR (/dev/ngXnY), FIXBUF_NVME_BLK (/dev/nvmeXnY),
# FIXBUF_NVME_TAGS (requests that take every tag), the null_blk's slowness
# (dev-null_blk.sh), and, asked for "io-timeout", fail_io_timeout on that
# null_blk: FIXBUF_IO_TIMEOUT* (fault.sh, see dev__nvme_fault).

NVME_QUEUE=16

# dev__connect NQN -> DEV_CTRL (nvmeN): one I/O queue of the smallest size,
# so a test can hold every tag.
dev__connect() {
	local fd reply
	if [[ ! -c /dev/nvme-fabrics ]]; then
		REQ_WHY="requires /dev/nvme-fabrics (nvme-fabrics)"
		return 1
	fi
	exec {fd}<>/dev/nvme-fabrics
	if ! printf 'transport=loop,nqn=%s,nr_io_queues=1,queue_size=%d\n' "$1" "$NVME_QUEUE" >&"$fd" ||
		! read -r reply <&"$fd"; then
		exec {fd}>&-
		REQ_WHY="requires nvme-loop: connecting to $1 failed"
		return 1
	fi
	exec {fd}>&-
	DEV_CTRL=${reply#instance=}
	DEV_CTRL=nvme${DEV_CTRL%%,*}
	state_push "echo 1 > /sys/class/nvme/$DEV_CTRL/delete_controller"
}

# dev__nvme_disk NQN: -> DEV_DISK (nvmeXnY) of our controller's namespace.
# It appears once the controller's scan work ran; with native multipath the
# disk hangs off the subsystem (X is the subsystem's instance), and the
# controller only has the hidden path nvmeXcYnZ.
dev__nvme_disk() {
	local i d nqn
	for ((i = 0; i < 100; i++)); do
		for d in /sys/class/nvme/"$DEV_CTRL"/nvme*n* /sys/class/nvme-subsystem/*/nvme*n*; do
			[[ ${d##*/} != *c*n* && -e $d ]] || continue
			read -r nqn <"${d%/*}/subsysnqn" || continue
			# Both nodes: the char device may come a moment after the disk.
			[[ $nqn == "$1" && -b /dev/${d##*/} && -c /dev/ng${d##*/nvme} ]] || continue
			DEV_DISK=${d##*/}
			return 0
		done
		sleep 0.1
	done
	REQ_WHY="nvme-loop: no namespace disk for $DEV_CTRL"
	return 1
}

dev_nvme_loop_setup() {
	local cfs=/sys/kernel/config/nvmet name=fixbuf-$$ sub port id
	dev_null_blk_setup || return 1
	req_driver nvmet && req_driver nvme-loop && req_driver nvme-fabrics || return 1
	if [[ ! -d $cfs ]]; then
		REQ_WHY="requires nvmet configfs (CONFIG_NVME_TARGET)"
		return 1
	fi
	sub=$cfs/subsystems/$name
	dev__mkdir "$sub" && dev__cfs "$sub/attr_allow_any_host" 1 &&
		dev__mkdir "$sub/namespaces/1" &&
		dev__cfs "$sub/namespaces/1/device_path" "$DEV_NULLB" &&
		dev__cfs "$sub/namespaces/1/enable" 1 || return 1
	state_push "echo 0 > $sub/namespaces/1/enable"
	for ((id = 7100; id < 7200; id++)); do
		[[ -e $cfs/ports/$id ]] || break
	done
	port=$cfs/ports/$id
	dev__mkdir "$port" && dev__cfs "$port/addr_trtype" loop || return 1
	state_push rm -f "$port/subsystems/$name"
	ln -s "$sub" "$port/subsystems/$name" || { state_drop; return 1; }
	dev__connect "$name" && dev__nvme_disk "$name" || return 1
	export FIXBUF_NVME_CHAR=/dev/ng${DEV_DISK#nvme} FIXBUF_NVME_BLK=/dev/$DEV_DISK
	# Fillers must take every request the controller's queue can allocate:
	# with an I/O scheduler that is nr_requests (scheduler tags, about
	# twice the queue size), not the driver's queue depth. The queue is
	# the controller path's (nvmeXcYnZ under multipath), not the head's.
	# One more than that: a surplus filler just waits in io-wq.
	local q nr=$NVME_QUEUE n
	for q in /sys/class/nvme/"$DEV_CTRL"/nvme*n*/queue/nr_requests; do
		[[ -r $q ]] && read -r n <"$q" && ((n > nr)) && nr=$n
	done
	export FIXBUF_NVME_TAGS=$((nr + 1))
	if ((DEV_IO_TIMEOUT)); then dev__nvme_fault; fi
	# udev probes the new disk: its reads must not compete for tags.
	req__settle
}

# dev__nvme_fault: fail_io_timeout on our null_blk only, disarmed, for the
# fault-timeout cases (tests/lib/fault.h). Unavailable is not an error:
# FIXBUF_IO_TIMEOUT_WHY is those cases' skip reason. Otherwise a case arms
# times=FIXBUF_IO_TIMEOUT_DROP, the fillers that reach the null_blk before
# anything else can: those holding the controller queue's driver tags (the
# others wait in its scheduler for one). The null_blk keeps its delay: it
# serves every case of the program, and its configfs attributes are fixed
# while it is powered; the dropped fillers are held by the fault whatever
# the delay, and the case checks that they were.
dev__nvme_fault() {
	local m t r drop=0
	for m in /sys/class/nvme/"$DEV_CTRL"/nvme*n*/mq/*; do
		if read -r t 2>/dev/null <"$m/nr_tags" && read -r r 2>/dev/null <"$m/nr_reserved_tags" &&
			((t - r > drop)); then
			drop=$((t - r))
		fi
	done
	if ((drop == 0)); then
		fault_io_timeout_none "fail_io_timeout: no driver tag count under /sys/class/nvme/$DEV_CTRL"
	else
		fault_io_timeout_export "${DEV_NULLB#/dev/}" "$drop" "$(dev__nvme_fault_ms)"
	fi
}

# The null_blk's io_timeout while a fault-timeout case holds requests: the
# dropped fillers end about a second after it, the requests behind them must
# not time out for real, so well above the null_blk delay. FIXBUF_IO_TIMEOUT_MS
# set by the user overrides it.
dev__nvme_fault_ms() {
	local d=$((NULLB_DELAY_NS / 500000))
	echo "${FIXBUF_IO_TIMEOUT_MS:-$((d > 1000 ? d : 1000))}"
}
