// SPDX-License-Identifier: GPL-2.0
/*
 * The passthrough fail-nth sweep (sweep.h): a write of PT_LEN bytes from
 * a fixed buffer to the harness's device, submitted with fail-nth armed,
 * the slot remapped right after. Where the harness injects
 * blk_mq_alloc_request (the suite's kernels: the alloc-fault set-up), the
 * command's non-blocking request allocation is one of the injection
 * points: failed, it returns -EAGAIN and the command goes to io-wq. There
 * it waits behind alloc-fault's barrier (barrier.c), released only after
 * the remap, so a command that looks the slot up in io-wq writes the
 * replacement bytes every time, not when it loses a race.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "pt.h"
#include "sweep.h"

#define WAIT_MS		15000

/*
 * Two rings: the command's own, fresh, so that its submit is the ring's
 * first and finds every cache empty (the most injection points), and an
 * auxiliary one for the rest (the device's fill, the barrier; io-wq and
 * its worker limit belong to the thread, so the barrier holds the
 * command's io-wq work too).
 */
struct pt_sweep {
	const struct pt_dev_ops *ops;
	struct t_sweep s;
	struct t_dev_fd d;
	struct io_uring ring, aux;
	bool ring_up, aux_up;
	struct t_buf b;
	struct pt_cmd_mem mem;
	struct t_barrier bar;
	bool fixed_done;
	struct io_uring_cqe res;
	char why[128];		/* device status of the command */
};

static void account(const struct io_uring_cqe *cqe, void *arg)
{
	struct pt_sweep *x = arg;

	if (t_barrier_cqe(&x->bar, cqe))
		return;
	if (cqe->user_data == x->s.ud) {
		x->fixed_done = true;
		x->res = *cqe;
		if (cqe->res >= 0 && x->ops->status)
			x->ops->status(cqe, x->why, sizeof(x->why));
	} else {
		t_sweep_saw(&x->s, cqe->user_data);
	}
}

static bool fixed_done(void *arg)
{
	const struct pt_sweep *x = arg;

	return x->fixed_done || x->s.submitted != 1;
}

static bool barrier_done(void *arg)
{
	const struct pt_sweep *x = arg;

	return x->bar.done || !x->bar.sent;
}

/* Both rings: wait (at most @ms each) for what is in flight. 0 or -ETIME. */
static int drain(struct pt_sweep *x, unsigned int ms)
{
	int ret = 0;

	if (x->aux_up && t_cqe_until(&x->aux, account, barrier_done, x, ms))
		ret = -ETIME;
	if (x->ring_up && t_cqe_until(&x->ring, account, fixed_done, x, ms))
		ret = -ETIME;
	return ret;
}

static int setup(struct pt_sweep *x)
{
	const unsigned int flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	int ret;

	if ((ret = t_dev_open(x->ops->dev, &x->d, O_RDONLY)))
		return ret;
	if ((ret = t_ring(&x->aux, flags)))
		return ret;
	x->aux_up = true;
	if ((ret = t_need_op(&x->aux, IORING_OP_URING_CMD, "IORING_OP_URING_CMD")))
		return ret;
	if ((ret = pt_dev_fill(&x->aux, x->ops, &x->d, T_POISON)))
		return ret;
	if (t_buf_map(&x->b, PT_LEN, T_ORIG))
		return t_fail("buffer: %m");
	if ((ret = t_ring(&x->ring, flags)))
		return ret;
	x->ring_up = true;
	if ((ret = t_table(&x->ring, 4)))
		return ret;
	return t_sweep_register(&x->s, &x->ring, &x->b, PT_IDX);
}

/* The command's outcome, judged: a clean error, or the original bytes. */
static int judge(struct pt_sweep *x)
{
	if (x->s.submitted < 0) {
		/* No request: the SQE stays unconsumed in the SQ ring. */
		t_sweep_clean(&x->s, x->s.submitted, "io_uring_enter");
		return T_PASS;
	}
	if (!x->fixed_done)
		return t_fail("no completion within %d ms: a CQE was lost", WAIT_MS);
	if (t_sweep_clean(&x->s, x->res.res, "the command"))
		return T_PASS;
	if (x->res.res > 0)
		return t_fail("command failed on the device: status 0x%x", x->res.res);
	if (x->why[0])
		return t_fail("command failed on the device: %s", x->why);
	return pt_dev_verdict(&x->d);
}

static int exercise(struct pt_sweep *x)
{
	struct io_uring_sqe *sqe;
	int ret;

	/* io-wq's one bounded worker, busy until the table has changed. */
	if ((ret = t_barrier_hold(&x->aux, &x->bar,
				   0xf1b6000000000000ULL | (uint64_t)getpid() << 16)))
		return ret;
	sqe = io_uring_get_sqe(&x->ring);
	x->ops->prep(&x->d, sqe, true, false, x->b.addr, PT_LEN,
		     PT_DATA_LBA_BYTES / x->d.lba_size, PT_IDX, &x->mem);
	sqe->user_data = x->s.ud;
	if ((ret = t_sweep_submit(&x->s, &x->ring)))
		return ret;
	t_cqe_peek(&x->ring, account, x);
	if (x->fixed_done && (x->res.res == -EINVAL || x->res.res == -EOPNOTSUPP))
		return t_skip("kernel rejects this %s command with a fixed buffer (%s)",
			      x->ops->name, strerror(-x->res.res));

	if ((ret = t_slot_change(&x->ring, PT_IDX, &x->b, T_SLOT_REMAPPED, T_REPL)) ||
	    (ret = t_barrier_release(&x->bar)))
		return ret;
	drain(x, WAIT_MS);
	if (!t_sweep_judged(&x->s))
		return t_sweep_unjudged(&x->s);
	if ((ret = judge(x)))
		return ret;
	return t_sweep_released(&x->s, &x->ring, WAIT_MS);
}

static int pt_sweep_case(const void *arg)
{
	const struct t_sweep_case *c = arg;
	struct pt_sweep x = {
		.ops = c->arg, .d = { .fd = -1, .blk = -1 },
		.bar = { .release_fd = -1 },
	};
	int v;

	if ((v = t_sweep_begin(&x.s, arg)))
		return v;
	v = setup(&x);
	if (!v)
		v = exercise(&x);
	/*
	 * A command in flight keeps its tag after we exit (the ring is torn
	 * down asynchronously): wait for it, whatever the verdict.
	 */
	t_barrier_release(&x.bar);
	drain(&x, WAIT_MS);
	if (x.ring_up)
		io_uring_queue_exit(&x.ring);
	if (x.aux_up)
		io_uring_queue_exit(&x.aux);
	t_barrier_free(&x.bar);
	t_sweep_end(&x.s);
	t_dev_close(&x.d);
	return v;
}

/*
 * pt_main's requirements cover it: where blk_mq_alloc_request can be
 * injected it is an injection point, and the harness makes the device fast.
 */
void pt_sweep_add(const struct pt_dev_ops *ops)
{
	t_sweep_add(ops->name, pt_sweep_case, ops);
}
