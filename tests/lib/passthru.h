/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ordering scenario for passthrough IORING_OP_URING_CMD with
 * IORING_URING_CMD_FIXED: filler commands hold every blk-mq tag of a slow
 * device, so the fixed-buffer command's non-blocking request allocation
 * fails with -EAGAIN and it goes to io-wq, where it waits for a tag. The
 * table slot is changed meanwhile; the command must still use the buffer
 * registered at submit. Two ways to hold the tags: a slow backend
 * (tags-exhausted) and, where the kernel has fail_io_timeout and the
 * device says how to arm it, completions dropped at the backing queue
 * until its timeout handler ends them (fault-timeout).
 *
 * A test file describes its device with a struct pt_dev_ops and calls
 * pt_main(); the devices themselves are created by the harness
 * (harness/lib/dev-*.sh), which passes their paths in the environment.
 */
#ifndef FIXBUF_PASSTHRU_H
#define FIXBUF_PASSTHRU_H

#include "t.h"

struct pt_dev {
	int fd;			/* char device taking the uring_cmd */
	int blk;		/* block device, O_DIRECT: to check the data */
	char blk_name[32];	/* e.g. nvme1n1 */
	unsigned int lba_size;
	unsigned int nsid;	/* NVMe namespace id */
	unsigned int tags;	/* nr_requests of the block queue */
};

/* Out-of-SQE memory a command reads when (re)issued: must outlive it. */
struct pt_cmd_mem {
	uint8_t cdb[16];
	uint8_t sense[32];
	struct iovec iov[3];
};

struct pt_dev_ops {
	const char *name;	/* case prefix: "nvme" */
	const char *env_char;	/* env var with the char device path */
	const char *env_blk;	/* env var with the block device path */
	const char *env_tags;	/* env var: how many fillers hold every tag */
	const char *requires;	/* what the harness must set up */
	/*
	 * Prefix of the variables the harness exports when it set up
	 * fail_io_timeout on the backing queue (harness/lib/fault.sh):
	 * <P>=1, <P>_TIMES, <P>_DROP, <P>_TIMEOUT, <P>_MS, else <P>_WHY.
	 * Non-NULL adds the fault-timeout cases.
	 */
	const char *env_fault;
	bool vectored;		/* has a vectored fixed-buffer variant */
	/* Fill device fields beyond fd/blk (nsid, ...); 0 or a verdict. */
	int (*probe)(struct pt_dev *d);
	/* A command moving @len bytes at @lba; fixed: through slot @idx. */
	void (*prep)(const struct pt_dev *d, struct io_uring_sqe *sqe,
		     bool write, bool vec, uint8_t *buf, size_t len,
		     uint64_t lba, int idx, struct pt_cmd_mem *mem);
	/* Extra completion status (e.g. SCSI status in res2); 0 if fine. */
	int (*status)(const struct io_uring_cqe *cqe, char *why, size_t len);
};

int pt_main(const struct pt_dev_ops *ops, int argc, char **argv);

#endif
