// SPDX-License-Identifier: GPL-2.0
/*
 * The NVMe back end: NVMe passthrough (IORING_OP_URING_CMD with
 * IORING_URING_CMD_FIXED on /dev/ngXnY, the nvme-loop namespace the harness
 * made) of the request's slot. nvme_uring_cmd_io() imports the buffer
 * before it allocates the request with BLK_MQ_REQ_NOWAIT (6.15+): when the
 * tags are taken the command goes to io-wq with its buffer resolved, so
 * every case passes; a kernel that allocates first (the
 * nvme-import-after-alloc mutant) resolves the slot in io-wq, after the
 * unregister.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ublk.h"
#include "ublk_case.h"
#include "dev.h"

static int nvme_init(struct ublk_dev *d)
{
	struct ublk_nvme *n = d->conf.tgt_arg;

	if (!n || n->ns.fd < 0)
		return -ENODEV;
	return 0;
}

static int nvme_queue_io(struct ublk_queue *q, int tag, unsigned int idx)
{
	const struct ublk_nvme *n = q->dev->conf.tgt_arg;
	const struct ublksrv_io_desc *iod = q->ios[tag].iod;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	unsigned int len = iod->nr_sectors << 9;
	uint64_t lba = (n->base + (iod->start_sector << 9)) / n->ns.lba_size;

	if (!sqe)
		return -EBUSY;
	/* A kernel buffer starts at address 0 of its slot. */
	t_nvme_rw(sqe, &n->ns, ublksrv_get_op(iod) == UBLK_IO_OP_WRITE, lba, len, 0, 0, (int)idx);
	sqe->user_data = ublk_ud(q, tag, UBLK_UD_DATA);
	return 1;
}

static void nvme_cqe(struct ublk_queue *q, int tag, const struct io_uring_cqe *cqe)
{
	struct ublk_io *io = &q->ios[tag];

	ublk_data_done(q, tag);
	if (cqe->res == 0)
		return;
	ublk_fail(q, tag, "NVMe %s passthrough of %u bytes from slot %d: %s (%d)",
		  ublksrv_get_op(io->iod) == UBLK_IO_OP_WRITE ? "write" : "read",
		  io->iod->nr_sectors << 9, io->idx,
		  cqe->res < 0 ? strerror(-cqe->res) : "NVMe status", cqe->res);
	io->res = -EIO;
}

static int nvme_store(struct ublk_dev *d, uint64_t off, void *buf, size_t len, bool put)
{
	const struct ublk_nvme *n = d->conf.tgt_arg;
	ssize_t r;
	void *b;

	/* Through the namespace's block device, O_DIRECT: no page cache. */
	if (posix_memalign(&b, 4096, len))
		return -ENOMEM;
	if (put)
		memcpy(b, buf, len);
	r = put ? pwrite(n->ns.blk, b, len, n->base + off) : pread(n->ns.blk, b, len, n->base + off);
	if (!put && r == (ssize_t)len)
		memcpy(buf, b, len);
	free(b);
	return r == (ssize_t)len ? 0 : -EIO;
}

const struct ublk_tgt_ops ublk_tgt_nvme = {
	.name = "nvme",
	.big_sqe = true,
	.init = nvme_init,
	.queue_io = nvme_queue_io,
	.tgt_cqe = nvme_cqe,
	.store = nvme_store,
};
