# shellcheck shell=bash disable=SC2034 # FIXBUF_* are read by the test programs
# An nvme-loop target over a slow null_blk, made through configfs for one
# program: every object is named fixbuf-<pid> and only those are touched.
# Exports FIXBUF_NVME_CHAR (/dev/ngXnY), FIXBUF_NVME_BLK, FIXBUF_NVME_TAGS.

# Long enough that the table change lands while the fillers hold the tags.
NVME_DELAY_NS=${FIXBUF_NVME_DELAY_NS:-200000000}
NVME_QUEUE=16

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
	req_module null_blk nr_devices=0 || return 1
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
	read -r idx <"$nb/index"
	DEV_NULLB=/dev/nullb$idx
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

dev_nvme_setup() {
	local cfs=/sys/kernel/config/nvmet name=fixbuf-$$ sub port id d blk=
	dev_nullb_setup || return 1
	req_module nvmet && req_module nvme-loop && req_module nvme-fabrics || return 1
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
	dev__connect "$name" || return 1

	# The namespace's disk: nvmeXnY under the controller, or under its
	# subsystem when native multipath names disks by subsystem.
	for d in /sys/class/nvme/"$DEV_CTRL"/nvme*n* /sys/class/nvme/"$DEV_CTRL"/subsystem/nvme*n*; do
		d=${d##*/}
		if [[ $d != *c*n* && -b /dev/$d ]]; then
			blk=$d
			break
		fi
	done
	if [[ -z $blk || ! -c /dev/ng${blk#nvme} ]]; then
		REQ_WHY="nvme-loop: no namespace device for $DEV_CTRL"
		return 1
	fi
	export FIXBUF_NVME_CHAR=/dev/ng${blk#nvme} FIXBUF_NVME_BLK=/dev/$blk
	# At least as many fillers as usable tags (queue_size less the reserved
	# ones); a surplus filler just waits in io-wq.
	export FIXBUF_NVME_TAGS=$NVME_QUEUE
}
