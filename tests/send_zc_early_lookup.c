// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_OP_SEND_ZC with a fixed buffer resolves the buffer in its first
 * issue, even when IORING_RECVSEND_POLL_FIRST parks it (the ublk
 * zero-copy pattern: register -> send -> unregister in one batch).
 */
#include "lib/order.h"

int main(int argc, char **argv)
{
	return order_main(&t_op_send_zc, argc, argv);
}
