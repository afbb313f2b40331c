// SPDX-License-Identifier: GPL-2.0
/*
 * ublk zero copy with UBLK_F_AUTO_BUF_REG (6.16+): the kernel registers each
 * request's pages at the slot the fetch named before the server sees the
 * request, and unregisters them when the server commits, after its I/O.
 *
 * ublk-auto: no unregister follows the I/O in its batch, so even an I/O
 * that parks (POLL_FIRST) and looks its slot up late finds the request's
 * pages: these pass on kernels with the late lookup too. That is the
 * contrast with ublk_zc_net_early_lookup, not a test that cannot fail: a
 * wrong or missing registration shows as wrong data or an I/O error.
 *
 * ublk-auto-fallback: with UBLK_AUTO_BUF_REG_FALLBACK every other request
 * of a tag names a slot past the table; the kernel refuses it and flags the
 * request UBLK_IO_F_NEED_REG_BUF, and the server serves it with its own
 * register -> I/O -> unregister batch, no links. Those requests meet the
 * late lookup as the plain server's do, in flight next to kernel-registered
 * ones.
 */
#include "lib/ublk_case.h"

struct variant {
	const char *name;
	const struct ublk_tgt_ops *ops;
	unsigned int flags;
	enum ublk_kind kind;
	unsigned int pf;	/* POLL_FIRST on the I/O under test; 0: no poll-first cell */
};

static void add(enum ublk_reg reg, const struct variant *v, size_t n)
{
	static const char *const kind[] = { "write", "read", "concurrency" };

	for (size_t i = 0; i < n; i++) {
		for (int pf = !!v[i].pf; pf >= 0; pf--) {
			struct ublk_scn s = {
				.ops = v[i].ops, .kind = v[i].kind, .parks = pf, .reg = reg,
				.tgt_flags = v[i].flags | (pf ? v[i].pf : 0),
			};

			/* The file back end has no POLL_FIRST: no mode in its name. */
			t_add(ublk_case, &s, sizeof(s), "%s/%s%s/%s",
			      reg == UBLK_REG_AUTO ? "ublk-auto" : "ublk-auto-fallback", v[i].name,
			      v[i].ops == &ublk_tgt_file ? "" : pf ? "/poll-first" : "/inline",
			      kind[v[i].kind]);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct variant aut[] = {
		{ "file", &ublk_tgt_file, 0, UBLK_WRITE, 0 },
		{ "file", &ublk_tgt_file, 0, UBLK_READ, 0 },
		{ "net-send-zc", &ublk_tgt_net, UBLK_NET_ZC, UBLK_WRITE, UBLK_NET_PF_SEND },
		{ "net-recv-fixed", &ublk_tgt_net, 0, UBLK_READ, UBLK_NET_PF_RECV },
	};
	static const struct variant fallback[] = {
		{ "file", &ublk_tgt_file, 0, UBLK_CONC, 0 },
		{ "net-send-zc", &ublk_tgt_net, UBLK_NET_ZC, UBLK_WRITE, UBLK_NET_PF_SEND },
	};
	/* Writes SEND_ZC, reads RECV fixed, both parked; no inline twin. */
	static const struct ublk_scn conc = {
		.ops = &ublk_tgt_net, .kind = UBLK_CONC, .parks = true,
		.reg = UBLK_REG_AUTO_FALLBACK,
		.tgt_flags = UBLK_NET_ZC | UBLK_NET_PF_SEND | UBLK_NET_PF_RECV,
	};

	ublk_require(NULL);
	add(UBLK_REG_AUTO, aut, sizeof(aut) / sizeof(aut[0]));
	add(UBLK_REG_AUTO_FALLBACK, fallback, sizeof(fallback) / sizeof(fallback[0]));
	t_add(ublk_case, &conc, sizeof(conc), "ublk-auto-fallback/net-send-zc/poll-first/concurrency");
	return t_main(argc, argv);
}
