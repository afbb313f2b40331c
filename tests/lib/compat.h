/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UAPI constants newer than the liburing headers we build against
 * (Debian bookworm ships liburing 2.3). Values are the kernel's ABI;
 * whether a running kernel accepts them is found out at run time.
 */
#ifndef FIXBUF_COMPAT_H
#define FIXBUF_COMPAT_H

#include <liburing.h>

#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER	(1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN	(1U << 13)
#endif

/* sqe->ioprio flags of the send/recv family */
#ifndef IORING_RECVSEND_POLL_FIRST
#define IORING_RECVSEND_POLL_FIRST	(1U << 0)
#endif
#ifndef IORING_RECV_MULTISHOT
#define IORING_RECV_MULTISHOT		(1U << 1)
#endif
#ifndef IORING_RECVSEND_FIXED_BUF
#define IORING_RECVSEND_FIXED_BUF	(1U << 2)
#endif
#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE	(1U << 3)
#endif
#ifndef IORING_RECVSEND_BUNDLE
#define IORING_RECVSEND_BUNDLE		(1U << 4)
#endif
#ifndef IORING_SEND_VECTORIZED
#define IORING_SEND_VECTORIZED		(1U << 5)
#endif

#ifndef IORING_CQE_F_MORE
#define IORING_CQE_F_MORE		(1U << 1)
#endif
#ifndef IORING_CQE_F_NOTIF
#define IORING_CQE_F_NOTIF		(1U << 3)
#endif

#ifndef IORING_URING_CMD_FIXED
#define IORING_URING_CMD_FIXED		(1U << 0)
#endif

/* Vectored fixed-buffer reads and writes (6.15+); enum values of the ABI. */
#define FIXBUF_OP_READV_FIXED		60
#define FIXBUF_OP_WRITEV_FIXED		61

/* SCSI BSG uring_cmd (7.2+): the payload of a 128-byte SQE. */
#include <linux/types.h>
struct fixbuf_bsg_uring_cmd {
	__u64 request;		/* CDB address */
	__u32 request_len;
	__u32 protocol;		/* BSG_PROTOCOL_SCSI (0) */
	__u32 subprotocol;	/* BSG_SUB_PROTOCOL_SCSI_CMD (0) */
	__u32 max_response_len;
	__u64 response;		/* sense buffer */
	__u64 dout_xferp;
	__u32 dout_xfer_len;
	__u32 dout_iovec_count;
	__u64 din_xferp;
	__u32 din_xfer_len;
	__u32 din_iovec_count;
	__u32 timeout_ms;
	__u8 reserved[12];
};

#endif
