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
