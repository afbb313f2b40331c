// SPDX-License-Identifier: GPL-2.0
/*
 * ublk-del ID...: stop and delete these ublk devices, for the harness's
 * undo after a ublk program (whatever way it ended: a killed server leaves
 * its device behind). Only ids a program recorded are ever passed here.
 * Exit 0 when every device is gone (deleted now, or already), else 1.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <liburing.h>
#include <linux/ublk_cmd.h>
#include <sys/ioctl.h>

#ifndef UBLK_U_CMD_DEL_DEV
#define UBLK_U_CMD_DEL_DEV	_IOWR('u', 0x05, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_STOP_DEV	_IOWR('u', 0x07, struct ublksrv_ctrl_cmd)
#endif

static int cmd(struct io_uring *ring, int fd, unsigned int id, uint32_t op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct ublksrv_ctrl_cmd *c;
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	memset(sqe, 0, 128);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, off), &op, sizeof(op));
	c = (void *)((char *)sqe + offsetof(struct io_uring_sqe, addr3));
	c->dev_id = id;
	c->queue_id = (uint16_t)-1;
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 };
	struct io_uring ring;
	int fd, ret, bad = 0;

	fd = open("/dev/ublk-control", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ublk-del: /dev/ublk-control: %s\n", strerror(errno));
		return 1;
	}
	ret = io_uring_queue_init_params(2, &ring, &p);
	if (ret) {
		fprintf(stderr, "ublk-del: ring: %s\n", strerror(-ret));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		unsigned int id = strtoul(argv[i], NULL, 10);

		/* -ENODEV: gone already (the program deleted it itself). */
		cmd(&ring, fd, id, UBLK_U_CMD_STOP_DEV);
		ret = cmd(&ring, fd, id, UBLK_U_CMD_DEL_DEV);
		if (ret && ret != -ENODEV) {
			fprintf(stderr, "ublk-del: deleting ublk device %u: %s\n", id, strerror(-ret));
			bad = 1;
		}
	}
	io_uring_queue_exit(&ring);
	close(fd);
	return bad;
}
