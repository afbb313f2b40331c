// SPDX-License-Identifier: GPL-2.0
/* The device contract (dev.h) and attribute files. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "t.h"
#include "dev.h"
#include "fault.h"

const char *t_env(const char *name)
{
	const char *v = name ? getenv(name) : NULL;

	return v && *v ? v : NULL;
}

/* "DEVICE VAR[?]" for t_reads(); lives as long as the program. */
static void reads(const struct t_dev *dev, const char *var, bool optional)
{
	char *what;

	if (!var)
		return;
	if (asprintf(&what, "%s %s%s", dev->name, var, optional ? "?" : "") < 0) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	t_reads(what);
}

void t_require_dev_as(const struct t_dev *dev, const char *args)
{
	static const char *const slow[] = { T_DEV_SLOW_NS, T_DEV_SLOW_WHY, NULL };
	static const char *const io_timeout[] = {
		T_IO_TIMEOUT, T_IO_TIMEOUT_WHY, T_IO_TIMEOUT_TIMES, T_IO_TIMEOUT_QUEUE,
		T_IO_TIMEOUT_MS, T_IO_TIMEOUT_DROP, NULL,
	};
	char *what, *a = strdup(args), *save = NULL;

	if (!a || asprintf(&what, "device %s%s%s", dev->name, *args ? " " : "", args) < 0) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	t_require(what);	/* lives as long as the program */
	reads(dev, dev->node_var, false);
	reads(dev, dev->blk_var, false);
	reads(dev, dev->tags_var, false);
	/* The arguments' variables: one of each pair is exported. */
	for (char *w = strtok_r(a, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		const char *const *v = !strcmp(w, "slow") ? slow :
			!strcmp(w, "io-timeout") ? io_timeout : NULL;

		if (!v) {
			fprintf(stderr, "device %s: unknown argument '%s'\n", dev->name, w);
			exit(2);
		}
		for (; *v; v++)
			reads(dev, *v, true);
	}
	free(a);
}

void t_require_dev(const struct t_dev *dev)
{
	t_require_dev_as(dev, "");
}

void t_require_slow_dev(const struct t_dev *dev)
{
	t_require_dev_as(dev, "slow");
}

int t_dev_env(const struct t_dev *dev, struct t_dev_env *env)
{
	const char *tags = t_env(dev->tags_var);

	env->node = t_env(dev->node_var);
	env->blk = t_env(dev->blk_var);
	env->tags = tags && atoi(tags) > 0 ? (unsigned int)atoi(tags) : 0;
	if (!env->node || (dev->blk_var && !env->blk) ||
	    (dev->tags_var && !env->tags))
		return t_skip("requires device %s (created by harness/run as root)",
			      dev->name);
	return 0;
}

int t_dev_open(const struct t_dev *dev, struct t_dev_fd *d, int blk_mode)
{
	struct t_dev_env env;
	const char *base;
	int ret;

	d->fd = d->blk = -1;
	if ((ret = t_dev_env(dev, &env)))
		return ret;
	d->fd = open(env.node, O_RDWR | O_CLOEXEC);
	/*
	 * Read-only unless asked: closing a block device opened for writing
	 * makes udev probe it, and its reads would take the tags a case
	 * counts on.
	 */
	d->blk = open(env.blk, blk_mode | O_DIRECT | O_CLOEXEC);
	if (d->fd < 0 || d->blk < 0)
		return t_fail("opening %s / %s: %m", env.node, env.blk);
	base = strrchr(env.blk, '/') ? strrchr(env.blk, '/') + 1 : env.blk;
	snprintf(d->blk_name, sizeof(d->blk_name), "%s", base);
	ret = t_queue_uint(d->blk_name, "logical_block_size", &d->lba_size);
	if (ret || !d->lba_size)
		return t_fail("logical_block_size of %s: %s", d->blk_name,
			      strerror(ret ? -ret : EINVAL));
	/* The harness knows the queue it made (a multipath head has none). */
	d->tags = env.tags;
	if (d->tags > 60)
		return t_fail("%s has %u tags: too many to hold (the harness sets a small queue)",
			      d->blk_name, d->tags);
	return dev->probe ? dev->probe(d) : 0;
}

void t_dev_close(struct t_dev_fd *d)
{
	t_close(&d->fd);
	t_close(&d->blk);
}

int t_attr_read(const char *path, char *buf, size_t len)
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

int t_attr_write(const char *path, const char *fmt, ...)
{
	char val[64];
	va_list ap;
	int fd, n, ret = 0;

	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(val))
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, (size_t)n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

int t_queue_uint(const char *blk, const char *attr, unsigned int *val)
{
	char path[128], buf[32], *end;
	unsigned long v;
	int ret;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/%s", blk, attr);
	if ((ret = t_attr_read(path, buf, sizeof(buf))))
		return ret;
	v = strtoul(buf, &end, 10);
	if (end == buf || *end || v > ~0U)
		return -EINVAL;
	*val = (unsigned int)v;
	return 0;
}
