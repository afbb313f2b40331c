// SPDX-License-Identifier: GPL-2.0
/*
 * Buffered WRITE_FIXED / WRITEV_FIXED to ext4, which sets FMODE_NOWAIT
 * but not FOP_BUFFER_WASYNC: the first issue returns -EAGAIN after the
 * nowait checks, and the write goes to io-wq. The buffer must be the one
 * resolved before that.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "lib/rw.h"

static const struct t_dev ext4_dev = {
	.name = "ext4", .node_var = "FIXBUF_EXT4_DIR",
};

static int ext4_open(struct rw_file *f, bool wr)
{
	char path[256];

	(void)wr;
	snprintf(path, sizeof(path), "%s/file-%d", t_env(ext4_dev.node_var), getpid());
	f->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f->fd < 0)
		return t_fail("creating %s: %m", path);
	unlink(path);
	return 0;
}

static int ext4_read_back(struct rw_file *f, uint8_t *out)
{
	ssize_t n = pread(f->fd, out, RW_LEN, 0);

	return n == RW_LEN ? 0 : t_fail("reading the file back: %zd bytes (%m)", n);
}

static const struct rw_target ext4_buffered = {
	.name = "ext4-buffered", .park = RW_IOWQ, .writes = true,
	.dev = &ext4_dev, .open = ext4_open, .read_back = ext4_read_back,
	.close = rw_close_file,
};

int main(int argc, char **argv)
{
	const struct rw_op *const ops[] = { &rw_write_fixed, &rw_writev_fixed };
	const struct rw_target *const tgs[] = { &ext4_buffered };

	return rw_main(ops, 2, tgs, 1, argc, argv);
}
