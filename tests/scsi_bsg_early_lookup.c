// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI BSG passthrough (IORING_OP_URING_CMD on /dev/bsg/H:C:T:L, 7.2+)
 * with a fixed buffer must resolve the buffer before the non-blocking
 * request allocation can fail: a command punted to io-wq for lack of
 * tags must still use the buffer registered at submit. The device is a
 * scsi_debug disk limited to one command at a time. The program also runs
 * the fail-nth sweep of a fixed-buffer write (sweep/scsi_bsg/...).
 */
#include "lib/passthru.h"

int main(int argc, char **argv)
{
	return pt_main(&pt_scsi_bsg, argc, argv);
}
