// SPDX-License-Identifier: GPL-2.0
/*
 * The io-wq barrier (t.h): a request that went to io-wq must not run
 * before the test has changed the table, and no sleep can promise that.
 * The ring's io-wq gets one bounded worker, and that worker is made busy
 * first with an openat of a FIFO forced async, which blocks until the
 * test opens the other end. The request waits behind it in io-wq's queue;
 * the test changes the slot, then releases the barrier. Used by
 * passthrough's alloc-fault and by the read/write io-wq modes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "t.h"

int t_barrier_hold(struct io_uring *ring, struct t_barrier *b, uint64_t ud)
{
	unsigned int max[2] = { 1, 0 };	/* bounded, unbounded (0: as is) */
	const char *tmp = getenv("TMPDIR");
	struct io_uring_sqe *sqe;
	int ret;

	ret = io_uring_register_iowq_max_workers(ring, max);
	if (ret == -EINVAL)
		return t_skip("IORING_REGISTER_IOWQ_MAX_WORKERS not supported by this kernel");
	if (ret)
		return t_fail("limiting io-wq to one bounded worker: %s", strerror(-ret));
	snprintf(b->dir, sizeof(b->dir), "%s/fixbuf-barrier.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(b->dir)) {
		b->dir[0] = '\0';
		return t_fail("creating a directory for the io-wq barrier FIFO: %m");
	}
	snprintf(b->path, sizeof(b->path), "%s/fifo", b->dir);
	if (mkfifo(b->path, 0600))
		return t_fail("mkfifo %s: %m", b->path);
	/* openat has no file: bounded io-wq work, like the command's. */
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_openat(sqe, AT_FDCWD, b->path, O_RDONLY | O_CLOEXEC, 0);
	sqe->flags |= IOSQE_ASYNC;
	sqe->user_data = b->ud = ud;
	if (io_uring_submit(ring) != 1)
		return t_fail("submitting the io-wq barrier failed");
	b->held = b->sent = true;
	return 0;
}

bool t_barrier_cqe(struct t_barrier *b, const struct io_uring_cqe *cqe)
{
	if (!b->sent || cqe->user_data != b->ud)
		return false;
	b->done = true;
	if (cqe->res >= 0)
		close(cqe->res);	/* the FIFO's read end */
	return true;
}

int t_barrier_release(struct t_barrier *b)
{
	/*
	 * Blocking: it meets the worker's open of the other end, whenever
	 * that starts; a worker that never does shows as a hung case.
	 */
	if (!b->held)
		return 0;
	b->held = false;
	b->release_fd = open(b->path, O_WRONLY | O_CLOEXEC);
	if (b->release_fd < 0)
		return t_fail("opening %s to release the io-wq barrier: %m", b->path);
	return 0;
}

void t_barrier_free(struct t_barrier *b)
{
	if (b->held)
		t_barrier_release(b);
	t_close(&b->release_fd);
	if (b->path[0])
		unlink(b->path);
	if (b->dir[0])
		rmdir(b->dir);
	b->path[0] = b->dir[0] = '\0';
}
