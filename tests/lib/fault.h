/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault injection set up by the harness for a program's device
 * (harness/lib/fault.sh), armed by a case for exactly the requests it
 * means to affect, and disarmed on every path out of the case.
 *
 * fail_io_timeout: the device setup marks its own backing disk
 * (io-timeout-fail) and leaves the global attributes disarmed (times=0);
 * it exports the variables below, spelled the same in fault.sh.
 */
#ifndef FIXBUF_FAULT_H
#define FIXBUF_FAULT_H

#include <stdbool.h>

/* "1" when set up; otherwise ..._WHY says why not. */
#define T_IO_TIMEOUT		"FIXBUF_IO_TIMEOUT"
#define T_IO_TIMEOUT_WHY	"FIXBUF_IO_TIMEOUT_WHY"
/* debugfs fail_io_timeout/times (global; 0 = disarmed). */
#define T_IO_TIMEOUT_TIMES	"FIXBUF_IO_TIMEOUT_TIMES"
/* The backing disk's queue/io_timeout, shortened while a case holds. */
#define T_IO_TIMEOUT_QUEUE	"FIXBUF_IO_TIMEOUT_QUEUE"
/* io_timeout (ms) to use while a case holds requests. */
#define T_IO_TIMEOUT_MS		"FIXBUF_IO_TIMEOUT_MS"
/* Completions to drop: the requests that reach the backing disk first. */
#define T_IO_TIMEOUT_DROP	"FIXBUF_IO_TIMEOUT_DROP"

/*
 * fail_function on one kernel function (requirement "fault FUNC"): set up
 * disarmed (times=0) with task-filter=Y, so only a task whose own
 * make-it-fail is 1 can be failed, and only as often as times says.
 */
#define T_FAIL_FUNCTION		"FIXBUF_FAIL_FUNCTION"		/* FUNC, when set up */
#define T_FAIL_FUNCTION_WHY	"FIXBUF_FAIL_FUNCTION_WHY"	/* else why not */
#define T_FAIL_FUNCTION_TIMES	"FIXBUF_FAIL_FUNCTION_TIMES"	/* debugfs fail_function/times */

/*
 * fail-nth (requirement "fault nth"): the harness makes failslab and, where
 * the kernel has it, fail_page_alloc reach every allocation a thread makes
 * (ignore-gfp-wait=N, ignore-gfp-highmem=N, cache-filter=N), quietly
 * (verbose=0), with probability 0: nothing fails on its own. A thread that
 * writes N to its own /proc/thread-self/fail-nth fails the N-th injection
 * point it reaches from then on (slab, page, or an injected function), once.
 */
#define T_FAIL_NTH		"FIXBUF_FAIL_NTH"		/* "1" when set up */
#define T_FAIL_NTH_WHY		"FIXBUF_FAIL_NTH_WHY"		/* else why not */

struct t_io_timeout {
	const char *times, *queue;
	unsigned int drop;	/* completions armed */
	unsigned int ms;
	char old_ms[32];
	bool armed, shortened;
	int left;		/* times left once everything completed */
};

/* Read the harness's set-up: 0, or a skip/fail verdict already reported. */
int t_io_timeout_get(struct t_io_timeout *f);
/* A case killed while armed must not leave it armed for the next one. */
void t_io_timeout_reset(void);
/* Shorten the queue's io_timeout and drop the next @drop completions. */
int t_io_timeout_arm(struct t_io_timeout *f, unsigned int drop);
/* How many armed drops did not fire (f->left). 0 or a fail verdict. */
int t_io_timeout_left(struct t_io_timeout *f);
/* On every path out of a case that armed (the harness's undo backs it up). */
void t_io_timeout_disarm(struct t_io_timeout *f);

/* One injected failure of FUNC for the calling thread only. */
struct t_fail_function {
	const char *func, *times;
	bool armed;
};

/* The harness's fail_function set-up for @func: 0 or a skip verdict. */
int t_fail_function_get(struct t_fail_function *f, const char *func);
/* Fail the next call of the function made by this thread, once. */
int t_fail_function_arm(struct t_fail_function *f);
/* Stop failing this thread; 0 when the one failure fired, else a verdict. */
int t_fail_function_fired(struct t_fail_function *f);
/* On every path out of a case that armed. */
void t_fail_function_disarm(struct t_fail_function *f);

/*
 * The calling thread's fail-nth. Opened before arming (an open allocates:
 * it would be an injection point itself); read back and reset through the
 * same descriptor, with no allocation in between.
 */
struct t_fail_nth {
	int fd;
	unsigned int nth;	/* armed with */
	bool armed;
};

/* The harness's set-up and this thread's fail-nth: 0 or a skip verdict. */
int t_fail_nth_get(struct t_fail_nth *f);
/* Fail the @nth injection point this thread reaches from now on. */
int t_fail_nth_arm(struct t_fail_nth *f, unsigned int nth);
/*
 * Stop (write 0) and say what was left: 0 when the fault fired, else the
 * points not reached (the thread reached nth - *left of them).
 * 0 or a fail verdict.
 */
int t_fail_nth_disarm(struct t_fail_nth *f, unsigned int *left);
/* On every path out of a case: disarmed and closed. */
void t_fail_nth_put(struct t_fail_nth *f);

#endif
