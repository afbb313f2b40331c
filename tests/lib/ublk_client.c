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

/* Data I/Os of queue 0 traced going to io-wq so far (the proof of a punt). */
int ublk_data_punts(struct ublk_dev *d, struct t_trace *tr)
{
	int n = 0;

	for (unsigned int t = 0; t < d->conf.depth; t++) {
		int k = t_trace_count(tr, "io_uring_queue_async_work",
				      ublk_ud(&d->queues[0], t, UBLK_UD_DATA));

		n += k > 0 ? k : 0;
	}
	return n;
}

/* ublk_force's io: block @i alone, written as generation 1 or read as 2. */
static int force_io(struct ublk_force *f, unsigned int i)
{
	return client_io(f->client, f->d, &f->offs[i], 1, f->write, f->write ? 1 : 2);
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
	       struct t_trace *tr, void *tgt_arg)
{
	/* A slow back end (blocks) moves fewer. */
	const unsigned int nblocks = s->kind == UBLK_CONC ? 512 :
		s->ops->blocks ? s->ops->blocks : 16;
	struct ublk_conf conf = {
		.ops = s->ops, .tgt_flags = s->tgt_flags, .defer_taskrun = true,
		.reg = s->reg,
		.nr_queues = s->kind == UBLK_CONC ? 2 : 1,
		.depth = s->kind == UBLK_CONC ? 16 : 4,
		.tgt_arg = tgt_arg,
		.size = (uint64_t)nblocks * BS,
	};
	struct ublk_force f = {
		.d = d, .tr = tr, .nblocks = nblocks, .write = s->kind == UBLK_WRITE,
		.io = force_io, .client = c, .client_errs = &c->nerr,
	};
	uint64_t offs[512];
	unsigned int seed = 1;	/* fixed: the same offsets every run */
	unsigned long parked, inl;
	int ret;

	conf.nr_slots = conf.depth;
	f.offs = offs;
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

	if (s->kind == UBLK_READ) {
		uint8_t b[BS];

		for (unsigned int i = 0; i < nblocks; i++) {
			ublk_pat_fill(b, offs[i], BS, 2);
			if (store(d, offs[i], b, BS, true))
				return t_fail("filling the back-end store");
		}
	}
	if (s->fillers) {
		if ((ret = s->ops->force(&f)) ||
		    (f.write && !c->nerr && (ret = check_store(d, offs, nblocks, 1))))
			return ret;
	} else if (s->kind == UBLK_WRITE) {
		if ((ret = client_io(c, d, offs, nblocks, true, 1)) ||
		    (!c->nerr && (ret = check_store(d, offs, nblocks, 1))))
			return ret;
	} else if (s->kind == UBLK_READ) {
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
			seen = ublk_data_punts(d, tr);
			/* Every block's command, not a partition-scan read. */
			if (seen < (int)nblocks)
				return t_fail("path not taken: %d of %u %s passthroughs went to io-wq (io_uring_queue_async_work; %u fillers did not hold every tag?)",
					      seen, nblocks, what, f.held);
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

int ublk_case(const void *arg)
{
	const struct ublk_scn *s = arg;
	struct ublk_dev d = { .ctrl = { .fd = -1 } };
	struct client c = { .fd = -1 };
	void *tgt_arg = NULL;
	struct t_trace tr;
	int ret = 0;

	if (s->kind == UBLK_CONC)
		alarm(120);	/* the per-case default is too short for TCG */
	else if (s->ops->alarm_s)
		alarm(s->ops->alarm_s);
	t_trace_start(&tr);
	if (s->ops->probe)
		ret = s->ops->probe();
	if (!ret && s->ops->setup)
		ret = s->ops->setup(&tgt_arg);
	if (!ret)
		ret = run(s, &d, &c, &tr, tgt_arg);
	t_trace_stop(&tr);
	client_close(&c);
	ublk_stop(&d);
	if (s->ops->teardown)
		s->ops->teardown(tgt_arg);
	return ret;
}

void ublk_require(const struct ublk_tgt_ops *ops)
{
	t_require("root");
	t_require_dev(&t_dev_ublk);
	/* Its device holds every tag with fillers: slow. */
	if (ops && ops->dev)
		t_require_slow_dev(ops->dev);
}
