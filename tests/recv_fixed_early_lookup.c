// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_OP_RECV with IORING_RECVSEND_FIXED_BUF (kernel 7.2+) resolves
 * the buffer in its first issue, even when IORING_RECVSEND_POLL_FIRST
 * parks it: the data lands in the pages registered at submit.
 */
#include "lib/order.h"

int main(int argc, char **argv)
{
	return order_main(&t_op_recv, argc, argv);
}
