// SPDX-License-Identifier: GPL-2.0
/*
 * Device nvme-loop (harness/lib/dev-nvme-loop.sh): an nvme-loop target over
 * a null_blk, its NVMe commands, and its passthrough program's ops. Used by
 * nvme_passthru_early_lookup and the ublk NVMe back end (ublk_nvme.c).
 */
#include <string.h>
#include <sys/ioctl.h>
#include <linux/nvme_ioctl.h>
#include "passthru.h"

#define NVME_CMD_WRITE	0x01
#define NVME_CMD_READ	0x02

static int probe(struct t_dev_fd *d)
{
	int nsid = ioctl(d->fd, NVME_IOCTL_ID);

	if (nsid <= 0)
		return t_fail("NVME_IOCTL_ID: %m");
	d->nsid = (unsigned int)nsid;
	return 0;
}

const struct t_dev t_dev_nvme_loop = {
	.name = "nvme-loop",
	.node_var = "FIXBUF_NVME_CHAR",
	.blk_var = "FIXBUF_NVME_BLK",
	.tags_var = "FIXBUF_NVME_TAGS",
	.probe = probe,
};

void t_nvme_rw(struct io_uring_sqe *sqe, const struct t_dev_fd *d, bool write,
	       uint64_t lba, uint32_t len, uint64_t addr, unsigned int nr_vecs, int idx)
{
	struct nvme_uring_cmd *cmd = (struct nvme_uring_cmd *)sqe->cmd;

	memset(sqe, 0, 2 * sizeof(*sqe));	/* SQE128 */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = d->fd;
	sqe->cmd_op = nr_vecs ? NVME_URING_CMD_IO_VEC : NVME_URING_CMD_IO;
	if (idx >= 0) {
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = (unsigned short)idx;
	}
	cmd->opcode = write ? NVME_CMD_WRITE : NVME_CMD_READ;
	cmd->nsid = d->nsid;
	cmd->addr = addr;
	cmd->data_len = nr_vecs ? nr_vecs : len;
	cmd->cdw10 = (__u32)lba;
	cmd->cdw11 = (__u32)(lba >> 32);
	cmd->cdw12 = (__u32)(len / d->lba_size - 1);
}

static void prep(const struct t_dev_fd *d, struct io_uring_sqe *sqe, bool write,
		 bool vec, uint8_t *buf, size_t len, uint64_t lba, int idx,
		 struct pt_cmd_mem *mem)
{
	if (vec) {
		/*
		 * Two page-aligned segments: NVMe (PRPs) refuses a gap inside
		 * a page between segments (virt_boundary) with -EINVAL.
		 */
		const size_t cut[] = { 0, 4096, len };

		t_iov_split(mem->iov, buf, cut, 2);
		t_nvme_rw(sqe, d, write, lba, (uint32_t)len, (uintptr_t)mem->iov, 2, idx);
	} else {
		t_nvme_rw(sqe, d, write, lba, (uint32_t)len, (uintptr_t)buf, 0, idx);
	}
}

const struct pt_dev_ops pt_nvme = {
	.name = "nvme",
	.dev = &t_dev_nvme_loop,
	.io_timeout = true,
	.vectored = true,
	.prep = prep,
};
