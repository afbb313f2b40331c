// SPDX-License-Identifier: GPL-2.0
/* Connected loopback socket pairs and blocking-with-deadline helpers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "t.h"

struct kind {
	const char *name;
	int family, type;
};

static const struct kind kinds[] = {
	{ "tcp4", AF_INET, SOCK_STREAM },
	{ "tcp6", AF_INET6, SOCK_STREAM },
	{ "udp4", AF_INET, SOCK_DGRAM },
	{ "udp6", AF_INET6, SOCK_DGRAM },
};

static socklen_t loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	return sizeof(struct sockaddr_in6);
}

/*
 * Small enough that a test fills the socket in a few calls. Not smaller:
 * with 4 KiB buffers a SENDMSG_ZC short send stalled on 6.18 even with
 * plain user memory, which is not what this suite is about.
 */
static void shrink(int fd)
{
	int v = 16384;

	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/* A socket bound to loopback port 0; its address goes to @ss. */
static int bound(const struct kind *k, struct sockaddr_storage *ss,
		 socklen_t *len, bool small)
{
	int fd = socket(k->family, k->type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (small)
		shrink(fd);
	*len = loopback(k->family, ss);
	if (bind(fd, (struct sockaddr *)ss, *len) ||
	    getsockname(fd, (struct sockaddr *)ss, len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int t_socks(struct t_socks *s, const char *kind, bool small)
{
	const struct kind *k = NULL;
	struct sockaddr_storage ss, peer;
	socklen_t len, plen;
	int lfd, one = 1;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, kind))
			k = &kinds[i];
	if (!k)
		return -EINVAL;
	s->stream = k->type == SOCK_STREAM;
	s->tx = s->rx = -1;

	lfd = bound(k, &ss, &len, small);
	if (lfd < 0)
		return lfd;
	if (s->stream && listen(lfd, 1))
		goto err;
	s->tx = bound(k, &peer, &plen, small);
	if (s->tx < 0)
		goto err;
	if (connect(s->tx, (struct sockaddr *)&ss, len))
		goto err;
	if (s->stream) {
		s->rx = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		close(lfd);
		if (s->rx < 0)
			goto err;
		setsockopt(s->tx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else {
		s->rx = lfd;
		if (connect(s->rx, (struct sockaddr *)&peer, plen))
			goto err;
	}
	return 0;
err:
	len = (socklen_t)-errno;
	if (s->rx != lfd)
		close(lfd);
	t_socks_close(s);
	return (int)len;
}

int t_socks_case(struct t_socks *s, const char *kind, bool small)
{
	int ret = t_socks(s, kind, small);

	if (ret == -EAFNOSUPPORT || ret == -EADDRNOTAVAIL)
		return t_skip("no %s loopback: %s", kind, strerror(-ret));
	if (ret)
		return t_fail("socket pair %s: %s", kind, strerror(-ret));
	return 0;
}

void t_socks_close(struct t_socks *s)
{
	t_close(&s->tx);
	t_close(&s->rx);
}

long t_sock_fill(int fd)
{
	static char junk[65536];
	long total = 0;
	ssize_t n;

	/* Until the send buffer and the peer's window are both full. */
	while ((n = send(fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
		total += n;
	return n < 0 && errno == EAGAIN ? total : -errno;
}

static int wait_fd(int fd, short events, unsigned int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ret;

	do {
		ret = poll(&p, 1, (int)ms);
	} while (ret < 0 && errno == EINTR);
	return ret > 0 ? 0 : (ret == 0 ? -ETIME : -errno);
}

int t_sock_wait_queued(int fd, size_t len, unsigned int ms)
{
	struct timespec now, end;
	int queued;

	/*
	 * Loopback delivery may finish in softirq after send() returned;
	 * POLLIN fires on the first bytes, so re-check the count until the
	 * deadline.
	 */
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000 + 1;
	for (;;) {
		if (ioctl(fd, FIONREAD, &queued))
			return -errno;
		if ((size_t)queued >= len)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || wait_fd(fd, POLLIN, ms))
			return -ETIME;
	}
}

long t_sock_read(int fd, void *buf, size_t len, bool stream, unsigned int ms)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (wait_fd(fd, POLLIN, ms))
			return got ? (long)got : -ETIME;
		n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (n < 0 && errno == ENOTSOCK)	/* a pipe: readable, so no wait */
			n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : (long)got;
		got += (size_t)n;
		if (!stream)
			break;
	}
	return (long)got;
}

int t_sock_nothing_more(int fd, bool stream, unsigned int ms)
{
	char c;
	ssize_t n;

	if (!stream)
		return recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
	if (wait_fd(fd, POLLIN, ms))
		return 0;
	n = recv(fd, &c, 1, MSG_DONTWAIT);
	return n == 0;
}

static void *reader_fn(void *arg)
{
	struct t_reader *r = arg;
	static uint8_t junk[65536];
	long left = r->skip;

	while (left > 0) {
		size_t chunk = left < (long)sizeof(junk) ? (size_t)left : sizeof(junk);
		long n = t_sock_read(r->fd, junk, chunk, true, r->ms);

		if (n <= 0) {
			r->got = -1;
			return NULL;
		}
		left -= n;
	}
	r->got = t_sock_read(r->fd, r->buf, r->len, true, r->ms);
	return NULL;
}

int t_reader_start(struct t_reader *r)
{
	r->got = 0;
	return -pthread_create(&r->thread, NULL, reader_fn, r);
}

long t_reader_join(struct t_reader *r)
{
	pthread_join(r->thread, NULL);
	return r->got;
}
