// SPDX-License-Identifier: GPL-2.0
/*
 * Fail-nth sweep (lib/sweep.h) of a zero-copy send from a fixed buffer
 * that parks: IORING_OP_SEND_ZC with IORING_RECVSEND_POLL_FIRST on a
 * SINGLE_ISSUER|DEFER_TASKRUN ring, over tcp4 loopback. The retry is
 * deferred task work that runs only in io_uring_enter(GETEVENTS), after
 * the slot was remapped: the bytes the peer gets tell which pages the
 * send used. Whatever allocation the fault fails on the way (the request,
 * its async data, the poll entry, ...), the send fails cleanly or sends
 * the original bytes, and its notification and the original
 * registration's release still come.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/ops.h"
#include "lib/sweep.h"

#define IDX	1
#define LEN	8192
#define WAIT_MS	5000

/* The I/O's outcome, judged: a clean error, or the original bytes. */
static int judge(struct t_sweep *s, const struct t_done *done,
		 const uint8_t *peer, long got, int deferred)
{
	int res = done->res.res;

	if (t_sweep_clean(s, res, "the send"))
		return T_PASS;
	if (!(done->res.flags & IORING_CQE_F_MORE))
		return t_fail("result CQE announced no notification (F_MORE unset)");
	if (res != LEN || got != LEN)
		return t_fail("short send: %d of %d bytes sent, peer received %ld",
			      res, LEN, got);
	if (t_verdict_out(peer, LEN, "peer received"))
		return T_FAIL;
	/* A send that parked is retried by deferred task work, nothing else. */
	if (deferred <= 0)
		return t_fail("path not taken: tracefs saw no deferred task work run for the send");
	return T_PASS;
}

static int sweep_case(const void *arg)
{
	uint8_t peer[LEN];
	struct t_reader rd = { .buf = peer, .len = LEN, .ms = WAIT_MS };
	struct t_done done = { 0 };
	struct io_uring_sqe *sqe;
	struct t_sweep s;
	struct t_sock_io x;
	bool early;
	int ret, deferred;

	if ((ret = t_sweep_begin(&s, arg)))
		return ret;
	/* Without tracefs a send that succeeded cannot show it parked: skip. */
	ret = t_sock_io_setup(&x, &t_op_send_zc, "tcp4",
			      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
			      false, LEN, T_ORIG, true);
	if (ret || (ret = t_sweep_register(&s, &x.ring, &x.b, IDX)))
		goto out;

	sqe = io_uring_get_sqe(&x.ring);
	t_op_send_zc.prep(sqe, x.s.tx, &x.b, IDX, &x.m);
	sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	sqe->msg_flags |= MSG_WAITALL;
	sqe->user_data = s.ud;
	if ((ret = t_sweep_submit(&s, &x.ring)))
		goto out;
	/* At submit only a failure may complete: a send must have parked. */
	early = s.submitted == 1 && t_reap_early(&x.ring, s.ud, &done);
	if (early && done.res.res == -EINVAL) {
		ret = t_skip("kernel rejects IORING_OP_SEND_ZC with a fixed buffer and POLL_FIRST (-EINVAL at prep)");
		goto out;
	}
	if (early && done.res.res >= 0 && t_sweep_judged(&s)) {
		ret = t_fail("path not taken: the send completed at submit (res %d), before the table changed",
			     done.res.res);
		goto out;
	}

	if ((ret = t_slot_change(&x.ring, IDX, &x.b, T_SLOT_REMAPPED, T_REPL)))
		goto out;
	rd.fd = x.s.rx;
	if (t_reader_start(&rd)) {
		ret = t_fail("starting the reader thread failed");
		goto out;
	}
	/* GETEVENTS: the deferred retry runs now, after the remap. */
	if (s.submitted == 1)
		ret = t_reap(&x.ring, s.ud, &done, WAIT_MS);
	shutdown(x.s.tx, SHUT_WR);	/* the reader sees EOF on a failed send */
	t_reader_join(&rd);
	deferred = t_trace_deferred(&x.tr, s.ud);
	t_trace_stop(&x.tr);
	for (int i = 0; i < done.nr_other; i++)
		t_sweep_saw(&s, done.other[i]);

	if (!t_sweep_judged(&s)) {
		ret = t_sweep_unjudged(&s);
		goto out;
	}
	if (s.submitted < 0) {
		/* No request: the SQE stays unconsumed in the SQ ring. */
		t_sweep_clean(&s, s.submitted, "io_uring_enter");
	} else if (ret) {
		ret = t_fail("%s within %d ms: a CQE was lost",
			     done.have_res ? "no zero-copy notification CQE" :
			     "no completion", WAIT_MS);
		goto out;
	} else if ((ret = judge(&s, &done, peer, rd.got, deferred))) {
		goto out;
	}
	ret = t_sweep_released(&s, &x.ring, WAIT_MS);
out:
	t_sweep_end(&s);
	return ret;
}

int main(int argc, char **argv)
{
	return t_sweep_main("send_zc", sweep_case, NULL, argc, argv);
}
