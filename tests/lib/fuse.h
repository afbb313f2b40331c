/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal FUSE server over io_uring (no libfuse) for the buffer pool
 * cases: one mount, a root directory holding one regular file, served
 * through FUSE_IO_URING_CMD_* commands on a SQE128 ring whose payload
 * buffers come from a registered buffer pool (7.3+).
 */
#ifndef FIXBUF_FUSE_H
#define FIXBUF_FUSE_H

#include <linux/fuse.h>
#include <pthread.h>
#include "t.h"

/* 7.3 UAPI (include/uapi/linux/fuse.h, minor 46); bookworm has 7.38. */
#define FS_OVER_IO_URING	(1ULL << 41)
#define FS_HAS_BUFPOOL		(1ULL << 43)
#define FS_URING_ENT_ZERO_COPY	(1ULL << 0)	/* fs_ent_in_out.flags */
#define FS_URING_ZERO_COPY	(1ULL << 0)	/* ADD_QUEUE flags */
#define FS_FOPEN_ZERO_COPY	(1U << 8)	/* FOPEN_IO_URING_ZERO_COPY */
enum {
	FS_CMD_REGISTER = 1,
	FS_CMD_COMMIT_AND_FETCH = 2,
	FS_CMD_ADD_QUEUE = 3,
	FS_CMD_ADD_BUFPOOL = 4,
};

struct fs_ent_in_out {
	uint64_t flags;
	uint64_t commit_id;
	uint32_t payload_sz;
	uint32_t offset;	/* into the queue's pool */
	uint64_t reserved;
};

struct fs_req_header {
	char in_out[128];	/* fuse_in_header / fuse_out_header */
	char op_in[128];	/* the opcode's own header */
	struct fs_ent_in_out ent;
};

struct fs_cmd_req {		/* the SQE128 command area */
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
	union {
		struct {
			uint64_t uaddr;
			uint32_t len;
			uint32_t reserved;
		} pool;		/* ADD_BUFPOOL */
		uint16_t zc_index;	/* REGISTER on a zero-copy queue */
	};
};

#define FS_POOL_IDX	1	/* the pool's slot; not 0, so a wrong index shows */
#define FS_ZC_IDX	2	/* zero copy: the kernel registers request pages here (+1 armed) */
#define FS_BUF_SIZE	8192	/* max_write and 2 pages: the kernel's buffer size */
#define FS_BUFS_PER_Q	2
#define FS_FILE_LEN	4096
#define FS_MAX_ENTS	72
#define FS_FILE_NAME	"file"

/* One ring entry: its headers, and what the last command carried. */
struct fs_ent {
	struct fs_req_header hdr;
	struct iovec iov[2];
	unsigned int qid;
	uint16_t zc_index;	/* its zero-copy slot, 0 off the zero-copy queue */
	bool pre_change;	/* its command was submitted before the slot change */
};

/* What the server saw of the one READ or WRITE after fs_arm(). */
struct fs_seen {
	int opcode;		/* 0: none arrived */
	int ent;		/* the entry that carried it */
	uint32_t offset, payload_sz;
	uint8_t data[FS_FILE_LEN];	/* a WRITE's payload, read where it should be */
	bool in_repl;		/* ...and it is in the replacement pages instead */
	bool zc;		/* the request came zero-copied (FS_URING_ENT_ZERO_COPY) */
	char other[128];	/* requests the armed entry carried before it */
};

struct fs_srv {
	int fd, efd;
	char dir[256], mnt[300], path[320];
	struct io_uring ring;
	struct t_buf pool;
	unsigned int nq, qid;	/* queues; the queue of the case's thread */
	struct fs_ent ents[FS_MAX_ENTS];
	int nr_ents, armed;	/* armed: the entry armed by fs_arm*(), or -1 */
	const char *armed_by;	/* the command submitted just before the change */
	bool arm_fsync;		/* fs_arm_commit(): arm at the FSYNC's commit */
	bool early;		/* ...whose next request came at that commit's issue */
	enum t_change change;
	bool changed, emptied;	/* the slot was changed / is empty now */
	bool mounted, running;
	bool zc;		/* fs_start_zc(): the case's queue is zero-copy */
	int zc_res;		/* ...its ADD_QUEUE's error, if it failed */
	int zc_pipe[2];		/* where READ_FIXED/WRITE_FIXED move zero-copy data */
	uint32_t zc_len;	/* ...the bytes the last one must move */
	uint8_t file[FS_FILE_LEN];
	struct fs_seen seen;
	char err[256];		/* the server's own failure, if any */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ctl;		/* pending control request, 0 when done */
};

/*
 * Mount and serve: 0, or a skip/fail verdict already reported. Mounts
 * under $FIXBUF_FUSE_DIR (the harness unmounts what is left there).
 */
int fs_start(struct fs_srv *s);
/*
 * The same with the case's queue in zero-copy mode (FUSE_URING_ZERO_COPY,
 * CAP_SYS_ADMIN) and the file opened with FOPEN_IO_URING_ZERO_COPY: the
 * kernel registers a READ's or WRITE's pages in the entry's slot
 * (FS_ZC_IDX, +1 for fs_arm() entries) in task work and unregisters them
 * during the COMMIT_AND_FETCH's issue. The server moves the data with a
 * READ_FIXED/WRITE_FIXED on that slot through a pipe, submitted in the same
 * batch as that commit, ahead of it and unlinked. 0, or a skip (no zero
 * copy on this kernel, no CAP_SYS_ADMIN) / fail verdict.
 */
int fs_start_zc(struct fs_srv *s);
/* Wait until the server handled everything that completed before; 0 or fail. */
int fs_sync(struct fs_srv *s);
/*
 * Register one more entry on the case's queue, then change the pool's
 * slot (@change; T_NR_CHANGES: leave it) right after that submit. The
 * next request is carried by that entry. 0 or a fail verdict.
 */
int fs_arm(struct fs_srv *s, enum t_change change);
/*
 * The same after a COMMIT_AND_FETCH: fsync(@fd) sends a FUSE_FSYNC, whose
 * reply carries no payload, so that commit reads nothing through the pool
 * (stock 7.3 looks nothing up at its issue). The server changes the slot
 * right after submitting it; the entry goes back to the available list
 * and carries the next request, dispatched later in task work. 0, or a
 * fail verdict ("path not taken" when that entry did not park).
 */
int fs_arm_commit(struct fs_srv *s, int fd, enum t_change change);
/* Read or write the whole file at offset 0 through @fd: bytes or -errno. */
long fs_io(int fd, bool write, uint8_t *buf);
/*
 * Write then read the file once before any change, so the lazy requests
 * (GETXATTR, ...) are done and the entry is warm. 0 or a fail verdict.
 */
int fs_warm(struct fs_srv *s, int fd);
/* Unmount, stop the server, free everything; safe on every path. */
void fs_stop(struct fs_srv *s);

#endif
