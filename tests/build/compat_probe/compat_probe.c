// SPDX-License-Identifier: GPL-2.0
/*
 * Uses every helper of modules/compat/compat.h once, so a kernel whose
 * headers disagree with a helper fails the build (tests/build/w1_clean.sh).
 * Nothing here runs: the functions are exported only so W=1 keeps quiet.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device/class.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/timer.h>
#include <net/genetlink.h>

struct compat_probe_timer {
	struct timer_list timer;
	int fired;
};

static int compat_probe_pre_doit(const struct krg_genl_doit_ops *ops,
				 struct sk_buff *skb, struct genl_info *info)
{
	if (!info->attrs[1]) {
		NL_SET_ERR_MSG_FMT(info->extack, "attribute %u missing in cmd %u",
				   1, info->genlhdr->cmd);
		return -EINVAL;
	}
	if (!info->attrs[2]) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack, "attribute %d missing", 2);
		return -EINVAL;
	}
	return 0;
}

static void compat_probe_post_doit(const struct krg_genl_doit_ops *ops,
				   struct sk_buff *skb, struct genl_info *info)
{
}

static struct genl_family compat_probe_family __maybe_unused = {
	.name = "krg_compat_probe",
	.pre_doit = compat_probe_pre_doit,
	.post_doit = compat_probe_post_doit,
};

int compat_probe_sendpage(struct socket *sock, struct page *page);
int compat_probe_sendpage(struct socket *sock, struct page *page)
{
	return krg_sock_sendpage(sock, page, 0, PAGE_SIZE, MSG_DONTWAIT | MSG_MORE);
}
EXPORT_SYMBOL_GPL(compat_probe_sendpage);

struct class *compat_probe_class(void);
struct class *compat_probe_class(void)
{
	return krg_class_create("krg_compat_probe");
}
EXPORT_SYMBOL_GPL(compat_probe_class);

long compat_probe_gup(struct mm_struct *mm, unsigned long addr,
		      struct page **page);
long compat_probe_gup(struct mm_struct *mm, unsigned long addr,
		      struct page **page)
{
	int locked = 1;

	return krg_get_user_pages_remote(mm, addr, 1, FOLL_WRITE, page,
					 &locked);
}
EXPORT_SYMBOL_GPL(compat_probe_gup);

void compat_probe_vm_flags(struct vm_area_struct *vma);
void compat_probe_vm_flags(struct vm_area_struct *vma)
{
	krg_vm_flags_set(vma, VM_DONTCOPY);
	krg_vm_flags_clear(vma, VM_DONTCOPY);
}
EXPORT_SYMBOL_GPL(compat_probe_vm_flags);

static void compat_probe_timer_fn(struct timer_list *t)
{
	struct compat_probe_timer *p = timer_container_of(p, t, timer);

	p->fired = 1;
}

void compat_probe_timer_setup(struct compat_probe_timer *p);
void compat_probe_timer_setup(struct compat_probe_timer *p)
{
	timer_setup(&p->timer, compat_probe_timer_fn, 0);
}
EXPORT_SYMBOL_GPL(compat_probe_timer_setup);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Build-only probe of modules/compat/compat.h");
