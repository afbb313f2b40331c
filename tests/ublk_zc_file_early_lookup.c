// SPDX-License-Identifier: GPL-2.0
/*
 * ublk zero copy end to end, the control: the server registers each block
 * request's pages in its buffer table, WRITE_FIXED / READ_FIXED them to a
 * file and unregisters them, in one batch without links. The file opcodes
 * resolve the slot at issue on every kernel: every case passes everywhere.
 */
#include "lib/ublk_case.h"

int main(int argc, char **argv)
{
	static const struct { const char *name; enum ublk_kind kind; } k[] = {
		{ "write", UBLK_WRITE }, { "read", UBLK_READ },
		{ "concurrency", UBLK_CONC },
	};

	ublk_require(NULL);
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct ublk_scn s = { .ops = &ublk_tgt_file, .kind = k[i].kind };

		t_add(ublk_case, &s, sizeof(s), "ublk/file/%s", k[i].name);
	}
	return t_main(argc, argv);
}
