// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_OP_SENDMSG_ZC with fixed vectored buffers (iovecs inside a
 * registered buffer, kernel 6.15+) resolves the buffer in its first
 * issue, even when IORING_RECVSEND_POLL_FIRST parks it.
 */
#include "lib/order.h"

int main(int argc, char **argv)
{
	return order_main(&t_op_sendmsg_zc, argc, argv);
}
