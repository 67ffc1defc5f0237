/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, force-included (-include) into every Kerrighed
 * module by modules/Kbuild.  This is the only file allowed to test
 * LINUX_VERSION_CODE: module code calls the krg_* helpers below and stays
 * free of #if.
 *
 * The target is Debian 12's 6.1.y.  Things the 6.1 stable series already
 * backported need no helper and must be used directly: timer_delete_sync(),
 * timer_shutdown_sync(), get_random_u32_below(), sk->sk_use_task_frag,
 * ITER_SOURCE/ITER_DEST, GENL_REQ_ATTR_CHECK().
 *
 * It includes nothing but <linux/version.h>: anything that pulls in printk.h
 * would define the default pr_fmt before the module file defines its own.
 * So the helpers are macros, expanded where the caller's headers are in scope.
 *
 * Only the 6.1 branches are compile-tested on the build machines (Debian 12
 * ships no newer headers); the newer branches follow the upstream commits
 * named in each comment.
 */
#ifndef _KRG_COMPAT_H
#define _KRG_COMPAT_H

#include <linux/version.h>

/*
 * Generic netlink pre_doit/post_doit receive the split op since 6.2
 * (commit "genetlink: use split ops in pre_doit/post_doit").  Declare the
 * callbacks as
 *	static int x_pre_doit(const struct krg_genl_doit_ops *ops,
 *			      struct sk_buff *skb, struct genl_info *info);
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define krg_genl_doit_ops genl_split_ops
#else
#define krg_genl_doit_ops genl_ops
#endif

/*
 * NL_SET_ERR_MSG_FMT() (formatted extack messages) arrived in 6.2 together
 * with a buffer inside struct netlink_ext_ack.  6.1's extack only points at
 * a message, which must outlive the op: netlink_ack() copies it after the op
 * returned and genl_unlock() ran.  So on 6.1 each call site formats into a
 * static buffer of its own.  Two requests failing at the same call site at
 * the same moment may mix their texts; the buffer's last byte is never
 * written, so the string always stays terminated.  Same 80-byte limit and
 * truncation warning as upstream.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#ifndef NETLINK_MAX_FMTMSG_LEN
#define NETLINK_MAX_FMTMSG_LEN 80
#endif
#define NL_SET_ERR_MSG_FMT(extack, fmt, args...) do {			\
	static char __krg_msg[NETLINK_MAX_FMTMSG_LEN + 1];		\
	struct netlink_ext_ack *__krg_extack = (extack);		\
									\
	if (!__krg_extack)						\
		break;							\
	if (snprintf(__krg_msg, NETLINK_MAX_FMTMSG_LEN,		\
		     "%s" fmt "%s", "", ##args, "") >=			\
	    NETLINK_MAX_FMTMSG_LEN)					\
		net_warn_ratelimited("%s" fmt "%s", "truncated extack: ", \
				     ##args, "\n");			\
	__krg_extack->_msg = __krg_msg;				\
} while (0)
#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...) \
	NL_SET_ERR_MSG_FMT(extack, KBUILD_MODNAME ": " fmt, ##args)
#endif

/*
 * kernel_sendpage() was removed in 6.5; zero-copy sends go through sendmsg()
 * with MSG_SPLICE_PAGES and a bio_vec iterator instead.  Returns the bytes
 * queued or -errno, like both originals.  MSG_SENDPAGE_NOTLAST went away with
 * it: pass MSG_MORE.  6.1.y defines MSG_SPLICE_PAGES (for flag masking) but
 * its TCP ignores it, hence kernel_sendpage() there.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define krg_sock_sendpage(sock, page, offset, size, flags) ({		\
	size_t __krg_size = (size);					\
	struct bio_vec __krg_bvec;					\
	struct msghdr __krg_msg = { .msg_flags = (flags) | MSG_SPLICE_PAGES }; \
									\
	bvec_set_page(&__krg_bvec, (page), __krg_size, (offset));	\
	iov_iter_bvec(&__krg_msg.msg_iter, ITER_SOURCE, &__krg_bvec, 1,	\
		      __krg_size);					\
	sock_sendmsg((sock), &__krg_msg);				\
})
#else
#define krg_sock_sendpage(sock, page, offset, size, flags) \
	kernel_sendpage(sock, page, offset, size, flags)
#endif

/*
 * class_create() lost its owner argument in 6.4
 * (commit "driver core: class: remove module * from class_create()").
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define krg_class_create(name) class_create(name)
#else
#define krg_class_create(name) class_create(THIS_MODULE, name)
#endif

/*
 * get_user_pages_remote() lost its vmas argument in 6.5
 * (commit "mm/gup: remove vmas parameter from get_user_pages_remote()").
 * Callers hold mmap_read_lock(mm), as both versions require.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define krg_get_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked) \
	get_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked)
#else
#define krg_get_user_pages_remote(mm, start, nr_pages, gup_flags, pages, locked) \
	get_user_pages_remote(mm, start, nr_pages, gup_flags, pages, NULL, locked)
#endif

/*
 * vma->vm_flags became read-only in 6.3; writers must call vm_flags_set() /
 * vm_flags_clear() with mmap_write_lock held.  6.1 writes the field.  The
 * krg_ names keep us clear of a future 6.1.y backport of the originals.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define krg_vm_flags_set(vma, flags)	vm_flags_set(vma, flags)
#define krg_vm_flags_clear(vma, flags)	vm_flags_clear(vma, flags)
#else
#define krg_vm_flags_set(vma, flags)	((void)((vma)->vm_flags |= (flags)))
#define krg_vm_flags_clear(vma, flags)	((void)((vma)->vm_flags &= ~(flags)))
#endif

/*
 * from_timer() was renamed timer_container_of() in 6.16 and the old name
 * removed; use the new one everywhere.  The body is token for token the
 * upstream one, so a 6.1.y backport of it redefines it without a warning.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define timer_container_of(var, callback_timer, timer_fieldname)	\
	container_of(callback_timer, typeof(*var), timer_fieldname)
#endif

#endif /* _KRG_COMPAT_H */
