/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fail-nth sweeps, as syzkaller runs them, across "register -> I/O ->
 * unregister": case nth=N fails, once, the N-th injection point (an
 * allocation, or a function the harness injects) that the io_uring_enter
 * submitting the I/O reaches, for the submitting thread only (fault.h).
 * Whatever fails, the I/O must end cleanly: a clean error, or a success
 * that moved the bytes of the buffer registered at submit, never those of
 * the pages remapped into the slot right after the submit; every SQE must
 * complete (result and zero-copy notification CQEs); the original
 * registration must be released (its tag CQE; VmPin where it counts).
 *
 * A scenario (tests/sweep_*.c) calls t_sweep_main(); each case, in its own
 * process:
 *	t_sweep_begin		skip without fail-nth
 *	(ring, buffer, sparse table)
 *	t_sweep_register	the slot over the buffer, with a tag
 *	(prepare the SQE, user_data s->ud)
 *	t_sweep_submit		fail-nth=N, io_uring_submit, read back, reset
 *	t_slot_change		T_SLOT_REMAPPED
 *	(let the I/O run, reap it)
 *	t_sweep_judged() ?	the verdicts, then t_sweep_released
 *			 :	t_sweep_unjudged
 */
#ifndef FIXBUF_SWEEP_H
#define FIXBUF_SWEEP_H

#include "t.h"
#include "fault.h"

/*
 * nth=1..T_SWEEP_MAX: well past the injection points any submit of the
 * suite's scenarios reaches on the suite's kernels (3 each, measured), and
 * short enough for the slow devices of SLOW=1 (a passthrough case then
 * takes about a second). The points case reports the count, and fails if
 * the bound no longer covers it.
 */
#define T_SWEEP_MAX	16
/* The points case's fail-nth: more points than any submit reaches. */
#define T_SWEEP_POINTS	10000
/* The original registration's tag (its CQE: the pages were released). */
#define T_SWEEP_TAG	0x5eeb0001ULL

struct t_sweep_case {
	unsigned int nth;	/* 0: the points case */
	const void *arg;	/* the scenario's own (its device, ...) */
};

struct t_sweep {
	const struct t_sweep_case *c;
	struct t_fail_nth f;
	uint64_t ud;		/* the I/O's user_data */
	long pin0, pin1;	/* VmPin before / after registering */
	int submitted;		/* io_uring_submit()'s return */
	unsigned int reached;	/* injection points the submit reached */
	bool fired;		/* the fault fired at point nth */
	bool tag_seen;
};

/*
 * Cases sweep/<name>/points and sweep/<name>/nth=1..T_SWEEP_MAX of @fn,
 * each given a struct t_sweep_case with @arg; requires "fault nth". Call
 * t_require() for anything else first.
 */
int t_sweep_main(const char *name, t_fn fn, const void *arg, int argc,
		 char **argv);
/* The same cases, added to a program that registers others too. */
void t_sweep_add(const char *name, t_fn fn, const void *arg);
/* 0, or the skip verdict: no fail-nth (its reason). */
int t_sweep_begin(struct t_sweep *s, const void *variant);
/* Register slot @idx over @b with T_SWEEP_TAG. 0 or a fail verdict. */
int t_sweep_register(struct t_sweep *s, struct io_uring *ring,
		     const struct t_buf *b, unsigned int idx);
/* Arm, submit what is prepared, disarm. 0 or a fail verdict. */
int t_sweep_submit(struct t_sweep *s, struct io_uring *ring);
/* Whether the I/O is judged: case nth=N, and the fault fired. */
bool t_sweep_judged(const struct t_sweep *s);
/*
 * The verdict of a case not judged: points (the count, and whether the
 * sweep covers it), or the skip of an N past the end.
 */
int t_sweep_unjudged(const struct t_sweep *s);
/*
 * @res (a CQE's result, or the submit's) is a clean error: say which and
 * return true. @what: "the send", "io_uring_enter", ...
 */
bool t_sweep_clean(const struct t_sweep *s, int res, const char *what);
/* A CQE that is not the I/O's: the original registration's tag? */
void t_sweep_saw(struct t_sweep *s, uint64_t user_data);
/*
 * Once the I/O completed: the original registration's tag CQE arrives
 * (nothing else may), then the table is unregistered and VmPin is back
 * where it started (if the kernel counts this process's pins). 0 or a
 * fail verdict.
 */
int t_sweep_released(struct t_sweep *s, struct io_uring *ring,
		     unsigned int ms);
/* On every path out of a case. */
void t_sweep_end(struct t_sweep *s);

#endif
