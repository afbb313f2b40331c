// SPDX-License-Identifier: GPL-2.0
/* Rings and the registered buffer table. */
#include <errno.h>
#include <string.h>
#include "t.h"

int t_ring(struct io_uring *ring, unsigned int flags)
{
	struct io_uring_params p = { .flags = flags };
	int ret;

	ret = io_uring_queue_init_params(64, ring, &p);
	if (!ret)
		return 0;
	if (ret == -EINVAL && flags)
		return t_skip("ring flags 0x%x not supported by this kernel",
			      flags);
	if (ret == -ENOSYS || ret == -EPERM)
		return t_skip("io_uring unavailable: %s", strerror(-ret));
	return t_fail("io_uring_queue_init: %s", strerror(-ret));
}

int t_need_op(struct io_uring *ring, int opcode, const char *name)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	bool ok = p && io_uring_opcode_supported(p, opcode);

	io_uring_free_probe(p);
	return ok ? 0 : t_skip("%s not supported by this kernel (probe)", name);
}

int t_table(struct io_uring *ring, unsigned int nr)
{
	int ret = io_uring_register_buffers_sparse(ring, nr);

	if (!ret)
		return 0;
	if (ret == -EINVAL)
		return t_skip("sparse buffer tables not supported by this kernel");
	return t_fail("register sparse buffer table: %s", strerror(-ret));
}

int t_table_set(struct io_uring *ring, unsigned int idx, void *addr, size_t len)
{
	return t_table_set_tag(ring, idx, addr, len, 0);
}

int t_table_set_tag(struct io_uring *ring, unsigned int idx, void *addr,
		    size_t len, uint64_t tag)
{
	struct iovec iov = { .iov_base = addr, .iov_len = len };
	int ret;

	ret = io_uring_register_buffers_update_tag(ring, idx, &iov,
						   (__u64 *)&tag, 1);
	if (ret == 1)
		return 0;
	return ret < 0 ? ret : -EIO;
}

int t_wait_cqe(struct io_uring *ring, struct io_uring_cqe *out, unsigned int ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000LL,
	};
	struct io_uring_cqe *cqe;
	int ret;

	do {
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	} while (ret == -EINTR);
	if (ret)
		return ret;
	*out = *cqe;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

bool t_peek_cqe(struct io_uring *ring, struct io_uring_cqe *out)
{
	struct io_uring_cqe *cqe;

	/*
	 * Read the CQ ring only: io_uring_peek_cqe() may enter the kernel,
	 * which runs pending task work and lets a parked request finish.
	 */
	if (__io_uring_peek_cqe(ring, &cqe, NULL) || !cqe)
		return false;
	*out = *cqe;
	io_uring_cqe_seen(ring, cqe);
	return true;
}

/* Both hand @fn the CQE in the ring itself: a big CQE's tail stays readable. */
void t_cqe_peek(struct io_uring *ring, t_cqe_fn fn, void *arg)
{
	struct io_uring_cqe *cqe;

	/* CQ ring only: entering the kernel would run pending task work. */
	while (!__io_uring_peek_cqe(ring, &cqe, NULL) && cqe) {
		fn(cqe, arg);
		io_uring_cqe_seen(ring, cqe);
	}
}

int t_cqe_until(struct io_uring *ring, t_cqe_fn fn, bool (*done)(void *arg),
		void *arg, unsigned int ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000LL,
	};
	struct io_uring_cqe *cqe;
	int ret;

	while (!done(arg)) {
		do {
			ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
		} while (ret == -EINTR);
		if (ret)
			return -ETIME;
		fn(cqe, arg);
		io_uring_cqe_seen(ring, cqe);
	}
	return 0;
}

/* What one CQE says about request d->ud. */
static void reap_one(const struct io_uring_cqe *cqe, void *arg)
{
	struct t_done *d = arg;

	if (cqe->user_data != d->ud) {
		if (d->nr_other < T_MAX_OTHER)
			d->other[d->nr_other++] = cqe->user_data;
	} else if (cqe->flags & IORING_CQE_F_NOTIF) {
		d->notif = true;
	} else {
		d->res = *cqe;
		d->have_res = true;
	}
}

bool t_done_complete(const struct t_done *d)
{
	return d->have_res && (!(d->res.flags & IORING_CQE_F_MORE) || d->notif);
}

static bool complete(void *arg)
{
	return t_done_complete(arg);
}

int t_reap(struct io_uring *ring, uint64_t ud, struct t_done *d, unsigned int ms)
{
	d->ud = ud;
	return t_cqe_until(ring, reap_one, complete, d, ms);
}

bool t_reap_early(struct io_uring *ring, uint64_t ud, struct t_done *d)
{
	d->ud = ud;
	t_cqe_peek(ring, reap_one, d);
	return d->have_res;
}

static bool other_seen(void *arg)
{
	const struct t_done *d = arg;

	for (int i = 0; i < d->nr_other; i++)
		if (d->other[i] == d->want_other)
			return true;
	return false;
}

int t_reap_other(struct io_uring *ring, uint64_t ud, struct t_done *d,
		 uint64_t other, unsigned int ms)
{
	d->ud = ud;
	d->want_other = other;
	return t_cqe_until(ring, reap_one, other_seen, d, ms);
}
