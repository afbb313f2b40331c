/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ublk's UAPI, with what is newer than bookworm's 6.1 headers (ublk_cmd.h,
 * 7.3), and its control commands, one small wrapper each (ublk_ctrl.c),
 * shared by the server (ublk.c) and the harness's ublk-del.
 */
#ifndef FIXBUF_UBLK_CTRL_H
#define FIXBUF_UBLK_CTRL_H

#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <liburing.h>
#include <linux/ublk_cmd.h>

#ifndef UBLK_U_CMD_ADD_DEV
#define UBLK_U_CMD_GET_DEV_INFO	_IOR('u', 0x02, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_ADD_DEV	_IOWR('u', 0x04, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_DEL_DEV	_IOWR('u', 0x05, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_START_DEV	_IOWR('u', 0x06, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_STOP_DEV	_IOWR('u', 0x07, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_SET_PARAMS	_IOWR('u', 0x08, struct ublksrv_ctrl_cmd)
#endif
#ifndef UBLK_U_CMD_GET_FEATURES
#define UBLK_U_CMD_GET_FEATURES	_IOR('u', 0x13, struct ublksrv_ctrl_cmd)
#endif
#ifndef UBLK_U_IO_FETCH_REQ
#define UBLK_U_IO_FETCH_REQ		_IOWR('u', 0x20, struct ublksrv_io_cmd)
#define UBLK_U_IO_COMMIT_AND_FETCH_REQ	_IOWR('u', 0x21, struct ublksrv_io_cmd)
#endif
#ifndef UBLK_U_IO_REGISTER_IO_BUF
#define UBLK_U_IO_REGISTER_IO_BUF	_IOWR('u', 0x23, struct ublksrv_io_cmd)
#define UBLK_U_IO_UNREGISTER_IO_BUF	_IOWR('u', 0x24, struct ublksrv_io_cmd)
#endif
#ifndef UBLK_F_CMD_IOCTL_ENCODE
#define UBLK_F_CMD_IOCTL_ENCODE	(1ULL << 6)
#endif
#ifndef UBLK_F_AUTO_BUF_REG
#define UBLK_F_AUTO_BUF_REG	(1ULL << 11)
#endif
#ifndef UBLK_AUTO_BUF_REG_FALLBACK
#define UBLK_AUTO_BUF_REG_FALLBACK	(1 << 0)
#endif
#ifndef UBLK_IO_F_NEED_REG_BUF
#define UBLK_IO_F_NEED_REG_BUF	(1U << 17)
#endif
#ifndef IORING_NOP_FIXED_BUFFER
#define IORING_NOP_FIXED_BUFFER	(1U << 3)	/* io_uring.h, 6.15+ */
#endif
#ifndef UBLK_IO_RES_ABORT
#define UBLK_IO_RES_ABORT	(-19)	/* -ENODEV */
#endif
#ifndef UBLKSRV_CMD_BUF_OFFSET
#define UBLKSRV_CMD_BUF_OFFSET	0
#endif
#define UBLK_MAX_DEPTH		4096	/* UBLK_MAX_QUEUE_DEPTH: the desc area stride */

/* ---- control commands (ublk_ctrl.c) ---------------------------------- */

#define UBLK_CTRL_DEV	"/dev/ublk-control"

/* /dev/ublk-control and an SQE128 ring for its commands. */
struct ublk_ctrl {
	int fd;
	struct io_uring ring;
};

/* A uring_cmd SQE with @op on @fd, and its command area (80 bytes with SQE128). */
void ublk_sqe_init(struct io_uring_sqe *sqe, int fd, uint32_t op);
void *ublk_sqe_cmd(struct io_uring_sqe *sqe);

/* 0 or -errno; ublk_ctrl_close() either way (fd -1 when it did not open). */
int ublk_ctrl_open(struct ublk_ctrl *c);
void ublk_ctrl_close(struct ublk_ctrl *c);
/* Each returns the command's result: 0 or -errno. */
int ublk_ctrl_add(struct ublk_ctrl *c, struct ublksrv_ctrl_dev_info *info);
int ublk_ctrl_set_params(struct ublk_ctrl *c, int id, struct ublk_params *p);
/* Returns once the disk is added: its queues must be served meanwhile. */
int ublk_ctrl_start(struct ublk_ctrl *c, int id, pid_t server);
int ublk_ctrl_stop(struct ublk_ctrl *c, int id);
int ublk_ctrl_del(struct ublk_ctrl *c, int id);

#endif
