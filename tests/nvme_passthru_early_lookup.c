// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe passthrough (IORING_OP_URING_CMD on /dev/ngXnY) with a fixed
 * buffer resolves the buffer before blk_mq_alloc_request() can fail with
 * -EAGAIN, so a command punted to io-wq for lack of tags still uses the
 * buffer registered at submit (nvme_uring_cmd_io() imports first since
 * 6.15). The device is an nvme-loop target over a null_blk. The program
 * also runs the fail-nth sweep of a fixed-buffer write (sweep/nvme/...).
 */
#include "lib/passthru.h"

int main(int argc, char **argv)
{
	return pt_main(&pt_nvme, argc, argv);
}
