/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device contract between a test program and harness/run.
 *
 * A program that needs a device names it in one struct t_dev and declares
 * it with t_require_dev(): "requires: device <name>" in its -r output.
 * harness/run sources every harness/lib/dev-<name>.sh and calls
 * dev_<name>_setup (dashes as underscores), which creates the device for
 * this program only (every change on the undo stack) and exports the
 * variables named below, spelled the same in that file, so grep finds
 * both ends. When the setup cannot be done, its one-line reason reaches
 * the program as FIXBUF_UNMET and becomes the skip reason of every case.
 *
 * A new device is one harness/lib/dev-<name>.sh and one struct t_dev; a
 * device more than one program uses has its own tests/lib/dev_<name>.c
 * (its struct t_dev, probe and command encoding), declared below.
 */
#ifndef FIXBUF_DEV_H
#define FIXBUF_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct t_dev_fd;
struct io_uring_sqe;

struct t_dev {
	const char *name;	/* requirement "device <name>" */
	const char *node_var;	/* the node the I/O is issued to */
	const char *blk_var;	/* its block device, for O_DIRECT checks; or NULL */
	const char *tags_var;	/* requests that take every tag; or NULL */
	/* t_dev_open: fill fields beyond the generic ones (nsid); 0 or a verdict. */
	int (*probe)(struct t_dev_fd *d);
};

/*
 * Set by a device asked slow but made fast (harness/lib/device.sh, dev_slow): the forcing
 * modes that hold every tag with fillers on a slow device skip, with this
 * as the reason, where alloc-fault forces the same path (unless SLOW=1).
 */
#define T_DEV_SLOW_WHY	"FIXBUF_SLOW_WHY"
/*
 * Set by a device made slow: its completion delay in ns. No command it is
 * given completes sooner after its submit, so fillers submitted at t hold
 * every tag until t + this at least: what a case that changes the table
 * before then has proven, whatever the machine's load.
 */
#define T_DEV_SLOW_NS	"FIXBUF_SLOW_NS"

/* The values the harness exported for one device. */
struct t_dev_env {
	const char *node;
	const char *blk;	/* NULL when the device has none */
	unsigned int tags;	/* 0 when the device has none */
};

/* A variable the harness exported; NULL when unset or empty. */
const char *t_env(const char *name);
/* Declare the device as a requirement of the program. */
void t_require_dev(const struct t_dev *dev);
/*
 * The same, made slow ("device <name> slow": T_DEV_SLOW_NS), for forcing
 * by fillers; fast with T_DEV_SLOW_WHY where the program's "fault
 * blk_mq_alloc_request" was met (harness/lib/device.sh, dev_slow).
 */
void t_require_slow_dev(const struct t_dev *dev);
/*
 * With arguments: "slow" as above, "io-timeout" for fail_io_timeout on its
 * backing disk (fault.h). Each variable the device's setup may export is
 * listed (t_reads): the harness checks the setup exported exactly those.
 */
void t_require_dev_as(const struct t_dev *dev, const char *args);
/*
 * Read the device's variables: 0, or a skip verdict already reported
 * ("requires device <name> (created by harness/run as root)").
 */
int t_dev_env(const struct t_dev *dev, struct t_dev_env *env);

/* A device with node, block device and tags, opened (t_dev_open). */
struct t_dev_fd {
	int fd;			/* the node taking the I/O */
	int blk;		/* its block device, O_DIRECT */
	char blk_name[32];	/* e.g. nvme1n1 */
	unsigned int lba_size;
	unsigned int nsid;	/* NVMe namespace id */
	unsigned int tags;	/* requests that hold every tag */
};

/*
 * Open the harness's device @dev: its node read-write, its block device
 * O_DIRECT with @blk_mode (O_RDONLY unless the caller writes there), then
 * @dev->probe. 0 or a verdict; t_dev_close() either way.
 */
int t_dev_open(const struct t_dev *dev, struct t_dev_fd *d, int blk_mode);
void t_dev_close(struct t_dev_fd *d);

/* ---- the devices shared by programs (dev_<name>.c) ----------------- */

/* nvme-loop: an NVMe namespace over a null_blk (dev_nvme_loop.c). */
extern const struct t_dev t_dev_nvme_loop;
/*
 * An NVMe read or write of @len bytes at @lba of @d's namespace into a
 * 128-byte SQE: from @addr (a fixed buffer's offset with @idx >= 0), or
 * with @nr_vecs an array of that many iovecs at @addr.
 */
void t_nvme_rw(struct io_uring_sqe *sqe, const struct t_dev_fd *d, bool write,
	       uint64_t lba, uint32_t len, uint64_t addr, unsigned int nr_vecs, int idx);

/* scsi_debug: a SCSI disk (dev_scsi_debug.c), /dev/bsg's node. */
extern const struct t_dev t_dev_scsi_debug;

/* ---- attribute files (sysfs, configfs, debugfs) -------------------- */

/* Read one line of @path into @buf (newline dropped). 0 or -errno. */
int t_attr_read(const char *path, char *buf, size_t len);
/* Write a formatted value to @path in one write(). 0 or -errno. */
int t_attr_write(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* /sys/block/<blk>/queue/<attr> as an unsigned number. 0 or -errno. */
int t_queue_uint(const char *blk, const char *attr, unsigned int *val);

#endif
