// SPDX-License-Identifier: GPL-2.0
/*
 * The ublk zero-copy server core (ublk.h): device lifecycle through
 * /dev/ublk-control, one thread and ring per queue, and per request the
 * register -> back-end I/O -> unregister batch, submitted with no links.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "ublk.h"
#include "dev.h"

#define NODE_WAIT_MS	5000

uint64_t ublk_ud(const struct ublk_queue *q, int tag, unsigned int kind)
{
	/* The pid makes a case's records unique in the shared trace buffer. */
	return (uint64_t)getpid() << 32 | (uint64_t)q->q_id << 24 |
		(uint64_t)kind << 16 | (uint16_t)tag;
}

/*
 * harness/lib/dev-ublk.sh: the ublk driver, and the file where a program
 * records the ids of the devices it adds (the undo deletes them).
 */
const struct t_dev t_dev_ublk = { .name = "ublk", .node_var = "FIXBUF_UBLK_IDS" };

/* Note the id where the harness finds it: its undo deletes the device. */
static void record_id(int id)
{
	const char *path = t_env(t_dev_ublk.node_var);
	FILE *f;

	if (!path || !(f = fopen(path, "ae")))
		return;
	fprintf(f, "%d\n", id);
	fclose(f);
}

/* ---- failures ------------------------------------------------------- */

void ublk_fail(struct ublk_queue *q, int tag, const char *fmt, ...)
{
	struct ublk_dev *d = q->dev;
	const struct ublksrv_io_desc *iod = q->ios[tag].iod;
	struct ublk_fail *f;
	va_list ap;

	pthread_mutex_lock(&d->lock);
	d->fails_total++;
	f = d->nr_fails < UBLK_MAX_FAILS ? &d->fails[d->nr_fails++] : &d->fails[UBLK_MAX_FAILS - 1];
	f->q = q->q_id;
	f->tag = tag;
	f->off = iod ? iod->start_sector << 9 : 0;
	f->len = iod ? iod->nr_sectors << 9 : 0;
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
	for (uint64_t b = f->off >> 12; d->blk_fail && b < d->nr_blks && b << 12 < f->off + f->len; b++)
		d->blk_fail[b] = *f;
	pthread_mutex_unlock(&d->lock);
}

const struct ublk_fail *ublk_fail_at(struct ublk_dev *d, uint64_t off)
{
	const struct ublk_fail *f;

	if (!d->blk_fail || off >> 12 >= d->nr_blks)
		return NULL;
	f = &d->blk_fail[off >> 12];
	return f->len ? f : NULL;
}

unsigned long ublk_sum(const struct ublk_dev *d, size_t field_off)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < d->conf.nr_queues; i++)
		n += *(const unsigned long *)((const char *)&d->queues[i] + field_off);
	return n;
}

void ublk_data_done(struct ublk_queue *q, int tag)
{
	struct ublk_io *io = &q->ios[tag];
	bool w = ublksrv_get_op(io->iod) == UBLK_IO_OP_WRITE;

	/*
	 * CQEs are posted in completion order, and what the batch queued
	 * behind the data I/O (the unregister, or a NOP on the kernel's slot)
	 * completes at submit: a data I/O completing after it was parked.
	 */
	if (!io->data_done) {
		if (io->behind_seen) {
			q->parked++;
			q->parked_w += w;
			if (!q->first_parked_ud[w])
				q->first_parked_ud[w] = ublk_ud(q, tag, UBLK_UD_DATA);
		} else {
			q->inline_done++;
			q->inline_w += w;
		}
	}
	io->data_done = true;
}

/* ---- the queue: fetch, batch, commit ------------------------------------ */

static struct io_uring_sqe *get_sqe(struct ublk_queue *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);

	if (!sqe) {
		/* Never expected (the ring is sized for every tag's batch). */
		io_uring_submit(&q->ring);
		sqe = io_uring_get_sqe(&q->ring);
	}
	if (!sqe)
		abort();	/* the case reports the crash */
	return sqe;
}

/* A ublksrv_io_cmd on the char device, named by tag and @kind. */
static struct io_uring_sqe *queue_io_cmd(struct ublk_queue *q, int tag, uint32_t op,
					 uint64_t addr, unsigned int kind)
{
	struct io_uring_sqe *sqe = get_sqe(q);
	struct ublksrv_io_cmd *c;

	ublk_sqe_init(sqe, q->dev->cdev_fd, op);
	c = ublk_sqe_cmd(sqe);
	c->q_id = q->q_id;
	c->tag = tag;
	c->addr = addr;
	sqe->user_data = ublk_ud(q, tag, kind);
	return sqe;
}

/*
 * The buffer table: with UBLK_REG_AUTO* slots [0, 2 x depth) are the
 * kernel's, two a tag (tag and tag + depth, used in turn), the server's
 * pool follows; one past the end is the index the kernel must refuse
 * (UBLK_REG_AUTO_FALLBACK).
 */
static unsigned int pool_base(const struct ublk_dev *d)
{
	return d->conf.reg == UBLK_REG_MANUAL ? 0 : 2 * d->conf.depth;
}

static unsigned int table_size(const struct ublk_dev *d)
{
	return pool_base(d) + d->conf.nr_slots;
}

/*
 * FETCH_REQ, or COMMIT_AND_FETCH_REQ with the request's result. Zero copy:
 * no server buffer. With UBLK_F_AUTO_BUF_REG, sqe->addr names the slot the
 * kernel registers the next request at (struct ublk_auto_buf_reg), while
 * the commit unregisters the slot of the request it completes. A tag's two
 * slots alternate, so a commit that unregistered the slot just named
 * instead of the old one (upstream fixed that in the batch commands
 * before 7.3) leaves the old one taken: queue_probe() finds it.
 */
static void queue_fetch(struct ublk_queue *q, int tag, bool commit)
{
	struct ublk_io *io = &q->ios[tag];
	const struct ublk_dev *d = q->dev;
	struct io_uring_sqe *sqe;
	uint8_t flags = 0;

	sqe = queue_io_cmd(q, tag, commit ? UBLK_U_IO_COMMIT_AND_FETCH_REQ :
			   UBLK_U_IO_FETCH_REQ, 0, UBLK_UD_CMD);
	if (commit)
		((struct ublksrv_io_cmd *)ublk_sqe_cmd(sqe))->result = io->res;
	if (d->conf.reg == UBLK_REG_MANUAL)
		return;
	/* Alternate across tags too: refused and registered ones in flight. */
	io->want_fallback = d->conf.reg == UBLK_REG_AUTO_FALLBACK && (io->nr + tag) % 2;
	if (io->want_fallback) {
		io->auto_idx = table_size(d);
	} else {
		io->auto_idx = tag + (io->second ? d->conf.depth : 0);
		io->second = !io->second;
	}
	if (d->conf.reg == UBLK_REG_AUTO_FALLBACK)
		flags = UBLK_AUTO_BUF_REG_FALLBACK;
	sqe->addr = io->auto_idx | (uint64_t)flags << 16;	/* reserved fields zero */
}

static void queue_buf_cmd(struct ublk_queue *q, int tag, unsigned int idx, bool reg)
{
	queue_io_cmd(q, tag, reg ? UBLK_U_IO_REGISTER_IO_BUF : UBLK_U_IO_UNREGISTER_IO_BUF,
		     idx, reg ? UBLK_UD_REG : UBLK_UD_UNREG);
}

/*
 * Behind the commit of a request on the kernel's slot, same batch: a NOP
 * that looks the slot up (IORING_NOP_FIXED_BUFFER) must find it empty.
 * Found, the kernel unregistered another slot and still holds the
 * committed request by this one, which then never completes and hangs
 * every opener of the disk in uninterruptible sleep (the rotating auto_buf
 * index bug): a failure, and the server empties the slot itself.
 *
 * The probe's own result cannot tell: before "io_uring/nop: pass all
 * errors to userspace" (v7.1; 6.18.34, 7.0.11) it posts 0 for an empty
 * slot, though it fails the request all the same. So a plain NOP is linked
 * behind it: cancelled when the slot was empty, completed when it was not.
 */
static void queue_probe(struct ublk_queue *q, int tag)
{
	struct io_uring_sqe *sqe = get_sqe(q);

	io_uring_prep_nop(sqe);
	sqe->rw_flags = IORING_NOP_FIXED_BUFFER;	/* sqe->nop_flags */
	sqe->buf_index = q->ios[tag].last_idx;
	sqe->flags |= IOSQE_IO_LINK;
	sqe->user_data = ublk_ud(q, tag, UBLK_UD_PROBE);
	sqe = get_sqe(q);
	io_uring_prep_nop(sqe);
	sqe->user_data = ublk_ud(q, tag, UBLK_UD_PROBE_LINK);
}

/* The probe: -EFAULT for an empty slot (0 before v7.1), else 0. */
static void probe_done(struct ublk_queue *q, int tag, int res)
{
	if (res && res != -EFAULT)
		ublk_fail(q, tag, "NOP with IORING_NOP_FIXED_BUFFER on slot %d: %s (%d)",
			  q->ios[tag].last_idx, strerror(-res), res);
}

/* The NOP linked behind the probe: cancelled means the slot was empty. */
static void probe_link_done(struct ublk_queue *q, int tag, int res)
{
	struct iovec none = { 0 };
	int idx = q->ios[tag].last_idx;

	if (res == -ECANCELED)
		return;
	if (res) {
		ublk_fail(q, tag, "NOP linked behind the slot %d probe: %s (%d)",
			  idx, strerror(-res), res);
		return;
	}
	ublk_fail(q, tag, "UBLK_F_AUTO_BUF_REG: slot %d still registered after its request's commit (the kernel unregistered another slot); the server emptied it",
		  idx);
	io_uring_register_buffers_update_tag(&q->ring, idx, &none, NULL, 1);
}

static int slot_get(struct ublk_queue *q)
{
	for (unsigned int i = 0; i < q->dev->conf.nr_slots; i++)
		if (!(q->slot_busy & (1ULL << i))) {
			q->slot_busy |= 1ULL << i;
			return pool_base(q->dev) + i;
		}
	return -1;
}

static void finish(struct ublk_queue *q, int tag)
{
	struct ublk_io *io = &q->ios[tag];

	io->last_idx = io->idx;
	io->last_kernel = io->idx >= 0 && !io->manual;
	io->busy = false;
	io->need_commit = true;
	io->nr++;
	q->served++;
	if (io->res < 0)
		q->failed++;
}

/*
 * Who registered the request's pages: 1 the kernel (slot = tag), 0 nobody
 * (the server does, from its pool), -1 the kernel did what the fetch did
 * not ask for (recorded as the request's failure).
 */
static int kernel_registered(struct ublk_queue *q, int tag)
{
	struct ublk_io *io = &q->ios[tag];
	bool refused = io->iod->op_flags & UBLK_IO_F_NEED_REG_BUF;

	if (q->dev->conf.reg == UBLK_REG_MANUAL)
		return 0;
	if (refused == io->want_fallback) {
		if (refused)
			q->fallback++;
		else
			q->auto_reg++;
		return !refused;
	}
	ublk_fail(q, tag, refused ? "UBLK_F_AUTO_BUF_REG: the kernel refused slot %d (UBLK_IO_F_NEED_REG_BUF)" :
		  "UBLK_F_AUTO_BUF_REG: the kernel registered out-of-range slot %d instead of refusing it",
		  io->auto_idx);
	return -1;
}

/*
 * A request arrived on @tag: serve it with one unlinked batch. MANUAL (and
 * a refused AUTO_FALLBACK): register, the back end's I/O, unregister. AUTO:
 * the back end's I/O on the kernel's slot, then a NOP (the parked proof); the
 * commit after it unregisters the slot.
 */
static void dispatch(struct ublk_queue *q, int tag)
{
	struct ublk_io *io = &q->ios[tag];
	const struct ublksrv_io_desc *iod = io->iod;
	unsigned int op = ublksrv_get_op(iod);
	int n, idx, by_kernel;

	io->res = iod->nr_sectors << 9;
	io->busy = true;
	io->behind_seen = io->data_done = false;
	if (op == UBLK_IO_OP_FLUSH) {
		finish(q, tag);
		return;
	}
	if (op != UBLK_IO_OP_READ && op != UBLK_IO_OP_WRITE) {
		io->res = -EOPNOTSUPP;
		finish(q, tag);
		return;
	}
	by_kernel = kernel_registered(q, tag);
	if (by_kernel < 0) {
		io->res = -EIO;
		finish(q, tag);
		return;
	}
	idx = by_kernel ? io->auto_idx : slot_get(q);
	if (idx < 0) {
		/* Cannot happen: nr_slots >= depth is checked at start. */
		ublk_fail(q, tag, "no free buffer slot");
		io->res = -EIO;
		finish(q, tag);
		return;
	}
	io->idx = idx;
	io->manual = !by_kernel;
	if (io->manual)
		queue_buf_cmd(q, tag, idx, true);
	n = q->dev->conf.ops->queue_io(q, tag, idx);
	if (io->manual) {
		queue_buf_cmd(q, tag, idx, false);
	} else {
		/* Completes at submit: a data I/O that completes after it parked. */
		struct io_uring_sqe *sqe = get_sqe(q);

		io_uring_prep_nop(sqe);
		sqe->user_data = ublk_ud(q, tag, UBLK_UD_MARK);
	}
	if (n < 0) {
		/* What the batch holds still completes; fail then. */
		ublk_fail(q, tag, "back end could not queue the I/O: %s", strerror(-n));
		io->res = n;
		n = 0;
	}
	io->pending = (io->manual ? 2 : 1) + n;
}

/*
 * Every CQE of the batch counts down pending; one that announces another
 * (IORING_CQE_F_MORE: a zero-copy send's notification follows) does not.
 */
static void on_cqe(struct ublk_queue *q, const struct io_uring_cqe *cqe)
{
	unsigned int kind = ublk_ud_kind(cqe->user_data);
	int tag = ublk_ud_tag(cqe->user_data);
	struct ublk_io *io;

	if (tag >= UBLK_MAX_TAGS)
		return;
	io = &q->ios[tag];
	if (kind == UBLK_UD_CMD) {
		if (cqe->res < 0)
			io->stopping = true;
		else
			dispatch(q, tag);
		return;
	}
	if (kind == UBLK_UD_PROBE) {
		probe_done(q, tag, cqe->res);
		return;
	}
	if (kind == UBLK_UD_PROBE_LINK) {
		probe_link_done(q, tag, cqe->res);
		return;
	}
	if (!io->busy)
		return;
	if (kind == UBLK_UD_REG || kind == UBLK_UD_UNREG) {
		if (cqe->res < 0) {
			ublk_fail(q, tag, "%s of slot %d: %s (%d)",
				  kind == UBLK_UD_REG ? "UBLK_U_IO_REGISTER_IO_BUF" :
				  "UBLK_U_IO_UNREGISTER_IO_BUF", io->idx,
				  strerror(-cqe->res), cqe->res);
			io->res = -EIO;
		}
		if (kind == UBLK_UD_UNREG) {
			io->behind_seen = true;
			/* The slot is free for the next batch (that is the point). */
			q->slot_busy &= ~(1ULL << (io->idx - pool_base(q->dev)));
		}
	} else if (kind == UBLK_UD_MARK) {
		io->behind_seen = true;
	} else {
		q->dev->conf.ops->tgt_cqe(q, tag, cqe);
		if (cqe->flags & IORING_CQE_F_MORE)
			return;
	}
	if (--io->pending == 0)
		finish(q, tag);
}

static void *queue_thread(void *arg)
{
	struct ublk_queue *q = arg;
	struct ublk_dev *d = q->dev;
	struct io_uring_params p = { 0 };
	unsigned int depth = d->conf.depth, entries = depth * 8;
	struct __kernel_timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
	struct io_uring_cqe *cqe;
	int ret;

	if (d->conf.defer_taskrun)
		p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	if (d->conf.ops->big_sqe)
		p.flags |= IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	p.flags |= IORING_SETUP_CQSIZE;
	p.cq_entries = entries * 2;
	ret = io_uring_queue_init_params(entries, &q->ring, &p);
	if (!ret)
		ret = io_uring_register_buffers_sparse(&q->ring, table_size(d));
	if (!ret && d->conf.ops->queue_init)
		ret = d->conf.ops->queue_init(q);
	if (ret) {
		q->err = ret < 0 ? ret : -EIO;
		__atomic_store_n(&q->ready, true, __ATOMIC_RELEASE);
		return NULL;
	}
	for (unsigned int t = 0; t < depth; t++) {
		q->ios[t].iod = &q->descs[t];
		q->ios[t].idx = -1;
		queue_fetch(q, t, false);
	}
	ret = io_uring_submit(&q->ring);
	if (ret < 0)
		q->err = ret;
	__atomic_store_n(&q->ready, true, __ATOMIC_RELEASE);
	if (ret < 0)
		return NULL;

	for (;;) {
		unsigned int head, n = 0, live = 0;

		/*
		 * Submit what the last round queued without waiting first: the
		 * CQEs posted at submit are inline completions, in order, so a
		 * data I/O whose CQE comes after its unregister's was parked.
		 */
		io_uring_submit(&q->ring);
		io_uring_for_each_cqe(&q->ring, head, cqe) {
			on_cqe(q, cqe);
			n++;
		}
		io_uring_cq_advance(&q->ring, n);
		for (unsigned int t = 0; t < depth; t++) {
			struct ublk_io *io = &q->ios[t];

			if (io->need_commit && !io->stopping) {
				io->need_commit = false;
				io->idx = -1;
				queue_fetch(q, t, true);
				if (io->last_kernel)
					queue_probe(q, t);
			}
			live += !io->stopping;
		}
		if (!live || d->stop)
			break;
		if (n)
			continue;
		ret = io_uring_submit_and_wait_timeout(&q->ring, &cqe, 1, &ts, NULL);
		if (ret < 0 && ret != -ETIME && ret != -EINTR)
			break;
	}
	if (d->conf.ops->queue_exit)
		d->conf.ops->queue_exit(q);
	io_uring_queue_exit(&q->ring);
	return NULL;
}

/* ---- device lifecycle ---------------------------------------------- */

static int wait_node(const char *path, int flags)
{
	for (int i = 0; i < NODE_WAIT_MS / 10; i++) {
		int fd = open(path, flags | O_CLOEXEC);

		if (fd >= 0 || errno != ENOENT)
			return fd < 0 ? -errno : fd;
		usleep(10000);
	}
	return -ENOENT;
}

static void *start_thread(void *arg)
{
	struct ublk_dev *d = arg;

	/* START_DEV returns once the disk is added (partition scan served). */
	return (void *)(intptr_t)ublk_ctrl_start(&d->ctrl, d->dev_id, getpid());
}

int ublk_start(struct ublk_dev *d, const struct ublk_conf *conf)
{
	struct ublk_params params;
	char path[64];
	size_t desc_len;
	pthread_t st;
	void *res;
	int ret;

	memset(d, 0, sizeof(*d));
	d->conf = *conf;
	d->nr_blks = conf->size >> 12;
	d->blk_fail = calloc(d->nr_blks, sizeof(*d->blk_fail));
	d->ctrl.fd = d->cdev_fd = -1;
	d->dev_id = -1;
	pthread_mutex_init(&d->lock, NULL);
	if (conf->nr_queues > UBLK_MAX_QUEUES || conf->depth > UBLK_MAX_TAGS ||
	    conf->nr_slots < conf->depth || conf->nr_slots > 64)
		return t_fail("bad ublk configuration: %u queues x %u tags, %u slots",
			      conf->nr_queues, conf->depth, conf->nr_slots);
	ret = ublk_ctrl_open(&d->ctrl);
	if (ret)
		return t_skip("requires %s (module ublk_drv) and its SQE128 ring: %s",
			      UBLK_CTRL_DEV, strerror(-ret));

	d->info.nr_hw_queues = conf->nr_queues;
	d->info.queue_depth = conf->depth;
	d->info.max_io_buf_bytes = 64 << 10;
	d->info.dev_id = (uint32_t)-1;
	/* AUTO alone: the kernel's registration is the only one. */
	d->info.flags = UBLK_F_CMD_IOCTL_ENCODE;
	if (conf->reg != UBLK_REG_AUTO)
		d->info.flags |= UBLK_F_SUPPORT_ZERO_COPY;
	if (conf->reg != UBLK_REG_MANUAL)
		d->info.flags |= UBLK_F_AUTO_BUF_REG;
	ret = ublk_ctrl_add(&d->ctrl, &d->info);
	if (ret == -EINVAL || ret == -EOPNOTSUPP)
		return t_skip("ublk_drv rejects UBLK_F_SUPPORT_ZERO_COPY with ioctl-encoded commands: %s",
			      strerror(-ret));
	if (ret)
		return t_fail("UBLK_U_CMD_ADD_DEV: %s (%d)", strerror(-ret), ret);
	d->dev_id = d->info.dev_id;
	record_id(d->dev_id);
	/* Before 6.15 the driver clears the flag: no zero copy to test. */
	if (conf->reg != UBLK_REG_AUTO && !(d->info.flags & UBLK_F_SUPPORT_ZERO_COPY))
		return t_skip("ublk_drv has no zero copy (UBLK_F_SUPPORT_ZERO_COPY cleared at ADD_DEV; 6.15+)");
	/* The same for automatic registration before 6.16. */
	if (conf->reg != UBLK_REG_MANUAL && !(d->info.flags & UBLK_F_AUTO_BUF_REG))
		return t_skip("ublk_drv has no UBLK_F_AUTO_BUF_REG (cleared at ADD_DEV; 6.16+)");
	/* The driver caps the queues at the number of CPUs. */
	if (d->info.nr_hw_queues < conf->nr_queues)
		d->conf.nr_queues = d->info.nr_hw_queues;
	if (conf->ops->init && (ret = conf->ops->init(d)))
		return t_fail("back end %s: %s", conf->ops->name, strerror(-ret));

	memset(&params, 0, sizeof(params));
	params.len = sizeof(params);
	params.types = UBLK_PARAM_TYPE_BASIC;
	params.basic.logical_bs_shift = 12;	/* 4 KiB blocks: O_DIRECT-aligned */
	params.basic.physical_bs_shift = 12;
	params.basic.io_opt_shift = 12;
	params.basic.io_min_shift = 12;
	params.basic.max_sectors = d->info.max_io_buf_bytes >> 9;
	params.basic.dev_sectors = conf->size >> 9;
	ret = ublk_ctrl_set_params(&d->ctrl, d->dev_id, &params);
	if (ret)
		return t_fail("UBLK_U_CMD_SET_PARAMS: %s (%d)", strerror(-ret), ret);

	snprintf(path, sizeof(path), "/dev/ublkc%d", d->dev_id);
	d->cdev_fd = wait_node(path, O_RDWR);
	if (d->cdev_fd < 0)
		return t_fail("opening %s: %s", path, strerror(-d->cdev_fd));
	desc_len = conf->depth * sizeof(struct ublksrv_io_desc);
	desc_len = (desc_len + 4095) & ~4095UL;
	for (unsigned int i = 0; i < d->conf.nr_queues; i++) {
		struct ublk_queue *q = &d->queues[i];
		off_t off = UBLKSRV_CMD_BUF_OFFSET +
			(off_t)i * (UBLK_MAX_DEPTH * sizeof(struct ublksrv_io_desc));

		q->dev = d;
		q->q_id = i;
		q->descs_len = desc_len;
		q->descs = mmap(NULL, desc_len, PROT_READ, MAP_SHARED | MAP_POPULATE,
				d->cdev_fd, off);
		if (q->descs == MAP_FAILED) {
			q->descs = NULL;
			return t_fail("mapping the descriptors of queue %u: %m", i);
		}
		ret = pthread_create(&q->thread, NULL, queue_thread, q);
		if (ret)
			return t_fail("queue thread: %s", strerror(ret));
		while (!__atomic_load_n(&q->ready, __ATOMIC_ACQUIRE))
			usleep(1000);
		if (q->err)
			return t_fail("queue %u setup: %s", i, strerror(-q->err));
	}
	/* START_DEV waits for the partition scan the queues serve. */
	if (pthread_create(&st, NULL, start_thread, d))
		return t_fail("start thread");
	pthread_join(st, &res);
	ret = (int)(intptr_t)res;
	if (ret)
		return t_fail("UBLK_U_CMD_START_DEV: %s (%d)", strerror(-ret), ret);
	d->started = true;
	snprintf(d->bdev, sizeof(d->bdev), "/dev/ublkb%d", d->dev_id);
	ret = wait_node(d->bdev, O_RDONLY);
	if (ret < 0)
		return t_fail("%s did not appear: %s", d->bdev, strerror(-ret));
	close(ret);
	/* One block request per client request: no merging hides slot reuse. */
	snprintf(path, sizeof(path), "/sys/block/ublkb%d/queue/nomerges", d->dev_id);
	t_attr_write(path, "2");
	return 0;
}

void ublk_stop(struct ublk_dev *d)
{
	if (d->ctrl.fd < 0)
		return;
	if (d->started)
		ublk_ctrl_stop(&d->ctrl, d->dev_id);
	d->started = false;
	/* Stopped: the fetches end with -ENODEV; the flag covers the rest. */
	d->stop = 2;
	for (unsigned int i = 0; i < d->conf.nr_queues; i++) {
		struct ublk_queue *q = &d->queues[i];

		if (q->thread) {
			pthread_join(q->thread, NULL);
			q->thread = 0;
		}
		if (q->descs)
			munmap((void *)q->descs, q->descs_len);
		q->descs = NULL;
	}
	t_close(&d->cdev_fd);
	if (d->conf.ops->exit)
		d->conf.ops->exit(d);
	if (d->dev_id >= 0)
		ublk_ctrl_del(&d->ctrl, d->dev_id);
	d->dev_id = -1;
	ublk_ctrl_close(&d->ctrl);
	free(d->blk_fail);
	d->blk_fail = NULL;
}
