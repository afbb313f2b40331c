// SPDX-License-Identifier: GPL-2.0
/*
 * The NVMe back end: NVMe passthrough (IORING_OP_URING_CMD with
 * IORING_URING_CMD_FIXED on /dev/ngXnY, the nvme-loop namespace the harness
 * made) of the request's slot. nvme_uring_cmd_io() imports the buffer
 * before it allocates the request with BLK_MQ_REQ_NOWAIT (6.15+): when the
 * tags are taken the command goes to io-wq with its buffer resolved, so
 * every case passes; a kernel that allocates first (the
 * nvme-import-after-alloc mutant) resolves the slot in io-wq, after the
 * unregister.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ublk.h"
#include "ublk_case.h"
#include "dev.h"

#define BS	4096

/*
 * Attempts at forcing one block. An attempt is forced again when a filler
 * failed (it may have left a tag free), or when the block's passthrough
 * did not go to io-wq and the clock cannot rule out that a filler had
 * completed before it was issued (a loaded machine): it proves nothing.
 * After the last, a block still unforced for that reason skips the case.
 */
#define FILL_TRIES	3
#define FILL_TRY_S	10	/* more seconds of the case alarm per attempt */

struct fillers {
	unsigned int n;		/* requests that take every tag (harness) */
	uint64_t hold_ns;	/* the device's delay (T_DEV_SLOW_NS), 0 if unknown */
};

/* The namespace a case serves from (device nvme-loop). */
struct ublk_nvme {
	struct t_dev_fd ns;	/* /dev/ngXnY, /dev/nvmeXnY (O_DIRECT, read-write) */
	uint64_t base;		/* device offset 0 is this byte of the namespace */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Queue @n plain 4 KiB reads below the device's data: 0 or -errno. */
static int fillers_submit(struct io_uring *ring, const struct ublk_nvme *n,
			  uint8_t *buf, unsigned int nr)
{
	for (unsigned int j = 0; j < nr; j++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		if (!sqe)
			return -EBUSY;
		/* A gap between fillers: no two merge into one request. */
		t_nvme_rw(sqe, &n->ns, false, j * 2 * (BS / n->ns.lba_size), BS,
			  (uintptr_t)(buf + (size_t)j * BS), 0, -1);
		sqe->user_data = j;
	}
	return io_uring_submit(ring) == (int)nr ? 0 : -EIO;
}

/*
 * One block with every tag held by fillers: 0 or a verdict; counts failed
 * fillers, and @took is how long after the fillers' submit the block's
 * request completed.
 */
static int fill_block(struct io_uring *ring, const struct ublk_nvme *n, uint8_t *buf,
		      unsigned int nf, struct ublk_force *fo, unsigned int i,
		      unsigned int *failed, uint64_t *took)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	uint64_t t0 = now_ns();
	int ret;

	if ((ret = fillers_submit(ring, n, buf, nf)))
		return t_fail("submitting %u fillers: %s", nf, strerror(-ret));
	ret = fo->io(fo, i);
	*took = now_ns() - t0;
	for (unsigned int j = 0; j < nf; j++) {
		struct io_uring_cqe *cqe;
		int r = io_uring_wait_cqe_timeout(ring, &cqe, &ts);

		if (r)
			return t_fail("filler %u of %u: no completion: %s", j, nf, strerror(-r));
		if (cqe->res) {
			(*failed)++;
			t_note("filler %llu of %u (block %u) failed: %s (%d)",
			       (unsigned long long)cqe->user_data, nf, i,
			       strerror(cqe->res < 0 ? -cqe->res : 0), cqe->res);
		}
		io_uring_cqe_seen(ring, cqe);
	}
	return ret;
}

/*
 * Is block @i's forcing proven? Its passthrough went to io-wq (traced), or
 * it did not and yet completed within twice the device's delay of the
 * fillers' submit: issued with a tag of its own (it then took the delay),
 * it was issued before any filler could complete, so the fillers did not
 * hold every tag (a verdict). Otherwise @late says why nothing is proven.
 */
static void check_forced(const struct fillers *f, unsigned int i, int punts,
			 uint64_t took, char *late, size_t len)
{
	late[0] = 0;
	if (punts > 0 || !f->hold_ns || took < 2 * f->hold_ns)
		return;
	snprintf(late, len, "block %u's passthrough did not go to io-wq and completed %llu ms after the fillers' submit, the device holds them %llu ms: it may have been issued after a filler completed",
		 i, (unsigned long long)(took / 1000000), (unsigned long long)(f->hold_ns / 1000000));
}

/*
 * ublk_tgt_ops.force. Each block on its own: the fillers take every tag of
 * the (slow) namespace, then the client's request reaches the server, whose
 * passthrough cannot get a tag without waiting and goes to io-wq with
 * the slot unregistered behind it; the fillers complete, then it runs.
 */
static int nvme_force(struct ublk_force *fo)
{
	const struct ublk_nvme *n = fo->d->conf.tgt_arg;
	struct fillers fl = { .n = n->ns.tags }, *f = &fl;
	struct ublk_dev *d = fo->d;
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 };
	struct io_uring ring;
	uint8_t *buf;
	char late[320] = "";
	int ret;

	fo->held = f->n;
	if (t_env(T_DEV_SLOW_NS))
		f->hold_ns = strtoull(t_env(T_DEV_SLOW_NS), NULL, 10);
	if (!f->n)
		return t_fail("no filler count from the harness (%s)", t_dev_nvme_loop.tags_var);
	if (posix_memalign((void **)&buf, BS, (size_t)f->n * BS))
		return t_fail("filler buffers");
	ret = io_uring_queue_init_params(f->n * 2, &ring, &p);
	if (ret) {
		free(buf);
		return t_fail("filler ring: %s", strerror(-ret));
	}
	/*
	 * A filler only has to hold a tag; its result is not the verdict. One
	 * that failed (on Debian's 7.2.13 and 7.3.4 the filler beyond the
	 * tags, punted, has come back -EFAULT) may have left a tag free for
	 * the block's command: that block is forced again, as is one whose
	 * forcing the clock cannot prove (check_forced), FILL_TRIES times at
	 * most. An attempt ends with every filler and the block's request
	 * complete: the next starts clean, and rewrites (or rereads) the same
	 * bytes. Every attempt's data counts, and the punts traced must
	 * still cover every block.
	 */
	for (unsigned int i = 0; !ret && !late[0] && i < fo->nblocks; i++) {
		for (unsigned int try = 1; ; try++) {
			unsigned int failed = 0, rem;
			int before = ublk_data_punts(d, fo->tr);
			uint64_t took = 0;

			ret = fill_block(&ring, n, buf, f->n, fo, i, &failed, &took);
			if (ret)
				break;
			check_forced(f, i, ublk_data_punts(d, fo->tr) - before, took, late, sizeof(late));
			if ((!failed && !late[0]) || try == FILL_TRIES)
				break;
			if (late[0])
				t_note("attempt %u of %u: every tag not proven held: %s: forcing it again",
				       try, FILL_TRIES, late);
			else
				t_note("block %u: %u filler(s) failed, the tags may not all have been held: forcing it again",
				       i, failed);
			late[0] = 0;
			if ((rem = alarm(0)))
				alarm(rem + FILL_TRY_S);
		}
	}
	io_uring_queue_exit(&ring);
	free(buf);
	/* Unproven to the end: a skip, unless the kernel gave a verdict. */
	if (!ret && late[0] && !*fo->client_errs && !d->fails_total) {
		t_note("attempt %u of %u: every tag not proven held: %s", FILL_TRIES, FILL_TRIES, late);
		return t_skip("could not hold every tag in %d attempts: %s", FILL_TRIES, late);
	}
	return ret;
}

static int nvme_init(struct ublk_dev *d)
{
	struct ublk_nvme *n = d->conf.tgt_arg;

	if (!n || n->ns.fd < 0)
		return -ENODEV;
	return 0;
}

static int nvme_queue_io(struct ublk_queue *q, int tag, unsigned int idx)
{
	const struct ublk_nvme *n = q->dev->conf.tgt_arg;
	const struct ublksrv_io_desc *iod = q->ios[tag].iod;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	unsigned int len = iod->nr_sectors << 9;
	uint64_t lba = (n->base + (iod->start_sector << 9)) / n->ns.lba_size;

	if (!sqe)
		return -EBUSY;
	/* A kernel buffer starts at address 0 of its slot. */
	t_nvme_rw(sqe, &n->ns, ublksrv_get_op(iod) == UBLK_IO_OP_WRITE, lba, len, 0, 0, (int)idx);
	sqe->user_data = ublk_ud(q, tag, UBLK_UD_DATA);
	return 1;
}

static void nvme_cqe(struct ublk_queue *q, int tag, const struct io_uring_cqe *cqe)
{
	struct ublk_io *io = &q->ios[tag];

	ublk_data_done(q, tag);
	if (cqe->res == 0)
		return;
	ublk_fail(q, tag, "NVMe %s passthrough of %u bytes from slot %d: %s (%d)",
		  ublksrv_get_op(io->iod) == UBLK_IO_OP_WRITE ? "write" : "read",
		  io->iod->nr_sectors << 9, io->idx,
		  cqe->res < 0 ? strerror(-cqe->res) : "NVMe status", cqe->res);
	io->res = -EIO;
}

static int nvme_store(struct ublk_dev *d, uint64_t off, void *buf, size_t len, bool put)
{
	const struct ublk_nvme *n = d->conf.tgt_arg;
	ssize_t r;
	void *b;

	/* Through the namespace's block device, O_DIRECT: no page cache. */
	if (posix_memalign(&b, 4096, len))
		return -ENOMEM;
	if (put)
		memcpy(b, buf, len);
	r = put ? pwrite(n->ns.blk, b, len, n->base + off) : pread(n->ns.blk, b, len, n->base + off);
	if (!put && r == (ssize_t)len)
		memcpy(buf, b, len);
	free(b);
	return r == (ssize_t)len ? 0 : -EIO;
}

/* The namespace the harness made: 0 or a verdict. */
static int nvme_setup(void **arg)
{
	struct ublk_nvme *n = calloc(1, sizeof(*n));
	int ret;

	if (!n)
		return t_fail("out of memory");
	*arg = n;
	/* Read-write: the store check reads and fills it through there. */
	ret = t_dev_open(&t_dev_nvme_loop, &n->ns, O_RDWR);
	if (!ret && BS % n->ns.lba_size)
		return t_fail("logical block size of %s", n->ns.blk_name);
	n->base = 1 << 20;	/* the fillers read below */
	return ret;
}

static void nvme_teardown(void *arg)
{
	struct ublk_nvme *n = arg;

	if (!n)
		return;
	t_dev_close(&n->ns);
	free(n);
}

const struct ublk_tgt_ops ublk_tgt_nvme = {
	.name = "nvme",
	.big_sqe = true,
	.dev = &t_dev_nvme_loop,
	/* A slow device: a few blocks, each filler round waits for it. */
	.blocks = 4,
	.alarm_s = 60,
	.setup = nvme_setup,
	.teardown = nvme_teardown,
	.force = nvme_force,
	.init = nvme_init,
	.queue_io = nvme_queue_io,
	.tgt_cqe = nvme_cqe,
	.store = nvme_store,
};
