# shellcheck shell=bash disable=SC2034 # FIXBUF_* are read by the test programs
# An nvme-loop target over a slow null_blk, made through configfs for one
# program: every object is named fixbuf-<pid> and only those are touched.
# Exports FIXBUF_NVME_CHAR (/dev/ngXnY), FIXBUF_NVME_BLK, FIXBUF_NVME_TAGS,
# and FIXBUF_NVME_FAULT* (see dev__nvme_fault).

# Long enough that the table change lands while the fillers hold the tags
# (a case checks it did, and says "path not taken" if not), even on a busy
# TCG guest; each filler round costs this much.
NVME_DELAY_NS=${FIXBUF_NVME_DELAY_NS:-500000000}
NVME_QUEUE=16
# The null_blk's io_timeout while a fault-timeout case holds requests: the
# dropped fillers end about a second after it, the requests behind them must
# not time out for real, so well above the null_blk delay.
NVME_FAULT_MS=${FIXBUF_NVME_FAULT_MS:-$((NVME_DELAY_NS / 500000 > 1000 ? NVME_DELAY_NS / 500000 : 1000))}

dev__cfs() { # dev__cfs PATH VALUE: write a configfs attribute or say which
	printf '%s\n' "$2" >"$1" 2>/dev/null && return 0
	REQ_WHY="writing $2 to ${1#/sys/kernel/config/} failed"
	return 1
}

dev__mkdir() { # dev__mkdir DIR: create a configfs object, undo removes it
	if ! mkdir "$1" 2>/dev/null; then
		REQ_WHY="cannot create ${1#/sys/kernel/config/}"
		return 1
	fi
	state_push rmdir "$1"
}

dev_nullb_setup() { # -> DEV_NULLB (/dev/nullbN)
	local nb=/sys/kernel/config/nullb/fixbuf-$$ idx
	req_configfs || return 1
	# nr_devices=0: no stray nullb0 when this run loads the module.
	req_driver null_blk nr_devices=0 || return 1
	if [[ ! -d ${nb%/*} ]]; then
		REQ_WHY="requires null_blk configfs (CONFIG_BLK_DEV_NULL_BLK)"
		return 1
	fi
	dev__mkdir "$nb" || return 1
	dev__cfs "$nb/size" 16 && dev__cfs "$nb/blocksize" 4096 &&
		dev__cfs "$nb/memory_backed" 1 && dev__cfs "$nb/irqmode" 2 &&
		dev__cfs "$nb/completion_nsec" "$NVME_DELAY_NS" &&
		dev__cfs "$nb/power" 1 || return 1
	state_push "echo 0 > $nb/power"
	# Named after the configfs item since 6.x; nullb<index> before.
	read -r idx <"$nb/index"
	DEV_NULLB=/dev/${nb##*/}
	[[ -b $DEV_NULLB ]] || DEV_NULLB=/dev/nullb$idx
	[[ -b $DEV_NULLB ]] && return 0
	REQ_WHY="null_blk: $DEV_NULLB did not appear"
	return 1
}

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

dev_nvme_setup() {
	local cfs=/sys/kernel/config/nvmet name=fixbuf-$$ sub port id
	dev_nullb_setup || return 1
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
	ln -s "$sub" "$port/subsystems/$name" || return 1
	state_push rm "$port/subsystems/$name"
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
	dev__nvme_fault
	# udev probes the new disk: its reads must not compete for tags.
	req__settle
}

# dev__nvme_fault: fail_io_timeout on our null_blk only, disarmed, for the
# fault-timeout cases (tests/lib/passthru.c). Unavailable is not an error:
# FIXBUF_NVME_FAULT_WHY is those cases' skip reason. Otherwise a case arms
# times=FIXBUF_NVME_FAULT_DROP, the fillers that reach the null_blk before
# anything else can: those holding the controller queue's driver tags (the
# others wait in its scheduler for one). The null_blk keeps its delay: it
# serves every case of the program, and its configfs attributes are fixed
# while it is powered; the dropped fillers are held by the fault whatever
# the delay, and the case checks that they were.
dev__nvme_fault() {
	local m t r drop=0
	unset FIXBUF_NVME_FAULT FIXBUF_NVME_FAULT_WHY FIXBUF_NVME_FAULT_TIMES \
		FIXBUF_NVME_FAULT_TIMEOUT FIXBUF_NVME_FAULT_MS FIXBUF_NVME_FAULT_DROP
	for m in /sys/class/nvme/"$DEV_CTRL"/nvme*n*/mq/*; do
		if read -r t 2>/dev/null <"$m/nr_tags" && read -r r 2>/dev/null <"$m/nr_reserved_tags" &&
			((t - r > drop)); then
			drop=$((t - r))
		fi
	done
	if ((drop == 0)); then
		export FIXBUF_NVME_FAULT_WHY="fail_io_timeout: no driver tag count under /sys/class/nvme/$DEV_CTRL"
	elif ! fault_io_timeout "${DEV_NULLB#/dev/}"; then
		export FIXBUF_NVME_FAULT_WHY=$FAULT_WHY
	else
		export FIXBUF_NVME_FAULT=1 FIXBUF_NVME_FAULT_TIMES=$FAULT_TIMES \
			FIXBUF_NVME_FAULT_TIMEOUT=/sys/block/${DEV_NULLB#/dev/}/queue/io_timeout \
			FIXBUF_NVME_FAULT_MS=$NVME_FAULT_MS FIXBUF_NVME_FAULT_DROP=$drop
	fi
}
