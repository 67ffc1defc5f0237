/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kddm_model shim: the few kernel definitions modules/krg_kddm/protocol.c
 * and its headers use, on top of the C library, for a single-threaded
 * user-space simulator.  Force-included (-include) before every source.
 * Every linux/<x>.h under shim/ just includes this file.
 */
#ifndef _KDDM_MODEL_KCOMPAT_H
#define _KDDM_MODEL_KCOMPAT_H

#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- types (u64 is unsigned long long as in the kernel: %llu) ---------- */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s8 __s8;
typedef s16 __s16;
typedef s32 __s32;
typedef s64 __s64;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;
typedef u16 __be16;
typedef u32 __be32;
typedef u64 __be64;
typedef unsigned int gfp_t;

#define GFP_KERNEL	0u
#define U32_MAX		((u32)~0U)
#define MAX_ERRNO	4095
#define __packed	__attribute__((packed))
#define BITS_PER_LONG	(8 * (int)sizeof(long))

#define cpu_to_le16(x)	((__le16)htole16(x))
#define cpu_to_le32(x)	((__le32)htole32(x))
#define cpu_to_le64(x)	((__le64)htole64(x))
#define le16_to_cpu(x)	((u16)le16toh(x))
#define le32_to_cpu(x)	((u32)le32toh(x))
#define le64_to_cpu(x)	((u64)le64toh(x))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1UL << (n))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define READ_ONCE(x)	(x)
#define struct_size(p, member, n) \
	(sizeof(*(p)) + sizeof((p)->member[0]) * (size_t)(n))
#define EXPORT_SYMBOL_GPL(s)	extern int kddm_model_export_dummy
#define might_sleep()	do { } while (0)

#define IS_ERR_VALUE(x)	((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE(ptr); }
static inline int PTR_ERR_OR_ZERO(const void *ptr)
{ return IS_ERR(ptr) ? (int)PTR_ERR(ptr) : 0; }

/* ---- printk: counted, printed when the simulator asks -------------------- */
extern unsigned long kddm_model_warnings;
extern int kddm_model_verbose;
#define kddm_model_printk(lvl, fmt, ...) do { \
	kddm_model_warnings++; \
	if (kddm_model_verbose) \
		fprintf(stderr, "  [kernel " lvl "] " fmt, ##__VA_ARGS__); \
} while (0)
/* pr_fmt is defined by the source that uses pr_*() (protocol.c does). */
#define pr_warn_ratelimited(fmt, ...)	kddm_model_printk("warn", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_warn(fmt, ...)		kddm_model_printk("warn", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...)		kddm_model_printk("err", pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)		do { } while (0)
#define pr_debug(fmt, ...)		do { } while (0)
#define WARN_ONCE(cond, fmt, ...) ({ \
	bool __c = !!(cond); \
	if (__c) \
		kddm_model_printk("WARNING", fmt, ##__VA_ARGS__); \
	__c; })
#define WARN_ON_ONCE(cond) WARN_ONCE(cond, "%s:%d: WARN_ON_ONCE(%s)\n", \
				     __FILE__, __LINE__, #cond)

/* ---- memory ---------------------------------------------------------------- */
static inline void *kmalloc(size_t n, gfp_t g) { (void)g; return malloc(n ? n : 1); }
static inline void *kzalloc(size_t n, gfp_t g) { (void)g; return calloc(1, n ? n : 1); }
static inline void *kvmalloc(size_t n, gfp_t g) { return kmalloc(n, g); }
static inline void *kvzalloc(size_t n, gfp_t g) { return kzalloc(n, g); }
static inline void kfree(const void *p) { free((void *)p); }
static inline void kvfree(const void *p) { free((void *)p); }

/* ---- bitmaps --------------------------------------------------------------- */
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BIT_WORD(n)		((n) / BITS_PER_LONG)
#define BIT_MASK(n)		(1UL << ((n) % BITS_PER_LONG))
static inline bool test_bit(unsigned long n, const unsigned long *b)
{ return b[BIT_WORD(n)] & BIT_MASK(n); }
static inline void __set_bit(unsigned long n, unsigned long *b)
{ b[BIT_WORD(n)] |= BIT_MASK(n); }
static inline void __clear_bit(unsigned long n, unsigned long *b)
{ b[BIT_WORD(n)] &= ~BIT_MASK(n); }
static inline void bitmap_zero(unsigned long *b, unsigned int n)
{ memset(b, 0, BITS_TO_LONGS(n) * sizeof(long)); }
static inline void bitmap_copy(unsigned long *d, const unsigned long *s, unsigned int n)
{ memcpy(d, s, BITS_TO_LONGS(n) * sizeof(long)); }
static inline bool bitmap_empty(const unsigned long *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (test_bit(i, b))
			return false;
	return true;
}
static inline unsigned int bitmap_weight(const unsigned long *b, unsigned int n)
{
	unsigned int w = 0;

	for (unsigned int i = 0; i < n; i++)
		w += test_bit(i, b);
	return w;
}
static inline unsigned long find_next_bit(const unsigned long *b,
					  unsigned long size, unsigned long n)
{
	for (; n < size; n++)
		if (test_bit(n, b))
			return n;
	return size;
}
#define for_each_set_bit(bit, addr, size) \
	for ((bit) = find_next_bit((addr), (size), 0); (bit) < (size); \
	     (bit) = find_next_bit((addr), (size), (bit) + 1))

/* ---- lists ----------------------------------------------------------------- */
struct list_head { struct list_head *next, *prev; };
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *l) { l->next = l->prev = l; }
static inline void __list_add(struct list_head *n, struct list_head *p,
			      struct list_head *nx)
{ nx->prev = n; n->next = nx; n->prev = p; p->next = n; }
static inline void list_add(struct list_head *n, struct list_head *h)
{ __list_add(n, h, h->next); }
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{ __list_add(n, h->prev, h); }
static inline void list_del(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
	e->next = e->prev = NULL;	/* a use after del crashes */
}
static inline void list_del_init(struct list_head *e)
{ list_del(e); INIT_LIST_HEAD(e); }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_first_entry_or_null(ptr, type, member) \
	(!list_empty(ptr) ? list_first_entry(ptr, type, member) : NULL)
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each_entry(pos, head, member) \
	for (pos = list_first_entry(head, __typeof__(*pos), member); \
	     &pos->member != (head); pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member) \
	for (pos = list_first_entry(head, __typeof__(*pos), member), \
	     n = list_next_entry(pos, member); &pos->member != (head); \
	     pos = n, n = list_next_entry(n, member))

/* ---- hlist / hashtable ------------------------------------------------------ */
struct hlist_head { struct hlist_node *first; };
struct hlist_node { struct hlist_node *next, **pprev; };
static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}
static inline void hlist_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}
#define hlist_entry_safe(ptr, type, member) \
	({ __typeof__(ptr) ____p = (ptr); ____p ? container_of(____p, type, member) : NULL; })
#define hlist_for_each_entry(pos, head, member) \
	for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); pos; \
	     pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))
#define hlist_for_each_entry_safe(pos, n, head, member) \
	for (pos = hlist_entry_safe((head)->first, __typeof__(*pos), member); \
	     pos && ({ n = pos->member.next; 1; }); \
	     pos = hlist_entry_safe(n, __typeof__(*pos), member))

/* Only 7 buckets used: collisions exercise the list walks. */
#define DECLARE_HASHTABLE(name, bits) struct hlist_head name[1 << (bits)]
#define HASH_SIZE(name) (sizeof(name) / sizeof((name)[0]))
#define hash_init(ht) memset((ht), 0, sizeof(ht))
#define hash_add(ht, node, key) \
	hlist_add_head(node, &(ht)[(u64)(key) % 7 % HASH_SIZE(ht)])
#define hash_del(node) hlist_del(node)
#define hash_for_each_possible(ht, obj, member, key) \
	hlist_for_each_entry(obj, &(ht)[(u64)(key) % 7 % HASH_SIZE(ht)], member)
#define hash_for_each_safe(ht, bkt, tmp, obj, member) \
	for ((bkt) = 0; (bkt) < (int)HASH_SIZE(ht); (bkt)++) \
		hlist_for_each_entry_safe(obj, tmp, &(ht)[bkt], member)

/* ---- locks, waits, misc (one thread: a mutex only checks it is not re-taken) */
struct mutex { int held; };
#define DEFINE_MUTEX(m) struct mutex m = { 0 }
#define mutex_init(m) ((m)->held = 0)
void kddm_model_bug(const char *what);
static inline void mutex_lock(struct mutex *m)
{
	if (m->held)
		kddm_model_bug("mutex_lock of a held mutex (self-deadlock)");
	m->held = 1;
}
static inline void mutex_unlock(struct mutex *m)
{
	if (!m->held)
		kddm_model_bug("mutex_unlock of a free mutex");
	m->held = 0;
}
typedef struct { int dummy; } spinlock_t;
#define DEFINE_SPINLOCK(l) spinlock_t l = { 0 }
#define spin_lock_bh(l)		do { (void)(l); } while (0)
#define spin_unlock_bh(l)	do { (void)(l); } while (0)
typedef struct { int counter; } atomic_t;
#define ATOMIC_INIT(i) { (i) }
#define atomic_read(a) ((a)->counter)
#define atomic_set(a, i) ((a)->counter = (i))
typedef struct { long counter; } atomic_long_t;
#define ATOMIC_LONG_INIT(i) { (i) }
#define atomic_long_read(a) ((a)->counter)
#define atomic_long_inc(a) ((a)->counter++)
typedef struct { unsigned long wakeups; } wait_queue_head_t;
#define DECLARE_WAIT_QUEUE_HEAD(w) wait_queue_head_t w = { 0 }
#define init_waitqueue_head(w) ((w)->wakeups = 0)
#define wake_up_all(w) ((w)->wakeups++)
#define wake_up(w) ((w)->wakeups++)
/* The simulator never sleeps: it drives kddm_acquire_try itself. */
#define wait_event_killable_timeout(wq, cond, t) \
	({ (void)(wq); (void)(t); if (0) (void)(cond); \
	   kddm_model_bug("wait_event_killable_timeout called"); 0L; })
struct kref { atomic_t refcount; };
struct completion { unsigned int done; };
struct work_struct { int dummy; };
struct workqueue_struct;
#define jiffies 0UL
#define msecs_to_jiffies(ms) ((unsigned long)(ms))

#endif /* _KDDM_MODEL_KCOMPAT_H */
