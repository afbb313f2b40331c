// SPDX-License-Identifier: GPL-2.0
/*
 * Arming the fault injection the harness set up (fault.h). A case arms
 * only what it needs, checks that it fired, and disarms on every path.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "t.h"
#include "dev.h"
#include "fault.h"

int t_io_timeout_get(struct t_io_timeout *f)
{
	const char *on = t_env(T_IO_TIMEOUT), *why = t_env(T_IO_TIMEOUT_WHY);
	const char *drop = t_env(T_IO_TIMEOUT_DROP), *ms = t_env(T_IO_TIMEOUT_MS);

	memset(f, 0, sizeof(*f));
	if (!on || strcmp(on, "1"))
		return t_skip("%s", why ? why :
			      "requires fail_io_timeout on the backing queue (set up by harness/run as root)");
	f->times = t_env(T_IO_TIMEOUT_TIMES);
	f->queue = t_env(T_IO_TIMEOUT_QUEUE);
	if (!f->times || !f->queue || !drop || atoi(drop) <= 0 || !ms || atoi(ms) <= 0)
		return t_fail(T_IO_TIMEOUT "=1 without _TIMES, _QUEUE, _DROP and _MS");
	f->drop = (unsigned int)atoi(drop);
	f->ms = (unsigned int)atoi(ms);
	return 0;
}

void t_io_timeout_reset(void)
{
	const char *on = t_env(T_IO_TIMEOUT), *times = t_env(T_IO_TIMEOUT_TIMES);

	if (on && !strcmp(on, "1") && times)
		t_attr_write(times, "0");
}

int t_io_timeout_arm(struct t_io_timeout *f, unsigned int drop)
{
	int ret;

	if (f->drop > drop)
		f->drop = drop;
	if ((ret = t_attr_read(f->queue, f->old_ms, sizeof(f->old_ms))) ||
	    (ret = t_attr_write(f->queue, "%u", f->ms)))
		return t_fail("setting %s to %u: %s", f->queue, f->ms, strerror(-ret));
	f->shortened = true;
	f->armed = true;
	if ((ret = t_attr_write(f->times, "%u", f->drop)))
		return t_fail("arming %s: %s", f->times, strerror(-ret));
	return 0;
}

int t_io_timeout_left(struct t_io_timeout *f)
{
	char left[32];
	int ret;

	if ((ret = t_attr_read(f->times, left, sizeof(left))))
		return t_fail("reading %s: %s", f->times, strerror(-ret));
	f->left = atoi(left);
	return 0;
}

void t_io_timeout_disarm(struct t_io_timeout *f)
{
	int ret;

	if (f->armed && (ret = t_attr_write(f->times, "0")))
		t_note("disarming %s: %s", f->times, strerror(-ret));
	if (f->shortened && (ret = t_attr_write(f->queue, "%s", f->old_ms)))
		t_note("restoring %s to %s: %s", f->queue, f->old_ms, strerror(-ret));
	f->armed = f->shortened = false;
}

int t_fail_function_get(struct t_fail_function *f, const char *func)
{
	const char *on = t_env(T_FAIL_FUNCTION), *why = t_env(T_FAIL_FUNCTION_WHY);

	memset(f, 0, sizeof(*f));
	if (!on || strcmp(on, func))
		return t_skip("%s", why ? why :
			      "requires fail_function (set up by harness/run as root)");
	f->func = func;
	f->times = t_env(T_FAIL_FUNCTION_TIMES);
	if (!f->times)
		return t_fail(T_FAIL_FUNCTION "=%s without " T_FAIL_FUNCTION_TIMES, func);
	return 0;
}

/* task-filter=Y: only a task whose own make-it-fail is 1 can fail. */
static int make_it_fail(int on)
{
	return t_attr_write("/proc/thread-self/make-it-fail", "%d", on);
}

int t_fail_function_arm(struct t_fail_function *f)
{
	int ret;

	f->armed = true;
	if ((ret = t_attr_write(f->times, "1")) || (ret = make_it_fail(1)))
		return t_fail("arming fail_function on %s: %s", f->func, strerror(-ret));
	return 0;
}

int t_fail_function_fired(struct t_fail_function *f)
{
	char left[32];
	int ret;

	make_it_fail(0);
	ret = t_attr_read(f->times, left, sizeof(left));
	t_fail_function_disarm(f);
	if (ret)
		return t_fail("reading %s: %s", f->times, strerror(-ret));
	if (strcmp(left, "0"))
		return t_fail("path not taken: fail_function on %s did not fire (times still %s)",
			      f->func, left);
	return 0;
}

void t_fail_function_disarm(struct t_fail_function *f)
{
	int ret;

	if (!f->armed)
		return;
	make_it_fail(0);
	if ((ret = t_attr_write(f->times, "0")))
		t_note("disarming %s: %s", f->times, strerror(-ret));
	f->armed = false;
}

#define FAIL_NTH	"/proc/thread-self/fail-nth"

int t_fail_nth_get(struct t_fail_nth *f)
{
	const char *on = t_env(T_FAIL_NTH), *why = t_env(T_FAIL_NTH_WHY);

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (!on || strcmp(on, "1"))
		return t_skip("%s", why ? why :
			      "requires fail-nth (set up by harness/run as root)");
	f->fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (f->fd < 0)
		return t_fail("opening " FAIL_NTH ": %m");
	return 0;
}

int t_fail_nth_arm(struct t_fail_nth *f, unsigned int nth)
{
	char val[16];
	int n = snprintf(val, sizeof(val), "%u", nth);

	f->nth = nth;
	f->armed = true;
	if (pwrite(f->fd, val, (size_t)n, 0) != n)
		return t_fail("writing %u to " FAIL_NTH ": %m", nth);
	return 0;
}

int t_fail_nth_disarm(struct t_fail_nth *f, unsigned int *left)
{
	/* On the stack, in use already: the read faults no page in. */
	char val[16] = "";
	ssize_t n;

	n = pread(f->fd, val, sizeof(val) - 1, 0);
	if (pwrite(f->fd, "0", 1, 0) != 1)
		return t_fail("writing 0 to " FAIL_NTH ": %m");
	f->armed = false;
	if (n <= 0)
		return t_fail("reading " FAIL_NTH " back: %m");
	val[n] = '\0';
	*left = (unsigned int)strtoul(val, NULL, 10);
	return 0;
}

void t_fail_nth_put(struct t_fail_nth *f)
{
	unsigned int left;

	if (f->fd < 0)
		return;
	if (f->armed)
		t_fail_nth_disarm(f, &left);
	t_close(&f->fd);
}
