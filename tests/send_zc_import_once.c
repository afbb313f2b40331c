// SPDX-License-Identifier: GPL-2.0
/*
 * A zero-copy send resolves its fixed buffer once, however often it is
 * retried (first patch of the series): a retry that looks the slot up
 * again sends whatever the slot holds by then, and on 6.13/6.14 also took
 * a node reference it never dropped, so the pages stayed pinned.
 *
 * retry-after-eagain: the socket is full, so the first issue resolves the
 * buffer and sends nothing (-EAGAIN, poll armed); the slot is remapped,
 * then the socket drained.
 * waitall-short-send: MSG_WAITALL with a payload larger than the socket
 * can hold; the first issue sends a part and parks; the slot is remapped
 * before the rest goes out.
 * Both: every byte must be the original, the original registration must
 * be released (its tag CQE arrives) and VmPin must return to where it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include "lib/ops.h"

#define IDX		1
#define TAG_OLD		0x7a9001
#define TAG_NEW		0x7a9002
#define WAIT_MS		5000
#define SMALL_LEN	8192
#define BIG_LEN		(512 * 1024)	/* far beyond a shrunk socket */

struct once_case {
	const struct t_op *op;
	const char *sock;
	bool short_send;
};

/* Bytes the first issue got into the connection: sent or queued. */
static long in_flight(const struct t_socks *s)
{
	int queued = 0, unsent = 0;

	ioctl(s->rx, FIONREAD, &queued);
	ioctl(s->tx, SIOCOUTQ, &unsent);
	return (long)queued + unsent;
}

static int check_release(struct io_uring *ring, uint64_t ud,
			 struct t_done *done, long pin0, long pin1)
{
	long pin;

	/* The request held the old registration; it must let go of it. */
	if (t_reap_other(ring, ud, done, TAG_OLD, WAIT_MS))
		return t_fail("original registration never released (no tag CQE): a buffer node reference leaked");
	/* Unregistering takes the ring lock: every release has finished. */
	io_uring_unregister_buffers(ring);
	pin = t_vmpin_kb();
	if (pin1 == pin0)
		t_note("VmPin does not count this process's pins (CAP_IPC_LOCK): release shown by the tag CQE");
	else if (pin != pin0)
		return t_fail("pinned memory not returned: VmPin %ld kB, %ld kB before registering",
			      pin, pin0);
	io_uring_queue_exit(ring);
	pin = t_vmpin_kb();
	if (pin != pin0)
		return t_fail("pinned memory not returned after ring close: VmPin %ld kB, %ld kB before",
			      pin, pin0);
	return T_PASS;
}

static int once_run(const void *arg)
{
	const struct once_case *c = arg;
	const uint64_t ud = 0xf1b1000000000000ULL | (uint64_t)getpid();
	const size_t len = c->short_send ? BIG_LEN : SMALL_LEN;
	struct t_reader rd = { .len = len, .ms = WAIT_MS };
	struct t_done done = { 0 };
	struct io_uring_sqe *sqe;
	struct t_sock_io x;
	long pin0, pin1, sent, before;
	char desc[256];
	int ret, arms;

	rd.buf = malloc(len);
	if (!rd.buf)
		return t_fail("out of memory");
	ret = t_sock_io_setup(&x, c->op, c->sock, 0, true, len, T_ORIG, true);
	if (ret)
		return ret;
	pin0 = t_vmpin_kb();
	ret = t_table_set_tag(&x.ring, IDX, x.b.addr, len, TAG_OLD);
	if (ret)
		return t_fail("registering slot %d: %s", IDX, strerror(-ret));
	pin1 = t_vmpin_kb();

	if (!c->short_send) {
		rd.skip = t_sock_fill(x.s.tx);
		if (rd.skip <= 0)
			return t_fail("filling the socket: %s", strerror((int)-rd.skip));
	}
	before = in_flight(&x.s);
	sqe = io_uring_get_sqe(&x.ring);
	c->op->prep(sqe, x.s.tx, &x.b, IDX, &x.m);
	sqe->msg_flags |= MSG_WAITALL;
	sqe->user_data = ud;

	if (io_uring_submit(&x.ring) != 1)
		return t_fail("io_uring_submit failed");
	if (t_reap_early(&x.ring, ud, &done)) {
		if (done.res.res == -EINVAL)
			return t_skip("kernel rejects %s with IORING_RECVSEND_FIXED_BUF (-EINVAL at prep)",
				      c->op->opname);
		return t_fail("path not taken: completed at submit (res %d)",
			      done.res.res);
	}
	sent = in_flight(&x.s) - before;
	if (c->short_send && (sent <= 0 || sent >= (long)len))
		return t_fail("path not taken: first issue moved %ld of %zu bytes, expected a part",
			      sent, len);
	if (!c->short_send && sent != 0)
		return t_fail("path not taken: first issue moved %ld bytes into a full socket",
			      sent);

	/* Between the attempts: new pages at the same address, slot re-registered. */
	if (t_buf_remap(&x.b, T_REPL) ||
	    t_table_set_tag(&x.ring, IDX, x.b.addr, len, TAG_NEW))
		return t_fail("remapping slot %d: %m", IDX);

	rd.fd = x.s.rx;
	if (t_reader_start(&rd))
		return t_fail("starting the reader thread failed");
	ret = t_reap(&x.ring, ud, &done, WAIT_MS);
	shutdown(x.s.tx, SHUT_WR);
	t_reader_join(&rd);
	arms = t_trace_count(&x.tr, "io_uring_poll_arm", ud);
	t_trace_stop(&x.tr);
	if (ret)
		return t_fail("%s within %d ms (peer got %ld of %zu bytes)",
			      done.have_res ? "no zero-copy notification CQE" :
			      "no completion", WAIT_MS, rd.got, len);
	if (done.res.res < 0)
		return t_fail("send failed: %s (%d)", strerror(-done.res.res),
			      done.res.res);
	if (done.res.res != (int)len || rd.got != (long)len)
		return t_fail("sent %d, peer received %ld of %zu bytes",
			      done.res.res, rd.got, len);
	if (!t_pat_check(rd.buf, len, T_ORIG, desc, sizeof(desc)))
		return t_fail("buffer resolved again on retry: peer received %s",
			      desc);
	if (arms <= 0)
		return t_fail("path not taken: tracefs saw no poll arm for the request");

	ret = check_release(&x.ring, ud, &done, pin0, pin1);
	t_buf_unmap(&x.b);
	return ret;
}

int main(int argc, char **argv)
{
	const struct t_op *ops[] = { &t_op_send_zc, &t_op_sendmsg_zc };
	const char *socks[] = { "tcp4", "tcp6" };
	struct once_case c;

	for (size_t o = 0; o < 2; o++)
		for (size_t s = 0; s < 2; s++)
			for (int sh = 0; sh < 2; sh++) {
				c = (struct once_case){ ops[o], socks[s], sh };
				t_add(once_run, &c, sizeof(c),
				      "%s/%s/import-once/%s", ops[o]->name,
				      socks[s], sh ? "waitall-short-send" :
				      "retry-after-eagain");
			}
	return t_main(argc, argv);
}
