// SPDX-License-Identifier: GPL-2.0
/*
 * Test consumer of krg_comm membership notifiers (tests/comm/comm_notifier.sh).
 *
 * Registers three notifiers, in the order of priorities 20, 30, 10 (so the
 * chain must sort them), and records every call as a line
 *     <seq> <priority> <event> <node>
 * in /sys/kernel/debug/krg_comm_nt/log (writing anything to .../clear
 * empties it).  Event names: up, leaving, down, failed.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <krg_comm/krg_comm.h>

#define NT_MAX_LINES 4096

struct nt_event {
	u32 seq;
	int prio;
	int event;
	u32 node;
};

static DEFINE_MUTEX(nt_lock);
static struct nt_event *nt_log;
static unsigned int nt_count;
static u32 nt_seq;
static struct dentry *nt_dir;

static const char *const nt_names[] = {
	[KRG_COMM_NODE_UP] = "up",
	[KRG_COMM_NODE_LEAVING] = "leaving",
	[KRG_COMM_NODE_DOWN] = "down",
	[KRG_COMM_NODE_FAILED] = "failed",
};

static void nt_notify(struct krg_comm_notifier *nb,
		      enum krg_comm_node_event event, u32 node)
{
	mutex_lock(&nt_lock);
	if (nt_count < NT_MAX_LINES) {
		nt_log[nt_count].seq = nt_seq;
		nt_log[nt_count].prio = nb->priority;
		nt_log[nt_count].event = event;
		nt_log[nt_count].node = node;
		nt_count++;
	}
	nt_seq++;
	mutex_unlock(&nt_lock);
}

static struct krg_comm_notifier nt_nb[] = {
	{ .priority = 20, .notify = nt_notify },
	{ .priority = 30, .notify = nt_notify },
	{ .priority = 10, .notify = nt_notify },
};

static int nt_log_show(struct seq_file *m, void *v)
{
	unsigned int i;
	int ev;

	mutex_lock(&nt_lock);
	for (i = 0; i < nt_count; i++) {
		ev = nt_log[i].event;
		seq_printf(m, "%u %d %s %u\n", nt_log[i].seq, nt_log[i].prio,
			   ev >= 0 && ev < ARRAY_SIZE(nt_names) ? nt_names[ev] : "?",
			   nt_log[i].node);
	}
	mutex_unlock(&nt_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nt_log);

static ssize_t nt_clear_write(struct file *file, const char __user *buf,
			      size_t len, loff_t *ppos)
{
	mutex_lock(&nt_lock);
	nt_count = 0;
	mutex_unlock(&nt_lock);
	return len;
}

static const struct file_operations nt_clear_fops = {
	.owner = THIS_MODULE,
	.write = nt_clear_write,
	.llseek = noop_llseek,
};

static int __init nt_init(void)
{
	int i, ret;

	if (krg_comm_abi() != KRG_COMM_ABI)
		return -EINVAL;
	nt_log = kvcalloc(NT_MAX_LINES, sizeof(*nt_log), GFP_KERNEL);
	if (!nt_log)
		return -ENOMEM;
	nt_dir = debugfs_create_dir("krg_comm_nt", NULL);
	debugfs_create_file("log", 0444, nt_dir, NULL, &nt_log_fops);
	debugfs_create_file("clear", 0200, nt_dir, NULL, &nt_clear_fops);
	for (i = 0; i < ARRAY_SIZE(nt_nb); i++) {
		ret = krg_comm_register_notifier(&nt_nb[i]);
		if (ret)
			goto err;
	}
	return 0;
err:
	while (--i >= 0)
		krg_comm_unregister_notifier(&nt_nb[i]);
	debugfs_remove(nt_dir);
	kvfree(nt_log);
	return ret;
}

static void __exit nt_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(nt_nb); i++)
		krg_comm_unregister_notifier(&nt_nb[i]);
	debugfs_remove(nt_dir);
	kvfree(nt_log);
}

module_init(nt_init);
module_exit(nt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("krg_comm notifier chain test consumer");
