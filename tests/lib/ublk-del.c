// SPDX-License-Identifier: GPL-2.0
/*
 * ublk-del ID...: stop and delete these ublk devices, for the harness's
 * undo after a ublk program (whatever way it ended: a killed server leaves
 * its device behind). Only ids a program recorded are ever passed here.
 * Exit 0 when every device is gone (deleted now, or already), else 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ublk_ctrl.h"

int main(int argc, char **argv)
{
	struct ublk_ctrl c;
	int ret, bad = 0;

	ret = ublk_ctrl_open(&c);
	if (ret) {
		fprintf(stderr, "ublk-del: %s: %s\n", UBLK_CTRL_DEV, strerror(-ret));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int id = (int)strtoul(argv[i], NULL, 10);

		/* -ENODEV: gone already (the program deleted it itself). */
		ublk_ctrl_stop(&c, id);
		ret = ublk_ctrl_del(&c, id);
		if (ret && ret != -ENODEV) {
			fprintf(stderr, "ublk-del: deleting ublk device %d: %s\n", id, strerror(-ret));
			bad = 1;
		}
	}
	ublk_ctrl_close(&c);
	return bad;
}
