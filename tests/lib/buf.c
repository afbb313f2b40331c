// SPDX-License-Identifier: GPL-2.0
/*
 * Pattern buffers. Pages come from a memfd so that they can be mapped
 * twice: at the registered address (swappable with MAP_FIXED) and at a
 * second address that keeps showing the original pages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "t.h"

static const char *const pat_names[] = {
	[T_ORIG] = "the original bytes",
	[T_REPL] = "the replacement bytes",
	[T_POISON] = "the untouched fill",
};

/* Every offset differs between patterns, so each byte tells its origin. */
static uint8_t pat_byte(enum t_pat pat, size_t off)
{
	uint8_t base = (uint8_t)(off * 31 + (off >> 12) * 17 + 1);

	switch (pat) {
	case T_ORIG:
		return base;
	case T_REPL:
		return base ^ 0x5a;
	default:
		return base ^ 0xa5;
	}
}

void t_pat_fill(uint8_t *p, size_t len, enum t_pat pat)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat_byte(pat, i);
}

static int classify(const uint8_t *p, size_t i)
{
	for (int pat = T_ORIG; pat <= T_POISON; pat++)
		if (p[i] == pat_byte(pat, i))
			return pat;
	return -1;
}

bool t_pat_check(const uint8_t *p, size_t len, enum t_pat want,
		 char *desc, size_t desclen)
{
	size_t i = 0, used = 0, runs = 0;

	desc[0] = '\0';
	while (i < len) {
		int cls = classify(p, i);
		size_t start = i;

		while (i < len && classify(p, i) == cls)
			i++;
		if (cls == (int)want)
			continue;
		if (++runs > 4) {
			snprintf(desc + used, desclen - used, "; ...");
			break;
		}
		used += snprintf(desc + used, desclen - used,
				 "%s%s at offsets %zu-%zu", used ? "; " : "",
				 cls < 0 ? "bytes of no known pattern" :
				 pat_names[cls], start, i - 1);
		if (used >= desclen)
			break;
	}
	return runs == 0;
}

static void *map_pages(int fd, size_t len, void *at)
{
	int flags = MAP_SHARED | (at ? MAP_FIXED : 0);

	return mmap(at, len, PROT_READ | PROT_WRITE, flags, fd, 0);
}

static int new_pages(size_t len, enum t_pat fill)
{
	int fd = memfd_create("fixbuf", 0);
	uint8_t *p;

	if (fd < 0 || ftruncate(fd, (off_t)len))
		goto err;
	p = map_pages(fd, len, NULL);
	if (p == MAP_FAILED)
		goto err;
	t_pat_fill(p, len, fill);
	munmap(p, len);
	return fd;
err:
	if (fd >= 0)
		close(fd);
	return -errno;
}

int t_buf_map(struct t_buf *b, size_t len, enum t_pat fill)
{
	b->len = len;
	b->fd = new_pages(len, fill);
	if (b->fd < 0)
		return b->fd;
	b->addr = map_pages(b->fd, len, NULL);
	b->orig = map_pages(b->fd, len, NULL);
	if (b->addr == MAP_FAILED || b->orig == MAP_FAILED)
		return -errno;
	return 0;
}

int t_buf_remap(struct t_buf *b, enum t_pat fill)
{
	int fd = new_pages(b->len, fill);
	void *p;

	if (fd < 0)
		return fd;
	/* Same virtual address, new pages: only a fresh lookup sees them. */
	p = map_pages(fd, b->len, b->addr);
	close(fd);
	return p == MAP_FAILED ? -errno : 0;
}

void t_buf_unmap(struct t_buf *b)
{
	munmap(b->addr, b->len);
	munmap(b->orig, b->len);
	close(b->fd);
}

void t_iov_split(struct iovec *iov, uint8_t *p, const size_t *cut, int n)
{
	for (int i = 0; i < n; i++) {
		iov[i].iov_base = p + cut[i];
		iov[i].iov_len = cut[i + 1] - cut[i];
	}
}
