// SPDX-License-Identifier: GPL-2.0
/*
 * One passthrough case (passthru.h); the ways to send the command to
 * io-wq and their proofs are described at enum pt_park (pt.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pt.h"
#include "fault.h"

#define WAIT_MS		15000
/*
 * Attempts at holding every tag with fillers. One whose hold is not proven
 * (a filler completed before the table changed, or the change came later
 * than the device's delay after the fillers: a loaded machine) proves
 * nothing either way unless the kernel already gave a verdict (an error
 * from the command, wrong bytes): it is drained and forced again, from
 * scratch. After the last one the case skips, saying why.
 */
#define PT_TRIES	3
#define PT_AGAIN	(-1)	/* exercise(): the hold was not proven */
#define PT_TRY_S	20	/* more seconds of the case alarm per attempt */

/* Everything one case owns; fillers in flight are drained on every exit. */
struct pt_ctx {
	const struct pt_case *c;
	struct t_dev_fd d;
	struct io_uring ring;
	struct t_buf b;
	struct pt_cmd_mem *mem;
	uint8_t *junk;
	int fillers, submitted;
	struct t_io_timeout f;
	struct t_fail_function ff;
	struct t_barrier bar;
	/* Per case (pid in them): tracefs records accumulate over the cases. */
	uint64_t ud_fixed, ud_filler;
	/* The device's delay (T_DEV_SLOW_NS), 0 if unknown; this attempt. */
	uint64_t hold_ns;
	int attempt;
	char late[192];		/* why this attempt's hold is not proven */
	/* What came back so far. */
	int fillers_done;
	int fillers_failed;	/* completed with an error (dropped ones) */
	bool fixed_done;
	int fixed_after;	/* fillers (or the barrier) done before the command */
	struct io_uring_cqe res;
	char why[128];		/* device status of the fixed command */
};

static void account(const struct io_uring_cqe *cqe, void *arg)
{
	struct pt_ctx *x = arg;

	if (t_barrier_cqe(&x->bar, cqe))
		return;
	if (cqe->user_data == x->ud_fixed) {
		x->fixed_done = true;
		x->fixed_after = x->fillers_done + x->bar.done;
		x->res = *cqe;
		if (cqe->res >= 0 && x->c->ops->status)
			x->c->ops->status(cqe, x->why, sizeof(x->why));
	} else {
		x->fillers_done++;
		x->fillers_failed += cqe->res != 0;
	}
}

static bool all_done(void *arg)
{
	const struct pt_ctx *x = arg;

	return x->fixed_done && x->fillers_done >= x->fillers &&
	       (x->bar.done || x->c->park != PARK_ALLOC);
}

static bool submitted_done(void *arg)
{
	const struct pt_ctx *x = arg;

	return x->fillers_done + (int)x->fixed_done + (int)x->bar.done >=
	       x->submitted;
}

static int submit_fillers(struct pt_ctx *x)
{
	/*
	 * Fillers: plain 4 KiB reads below the data, one per tag, with a gap
	 * between them so that the backing queue cannot merge two into one
	 * request (fault-timeout counts them there).
	 */
	for (int i = 0; i < x->fillers; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&x->ring);

		x->c->ops->prep(&x->d, sqe, false, false, x->junk + 4096 * (size_t)i,
				4096, (uint64_t)i * 8192 / x->d.lba_size, -1,
				&x->mem[i + 1]);
		sqe->user_data = x->ud_filler + (uint64_t)i;
	}
	if (x->fillers && io_uring_submit(&x->ring) != x->fillers)
		return t_fail("submitting %d fillers failed", x->fillers);
	x->submitted += x->fillers;
	return 0;
}

static int submit_fixed(struct pt_ctx *x)
{
	const struct pt_case *c = x->c;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&x->ring);

	c->ops->prep(&x->d, sqe, c->write, c->vec, x->b.addr, PT_LEN,
		     PT_DATA_LBA_BYTES / x->d.lba_size, PT_IDX, &x->mem[0]);
	sqe->user_data = x->ud_fixed;
	if (io_uring_submit(&x->ring) != 1)
		return t_fail("submitting the fixed-buffer command failed");
	x->submitted++;
	return 0;
}

/* Punted filler count, for a diagnosis that says how full the queue was. */
static int filler_punts(struct pt_ctx *x, struct t_trace *tr)
{
	int n = 0;

	for (int i = 0; i < x->fillers; i++)
		n += t_trace_count(tr, "io_uring_queue_async_work",
				   x->ud_filler + (uint64_t)i) > 0;
	return n;
}

/* The command's own result: the late lookup, or a device error. */
static int verdict_result(struct pt_ctx *x)
{
	const struct pt_case *c = x->c;
	int ret;

	if ((ret = t_verdict_res(x->res.res, c->change, "command")))
		return ret;
	/* Dropped too: fewer fillers reached the backing queue in time. */
	if (x->res.res > 0 && c->park == PARK_FAULT && x->late[0])
		return PT_AGAIN;
	if (x->res.res > 0 && c->park == PARK_FAULT)
		return t_fail("command failed on the device: status 0x%x (%s)", x->res.res,
			      x->f.left ? "its completion was dropped too: fewer fillers reached the backing queue" :
			      "timed out on the backing queue");
	if (x->why[0])
		return t_fail("command failed on the device: %s", x->why);
	return c->write ? pt_dev_verdict(&x->d) : t_verdict_in(&x->b, c->change);
}

/* Did the command really wait in io-wq while the slot changed? */
static int verdict_path(struct pt_ctx *x, struct t_trace *tr, int punts)
{
	const struct pt_case *c = x->c;

	if (c->park == PARK_FAULT &&
	    (x->f.left || x->fillers_failed != (int)x->f.drop))
		return t_fail("path not taken: fail_io_timeout dropped %d of the %u filler completions armed, %d of %d fillers failed",
			      (int)x->f.drop - x->f.left, x->f.drop,
			      x->fillers_failed, x->fillers);
	if (c->park == PARK_INLINE)
		return punts > 0 ? t_fail("control not inline: the command went to io-wq") : T_PASS;
	if (punts == 0)
		return t_fail("path not taken: no io_uring_queue_async_work for the command (%d fillers, %d of them punted)",
			      x->fillers, filler_punts(x, tr));
	if (x->fixed_after == 0)
		return t_fail("path not taken: the command completed before %s",
			      c->park == PARK_ALLOC ? "the io-wq barrier was released" : "any filler");
	return T_PASS;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * Right after the table change: is the fillers' hold proven? Not when a
 * filler's completion is seen already, nor when the change came as late
 * as the device's delay after the fillers' submit (one may have completed
 * unseen). Then x->late says so.
 */
static void check_hold(struct pt_ctx *x, uint64_t took)
{
	int n = 0;

	x->late[0] = 0;
	if (!x->fillers)
		return;
	if (x->fillers_done)
		n = snprintf(x->late, sizeof(x->late), "%d filler(s) completed before the table changed; ",
			     x->fillers_done);
	if (x->fillers_done || (x->hold_ns && took >= x->hold_ns))
		snprintf(x->late + n, sizeof(x->late) - (size_t)n,
			 "the change landed %llu ms after the fillers' submit, the device holds them %llu ms%s",
			 (unsigned long long)(took / 1000000),
			 (unsigned long long)(x->hold_ns / 1000000),
			 x->hold_ns ? "" : " (not said: no " T_DEV_SLOW_NS ")");
}

static int exercise(struct pt_ctx *x)
{
	const struct pt_case *c = x->c;
	struct t_trace tr;
	uint64_t t0;
	int ret, punts;

	t_trace_start(&tr);
	if (c->park == PARK_FAULT &&
	    (ret = t_io_timeout_arm(&x->f, (unsigned int)x->fillers)))
		return ret;
	if (c->park == PARK_ALLOC) {
		if ((ret = t_barrier_hold(&x->ring, &x->bar,
					   0xf1b4000000000000ULL | (uint64_t)getpid() << 16)))
			return ret;
		x->submitted++;
		if ((ret = t_fail_function_arm(&x->ff)))
			return ret;
	}
	t0 = now_ns();
	if ((ret = submit_fillers(x)) || (ret = submit_fixed(x)))
		return ret;
	if (c->park == PARK_ALLOC && (ret = t_fail_function_fired(&x->ff)))
		return ret;
	t_cqe_peek(&x->ring, account, x);
	if (x->fixed_done && (x->res.res == -EINVAL || x->res.res == -EOPNOTSUPP))
		return t_skip("kernel rejects this %s command with a fixed buffer (%s)",
			      c->ops->name, strerror(-x->res.res));

	ret = t_slot_change(&x->ring, PT_IDX, &x->b, c->change,
			    c->write ? T_REPL : T_POISON);
	if (ret)
		return ret;
	/* The change must land while every filler still holds its tag. */
	t_cqe_peek(&x->ring, account, x);
	check_hold(x, now_ns() - t0);
	if (c->park == PARK_ALLOC && (x->bar.done || x->fixed_done))
		return t_fail("path not taken: the %s completed before the table changed",
			      x->fixed_done ? "command" : "io-wq barrier");
	/*
	 * Proven held, yet done: the command got a tag no filler gave back,
	 * or never waited for one (a kernel that does not punt).
	 */
	if (c->park != PARK_INLINE && !x->late[0] && x->fixed_done)
		return t_fail("path not taken: the command completed (%d) before the table changed, while every filler held its tag%s",
			      x->res.res, c->park == PARK_FAULT ? " (completions not dropped?)" : "");
	if (c->park == PARK_ALLOC && (ret = t_barrier_release(&x->bar)))
		return ret;

	ret = t_cqe_until(&x->ring, account, all_done, x, WAIT_MS);
	punts = t_trace_count(&tr, "io_uring_queue_async_work", x->ud_fixed);
	t_trace_stop(&tr);
	if (ret)
		return t_fail("no completion within %d ms (%d of %d fillers, command %s)",
			      WAIT_MS, x->fillers_done, x->fillers,
			      x->fixed_done ? "done" : "pending");
	if (c->park == PARK_FAULT && (ret = t_io_timeout_left(&x->f)))
		return ret;
	/* An error or wrong bytes are the kernel's verdict, proven hold or not. */
	if ((ret = verdict_result(x)))
		return ret;
	if (x->late[0])
		return PT_AGAIN;
	return verdict_path(x, &tr, punts);
}

/*
 * Does this kernel take the command with a fixed buffer at all? Some
 * forms are refused only at issue (vectored NVMe before 6.15: -EINVAL),
 * which a parked case would see after the table change and call a
 * failure. One inline read into the buffer tells; its pattern is put back.
 */
static int probe_fixed(struct pt_ctx *x)
{
	const struct pt_case *c = x->c;
	int ret = pt_dev_cmd(&x->ring, c->ops, &x->d, false, c->vec, x->b.addr, PT_IDX);

	if (ret == -EINVAL || ret == -EOPNOTSUPP)
		return t_skip("kernel rejects this %s command with a fixed buffer (%s)",
			      c->ops->name, strerror(-ret));
	if (ret < 0)
		return t_fail("support probe (inline read): %s", strerror(-ret));
	t_pat_fill(x->b.addr, PT_LEN, c->write ? T_ORIG : T_POISON);
	return 0;
}

static int setup(struct pt_ctx *x)
{
	const struct pt_case *c = x->c;
	struct t_trace tr;
	int ret;

	if ((ret = t_dev_open(c->ops->dev, &x->d, O_RDONLY)))
		return ret;
	if ((c->park == PARK_TAGS || c->park == PARK_FAULT) && t_env(T_DEV_SLOW_WHY))
		return t_skip("%s", t_env(T_DEV_SLOW_WHY));
	t_trace_start(&tr);
	if (c->park != PARK_INLINE && (ret = t_trace_require(&tr)))
		return ret;
	t_io_timeout_reset();
	if (c->park == PARK_FAULT && (ret = t_io_timeout_get(&x->f)))
		return ret;
	if (c->park == PARK_ALLOC && (ret = t_fail_function_get(&x->ff, PT_ALLOC_FUNC)))
		return ret;
	ret = t_ring(&x->ring, IORING_SETUP_SQE128 | IORING_SETUP_CQE32);
	if (ret || (ret = t_need_op(&x->ring, IORING_OP_URING_CMD, "IORING_OP_URING_CMD")))
		return ret;
	x->fillers = c->park == PARK_TAGS || c->park == PARK_FAULT ? (int)x->d.tags : 0;
	if (x->fillers && t_env(T_DEV_SLOW_NS))
		x->hold_ns = strtoull(t_env(T_DEV_SLOW_NS), NULL, 10);
	x->mem = calloc((size_t)x->fillers + 1, sizeof(*x->mem));
	x->junk = aligned_alloc(4096, 4096 * ((size_t)x->fillers + 1));
	if (!x->mem || !x->junk)
		return t_fail("out of memory");
	if ((ret = pt_dev_fill(&x->ring, c->ops, &x->d, c->write ? T_POISON : T_ORIG)))
		return ret;
	if (t_buf_map(&x->b, PT_LEN, c->write ? T_ORIG : T_POISON))
		return t_fail("buffer: %m");
	if ((ret = t_table(&x->ring, 4)))
		return ret;
	if ((ret = t_table_set(&x->ring, PT_IDX, x->b.addr, PT_LEN)))
		return t_fail("registering slot %d: %s", PT_IDX, strerror(-ret));
	return probe_fixed(x);
}

/*
 * The attempt that was not proven is over: every command it submitted
 * completed (exercise waited for them, pt_run drained the rest). Start the
 * next from the state setup() left: the device's data and the buffer in
 * slot PT_IDX put back, new user_data (the trace must not count the last
 * attempt's punts), and time for it on the case's alarm.
 */
static int again(struct pt_ctx *x)
{
	const struct pt_case *c = x->c;
	unsigned int rem = alarm(0);
	int ret;

	if (rem)
		alarm(rem + PT_TRY_S);
	x->ud_fixed += 1 << 8;
	x->ud_filler += 1 << 8;
	x->submitted = x->fillers_done = x->fillers_failed = x->fixed_after = 0;
	x->fixed_done = false;
	memset(&x->res, 0, sizeof(x->res));
	x->why[0] = x->late[0] = 0;
	x->f.left = 0;
	if ((ret = pt_dev_fill(&x->ring, c->ops, &x->d, c->write ? T_POISON : T_ORIG)))
		return ret;
	t_buf_unmap(&x->b);
	memset(&x->b, 0, sizeof(x->b));
	x->b.fd = -1;
	if (t_buf_map(&x->b, PT_LEN, c->write ? T_ORIG : T_POISON))
		return t_fail("buffer: %m");
	if ((ret = t_table_set(&x->ring, PT_IDX, x->b.addr, PT_LEN)))
		return t_fail("registering slot %d again: %s", PT_IDX, strerror(-ret));
	return 0;
}

int pt_run(const void *arg)
{
	struct pt_ctx x = {
		.c = arg, .d = { .fd = -1, .blk = -1 }, .bar = { .release_fd = -1 },
	};
	int v;

	x.ud_fixed = 0xf1b2000000000000ULL | (uint64_t)getpid() << 16;
	x.ud_filler = 0xf1b3000000000000ULL | (uint64_t)getpid() << 16;
	v = setup(&x);
	if (v) {
		t_barrier_free(&x.bar);
		return v;
	}
	for (x.attempt = 1; ; x.attempt++) {
		v = exercise(&x);
		t_fail_function_disarm(&x.ff);
		t_barrier_release(&x.bar);
		/*
		 * Commands still in flight keep their tags after we exit (the
		 * ring is torn down asynchronously): the next case, or attempt,
		 * would find the queue busy. Wait for them, whatever the verdict.
		 */
		if (t_cqe_until(&x.ring, account, submitted_done, &x, WAIT_MS) && v == PT_AGAIN)
			v = t_fail("attempt %d: %d of %d commands still in flight after %d ms",
				   x.attempt, x.submitted - x.fillers_done - (int)x.fixed_done,
				   x.submitted, WAIT_MS);
		t_io_timeout_disarm(&x.f);
		if (v != PT_AGAIN)
			break;
		t_note("attempt %d of %d: every tag not proven held at the table change: %s",
		       x.attempt, PT_TRIES, x.late);
		if (x.attempt == PT_TRIES) {
			v = t_skip("could not hold every tag in %d attempts: %s", PT_TRIES, x.late);
			break;
		}
		if ((v = again(&x)))
			break;
	}
	io_uring_queue_exit(&x.ring);
	t_buf_unmap(&x.b);
	t_dev_close(&x.d);
	t_barrier_free(&x.bar);
	return v;
}
