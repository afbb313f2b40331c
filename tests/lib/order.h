/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ordering scenario shared by the socket opcodes: a fixed-buffer I/O
 * is submitted, parked (POLL_FIRST on a ready socket with deferred task
 * work, or on a full/empty socket), the buffer table slot it names is
 * changed, and the I/O must still use the buffer registered at submit.
 *
 * A test file describes its opcode with a struct t_op and calls
 * order_main(); the matrix (socket x parking x table change) is here.
 */
#ifndef FIXBUF_ORDER_H
#define FIXBUF_ORDER_H

#include "ops.h"

int order_main(const struct t_op *op, int argc, char **argv);

#endif
