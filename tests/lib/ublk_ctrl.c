// SPDX-License-Identifier: GPL-2.0
/*
 * ublk's control commands (ublk_ctrl.h), one wrapper each. Plain liburing,
 * no test library: ublk-del links this file alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include "ublk_ctrl.h"

void *ublk_sqe_cmd(struct io_uring_sqe *sqe)
{
	return (uint8_t *)sqe + offsetof(struct io_uring_sqe, addr3);
}

void ublk_sqe_init(struct io_uring_sqe *sqe, int fd, uint32_t op)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	/* cmd_op shares the 'off' field; liburing 2.3 has no name for it. */
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, off), &op, sizeof(op));
}

int ublk_ctrl_open(struct ublk_ctrl *c)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 };
	int ret;

	c->fd = open(UBLK_CTRL_DEV, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	ret = io_uring_queue_init_params(4, &c->ring, &p);
	if (ret) {
		close(c->fd);
		c->fd = -1;
	}
	return ret;
}

void ublk_ctrl_close(struct ublk_ctrl *c)
{
	if (c->fd < 0)
		return;
	io_uring_queue_exit(&c->ring);
	close(c->fd);
	c->fd = -1;
}

static int cmd(struct ublk_ctrl *c, uint32_t op, int id, void *buf, size_t len,
	       uint64_t data0)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);
	struct io_uring_cqe *cqe;
	struct ublksrv_ctrl_cmd *cc;
	int ret;

	if (!sqe)
		return -EBUSY;
	/* An SQE128 ring: clear the whole 128 bytes, the command is 32. */
	memset(sqe, 0, 128);
	ublk_sqe_init(sqe, c->fd, op);
	cc = ublk_sqe_cmd(sqe);
	cc->dev_id = (uint32_t)id;
	cc->queue_id = (uint16_t)-1;
	cc->addr = (uintptr_t)buf;
	cc->len = (uint16_t)len;
	cc->data[0] = data0;
	ret = io_uring_submit_and_wait(&c->ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(&c->ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&c->ring, cqe);
	return ret;
}

int ublk_ctrl_add(struct ublk_ctrl *c, struct ublksrv_ctrl_dev_info *info)
{
	return cmd(c, UBLK_U_CMD_ADD_DEV, (int)info->dev_id, info, sizeof(*info), 0);
}

int ublk_ctrl_set_params(struct ublk_ctrl *c, int id, struct ublk_params *p)
{
	return cmd(c, UBLK_U_CMD_SET_PARAMS, id, p, sizeof(*p), 0);
}

int ublk_ctrl_start(struct ublk_ctrl *c, int id, pid_t server)
{
	return cmd(c, UBLK_U_CMD_START_DEV, id, NULL, 0, (uint64_t)server);
}

int ublk_ctrl_stop(struct ublk_ctrl *c, int id)
{
	return cmd(c, UBLK_U_CMD_STOP_DEV, id, NULL, 0, 0);
}

int ublk_ctrl_del(struct ublk_ctrl *c, int id)
{
	return cmd(c, UBLK_U_CMD_DEL_DEV, id, NULL, 0, 0);
}
