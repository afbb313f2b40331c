/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ublk scenarios shared by the ublk_zc_* programs: a device served by
 * the zero-copy server (ublk.h) on one back end, and a client that writes,
 * reads, or does both at random with many requests in flight.
 */
#ifndef FIXBUF_UBLK_CASE_H
#define FIXBUF_UBLK_CASE_H

#include "ublk.h"
#include "dev.h"

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
	bool fillers;		/* NVMe: fillers hold every tag around each request */
};

/* A t_fn: run scenario @arg (a struct ublk_scn) in the case process. */
int ublk_case(const void *arg);
/* The requirements of every ublk program: root, device ublk. */
void ublk_require(void);
/* And the nvme-loop namespace (harness/lib/dev-nvme-loop.sh). */
void ublk_require_nvme(void);

/* The NVMe namespace a case serves from (harness: device nvme-loop). */
struct ublk_nvme {
	struct t_dev_fd ns;	/* /dev/ngXnY, /dev/nvmeXnY (O_DIRECT, read-write) */
	uint64_t base;		/* device offset 0 is this byte of the namespace */
};

#endif
