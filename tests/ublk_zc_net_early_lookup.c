// SPDX-License-Identifier: GPL-2.0
/*
 * ublk zero copy end to end over the network: per block request the server
 * registers the request's pages as slot i, sends them to (or receives them
 * from) a loopback TCP sink on slot i, and unregisters slot i, in one
 * batch without links. With IORING_RECVSEND_POLL_FIRST the send / recv
 * parks before it looks slot i up; a late lookup then finds the slot gone
 * (-EFAULT: an I/O error at the client) or another request's pages (wrong
 * data). The inline cases (no POLL_FIRST) are the controls.
 */
#include "lib/ublk_case.h"

struct variant {
	const char *name;
	unsigned int flags;
	enum ublk_kind kind;
	unsigned int pf;	/* POLL_FIRST on the I/O under test */
};

int main(int argc, char **argv)
{
	static const struct variant v[] = {
		{ "net-send-zc", UBLK_NET_ZC, UBLK_WRITE, UBLK_NET_PF_SEND },
		/* IORING_SEND_VECTORIZED: the slot as two iovecs (7.1+) */
		{ "net-send-zc-vec", UBLK_NET_ZC | UBLK_NET_VEC, UBLK_WRITE, UBLK_NET_PF_SEND },
		{ "net-send-fixed", 0, UBLK_WRITE, UBLK_NET_PF_SEND },
		{ "net-recv-fixed", 0, UBLK_READ, UBLK_NET_PF_RECV },
		/* writes SEND_ZC, reads RECV fixed, both parked */
		{ "net-send-zc", UBLK_NET_ZC, UBLK_CONC, UBLK_NET_PF_SEND | UBLK_NET_PF_RECV },
	};
	static const char *const kind[] = { "write", "read", "concurrency" };

	ublk_require(NULL);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (int pf = 1; pf >= 0; pf--) {
			struct ublk_scn s = {
				.ops = &ublk_tgt_net, .kind = v[i].kind, .parks = pf,
				.tgt_flags = v[i].flags | (pf ? v[i].pf : 0),
			};

			t_add(ublk_case, &s, sizeof(s), "ublk/%s/%s/%s", v[i].name,
			      pf ? "poll-first" : "inline", kind[v[i].kind]);
		}
	}
	return t_main(argc, argv);
}
