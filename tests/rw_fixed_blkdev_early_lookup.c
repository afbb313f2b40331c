// SPDX-License-Identifier: GPL-2.0
/*
 * READ/WRITE(V)_FIXED with O_DIRECT on a block device whose requests are
 * smaller than the I/O: the REQ_NOWAIT bio cannot be split, the block
 * layer ends it with BLK_STS_AGAIN in the first issue, and io_uring
 * reissues the request from io-wq (REQ_F_REISSUE). The reissue must use
 * the buffer resolved in the first issue, not the slot as it is by then.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/rw.h"

static const struct t_dev split_dev = {
	.name = "null_blk-split", .node_var = "FIXBUF_NULL_BLK_SPLIT",
};

/* O_DIRECT wants aligned memory: the I/O through the page cache would not split. */
static int odirect_io(int fd, bool wr, enum t_pat pat, uint8_t *out)
{
	void *p;
	ssize_t n;

	if (posix_memalign(&p, 4096, RW_LEN))
		return t_fail("posix_memalign failed");
	if (wr)
		t_pat_fill(p, RW_LEN, pat);
	n = wr ? pwrite(fd, p, RW_LEN, 0) : pread(fd, p, RW_LEN, 0);
	if (n == RW_LEN && out)
		memcpy(out, p, RW_LEN);
	free(p);
	if (n != RW_LEN)
		return t_fail("O_DIRECT %s of the device: %zd (%s)",
			      wr ? "write" : "read", n, strerror(errno));
	return 0;
}

static int split_open(struct rw_file *f, bool wr)
{
	const char *node = t_env(split_dev.node_var);

	f->fd = open(node, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (f->fd < 0)
		return t_fail("opening %s with O_DIRECT: %m", node);
	/* Reads find the original bytes; writes must replace the poison. */
	return odirect_io(f->fd, true, wr ? T_POISON : T_ORIG, NULL);
}

static int split_read_back(struct rw_file *f, uint8_t *out)
{
	return odirect_io(f->fd, false, T_ORIG, out);
}

static const struct rw_target odirect_split = {
	.name = "odirect-split", .park = RW_IOWQ, .reads = true, .writes = true,
	.dev = &split_dev, .open = split_open, .read_back = split_read_back,
	.close = rw_close_file,
};

int main(int argc, char **argv)
{
	const struct rw_op *const ops[] = {
		&rw_read_fixed, &rw_write_fixed, &rw_readv_fixed, &rw_writev_fixed,
	};
	const struct rw_target *const tgs[] = { &odirect_split };

	return rw_main(ops, 4, tgs, 1, argc, argv);
}
