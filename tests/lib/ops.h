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

/* What a socket case owns: ring, socket pair, buffer, evidence. */
struct t_sock_io {
	struct io_uring ring;
	struct t_socks s;
	struct t_buf b;
	struct t_msg m;
	struct t_trace tr;
};

/*
 * The common start of a socket case: tracing (required when @parks: the
 * proof that the request parked), a ring with @ring_flags that has @op,
 * a loopback pair of kind @sock (@small buffers), a buffer of @len bytes
 * holding @fill and an empty table of 4 slots. 0 or a verdict.
 */
int t_sock_io_setup(struct t_sock_io *x, const struct t_op *op,
		    const char *sock, unsigned int ring_flags, bool small,
		    size_t len, enum t_pat fill, bool parks);

extern const struct t_op t_op_send_zc, t_op_send_zc_vec, t_op_sendmsg_zc,
	t_op_send, t_op_recv;

#endif
