// SPDX-License-Identifier: GPL-2.0
/*
 * Evidence that a request really parked: a private tracefs instance
 * (instances/fixbuf-<pid>) recording the io_uring events that mark a
 * poll arm, deferred task work or an io-wq punt. Private, so the global
 * trace buffer and other users of tracefs are left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "t.h"

#define TRACEFS "/sys/kernel/tracing"

static const char *const events[] = {
	"io_uring_submit_req", "io_uring_poll_arm",
	"io_uring_queue_async_work", "io_uring_local_work_run",
};

static int put(const char *dir, const char *file, const char *val)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

void t_trace_start(struct t_trace *t)
{
	char file[128];

	t->on = false;
	snprintf(t->dir, sizeof(t->dir), TRACEFS "/instances/fixbuf-%d",
		 (int)getpid());
	if (mkdir(t->dir, 0700))
		return;
	t->on = !put(t->dir, "buffer_size_kb", "64");
	for (size_t i = 0; t->on && i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(file, sizeof(file), "events/io_uring/%s/enable",
			 events[i]);
		t->on = !put(t->dir, file, "1");
	}
	if (!t->on)
		t_trace_stop(t);
}

/*
 * Calls @fn on each record of @event whose text contains @needle; the
 * argument is the text after the event name. Returns the sum of @fn.
 */
static int scan(struct t_trace *t, const char *event, const char *needle,
		int (*fn)(const char *rec, void *arg), void *arg)
{
	char path[160], line[512], ev[64];
	int n = 0;
	FILE *f;

	if (!t->on)
		return -1;
	snprintf(path, sizeof(path), "%s/trace", t->dir);
	f = fopen(path, "re");
	if (!f)
		return -1;
	snprintf(ev, sizeof(ev), " %s: ", event);
	while (fgets(line, sizeof(line), f)) {
		char *rec = strstr(line, ev);

		if (rec && strstr(rec, needle))
			n += fn(rec + strlen(ev), arg);
	}
	fclose(f);
	return n;
}

static int one(const char *rec, void *arg)
{
	(void)rec, (void)arg;
	return 1;
}

static char *ud_needle(char *buf, size_t len, uint64_t user_data)
{
	snprintf(buf, len, "user_data 0x%" PRIx64 ",", user_data);
	return buf;
}

int t_trace_count(struct t_trace *t, const char *event, uint64_t user_data)
{
	char ud[40];

	return scan(t, event, ud_needle(ud, sizeof(ud), user_data), one, NULL);
}

static int ring_of(const char *rec, void *arg)
{
	/* "ring 00000000c0ffee00, req ..." */
	sscanf(rec, "ring %39[^,]", (char *)arg);
	return 1;
}

static int ran_work(const char *rec, void *arg)
{
	const char *count = strstr(rec, "count ");

	(void)arg;
	return count && atoi(count + 6) > 0;
}

int t_trace_deferred(struct t_trace *t, uint64_t user_data)
{
	char ud[40], ring[40] = "", needle[48];

	if (scan(t, "io_uring_submit_req", ud_needle(ud, sizeof(ud), user_data),
		 ring_of, ring) <= 0 || !ring[0])
		return t->on ? 0 : -1;
	snprintf(needle, sizeof(needle), "ring %s,", ring);
	return scan(t, "io_uring_local_work_run", needle, ran_work, NULL);
}

void t_trace_stop(struct t_trace *t)
{
	/* Removing the instance frees its buffers and disables its events. */
	rmdir(t->dir);
	t->on = false;
}

void t_trace_reap(int pid)
{
	char dir[128];

	snprintf(dir, sizeof(dir), TRACEFS "/instances/fixbuf-%d", pid);
	rmdir(dir);
}
