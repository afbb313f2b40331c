// SPDX-License-Identifier: GPL-2.0
/*
 * Fixed buffer lookup order for passthrough uring_cmd. See passthru.h.
 *
 * tags-exhausted: fillers take every tag, the fixed command is punted to
 * io-wq (traced as io_uring_queue_async_work) and blocks for a tag; the
 * slot changes while no filler has completed; then the fillers complete
 * and the command runs. inline: the same command with free tags, a
 * control that must pass everywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "passthru.h"

#define IDX		1
#define LEN		8192
#define DATA_LBA_BYTES	(1 << 20)	/* the cases' data; fillers read below */
#define WAIT_MS		15000
#define UD_FIXED	0xf1b2000000000000ULL
#define UD_FILLER	0xf1b3000000000000ULL

enum change { SLOT_EMPTIED, SLOT_REMAPPED };

struct pt_case {
	const struct pt_dev_ops *ops;
	bool write, vec, exhaust;
	enum change change;
};

static int read_sysfs_uint(const char *blk, const char *attr, unsigned int *v)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/%s", blk, attr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%u", v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

static int open_dev(const struct pt_dev_ops *ops, struct pt_dev *d)
{
	const char *cpath = getenv(ops->env_char);
	const char *bpath = getenv(ops->env_blk);
	const char *tags = getenv(ops->env_tags);
	const char *base;

	if (!cpath || !bpath || !*cpath || !*bpath)
		return t_skip("requires %s (created by harness/run as root)",
			      ops->requires);
	d->fd = open(cpath, O_RDWR | O_CLOEXEC);
	d->blk = open(bpath, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (d->fd < 0 || d->blk < 0)
		return t_fail("opening %s / %s: %m", cpath, bpath);
	base = strrchr(bpath, '/') ? strrchr(bpath, '/') + 1 : bpath;
	snprintf(d->blk_name, sizeof(d->blk_name), "%s", base);
	if (read_sysfs_uint(d->blk_name, "logical_block_size", &d->lba_size) ||
	    read_sysfs_uint(d->blk_name, "nr_requests", &d->tags))
		return t_fail("reading queue limits of %s: %m", d->blk_name);
	/* The harness knows the queue it made; nr_requests may not say. */
	if (tags && atoi(tags) > 0)
		d->tags = (unsigned int)atoi(tags);
	if (d->tags > 60)
		return t_fail("%s has %u tags: too many to hold (the harness sets a small queue)",
			      d->blk_name, d->tags);
	return ops->probe ? ops->probe(d) : 0;
}

/* Put @pat at the cases' data area with ordinary O_DIRECT I/O. */
static int dev_fill(const struct pt_dev *d, enum t_pat pat)
{
	uint8_t *p;
	int ret = 0;

	if (posix_memalign((void **)&p, 4096, LEN))
		return -ENOMEM;
	t_pat_fill(p, LEN, pat);
	if (pwrite(d->blk, p, LEN, DATA_LBA_BYTES) != LEN)
		ret = -errno;
	free(p);
	return ret;
}

static int dev_check(const struct pt_dev *d, char *desc, size_t len)
{
	uint8_t *p;
	int ret = -EIO;

	if (posix_memalign((void **)&p, 4096, LEN))
		return -ENOMEM;
	if (pread(d->blk, p, LEN, DATA_LBA_BYTES) == LEN)
		ret = t_pat_check(p, LEN, T_ORIG, desc, len) ? 0 : 1;
	free(p);
	return ret;
}

struct seen {
	int fillers_done;
	bool fixed_done;
	int fixed_after;	/* fillers done before the fixed command */
	struct io_uring_cqe res;
	char why[128];		/* device status of the fixed command */
};

static void account(const struct pt_case *c, struct seen *s,
		    const struct io_uring_cqe *cqe)
{
	if (cqe->user_data == UD_FIXED) {
		s->fixed_done = true;
		s->fixed_after = s->fillers_done;
		s->res = *cqe;
		if (cqe->res >= 0 && c->ops->status)
			c->ops->status(cqe, s->why, sizeof(s->why));
	} else {
		s->fillers_done++;
	}
}

/* Drain what is posted without entering the kernel. */
static void peek_all(struct io_uring *ring, const struct pt_case *c,
		     struct seen *s)
{
	struct io_uring_cqe *cqe;

	while (!__io_uring_peek_cqe(ring, &cqe, NULL) && cqe) {
		account(c, s, cqe);
		io_uring_cqe_seen(ring, cqe);
	}
}

static int wait_all(struct io_uring *ring, const struct pt_case *c,
		    struct seen *s, int fillers)
{
	struct __kernel_timespec ts = { .tv_sec = WAIT_MS / 1000 };
	struct io_uring_cqe *cqe;

	while (!s->fixed_done || s->fillers_done < fillers) {
		int ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);

		if (ret == -EINTR)
			continue;
		if (ret)
			return ret;
		account(c, s, cqe);
		io_uring_cqe_seen(ring, cqe);
	}
	return 0;
}

static int change_slot(struct io_uring *ring, struct t_buf *b,
		       const struct pt_case *c)
{
	int ret;

	if (c->change == SLOT_EMPTIED)
		return t_table_set(ring, IDX, NULL, 0);
	ret = t_buf_remap(b, c->write ? T_REPL : T_POISON);
	return ret ? ret : t_table_set(ring, IDX, b->addr, LEN);
}

static int check_data(const struct pt_case *c, const struct pt_dev *d,
		      const struct t_buf *b)
{
	char desc[256], other[256];
	int ret;

	if (c->write) {
		ret = dev_check(d, desc, sizeof(desc));
		if (ret < 0)
			return t_fail("reading back %s: %s", d->blk_name, strerror(-ret));
		return ret ? t_fail("late lookup: the device holds %s", desc) : T_PASS;
	}
	if (t_pat_check(b->orig, LEN, T_ORIG, desc, sizeof(desc)))
		return T_PASS;
	return t_fail("%sthe pages registered at submit hold %s",
		      c->change == SLOT_REMAPPED &&
		      t_pat_check(b->addr, LEN, T_ORIG, other, sizeof(other)) ?
		      "late lookup: data landed in the replacement pages; " : "",
		      desc);
}

static int pt_run(const void *arg)
{
	const struct pt_case *c = arg;
	const uint64_t lba_off = DATA_LBA_BYTES;
	struct pt_cmd_mem *mem;
	struct pt_dev d = { .fd = -1, .blk = -1 };
	struct seen s = { 0 };
	struct io_uring ring;
	struct t_trace tr;
	struct t_buf b;
	uint8_t *junk;
	int ret, fillers, punts;

	if ((ret = open_dev(c->ops, &d)))
		return ret;
	ret = t_ring(&ring, IORING_SETUP_SQE128 | IORING_SETUP_CQE32);
	if (ret || (ret = t_need_op(&ring, IORING_OP_URING_CMD, "IORING_OP_URING_CMD")))
		return ret;
	fillers = c->exhaust ? (int)d.tags : 0;
	mem = calloc(fillers + 1, sizeof(*mem));
	junk = aligned_alloc(4096, 4096 * (size_t)(fillers + 1));
	if (!mem || !junk)
		return t_fail("out of memory");
	if (dev_fill(&d, c->write ? T_POISON : T_ORIG))
		return t_fail("preparing %s: %m", d.blk_name);
	if (t_buf_map(&b, LEN, c->write ? T_ORIG : T_POISON))
		return t_fail("buffer: %m");
	if ((ret = t_table(&ring, 4)))
		return ret;
	if ((ret = t_table_set(&ring, IDX, b.addr, LEN)))
		return t_fail("registering slot %d: %s", IDX, strerror(-ret));

	t_trace_start(&tr);
	/* Fillers: plain reads of the first blocks, one per tag. */
	for (int i = 0; i < fillers; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		c->ops->prep(&d, sqe, false, false, junk + 4096 * (size_t)i,
			     4096, (uint64_t)i * 4096 / d.lba_size, -1, &mem[i + 1]);
		sqe->user_data = UD_FILLER + (uint64_t)i;
	}
	if (fillers && io_uring_submit(&ring) != fillers)
		return t_fail("submitting %d fillers failed", fillers);

	{
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		c->ops->prep(&d, sqe, c->write, c->vec, b.addr, LEN,
			     lba_off / d.lba_size, IDX, &mem[0]);
		sqe->user_data = UD_FIXED;
	}
	if (io_uring_submit(&ring) != 1)
		return t_fail("submitting the fixed-buffer command failed");
	peek_all(&ring, c, &s);
	if (s.fixed_done && (s.res.res == -EINVAL || s.res.res == -EOPNOTSUPP))
		return t_skip("kernel rejects this %s command with a fixed buffer (%s)",
			      c->ops->name, strerror(-s.res.res));

	ret = change_slot(&ring, &b, c);
	if (ret)
		return t_fail("changing slot %d: %s", IDX, strerror(-ret));
	/* The change must land while every filler still holds its tag. */
	peek_all(&ring, c, &s);
	if (c->exhaust && (s.fillers_done || s.fixed_done))
		return t_fail("path not taken: %d filler(s)%s completed before the table changed (backend too fast?)",
			      s.fillers_done, s.fixed_done ? " and the command" : "");

	ret = wait_all(&ring, c, &s, fillers);
	punts = t_trace_count(&tr, "io_uring_queue_async_work", UD_FIXED);
	t_trace_stop(&tr);
	if (ret)
		return t_fail("no completion within %d ms (%d of %d fillers, command %s)",
			      WAIT_MS, s.fillers_done, fillers,
			      s.fixed_done ? "done" : "pending");

	if (s.res.res == -EFAULT && c->change == SLOT_EMPTIED)
		return t_fail("late lookup: -EFAULT (14) after the slot was emptied");
	if (s.res.res < 0)
		return t_fail("command failed: %s (%d)", strerror(-s.res.res), s.res.res);
	if (s.why[0])
		return t_fail("command failed on the device: %s", s.why);
	if ((ret = check_data(c, &d, &b)))
		return ret;

	if (c->exhaust) {
		if (punts < 0)
			return t_fail("path not taken: tracefs unavailable, the io-wq punt cannot be shown");
		if (punts == 0)
			return t_fail("path not taken: no io_uring_queue_async_work for the command (tags not exhausted: %u fillers)",
				      d.tags);
		if (s.fixed_after == 0)
			return t_fail("path not taken: the command completed before any filler");
	} else if (punts > 0) {
		return t_fail("control not inline: the command went to io-wq");
	}
	io_uring_queue_exit(&ring);
	t_buf_unmap(&b);
	return T_PASS;
}

int pt_main(const struct pt_dev_ops *ops, int argc, char **argv)
{
	static const char *const changes[] = { "slot-emptied", "slot-remapped" };
	struct pt_case c = { .ops = ops };

	t_require(ops->requires);
	for (int w = 1; w >= 0; w--)
		for (int v = 0; v <= (int)ops->vectored; v++)
			for (int e = 0; e < 2; e++)
				for (int ch = 0; ch < 2; ch++) {
					c.write = w;
					c.vec = v;
					c.exhaust = e;
					c.change = ch;
					t_add(pt_run, &c, sizeof(c), "%s/%s%s/%s/%s",
					      ops->name, w ? "write" : "read",
					      v ? "v" : "",
					      e ? "tags-exhausted" : "inline",
					      changes[ch]);
				}
	return t_main(argc, argv);
}
