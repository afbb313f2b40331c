// SPDX-License-Identifier: GPL-2.0
/*
 * The FUSE server of the buffer pool cases (fuse.h). FUSE_INIT goes over
 * read/write on /dev/fuse; everything after it over the ring: per queue
 * ADD_QUEUE, ADD_BUFPOOL (IORING_URING_CMD_FIXED, slot FS_POOL_IDX) and
 * one REGISTER, then COMMIT_AND_FETCH per request. The kernel wants an
 * entry on every possible CPU's queue before it uses the ring at all.
 *
 * Where the server looks: a request's payload in the pages the slot held
 * when the command that carried it was submitted (the pool's original
 * pages if that was before the change); a reply in the slot's pages now,
 * since the COMMIT_AND_FETCH carrying it is submitted after the change.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "fuse.h"
#include "dev.h"

#define UD_CTL		(~0ULL)
#define UD_SETUP	(1ULL << 32)	/* | entry or queue: ADD_QUEUE, ADD_BUFPOOL */
#define UD_ZCQ		(1ULL << 33)	/* | queue: the zero-copy ADD_QUEUE */
#define UD_ZCIO		(1ULL << 34)	/* | opcode: a zero-copy READ_FIXED/WRITE_FIXED */
#define CTL_ARM		1
#define CTL_STOP	2
#define CTL_SETUP	3
#define CTL_ARM_COMMIT	4	/* arm at the next FSYNC's commit */
#define CTL_SYNC	5	/* nothing: the server is past what came before */
#define INO_FILE	2

/* The kernel makes one queue per possible CPU (num_possible_cpus()). */
static unsigned int possible_cpus(void)
{
	char buf[64];
	const char *p;

	if (t_attr_read("/sys/devices/system/cpu/possible", buf, sizeof(buf)))
		return 1;
	p = strrchr(buf, '-');
	p = p ? p + 1 : buf;
	if (strrchr(buf, ','))
		p = strrchr(buf, ',') + 1;
	return (unsigned int)atoi(p) + 1;
}

static uint8_t *qbase(struct fs_srv *s, uint8_t *view, unsigned int qid)
{
	(void)s;
	return view + (size_t)qid * FS_BUFS_PER_Q * FS_BUF_SIZE;
}

/* A zeroed SQE128 slot (the command area is the second 64 bytes too). */
static struct io_uring_sqe *sqe128(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	if (!sqe)
		abort();	/* the SQ is sized for every command in flight */
	memset((void *)sqe, 0, 2 * sizeof(*sqe));
	return sqe;
}

static struct io_uring_sqe *cmd_sqe(struct fs_srv *s, uint32_t op, uint64_t ud)
{
	struct io_uring_sqe *sqe = sqe128(&s->ring);

	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = s->fd;
	sqe->cmd_op = op;
	sqe->user_data = ud;
	return sqe;
}

static struct fs_cmd_req *cmd_req(struct io_uring_sqe *sqe)
{
	return (struct fs_cmd_req *)sqe->cmd;
}

/* Payload-carrying commands name the pool's slot (the kernel checks it). */
static void cmd_fixed(struct io_uring_sqe *sqe)
{
	sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
	sqe->buf_index = FS_POOL_IDX;
}

static void submit_register(struct fs_srv *s, int i)
{
	struct fs_ent *e = &s->ents[i];
	struct io_uring_sqe *sqe = cmd_sqe(s, FS_CMD_REGISTER, (uint64_t)i);

	e->iov[0] = (struct iovec){ &e->hdr, sizeof(e->hdr) };
	e->iov[1] = (struct iovec){ NULL, 0 };	/* payloads come from the pool */
	/* The case's queue only; setup entries FS_ZC_IDX, fs_arm() ones the next. */
	e->zc_index = s->zc && e->qid == s->qid ? (uint16_t)(FS_ZC_IDX + (i >= (int)s->nq)) : 0;
	sqe->addr = (uint64_t)(uintptr_t)e->iov;
	sqe->len = 2;
	cmd_fixed(sqe);
	cmd_req(sqe)->qid = (uint16_t)e->qid;
	cmd_req(sqe)->zc_index = e->zc_index;
	e->pre_change = !s->changed;
}

static void submit_commit(struct fs_srv *s, int i)
{
	struct fs_ent *e = &s->ents[i];
	struct io_uring_sqe *sqe = cmd_sqe(s, FS_CMD_COMMIT_AND_FETCH, (uint64_t)i);

	cmd_fixed(sqe);
	cmd_req(sqe)->qid = (uint16_t)e->qid;
	cmd_req(sqe)->commit_id = e->hdr.ent.commit_id;
	e->pre_change = !s->changed;
}

static void set_err(struct fs_srv *s, const char *fmt, int v)
{
	if (!s->err[0])
		snprintf(s->err, sizeof(s->err), fmt, v);
}

static void fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
	a->nlink = ino == FUSE_ROOT_ID ? 2 : 1;
	a->size = ino == FUSE_ROOT_ID ? 0 : FS_FILE_LEN;
	a->blocks = 8;
	a->blksize = 4096;
}

/* Note the first READ/WRITE after fs_arm(), and what the armed entry carried before. */
static void observe(struct fs_srv *s, int i, uint32_t opcode, const uint8_t *payload)
{
	struct fs_seen *w = &s->seen;
	size_t n = strlen(w->other);
	char desc[256];

	if (s->armed < 0 || w->opcode)
		return;
	if (opcode != FUSE_READ && opcode != FUSE_WRITE) {
		if (i == s->armed)
			snprintf(w->other + n, sizeof(w->other) - n, "%sopcode %u",
				 n ? ", " : "", opcode);
		return;
	}
	w->opcode = (int)opcode;
	w->ent = i;
	w->offset = s->ents[i].hdr.ent.offset;
	w->payload_sz = s->ents[i].hdr.ent.payload_sz;
	w->zc = s->ents[i].hdr.ent.flags & FS_URING_ENT_ZERO_COPY;
	if (opcode != FUSE_WRITE)
		return;
	memcpy(w->data, payload, FS_FILE_LEN);
	/* Remapped: the same offset in the pages the slot holds now. */
	if (s->ents[i].pre_change && s->change == T_SLOT_REMAPPED)
		w->in_repl = t_pat_check(payload - s->pool.orig + s->pool.addr,
					 FS_FILE_LEN, T_ORIG, desc, sizeof(desc));
}

/* Answer the request entry @i holds; returns the reply's payload size or -errno. */
static int answer(struct fs_srv *s, int i, const uint8_t *in, uint8_t *out)
{
	struct fs_ent *e = &s->ents[i];
	const struct fuse_in_header *h = (const void *)e->hdr.in_out;
	const void *op = e->hdr.op_in;

	switch (h->opcode) {
	case FUSE_LOOKUP: {
		struct fuse_entry_out o = { .nodeid = INO_FILE, .generation = 1,
					    .entry_valid = 3600, .attr_valid = 3600 };

		if (h->nodeid != FUSE_ROOT_ID || strcmp((const char *)in, FS_FILE_NAME))
			return -ENOENT;
		fill_attr(&o.attr, INO_FILE);
		memcpy(out, &o, sizeof(o));
		return sizeof(o);
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out o = { .attr_valid = 3600 };

		fill_attr(&o.attr, h->nodeid);
		memcpy(out, &o, sizeof(o));
		return sizeof(o);
	}
	case FUSE_OPEN: {
		/* Direct I/O: every read and write is a request, no page cache. */
		struct fuse_open_out o = { .fh = 1, .open_flags = FOPEN_DIRECT_IO };

		if (s->zc)
			o.open_flags |= FS_FOPEN_ZERO_COPY;

		memcpy(out, &o, sizeof(o));
		return sizeof(o);
	}
	case FUSE_READ: {
		const struct fuse_read_in *r = op;
		size_t n = r->offset >= FS_FILE_LEN ? 0 : FS_FILE_LEN - r->offset;

		n = n < r->size ? n : r->size;
		memcpy(out, s->file + r->offset, n);
		return (int)n;
	}
	case FUSE_WRITE: {
		const struct fuse_write_in *w = op;
		struct fuse_write_out o = { .size = w->size };

		if (w->offset + w->size > FS_FILE_LEN)
			return -EFBIG;
		memcpy(out, &o, sizeof(o));
		return sizeof(o);
	}
	case FUSE_FLUSH:
	case FUSE_RELEASE:
	case FUSE_FSYNC:	/* fs_arm_commit(): a request with no payload */
		return 0;
	default:
		return -ENOSYS;
	}
}

/* Change the pool's slot as s->change says, right after a submit. */
static void change_slot(struct fs_srv *s)
{
	int ret = 0;

	if (s->change == T_SLOT_EMPTIED) {
		ret = t_table_set(&s->ring, FS_POOL_IDX, NULL, 0);
		s->emptied = true;
	} else if (s->change == T_SLOT_REMAPPED) {
		ret = t_buf_remap(&s->pool, T_REPL);
		if (!ret)
			ret = t_table_set(&s->ring, FS_POOL_IDX, s->pool.addr,
					  s->pool.len);
	}
	s->changed = s->change != T_NR_CHANGES;
	if (ret)
		set_err(s, "changing slot %d failed", FS_POOL_IDX);
}

/*
 * Arm entry @i at its commit, submitted just now: change the slot behind
 * it. A request dispatched during that commit's own issue (queued before
 * it) was copied before the change: note it, the case did not park.
 */
static void arm_at_commit(struct fs_srv *s, int i)
{
	struct io_uring_cqe *cqe;
	unsigned int head;

	s->arm_fsync = false;
	s->armed = i;
	s->armed_by = "COMMIT_AND_FETCH";
	io_uring_submit(&s->ring);
	io_uring_for_each_cqe(&s->ring, head, cqe) {
		if (cqe->user_data == (uint64_t)i)
			s->early = true;
	}
	change_slot(s);
}

/*
 * Zero copy: move a READ's or WRITE's data through the pages the kernel
 * registered in the entry's slot, with a fixed-buffer op on a pipe that
 * goes in the same submit as the commit (which unregisters the slot),
 * ahead of it and unlinked. It must resolve the slot at its own issue.
 */
static void zc_move(struct fs_srv *s, int i, uint32_t opcode, int n)
{
	struct fs_ent *e = &s->ents[i];
	struct io_uring_sqe *sqe;

	if (opcode == FUSE_READ && n > 0) {
		const struct fuse_read_in *r = (const void *)e->hdr.op_in;

		if (write(s->zc_pipe[1], s->file + r->offset, (size_t)n) != n) {
			set_err(s, "zero copy: filling the pipe failed (%d bytes)", n);
			return;
		}
		sqe = sqe128(&s->ring);
		io_uring_prep_read_fixed(sqe, s->zc_pipe[0], NULL, (unsigned int)n, 0, e->zc_index);
	} else if (opcode == FUSE_WRITE && n > 0) {
		const struct fuse_write_in *w = (const void *)e->hdr.op_in;

		n = (int)w->size;
		sqe = sqe128(&s->ring);
		io_uring_prep_write_fixed(sqe, s->zc_pipe[1], NULL, w->size, 0, e->zc_index);
	} else {
		return;
	}
	sqe->user_data = UD_ZCIO | opcode;
	s->zc_len = (uint32_t)n;
}

/* A zero-copy op completed: a WRITE's data is in the pipe now. */
static void zc_done(struct fs_srv *s, uint32_t opcode, int res)
{
	uint8_t scratch[FS_BUF_SIZE];
	uint8_t *dst = scratch;

	if (res != (int)s->zc_len || res > FS_BUF_SIZE) {
		set_err(s, "zero copy: READ_FIXED/WRITE_FIXED on the kernel's slot: %d", res);
		return;
	}
	if (opcode != FUSE_WRITE)
		return;
	if (s->seen.opcode == FUSE_WRITE && s->seen.zc && res == FS_FILE_LEN)
		dst = s->seen.data;
	if (read(s->zc_pipe[0], dst, (size_t)res) != res)
		set_err(s, "zero copy: draining the pipe failed (%d bytes)", res);
}

static void serve(struct fs_srv *s, int i)
{
	struct fs_ent *e = &s->ents[i];
	struct fuse_in_header h = *(struct fuse_in_header *)e->hdr.in_out;
	struct fuse_out_header *oh = (void *)e->hdr.in_out;
	uint8_t *in = qbase(s, e->pre_change ? s->pool.orig : s->pool.addr, e->qid);
	uint8_t *out = qbase(s, s->pool.addr, e->qid);
	uint8_t reply[256];
	int n;

	if (e->hdr.ent.offset + FS_BUF_SIZE > FS_BUFS_PER_Q * FS_BUF_SIZE) {
		set_err(s, "request payload offset %d outside the queue's pool",
			(int)e->hdr.ent.offset);
		n = -EIO;
	} else {
		in += e->hdr.ent.offset;
		out += e->hdr.ent.offset;
		observe(s, i, h.opcode, in);
		n = answer(s, i, in, h.opcode == FUSE_READ ? out : reply);
	}
	/* An emptied slot gets the pool back before the commit reads through it. */
	if (s->emptied) {
		if (t_table_set(&s->ring, FS_POOL_IDX, s->pool.addr, s->pool.len))
			set_err(s, "restoring slot %d failed", FS_POOL_IDX);
		s->emptied = false;
	}
	if (n > 0 && h.opcode != FUSE_READ)
		memcpy(out, reply, (size_t)n);
	memset(oh, 0, sizeof(*oh));
	oh->unique = h.unique;
	oh->error = n < 0 ? n : 0;
	oh->len = sizeof(*oh) + (n > 0 ? (uint32_t)n : 0);
	e->hdr.ent.payload_sz = n > 0 ? (uint32_t)n : 0;
	if (e->hdr.ent.flags & FS_URING_ENT_ZERO_COPY)
		zc_move(s, i, h.opcode, n);
	submit_commit(s, i);
	if (s->arm_fsync && h.opcode == FUSE_FSYNC)
		arm_at_commit(s, i);
}

static void setup_queues(struct fs_srv *s);

static void do_ctl(struct fs_srv *s)
{
	int i;

	if (s->ctl == CTL_SETUP) {
		setup_queues(s);
	} else if (s->ctl == CTL_STOP) {
		s->running = false;
	} else if (s->ctl == CTL_ARM) {
		/* Earlier payloads (the warm-up) must not pass for this one. */
		t_pat_fill(s->pool.addr, s->pool.len, T_POISON);
		i = s->nr_ents++;
		s->ents[i].qid = s->qid;
		s->armed = i;
		s->armed_by = "REGISTER";
		submit_register(s, i);
		io_uring_submit(&s->ring);
		/* Right after the submit, as an unlinked batch would. */
		change_slot(s);
	} else if (s->ctl == CTL_ARM_COMMIT) {
		t_pat_fill(s->pool.addr, s->pool.len, T_POISON);
		s->arm_fsync = true;
	}
	pthread_mutex_lock(&s->lock);
	s->ctl = 0;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void arm_ctl_poll(struct fs_srv *s)
{
	struct io_uring_sqe *sqe = sqe128(&s->ring);

	io_uring_prep_poll_add(sqe, s->efd, POLLIN);
	sqe->user_data = UD_CTL;
}

static void *serve_thread(void *arg)
{
	struct fs_srv *s = arg;
	struct io_uring_cqe *cqe;
	uint64_t v;

	arm_ctl_poll(s);
	while (s->running) {
		if (io_uring_submit_and_wait(&s->ring, 1) < 0 && errno != EINTR)
			continue;
		while (!io_uring_peek_cqe(&s->ring, &cqe)) {
			uint64_t ud = cqe->user_data;
			int res = cqe->res;

			io_uring_cqe_seen(&s->ring, cqe);
			if (ud == UD_CTL) {
				if (read(s->efd, &v, sizeof(v)) < 0)
					v = 0;
				do_ctl(s);
				if (s->running)
					arm_ctl_poll(s);
			} else if (ud < (uint64_t)s->nr_ents) {
				if (res == 0)
					serve(s, (int)ud);
				else if (res != -ENOTCONN && res != -ECANCELED)
					set_err(s, "ring entry command failed: %d", res);
			} else if (ud & UD_ZCIO) {
				zc_done(s, (uint32_t)ud, res);
			} else if (res < 0) {
				set_err(s, "queue setup command failed: %d", res);
			}
		}
	}
	return NULL;
}

static int ctl(struct fs_srv *s, int what)
{
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	s->ctl = what;
	pthread_mutex_unlock(&s->lock);
	if (write(s->efd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	pthread_mutex_lock(&s->lock);
	while (s->ctl)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* FUSE_INIT over read/write: 0, or a skip/fail verdict. */
static int init(struct fs_srv *s)
{
	static uint8_t buf[FUSE_MIN_READ_BUFFER];
	const struct fuse_in_header *h = (void *)buf;
	const struct fuse_init_in *in = (void *)(h + 1);
	struct {
		struct fuse_out_header h;
		struct fuse_init_out o;
	} r = { 0 };
	uint64_t flags;
	ssize_t n = read(s->fd, buf, sizeof(buf));

	if (n < (ssize_t)(sizeof(*h) + sizeof(*in)) || h->opcode != FUSE_INIT)
		return t_fail("no FUSE_INIT on /dev/fuse (read %zd: %m)", n);
	flags = in->flags | (in->flags & FUSE_INIT_EXT ? (uint64_t)in->flags2 << 32 : 0);
	r.h.len = sizeof(r);
	r.h.unique = h->unique;
	r.o.major = FUSE_KERNEL_VERSION;
	r.o.minor = in->minor < 46 ? in->minor : 46;
	r.o.max_readahead = in->max_readahead;
	r.o.max_background = 16;
	r.o.congestion_threshold = 12;
	r.o.max_write = FS_BUF_SIZE;
	r.o.time_gran = 1;
	r.o.max_pages = FS_BUF_SIZE / 4096;
	r.o.flags = FUSE_INIT_EXT | FUSE_MAX_PAGES;
	if ((flags & FS_OVER_IO_URING) && (flags & FS_HAS_BUFPOOL))
		r.o.flags2 = (uint32_t)(FS_OVER_IO_URING >> 32);
	if (write(s->fd, &r, sizeof(r)) != sizeof(r))
		return t_fail("FUSE_INIT reply: %m");
	if (!(flags & FS_OVER_IO_URING))
		return t_skip("kernel offers no FUSE over io_uring (fuse enable_uring=0 or no CONFIG_FUSE_IO_URING)");
	if (!(flags & FS_HAS_BUFPOOL))
		return t_skip("kernel offers no FUSE io_uring buffer pools (FUSE_HAS_IO_URING_BUFPOOL, 7.3+)");
	return 0;
}

static int do_mount(struct fs_srv *s)
{
	const char *dir = t_env("FIXBUF_FUSE_DIR");
	char opts[128];

	snprintf(s->dir, sizeof(s->dir), "%s", dir ? dir : t_env("TMPDIR") ? t_env("TMPDIR") : "/tmp");
	snprintf(s->mnt, sizeof(s->mnt), "%s/mnt.XXXXXX", s->dir);
	if (!mkdtemp(s->mnt))
		return t_fail("mkdtemp %s: %m", s->mnt);
	snprintf(s->path, sizeof(s->path), "%s/" FS_FILE_NAME, s->mnt);
	s->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		return t_skip("requires /dev/fuse: %m");
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=%u,group_id=%u",
		 s->fd, getuid(), getgid());
	if (mount("fixbuf", s->mnt, "fuse.fixbuf", MS_NOSUID | MS_NODEV, opts)) {
		if (errno == EPERM || errno == ENODEV)
			return t_skip("cannot mount a fuse file system: %m");
		return t_fail("mount fuse at %s: %m", s->mnt);
	}
	s->mounted = true;
	return 0;
}

/* ADD_QUEUE, ADD_BUFPOOL, REGISTER on every queue, in one submit. */
static void setup_queues(struct fs_srv *s)
{
	struct io_uring_cqe cqe;
	unsigned int q, got = 0;

	for (q = 0; q < s->nq; q++) {
		struct io_uring_sqe *sqe = cmd_sqe(s, FS_CMD_ADD_QUEUE, UD_SETUP | q);

		cmd_req(sqe)->qid = (uint16_t)q;
		if (s->zc && q == s->qid) {
			cmd_req(sqe)->flags = FS_URING_ZERO_COPY;
			sqe->user_data |= UD_ZCQ;
		}
		sqe = cmd_sqe(s, FS_CMD_ADD_BUFPOOL, UD_SETUP | q);
		cmd_fixed(sqe);
		cmd_req(sqe)->qid = (uint16_t)q;
		cmd_req(sqe)->pool.uaddr = (uint64_t)(uintptr_t)qbase(s, s->pool.addr, q);
		cmd_req(sqe)->pool.len = FS_BUFS_PER_Q * FS_BUF_SIZE;
		s->ents[q].qid = q;
		submit_register(s, (int)q);
	}
	s->nr_ents = (int)s->nq;
	io_uring_submit(&s->ring);
	/* The ADD_* complete at once; a REGISTER only on failure. */
	while (got < 2 * s->nq) {
		if (t_wait_cqe(&s->ring, &cqe, 5000)) {
			set_err(s, "ring setup: only %d ADD_QUEUE/ADD_BUFPOOL completions", (int)got);
			return;
		}
		if (cqe.res < 0) {
			if (cqe.user_data & UD_ZCQ) {
				s->zc_res = cqe.res;
				return;
			}
			set_err(s, cqe.user_data & UD_SETUP ? "ADD_QUEUE/ADD_BUFPOOL failed: %d" :
				"REGISTER failed: %d", cqe.res);
			return;
		}
		got++;
	}
}

static int start(struct fs_srv *s, bool zc)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 };
	int ret, cpu = sched_getcpu();
	cpu_set_t set;

	memset(s, 0, sizeof(*s));
	s->fd = s->efd = -1;
	s->zc_pipe[0] = s->zc_pipe[1] = -1;
	s->zc = zc;
	s->armed = -1;
	s->armed_by = "";
	s->change = T_NR_CHANGES;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	t_pat_fill(s->file, FS_FILE_LEN, T_ORIG);
	s->nq = possible_cpus();
	if (s->nq + 1 > FS_MAX_ENTS || cpu < 0 || (unsigned int)cpu >= s->nq)
		return t_skip("%u possible CPUs (this is on %d): more queues than the server has entries",
			      s->nq, cpu);
	/* FUSE requests go to the queue of the CPU the caller runs on. */
	s->qid = (unsigned int)cpu;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return t_fail("pinning to CPU %d: %m", cpu);
	if (t_buf_map(&s->pool, (size_t)s->nq * FS_BUFS_PER_Q * FS_BUF_SIZE, T_POISON))
		return t_fail("mapping the pool: %m");
	if ((ret = do_mount(s)) || (ret = init(s)))
		return ret;
	ret = io_uring_queue_init_params(128, &s->ring, &p);
	if (ret)
		return ret == -EINVAL ? t_skip("IORING_SETUP_SQE128 not supported") :
			t_fail("io_uring_queue_init: %s", strerror(-ret));
	s->efd = eventfd(0, EFD_CLOEXEC);
	if (zc && pipe2(s->zc_pipe, O_CLOEXEC))
		return t_fail("pipe: %m");
	if ((ret = t_table(&s->ring, 4)))
		return ret;
	if (t_table_set(&s->ring, FS_POOL_IDX, s->pool.addr, s->pool.len))
		return t_fail("registering the pool in slot %d", FS_POOL_IDX);
	s->running = true;
	if (pthread_create(&s->thread, NULL, serve_thread, s)) {
		s->running = false;
		return t_fail("starting the server thread failed");
	}
	/* Commands run their task work in the task that submitted them: the server. */
	if (ctl(s, CTL_SETUP))
		return t_fail("waking the server: %m");
	if (s->zc_res == -EPERM)
		return t_skip("FUSE io_uring zero copy (FUSE_URING_ZERO_COPY) requires CAP_SYS_ADMIN");
	if (s->zc_res)
		return t_skip("kernel refuses a FUSE_URING_ZERO_COPY queue (ADD_QUEUE: %s)", strerror(-s->zc_res));
	return s->err[0] ? t_fail("server: %s", s->err) : 0;
}

int fs_start(struct fs_srv *s)
{
	return start(s, false);
}

int fs_start_zc(struct fs_srv *s)
{
	return start(s, true);
}

int fs_sync(struct fs_srv *s)
{
	if (ctl(s, CTL_SYNC))
		return t_fail("waking the server: %m");
	return s->err[0] ? t_fail("server: %s", s->err) : 0;
}

int fs_arm(struct fs_srv *s, enum t_change change)
{
	s->change = change;
	s->early = false;
	memset(&s->seen, 0, sizeof(s->seen));
	if (ctl(s, CTL_ARM))
		return t_fail("waking the server: %m");
	return s->err[0] ? t_fail("server: %s", s->err) : 0;
}

int fs_arm_commit(struct fs_srv *s, int fd, enum t_change change)
{
	s->change = change;
	s->early = false;
	memset(&s->seen, 0, sizeof(s->seen));
	if (ctl(s, CTL_ARM_COMMIT))
		return t_fail("waking the server: %m");
	if (fsync(fd))
		return t_fail("fsync %s: %m", s->path);
	/*
	 * fsync() returns at the commit's issue, maybe before the server got
	 * to the change: a request now would be queued and dispatched by the
	 * commit itself. Wait for the server to be past it.
	 */
	if (ctl(s, CTL_SYNC))
		return t_fail("waking the server: %m");
	if (s->err[0])
		return t_fail("server: %s", s->err);
	if (s->armed < 0)
		return t_fail("path not taken: fsync of %s sent no FUSE_FSYNC to commit before the change",
			      s->path);
	if (s->early)
		return t_fail("path not taken: entry %d got its next request during the COMMIT_AND_FETCH's issue, before the change",
			      s->armed);
	return 0;
}

long fs_io(int fd, bool write, uint8_t *buf)
{
	long n = write ? pwrite(fd, buf, FS_FILE_LEN, 0) : pread(fd, buf, FS_FILE_LEN, 0);

	return n < 0 ? -errno : n;
}

int fs_warm(struct fs_srv *s, int fd)
{
	uint8_t buf[FS_FILE_LEN];
	char desc[256];
	long n;

	t_pat_fill(buf, sizeof(buf), T_ORIG);
	if ((n = fs_io(fd, true, buf)) != FS_FILE_LEN)
		return t_fail("warm-up write of %s: %ld (%s)", s->path, n, n < 0 ? strerror((int)-n) : "short");
	memset(buf, 0, sizeof(buf));
	if ((n = fs_io(fd, false, buf)) != FS_FILE_LEN)
		return t_fail("warm-up read of %s: %ld (%s)", s->path, n, n < 0 ? strerror((int)-n) : "short");
	if (!t_pat_check(buf, sizeof(buf), T_ORIG, desc, sizeof(desc)))
		return t_fail("warm-up read of %s returned %s", s->path, desc);
	return 0;
}

void fs_stop(struct fs_srv *s)
{
	/* Unmounting ends the connection: the parked commands complete. */
	if (s->mounted && umount2(s->mnt, 0))
		umount2(s->mnt, MNT_DETACH);
	s->mounted = false;
	if (s->running) {
		ctl(s, CTL_STOP);
		pthread_join(s->thread, NULL);
	}
	if (s->ring.ring_fd > 0)
		io_uring_queue_exit(&s->ring);
	t_close(&s->efd);
	t_close(&s->fd);
	t_close(&s->zc_pipe[0]);
	t_close(&s->zc_pipe[1]);
	if (s->mnt[0])
		rmdir(s->mnt);
	if (s->pool.addr)
		t_buf_unmap(&s->pool);
}
