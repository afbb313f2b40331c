// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_OP_READ_FIXED and IORING_OP_WRITE_FIXED resolve the buffer in
 * their first issue, also when that issue returns -EAGAIN: punted to
 * io-wq (a memfd has no FMODE_NOWAIT) or parked on poll (an empty or full
 * pipe or socket). The retry must reuse the buffer found then.
 */
#include "lib/rw.h"

int main(int argc, char **argv)
{
	const struct rw_op *const ops[] = { &rw_read_fixed, &rw_write_fixed };
	const struct rw_target *const tgs[] = {
		&rw_pipe_ready, &rw_memfd, &rw_pipe, &rw_unix,
	};

	return rw_main(ops, 2, tgs, 4, argc, argv);
}
