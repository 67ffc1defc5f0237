/* SPDX-License-Identifier: GPL-2.0 */
/*
 * krg_proc's RPC service (wire.h has the messages): calling other nodes,
 * serving their requests, and the credentials requests carry.
 */
#ifndef _KRGP_RPC_H
#define _KRGP_RPC_H

#include <linux/cred.h>
#include <linux/types.h>

#include "krg_comm/krg_comm.h"
#include "wire.h"

struct krg_comm_req;

/* Timeout of a request to one node (a dead node ends it at once). */
#define KRGP_CALL_MS		10000

/*
 * A request as its handler sees it: the op's body (len bytes, the op's
 * fixed size).  The handler answers exactly once with krgp_reply().
 */
struct krgp_req {
	struct krg_comm_req *creq;
	u32 src;
	const void *body;
	size_t len;
};

void krgp_reply(struct krgp_req *req, int status, const void *data, size_t len);

/*
 * Calls op on node with body.  Returns the handler's status (>= 0) or
 * -errno; on success *reply (kvfree it) and *reply_len hold the reply, when
 * reply is not NULL.
 */
int krgp_call(u32 node, u8 op, const void *body, size_t len, void **reply,
	      size_t *reply_len);

/* One node's answer to a multicast request. */
struct krgp_multi_reply {
	u32 node;
	int status;
	void *data;		/* kvfree'd by krgp_multi_free() */
	size_t len;
};

struct krgp_multi {
	unsigned int count;
	struct krgp_multi_reply r[];
};

/*
 * Calls op on every ONLINE node (of only when it is not NULL; this node only if with_self) in one round; returns the answers
 * (status per node) or ERR_PTR.  Free with krgp_multi_free().
 */
struct krgp_multi *krgp_call_online(const krg_nodemask_t *only, bool with_self,
				    u8 op, const void *body, size_t len);
void krgp_multi_free(struct krgp_multi *m);

int krgp_rpc_init(void);
void krgp_rpc_exit(void);

/* Malformed messages received (debugfs). */
extern atomic_long_t krgp_rpc_bad;

/* ---- credentials --------------------------------------------------------- */

/* The caller's credentials for a request. */
void krgp_cred_pack(struct krgp_wire_cred *w);
/*
 * A credential built from w (validated: -EINVAL), for override_creds();
 * release with put_cred().
 */
const struct cred *krgp_cred_unpack(const struct krgp_wire_cred *w);
/* Drops the credentials kept for reuse (module exit). */
void krgp_cred_cache_clear(void);
/* Does w carry capability cap (effective)? */
bool krgp_cred_capable(const struct krgp_wire_cred *w, int cap);

/* ---- one handler per op (the files that own the concept) ----------------- */

void krgp_serve_pids(struct krgp_req *req);
void krgp_serve_ps(struct krgp_req *req);
void krgp_serve_pid_info(struct krgp_req *req);
void krgp_serve_proc_read(struct krgp_req *req);
void krgp_serve_proc_link(struct krgp_req *req);
void krgp_serve_proc_fds(struct krgp_req *req);
void krgp_serve_node_stat(struct krgp_req *req);
void krgp_serve_signal(struct krgp_req *req);
void krgp_serve_signal_group(struct krgp_req *req);
void krgp_serve_syscall(struct krgp_req *req);
void krgp_serve_caps_get(struct krgp_req *req);
void krgp_serve_caps_set(struct krgp_req *req);
void krgp_serve_leave_check(struct krgp_req *req);
void krgp_serve_proc_batch(struct krgp_req *req);
void krgp_serve_migrate(struct krgp_req *req);
void krgp_serve_mig_exit(struct krgp_req *req);
void krgp_serve_mig_moved(struct krgp_req *req);

#endif /* _KRGP_RPC_H */
