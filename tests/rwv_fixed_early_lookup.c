// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_OP_READV_FIXED and IORING_OP_WRITEV_FIXED (6.15+) copy their
 * iovecs at prep and resolve the slot in their first issue, before any
 * -EAGAIN: punted to io-wq (memfd) or parked on poll (pipe, socket).
 */
#include "lib/rw.h"

int main(int argc, char **argv)
{
	const struct rw_op *const ops[] = { &rw_readv_fixed, &rw_writev_fixed };
	const struct rw_target *const tgs[] = {
		&rw_pipe_ready, &rw_memfd, &rw_pipe, &rw_unix,
	};

	return rw_main(ops, 2, tgs, 4, argc, argv);
}
