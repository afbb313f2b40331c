/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the passthrough scenario (passthru.h): shared by pt_*.c. */
#ifndef FIXBUF_PT_H
#define FIXBUF_PT_H

#include "passthru.h"

#define PT_IDX		1
#define PT_LEN		8192
#define PT_DATA_LBA_BYTES (1 << 20)	/* the cases' data; fillers read below */

/*
 * How the command is made to go async.
 *
 * inline: free tags, a control that must pass everywhere.
 *
 * tags-exhausted: fillers take every tag, the fixed command is punted to
 * io-wq (traced as io_uring_queue_async_work) and blocks for a tag; the
 * slot changes while no filler has completed; then the fillers complete
 * and the command runs. The hold is proven by the clock: no filler
 * completes sooner than the device's delay (T_DEV_SLOW_NS) after its
 * submit. An attempt that cannot prove it (load) is forced again, and the
 * case skips after PT_TRIES (passthru.c) unless the kernel gave a verdict.
 *
 * fault-timeout: the same, but the fillers keep their tags because
 * fail_io_timeout drops their completions at the backing queue. The case
 * arms it for exactly the fillers that reach that queue first: those
 * holding the device's driver tags (the rest wait in the scheduler, the
 * command in io-wq, until one of them ends), so neither a later filler
 * nor the command can be dropped. The queue's timeout handler ends them
 * with an error after its io_timeout, shortened for the case. Proof that
 * the fault held them: times is used up and exactly that many failed.
 *
 * alloc-fault (barrier.c holds it): no fillers; the command's own non-blocking
 * allocation fails once by fail_function, and it waits in io-wq behind a
 * barrier the case releases after the table change. Proof: the fault
 * fired exactly once, the punt was traced, and the command completed
 * after the barrier.
 */
enum pt_park { PARK_INLINE, PARK_TAGS, PARK_FAULT, PARK_ALLOC, PT_NR_PARKS };

/* alloc-fault fails this function once for the submitting thread. */
#define PT_ALLOC_FUNC	"blk_mq_alloc_request"

struct pt_case {
	const struct pt_dev_ops *ops;
	bool write, vec;
	enum pt_park park;
	enum t_change change;
};

/*
 * One inline command on the cases' data area (PT_LEN bytes at
 * PT_DATA_LBA_BYTES), through slot @idx or, with -1, @buf: its cqe->res,
 * or -ETIME / a submit error.
 */
int pt_dev_cmd(struct io_uring *ring, const struct pt_dev_ops *ops, const struct t_dev_fd *d,
	       bool write, bool vec, uint8_t *buf, int idx);
/*
 * Put @pat at the cases' data area with a plain (not fixed) command: 0 or
 * a verdict (skip where the device has no io_uring passthrough).
 */
int pt_dev_fill(struct io_uring *ring, const struct pt_dev_ops *ops,
		const struct t_dev_fd *d, enum t_pat pat);
/* A write must have put the original bytes on the device. */
int pt_dev_verdict(const struct t_dev_fd *d);

/* The sweep cases of @ops (pt_sweep.c), added to pt_main's. */
void pt_sweep_add(const struct pt_dev_ops *ops);

/* One case (passthru.c). */
int pt_run(const void *arg);

#endif
