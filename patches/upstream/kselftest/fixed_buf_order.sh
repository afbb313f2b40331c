#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs fixed_buf_order; its SCSI BSG case needs a scsi_debug disk, loaded
# here (one tag, so few filler commands hold the queue) when scsi_debug is
# a module that is not loaded yet, and unloaded afterwards.

dir=$(dirname "$0")
loaded=0

if [ ! -d /sys/bus/pseudo/drivers/scsi_debug ] &&
   modprobe -q scsi_debug max_queue=1 dev_size_mb=16 2>/dev/null; then
	loaded=1
	udevadm settle 2>/dev/null || sleep 1
fi
"$dir"/fixed_buf_order
ret=$?
[ $loaded -eq 1 ] && modprobe -r scsi_debug 2>/dev/null
exit $ret
