// SPDX-License-Identifier: GPL-2.0
/*
 * The client side of the ublk cases: blocks whose every 8-byte word derives
 * from (device offset, generation), written and read with O_DIRECT through
 * /dev/ublkbN, checked byte for byte on read-back and in the back-end
 * store. A wrong word names the offset, what lies there instead (another
 * block's or generation's pattern is recognised) and which request served it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ublk.h"
#include "ublk_case.h"
#include "dev.h"

#define PAT_KEY	0x9e3779b97f4a7c15ULL
#define BS	4096

static uint64_t pat_word(uint64_t off, uint32_t gen)
{
	return (off << 8 | (gen & 0xff)) ^ PAT_KEY;
}

void ublk_pat_fill(uint8_t *p, uint64_t off, size_t len, uint32_t gen)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w = pat_word(off + i, gen);

		memcpy(p + i, &w, 8);
	}
}

uint64_t ublk_pat_check(const uint8_t *p, uint64_t off, size_t len,
			uint32_t gen, char *desc, size_t desclen)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t w, want = pat_word(off + i, gen), dec;

		memcpy(&w, p + i, 8);
		if (w == want)
			continue;
		dec = w ^ PAT_KEY;
		if (!w)
			snprintf(desc, desclen, "zeros");
		else if ((dec >> 8) % 8 == 0 && (dec >> 8) < (1ULL << 40))
			snprintf(desc, desclen, "the bytes of offset %" PRIu64 " generation %u",
				 dec >> 8, (unsigned int)(dec & 0xff));
		else
			snprintf(desc, desclen, "unknown bytes 0x%016" PRIx64, w);
		return off + i + 1;
	}
	return 0;
}

/* The back end's bytes (the store check), or (@put) the pattern put there. */
static int store(struct ublk_dev *d, uint64_t off, void *buf, size_t len, bool put)
{
	return d->conf.ops->store(d, off, buf, len, put);
}

/* "server: queue 0 tag 3 offset 8192: SEND_ZC ... (-14)" or "". */
static const char *server_says(struct ublk_dev *d, uint64_t off, char *buf, size_t len)
{
	const struct ublk_fail *f = ublk_fail_at(d, off);

	if (!f && d->nr_fails)
		f = &d->fails[0];
	if (!f)
		return "";
	snprintf(buf, len, "; server: queue %d tag %d offset %" PRIu64 " (%u bytes): %s%s",
		 f->q, f->tag, f->off, f->len, f->what,
		 d->fails_total > 1 ? " (first of several)" : "");
	return buf;
}

/* ---- the client I/O: a ring of O_DIRECT requests ------------------------ */

struct client {
	struct io_uring ring;
	int fd;
	unsigned int qd;
	uint8_t *bufs;
	uint64_t *offs;
	unsigned long ios;
	unsigned long nerr;	/* requests that failed or read wrong data */
	char err[640];		/* the first of them */
};

/* Every request still runs: the first failure is kept, the rest counted. */
static void client_err(struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void client_err(struct client *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->nerr++) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
}

static int client_open(struct client *c, struct ublk_dev *d, unsigned int qd)
{
	int ret;

	c->qd = qd;
	c->fd = open(d->bdev, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (c->fd < 0)
		return t_fail("opening %s with O_DIRECT: %m", d->bdev);
	ret = io_uring_queue_init(qd, &c->ring, 0);
	if (ret)
		return t_fail("client ring: %s", strerror(-ret));
	if (posix_memalign((void **)&c->bufs, BS, (size_t)qd * BS))
		return t_fail("client buffers");
	c->offs = calloc(qd, sizeof(*c->offs));
	return c->offs ? 0 : t_fail("client buffers");
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		io_uring_queue_exit(&c->ring);
	t_close(&c->fd);
	free(c->bufs);
	free(c->offs);
}

/*
 * Write (@write) or read @n blocks at @offs[] in flights of up to qd.
 * Reads are checked against generation @gen. 0 or a fail verdict naming
 * the offset and the request that served it.
 */
static int client_io(struct client *c, struct ublk_dev *d, const uint64_t *offs,
		     unsigned int n, bool write, uint32_t gen)
{
	char desc[96], srv[320];

	for (unsigned int done = 0; done < n;) {
		unsigned int k = n - done < c->qd ? n - done : c->qd;

		for (unsigned int i = 0; i < k; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&c->ring);
			uint8_t *b = c->bufs + (size_t)i * BS;

			c->offs[i] = offs[done + i];
			if (write) {
				ublk_pat_fill(b, c->offs[i], BS, gen);
				io_uring_prep_write(sqe, c->fd, b, BS, c->offs[i]);
			} else {
				memset(b, 0xa5, BS);
				io_uring_prep_read(sqe, c->fd, b, BS, c->offs[i]);
			}
			sqe->user_data = i;
		}
		if (io_uring_submit(&c->ring) != (int)k)
			return t_fail("client submit failed");
		for (unsigned int i = 0; i < k; i++) {
			struct io_uring_cqe *cqe;
			uint64_t off, bad;
			int ret = io_uring_wait_cqe(&c->ring, &cqe), res;
			unsigned int j;

			if (ret)
				return t_fail("client wait: %s", strerror(-ret));
			j = cqe->user_data;
			res = cqe->res;
			io_uring_cqe_seen(&c->ring, cqe);
			off = c->offs[j];
			c->ios++;
			if (res != BS) {
				client_err(c, "client %s of %d bytes at offset %" PRIu64 ": %s (%d)%s",
					      write ? "write" : "read", BS, off,
					   res < 0 ? strerror(-res) : "short", res,
					   server_says(d, off, srv, sizeof(srv)));
				continue;
			}
			if (write)
				continue;
			bad = ublk_pat_check(c->bufs + (size_t)j * BS, off, BS, gen,
					     desc, sizeof(desc));
			if (bad)
				client_err(c, "wrong data read back at offset %" PRIu64 ": %s instead of generation %u%s",
					   bad - 1, desc, gen, server_says(d, bad - 1, srv, sizeof(srv)));
		}
		done += k;
	}
	return 0;
}

/* The store must hold generation @gen at every offset in @offs. */
static int check_store(struct ublk_dev *d, const uint64_t *offs, unsigned int n,
		       uint32_t gen)
{
	uint8_t b[BS];
	char desc[96], srv[320];

	for (unsigned int i = 0; i < n; i++) {
		uint64_t bad;

		if (store(d, offs[i], b, BS, false))
			return t_fail("reading the back-end store at %" PRIu64, offs[i]);
		bad = ublk_pat_check(b, offs[i], BS, gen, desc, sizeof(desc));
		if (bad)
			return t_fail("back-end store at offset %" PRIu64 ": %s instead of generation %u%s",
				      bad - 1, desc, gen, server_says(d, bad - 1, srv, sizeof(srv)));
	}
	return 0;
}

static void shuffle(uint64_t *o, unsigned int n, unsigned int *seed)
{
	for (unsigned int i = n - 1; i > 0; i--) {
		unsigned int j = rand_r(seed) % (i + 1);
		uint64_t t = o[i];

		o[i] = o[j];
		o[j] = t;
	}
}

/* ---- NVMe: fillers that hold every tag ------------------------------- */

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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Data I/Os of queue 0 traced going to io-wq so far (the proof of a punt). */
static int data_punts(struct ublk_dev *d, struct t_trace *tr)
{
	int n = 0;

	for (unsigned int t = 0; t < d->conf.depth; t++) {
		int k = t_trace_count(tr, "io_uring_queue_async_work",
				      ublk_ud(&d->queues[0], t, UBLK_UD_DATA));

		n += k > 0 ? k : 0;
	}
	return n;
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
		      unsigned int nf, struct client *c, struct ublk_dev *d,
		      const uint64_t *off, bool write, unsigned int i, unsigned int *failed,
		      uint64_t *took)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	uint64_t t0 = now_ns();
	int ret;

	if ((ret = fillers_submit(ring, n, buf, nf)))
		return t_fail("submitting %u fillers: %s", nf, strerror(-ret));
	ret = client_io(c, d, off, 1, write, write ? 1 : 2);
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
 * Each block on its own: the fillers take every tag of the (slow)
 * namespace, then the client's request reaches the server, whose
 * passthrough cannot get a tag without waiting and goes to io-wq with
 * the slot unregistered behind it; the fillers complete, then it runs.
 */
static int fillers_io(struct fillers *f, const struct ublk_nvme *n, struct client *c,
		      struct ublk_dev *d, struct t_trace *tr, const uint64_t *offs,
		      unsigned int nblocks, bool write)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 };
	struct io_uring ring;
	uint8_t b[BS], *buf;
	char late[320] = "";
	int ret;

	if (!f->n)
		return t_fail("no filler count from the harness (FIXBUF_NVME_TAGS)");
	for (unsigned int i = 0; !write && i < nblocks; i++) {
		ublk_pat_fill(b, offs[i], BS, 2);
		if (store(d, offs[i], b, BS, true))
			return t_fail("filling the namespace");
	}
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
	for (unsigned int i = 0; !ret && !late[0] && i < nblocks; i++) {
		for (unsigned int try = 1; ; try++) {
			unsigned int failed = 0, rem;
			int before = data_punts(d, tr);
			uint64_t took = 0;

			ret = fill_block(&ring, n, buf, f->n, c, d, &offs[i], write, i, &failed, &took);
			if (ret)
				break;
			check_forced(f, i, data_punts(d, tr) - before, took, late, sizeof(late));
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
	if (!ret && late[0] && !c->nerr && !d->fails_total) {
		t_note("attempt %u of %u: every tag not proven held: %s", FILL_TRIES, FILL_TRIES, late);
		return t_skip("could not hold every tag in %d attempts: %s", FILL_TRIES, late);
	}
	if (!ret && write && !c->nerr)
		ret = check_store(d, offs, nblocks, 1);
	return ret;
}

/* ---- the scenarios ------------------------------------------------------ */

/*
 * With UBLK_F_AUTO_BUF_REG: the kernel registered (and, with the fallback,
 * refused) what the fetches asked for, both seen. 0 or a verdict.
 */
static int prove_auto(const struct ublk_scn *s, struct ublk_dev *d)
{
	unsigned long reg = UBLK_SUM(d, auto_reg), refused = UBLK_SUM(d, fallback);

	if (s->reg == UBLK_REG_MANUAL)
		return 0;
	if (!reg)
		return t_fail("path not taken: the kernel registered no request's pages (UBLK_F_AUTO_BUF_REG)");
	if (s->reg == UBLK_REG_AUTO_FALLBACK && !refused)
		return t_fail("path not taken: the kernel refused no slot (UBLK_AUTO_BUF_REG_FALLBACK); %lu registered",
			      reg);
	t_note("the kernel registered %lu requests' pages%s", reg,
	       refused ? " and refused the others', which the server registered" : "");
	return 0;
}

/* What a parked data I/O completed after, by who registered its pages. */
static const char *const behind[] = {
	[UBLK_REG_MANUAL] = "their slot was unregistered",
	[UBLK_REG_AUTO] = "the NOP queued behind them, on the kernel's slot",
	[UBLK_REG_AUTO_FALLBACK] = "what was queued behind them (their unregister, or a NOP on the kernel's slot)",
};

static int run(const struct ublk_scn *s, struct ublk_dev *d, struct client *c,
	       struct t_trace *tr, struct ublk_nvme *nvme)
{
	/* NVMe: a slow device (the harness's null_blk), a few blocks. */
	const unsigned int nblocks = s->kind == UBLK_CONC ? 512 : s->ops == &ublk_tgt_nvme ? 4 : 16;
	struct ublk_conf conf = {
		.ops = s->ops, .tgt_flags = s->tgt_flags, .defer_taskrun = true,
		.reg = s->reg,
		.nr_queues = s->kind == UBLK_CONC ? 2 : 1,
		.depth = s->kind == UBLK_CONC ? 16 : 4,
		.tgt_arg = nvme,
		.size = (uint64_t)nblocks * BS,
	};
	struct fillers f = { .n = nvme ? nvme->ns.tags : 0 };
	uint64_t offs[512];
	unsigned int seed = 1;	/* fixed: the same offsets every run */
	unsigned long parked, inl;
	int ret;

	conf.nr_slots = conf.depth;
	if (s->fillers && t_env(T_DEV_SLOW_NS))
		f.hold_ns = strtoull(t_env(T_DEV_SLOW_NS), NULL, 10);
	if (s->parks && (ret = t_trace_require(tr)))
		return ret;
	ret = ublk_start(d, &conf);
	if (ret)
		return ret;
	ret = client_open(c, d, s->kind == UBLK_CONC ? d->conf.nr_queues * conf.depth : 1);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < nblocks; i++)
		offs[i] = (uint64_t)i * BS;
	shuffle(offs, nblocks, &seed);

	if (s->fillers) {
		if ((ret = fillers_io(&f, nvme, c, d, tr, offs, nblocks, s->kind == UBLK_WRITE)))
			return ret;
	} else if (s->kind == UBLK_WRITE) {
		if ((ret = client_io(c, d, offs, nblocks, true, 1)) ||
		    (!c->nerr && (ret = check_store(d, offs, nblocks, 1))))
			return ret;
	} else if (s->kind == UBLK_READ) {
		uint8_t b[BS];

		for (unsigned int i = 0; i < nblocks; i++) {
			ublk_pat_fill(b, offs[i], BS, 2);
			if (store(d, offs[i], b, BS, true))
				return t_fail("filling the back-end store");
		}
		if ((ret = client_io(c, d, offs, nblocks, false, 2)))
			return ret;
	} else {
		struct timespec t0, t1;
		double secs;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		/* Generations of random-order writes, each read back at random. */
		for (uint32_t gen = 1; c->ios < UBLK_CONC_IOS; gen++) {
			shuffle(offs, nblocks, &seed);
			if ((ret = client_io(c, d, offs, nblocks, true, gen)))
				return ret;
			shuffle(offs, nblocks, &seed);
			if ((ret = client_io(c, d, offs, nblocks, false, gen)) ||
			    (!c->nerr && (ret = check_store(d, offs, nblocks, gen))))
				return ret;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		t_note("%lu client requests in %.1f s, %u queue(s) (the driver caps them at the CPUs) x %u tags, %u slots reused; server: %lu served, %lu completed after %s",
		       c->ios, secs, d->conf.nr_queues, conf.depth, conf.nr_slots,
		       UBLK_SUM(d, served), UBLK_SUM(d, parked), behind[s->reg]);
	}
	if (c->nerr)
		return t_fail("%lu of %lu client requests failed or read wrong data (%llu server failures); the first: %s",
			      c->nerr, c->ios, d->fails_total, c->err);
	if (d->fails_total)
		return t_fail("the client saw right data, but the server recorded %llu failures%s",
			      d->fails_total, server_says(d, d->fails[0].off, (char[320]){0}, 320));

	if (s->parks && (ret = prove_auto(s, d)))
		return ret;
	/* The data I/O outlived its unregister: only then was order tested. */
	for (int w = 0; s->parks && w < 2; w++) {
		const char *what = w ? "write" : "read";
		unsigned long pw = UBLK_SUM(d, parked_w), iw = UBLK_SUM(d, inline_w);
		int seen;

		/* The op under test: writes, reads, or both (concurrency). */
		if ((s->kind == UBLK_WRITE && !w) || (s->kind == UBLK_READ && w))
			continue;
		parked = w ? pw : UBLK_SUM(d, parked) - pw;
		inl = w ? iw : UBLK_SUM(d, inline_done) - iw;
		if (!parked)
			return t_fail("path not taken: every %s data I/O completed before %s (%lu inline)",
				      what, s->reg == UBLK_REG_MANUAL ? "its unregister" : "what was queued behind it", inl);
		if (s->fillers) {
			/* The punt is the proof the NOWAIT allocation failed. */
			seen = 0;
			for (unsigned int t = 0; t < conf.depth; t++)
				seen += t_trace_count(tr, "io_uring_queue_async_work",
						      ublk_ud(&d->queues[0], t, UBLK_UD_DATA));
			/* Every block's command, not a partition-scan read. */
			if (seen < (int)nblocks)
				return t_fail("path not taken: %d of %u %s passthroughs went to io-wq (io_uring_queue_async_work; %u fillers did not hold every tag?)",
					      seen < 0 ? 0 : seen, nblocks, what, f.n);
		} else {
			seen = t_trace_deferred(tr, d->queues[0].first_parked_ud[w]);
			if (s->kind != UBLK_CONC && seen <= 0)
				return t_fail("path not taken: tracefs saw no deferred task work after the parked %s", what);
		}
		t_note("%lu of %lu %s data I/Os completed after %s, with the right data",
		       parked, parked + inl, what, behind[s->reg]);
	}
	return T_PASS;
}

/* The namespace the harness made: 0 or a verdict. */
static int nvme_open(struct ublk_nvme *n)
{
	/* Read-write: the store check reads and fills it through there. */
	int ret = t_dev_open(&t_dev_nvme_loop, &n->ns, O_RDWR);

	if (!ret && BS % n->ns.lba_size)
		return t_fail("logical block size of %s", n->ns.blk_name);
	n->base = 1 << 20;	/* the fillers read below */
	return ret;
}

int ublk_case(const void *arg)
{
	const struct ublk_scn *s = arg;
	struct ublk_dev d = { .ctrl_fd = -1 };
	struct client c = { .fd = -1 };
	struct ublk_nvme n = { .ns = { .fd = -1, .blk = -1 } };
	struct t_trace tr;
	int ret = 0;

	if (s->kind == UBLK_CONC)
		alarm(120);	/* the per-case default is too short for TCG */
	if (s->ops == &ublk_tgt_nvme)
		alarm(60);	/* a slow device: each filler round waits for it */
	t_trace_start(&tr);
	if (s->ops->probe)
		ret = s->ops->probe();
	if (!ret && s->ops == &ublk_tgt_nvme)
		ret = nvme_open(&n);
	if (!ret)
		ret = run(s, &d, &c, &tr, s->ops == &ublk_tgt_nvme ? &n : NULL);
	t_trace_stop(&tr);
	client_close(&c);
	ublk_stop(&d);
	t_dev_close(&n.ns);
	return ret;
}

void ublk_require_nvme(void)
{
	t_require_dev(&t_dev_nvme_loop);
}

void ublk_require(void)
{
	static const struct t_dev ublk_dev = { .name = "ublk", .node_var = "FIXBUF_UBLK_CTRL" };

	t_require("root");
	t_require_dev(&ublk_dev);
}
