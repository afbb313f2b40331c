/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small ublk zero-copy server for the suite (ublk.c), with its back ends
 * kept apart behind struct ublk_tgt_ops, as the kernel's kublk does.
 *
 * Per block request the core submits, in one batch and without links:
 *   UBLK_U_IO_REGISTER_IO_BUF (slot i) -> the back end's I/O on slot i ->
 *   UBLK_U_IO_UNREGISTER_IO_BUF (slot i)
 * so the back-end I/O must resolve slot i in its first issue. Slots come
 * from a small per-queue pool, lowest free first: consecutive requests
 * reuse the same index, and a late lookup finds the slot empty (-EFAULT,
 * an I/O error at the client) or holding another request's pages (wrong
 * data at the client, at an offset the failure names).
 */
#ifndef FIXBUF_UBLK_H
#define FIXBUF_UBLK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "t.h"
#include "ublk_ctrl.h"

/* ---- the server --------------------------------------------------- */

#define UBLK_MAX_QUEUES	4
#define UBLK_MAX_TAGS	64
#define UBLK_MAX_FAILS	8

struct ublk_dev;
struct ublk_queue;
struct ublk_force;
struct t_dev;

/* One failure the server saw, named by queue, tag and device offset. */
struct ublk_fail {
	int q, tag;
	uint64_t off;
	uint32_t len;
	char what[160];
};

/* Per-tag state of the core (a back end keeps its own in queue->tgt_data). */
struct ublk_io {
	const struct ublksrv_io_desc *iod;
	int idx;		/* buffer slot of the request in flight, or -1 */
	unsigned int nr;	/* requests this tag has served */
	bool manual;		/* the server registered idx (not the kernel) */
	bool want_fallback;	/* the fetch named an index the kernel must refuse */
	bool second;		/* the next kernel slot is tag + depth */
	int auto_idx;		/* the slot the fetch named for the kernel */
	int last_idx;		/* the slot of the request committed last, */
	bool last_kernel;	/* which the kernel had registered */
	int pending;		/* CQEs still due: register, unregister, back end */
	int res;		/* what COMMIT_AND_FETCH reports */
	bool busy;		/* a request is being served */
	bool need_commit;	/* done: COMMIT_AND_FETCH on the next batch */
	bool behind_seen;	/* what the batch queued behind the data I/O completed */
	bool data_done;		/* the back end's data I/O completed */
	bool stopping;		/* the fetch ended (device stopping) */
};

/*
 * A back end. queue_io() queues the SQEs for tag @tag on buffer slot @idx
 * (no links: the core adds register before and unregister after, same
 * batch) and returns how many CQEs they will post, or -errno.
 * tgt_cqe() takes each of them and sets io->res on an error. The data
 * I/O (the one that uses the slot) calls ublk_data_done() on its result.
 * A CQE flagged IORING_CQE_F_MORE announces one more (a notification).
 */
struct ublk_tgt_ops {
	const char *name;
	bool big_sqe;		/* its SQEs need SQE128 and CQE32 (passthrough) */
	int (*probe)(void);	/* 0, or the case's skip: the kernel lacks an opcode */
	/* The bytes it holds under device offset @off: read, or with @put write. */
	int (*store)(struct ublk_dev *d, uint64_t off, void *buf, size_t len, bool put);
	int (*init)(struct ublk_dev *d);
	int (*queue_init)(struct ublk_queue *q);
	int (*queue_io)(struct ublk_queue *q, int tag, unsigned int idx);
	void (*tgt_cqe)(struct ublk_queue *q, int tag, const struct io_uring_cqe *cqe);
	void (*queue_exit)(struct ublk_queue *q);
	void (*exit)(struct ublk_dev *d);

	/* Per case (ublk_client.c), for a back end on a device of the harness: */
	const struct t_dev *dev;	/* required by its programs; or NULL */
	unsigned int blocks;		/* blocks a write or read case moves (16) */
	unsigned int alarm_s;		/* a case's alarm, if longer than the default */
	/* Before the device starts: what it serves from (conf.tgt_arg). 0 or a verdict. */
	int (*setup)(void **tgt_arg);
	void (*teardown)(void *tgt_arg);
	/*
	 * Scenario .fillers: each block's client request issued while the
	 * back end's own load holds its device's every tag. 0 or a verdict.
	 */
	int (*force)(struct ublk_force *f);
};

/*
 * Who puts the request's pages in the buffer table.
 *  MANUAL: the server, REGISTER_IO_BUF -> I/O -> UNREGISTER_IO_BUF in one
 *          unlinked batch (the order under test).
 *  AUTO:   the kernel (UBLK_F_AUTO_BUF_REG, 6.16+), at the slot the fetch
 *          named (two a tag, in turn), before the request reaches the
 *          server, and unregisters it when the server commits, after the
 *          I/O completed: no command the I/O must outrun, so a late lookup
 *          still finds the request's pages.
 *  AUTO_FALLBACK: AUTO with UBLK_AUTO_BUF_REG_FALLBACK, and every other
 *          request of a tag named an index the kernel must refuse, so it
 *          arrives with UBLK_IO_F_NEED_REG_BUF and the server serves it the
 *          MANUAL way: the mix a server with a full table lives with.
 */
enum ublk_reg { UBLK_REG_MANUAL, UBLK_REG_AUTO, UBLK_REG_AUTO_FALLBACK };

/* What a case asks for. */
struct ublk_conf {
	const struct ublk_tgt_ops *ops;
	unsigned int nr_queues, depth;
	unsigned int nr_slots;		/* buffer slots per queue (reused) */
	enum ublk_reg reg;
	uint64_t size;			/* device bytes */
	bool defer_taskrun;		/* queue rings SINGLE_ISSUER|DEFER_TASKRUN */
	unsigned int tgt_flags;		/* for the back end, e.g. POLL_FIRST */
	void *tgt_arg;			/* for the back end, e.g. its device */
};

struct ublk_queue {
	struct ublk_dev *dev;
	int q_id;
	struct io_uring ring;
	pthread_t thread;
	const struct ublksrv_io_desc *descs;
	size_t descs_len;
	struct ublk_io ios[UBLK_MAX_TAGS];
	uint64_t slot_busy;		/* bitmap of slots taken by a batch */
	void *tgt_data;
	int err;			/* setup error of the thread, -errno */
	bool ready;
	/* Counters, read by the case after the queue thread ended. */
	unsigned long served, failed, parked, inline_done;
	unsigned long parked_w, inline_w;	/* of which writes */
	unsigned long auto_reg, fallback;	/* requests the kernel registered / refused */
	uint64_t first_parked_ud[2];		/* [is write] */
};

struct ublk_dev {
	struct ublk_conf conf;
	struct ublksrv_ctrl_dev_info info;
	struct ublk_ctrl ctrl;
	int cdev_fd;
	int dev_id;
	char bdev[32];
	struct ublk_queue queues[UBLK_MAX_QUEUES];
	volatile int stop;
	bool started;
	void *tgt_data;
	pthread_mutex_t lock;		/* guards fails */
	struct ublk_fail fails[UBLK_MAX_FAILS];
	int nr_fails;
	/* Per 4 KiB block: the last failure of a request that covered it. */
	struct ublk_fail *blk_fail;
	uint64_t nr_blks;
	unsigned long long fails_total;
};

/* user_data: bits 0-15 tag, 16-23 kind, 24-31 queue, 32-63 the case pid. */
/* A back end numbers its own kinds from UBLK_UD_TGT up: it stays last. */
enum { UBLK_UD_CMD = 1, UBLK_UD_REG, UBLK_UD_UNREG, UBLK_UD_DATA, UBLK_UD_MARK, UBLK_UD_PROBE,
       UBLK_UD_PROBE_LINK, UBLK_UD_TGT };
uint64_t ublk_ud(const struct ublk_queue *q, int tag, unsigned int kind);
static inline unsigned int ublk_ud_kind(uint64_t ud) { return (ud >> 16) & 0xff; }
static inline int ublk_ud_tag(uint64_t ud) { return ud & 0xffff; }
/* Mark the data I/O of @tag complete (for the parked-or-inline proof). */
void ublk_data_done(struct ublk_queue *q, int tag);

/*
 * Create, start (the queue threads serve from here on) and name the device
 * (d->bdev). 0, or a skip/fail verdict already reported. The device id is
 * appended to the file t_dev_ublk names, so the harness deletes it
 * whatever happens to this process.
 */
int ublk_start(struct ublk_dev *d, const struct ublk_conf *conf);
/* Stop and delete the device, end the queue threads. Idempotent. */
void ublk_stop(struct ublk_dev *d);
/* Record a failure (first UBLK_MAX_FAILS kept) and count it. */
void ublk_fail(struct ublk_queue *q, int tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The device offset a failure at @off falls in: who served it last. */
const struct ublk_fail *ublk_fail_at(struct ublk_dev *d, uint64_t off);
/* Sums over the queues. */
unsigned long ublk_sum(const struct ublk_dev *d, size_t field_off);
#define UBLK_SUM(d, f)	ublk_sum(d, offsetof(struct ublk_queue, f))

/* Device ublk (ublk.c): node_var is the device id file. */
extern const struct t_dev t_dev_ublk;

/* The back ends (ublk_file.c, ublk_net.c, ublk_nvme.c). */
extern const struct ublk_tgt_ops ublk_tgt_file, ublk_tgt_net, ublk_tgt_nvme;
/* tgt_flags of the network back end. */
#define UBLK_NET_ZC		(1U << 0)	/* SEND_ZC, else SEND with FIXED_BUF */
#define UBLK_NET_PF_SEND	(1U << 1)	/* IORING_RECVSEND_POLL_FIRST on the data send */
#define UBLK_NET_PF_RECV	(1U << 2)	/* and on the data recv */
#define UBLK_NET_VEC		(1U << 3)	/* with _ZC: IORING_SEND_VECTORIZED, two iovecs */

/* ---- the client (ublk_client.c) ------------------------------------ */

/* The pattern of a block: every 8-byte word derives from offset and gen. */
void ublk_pat_fill(uint8_t *p, uint64_t off, size_t len, uint32_t gen);
/*
 * 0 if @p holds the pattern of (@off, @gen); else the first wrong offset
 * + 1, with @desc saying what is there instead.
 */
uint64_t ublk_pat_check(const uint8_t *p, uint64_t off, size_t len,
			uint32_t gen, char *desc, size_t desclen);

#endif
