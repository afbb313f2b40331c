// SPDX-License-Identifier: GPL-2.0
/* The passthrough device the harness made, and its data area. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pt.h"

int pt_dev_cmd(struct io_uring *ring, const struct pt_dev_ops *ops, const struct t_dev_fd *d,
	       bool write, bool vec, uint8_t *buf, int idx)
{
	struct io_uring_cqe cqe;
	struct pt_cmd_mem mem;
	int ret;

	ops->prep(d, io_uring_get_sqe(ring), write, vec, buf, PT_LEN,
		  PT_DATA_LBA_BYTES / d->lba_size, idx, &mem);
	ret = io_uring_submit(ring);
	if (ret == 1)
		return t_wait_cqe(ring, &cqe, 15000) ? -ETIME : cqe.res;
	return ret < 0 ? ret : -EIO;
}

int pt_dev_fill(struct io_uring *ring, const struct pt_dev_ops *ops,
		const struct t_dev_fd *d, enum t_pat pat)
{
	uint8_t *p;
	int ret;

	if (posix_memalign((void **)&p, 4096, PT_LEN))
		return -ENOMEM;
	t_pat_fill(p, PT_LEN, pat);
	ret = pt_dev_cmd(ring, ops, d, true, false, p, -1);
	free(p);
	/* BSG has no ->uring_cmd before 7.2: io_uring says so at issue. */
	if (ret == -EOPNOTSUPP)
		return t_skip("kernel has no io_uring passthrough on %s's %s node (-EOPNOTSUPP)",
			      d->blk_name, ops->name);
	if (ret < 0)
		return t_fail("preparing %s: %s", d->blk_name, strerror(-ret));
	return 0;
}

int pt_dev_verdict(const struct t_dev_fd *d)
{
	uint8_t *p;
	int ret;

	if (posix_memalign((void **)&p, 4096, PT_LEN))
		return t_fail("out of memory");
	if (pread(d->blk, p, PT_LEN, PT_DATA_LBA_BYTES) != PT_LEN)
		ret = t_fail("reading back %s: %m", d->blk_name);
	else
		ret = t_verdict_out(p, PT_LEN, "the device holds");
	free(p);
	return ret;
}
