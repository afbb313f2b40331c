/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ublk scenarios shared by the ublk_zc_* programs: a device served by
 * the zero-copy server (ublk.h) on one back end, and a client that writes,
 * reads, or does both at random with many requests in flight.
 */
#ifndef FIXBUF_UBLK_CASE_H
#define FIXBUF_UBLK_CASE_H

#include "ublk.h"

enum ublk_kind {
	UBLK_WRITE,	/* client writes; the store must hold the blocks */
	UBLK_READ,	/* the store holds the blocks; the client reads them */
	UBLK_CONC,	/* queues x tags in flight, slots reused, random offsets */
};

/* Client requests of the concurrency case (writes and reads). */
#define UBLK_CONC_IOS	10240

struct ublk_scn {
	const struct ublk_tgt_ops *ops;
	unsigned int tgt_flags;
	bool parks;		/* the data I/O must park: prove it did */
	enum ublk_reg reg;	/* who registers the request's pages (ublk.h) */
	enum ublk_kind kind;
	bool fillers;		/* the back end's force holds its device around each request */
};

/* A t_fn: run scenario @arg (a struct ublk_scn) in the case process. */
int ublk_case(const void *arg);
/* A ublk program's requirements: root, device ublk, and @ops's device (if any). */
void ublk_require(const struct ublk_tgt_ops *ops);

/*
 * A back end's per-block forcing (ublk_tgt_ops.force): the client's blocks
 * @offs, each issued by @io while the back end holds its device.
 */
struct ublk_force {
	struct ublk_dev *d;
	struct t_trace *tr;
	const uint64_t *offs;
	unsigned int nblocks;
	bool write;		/* generation 1 written, else 2 read */
	/* Block @i's client request: 0 or a verdict (wrong data: client_errs). */
	int (*io)(struct ublk_force *f, unsigned int i);
	void *client;
	const unsigned long *client_errs;	/* client requests that went wrong */
	unsigned int held;	/* set by force: requests that held the tags */
};

/* Data I/Os of queue 0 traced going to io-wq so far (the proof of a punt). */
int ublk_data_punts(struct ublk_dev *d, struct t_trace *tr);

#endif
