/* SPDX-License-Identifier: GPL-2.0 */
/* The socket opcodes that take a fixed buffer, described for the tests. */
#ifndef FIXBUF_OPS_H
#define FIXBUF_OPS_H

#include <sys/socket.h>
#include "t.h"

/* Room for an opcode's out-of-SQE arguments (msghdr, iovecs). */
struct t_msg {
	struct msghdr mh;
	struct iovec iov[3];
};

struct t_op {
	const char *name;	/* case name prefix, e.g. "send_zc" */
	const char *opname;	/* for reasons, e.g. "IORING_OP_SEND_ZC" */
	int opcode;
	bool recv;		/* data flows into the buffer */
	bool zc;		/* a notification CQE follows the result */
	/* Fill @sqe for an I/O of the whole of @b through slot @idx. */
	void (*prep)(struct io_uring_sqe *sqe, int fd, const struct t_buf *b,
		     unsigned int idx, struct t_msg *m);
};

extern const struct t_op t_op_send_zc, t_op_sendmsg_zc, t_op_send, t_op_recv;

#endif
