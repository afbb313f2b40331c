// SPDX-License-Identifier: GPL-2.0
/*
 * ublk zero copy end to end over NVMe passthrough: per block request the
 * server registers the request's pages as slot i, issues an NVMe
 * passthrough command on slot i to the nvme-loop namespace the harness made,
 * and unregisters slot i, in one batch without links. In tags-exhausted,
 * fillers hold every tag, so the command goes to io-wq (traced) and runs
 * after the unregister: nvme_uring_cmd_io() imports the buffer before it
 * allocates (6.15+), so every case passes. inline is the control.
 */
#include "lib/ublk_case.h"

int main(int argc, char **argv)
{
	static const char *const kind[] = { "write", "read" };

	ublk_require(&ublk_tgt_nvme);
	for (int k = 0; k < 2; k++) {
		for (int fill = 1; fill >= 0; fill--) {
			struct ublk_scn s = {
				.ops = &ublk_tgt_nvme, .kind = k ? UBLK_READ : UBLK_WRITE,
				.fillers = fill, .parks = fill,
			};

			t_add(ublk_case, &s, sizeof(s), "ublk/nvme/%s/%s",
			      fill ? "tags-exhausted" : "inline", kind[k]);
		}
	}
	return t_main(argc, argv);
}
