// SPDX-License-Identifier: GPL-2.0
/*
 * Fixed buffer lookup order for socket I/O. See order.h.
 *
 * Each case: register slot IDX over pages P, submit the I/O, check it
 * parked (no CQE yet; tracefs saw the poll arm or the deferred retry),
 * then either empty the slot or map new pages Q at the same address and
 * re-register the slot, then let the I/O run. An early lookup uses P; a
 * late one fails with -EFAULT (emptied) or moves Q's bytes (remapped).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "order.h"

#define IDX	1		/* not slot 0: a wrong index shows too */
#define LEN	8192		/* two pages */
#define WAIT_MS	5000

struct park {
	const char *send_name, *recv_name;
	bool poll_first;	/* IORING_RECVSEND_POLL_FIRST */
	bool taskrun;		/* SINGLE_ISSUER | DEFER_TASKRUN ring */
	bool starve;		/* socket full (send) or empty (recv) */
};

static const struct park parks[] = {
	/* Control: no POLL_FIRST, the I/O completes in its first issue. */
	{ "inline", "inline", false, false, false },
	/* Poll ready at arm; the retry waits for io_uring_enter(GETEVENTS). */
	{ "defer-taskrun", "defer-taskrun", true, true, false },
	/* Poll cannot fire until the test drains / feeds the socket. */
	{ "full-socket", "empty-socket", true, false, true },
};

static const char *const socks[] = { "tcp4", "tcp6", "udp4", "udp6" };

struct order_case {
	const struct t_op *op;
	const char *sock;
	const struct park *park;
	enum t_change change;
};

/* Did the data come from / land in the pages registered at submit? */
static int check_data(const struct order_case *c, const struct t_buf *b,
		      const uint8_t *peer, long peer_len)
{
	if (c->op->recv)
		return t_verdict_in(b, c->change);
	if (peer_len != LEN)
		return t_fail("peer received %ld bytes, expected %d", peer_len, LEN);
	return t_verdict_out(peer, LEN, "peer received");
}

/* Queue @LEN pattern bytes for the receiver and wait until they are in. */
static int feed(const struct t_socks *s, bool wait)
{
	uint8_t data[LEN];

	t_pat_fill(data, LEN, T_ORIG);
	if (send(s->tx, data, LEN, 0) != LEN)
		return t_fail("sending %d bytes to the receiver: %m", LEN);
	if (wait && t_sock_wait_queued(s->rx, LEN, WAIT_MS))
		return t_fail("%d bytes never reached the receiver", LEN);
	return 0;
}

/* Tracefs evidence that the request parked: -1 when tracing is off. */
static int parked_evidence(struct t_trace *tr, const struct park *p, uint64_t ud)
{
	/* Ready at arm time, poll is not traced: the retry is deferred work. */
	if (p->taskrun)
		return t_trace_deferred(tr, ud);
	return t_trace_count(tr, "io_uring_poll_arm", ud);
}

static int order_run(const void *arg)
{
	const struct order_case *c = arg;
	const struct t_op *op = c->op;
	const uint64_t ud = 0xf1b0000000000000ULL | (uint64_t)getpid();
	uint8_t peer[LEN];
	struct t_reader rd = { .buf = peer, .len = LEN, .ms = WAIT_MS };
	struct t_done done = { 0 };
	struct io_uring_sqe *sqe;
	struct t_sock_io x;
	int ret, seen;

	ret = t_sock_io_setup(&x, op, c->sock, c->park->taskrun ?
			      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN : 0,
			      c->park->starve && !op->recv, LEN,
			      op->recv ? T_POISON : T_ORIG, c->park->poll_first);
	if (ret)
		return ret;
	ret = t_table_set(&x.ring, IDX, x.b.addr, LEN);
	if (ret)
		return t_fail("registering slot %d: %s", IDX, strerror(-ret));

	/* Make the socket ready or starved as the parking mode needs. */
	if (op->recv && !c->park->starve && (ret = feed(&x.s, true)))
		return ret;
	if (!op->recv && c->park->starve) {
		rd.skip = t_sock_fill(x.s.tx);
		if (rd.skip <= 0)
			return t_fail("filling the socket: %s", strerror((int)-rd.skip));
	}

	sqe = io_uring_get_sqe(&x.ring);
	op->prep(sqe, op->recv ? x.s.rx : x.s.tx, &x.b, IDX, &x.m);
	if (c->park->poll_first)
		sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	if (x.s.stream)
		sqe->msg_flags |= MSG_WAITALL;
	sqe->user_data = ud;

	ret = io_uring_submit(&x.ring);
	if (ret != 1)
		return t_fail("io_uring_submit: %d", ret);
	if (t_reap_early(&x.ring, ud, &done)) {
		if (done.res.res == -EINVAL)
			return t_skip("kernel rejects %s with IORING_RECVSEND_FIXED_BUF%s (-EINVAL at prep)",
				      op->opname, c->park->poll_first ? " and POLL_FIRST" : "");
		if (c->park->poll_first)
			return t_fail("path not taken: the request completed at submit (res %d), before the table changed",
				      done.res.res);
		/* Not a lookup-order verdict: the slot was still as registered. */
		if (done.res.res < 0)
			return t_fail("control failed at submit, before any table change: %s (%d)",
				      strerror(-done.res.res), done.res.res);
	} else if (!c->park->poll_first) {
		return t_fail("control not inline: no completion at submit");
	}

	ret = t_slot_change(&x.ring, IDX, &x.b, c->change, op->recv ? T_POISON : T_REPL);
	if (ret)
		return ret;

	/* Release the request: drain the filler, or feed the receiver. */
	rd.fd = x.s.rx;
	if (!op->recv && x.s.stream && t_reader_start(&rd))
		return t_fail("starting the reader thread failed");
	if (op->recv && c->park->starve && (ret = feed(&x.s, false)))
		return ret;

	ret = t_reap(&x.ring, ud, &done, WAIT_MS);
	if (!op->recv && x.s.stream) {
		shutdown(x.s.tx, SHUT_WR);	/* the reader sees EOF on a failed send */
		t_reader_join(&rd);
	} else if (!op->recv && done.res.res > 0) {
		rd.got = t_sock_read(x.s.rx, peer, LEN, false, WAIT_MS);
	}
	seen = parked_evidence(&x.tr, c->park, ud);
	t_trace_stop(&x.tr);
	if (ret)
		return t_fail("%s within %d ms (request still parked?)",
			      done.have_res ? "no zero-copy notification CQE" :
			      "no completion", WAIT_MS);
	if (op->zc && done.res.res >= 0 && !(done.res.flags & IORING_CQE_F_MORE))
		return t_fail("result CQE announced no notification (F_MORE unset)");

	if ((ret = t_verdict_res(done.res.res, c->change, "I/O")))
		return ret;
	if (done.res.res != LEN)
		return t_fail("short I/O: %d of %d bytes", done.res.res, LEN);
	ret = check_data(c, &x.b, peer, rd.got);
	if (ret)
		return ret;
	if (!op->recv && t_sock_nothing_more(x.s.rx, x.s.stream, WAIT_MS) != 1)
		return t_fail("peer received more than the %d bytes sent", LEN);

	if (seen <= 0 && c->park->poll_first)
		return t_fail("path not taken: tracefs saw no %s for the request",
			      c->park->taskrun ? "deferred task work" : "poll arm");
	if (seen > 0 && !c->park->poll_first)
		return t_fail("control not inline: tracefs saw the request parked");

	t_socks_close(&x.s);
	io_uring_queue_exit(&x.ring);
	t_buf_unmap(&x.b);
	return T_PASS;
}

int order_main(const struct t_op *op, int argc, char **argv)
{
	struct order_case c = { .op = op };

	for (size_t s = 0; s < sizeof(socks) / sizeof(socks[0]); s++) {
		c.sock = socks[s];
		for (size_t p = 0; p < sizeof(parks) / sizeof(parks[0]); p++) {
			c.park = &parks[p];
			/* A datagram socket is never full: nothing to drain. */
			if (c.sock[0] == 'u' && c.park->starve && !op->recv)
				continue;
			for (int ch = 0; ch < T_NR_CHANGES; ch++) {
				c.change = ch;
				t_add(order_run, &c, sizeof(c), "%s/%s/%s/%s",
				      op->name, c.sock,
				      op->recv ? c.park->recv_name : c.park->send_name,
				      t_change_name[ch]);
			}
		}
	}
	return t_main(argc, argv);
}
