// SPDX-License-Identifier: GPL-2.0
/*
 * krg_comm configuration: this node's identity (cluster id, node id,
 * address, port) and the cluster key, set once by CLUSTER_SET; the failure
 * timeout may change at any time.  The first configuration starts the
 * transport (listening) and makes this node PRESENT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
#include <linux/string.h>

#include "auth.h"
#include "config.h"
#include "membership.h"
#include "transport.h"

struct comm_cfg comm_cfg = {
	.lock = __MUTEX_INITIALIZER(comm_cfg.lock),
	.timeout_ms = KRG_COMM_FAILURE_TIMEOUT_DEFAULT_MS,
};

bool comm_running(void)
{
	return READ_ONCE(comm_cfg.configured) &&
	       !READ_ONCE(comm_cfg.shutting_down);
}

int krg_comm_self(void)
{
	return READ_ONCE(comm_cfg.configured) ? (int)READ_ONCE(comm_cfg.self) :
						-1;
}
EXPORT_SYMBOL_GPL(krg_comm_self);

static int cfg_first(struct nlattr **a, struct netlink_ext_ack *extack)
{
	struct crypto_shash *tfm;
	int ret;

	if (!a[KRG_COMM_A_CLUSTER_ID] || !a[KRG_COMM_A_NODE_ID] ||
	    !a[KRG_COMM_A_ADDR4] || !a[KRG_COMM_A_KEY]) {
		NL_SET_ERR_MSG(extack, "first configuration needs cluster id, node id, address and key");
		return -EINVAL;
	}
	tfm = comm_auth_tfm(nla_data(a[KRG_COMM_A_KEY]), KRG_COMM_KEY_LEN);
	if (IS_ERR(tfm)) {
		NL_SET_ERR_MSG(extack, "cannot set up hmac(sha256) with the key");
		return PTR_ERR(tfm);
	}
	comm_cfg.key_tfm = tfm;
	memcpy(comm_cfg.key, nla_data(a[KRG_COMM_A_KEY]), KRG_COMM_KEY_LEN);
	comm_cfg.cluster_id = nla_get_u32(a[KRG_COMM_A_CLUSTER_ID]);
	comm_cfg.self = nla_get_u32(a[KRG_COMM_A_NODE_ID]);
	comm_cfg.addr = nla_get_in_addr(a[KRG_COMM_A_ADDR4]);
	comm_cfg.port = a[KRG_COMM_A_PORT] ? nla_get_u16(a[KRG_COMM_A_PORT]) :
					     KRG_COMM_DEFAULT_PORT;
	comm_cfg.incarnation = get_random_u64() | 1;
	WRITE_ONCE(comm_cfg.configured, true);
	ret = comm_transport->start();
	if (ret) {
		WRITE_ONCE(comm_cfg.configured, false);
		comm_cfg.key_tfm = NULL;
		crypto_free_shash(tfm);
		memzero_explicit(comm_cfg.key, sizeof(comm_cfg.key));
		NL_SET_ERR_MSG_FMT(extack, "cannot listen on %pI4:%u (error %d)",
				   &comm_cfg.addr, comm_cfg.port, ret);
		return ret;
	}
	comm_memb_start();
	pr_info("node %u of cluster %u listening on %pI4:%u\n", comm_cfg.self,
		comm_cfg.cluster_id, &comm_cfg.addr, comm_cfg.port);
	return 0;
}

static bool identity_differs(struct nlattr **a)
{
	return (a[KRG_COMM_A_CLUSTER_ID] &&
		nla_get_u32(a[KRG_COMM_A_CLUSTER_ID]) != comm_cfg.cluster_id) ||
	       (a[KRG_COMM_A_NODE_ID] &&
		nla_get_u32(a[KRG_COMM_A_NODE_ID]) != comm_cfg.self) ||
	       (a[KRG_COMM_A_ADDR4] &&
		nla_get_in_addr(a[KRG_COMM_A_ADDR4]) != comm_cfg.addr) ||
	       (a[KRG_COMM_A_PORT] &&
		nla_get_u16(a[KRG_COMM_A_PORT]) != comm_cfg.port) ||
	       (a[KRG_COMM_A_KEY] &&
		memcmp(nla_data(a[KRG_COMM_A_KEY]), comm_cfg.key,
		       KRG_COMM_KEY_LEN));
}

int comm_cfg_set(struct nlattr **a, struct netlink_ext_ack *extack)
{
	int ret = 0;

	mutex_lock(&comm_cfg.lock);
	if (comm_cfg.shutting_down) {
		ret = -ESHUTDOWN;
		goto out;
	}
	if (comm_cfg.configured && identity_differs(a)) {
		/* Same values again (krgadm node start twice) are fine. */
		NL_SET_ERR_MSG(extack, "node already configured: identity (cluster id, node id, address, port, key) cannot change while loaded");
		ret = -EBUSY;
		goto out;
	}
	if (!comm_cfg.configured) {
		ret = cfg_first(a, extack);
		if (ret)
			goto out;
	}
	if (a[KRG_COMM_A_FAILURE_TIMEOUT_MS])
		WRITE_ONCE(comm_cfg.timeout_ms,
			   nla_get_u32(a[KRG_COMM_A_FAILURE_TIMEOUT_MS]));
out:
	mutex_unlock(&comm_cfg.lock);
	return ret;
}

void comm_cfg_exit(void)
{
	if (comm_cfg.key_tfm)
		crypto_free_shash(comm_cfg.key_tfm);
	comm_cfg.key_tfm = NULL;
	memzero_explicit(comm_cfg.key, sizeof(comm_cfg.key));
}
