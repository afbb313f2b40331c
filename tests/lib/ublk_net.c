// SPDX-License-Identifier: GPL-2.0
/*
 * The network back end: a loopback TCP sink, owned by the case, stores the
 * device's blocks. One connection per (queue, tag) keeps a request's header
 * and data together and in order. Per request (no links, one batch):
 *   write: SEND header, SEND_ZC (plain, or vectored as two iovecs, or SEND
 *          with IORING_RECVSEND_FIXED_BUF) of
 *          the request's slot, RECV of the sink's 4-byte ack;
 *   read:  SEND header, RECV with IORING_RECVSEND_FIXED_BUF into the slot.
 * With UBLK_NET_PF_SEND / _RECV the data I/O parks before its first attempt:
 * the lookup order under test. The ack makes a write's bytes be in the
 * store before the client's write returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "ublk.h"
#include "ublk_case.h"

#define NET_MAGIC	0xf1b0b10c
#define MAX_CONNS	(UBLK_MAX_QUEUES * UBLK_MAX_TAGS * 2)
#define NET_MAX_IO	(64 << 10)	/* max_io_buf_bytes of the device */

struct net_hdr {
	uint32_t magic, op, len, pad;
	uint64_t off;
};

struct net_dev {
	int lfd;
	struct sockaddr_in addr;
	uint8_t *store;
	uint64_t size;
	pthread_t acceptor;
	bool accepting;
	pthread_mutex_t lock;
	/* Connections: a failed request reconnects, so slots are reaped. */
	struct net_conn {
		int fd;
		pthread_t thread;
		bool used, done;
	} conns[MAX_CONNS];
};

struct net_io {
	int fd;
	struct net_hdr hdr;
	int32_t ack;
	struct iovec iov[2];	/* UBLK_NET_VEC: the slot in two halves */
	bool broken;		/* out of step with the sink: reconnect */
};

/* ---- the sink ------------------------------------------------------- */

static bool read_all(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (uint8_t *)buf + got, len - got);

		if (n <= 0)
			return false;
		got += n;
	}
	return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = send(fd, (const uint8_t *)buf + done, len - done, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		done += n;
	}
	return true;
}

struct conn_arg {
	struct net_dev *nd;
	struct net_conn *c;
};

/* Serve one connection until EOF: store what is written, send what is read. */
static void *conn_thread(void *arg)
{
	struct conn_arg *ca = arg;
	struct net_dev *nd = ca->nd;
	struct net_conn *c = ca->c;
	int fd = c->fd;
	struct net_hdr h;
	uint8_t *tmp = malloc(NET_MAX_IO);

	free(ca);
	while (tmp && read_all(fd, &h, sizeof(h))) {
		int32_t ack;

		if (h.magic != NET_MAGIC || h.len > NET_MAX_IO || h.off + h.len > nd->size)
			break;
		if (h.op == UBLK_IO_OP_WRITE) {
			/* All of it or nothing: a broken send leaves the store alone. */
			if (!read_all(fd, tmp, h.len))
				break;
			memcpy(nd->store + h.off, tmp, h.len);
			ack = h.len;
			if (!write_all(fd, &ack, sizeof(ack)))
				break;
		} else if (!write_all(fd, nd->store + h.off, h.len)) {
			break;
		}
	}
	free(tmp);
	pthread_mutex_lock(&nd->lock);
	c->done = true;
	pthread_mutex_unlock(&nd->lock);
	return NULL;
}

/* A free connection slot, reaping ended ones; NULL when all are live. */
static struct net_conn *conn_slot(struct net_dev *nd)
{
	struct net_conn *free_c = NULL;

	for (int i = 0; i < MAX_CONNS; i++) {
		struct net_conn *c = &nd->conns[i];

		if (c->used && c->done) {
			pthread_join(c->thread, NULL);
			close(c->fd);
			c->used = false;
		}
		if (!c->used && !free_c)
			free_c = c;
	}
	return free_c;
}

static void *acceptor(void *arg)
{
	struct net_dev *nd = arg;
	int one = 1;

	for (;;) {
		int fd = accept4(nd->lfd, NULL, NULL, SOCK_CLOEXEC);
		struct conn_arg *ca;
		struct net_conn *slot;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;	/* listener shut down */
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ca = malloc(sizeof(*ca));
		pthread_mutex_lock(&nd->lock);
		slot = conn_slot(nd);
		if (!ca || !slot) {
			/* The server sees the connection end: its requests fail. */
			pthread_mutex_unlock(&nd->lock);
			free(ca);
			close(fd);
			continue;
		}
		ca->nd = nd;
		ca->c = slot;
		*ca->c = (struct net_conn){ .fd = fd, .used = true };
		if (pthread_create(&ca->c->thread, NULL, conn_thread, ca)) {
			ca->c->used = false;
			free(ca);
			close(fd);
		}
		pthread_mutex_unlock(&nd->lock);
	}
}

static int net_init(struct ublk_dev *d)
{
	struct net_dev *nd = calloc(1, sizeof(*nd));
	socklen_t alen = sizeof(nd->addr);

	if (!nd)
		return -ENOMEM;
	d->tgt_data = nd;
	nd->lfd = -1;
	pthread_mutex_init(&nd->lock, NULL);
	nd->size = d->conf.size;
	nd->store = calloc(1, d->conf.size);
	if (!nd->store)
		return -ENOMEM;
	nd->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	nd->addr.sin_family = AF_INET;
	nd->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (nd->lfd < 0 || bind(nd->lfd, (struct sockaddr *)&nd->addr, sizeof(nd->addr)) ||
	    listen(nd->lfd, 256) ||
	    getsockname(nd->lfd, (struct sockaddr *)&nd->addr, &alen))
		return -errno;
	if (pthread_create(&nd->acceptor, NULL, acceptor, nd))
		return -EAGAIN;
	nd->accepting = true;
	return 0;
}

static int net_connect(struct ublk_queue *q, struct net_io *io)
{
	struct net_dev *nd = q->dev->tgt_data;
	int one = 1;

	io->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (io->fd < 0)
		return -errno;
	if (connect(io->fd, (struct sockaddr *)&nd->addr, sizeof(nd->addr)))
		return -errno;
	setsockopt(io->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	io->broken = false;
	return 0;
}

static int net_queue_init(struct ublk_queue *q)
{
	struct net_io *ios = calloc(q->dev->conf.depth, sizeof(*ios));
	int ret;

	if (!ios)
		return -ENOMEM;
	q->tgt_data = ios;
	for (unsigned int t = 0; t < q->dev->conf.depth; t++) {
		ios[t].fd = -1;
		ret = net_connect(q, &ios[t]);
		if (ret)
			return ret;
	}
	return 0;
}

static const char *data_op_name(const struct ublk_queue *q, bool write)
{
	unsigned int f = q->dev->conf.tgt_flags;

	if (!write)
		return f & UBLK_NET_PF_RECV ? "RECV fixed (POLL_FIRST)" : "RECV fixed";
	if (f & UBLK_NET_VEC)
		return f & UBLK_NET_PF_SEND ? "vectored SEND_ZC (POLL_FIRST)" : "vectored SEND_ZC";
	if (f & UBLK_NET_ZC)
		return f & UBLK_NET_PF_SEND ? "SEND_ZC (POLL_FIRST)" : "SEND_ZC";
	return f & UBLK_NET_PF_SEND ? "SEND fixed (POLL_FIRST)" : "SEND fixed";
}

static int net_queue_io(struct ublk_queue *q, int tag, unsigned int idx)
{
	struct net_io *io = &((struct net_io *)q->tgt_data)[tag];
	const struct ublksrv_io_desc *iod = q->ios[tag].iod;
	bool write = ublksrv_get_op(iod) == UBLK_IO_OP_WRITE;
	unsigned int len = iod->nr_sectors << 9, f = q->dev->conf.tgt_flags;
	struct io_uring_sqe *sqe;
	int ret;

	if (io->broken) {
		t_close(&io->fd);
		ret = net_connect(q, io);
		if (ret)
			return ret;
	}
	io->hdr = (struct net_hdr){ .magic = NET_MAGIC, .op = write ? UBLK_IO_OP_WRITE :
		UBLK_IO_OP_READ, .len = len, .off = iod->start_sector << 9 };

	sqe = io_uring_get_sqe(&q->ring);
	io_uring_prep_send(sqe, io->fd, &io->hdr, sizeof(io->hdr), MSG_WAITALL);
	sqe->user_data = ublk_ud(q, tag, UBLK_UD_TGT);

	/* The data I/O on the slot: a kernel buffer starts at address 0. */
	sqe = io_uring_get_sqe(&q->ring);
	if (write && (f & UBLK_NET_VEC)) {
		/* Two iovecs into the slot (7.1+): io_import_reg_vec() resolves it. */
		io->iov[0] = (struct iovec){ NULL, len / 2 };
		io->iov[1] = (struct iovec){ (void *)(uintptr_t)(len / 2), len - len / 2 };
		io_uring_prep_send_zc(sqe, io->fd, io->iov, 2, MSG_WAITALL, IORING_SEND_VECTORIZED);
		sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
		sqe->buf_index = idx;
	} else if (write && (f & UBLK_NET_ZC)) {
		io_uring_prep_send_zc_fixed(sqe, io->fd, NULL, len, MSG_WAITALL, 0, idx);
	} else {
		if (write)
			io_uring_prep_send(sqe, io->fd, NULL, len, MSG_WAITALL);
		else
			io_uring_prep_recv(sqe, io->fd, NULL, len, MSG_WAITALL);
		sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
		sqe->buf_index = idx;
	}
	if (f & (write ? UBLK_NET_PF_SEND : UBLK_NET_PF_RECV))
		sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	sqe->user_data = ublk_ud(q, tag, UBLK_UD_DATA);
	if (!write)
		return 2;

	sqe = io_uring_get_sqe(&q->ring);
	io->ack = 0;
	io_uring_prep_recv(sqe, io->fd, &io->ack, sizeof(io->ack), MSG_WAITALL);
	sqe->user_data = ublk_ud(q, tag, UBLK_UD_TGT + 1);
	return 3;
}

/* Out of step with the sink: end the pending ack RECV, reconnect later. */
static void net_break(struct net_io *io)
{
	if (!io->broken)
		shutdown(io->fd, SHUT_RDWR);
	io->broken = true;
}

static void net_cqe(struct ublk_queue *q, int tag, const struct io_uring_cqe *cqe)
{
	struct net_io *io = &((struct net_io *)q->tgt_data)[tag];
	struct ublk_io *uio = &q->ios[tag];
	bool write = ublksrv_get_op(uio->iod) == UBLK_IO_OP_WRITE;
	int len = uio->iod->nr_sectors << 9;
	unsigned int kind = ublk_ud_kind(cqe->user_data);

	if (cqe->flags & IORING_CQE_F_NOTIF)
		return;
	if (kind == UBLK_UD_DATA) {
		ublk_data_done(q, tag);
		if (cqe->res == len)
			return;
		ublk_fail(q, tag, "%s of %d bytes from slot %d: %s (%d)",
			  data_op_name(q, write), len, uio->idx,
			  cqe->res < 0 ? strerror(-cqe->res) : "short", cqe->res);
	} else if (kind == UBLK_UD_TGT) {
		if (cqe->res == (int)sizeof(io->hdr))
			return;
		ublk_fail(q, tag, "SEND of the header: %s (%d)",
			  cqe->res < 0 ? strerror(-cqe->res) : "short", cqe->res);
	} else {
		/* The ack; after a failed data send it ends with the shutdown. */
		if (io->broken || (cqe->res == (int)sizeof(io->ack) && io->ack == len))
			return;
		ublk_fail(q, tag, "sink ack: res %d, ack %d", cqe->res, io->ack);
	}
	uio->res = -EIO;
	net_break(io);
}

static void net_queue_exit(struct ublk_queue *q)
{
	struct net_io *ios = q->tgt_data;

	for (unsigned int t = 0; ios && t < q->dev->conf.depth; t++)
		t_close(&ios[t].fd);
	free(ios);
	q->tgt_data = NULL;
}

static void net_exit(struct ublk_dev *d)
{
	struct net_dev *nd = d->tgt_data;

	if (!nd)
		return;
	if (nd->lfd >= 0) {
		shutdown(nd->lfd, SHUT_RDWR);
		if (nd->accepting)
			pthread_join(nd->acceptor, NULL);
		nd->accepting = false;
		close(nd->lfd);
	}
	/* The acceptor is gone: no lock needed. The store stays. */
	for (int i = 0; i < MAX_CONNS; i++) {
		struct net_conn *c = &nd->conns[i];

		if (!c->used)
			continue;
		shutdown(c->fd, SHUT_RDWR);
		pthread_join(c->thread, NULL);
		close(c->fd);
		c->used = false;
	}
	nd->lfd = -1;
}

/* The store is this process's memory, read and written by the sink threads. */
static int net_store(struct ublk_dev *d, uint64_t off, void *buf, size_t len, bool put)
{
	struct net_dev *nd = d->tgt_data;

	if (!nd || !nd->store || off + len > nd->size)
		return -EINVAL;
	if (put)
		memcpy(nd->store + off, buf, len);
	else
		memcpy(buf, nd->store + off, len);
	return 0;
}

/*
 * The back end reads into the request's slot with RECV and
 * IORING_RECVSEND_FIXED_BUF (7.2+), the kernel's own partition scan of a
 * new device included: where the kernel refuses that, no net case can
 * run. 0, or the case's skip.
 */
static int net_probe(void)
{
	static uint8_t buf[64];
	struct iovec iov = { buf, sizeof(buf) };
	struct io_uring_cqe cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int sv[2], ret;

	if ((ret = t_ring(&ring, 0)))
		return ret;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		io_uring_queue_exit(&ring);
		return t_fail("socketpair: %m");
	}
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (!ret && write(sv[0], "x", 1) != 1)
		ret = -EIO;
	if (!ret) {
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_recv(sqe, sv[1], buf, sizeof(buf), 0);
		sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
		sqe->buf_index = 0;
		ret = io_uring_submit(&ring) == 1 ? 0 : -EIO;
	}
	if (!ret)
		ret = t_wait_cqe(&ring, &cqe, 5000) ? -ETIME : cqe.res < 0 ? cqe.res : 0;
	close(sv[0]);
	close(sv[1]);
	io_uring_queue_exit(&ring);
	if (ret == -EINVAL)
		return t_skip("kernel rejects RECV with IORING_RECVSEND_FIXED_BUF (7.2+): the net back end receives into the request's slot");
	return ret ? t_fail("RECV fixed probe on a socketpair: %s", strerror(-ret)) : 0;
}

const struct ublk_tgt_ops ublk_tgt_net = {
	.name = "net",
	.probe = net_probe,
	.init = net_init,
	.queue_init = net_queue_init,
	.queue_io = net_queue_io,
	.tgt_cqe = net_cqe,
	.queue_exit = net_queue_exit,
	.exit = net_exit,
	.store = net_store,
};
