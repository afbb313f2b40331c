/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ordering scenario for passthrough IORING_OP_URING_CMD with
 * IORING_URING_CMD_FIXED: filler commands hold every blk-mq tag of a slow
 * device, so the fixed-buffer command's non-blocking request allocation
 * fails with -EAGAIN and it goes to io-wq, where it waits for a tag. The
 * table slot is changed meanwhile; the command must still use the buffer
 * registered at submit. Two ways to hold the tags: a slow backend
 * (tags-exhausted) and, where the harness set up fail_io_timeout on the
 * backing disk, completions dropped there until its timeout handler ends
 * them (fault-timeout).
 *
 * A device's file (dev_<name>.c) describes it with a struct pt_dev_ops, its
 * program calls pt_main(); the device itself is created by the harness (dev.h).
 */
#ifndef FIXBUF_PASSTHRU_H
#define FIXBUF_PASSTHRU_H

#include "t.h"
#include "dev.h"

/* Out-of-SQE memory a command reads when (re)issued: must outlive it. */
struct pt_cmd_mem {
	uint8_t cdb[16];
	uint8_t sense[32];
	struct iovec iov[3];
};

struct pt_dev_ops {
	const char *name;	/* case prefix: "nvme" */
	/* The harness's device: node_var, blk_var and tags_var all set. */
	const struct t_dev *dev;
	/* The device setup may arm fail_io_timeout (fault.h): fault-timeout cases. */
	bool io_timeout;
	bool vectored;		/* has a vectored fixed-buffer variant */
	/* A command moving @len bytes at @lba; fixed: through slot @idx. */
	void (*prep)(const struct t_dev_fd *d, struct io_uring_sqe *sqe,
		     bool write, bool vec, uint8_t *buf, size_t len,
		     uint64_t lba, int idx, struct pt_cmd_mem *mem);
	/* Extra completion status (e.g. SCSI status in res2); 0 if fine. */
	int (*status)(const struct io_uring_cqe *cqe, char *why, size_t len);
};

/*
 * A device's program: the early-lookup matrix (pt_cases.c) and the
 * fail-nth sweep of a fixed-buffer write (pt_sweep.c, sweep.h).
 */
int pt_main(const struct pt_dev_ops *ops, int argc, char **argv);

/* The devices' passthrough (dev_nvme_loop.c, dev_scsi_debug.c). */
extern const struct pt_dev_ops pt_nvme, pt_scsi_bsg;

#endif
