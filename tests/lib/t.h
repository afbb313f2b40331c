/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The suite's test library: a KTAP case runner (kselftest conventions)
 * and small t_-style helpers for rings, buffer tables, pattern buffers,
 * loopback sockets and tracefs evidence.
 */
#ifndef FIXBUF_T_H
#define FIXBUF_T_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "compat.h"

/* Case verdicts double as kselftest exit codes. */
enum { T_PASS = 0, T_FAIL = 1, T_SKIP = 4 };

/* ---- runner (ktap.c) ---------------------------------------------- */

typedef int (*t_fn)(const void *variant);

/* Register a case; the variant is copied. Names read like paths. */
void t_add(t_fn fn, const void *variant, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Declare what the harness must set up (blktests style), e.g.
 * "device nvme-loop"; -r prints the list, one per line.
 */
void t_require(const char *what);
/*
 * "DEVICE VAR" (VAR? when optional): a variable the setup of requirement
 * "device DEVICE" exports and this program reads; -r prints "reads: " lines,
 * and the harness fails a setup that leaves one out or exports one not listed.
 */
void t_reads(const char *what);
/* Run the registered cases: -l lists them, FIXBUF_FILTER=<glob> selects. */
int t_main(int argc, char **argv);

const char *t_name(void);
/* Diagnosis line for the running case; t_fail/t_skip return the verdict. */
void t_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int t_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int t_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- rings and buffer tables (ring.c) ----------------------------- */

/* 0, or a skip/fail verdict already reported with the reason. */
int t_ring(struct io_uring *ring, unsigned int flags);
int t_need_op(struct io_uring *ring, int opcode, const char *name);
/* A sparse table of @nr slots, with no buffers in it. */
int t_table(struct io_uring *ring, unsigned int nr);
/* Point slot @idx at [addr, addr+len); NULL/0 empties it. 0 or -errno. */
int t_table_set(struct io_uring *ring, unsigned int idx, void *addr, size_t len);
/*
 * The same, with a tag: a CQE with user_data @tag is posted when the
 * kernel drops its last reference to this registration (pages unpinned).
 */
int t_table_set_tag(struct io_uring *ring, unsigned int idx, void *addr,
		    size_t len, uint64_t tag);
/* Copy out the next CQE (waiting at most @ms); 0 or -ETIME. */
int t_wait_cqe(struct io_uring *ring, struct io_uring_cqe *out, unsigned int ms);
/* Copy out a CQE if one is posted already, without entering the kernel. */
bool t_peek_cqe(struct io_uring *ring, struct io_uring_cqe *out);

/*
 * What came back for request @ud: its result CQE, its zero-copy
 * notification (announced by IORING_CQE_F_MORE), and the user_data of
 * any other CQE seen meanwhile (buffer tags).
 */
#define T_MAX_OTHER 8
struct t_done {
	uint64_t ud, want_other;
	struct io_uring_cqe res;
	bool have_res, notif;
	uint64_t other[T_MAX_OTHER];
	int nr_other;
};

/*
 * Hand every CQE posted so far to @fn, without entering the kernel. @fn
 * sees the CQE in the ring, whole (a 32-byte CQE's big_cqe too).
 */
typedef void (*t_cqe_fn)(const struct io_uring_cqe *cqe, void *arg);
void t_cqe_peek(struct io_uring *ring, t_cqe_fn fn, void *arg);
/* Hand CQEs to @fn until @done(@arg) holds; at most @ms for each. 0 or -ETIME. */
int t_cqe_until(struct io_uring *ring, t_cqe_fn fn, bool (*done)(void *arg),
		void *arg, unsigned int ms);

/* Collect CQEs posted at submit without entering the kernel; true once
 * the result is in. */
bool t_reap_early(struct io_uring *ring, uint64_t ud, struct t_done *d);
/* Wait (at most @ms per CQE) until the result and any notification are in. */
int t_reap(struct io_uring *ring, uint64_t ud, struct t_done *d, unsigned int ms);
bool t_done_complete(const struct t_done *d);
/* Wait until a CQE with user_data @other has been seen. 0 or -ETIME. */
int t_reap_other(struct io_uring *ring, uint64_t ud, struct t_done *d,
		 uint64_t other, unsigned int ms);

/* ---- pattern buffers (buf.c) -------------------------------------- */

/*
 * A buffer at a fixed virtual address @addr whose pages can be swapped
 * (t_buf_remap) while a second view, @orig, keeps the original pages in
 * sight: a late table lookup shows up as I/O into or out of the new pages.
 */
struct t_buf {
	uint8_t *addr;
	uint8_t *orig;
	size_t len;
	int fd;
};

enum t_pat { T_ORIG, T_REPL, T_POISON };

int t_buf_map(struct t_buf *b, size_t len, enum t_pat fill);
int t_buf_remap(struct t_buf *b, enum t_pat fill);
void t_buf_unmap(struct t_buf *b);
void t_pat_fill(uint8_t *p, size_t len, enum t_pat pat);
/* @n iovecs over @p: segment i is [cut[i], cut[i + 1]) (@cut has n + 1). */
void t_iov_split(struct iovec *iov, uint8_t *p, const size_t *cut, int n);
/*
 * True when @p holds @want. Otherwise @desc says which pattern lies at
 * which offsets, e.g. "the replacement bytes at offsets 0-4095".
 */
bool t_pat_check(const uint8_t *p, size_t len, enum t_pat want,
		 char *desc, size_t desclen);

/* ---- the table change under a parked request (slot.c) ------------ */

enum t_change { T_SLOT_EMPTIED, T_SLOT_REMAPPED, T_NR_CHANGES };
extern const char *const t_change_name[T_NR_CHANGES];

/*
 * Change slot @idx while the request naming it is parked: empty it, or
 * map new pages holding @fill at the same address (t_buf_remap) and
 * register them in the slot. 0 or a fail verdict.
 */
int t_slot_change(struct io_uring *ring, unsigned int idx, struct t_buf *b,
		  enum t_change ch, enum t_pat fill);
/* The request's result: -EFAULT after emptying is the late lookup. */
int t_verdict_res(int res, enum t_change ch, const char *what);
/* What left the buffer (@who, e.g. "the peer received") must be the original bytes. */
int t_verdict_out(const uint8_t *p, size_t len, const char *who);
/* What came in must have landed in the pages registered at submit. */
int t_verdict_in(const struct t_buf *b, enum t_change ch);

/* ---- loopback sockets (net.c) ------------------------------------- */

struct t_socks {
	int tx, rx;
	bool stream;
};

/* kind: tcp4 tcp6 udp4 udp6. @small shrinks buffers so filling is quick. */
int t_socks(struct t_socks *s, const char *kind, bool small);
/* t_socks for a case: 0, or the skip (no such loopback) or fail verdict. */
int t_socks_case(struct t_socks *s, const char *kind, bool small);
void t_socks_close(struct t_socks *s);
/* Send until the socket refuses more; returns the byte count. */
long t_sock_fill(int fd);
/* Wait until @fd has @len bytes queued for reading. 0 or -ETIME. */
int t_sock_wait_queued(int fd, size_t len, unsigned int ms);
/* Read exactly @len bytes (stream) or one datagram (@len = capacity); a pipe too. */
long t_sock_read(int fd, void *buf, size_t len, bool stream, unsigned int ms);
/* 1 if the peer sees end of stream / no further datagram, else 0. */
int t_sock_nothing_more(int fd, bool stream, unsigned int ms);

/*
 * Reads a stream on its own thread: @skip filler bytes, then @len bytes
 * into @buf. A sender that needs the peer to make room can then finish.
 */
struct t_reader {
	pthread_t thread;
	int fd;
	long skip;
	uint8_t *buf;
	size_t len;
	unsigned int ms;
	long got;
};

int t_reader_start(struct t_reader *r);
long t_reader_join(struct t_reader *r);

/* ---- evidence (trace.c) ------------------------------------------- */

/*
 * A private tracefs instance with the io_uring events that show where a
 * request went. Unavailable (not root, no tracefs) is not an error: the
 * caller then relies on CQE timing alone and says so.
 */
struct t_trace {
	char dir[128];
	bool on;
};

/* Per program (the runner calls them): create / remove the instance. */
void t_trace_setup(void);
void t_trace_teardown(void);
/* Per case: start looking (records of earlier cases never match). */
void t_trace_start(struct t_trace *t);
/*
 * 0 when tracing is on, else a skip verdict "requires tracefs ...": a
 * parked case cannot show it parked without it, and never passes then.
 */
int t_trace_require(const struct t_trace *t);
/* Number of @event records for @user_data, or -1 if tracing is off. */
int t_trace_count(struct t_trace *t, const char *event, uint64_t user_data);
/*
 * Deferred task work that ran on the ring of the request 
 * (io_uring_local_work_run with a non-zero count), or -1 if tracing is off.
 */
int t_trace_deferred(struct t_trace *t, uint64_t user_data);
void t_trace_stop(struct t_trace *t);

/* ---- io-wq barrier (barrier.c) ------------------------------------ */

/*
 * Holds a request that went to io-wq until the test has changed the
 * table: the ring's io-wq gets one bounded worker, made busy with an
 * openat of a FIFO (forced async) that blocks until the test opens the
 * other end. Bounded work queued after it (reads and writes of regular
 * files and block devices, passthrough commands) waits behind it.
 */
struct t_barrier {
	char dir[64], path[80];
	int release_fd;
	uint64_t ud;		/* the openat's user_data */
	bool held, sent, done;
};

/* One bounded io-wq worker, busy with an open of a FIFO: 0 or a verdict. */
int t_barrier_hold(struct io_uring *ring, struct t_barrier *b, uint64_t ud);
/* Open the other end: the worker goes on to what waits. 0 or a verdict. */
int t_barrier_release(struct t_barrier *b);
/* A CQE of the barrier's openat: note it, close the FIFO end it opened. */
bool t_barrier_cqe(struct t_barrier *b, const struct io_uring_cqe *cqe);
void t_barrier_free(struct t_barrier *b);

/* ---- process state (proc.c) --------------------------------------- */

/* VmPin of this process in kB, or -1. */
long t_vmpin_kb(void);
/* Close *@fd if open and mark it closed. */
void t_close(int *fd);

#endif
