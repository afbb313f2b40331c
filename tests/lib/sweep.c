// SPDX-License-Identifier: GPL-2.0
/*
 * The fail-nth sweep machinery (sweep.h): the cases, the armed submit,
 * what counts as a clean end, and the release of the original
 * registration.
 */
#include <string.h>
#include <unistd.h>
#include "sweep.h"

void t_sweep_add(const char *name, t_fn fn, const void *arg)
{
	struct t_sweep_case c = { .arg = arg };

	t_require("fault nth");
	t_add(fn, &c, sizeof(c), "sweep/%s/points", name);
	for (c.nth = 1; c.nth <= T_SWEEP_MAX; c.nth++)
		t_add(fn, &c, sizeof(c), "sweep/%s/nth=%u", name, c.nth);
}

int t_sweep_main(const char *name, t_fn fn, const void *arg, int argc,
		 char **argv)
{
	t_sweep_add(name, fn, arg);
	return t_main(argc, argv);
}

int t_sweep_begin(struct t_sweep *s, const void *variant)
{
	memset(s, 0, sizeof(*s));
	s->c = variant;
	s->ud = 0xf1b5000000000000ULL | (uint64_t)getpid() << 16;
	return t_fail_nth_get(&s->f);
}

int t_sweep_register(struct t_sweep *s, struct io_uring *ring,
		     const struct t_buf *b, unsigned int idx)
{
	int ret;

	s->pin0 = t_vmpin_kb();
	ret = t_table_set_tag(ring, idx, b->addr, b->len, T_SWEEP_TAG);
	if (ret)
		return t_fail("registering slot %u: %s", idx, strerror(-ret));
	s->pin1 = t_vmpin_kb();
	return 0;
}

int t_sweep_submit(struct t_sweep *s, struct io_uring *ring)
{
	unsigned int armed = s->c->nth ? s->c->nth : T_SWEEP_POINTS, left = 0;
	int ret;

	/* Nothing between arming and disarming but the submit itself. */
	if ((ret = t_fail_nth_arm(&s->f, armed)))
		return ret;
	s->submitted = io_uring_submit(ring);
	if ((ret = t_fail_nth_disarm(&s->f, &left)))
		return ret;
	s->fired = left == 0;
	s->reached = armed - left;
	if (s->submitted == 0)
		return t_fail("io_uring_submit submitted nothing (0), no error");
	if (s->submitted < 0 && !s->fired)
		return t_fail("io_uring_submit: %s (%d), with no fault injected",
			      strerror(-s->submitted), s->submitted);
	return 0;
}

bool t_sweep_judged(const struct t_sweep *s)
{
	return s->c->nth && s->fired;
}

int t_sweep_unjudged(const struct t_sweep *s)
{
	if (s->c->nth)
		return t_skip("fault no longer fires: the submit reached %u injection points",
			      s->reached);
	if (s->fired)
		return t_fail("fail-nth=%d fired: the submit reaches that many injection points?",
			      T_SWEEP_POINTS);
	if (s->reached >= T_SWEEP_MAX)
		return t_fail("the submit reached %u injection points: nth=1..%d does not get past them (raise T_SWEEP_MAX)",
			      s->reached, T_SWEEP_MAX);
	if (!s->reached)
		t_note("the submit reached no injection point: every nth case skips");
	else
		t_note("the submit reached %u injection points: nth=1..%u fail each once, later ones skip%s",
		       s->reached, s->reached, s->pin1 == s->pin0 ?
		       "; VmPin does not count this process's pins (CAP_IPC_LOCK): releases shown by the tag CQE" : "");
	return T_PASS;
}

bool t_sweep_clean(const struct t_sweep *s, int res, const char *what)
{
	if (res >= 0)
		return false;
	t_note("fault at point %u: %s failed with %s (%d), cleanly", s->c->nth,
	       what, strerror(-res), res);
	return true;
}

void t_sweep_saw(struct t_sweep *s, uint64_t user_data)
{
	if (user_data == T_SWEEP_TAG)
		s->tag_seen = true;
}

struct released {
	struct t_sweep *s;
	struct io_uring_cqe stray;
	bool strayed;
};

static void released_cqe(const struct io_uring_cqe *cqe, void *arg)
{
	struct released *r = arg;

	if (cqe->user_data == T_SWEEP_TAG) {
		r->s->tag_seen = true;
	} else if (!r->strayed) {
		r->stray = *cqe;
		r->strayed = true;
	}
}

static bool released_done(void *arg)
{
	const struct released *r = arg;

	return r->s->tag_seen || r->strayed;
}

int t_sweep_released(struct t_sweep *s, struct io_uring *ring,
		     unsigned int ms)
{
	struct released r = { .s = s };
	long pin;

	/* After the I/O's CQEs, only the tag may come: the request let go. */
	if (t_cqe_until(ring, released_cqe, released_done, &r, ms) || !s->tag_seen) {
		if (r.strayed)
			return t_fail("unexpected CQE after the I/O completed: user_data 0x%llx, res %d, flags 0x%x",
				      (unsigned long long)r.stray.user_data,
				      r.stray.res, r.stray.flags);
		return t_fail("original registration never released (no tag CQE within %u ms of the completion): a buffer node reference leaked",
			      ms);
	}
	/* Unregistering takes the ring lock: every release has finished. */
	io_uring_unregister_buffers(ring);
	pin = t_vmpin_kb();
	if (s->pin1 != s->pin0 && pin != s->pin0)
		return t_fail("pinned memory not returned: VmPin %ld kB, %ld kB before registering",
			      pin, s->pin0);
	return T_PASS;
}

void t_sweep_end(struct t_sweep *s)
{
	t_fail_nth_put(&s->f);
}
