// SPDX-License-Identifier: GPL-2.0
/*
 * Arming the fault injection the harness set up (fault.h). A case arms
 * only what it needs, checks that it fired, and disarms on every path.
 */
#include <stdlib.h>
#include <string.h>
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
