// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm_test: the test RPC service of krg_comm (KRG_SVC_COMM_TEST) and
 * its driver, the generic netlink family "krg_comm_test" (command RUN,
 * tests/include/krg_comm_test.h): echo / sink (crc32) / stream / async /
 * multicast / nop / bulk calls between nodes, every reply verified, with
 * timings.  A test module: it uses krg_comm's public interface only and is
 * built for the test bed (tests/comm/Makefile), never with the production
 * modules.
 *
 * Unloading it while a RUN is in progress ends the run early: the
 * family's unregistration waits for the running request, which stops
 * issuing calls and waits for the calls in flight (each has a deadline);
 * async contexts still alive after that keep the unload waiting, since
 * their completions run this module's code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <krg/krg_genl.h>
#include <krg_comm/krg_comm.h>
#include <krg_comm_test.h>

/* Set at unload: runs in progress stop issuing calls. */
static bool krg_test_stopping;
/* Async contexts alive (their completions run our code), for the unload. */
static atomic_t krg_test_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(krg_test_live_wq);

struct krg_test_hdr {
	__le32 op;
	__le32 seed;
};

struct krg_test_result {
	u32 ok, errors, replies;
	int first_error;
	u64 bytes, lat_min, lat_max;
	u32 checksum;
};

static u32 krg_test_crc(const void *data, size_t len)
{
	return crc32_le(~0U, data, len);
}

static void krg_test_handler(struct krg_comm_req *req)
{
	const struct krg_test_hdr *h = req->data;
	const void *data = h + 1;
	size_t len;
	__le32 v;

	if (req->len < sizeof(*h)) {
		krg_comm_reply(req, -EINVAL, NULL, 0);
		return;
	}
	len = req->len - sizeof(*h);
	switch (le32_to_cpu(h->op)) {
	case KRG_COMM_TEST_ECHO:
	case KRG_COMM_TEST_ASYNC_ECHO:
	case KRG_COMM_TEST_MCAST_ECHO:
		krg_comm_reply(req, 0, data, len);
		return;
	case KRG_COMM_TEST_SINK:
	case KRG_COMM_TEST_STREAM:
		v = cpu_to_le32(krg_test_crc(data, len));
		krg_comm_reply(req, 0, &v, sizeof(v));
		return;
	case KRG_COMM_TEST_BULK:
		v = cpu_to_le32(len);
		krg_comm_reply(req, 0, &v, sizeof(v));
		return;
	case KRG_COMM_TEST_NOP:
		krg_comm_reply(req, 0, NULL, 0);
		return;
	}
	krg_comm_reply(req, -EOPNOTSUPP, NULL, 0);
}

static struct krg_comm_service krg_test_service = {
	.id = KRG_SVC_COMM_TEST,
	.handler = krg_test_handler,
};

static void krg_test_fill(u8 *p, size_t len, u32 seed)
{
	u32 x = seed ?: 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x;
	}
}

static void krg_test_error(struct krg_test_result *r, int err)
{
	r->errors++;
	if (!r->first_error)
		r->first_error = err;
}

/* Checks one reply of @op for the payload @data/@len. */
static int krg_test_verify(u32 op, const void *data, size_t len, u32 crc,
			   const void *reply, size_t rlen)
{
	__le32 v;

	switch (op) {
	case KRG_COMM_TEST_ECHO:
	case KRG_COMM_TEST_ASYNC_ECHO:
	case KRG_COMM_TEST_MCAST_ECHO:
		return rlen == len && (!len || !memcmp(reply, data, len)) ?
			0 : -EBADMSG;
	case KRG_COMM_TEST_SINK:
	case KRG_COMM_TEST_STREAM:
	case KRG_COMM_TEST_BULK:
		if (rlen != sizeof(v))
			return -EBADMSG;
		memcpy(&v, reply, sizeof(v));
		return le32_to_cpu(v) == (op == KRG_COMM_TEST_BULK ? len : crc) ?
			0 : -EBADMSG;
	case KRG_COMM_TEST_NOP:
		return rlen ? -EBADMSG : 0;
	}
	return -EINVAL;
}

static bool krg_test_stop(void)
{
	return READ_ONCE(krg_test_stopping) || krg_comm_self() < 0 ||
	       fatal_signal_pending(current);
}

static void krg_test_lat(struct krg_test_result *r, u64 t)
{
	if (!r->lat_min || t < r->lat_min)
		r->lat_min = t;
	if (t > r->lat_max)
		r->lat_max = t;
}

static void krg_test_sync(u32 node, u32 op, const u8 *msg, size_t len,
			  u32 crc, u32 count, unsigned int tmo,
			  struct krg_test_result *r)
{
	size_t dlen = len - sizeof(struct krg_test_hdr), rlen;
	void *reply;
	u64 t0;
	u32 i;
	int ret;

	for (i = 0; i < count && !krg_test_stop(); i++) {
		t0 = ktime_get_ns();
		ret = krg_comm_call(node, KRG_SVC_COMM_TEST, msg, len, &reply,
				    &rlen, tmo);
		krg_test_lat(r, ktime_get_ns() - t0);
		if (!ret)
			ret = krg_test_verify(op, msg + sizeof(struct krg_test_hdr),
					      dlen, crc, reply, rlen);
		kvfree(reply);
		if (ret) {
			krg_test_error(r, ret);
			continue;
		}
		r->ok++;
		r->replies++;
		r->bytes += dlen;
		r->checksum = crc;
	}
}

/* Async echo: shared by every call in flight, freed by the last one. */
struct krg_test_async;

/* Zero-copy runs: one of the buffers calls are sent from, in place. */
struct krg_test_zc {
	struct krg_comm_zc zc;
	struct krg_test_async *a;
	u8 *buf;
	bool busy;			/* krg_comm has it (a->lock) */
};

struct krg_test_async {
	refcount_t ref;
	spinlock_t lock;
	wait_queue_head_t wq;
	u32 inflight;
	u32 op;
	struct krg_test_result r;
	u8 *msg;
	size_t len;
	struct krg_test_zc *zc;		/* zero-copy runs: nzc buffers */
	u32 nzc;
};

static void krg_test_async_put(struct krg_test_async *a)
{
	u32 i;

	if (refcount_dec_and_test(&a->ref)) {
		for (i = 0; i < a->nzc; i++)
			kvfree(a->zc[i].buf);
		kfree(a->zc);
		kvfree(a->msg);
		kfree(a);
		if (atomic_dec_and_test(&krg_test_live))
			wake_up_all(&krg_test_live_wq);
	}
}

static void krg_test_zc_release(struct krg_comm_zc *zc)
{
	struct krg_test_zc *z = container_of(zc, struct krg_test_zc, zc);
	struct krg_test_async *a = z->a;

	spin_lock_bh(&a->lock);
	z->busy = false;
	spin_unlock_bh(&a->lock);
	wake_up_all(&a->wq);
	krg_test_async_put(a);
}

/* A free buffer for the next call (marked busy, holding a ref), or NULL. */
static struct krg_test_zc *krg_test_zc_get(struct krg_test_async *a)
{
	struct krg_test_zc *z = NULL;
	u32 i;

	spin_lock_bh(&a->lock);
	for (i = 0; i < a->nzc && !z; i++)
		if (!a->zc[i].busy)
			z = &a->zc[i];
	if (z) {
		z->busy = true;
		refcount_inc(&a->ref);
	}
	spin_unlock_bh(&a->lock);
	return z;
}

static bool krg_test_zc_idle(struct krg_test_async *a)
{
	bool idle = true;
	u32 i;

	spin_lock_bh(&a->lock);
	for (i = 0; i < a->nzc; i++)
		idle = idle && !a->zc[i].busy;
	spin_unlock_bh(&a->lock);
	return idle;
}

/* Zero-copy runs: @conc buffers, each a copy of the message, filled once. */
static int krg_test_zc_setup(struct krg_test_async *a, u32 conc)
{
	u32 i;

	a->zc = kcalloc(conc, sizeof(*a->zc), GFP_KERNEL);
	if (!a->zc)
		return -ENOMEM;
	for (i = 0; i < conc; i++) {
		a->zc[i].buf = kvmalloc(a->len, GFP_KERNEL);
		if (!a->zc[i].buf)
			return -ENOMEM;	/* freed with a */
		a->nzc++;
		memcpy(a->zc[i].buf, a->msg, a->len);
		a->zc[i].a = a;
		a->zc[i].zc.data = a->zc[i].buf;
		a->zc[i].zc.len = a->len;
		a->zc[i].zc.release = krg_test_zc_release;
	}
	return 0;
}

static void krg_test_async_done(void *ctx, int status, void *reply, size_t rlen)
{
	struct krg_test_async *a = ctx;
	size_t dlen = a->len - sizeof(struct krg_test_hdr);
	int ret = status;

	if (!ret)
		ret = krg_test_verify(a->op, a->msg + sizeof(struct krg_test_hdr),
				      dlen, 0, reply, rlen);
	kvfree(reply);
	spin_lock_bh(&a->lock);
	if (ret) {
		krg_test_error(&a->r, ret);
	} else {
		a->r.ok++;
		a->r.replies++;
		a->r.bytes += dlen;
	}
	a->inflight--;
	spin_unlock_bh(&a->lock);
	wake_up_all(&a->wq);
	krg_test_async_put(a);
}

static bool krg_test_async_below(struct krg_test_async *a, u32 limit)
{
	bool below;

	spin_lock_bh(&a->lock);
	below = a->inflight < limit;
	spin_unlock_bh(&a->lock);
	return below;
}

static int krg_test_async(u32 node, u32 op, u8 *msg, size_t len, u32 count,
			  u32 conc, bool zc, unsigned int tmo,
			  struct krg_test_result *r)
{
	struct krg_test_async *a = kzalloc(sizeof(*a), GFP_KERNEL);
	unsigned long slack = msecs_to_jiffies(tmo) + 5 * HZ;
	u32 i;
	int ret;

	if (!a) {
		kvfree(msg);
		return -ENOMEM;
	}
	atomic_inc(&krg_test_live);
	refcount_set(&a->ref, 1);
	spin_lock_init(&a->lock);
	init_waitqueue_head(&a->wq);
	a->msg = msg;
	a->len = len;
	a->op = op;
	if (zc) {
		ret = krg_test_zc_setup(a, conc);
		if (ret) {
			krg_test_async_put(a);
			return ret;
		}
	}
	for (i = 0; i < count && !krg_test_stop(); i++) {
		struct krg_test_zc *z = NULL;

		/*
		 * Calls end by their deadline, and their buffers are
		 * released by then, so room always comes back.
		 */
		if (!wait_event_timeout(a->wq, krg_test_async_below(a, conc) &&
					(!a->nzc || (z = krg_test_zc_get(a))),
					slack))
			break;
		spin_lock_bh(&a->lock);
		a->inflight++;
		spin_unlock_bh(&a->lock);
		refcount_inc(&a->ref);
		if (z)
			ret = krg_comm_call_async_zc(node, KRG_SVC_COMM_TEST,
						     &z->zc, tmo,
						     krg_test_async_done, a);
		else
			ret = krg_comm_call_async(node, KRG_SVC_COMM_TEST, msg,
						  len, tmo, krg_test_async_done,
						  a);
		if (ret) {
			spin_lock_bh(&a->lock);
			a->inflight--;
			krg_test_error(&a->r, ret);
			spin_unlock_bh(&a->lock);
			refcount_dec(&a->ref);
			/* The target is gone: the run ends, not count failures. */
			if (ret == -EHOSTDOWN || ret == -ESHUTDOWN)
				break;
		}
	}
	wait_event_timeout(a->wq, krg_test_async_below(a, 1) &&
			   krg_test_zc_idle(a), slack);
	spin_lock_bh(&a->lock);
	*r = a->r;
	if (a->inflight) {	/* cannot happen: every call has a deadline */
		r->errors += a->inflight;
		if (!r->first_error)
			r->first_error = -ETIMEDOUT;
	}
	spin_unlock_bh(&a->lock);
	/*
	 * Nor this: krg_comm releases a zero-copy buffer by its call's end.
	 * It would be a bug of krg_comm: reported over any other error.
	 */
	if (!krg_test_zc_idle(a)) {
		r->errors++;
		r->first_error = -EBUSY;
	}
	krg_test_async_put(a);
	return 0;
}

static int krg_test_mcast(const krg_nodemask_t *set, const u8 *msg, size_t len,
			  u32 count, unsigned int tmo, struct krg_test_result *r)
{
	size_t dlen = len - sizeof(struct krg_test_hdr);
	size_t *rlens = kcalloc(KRG_MAX_NODES, sizeof(*rlens), GFP_KERNEL);
	void **replies = kcalloc(KRG_MAX_NODES, sizeof(*replies), GFP_KERNEL);
	int *status = kcalloc(KRG_MAX_NODES, sizeof(*status), GFP_KERNEL);
	bool all_ok;
	u32 i, n;
	u64 t0;
	int ret = 0;

	if (!rlens || !replies || !status) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count && !krg_test_stop(); i++) {
		t0 = ktime_get_ns();
		krg_comm_call_multi(set, KRG_SVC_COMM_TEST, msg, len, tmo, status,
				    replies, rlens);
		krg_test_lat(r, ktime_get_ns() - t0);
		all_ok = true;
		krg_nodemask_for_each(n, set) {
			ret = status[n];
			if (!ret)
				ret = krg_test_verify(KRG_COMM_TEST_MCAST_ECHO,
						      msg + sizeof(struct krg_test_hdr),
						      dlen, 0, replies[n], rlens[n]);
			kvfree(replies[n]);
			replies[n] = NULL;
			if (ret) {
				krg_test_error(r, ret);
				all_ok = false;
			} else {
				r->replies++;
				r->bytes += dlen;
			}
		}
		if (all_ok)
			r->ok++;
	}
	ret = 0;
out:
	kfree(status);
	kfree(replies);
	kfree(rlens);
	return ret;
}

static int krg_test_put(struct sk_buff *skb, const struct krg_test_result *r,
			u64 elapsed)
{
	if (nla_put_u32(skb, KRG_COMM_TEST_A_OK, r->ok) ||
	    nla_put_u32(skb, KRG_COMM_TEST_A_ERRORS, r->errors) ||
	    nla_put_s32(skb, KRG_COMM_TEST_A_FIRST_ERROR, r->first_error) ||
	    nla_put_u32(skb, KRG_COMM_TEST_A_REPLIES, r->replies) ||
	    nla_put_u32(skb, KRG_COMM_TEST_A_CHECKSUM, r->checksum) ||
	    nla_put_u64_64bit(skb, KRG_COMM_TEST_A_ELAPSED_NS, elapsed,
			      KRG_COMM_TEST_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_TEST_A_BYTES, r->bytes,
			      KRG_COMM_TEST_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_TEST_A_LAT_MIN_NS, r->lat_min,
			      KRG_COMM_TEST_A_PAD) ||
	    nla_put_u64_64bit(skb, KRG_COMM_TEST_A_LAT_MAX_NS, r->lat_max,
			      KRG_COMM_TEST_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static u32 krg_attr_u32(struct nlattr **a, int type, u32 def)
{
	return a[type] ? nla_get_u32(a[type]) : def;
}

static int krg_test_run(struct nlattr **a, struct sk_buff *skb,
			struct netlink_ext_ack *extack)
{
	u32 op = nla_get_u32(a[KRG_COMM_TEST_A_OP]);
	u32 size = krg_attr_u32(a, KRG_COMM_TEST_A_SIZE, 16);
	u32 count = krg_attr_u32(a, KRG_COMM_TEST_A_COUNT, 1);
	u32 conc = krg_attr_u32(a, KRG_COMM_TEST_A_CONCURRENCY, 1);
	u32 tmo = krg_attr_u32(a, KRG_COMM_TEST_A_TIMEOUT_MS, 10000);
	u32 seed = krg_attr_u32(a, KRG_COMM_TEST_A_SEED, 1);
	bool zc = nla_get_flag(a[KRG_COMM_TEST_A_ZEROCOPY]);
	krg_nodemask_t set;
	struct krg_test_result r = {};
	struct krg_test_hdr *h;
	size_t len = sizeof(*h) + size;
	u32 node = 0, crc;
	u8 *msg;
	u64 t0;
	int ret = 0;

	if (krg_comm_self() < 0) {
		NL_SET_ERR_MSG(extack, "this node is not configured");
		return -ENOTCONN;
	}
	if (op == KRG_COMM_TEST_NOP)
		size = 0, len = sizeof(*h);
	if (zc && op != KRG_COMM_TEST_ASYNC_ECHO && op != KRG_COMM_TEST_BULK) {
		NL_SET_ERR_MSG_ATTR(extack, a[KRG_COMM_TEST_A_ZEROCOPY],
				    "zero-copy runs are async-echo or bulk");
		return -EINVAL;
	}
	if (zc && len > KRG_COMM_ZC_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, a[KRG_COMM_TEST_A_SIZE],
				    "zero-copy calls carry at most 1 MiB");
		return -EMSGSIZE;
	}
	krg_nodemask_zero(&set);
	if (op == KRG_COMM_TEST_MCAST_ECHO) {
		if (NL_REQ_ATTR_CHECK(extack, NULL, a, KRG_COMM_TEST_A_NODE_SET)) {
			NL_SET_ERR_MSG(extack, "missing attribute node-set");
			return -EINVAL;
		}
		krg_nodemask_from_bytes(&set, nla_data(a[KRG_COMM_TEST_A_NODE_SET]),
					nla_len(a[KRG_COMM_TEST_A_NODE_SET]));
	} else {
		if (NL_REQ_ATTR_CHECK(extack, NULL, a, KRG_COMM_TEST_A_NODE_ID)) {
			NL_SET_ERR_MSG(extack, "missing attribute node-id");
			return -EINVAL;
		}
		node = nla_get_u32(a[KRG_COMM_TEST_A_NODE_ID]);
	}
	msg = kvmalloc(len, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	h = (void *)msg;
	h->op = cpu_to_le32(op);
	h->seed = cpu_to_le32(seed);
	krg_test_fill(msg + sizeof(*h), size, seed);
	crc = krg_test_crc(msg + sizeof(*h), size);

	t0 = ktime_get_ns();
	switch (op) {
	case KRG_COMM_TEST_BULK:
		if (conc == 1 && !zc) {
			krg_test_sync(node, op, msg, len, crc, count, tmo, &r);
			break;
		}
		fallthrough;	/* several 1 MiB calls in flight: a stream */
	case KRG_COMM_TEST_ASYNC_ECHO:
		ret = krg_test_async(node, op, msg, len, count, conc, zc, tmo,
				     &r);
		msg = NULL;	/* owned by the async context */
		break;
	case KRG_COMM_TEST_MCAST_ECHO:
		ret = krg_test_mcast(&set, msg, len, count, tmo, &r);
		break;
	default:
		krg_test_sync(node, op, msg, len, crc, count, tmo, &r);
		break;
	}
	/* Cut short by an unload: the calls not made count as one failure. */
	if (READ_ONCE(krg_test_stopping) && r.ok + r.errors < count)
		krg_test_error(&r, -ESHUTDOWN);
	if (!ret)
		ret = krg_test_put(skb, &r, ktime_get_ns() - t0);
	kvfree(msg);
	return ret;
}

/* ---- the "krg_comm_test" family ------------------------------------------ */

static struct genl_family krg_test_family;

/* Policy ranges above s16 need a range structure. */
static struct netlink_range_validation krg_test_size_range = {
	.max = KRG_COMM_TEST_MAX_SIZE,
};
static struct netlink_range_validation krg_test_count_range = {
	.min = 1, .max = KRG_COMM_TEST_MAX_COUNT,
};
static struct netlink_range_validation krg_test_timeout_range = {
	.min = 1, .max = KRG_COMM_TEST_MAX_TIMEOUT_MS,
};

static const struct nla_policy krg_test_policy[KRG_COMM_TEST_A_MAX + 1] = {
	[KRG_COMM_TEST_A_OP] = NLA_POLICY_RANGE(NLA_U32, KRG_COMM_TEST_ECHO,
						KRG_COMM_TEST_BULK),
	[KRG_COMM_TEST_A_NODE_ID] = NLA_POLICY_MAX(NLA_U32, KRG_MAX_NODES - 1),
	[KRG_COMM_TEST_A_NODE_SET] = NLA_POLICY_RANGE(NLA_BINARY, 1,
						      KRG_COMM_NODE_SET_LEN),
	[KRG_COMM_TEST_A_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U32,
						       &krg_test_size_range),
	[KRG_COMM_TEST_A_COUNT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							&krg_test_count_range),
	[KRG_COMM_TEST_A_CONCURRENCY] =
		NLA_POLICY_RANGE(NLA_U32, 1, KRG_COMM_TEST_MAX_CONCURRENCY),
	[KRG_COMM_TEST_A_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &krg_test_timeout_range),
	[KRG_COMM_TEST_A_SEED] = { .type = NLA_U32 },
	[KRG_COMM_TEST_A_ZEROCOPY] = { .type = NLA_FLAG },
};

struct krg_test_req {
	struct nlattr **attrs;
	struct netlink_ext_ack *extack;
};

static int krg_test_reply(struct sk_buff *skb, void *arg)
{
	struct krg_test_req *t = arg;

	return krg_test_run(t->attrs, skb, t->extack);
}

static int krg_test_nl_run(struct sk_buff *in, struct genl_info *info)
{
	struct krg_test_req t = { info->attrs, info->extack };

	if (krg_genl_missing(info, KRG_COMM_TEST_A_OP, "op"))
		return -EINVAL;
	return krg_genl_reply(info, &krg_test_family, krg_test_reply, &t);
}

static const struct genl_ops krg_test_ops[] = {
	{
		.cmd = KRG_COMM_TEST_CMD_RUN,
		.doit = krg_test_nl_run,
		.policy = krg_test_policy,
		.maxattr = KRG_COMM_TEST_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family krg_test_family __ro_after_init = {
	.name = KRG_COMM_TEST_GENL_NAME,
	.version = KRG_COMM_TEST_GENL_VERSION,
	.maxattr = KRG_COMM_TEST_A_MAX,
	.netnsok = false,
	.parallel_ops = true,
	.pre_doit = krg_genl_pre_doit,
	.module = THIS_MODULE,
	.ops = krg_test_ops,
	.n_ops = ARRAY_SIZE(krg_test_ops),
	.resv_start_op = KRG_COMM_TEST_CMD_RUN + 1,
};

static int __init krg_comm_test_init(void)
{
	int ret = krg_comm_register_service(&krg_test_service);

	if (ret)
		return ret;
	ret = genl_register_family(&krg_test_family);
	if (ret)
		krg_comm_unregister_service(&krg_test_service);
	return ret;
}

static void __exit krg_comm_test_exit(void)
{
	WRITE_ONCE(krg_test_stopping, true);
	/* Returns once no RUN is in progress any more. */
	genl_unregister_family(&krg_test_family);
	/* Every call has a deadline, so every context goes. */
	while (!wait_event_timeout(krg_test_live_wq, !atomic_read(&krg_test_live),
				   60 * HZ))
		pr_warn("unload waits for %d async test contexts\n",
			atomic_read(&krg_test_live));
	krg_comm_unregister_service(&krg_test_service);
}

module_init(krg_comm_test_init);
module_exit(krg_comm_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kerrighed krg_comm test RPC service and driver (test bed only)");
MODULE_AUTHOR("The Kerrighed project");
