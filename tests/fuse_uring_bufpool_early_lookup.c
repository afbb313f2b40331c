// SPDX-License-Identifier: GPL-2.0
/*
 * FUSE over io_uring with a registered buffer pool (7.3+): the server
 * submits a command naming the pool's slot (IORING_URING_CMD_FIXED), then
 * changes the slot right after that submit, as an unlinked batch
 * "command on slot i, then change slot i" would. The next FUSE request is
 * carried by that command: the kernel copies it into the pool in task
 * work, and must use the pages the slot held when the command was first
 * issued. A late lookup fails with -EFAULT (emptied) or puts a WRITE's
 * bytes into the replacement pages (remapped).
 *
 * Two commands park that way: REGISTER of a new entry (fuse_pool/<op>/...),
 * and a COMMIT_AND_FETCH whose reply read nothing through the pool, after
 * which the entry waits on the available list (fuse_pool/commit/...; the
 * reply to a FUSE_FSYNC, see fs_arm_commit()).
 *
 * fuse_pool/zero-copy/... are controls: the zero-copy mode (FUSE_URING_ZERO_COPY,
 * CAP_SYS_ADMIN) registers a READ's or WRITE's pages in a slot of the
 * server's ring in task work and unregisters them during the commit; the
 * server moves the data with a fixed-buffer op on that slot submitted in the
 * same batch as the commit (fs_start_zc()). They pass wherever the mode exists.
 *
 * A READ copies nothing into the pool when it is dispatched (its reply is
 * read at the commit's own issue, after the change, by design), so only
 * the emptied slot shows a late lookup for it; there is no read/remapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lib/fuse.h"
#include "lib/dev.h"

enum kind { K_READ, K_WRITE };
enum cmd { C_REGISTER, C_COMMIT, C_ZERO_COPY };

struct fcase {
	enum kind kind;
	enum t_change change;	/* T_NR_CHANGES: control, no change */
	enum cmd cmd;		/* changed behind; zero copy: REGISTER, no change */
};

static const struct t_dev fuse_dev = { .name = "fuse-uring", .node_var = "FIXBUF_FUSE_DIR" };

static int verdict(struct fs_srv *s, const struct fcase *c, long n, const uint8_t *buf)
{
	const char *op = c->kind == K_READ ? "read of" : "write to";
	const char *opc = c->kind == K_READ ? "READ" : "WRITE";
	const struct fs_seen *w = &s->seen;
	char desc[256];

	if (n == -EFAULT && c->change == T_SLOT_EMPTIED)
		return t_fail("late lookup: %s %s failed with EFAULT: FUSE pool slot %d resolved after the table change (slot emptied after %s)",
			      op, s->path, FS_POOL_IDX, s->armed_by);
	if (n < 0)
		return t_fail("%s %s failed: %s", op, s->path, strerror((int)-n));
	if (n != FS_FILE_LEN)
		return t_fail("short %s %s: %ld of %d bytes", c->kind == K_READ ? "read" : "write", s->path, n, FS_FILE_LEN);
	if (s->err[0])
		return t_fail("server: %s", s->err);
	/* Path: the request reached the server on the command armed before the change. */
	if (!w->opcode)
		return t_fail("path not taken: the server saw no READ/WRITE after %s", s->armed_by);
	if (w->ent != s->armed)
		return t_fail("path not taken: the %s came on entry %d, not entry %d armed by %s before the change (it carried %s)",
			      opc, w->ent, s->armed, s->armed_by, w->other[0] ? w->other : "nothing");
	if (w->offset >= FS_BUFS_PER_Q * FS_BUF_SIZE)
		return t_fail("path not taken: payload offset %u is outside the pool", w->offset);
	if (c->cmd == C_ZERO_COPY && !w->zc)
		return t_fail("path not taken: the %s was not zero-copied (no FUSE_URING_ENT_ZERO_COPY)", opc);
	if (c->kind == K_WRITE && w->payload_sz < FS_FILE_LEN)
		return t_fail("path not taken: the WRITE's payload in the pool is %u bytes", w->payload_sz);
	if (c->kind == K_WRITE &&
	    !t_pat_check(w->data, FS_FILE_LEN, T_ORIG, desc, sizeof(desc)))
		return t_fail("late lookup: the WRITE to %s left %s in the pages FUSE pool slot %d held at %s%s",
			      s->path, desc, FS_POOL_IDX, s->armed_by, w->in_repl ?
			      "; the written bytes are in the replacement pages: the slot was resolved after the table change" : "");
	if (c->kind == K_READ && !t_pat_check(buf, FS_FILE_LEN, T_ORIG, desc, sizeof(desc)))
		return t_fail("read of %s returned %s: FUSE pool slot %d resolved after the table change (after %s)",
			      s->path, desc, FS_POOL_IDX, s->armed_by);
	return T_PASS;
}

static int run(const void *arg)
{
	const struct fcase *c = arg;
	uint8_t buf[FS_FILE_LEN];
	struct fs_srv s;
	int fd = -1, ret;
	long n;

	ret = c->cmd == C_ZERO_COPY ? fs_start_zc(&s) : fs_start(&s);
	if (ret)
		goto out;
	fd = open(s.path, O_RDWR);
	if (fd < 0) {
		ret = t_fail("open %s: %m", s.path);
		goto out;
	}
	if ((ret = fs_warm(&s, fd)))
		goto out;
	ret = c->cmd == C_COMMIT ? fs_arm_commit(&s, fd, c->change) : fs_arm(&s, c->change);
	if (ret)
		goto out;
	if (c->kind == K_WRITE)
		t_pat_fill(buf, sizeof(buf), T_ORIG);
	else
		memset(buf, 0, sizeof(buf));
	n = fs_io(fd, c->kind == K_WRITE, buf);
	/* A zero-copy WRITE's data reaches the server when its WRITE_FIXED completes. */
	if (c->cmd == C_ZERO_COPY && (ret = fs_sync(&s)))
		goto out;
	ret = verdict(&s, c, n, buf);
out:
	t_close(&fd);
	fs_stop(&s);
	return ret;
}

int main(int argc, char **argv)
{
	static const char *const kind[] = { "read", "write" };
	static const char *const change[] = { "emptied", "remapped" };
	static const char *const cmd[] = { "", "commit/" };
	struct fcase c;

	t_require("root");
	t_require_dev(&fuse_dev);
	for (int m = C_REGISTER; m <= C_COMMIT; m++) {
		for (int k = K_READ; k <= K_WRITE; k++) {
			c = (struct fcase){ k, T_NR_CHANGES, m };
			t_add(run, &c, sizeof(c), "fuse_pool/%scontrol/%s", cmd[m], kind[k]);
		}
		for (int k = K_READ; k <= K_WRITE; k++) {
			for (int ch = 0; ch < T_NR_CHANGES; ch++) {
				if (k == K_READ && ch == T_SLOT_REMAPPED)
					continue;
				c = (struct fcase){ k, ch, m };
				t_add(run, &c, sizeof(c), "fuse_pool/%s%s/%s", cmd[m], kind[k], change[ch]);
			}
		}
	}
	for (int k = K_READ; k <= K_WRITE; k++) {
		c = (struct fcase){ k, T_NR_CHANGES, C_ZERO_COPY };
		t_add(run, &c, sizeof(c), "fuse_pool/zero-copy/%s", kind[k]);
	}
	return t_main(argc, argv);
}
