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

/* The submit event is io_uring_submit_sqe before 6.2, same fields. */
static const char *const submits[] = { "io_uring_submit_req", "io_uring_submit_sqe" };
static const char *const events[] = {
	"io_uring_poll_arm", "io_uring_queue_async_work",
	"io_uring_local_work_run",
};
static const char *submit_ev;

static int open_at(const char *dir, const char *file, int flags)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return open(path, flags | O_CLOEXEC);
}

static int put(const char *dir, const char *file, const char *val)
{
	int fd, ret;

	fd = open_at(dir, file, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, val, strlen(val)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* One instance per test program: creating one costs tens of ms. */
static char inst[128];

void t_trace_setup(void)
{
	char file[128];
	bool ok;

	snprintf(inst, sizeof(inst), TRACEFS "/instances/fixbuf-%d",
		 (int)getpid());
	if (mkdir(inst, 0700)) {
		inst[0] = '\0';
		return;
	}
	ok = !put(inst, "buffer_size_kb", "256");
	submit_ev = NULL;
	for (size_t i = 0; ok && !submit_ev && i < sizeof(submits) / sizeof(submits[0]); i++) {
		snprintf(file, sizeof(file), "events/io_uring/%s/enable",
			 submits[i]);
		if (!put(inst, file, "1"))
			submit_ev = submits[i];
	}
	ok = ok && submit_ev;
	for (size_t i = 0; ok && i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(file, sizeof(file), "events/io_uring/%s/enable",
			 events[i]);
		ok = !put(inst, file, "1");
	}
	if (!ok)
		t_trace_teardown();
}

void t_trace_teardown(void)
{
	/* Removing the instance frees its buffers and disables its events. */
	if (inst[0])
		rmdir(inst);
	inst[0] = '\0';
}

void t_trace_start(struct t_trace *t)
{
	/*
	 * Records accumulate over the cases (emptying the buffer waits for
	 * RCU, ~10 ms a case): user_data carries the case pid, so lines of
	 * earlier cases never match.
	 */
	snprintf(t->dir, sizeof(t->dir), "%s", inst);
	t->on = inst[0];
}

int t_trace_require(const struct t_trace *t)
{
	if (t->on)
		return 0;
	return t_skip("requires tracefs (root, " TRACEFS " with the io_uring events): the proof that the request parked");
}

/* The instance's records, or NULL when tracing is off. */
static FILE *trace_open(struct t_trace *t)
{
	char path[160];

	if (!t->on)
		return NULL;
	snprintf(path, sizeof(path), "%s/trace", t->dir);
	return fopen(path, "re");
}

/*
 * Calls @fn on each record of @event whose text contains @needle; the
 * argument is the text after the event name. Returns the sum of @fn.
 */
static int scan(struct t_trace *t, const char *event, const char *needle,
		int (*fn)(const char *rec, void *arg), void *arg)
{
	char line[512], ev[64];
	FILE *f = trace_open(t);
	int n = 0;

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

int t_trace_deferred(struct t_trace *t, uint64_t user_data)
{
	static const char work[] = " io_uring_local_work_run: ring ";
	char line[512], ud[40], ring[48] = "", submit[64];
	FILE *f = trace_open(t);
	size_t rlen = 0;
	int n = 0;

	if (!f)
		return -1;
	ud_needle(ud, sizeof(ud), user_data);
	snprintf(submit, sizeof(submit), " %s: ring ", submit_ev);
	/*
	 * The request's submit names its ring; only work run on that ring
	 * after it counts (an earlier case's ring may have had the address).
	 */
	while (fgets(line, sizeof(line), f)) {
		char *rec, *cnt;

		if (!ring[0]) {
			rec = strstr(line, submit);
			if (rec && strstr(rec, ud) &&
			    sscanf(rec + strlen(submit), "%40[^,]", ring) == 1)
				rlen = strlen(ring);
			continue;
		}
		rec = strstr(line, work);
		if (!rec)
			continue;
		rec += strlen(work);
		if (strncmp(rec, ring, rlen) || rec[rlen] != ',')
			continue;
		cnt = strstr(rec, "count ");
		n += cnt && atoi(cnt + strlen("count ")) > 0;
	}
	fclose(f);
	return n;
}

void t_trace_stop(struct t_trace *t)
{
	t->on = false;
}
