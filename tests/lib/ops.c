// SPDX-License-Identifier: GPL-2.0
/* SQE preparation for each socket opcode with a fixed buffer. */
#include <errno.h>
#include <string.h>
#include "ops.h"

/* The send/recv family names a fixed buffer in ioprio + buf_index. */
static void use_slot(struct io_uring_sqe *sqe, unsigned int idx)
{
	sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
	sqe->buf_index = idx;
}

static void prep_send_zc(struct io_uring_sqe *sqe, int fd,
			 const struct t_buf *b, unsigned int idx,
			 struct t_msg *m)
{
	(void)m;
	io_uring_prep_send_zc_fixed(sqe, fd, b->addr, b->len, 0, 0, idx);
}

/*
 * A vectored fixed buffer: three iovecs that lie inside slot @idx, of
 * uneven sizes so that a lookup mixing up offsets shows.
 */
static void split(const struct t_buf *b, struct t_msg *m)
{
	const size_t cut[] = { 0, 1000, 4096 + 17, b->len };

	memset(&m->mh, 0, sizeof(m->mh));
	t_iov_split(m->iov, b->addr, cut, 3);
	m->mh.msg_iov = m->iov;
	m->mh.msg_iovlen = 3;
}

/* SENDMSG_ZC with a vectored fixed buffer (6.15+). */
static void prep_sendmsg_zc(struct io_uring_sqe *sqe, int fd,
			    const struct t_buf *b, unsigned int idx,
			    struct t_msg *m)
{
	split(b, m);
	io_uring_prep_sendmsg_zc(sqe, fd, &m->mh, 0);
	use_slot(sqe, idx);
}

/* SEND_ZC with IORING_SEND_VECTORIZED (7.1+): addr/len are the iovecs. */
static void prep_send_zc_vec(struct io_uring_sqe *sqe, int fd,
			     const struct t_buf *b, unsigned int idx,
			     struct t_msg *m)
{
	split(b, m);
	io_uring_prep_send_zc(sqe, fd, m->iov, 3, 0, IORING_SEND_VECTORIZED);
	use_slot(sqe, idx);
}

/* Plain SEND/RECV with IORING_RECVSEND_FIXED_BUF (7.2+). */
static void prep_send(struct io_uring_sqe *sqe, int fd, const struct t_buf *b,
		      unsigned int idx, struct t_msg *m)
{
	(void)m;
	io_uring_prep_send(sqe, fd, b->addr, b->len, 0);
	use_slot(sqe, idx);
}

static void prep_recv(struct io_uring_sqe *sqe, int fd, const struct t_buf *b,
		      unsigned int idx, struct t_msg *m)
{
	(void)m;
	io_uring_prep_recv(sqe, fd, b->addr, b->len, 0);
	use_slot(sqe, idx);
}

const struct t_op t_op_send_zc = {
	.name = "send_zc", .opname = "IORING_OP_SEND_ZC",
	.opcode = IORING_OP_SEND_ZC, .zc = true, .prep = prep_send_zc,
};

const struct t_op t_op_send_zc_vec = {
	.name = "send_zc_vec", .opname = "IORING_OP_SEND_ZC (IORING_SEND_VECTORIZED)",
	.opcode = IORING_OP_SEND_ZC, .zc = true, .prep = prep_send_zc_vec,
};

const struct t_op t_op_sendmsg_zc = {
	.name = "sendmsg_zc", .opname = "IORING_OP_SENDMSG_ZC",
	.opcode = IORING_OP_SENDMSG_ZC, .zc = true, .prep = prep_sendmsg_zc,
};

const struct t_op t_op_send = {
	.name = "send", .opname = "IORING_OP_SEND",
	.opcode = IORING_OP_SEND, .prep = prep_send,
};

const struct t_op t_op_recv = {
	.name = "recv", .opname = "IORING_OP_RECV",
	.opcode = IORING_OP_RECV, .recv = true, .prep = prep_recv,
};

int t_sock_io_setup(struct t_sock_io *x, const struct t_op *op,
		    const char *sock, unsigned int ring_flags, bool small,
		    size_t len, enum t_pat fill, bool parks)
{
	int ret;

	t_trace_start(&x->tr);
	if (parks && (ret = t_trace_require(&x->tr)))
		return ret;
	ret = t_ring(&x->ring, ring_flags);
	if (ret || (ret = t_need_op(&x->ring, op->opcode, op->opname)) ||
	    (ret = t_socks_case(&x->s, sock, small)))
		return ret;
	ret = t_buf_map(&x->b, len, fill);
	if (ret)
		return t_fail("buffer of %zu bytes: %s", len, strerror(-ret));
	return t_table(&x->ring, 4);
}
