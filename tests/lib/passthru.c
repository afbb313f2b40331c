// SPDX-License-Identifier: GPL-2.0
/*
 * Fixed buffer lookup order for passthrough uring_cmd. See passthru.h.
 *
 * tags-exhausted: fillers take every tag, the fixed command is punted to
 * io-wq (traced as io_uring_queue_async_work) and blocks for a tag; the
 * slot changes while no filler has completed; then the fillers complete
 * and the command runs. inline: the same command with free tags, a
 * control that must pass everywhere.
 *
 * fault-timeout: the same, but the fillers keep their tags because
 * fail_io_timeout drops their completions at the backing queue (the
 * harness set the queue's io-timeout-fail flag and the global attributes,
 * disarmed: times=0). The case arms times for exactly the fillers that
 * reach that queue first: those holding the device's driver tags (the
 * rest wait in the scheduler, the command in io-wq, until one of them
 * ends), so neither a later filler nor the command can be dropped. The
 * queue's timeout handler ends them with an error after its io_timeout,
 * shortened for the case; then the rest run. Proof that the fault held
 * them: times is used up and exactly that many fillers failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "passthru.h"

#define IDX		1
#define LEN		8192
#define DATA_LBA_BYTES	(1 << 20)	/* the cases' data; fillers read below */
#define WAIT_MS		15000
/* Per case (pid in them): tracefs records accumulate over the cases. */
static uint64_t ud_fixed, ud_filler;

enum change { SLOT_EMPTIED, SLOT_REMAPPED };
/* How the command is made to wait for a tag (none: the control). */
enum park { PARK_INLINE, PARK_TAGS, PARK_FAULT };

struct pt_case {
	const struct pt_dev_ops *ops;
	const char *fault_env;	/* harness variables for PARK_FAULT */
	bool write, vec;
	enum park park;
	enum change change;
};

/* What a fault-timeout case changes; undone after it (and by the harness). */
struct pt_fault {
	const char *times;	/* debugfs fail_io_timeout/times (global) */
	const char *timeout;	/* queue/io_timeout of the backing disk */
	unsigned int drop;	/* fillers reaching the backing queue first */
	unsigned int ms;	/* io_timeout while the case runs */
	char old_ms[32];
	bool armed, shortened;
	int left;		/* times left once everything completed */
};

static int attr_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int attr_write(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int attr_write(const char *path, const char *fmt, ...)
{
	char val[32];
	va_list ap;
	int fd, n, ret = 0;

	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, (size_t)n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* The harness variable <prefix><suffix>, or NULL. */
static const char *fault_var(const char *prefix, const char *suffix)
{
	char name[64];

	snprintf(name, sizeof(name), "%s%s", prefix, suffix);
	return getenv(name);
}

static bool fault_ready(const char *prefix)
{
	const char *on = prefix ? fault_var(prefix, "") : NULL;

	return on && !strcmp(on, "1");
}

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
	int ret;

	if (!cpath || !bpath || !*cpath || !*bpath)
		return t_skip("requires %s (created by harness/run as root)",
			      ops->requires);
	d->fd = open(cpath, O_RDWR | O_CLOEXEC);
	/*
	 * Read-only: closing a block device opened for writing makes udev
	 * probe it, and its reads would take the tags a case counts on.
	 */
	d->blk = open(bpath, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (d->fd < 0 || d->blk < 0)
		return t_fail("opening %s / %s: %m", cpath, bpath);
	base = strrchr(bpath, '/') ? strrchr(bpath, '/') + 1 : bpath;
	snprintf(d->blk_name, sizeof(d->blk_name), "%s", base);
	ret = read_sysfs_uint(d->blk_name, "logical_block_size", &d->lba_size);
	if (ret)
		return t_fail("logical_block_size of %s: %s", d->blk_name,
			      strerror(-ret));
	/* The harness knows the queue it made (a multipath head has none). */
	if (tags && atoi(tags) > 0)
		d->tags = (unsigned int)atoi(tags);
	else if ((ret = read_sysfs_uint(d->blk_name, "nr_requests", &d->tags)))
		return t_fail("nr_requests of %s: %s", d->blk_name, strerror(-ret));
	if (d->tags > 60)
		return t_fail("%s has %u tags: too many to hold (the harness sets a small queue)",
			      d->blk_name, d->tags);
	return ops->probe ? ops->probe(d) : 0;
}

/* Put @pat at the cases' data area with a plain (not fixed) command. */
static int dev_fill(struct io_uring *ring, const struct pt_case *c,
		    const struct pt_dev *d, enum t_pat pat)
{
	struct io_uring_cqe *cqe;
	struct pt_cmd_mem mem;
	uint8_t *p;
	int ret;

	if (posix_memalign((void **)&p, 4096, LEN))
		return -ENOMEM;
	t_pat_fill(p, LEN, pat);
	c->ops->prep(d, io_uring_get_sqe(ring), true, false, p, LEN,
		     DATA_LBA_BYTES / d->lba_size, -1, &mem);
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret == 1)
		ret = io_uring_wait_cqe(ring, &cqe);
	if (!ret) {
		ret = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	free(p);
	return ret < 0 ? ret : 0;
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
	int fillers_failed;	/* completed with an error (dropped ones) */
	bool fixed_done;
	int fixed_after;	/* fillers done before the fixed command */
	struct io_uring_cqe res;
	char why[128];		/* device status of the fixed command */
};

static void account(const struct pt_case *c, struct seen *s,
		    const struct io_uring_cqe *cqe)
{
	if (cqe->user_data == ud_fixed) {
		s->fixed_done = true;
		s->fixed_after = s->fillers_done;
		s->res = *cqe;
		if (cqe->res >= 0 && c->ops->status)
			c->ops->status(cqe, s->why, sizeof(s->why));
	} else {
		s->fillers_done++;
		s->fillers_failed += cqe->res != 0;
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

/* Everything one case owns; fillers in flight are drained on every exit. */
struct pt_ctx {
	const struct pt_case *c;
	struct pt_dev d;
	struct io_uring ring;
	struct t_buf b;
	struct seen s;
	struct pt_cmd_mem *mem;
	uint8_t *junk;
	int fillers, submitted;
	struct pt_fault f;
};

/* The harness's fail_io_timeout setup, or the reason to skip. */
static int fault_get(struct pt_ctx *x)
{
	const char *p = x->c->fault_env, *why, *drop, *ms;
	struct pt_fault *f = &x->f;

	if (!fault_ready(p)) {
		why = fault_var(p, "_WHY");
		return t_skip("%s", why && *why ? why :
			      "requires fail_io_timeout on the backing queue (set up by harness/run as root)");
	}
	f->times = fault_var(p, "_TIMES");
	f->timeout = fault_var(p, "_TIMEOUT");
	drop = fault_var(p, "_DROP");
	ms = fault_var(p, "_MS");
	if (!f->times || !f->timeout || !drop || atoi(drop) <= 0 || !ms || atoi(ms) <= 0)
		return t_fail("%s=1 without %s_TIMES, _TIMEOUT, _DROP and _MS", p, p);
	f->drop = (unsigned int)atoi(drop);
	f->ms = (unsigned int)atoi(ms);
	return 0;
}

/* Shorten the backing queue's timeout, drop the next @drop completions. */
static int fault_arm(struct pt_ctx *x)
{
	struct pt_fault *f = &x->f;
	int ret;

	if (f->drop > (unsigned int)x->fillers)
		f->drop = (unsigned int)x->fillers;
	if ((ret = attr_read(f->timeout, f->old_ms, sizeof(f->old_ms))) ||
	    (ret = attr_write(f->timeout, "%u", f->ms)))
		return t_fail("setting %s to %u: %s", f->timeout, f->ms, strerror(-ret));
	f->shortened = true;
	f->armed = true;
	if ((ret = attr_write(f->times, "%u", f->drop)))
		return t_fail("arming %s: %s", f->times, strerror(-ret));
	return 0;
}

/* On every path out of a case that armed (the harness's undo backs it up). */
static void fault_disarm(struct pt_ctx *x)
{
	struct pt_fault *f = &x->f;
	int ret;

	if (f->armed && (ret = attr_write(f->times, "0")))
		t_note("disarming %s: %s", f->times, strerror(-ret));
	if (f->shortened && (ret = attr_write(f->timeout, "%s", f->old_ms)))
		t_note("restoring %s to %s: %s", f->timeout, f->old_ms, strerror(-ret));
	f->armed = f->shortened = false;
}

static int submit_fillers(struct pt_ctx *x)
{
	/*
	 * Fillers: plain 4 KiB reads below the data, one per tag, with a gap
	 * between them so that the backing queue cannot merge two into one
	 * request (fault-timeout counts them there).
	 */
	for (int i = 0; i < x->fillers; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&x->ring);

		x->c->ops->prep(&x->d, sqe, false, false, x->junk + 4096 * (size_t)i,
				4096, (uint64_t)i * 8192 / x->d.lba_size, -1,
				&x->mem[i + 1]);
		sqe->user_data = ud_filler + (uint64_t)i;
	}
	if (x->fillers && io_uring_submit(&x->ring) != x->fillers)
		return t_fail("submitting %d fillers failed", x->fillers);
	x->submitted = x->fillers;
	return 0;
}

static int submit_fixed(struct pt_ctx *x)
{
	const struct pt_case *c = x->c;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&x->ring);

	c->ops->prep(&x->d, sqe, c->write, c->vec, x->b.addr, LEN,
		     DATA_LBA_BYTES / x->d.lba_size, IDX, &x->mem[0]);
	sqe->user_data = ud_fixed;
	if (io_uring_submit(&x->ring) != 1)
		return t_fail("submitting the fixed-buffer command failed");
	x->submitted++;
	return 0;
}

/* Punted filler count, for a diagnosis that says how full the queue was. */
static int filler_punts(struct t_trace *tr, int fillers)
{
	int n = 0;

	for (int i = 0; i < fillers; i++)
		n += t_trace_count(tr, "io_uring_queue_async_work",
				   ud_filler + (uint64_t)i) > 0;
	return n;
}

static int exercise(struct pt_ctx *x)
{
	const struct pt_case *c = x->c;
	struct seen *s = &x->s;
	struct t_trace tr;
	int ret, punts;

	t_trace_start(&tr);
	if (c->park == PARK_FAULT && (ret = fault_arm(x)))
		return ret;
	if ((ret = submit_fillers(x)) || (ret = submit_fixed(x)))
		return ret;
	peek_all(&x->ring, c, s);
	if (s->fixed_done && (s->res.res == -EINVAL || s->res.res == -EOPNOTSUPP))
		return t_skip("kernel rejects this %s command with a fixed buffer (%s)",
			      c->ops->name, strerror(-s->res.res));

	ret = change_slot(&x->ring, &x->b, c);
	if (ret)
		return t_fail("changing slot %d: %s", IDX, strerror(-ret));
	/* The change must land while every filler still holds its tag. */
	peek_all(&x->ring, c, s);
	if (c->park != PARK_INLINE && (s->fillers_done || s->fixed_done))
		return t_fail("path not taken: %d filler(s)%s completed before the table changed (%s)",
			      s->fillers_done, s->fixed_done ? " and the command" : "",
			      c->park == PARK_FAULT ? "completions not dropped?" :
			      "backend too fast?");

	ret = wait_all(&x->ring, c, s, x->fillers);
	punts = t_trace_count(&tr, "io_uring_queue_async_work", ud_fixed);
	if (ret)
		return t_fail("no completion within %d ms (%d of %d fillers, command %s)",
			      WAIT_MS, s->fillers_done, x->fillers,
			      s->fixed_done ? "done" : "pending");
	if (c->park == PARK_FAULT) {
		char left[32];

		if ((ret = attr_read(x->f.times, left, sizeof(left))))
			return t_fail("reading %s: %s", x->f.times, strerror(-ret));
		x->f.left = atoi(left);
	}

	if (s->res.res == -EFAULT && c->change == SLOT_EMPTIED)
		return t_fail("late lookup: -EFAULT (14) after the slot was emptied");
	if (s->res.res < 0)
		return t_fail("command failed: %s (%d)", strerror(-s->res.res), s->res.res);
	if (s->res.res > 0 && c->park == PARK_FAULT)
		return t_fail("command failed on the device: status 0x%x (%s)", s->res.res,
			      x->f.left ? "its completion was dropped too: fewer fillers reached the backing queue" :
			      "timed out on the backing queue");
	if (s->why[0])
		return t_fail("command failed on the device: %s", s->why);
	if ((ret = check_data(c, &x->d, &x->b)))
		return ret;

	if (c->park == PARK_FAULT &&
	    (x->f.left || s->fillers_failed != (int)x->f.drop))
		return t_fail("path not taken: fail_io_timeout dropped %d of the %u filler completions armed, %d of %d fillers failed",
			      (int)x->f.drop - x->f.left, x->f.drop,
			      s->fillers_failed, x->fillers);
	if (c->park != PARK_INLINE) {
		if (punts < 0)
			return t_fail("path not taken: tracefs unavailable, the io-wq punt cannot be shown");
		if (punts == 0)
			return t_fail("path not taken: no io_uring_queue_async_work for the command (%d fillers, %d of them punted)",
				      x->fillers, filler_punts(&tr, x->fillers));
		if (s->fixed_after == 0)
			return t_fail("path not taken: the command completed before any filler");
	} else if (punts > 0) {
		return t_fail("control not inline: the command went to io-wq");
	}
	t_trace_stop(&tr);
	return T_PASS;
}

/* Reap until every submitted command has completed (bounded). */
static void drain(struct pt_ctx *x)
{
	struct __kernel_timespec ts = { .tv_sec = WAIT_MS / 1000 };
	struct io_uring_cqe *cqe;

	while (x->s.fillers_done + (int)x->s.fixed_done < x->submitted &&
	       !io_uring_wait_cqe_timeout(&x->ring, &cqe, &ts)) {
		account(x->c, &x->s, cqe);
		io_uring_cqe_seen(&x->ring, cqe);
	}
}

static int pt_run(const void *arg)
{
	struct pt_ctx x = { .c = arg, .d = { .fd = -1, .blk = -1 } };
	const struct pt_case *c = x.c;
	int ret, v;

	ud_fixed = 0xf1b2000000000000ULL | (uint64_t)getpid() << 16;
	ud_filler = 0xf1b3000000000000ULL | (uint64_t)getpid() << 16;
	if ((ret = open_dev(c->ops, &x.d)))
		return ret;
	/* A case killed while armed must not leave it armed for this one. */
	if (fault_ready(c->fault_env) && fault_var(c->fault_env, "_TIMES"))
		attr_write(fault_var(c->fault_env, "_TIMES"), "0");
	if (c->park == PARK_FAULT && (ret = fault_get(&x)))
		return ret;
	ret = t_ring(&x.ring, IORING_SETUP_SQE128 | IORING_SETUP_CQE32);
	if (ret || (ret = t_need_op(&x.ring, IORING_OP_URING_CMD, "IORING_OP_URING_CMD")))
		return ret;
	x.fillers = c->park != PARK_INLINE ? (int)x.d.tags : 0;
	x.mem = calloc((size_t)x.fillers + 1, sizeof(*x.mem));
	x.junk = aligned_alloc(4096, 4096 * ((size_t)x.fillers + 1));
	if (!x.mem || !x.junk)
		return t_fail("out of memory");
	ret = dev_fill(&x.ring, c, &x.d, c->write ? T_POISON : T_ORIG);
	if (ret)
		return t_fail("preparing %s: %s", x.d.blk_name, strerror(-ret));
	if (t_buf_map(&x.b, LEN, c->write ? T_ORIG : T_POISON))
		return t_fail("buffer: %m");
	if ((ret = t_table(&x.ring, 4)))
		return ret;
	if ((ret = t_table_set(&x.ring, IDX, x.b.addr, LEN)))
		return t_fail("registering slot %d: %s", IDX, strerror(-ret));

	v = exercise(&x);
	/*
	 * Commands still in flight keep their tags after we exit (the ring
	 * is torn down asynchronously): the next case would find the queue
	 * busy. Wait for them, whatever the verdict.
	 */
	drain(&x);
	fault_disarm(&x);
	io_uring_queue_exit(&x.ring);
	t_buf_unmap(&x.b);
	return v;
}

int pt_main(const struct pt_dev_ops *ops, int argc, char **argv)
{
	static const char *const changes[] = { "slot-emptied", "slot-remapped" };
	static const char *const parks[] = { "inline", "tags-exhausted", "fault-timeout" };
	struct pt_case c = { .ops = ops, .fault_env = ops->env_fault };
	int last;

	last = c.fault_env ? PARK_FAULT : PARK_TAGS;
	t_require(ops->requires);
	for (int w = 1; w >= 0; w--)
		for (int v = 0; v <= (int)ops->vectored; v++)
			for (int p = PARK_INLINE; p <= last; p++)
				for (int ch = 0; ch < 2; ch++) {
					c.write = w;
					c.vec = v;
					c.park = p;
					c.change = ch;
					t_add(pt_run, &c, sizeof(c), "%s/%s%s/%s/%s",
					      ops->name, w ? "write" : "read",
					      v ? "v" : "",
					      parks[p], changes[ch]);
				}
	return t_main(argc, argv);
}
