// SPDX-License-Identifier: GPL-2.0
/*
 * Device scsi_debug (harness/lib/dev-scsi_debug.sh): a scsi_debug disk, one
 * command at a time, its SCSI commands through BSG, and its passthrough
 * program's ops (scsi_bsg_early_lookup).
 */
#include <stdio.h>
#include <string.h>
#include "passthru.h"

const struct t_dev t_dev_scsi_debug = {
	.name = "scsi_debug",
	.node_var = "FIXBUF_SCSI_BSG",
	.blk_var = "FIXBUF_SCSI_BLK",
	.tags_var = "FIXBUF_SCSI_TAGS",
};

#define READ_10		0x28
#define WRITE_10	0x2a

static void prep(const struct t_dev_fd *d, struct io_uring_sqe *sqe, bool write,
		 bool vec, uint8_t *buf, size_t len, uint64_t lba, int idx,
		 struct pt_cmd_mem *mem)
{
	struct fixbuf_bsg_uring_cmd *cmd = (struct fixbuf_bsg_uring_cmd *)sqe->cmd;
	uint32_t blocks = (uint32_t)(len / d->lba_size);

	(void)vec;
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = d->fd;
	if (idx >= 0) {
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = (unsigned short)idx;
	}
	/* The CDB is copied at each issue, io-wq's too: it lives in @mem. */
	memset(mem->cdb, 0, sizeof(mem->cdb));
	mem->cdb[0] = write ? WRITE_10 : READ_10;
	for (int i = 0; i < 4; i++)
		mem->cdb[2 + i] = (uint8_t)(lba >> (24 - 8 * i));
	mem->cdb[7] = (uint8_t)(blocks >> 8);
	mem->cdb[8] = (uint8_t)blocks;
	cmd->request = (uintptr_t)mem->cdb;
	cmd->request_len = 10;
	cmd->response = (uintptr_t)mem->sense;
	cmd->max_response_len = sizeof(mem->sense);
	if (write) {
		cmd->dout_xferp = (uintptr_t)buf;
		cmd->dout_xfer_len = (__u32)len;
	} else {
		cmd->din_xferp = (uintptr_t)buf;
		cmd->din_xfer_len = (__u32)len;
	}
	cmd->timeout_ms = 30000;
}

/* res2 of the big CQE: SCSI status, host status, sense length. */
static int status(const struct io_uring_cqe *cqe, char *why, size_t len)
{
	uint64_t res2 = cqe->big_cqe[0];
	unsigned int dev = res2 & 0xff, host = (res2 >> 16) & 0xff;

	if (!dev && !host)
		return 0;
	snprintf(why, len, "SCSI status 0x%02x, host status 0x%02x", dev, host);
	return 1;
}

const struct pt_dev_ops pt_scsi_bsg = {
	.name = "scsi_bsg",
	.dev = &t_dev_scsi_debug,
	.prep = prep,
	.status = status,
};
