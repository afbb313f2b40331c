// SPDX-License-Identifier: GPL-2.0
/*
 * The file back end, the control: WRITE_FIXED / READ_FIXED on the request's
 * slot, to a memfd that holds the blocks. Both resolve the slot at issue
 * on every kernel (early), so every case on this back end must pass.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "ublk.h"

static int file_init(struct ublk_dev *d)
{
	int fd = memfd_create("fixbuf-ublk-store", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, d->conf.size)) {
		close(fd);
		return -errno;
	}
	d->tgt_data = (void *)(intptr_t)(fd + 1);
	return 0;
}

static int store_fd(const struct ublk_dev *d)
{
	return (int)(intptr_t)d->tgt_data - 1;
}

static int file_queue_io(struct ublk_queue *q, int tag, unsigned int idx)
{
	const struct ublksrv_io_desc *iod = q->ios[tag].iod;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	unsigned int len = iod->nr_sectors << 9;
	uint64_t off = iod->start_sector << 9;

	if (!sqe)
		return -EBUSY;
	/* A kernel (ublk) buffer starts at address 0 of its slot. */
	if (ublksrv_get_op(iod) == UBLK_IO_OP_WRITE)
		io_uring_prep_write_fixed(sqe, store_fd(q->dev), NULL, len, off, idx);
	else
		io_uring_prep_read_fixed(sqe, store_fd(q->dev), NULL, len, off, idx);
	sqe->user_data = ublk_ud(q, tag, UBLK_UD_DATA);
	return 1;
}

static void file_cqe(struct ublk_queue *q, int tag, const struct io_uring_cqe *cqe)
{
	struct ublk_io *io = &q->ios[tag];
	int len = io->iod->nr_sectors << 9;

	ublk_data_done(q, tag);
	if (cqe->res == len)
		return;
	ublk_fail(q, tag, "%s: %s (%d of %d bytes)",
		  ublksrv_get_op(io->iod) == UBLK_IO_OP_WRITE ? "WRITE_FIXED" : "READ_FIXED",
		  cqe->res < 0 ? strerror(-cqe->res) : "short", cqe->res, len);
	io->res = -EIO;
}

static void file_exit(struct ublk_dev *d)
{
	if (d->tgt_data)
		close(store_fd(d));
	d->tgt_data = NULL;
}

static int file_store(struct ublk_dev *d, uint64_t off, void *buf, size_t len, bool put)
{
	ssize_t r = put ? pwrite(store_fd(d), buf, len, off) : pread(store_fd(d), buf, len, off);

	return r == (ssize_t)len ? 0 : -EIO;
}

const struct ublk_tgt_ops ublk_tgt_file = {
	.name = "file",
	.init = file_init,
	.queue_io = file_queue_io,
	.tgt_cqe = file_cqe,
	.exit = file_exit,
	.store = file_store,
};
