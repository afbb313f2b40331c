// SPDX-License-Identifier: GPL-2.0
/*
 * One read/write case (rw.h): register slot RW_IDX over pages P, submit
 * the I/O on a DEFER_TASKRUN ring, see that it did not complete, change
 * the slot (emptied, or new pages Q holding other bytes at the same
 * address), release the I/O (barrier, feed or drain), and check that it
 * moved P's bytes. A late lookup fails with -EFAULT or moves Q's bytes;
 * a lookup made again on the retry does the same.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "rw.h"

#define WAIT_MS	10000

static const char *const park_name[] = {
	[RW_INLINE] = "inline", [RW_POLL] = "poll", [RW_IOWQ] = "io-wq",
};

const struct rw_op rw_read_fixed = {
	.name = "read_fixed", .opname = "IORING_OP_READ_FIXED",
	.opcode = IORING_OP_READ_FIXED,
};
const struct rw_op rw_write_fixed = {
	.name = "write_fixed", .opname = "IORING_OP_WRITE_FIXED",
	.opcode = IORING_OP_WRITE_FIXED, .write = true,
};
const struct rw_op rw_readv_fixed = {
	.name = "readv_fixed", .opname = "IORING_OP_READV_FIXED",
	.opcode = FIXBUF_OP_READV_FIXED, .vec = true,
};
const struct rw_op rw_writev_fixed = {
	.name = "writev_fixed", .opname = "IORING_OP_WRITEV_FIXED",
	.opcode = FIXBUF_OP_WRITEV_FIXED, .write = true, .vec = true,
};

struct rw_case {
	const struct rw_op *op;
	const struct rw_target *tg;
	enum t_change change;
};

struct rw_ctx {
	const struct rw_case *c;
	struct io_uring ring;
	bool ring_up;
	struct t_buf b;
	struct rw_file f;
	struct t_barrier bar;
	struct iovec iov[3];
	struct t_trace tr;
	uint64_t ud;
	bool done, after_barrier;
	int res;
};

static void account(const struct io_uring_cqe *cqe, void *arg)
{
	struct rw_ctx *x = arg;

	if (t_barrier_cqe(&x->bar, cqe))
		return;
	if (cqe->user_data != x->ud)
		return;
	x->done = true;
	x->res = cqe->res;
	x->after_barrier = x->bar.done;
}

static bool all_done(void *arg)
{
	const struct rw_ctx *x = arg;

	return x->done && (!x->bar.sent || x->bar.done);
}

/*
 * The I/O over the whole buffer; vectored: three segments of uneven
 * sizes inside the slot (multiples of 512 bytes, so O_DIRECT takes them),
 * so that a lookup that mixes up offsets shows.
 */
static void prep(struct rw_ctx *x)
{
	static const size_t cut[] = { 0, 512, 5120, RW_LEN };
	struct io_uring_sqe *sqe = io_uring_get_sqe(&x->ring);
	const struct rw_op *op = x->c->op;

	if (op->vec) {
		t_iov_split(x->iov, x->b.addr, cut, 3);
		io_uring_prep_rw(op->opcode, sqe, x->f.fd, x->iov, 3, 0);
	} else {
		io_uring_prep_rw(op->opcode, sqe, x->f.fd, x->b.addr, RW_LEN, 0);
	}
	sqe->buf_index = RW_IDX;
	sqe->user_data = x->ud;
}

/* Let the parked I/O go on: open the barrier, feed or drain the file. */
static int release(struct rw_ctx *x)
{
	static uint8_t junk[65536];
	uint8_t data[RW_LEN];
	long left = x->f.filled;

	if (x->c->tg->park == RW_IOWQ)
		return t_barrier_release(&x->bar);
	if (x->c->tg->park != RW_POLL)
		return 0;
	if (!x->c->op->write) {
		t_pat_fill(data, RW_LEN, T_ORIG);
		if (write(x->f.peer, data, RW_LEN) != RW_LEN)
			return t_fail("feeding %d bytes to the reader: %m", RW_LEN);
		return 0;
	}
	/* No task work runs meanwhile: the retry finds all the room. */
	while (left > 0) {
		ssize_t n = read(x->f.peer, junk, left < (long)sizeof(junk) ?
				 (size_t)left : sizeof(junk));

		if (n <= 0)
			return t_fail("draining the filler bytes: %s",
				      n ? strerror(errno) : "end of file");
		left -= n;
	}
	return 0;
}

/* The trace must show the path the target promises, and no other. */
static int verdict_path(struct rw_ctx *x)
{
	enum rw_park park = x->c->tg->park;
	int punt = t_trace_count(&x->tr, "io_uring_queue_async_work", x->ud);
	int arm = t_trace_count(&x->tr, "io_uring_poll_arm", x->ud);

	if (park == RW_INLINE) {
		if (punt > 0 || arm > 0)
			return t_fail("control not inline: tracefs saw the request %s",
				      punt > 0 ? "punted to io-wq" : "arm poll");
		return T_PASS;
	}
	if (park == RW_IOWQ && punt <= 0)
		return t_fail("path not taken: tracefs saw no io_uring_queue_async_work for the request");
	if (park == RW_POLL && punt <= 0 && arm <= 0)
		return t_fail("path not taken: tracefs saw neither a poll arm nor an io-wq punt for the request");
	if (park == RW_IOWQ && !x->after_barrier)
		return t_fail("path not taken: the request completed before the io-wq barrier it queued behind");
	return T_PASS;
}

static int verdict_data(struct rw_ctx *x)
{
	const struct rw_case *c = x->c;
	uint8_t out[RW_LEN];
	char who[64];
	int ret;

	if ((ret = t_verdict_res(x->res, c->change, c->op->opname)))
		return ret;
	if (x->res != RW_LEN)
		return t_fail("short I/O: %d of %d bytes", x->res, RW_LEN);
	if (!c->op->write)
		return t_verdict_in(&x->b, c->change);
	if ((ret = c->tg->read_back(&x->f, out)))
		return ret;
	snprintf(who, sizeof(who), "the %s received", c->tg->name);
	return t_verdict_out(out, RW_LEN, who);
}

static int rw_case(struct rw_ctx *x)
{
	const struct rw_case *c = x->c;
	int ret;

	if (c->tg->dev && (ret = t_dev_env(c->tg->dev, &(struct t_dev_env){ 0 })))
		return ret;
	t_trace_start(&x->tr);
	if (c->tg->park != RW_INLINE && (ret = t_trace_require(&x->tr)))
		return ret;
	/* Deferred task work: a poll retry runs only when the test waits. */
	if ((ret = t_ring(&x->ring, IORING_SETUP_SINGLE_ISSUER |
			  IORING_SETUP_DEFER_TASKRUN)))
		return ret;
	x->ring_up = true;
	if ((ret = t_need_op(&x->ring, c->op->opcode, c->op->opname)))
		return ret;
	ret = t_buf_map(&x->b, RW_LEN, c->op->write ? T_ORIG : T_POISON);
	if (ret)
		return t_fail("buffer of %d bytes: %s", RW_LEN, strerror(-ret));
	if ((ret = t_table(&x->ring, 4)))
		return ret;
	if ((ret = t_table_set(&x->ring, RW_IDX, x->b.addr, RW_LEN)))
		return t_fail("registering slot %d: %s", RW_IDX, strerror(-ret));
	if ((ret = c->tg->open(&x->f, c->op->write)))
		return ret;
	if (c->tg->park == RW_IOWQ &&
	    (ret = t_barrier_hold(&x->ring, &x->bar, x->ud ^ 1)))
		return ret;

	prep(x);
	if ((ret = io_uring_submit(&x->ring)) != 1)
		return t_fail("io_uring_submit: %d", ret);
	t_cqe_peek(&x->ring, account, x);
	if (x->done && x->res == -EINVAL)
		return t_skip("kernel rejects %s on this file (-EINVAL)", c->op->opname);
	/*
	 * Whether a file forces -EAGAIN is the kernel's choice, not a lookup
	 * order. Before io_uring relied solely on FMODE_NOWAIT,
	 * __io_file_supports_nowait() counted a regular file without a block
	 * device as nowait (io_bdev_nowait(NULL) is true), so a memfd read
	 * completes at submit, and a pipe without FMODE_NOWAIT is not read
	 * inline (Debian's 6.1). Not tested, and said so: the slot was not
	 * changed yet, so there is no verdict either way.
	 */
	if (x->done && c->tg->park != RW_INLINE)
		return t_skip("path not available: this kernel completed the %s on the %s at submit (res %d), before the table changed",
			      c->op->opname, c->tg->name, x->res);
	if (!x->done && c->tg->park == RW_INLINE)
		return t_skip("control not inline on this kernel: no completion at submit (the %s is not read or written without blocking here)",
			      c->tg->name);

	ret = t_slot_change(&x->ring, RW_IDX, &x->b, c->change,
			    c->op->write ? T_REPL : T_POISON);
	if (ret || (ret = release(x)))
		return ret;
	if (t_cqe_until(&x->ring, account, all_done, x, WAIT_MS))
		return t_fail("no completion within %d ms of the release", WAIT_MS);

	ret = verdict_data(x);
	return ret ? ret : verdict_path(x);
}

static int rw_run(const void *arg)
{
	struct rw_ctx x = {
		.c = arg, .f = { .fd = -1, .peer = -1 }, .bar = { .release_fd = -1 },
		.ud = 0xf1b2000000000000ULL | ((uint64_t)getpid() << 1),
	};
	int ret = rw_case(&x);

	t_barrier_free(&x.bar);
	t_trace_stop(&x.tr);
	if (x.c->tg->close)
		x.c->tg->close(&x.f);
	if (x.ring_up)
		io_uring_queue_exit(&x.ring);
	if (x.b.addr)
		t_buf_unmap(&x.b);
	return ret;
}

int rw_main(const struct rw_op *const *ops, int nr_ops,
	    const struct rw_target *const *targets, int nr_targets,
	    int argc, char **argv)
{
	struct rw_case c;

	for (int t = 0; t < nr_targets; t++) {
		if (targets[t]->dev)
			t_require_dev(targets[t]->dev);
	}
	for (int o = 0; o < nr_ops; o++) {
		c.op = ops[o];
		for (int t = 0; t < nr_targets; t++) {
			c.tg = targets[t];
			if (!(c.op->write ? c.tg->writes : c.tg->reads))
				continue;
			for (int ch = 0; ch < T_NR_CHANGES; ch++) {
				c.change = ch;
				t_add(rw_run, &c, sizeof(c), "%s/%s/%s/%s",
				      c.op->name, park_name[c.tg->park],
				      c.tg->name, t_change_name[ch]);
			}
		}
	}
	return t_main(argc, argv);
}
