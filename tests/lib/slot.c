// SPDX-License-Identifier: GPL-2.0
/*
 * The table change made while a request is parked, and the verdicts that
 * tell an early lookup from a late one. Shared by every scenario: a late
 * lookup fails with -EFAULT (slot emptied) or moves the replacement
 * pages' bytes (slot remapped at the same address).
 */
#include <errno.h>
#include <string.h>
#include "t.h"

const char *const t_change_name[T_NR_CHANGES] = {
	[T_SLOT_EMPTIED] = "slot-emptied",
	[T_SLOT_REMAPPED] = "slot-remapped",
};

int t_slot_change(struct io_uring *ring, unsigned int idx, struct t_buf *b,
		  enum t_change ch, enum t_pat fill)
{
	int ret;

	if (ch == T_SLOT_EMPTIED) {
		ret = t_table_set(ring, idx, NULL, 0);
	} else {
		ret = t_buf_remap(b, fill);
		if (!ret)
			ret = t_table_set(ring, idx, b->addr, b->len);
	}
	return ret ? t_fail("changing slot %u: %s", idx, strerror(-ret)) : 0;
}

int t_verdict_res(int res, enum t_change ch, const char *what)
{
	if (res == -EFAULT && ch == T_SLOT_EMPTIED)
		return t_fail("late lookup: -EFAULT (14) after the slot was emptied");
	if (res < 0)
		return t_fail("%s failed: %s (%d)", what, strerror(-res), res);
	return T_PASS;
}

int t_verdict_out(const uint8_t *p, size_t len, const char *who)
{
	char desc[256];

	if (t_pat_check(p, len, T_ORIG, desc, sizeof(desc)))
		return T_PASS;
	return t_fail("late lookup: %s %s", who, desc);
}

int t_verdict_in(const struct t_buf *b, enum t_change ch)
{
	char desc[256], other[256];
	bool moved;

	if (t_pat_check(b->orig, b->len, T_ORIG, desc, sizeof(desc)))
		return T_PASS;
	moved = ch == T_SLOT_REMAPPED &&
		t_pat_check(b->addr, b->len, T_ORIG, other, sizeof(other));
	return t_fail("%sthe pages registered at submit hold %s",
		      moved ? "late lookup: data landed in the replacement pages; " : "",
		      desc);
}
