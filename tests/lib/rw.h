/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The read/write scenario: READ_FIXED, WRITE_FIXED, READV_FIXED and
 * WRITEV_FIXED, each submitted alone, its first issue made to return
 * -EAGAIN by its target, the slot it names changed while it waits, and
 * the data checked against the buffer registered at submit.
 *
 * A target is where the I/O goes and how its first issue goes async:
 * - io-wq: the issue returns -EAGAIN before any data moves (a file
 *   without FMODE_NOWAIT; a filesystem without async buffered writes) or
 *   the block layer ends the bio with BLK_STS_AGAIN and io_uring reissues
 *   it; either way it waits in io-wq behind t_barrier until released;
 * - poll: a pipe or socket with nothing to read / no room to write; the
 *   retry is deferred task work (DEFER_TASKRUN ring), run only when the
 *   test waits, after it fed or drained the file;
 * - inline: the control, ready at submit: completes in its first issue.
 *
 * A test program names its opcodes and targets and calls rw_main().
 */
#ifndef FIXBUF_RW_H
#define FIXBUF_RW_H

#include "t.h"
#include "dev.h"

#define RW_IDX	1		/* not slot 0: a wrong index shows too */
#define RW_LEN	8192		/* two pages */

struct rw_op {
	const char *name;	/* case name prefix, e.g. "read_fixed" */
	const char *opname;	/* for reasons */
	int opcode;
	bool write, vec;
};

extern const struct rw_op rw_read_fixed, rw_write_fixed,
	rw_readv_fixed, rw_writev_fixed;

enum rw_park { RW_INLINE, RW_POLL, RW_IOWQ };

/* One case's I/O file; a target fills it in. */
struct rw_file {
	int fd;			/* the I/O goes here (blocking: no O_NONBLOCK) */
	int peer;		/* the other end of a pipe or socket, or -1 */
	long filled;		/* bytes a poll target put in to fill it */
	void *priv;		/* the target's */
};

struct rw_target {
	const char *name;	/* case name part, e.g. "memfd" */
	enum rw_park park;
	bool reads, writes;	/* the directions it has cases for */
	const struct t_dev *dev;	/* harness device it needs, or NULL */
	/*
	 * Open for @write. Reads find RW_LEN original bytes at offset 0
	 * (io-wq, inline) or nothing yet (poll); writes find room (inline)
	 * or none (poll). 0 or a verdict.
	 */
	int (*open)(struct rw_file *f, bool write);
	/* What was written lies at offset 0: read RW_LEN bytes of it. */
	int (*read_back)(struct rw_file *f, uint8_t *out);
	void (*close)(struct rw_file *f);
};

/* Shared target helpers (rw_targets.c). */
int rw_fill_file(int fd, const uint8_t *data, size_t len, const char *what);
long rw_fill_nonblock(int fd);
void rw_close_file(struct rw_file *f);

extern const struct rw_target rw_memfd, rw_pipe, rw_pipe_ready, rw_unix;

int rw_main(const struct rw_op *const *ops, int nr_ops,
	    const struct rw_target *const *targets, int nr_targets,
	    int argc, char **argv);

#endif
