// SPDX-License-Identifier: GPL-2.0
/*
 * NVMe passthrough (IORING_OP_URING_CMD on /dev/ngXnY) with a fixed
 * buffer resolves the buffer before blk_mq_alloc_request() can fail with
 * -EAGAIN, so a command punted to io-wq for lack of tags still uses the
 * buffer registered at submit (nvme_uring_cmd_io() imports first since
 * 6.15). The device is an nvme-loop target over a null_blk. The program
 * also runs the fail-nth sweep of a fixed-buffer write (sweep/nvme/...).
 */
#include <string.h>
#include <sys/ioctl.h>
#include <linux/nvme_ioctl.h>
#include "lib/passthru.h"

#define NVME_CMD_WRITE	0x01
#define NVME_CMD_READ	0x02

static int probe(struct pt_dev *d)
{
	int nsid = ioctl(d->fd, NVME_IOCTL_ID);

	if (nsid <= 0)
		return t_fail("NVME_IOCTL_ID: %m");
	d->nsid = (unsigned int)nsid;
	return 0;
}

static void prep(const struct pt_dev *d, struct io_uring_sqe *sqe, bool write,
		 bool vec, uint8_t *buf, size_t len, uint64_t lba, int idx,
		 struct pt_cmd_mem *mem)
{
	struct nvme_uring_cmd *cmd = (struct nvme_uring_cmd *)sqe->cmd;

	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = d->fd;
	sqe->cmd_op = vec ? NVME_URING_CMD_IO_VEC : NVME_URING_CMD_IO;
	if (idx >= 0) {
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = (unsigned short)idx;
	}
	cmd->opcode = write ? NVME_CMD_WRITE : NVME_CMD_READ;
	cmd->nsid = d->nsid;
	if (vec) {
		/*
		 * Two page-aligned segments: NVMe (PRPs) refuses a gap inside
		 * a page between segments (virt_boundary) with -EINVAL.
		 */
		const size_t cut[] = { 0, 4096, len };

		for (int i = 0; i < 2; i++) {
			mem->iov[i].iov_base = buf + cut[i];
			mem->iov[i].iov_len = cut[i + 1] - cut[i];
		}
		cmd->addr = (uintptr_t)mem->iov;
		cmd->data_len = 2;
	} else {
		cmd->addr = (uintptr_t)buf;
		cmd->data_len = (__u32)len;
	}
	cmd->cdw10 = (__u32)lba;
	cmd->cdw11 = (__u32)(lba >> 32);
	cmd->cdw12 = (__u32)(len / d->lba_size - 1);
}

/* harness/lib/dev-nvme-loop.sh: nvme-loop target over a null_blk. */
static const struct pt_dev_ops ops = {
	.name = "nvme",
	.dev = {
		.name = "nvme-loop",
		.node_var = "FIXBUF_NVME_CHAR",
		.blk_var = "FIXBUF_NVME_BLK",
		.tags_var = "FIXBUF_NVME_TAGS",
	},
	.io_timeout = true,
	.vectored = true,
	.probe = probe,
	.prep = prep,
};

int main(int argc, char **argv)
{
	return pt_main(&ops, argc, argv);
}
