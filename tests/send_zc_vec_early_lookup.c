// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_OP_SEND_ZC with IORING_SEND_VECTORIZED and a fixed buffer
 * (iovecs inside a registered buffer, 7.1+) resolves the buffer in its
 * first issue, even when IORING_RECVSEND_POLL_FIRST parks it. It shares
 * io_sendmsg_zc() with SENDMSG_ZC but has its own import branch.
 */
#include "lib/order.h"

int main(int argc, char **argv)
{
	return order_main(&t_op_send_zc_vec, argc, argv);
}
