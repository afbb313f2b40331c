/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the passthrough scenario (passthru.h): shared by pt_*.c. */
#ifndef FIXBUF_PT_H
#define FIXBUF_PT_H

#include "passthru.h"

#define PT_IDX		1
#define PT_LEN		8192
#define PT_DATA_LBA_BYTES (1 << 20)	/* the cases' data; fillers read below */

/* How the command is made to wait for a tag (none: the control). */
enum pt_park { PARK_INLINE, PARK_TAGS, PARK_FAULT, PT_NR_PARKS };

struct pt_case {
	const struct pt_dev_ops *ops;
	bool write, vec;
	enum pt_park park;
	enum t_change change;
};

/* The device the harness made (pt_dev.c): 0 or a verdict. */
int pt_dev_open(const struct pt_dev_ops *ops, struct pt_dev *d);
void pt_dev_close(struct pt_dev *d);
/* Put @pat at the cases' data area with a plain (not fixed) command. */
int pt_dev_fill(struct io_uring *ring, const struct pt_dev_ops *ops,
		const struct pt_dev *d, enum t_pat pat);
/* A write must have put the original bytes on the device. */
int pt_dev_verdict(const struct pt_dev *d);

/* One case (passthru.c). */
int pt_run(const void *arg);

#endif
