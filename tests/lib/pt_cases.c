// SPDX-License-Identifier: GPL-2.0
/*
 * The passthrough case matrix: direction x plain/vectored x parking x
 * table change, named <dev>/<read|write>[v]/<parking>/<change>.
 */
#include "pt.h"

static const char *const park_name[PT_NR_PARKS] = {
	[PARK_INLINE] = "inline",
	[PARK_TAGS] = "tags-exhausted",
	[PARK_FAULT] = "fault-timeout",
	[PARK_ALLOC] = "alloc-fault",
};

int pt_main(const struct pt_dev_ops *ops, int argc, char **argv)
{
	struct pt_case c = { .ops = ops };

	/*
	 * Where it cannot be set up, only the alloc-fault cases skip; where
	 * it can, the device is made fast (harness/lib/device.sh, dev_slow).
	 */
	t_require("fault " PT_ALLOC_FUNC);
	t_require_dev_as(ops->dev, ops->io_timeout ? "slow io-timeout" : "slow");
	for (int w = 1; w >= 0; w--)
		for (int v = 0; v <= (int)ops->vectored; v++)
			for (int p = PARK_INLINE; p < PT_NR_PARKS; p++)
				for (int ch = 0; ch < T_NR_CHANGES; ch++) {
					if (p == PARK_FAULT && !ops->io_timeout)
						continue;
					c.write = w;
					c.vec = v;
					c.park = p;
					c.change = ch;
					t_add(pt_run, &c, sizeof(c), "%s/%s%s/%s/%s",
					      ops->name, w ? "write" : "read",
					      v ? "v" : "", park_name[p],
					      t_change_name[ch]);
				}
	pt_sweep_add(ops);
	return t_main(argc, argv);
}
