/*
 * A server that registers (or updates) buffer slot 0, issues an I/O on
 * it and then empties the slot, all in one unlinked batch, relies on the
 * I/O resolving slot 0 during its first, non-blocking issue. Each case
 * makes that issue return -EAGAIN before any data moves and empties the
 * slot while the request is parked:
 *  - SEND, RECV, SEND_ZC (plain and vectored) and SENDMSG_ZC with
 *    IORING_RECVSEND_POLL_FIRST: the first issue arms poll. On a
 *    DEFER_TASKRUN ring the retry is task work, which runs only once the
 *    test waits for completions, after the slot was emptied.
 *  - SCSI BSG passthrough: filler commands hold every tag of a slow
 *    scsi_debug disk, so the command's NOWAIT request allocation fails
 *    and it is punted to io-wq.
 * A late lookup finds the slot empty and fails with -EFAULT; an early one
 * transfers the original buffer, which the request keeps pinned. The
 * cases without POLL_FIRST complete inline and are controls.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
/* INCLUDES */

/* From linux/io_uring.h, for an older liburing's copy of it. */
#ifndef IORING_RECVSEND_FIXED_BUF
#define IORING_RECVSEND_FIXED_BUF	0x04U
#endif
#ifndef IORING_SEND_VECTORIZED
#define IORING_SEND_VECTORIZED		0x20U
#endif
#ifndef IORING_URING_CMD_FIXED
#define IORING_URING_CMD_FIXED		0x01U
#endif

enum { CASE_PASS, CASE_FAIL, CASE_SKIP };

#define BUF_LEN		4096
#define WAIT_MS		5000

enum sk_op { OP_SEND, OP_RECV, OP_SEND_ZC, OP_SEND_ZC_VEC, OP_SENDMSG_ZC };

struct sk_case {
	const char *name;
	enum sk_op op;
	bool poll_first;
};

static const struct sk_case sk_cases[] = {
	{ "send",			OP_SEND,	false },
	{ "send_poll_first",		OP_SEND,	true },
	{ "recv",			OP_RECV,	false },
	{ "recv_poll_first",		OP_RECV,	true },
	{ "send_zc",			OP_SEND_ZC,	false },
	{ "send_zc_poll_first",		OP_SEND_ZC,	true },
	{ "send_zc_vec",		OP_SEND_ZC_VEC,	false },
	{ "send_zc_vec_poll_first",	OP_SEND_ZC_VEC,	true },
	{ "sendmsg_zc",			OP_SENDMSG_ZC,	false },
	{ "sendmsg_zc_poll_first",	OP_SENDMSG_ZC,	true },
};

#define NR_SK_CASES	ARRAY_SIZE(sk_cases)
#define NR_CASES	(NR_SK_CASES + 1)

static int tcp_pair(int fds[2])
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(addr);
	int lfd, one = 1;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&addr, len) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len))
		goto err;
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0)
		goto err;
	if (connect(fds[0], (struct sockaddr *)&addr, len)) {
		close(fds[0]);
		goto err;
	}
	fds[1] = accept(lfd, NULL, NULL);
	if (fds[1] < 0) {
		close(fds[0]);
		goto err;
	}
	close(lfd);
	setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
err:
	one = -errno;
	close(lfd);
	return one;
}

/* Reads exactly @len bytes from a stream socket, or fails after WAIT_MS. */
static int read_all(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (poll(&p, 1, WAIT_MS) <= 0)
			return -ETIME;
		n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

static int wait_cqe_ms(struct io_uring *ring, struct io_uring_cqe **cqe)
{
	struct __kernel_timespec ts = {
		.tv_sec = WAIT_MS / 1000,
		.tv_nsec = (WAIT_MS % 1000) * 1000000LL,
	};

	return io_uring_wait_cqe_timeout(ring, cqe, &ts);
}

/* Empties slot 0 of the buffer table: what a server's unregister does. */
static int empty_slot(struct io_uring *ring)
{
	struct iovec none = { .iov_base = NULL, .iov_len = 0 };
	__u64 tag = 0;
	int ret;

	ret = io_uring_register_buffers_update_tag(ring, 0, &none, &tag, 1);
	return ret == 1 ? 0 : (ret < 0 ? ret : -EIO);
}

static void prep_sk(struct io_uring_sqe *sqe, const struct sk_case *c,
		    int fd, char *buf, struct iovec *iov, struct msghdr *msg)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->fd = fd;
	sqe->addr = (unsigned long)buf;
	sqe->len = BUF_LEN;
	sqe->buf_index = 0;
	sqe->ioprio = IORING_RECVSEND_FIXED_BUF;
	if (c->poll_first)
		sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
	iov->iov_base = buf;
	iov->iov_len = BUF_LEN;
	switch (c->op) {
	case OP_SEND:
		sqe->opcode = IORING_OP_SEND;
		break;
	case OP_RECV:
		sqe->opcode = IORING_OP_RECV;
		break;
	case OP_SEND_ZC:
		sqe->opcode = IORING_OP_SEND_ZC;
		break;
	case OP_SEND_ZC_VEC:
		sqe->opcode = IORING_OP_SEND_ZC;
		sqe->addr = (unsigned long)iov;
		sqe->len = 1;
		sqe->ioprio |= IORING_SEND_VECTORIZED;
		break;
	case OP_SENDMSG_ZC:
		sqe->opcode = IORING_OP_SENDMSG_ZC;
		memset(msg, 0, sizeof(*msg));
		msg->msg_iov = iov;
		msg->msg_iovlen = 1;
		sqe->addr = (unsigned long)msg;
		sqe->len = 1;
		break;
	}
	sqe->user_data = 1;
}

/* The request's result; a zero-copy notification CQE is reaped too. */
static int reap_sk(struct io_uring *ring, int *res, char *why, size_t wlen)
{
	struct io_uring_cqe *cqe;
	bool more = false, got = false;
	int ret;

	do {
		ret = wait_cqe_ms(ring, &cqe);
		if (ret) {
			snprintf(why, wlen, "no completion: %s", strerror(-ret));
			return CASE_FAIL;
		}
		if (cqe->flags & IORING_CQE_F_NOTIF) {
			more = false;
		} else {
			*res = cqe->res;
			got = true;
			more = cqe->flags & IORING_CQE_F_MORE;
		}
		io_uring_cqe_seen(ring, cqe);
	} while (!got || more);
	return CASE_PASS;
}

static bool op_supported(const struct sk_case *c)
{
	struct io_uring_probe *p = io_uring_get_probe();
	int op = c->op == OP_SEND ? IORING_OP_SEND :
		 c->op == OP_RECV ? IORING_OP_RECV :
		 c->op == OP_SENDMSG_ZC ? IORING_OP_SENDMSG_ZC :
		 IORING_OP_SEND_ZC;
	bool ok;

	if (!p)
		return false;
	ok = io_uring_opcode_supported(p, op);
	io_uring_free_probe(p);
	return ok;
}

static int run_sk_case(const struct sk_case *c, char *why, size_t wlen)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
	};
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct iovec reg, iov;
	struct msghdr msg;
	char *buf, check[BUF_LEN];
	int fds[2] = { -1, -1 }, ret, res = 0, verdict = CASE_FAIL;
	bool recv = c->op == OP_RECV;

	if (!op_supported(c)) {
		snprintf(why, wlen, "opcode not supported");
		return CASE_SKIP;
	}
	ret = io_uring_queue_init_params(8, &ring, &p);
	if (ret) {
		snprintf(why, wlen, "DEFER_TASKRUN ring: %s", strerror(-ret));
		return ret == -EINVAL ? CASE_SKIP : CASE_FAIL;
	}
	buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		snprintf(why, wlen, "mmap: %s", strerror(errno));
		goto out_ring;
	}
	memset(buf, 'a', BUF_LEN);
	reg.iov_base = buf;
	reg.iov_len = BUF_LEN;
	ret = io_uring_register_buffers(&ring, &reg, 1);
	if (ret) {
		snprintf(why, wlen, "register buffers: %s", strerror(-ret));
		goto out_buf;
	}
	ret = tcp_pair(fds);
	if (ret) {
		snprintf(why, wlen, "loopback TCP pair: %s", strerror(-ret));
		verdict = CASE_SKIP;
		goto out_buf;
	}

	sqe = io_uring_get_sqe(&ring);
	prep_sk(sqe, c, recv ? fds[1] : fds[0], buf, &iov, &msg);
	ret = io_uring_submit(&ring);
	if (ret != 1) {
		snprintf(why, wlen, "submit: %d", ret);
		goto out_socks;
	}
	if (c->poll_first && io_uring_peek_cqe(&ring, &cqe) == 0) {
		/* Completed in its first issue: nothing was parked. */
		snprintf(why, wlen, "request not parked (res %d)", cqe->res);
		verdict = cqe->res == -EINVAL ? CASE_SKIP : CASE_FAIL;
		goto out_socks;
	}
	/* The request is parked now; the server drops its buffer. */
	ret = empty_slot(&ring);
	if (ret) {
		snprintf(why, wlen, "emptying slot 0: %s", strerror(-ret));
		goto out_socks;
	}
	if (recv) {
		memset(check, 'b', BUF_LEN);
		if (send(fds[0], check, BUF_LEN, 0) != BUF_LEN) {
			snprintf(why, wlen, "send to peer: %s", strerror(errno));
			goto out_socks;
		}
	}
	if (reap_sk(&ring, &res, why, wlen) != CASE_PASS)
		goto out_socks;
	if (res == -EINVAL || res == -EOPNOTSUPP) {
		snprintf(why, wlen, "fixed buffers not supported here: %s",
			 strerror(-res));
		verdict = CASE_SKIP;
	} else if (res == -EFAULT) {
		snprintf(why, wlen,
			 "-EFAULT: slot 0 was looked up after it was emptied");
	} else if (res != BUF_LEN) {
		snprintf(why, wlen, "result %d, expected %d", res, BUF_LEN);
	} else if (recv) {
		verdict = memcmp(buf, check, BUF_LEN) ? CASE_FAIL : CASE_PASS;
		snprintf(why, wlen, "received data %s",
			 verdict ? "not in the registered buffer" : "ok");
	} else {
		ret = read_all(fds[1], check, BUF_LEN);
		if (ret)
			snprintf(why, wlen, "peer read: %s", strerror(-ret));
		else if (memcmp(buf, check, BUF_LEN))
			snprintf(why, wlen, "peer got other bytes than sent");
		else
			verdict = CASE_PASS;
	}
out_socks:
	close(fds[0]);
	close(fds[1]);
out_buf:
	munmap(buf, BUF_LEN);
out_ring:
	io_uring_queue_exit(&ring);
	return verdict;
}

/* struct bsg_uring_cmd (linux/bsg.h, v7.2+): the 80 bytes of an SQE128. */
struct bsg_cmd {
	__u64 request;
	__u32 request_len;
	__u32 protocol;
	__u32 subprotocol;
	__u32 max_response_len;
	__u64 response;
	__u64 dout_xferp;
	__u32 dout_xfer_len;
	__u32 dout_iovec_count;
	__u64 din_xferp;
	__u32 din_xfer_len;
	__u32 din_iovec_count;
	__u32 timeout_ms;
	__u8 reserved[12];
};

#define SCSI_DEBUG	"/sys/bus/pseudo/drivers/scsi_debug"
#define BSG_DELAY_NS	"300000000"
#define BSG_LBA		64
#define MAX_FILLERS	512

struct bsg_io {
	unsigned char cdb[10];
	unsigned char sense[32];
};

static void prep_bsg(struct io_uring *ring, int fd, bool write, char *buf,
		     int idx, struct bsg_io *io, __u64 data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	unsigned int blocks = BUF_LEN / 512;
	struct bsg_cmd *cmd;

	/* The ring holds every command of a case: never full here. */
	if (!sqe)
		return;
	cmd = (struct bsg_cmd *)sqe->cmd;

	/* An SQE128 entry: the command takes the second half. */
	memset(sqe, 0, sizeof(*sqe));
	memset(cmd, 0, sizeof(*cmd));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->user_data = data;
	if (idx >= 0) {
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = idx;
	}
	memset(io->cdb, 0, sizeof(io->cdb));
	io->cdb[0] = write ? 0x2a : 0x28;	/* WRITE(10), READ(10) */
	io->cdb[5] = BSG_LBA;
	io->cdb[8] = blocks;
	cmd->request = (unsigned long)io->cdb;
	cmd->request_len = sizeof(io->cdb);
	cmd->response = (unsigned long)io->sense;
	cmd->max_response_len = sizeof(io->sense);
	if (write) {
		cmd->dout_xferp = (unsigned long)buf;
		cmd->dout_xfer_len = BUF_LEN;
	} else {
		cmd->din_xferp = (unsigned long)buf;
		cmd->din_xfer_len = BUF_LEN;
	}
	cmd->timeout_ms = 60000;
}

/* The first scsi_debug disk: its BSG node and its blk-mq depth. */
static int find_scsi_debug(char *node, size_t len, int *depth)
{
	char path[512], *p;
	glob_t g;
	FILE *f;
	int ret;

	if (glob(SCSI_DEBUG "/adapter*/host*/target*/*:*:*:*/block/*", 0,
		 NULL, &g))
		return -ENODEV;
	snprintf(path, sizeof(path), "%s", g.gl_pathv[0]);
	globfree(&g);
	p = strstr(path, "/block/");
	snprintf(node, len, "/sys/block/%s/queue/nr_requests", p + 7);
	f = fopen(node, "r");
	if (!f)
		return -errno;
	ret = fscanf(f, "%d", depth);
	fclose(f);
	if (ret != 1)
		return -EIO;
	*p = '\0';
	p = strrchr(path, '/');
	snprintf(node, len, "/dev/bsg/%s", p + 1);
	return 0;
}

static int write_sysfs(const char *file, const char *val)
{
	int fd = open(file, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Waits for @n CQEs; *res gets the one with user_data 1. */
static int reap_bsg(struct io_uring *ring, int n, int *res, __u64 *res2)
{
	struct io_uring_cqe *cqe;
	int ret;

	while (n--) {
		ret = wait_cqe_ms(ring, &cqe);
		if (ret)
			return ret;
		if (cqe->user_data == 1) {
			*res = cqe->res;
			*res2 = cqe->big_cqe[0];
		}
		io_uring_cqe_seen(ring, cqe);
	}
	return 0;
}

static int run_bsg_case(char *why, size_t wlen)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32,
	};
	static struct bsg_io ios[MAX_FILLERS + 2];
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct iovec reg;
	char node[256], *buf, *filler, check[BUF_LEN];
	int fd, depth, fillers, ret, res = -ETIME, verdict = CASE_FAIL;
	__u64 res2 = 0;

	ret = find_scsi_debug(node, sizeof(node), &depth);
	if (ret) {
		snprintf(why, wlen, "no scsi_debug disk with a BSG node");
		return CASE_SKIP;
	}
	fillers = depth + 1;
	if (fillers > MAX_FILLERS) {
		snprintf(why, wlen, "queue depth %d: load scsi_debug max_queue=1",
			 depth);
		return CASE_SKIP;
	}
	fd = open(node, O_RDWR);
	if (fd < 0) {
		snprintf(why, wlen, "%.64s: %s", node, strerror(errno));
		return CASE_SKIP;
	}
	ret = io_uring_queue_init_params(2 * MAX_FILLERS, &ring, &p);
	if (ret) {
		snprintf(why, wlen, "SQE128 ring: %s", strerror(-ret));
		close(fd);
		return CASE_SKIP;
	}
	buf = mmap(NULL, 2 * BUF_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		snprintf(why, wlen, "mmap: %s", strerror(errno));
		goto out_ring;
	}
	filler = buf + BUF_LEN;
	memset(buf, 'a', BUF_LEN);
	reg.iov_base = buf;
	reg.iov_len = BUF_LEN;
	ret = io_uring_register_buffers(&ring, &reg, 1);
	if (ret) {
		snprintf(why, wlen, "register buffers: %s", strerror(-ret));
		goto out_buf;
	}
	/* Slow completions, so the fillers keep every tag for a while. */
	if (write_sysfs(SCSI_DEBUG "/ndelay", BSG_DELAY_NS)) {
		snprintf(why, wlen, "cannot slow scsi_debug down (ndelay)");
		verdict = CASE_SKIP;
		goto out_buf;
	}
	for (int i = 0; i < fillers; i++)
		prep_bsg(&ring, fd, false, filler, -1,
			 &ios[i], 2);
	prep_bsg(&ring, fd, true, buf, 0, &ios[fillers], 1);
	ret = io_uring_submit(&ring);
	if (ret != fillers + 1) {
		snprintf(why, wlen, "submit: %d", ret);
		goto out_delay;
	}
	if (io_uring_peek_cqe(&ring, &cqe) == 0) {
		snprintf(why, wlen, "a command completed early (res %d)",
			 cqe->res);
		verdict = cqe->res == -EINVAL || cqe->res == -EOPNOTSUPP ?
			  CASE_SKIP : CASE_FAIL;
		reap_bsg(&ring, fillers + 1, &res, &res2);
		goto out_delay;
	}
	/* The write waits in io-wq for a tag; the server drops its buffer. */
	ret = empty_slot(&ring);
	if (ret) {
		snprintf(why, wlen, "emptying slot 0: %s", strerror(-ret));
		reap_bsg(&ring, fillers + 1, &res, &res2);
		goto out_delay;
	}
	ret = reap_bsg(&ring, fillers + 1, &res, &res2);
	if (ret) {
		snprintf(why, wlen, "completions: %s", strerror(-ret));
		goto out_delay;
	}
	if (res == -EFAULT) {
		snprintf(why, wlen,
			 "-EFAULT: slot 0 was looked up after it was emptied");
		goto out_delay;
	}
	if (res || (res2 & 0xff00ff)) {
		snprintf(why, wlen, "write: res %d, SCSI status 0x%llx", res,
			 (unsigned long long)res2);
		goto out_delay;
	}
	/* The data written must be the buffer registered at submit. */
	memset(filler, 0, BUF_LEN);
	write_sysfs(SCSI_DEBUG "/ndelay", "0");
	prep_bsg(&ring, fd, false, filler, -1, &ios[0], 1);
	io_uring_submit(&ring);
	ret = reap_bsg(&ring, 1, &res, &res2);
	memset(check, 'a', BUF_LEN);
	if (ret || res)
		snprintf(why, wlen, "read back: %d %d", ret, res);
	else if (memcmp(filler, check, BUF_LEN))
		snprintf(why, wlen, "the disk holds other bytes than written");
	else
		verdict = CASE_PASS;
out_delay:
	write_sysfs(SCSI_DEBUG "/ndelay", "0");
out_buf:
	munmap(buf, 2 * BUF_LEN);
out_ring:
	io_uring_queue_exit(&ring);
	close(fd);
	return verdict;
}

/* Case @i of NR_CASES: its name, and its verdict with the reason. */
static int run_case(unsigned int i, const char **name, char *why, size_t len)
{
	why[0] = '\0';
	if (i < NR_SK_CASES) {
		*name = sk_cases[i].name;
		return run_sk_case(&sk_cases[i], why, len);
	}
	*name = "scsi_bsg_uring_cmd";
	return run_bsg_case(why, len);
}
