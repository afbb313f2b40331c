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
 * A new device is one harness/lib/dev-<name>.sh and one struct t_dev.
 */
#ifndef FIXBUF_DEV_H
#define FIXBUF_DEV_H

#include <stddef.h>

struct t_dev {
	const char *name;	/* requirement "device <name>" */
	const char *node_var;	/* the node the I/O is issued to */
	const char *blk_var;	/* its block device, for O_DIRECT checks; or NULL */
	const char *tags_var;	/* requests that take every tag; or NULL */
};

/*
 * Set by a device made fast (harness/lib/device.sh, dev_slow): the forcing
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
 * Read the device's variables: 0, or a skip verdict already reported
 * ("requires device <name> (created by harness/run as root)").
 */
int t_dev_env(const struct t_dev *dev, struct t_dev_env *env);

/* ---- attribute files (sysfs, configfs, debugfs) -------------------- */

/* Read one line of @path into @buf (newline dropped). 0 or -errno. */
int t_attr_read(const char *path, char *buf, size_t len);
/* Write a formatted value to @path in one write(). 0 or -errno. */
int t_attr_write(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* /sys/block/<blk>/queue/<attr> as an unsigned number. 0 or -errno. */
int t_queue_uint(const char *blk, const char *attr, unsigned int *val);

#endif
