/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_nodemask_t: a set of cluster nodes (ids 0 .. KRG_MAX_NODES - 1).
 *
 * Part of krg_comm's interface (krg_comm.h includes it): every set of nodes
 * that is stored or travels -- members, copysets, home nodes, the targets of
 * a multicast call -- is one of these, never a bare bitmap, and goes on the
 * wire in one format only, the one of KRG_COMM_A_NODE_SET
 * (include/uapi/linux/krg_comm.h): KRG_COMM_NODE_SET_LEN bytes, node n is
 * bit n % 8 of byte n / 8 (struct krg_nodemask_wire).
 *
 * The mask is a struct, so "a = b" copies it and a function taking one
 * cannot be handed a bitmap of the wrong length.  Node numbers out of range
 * are never members: testing one returns false, setting one is a bug
 * (WARN_ON_ONCE, ignored).  No locking: callers protect their masks.
 */
#ifndef _KRG_NODEMASK_H
#define _KRG_NODEMASK_H

#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <uapi/linux/krg_comm.h>

typedef struct krg_nodemask {
	unsigned long bits[BITS_TO_LONGS(KRG_MAX_NODES)];
} krg_nodemask_t;

/* The wire form (little-endian bytes, whatever the host). */
struct krg_nodemask_wire {
	__u8 b[KRG_COMM_NODE_SET_LEN];
};

static inline void krg_nodemask_zero(krg_nodemask_t *m)
{
	bitmap_zero(m->bits, KRG_MAX_NODES);
}

static inline bool krg_nodemask_test(const krg_nodemask_t *m, u32 node)
{
	return node < KRG_MAX_NODES && test_bit(node, m->bits);
}

static inline void krg_nodemask_set(krg_nodemask_t *m, u32 node)
{
	if (!WARN_ON_ONCE(node >= KRG_MAX_NODES))
		__set_bit(node, m->bits);
}

static inline void krg_nodemask_clear(krg_nodemask_t *m, u32 node)
{
	if (node < KRG_MAX_NODES)
		__clear_bit(node, m->bits);
}

/* @m = { @node } */
static inline void krg_nodemask_only(krg_nodemask_t *m, u32 node)
{
	krg_nodemask_zero(m);
	krg_nodemask_set(m, node);
}

static inline bool krg_nodemask_empty(const krg_nodemask_t *m)
{
	return bitmap_empty(m->bits, KRG_MAX_NODES);
}

static inline unsigned int krg_nodemask_weight(const krg_nodemask_t *m)
{
	return bitmap_weight(m->bits, KRG_MAX_NODES);
}

static inline bool krg_nodemask_equal(const krg_nodemask_t *a,
				      const krg_nodemask_t *b)
{
	return !memcmp(a->bits, b->bits, sizeof(a->bits));
}

/* @d = @a & @b, @a | @b, @a & ~@b (@d may be @a or @b). */
static inline void krg_nodemask_and(krg_nodemask_t *d, const krg_nodemask_t *a,
				    const krg_nodemask_t *b)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->bits); i++)
		d->bits[i] = a->bits[i] & b->bits[i];
}

static inline void krg_nodemask_or(krg_nodemask_t *d, const krg_nodemask_t *a,
				   const krg_nodemask_t *b)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->bits); i++)
		d->bits[i] = a->bits[i] | b->bits[i];
}

static inline void krg_nodemask_andnot(krg_nodemask_t *d,
				       const krg_nodemask_t *a,
				       const krg_nodemask_t *b)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->bits); i++)
		d->bits[i] = a->bits[i] & ~b->bits[i];
}

/* The lowest member >= @node, or KRG_MAX_NODES if none. */
static inline u32 krg_nodemask_next(const krg_nodemask_t *m, u32 node)
{
	if (node >= KRG_MAX_NODES)
		return KRG_MAX_NODES;
	return find_next_bit(m->bits, KRG_MAX_NODES, node);
}

static inline u32 krg_nodemask_first(const krg_nodemask_t *m)
{
	return krg_nodemask_next(m, 0);
}

/* Every member of @m in ascending order; @node is a u32. */
#define krg_nodemask_for_each(node, m)					\
	for ((node) = krg_nodemask_first(m); (node) < KRG_MAX_NODES;	\
	     (node) = krg_nodemask_next((m), (node) + 1))

/* ---- wire form ------------------------------------------------------------ */

static inline u8 krg_nodemask_byte(const krg_nodemask_t *m, unsigned int i)
{
	unsigned int bit = 8 * i;

	return (m->bits[bit / BITS_PER_LONG] >> (bit % BITS_PER_LONG)) & 0xff;
}

static inline void krg_nodemask_to_wire(const krg_nodemask_t *m,
					struct krg_nodemask_wire *w)
{
	unsigned int i;

	for (i = 0; i < KRG_COMM_NODE_SET_LEN; i++)
		w->b[i] = krg_nodemask_byte(m, i);
}

/*
 * @len bytes of wire bitmap at @p (a shorter one leaves the higher nodes
 * out, as KRG_COMM_A_NODE_SET allows).  -EINVAL if @len is longer than
 * KRG_COMM_NODE_SET_LEN (and @m is then empty).
 */
static inline int krg_nodemask_from_bytes(krg_nodemask_t *m, const u8 *p,
					  size_t len)
{
	unsigned int i, bit;

	krg_nodemask_zero(m);
	if (len > KRG_COMM_NODE_SET_LEN)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		bit = 8 * i;
		m->bits[bit / BITS_PER_LONG] |=
			(unsigned long)p[i] << (bit % BITS_PER_LONG);
	}
	return 0;
}

static inline void krg_nodemask_from_wire(krg_nodemask_t *m,
					  const struct krg_nodemask_wire *w)
{
	krg_nodemask_from_bytes(m, w->b, sizeof(w->b));
}

/* Membership test straight on the wire form. */
static inline bool krg_nodemask_wire_test(const struct krg_nodemask_wire *w,
					  u32 node)
{
	return node < KRG_MAX_NODES && (w->b[node / 8] & (1U << (node % 8)));
}

#endif /* _KRG_NODEMASK_H */
