// SPDX-License-Identifier: GPL-2.0
/*
 * Targets of the read/write scenario that need no device (rw.h): a memfd
 * (shmem: no FMODE_NOWAIT, so io_uring punts to io-wq), and pipes and
 * AF_UNIX sockets, starved (poll) or ready (the inline control).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include "rw.h"

int rw_fill_file(int fd, const uint8_t *data, size_t len, const char *what)
{
	ssize_t n = pwrite(fd, data, len, 0);

	if (n == (ssize_t)len)
		return 0;
	return t_fail("writing %zu bytes to %s: %s", len, what,
		      n < 0 ? strerror(errno) : "short write");
}

/*
 * Fill a pipe or socket until a write would block. O_NONBLOCK is set on
 * the file only while filling: io_uring treats it as "never retry".
 */
long rw_fill_nonblock(int fd)
{
	static uint8_t junk[65536];
	int fl = fcntl(fd, F_GETFL);
	long total = 0;
	ssize_t n;
	int err;

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	while ((n = write(fd, junk, sizeof(junk))) > 0)
		total += n;
	err = errno;
	if (fcntl(fd, F_SETFL, fl))
		return -errno;
	return n < 0 && err == EAGAIN ? total : -err;
}

void rw_close_file(struct rw_file *f)
{
	t_close(&f->fd);
	t_close(&f->peer);
}

/* Read exactly @len bytes that are due on a pipe or socket: 0 or -errno. */
static int peer_read_back(struct rw_file *f, uint8_t *out)
{
	long n = t_sock_read(f->peer, out, RW_LEN, true, 5000);

	if (n == RW_LEN)
		return 0;
	return t_fail("reading what was written from the other end: %s",
		      n < 0 ? strerror((int)-n) : "short read");
}

/* ---- memfd: shmem sets no FMODE_NOWAIT, has no ->poll ------------- */

static int memfd_open(struct rw_file *f, bool wr)
{
	uint8_t data[RW_LEN];

	f->fd = memfd_create("fixbuf-rw", MFD_CLOEXEC);
	if (f->fd < 0)
		return t_fail("memfd_create: %m");
	if (wr)
		return 0;
	t_pat_fill(data, RW_LEN, T_ORIG);
	return rw_fill_file(f->fd, data, RW_LEN, "the memfd");
}

static int memfd_read_back(struct rw_file *f, uint8_t *out)
{
	ssize_t n = pread(f->fd, out, RW_LEN, 0);

	return n == RW_LEN ? 0 : t_fail("reading the memfd back: %zd bytes (%m)", n);
}

const struct rw_target rw_memfd = {
	.name = "memfd", .park = RW_IOWQ, .reads = true, .writes = true,
	.open = memfd_open, .read_back = memfd_read_back, .close = rw_close_file,
};

/* ---- pipes and sockets -------------------------------------------- */

/* Two ends: the I/O goes to the one that reads (@write false) or writes. */
static int ends(struct rw_file *f, bool wr, bool sock)
{
	int p[2];

	if (sock ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) :
	    pipe2(p, O_CLOEXEC))
		return t_fail("%s: %m", sock ? "socketpair" : "pipe2");
	/* pipe: p[0] reads, p[1] writes; a socket pair is symmetric. */
	f->fd = wr && !sock ? p[1] : p[0];
	f->peer = wr && !sock ? p[0] : p[1];
	return 0;
}

/* Starved: nothing to read, or filled until a write would block. */
static int starve(struct rw_file *f, bool wr, bool sock)
{
	int ret = ends(f, wr, sock);

	if (ret || !wr)
		return ret;
	f->filled = rw_fill_nonblock(f->fd);
	if (f->filled <= 0)
		return t_fail("filling the %s: %s", sock ? "socket" : "pipe",
			      f->filled ? strerror((int)-f->filled) : "took nothing");
	return 0;
}

static int pipe_open(struct rw_file *f, bool wr)
{
	return starve(f, wr, false);
}

static int unix_open(struct rw_file *f, bool wr)
{
	return starve(f, wr, true);
}

/* Ready: the data to read is there, or the pipe is empty. */
static int pipe_ready_open(struct rw_file *f, bool wr)
{
	uint8_t data[RW_LEN];
	int ret = ends(f, wr, false);

	if (ret || wr)
		return ret;
	t_pat_fill(data, RW_LEN, T_ORIG);
	if (write(f->peer, data, RW_LEN) != RW_LEN)
		return t_fail("writing %d bytes into the pipe: %m", RW_LEN);
	return 0;
}

const struct rw_target rw_pipe = {
	.name = "pipe", .park = RW_POLL, .reads = true, .writes = true,
	.open = pipe_open, .read_back = peer_read_back, .close = rw_close_file,
};

const struct rw_target rw_unix = {
	.name = "unix-socket", .park = RW_POLL, .reads = true, .writes = true,
	.open = unix_open, .read_back = peer_read_back, .close = rw_close_file,
};

const struct rw_target rw_pipe_ready = {
	.name = "pipe-ready", .park = RW_INLINE, .reads = true, .writes = true,
	.open = pipe_ready_open, .read_back = peer_read_back, .close = rw_close_file,
};
