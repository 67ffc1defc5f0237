/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkrg's netlink core, as the family files see it (core.c).  Tools never
 * include this header: they call the functions of krg.h.
 *
 * One struct krg_handle holds one generic netlink socket (NETLINK_EXT_ACK and
 * NETLINK_CAP_ACK on) and talks to any number of families; each family's id
 * is looked up on first use and kept in the handle.  A request always carries
 * NLM_F_ACK, so it ends with an ack, the end of a dump or an error; an error
 * comes back as -errno with the kernel's extack message in struct krg_err
 * (tools print it as "Error: <msg>.").
 *
 * Adding a family (the pattern comm.c and kddm.c follow; krg_proc: proc.c):
 *
 *  1. A descriptor, in the family's file:
 *	static const struct krg_family proc_family = {
 *		.name = KRG_PROC_GENL_NAME, .version = KRG_PROC_GENL_VERSION,
 *		.maxattr = KRG_PROC_A_MAX, .policy = proc_policy,
 *		.module = "krg_proc",
 *	};
 *     .policy (libnl's struct nla_policy, indexed by attribute) checks the
 *     replies' attribute types; NULL takes every attribute as it comes (read
 *     integers with krg_nla_uint(), which goes by length).
 *  2. One public function per operation, named krg_proc_<object>_<verb>(),
 *     declared in krg.h in a section of the family's own:
 *	ret = krg_nl_msg(h, &proc_family, KRG_PROC_CMD_PS, NLM_F_DUMP, &msg, err);
 *	if (ret)
 *		return ret;
 *	if (nla_put_u32(msg, KRG_PROC_A_UID, uid))
 *		return krg_nl_put_failed(msg, err);
 *	return krg_nl_request(h, &proc_family, msg, parse_ps, &walk, err);
 *  3. A parse callback, called with the attributes of every reply message
 *     (once for a do, once per object for a dump): tb[attr] or NULL, up to
 *     .maxattr.  It fills the caller's structure, or calls the caller's own
 *     callback for a dump; a non-zero return stops the callbacks (the rest
 *     of the dump is still read) and becomes krg_nl_request()'s result.
 *  4. Multicast events: krg_nl_subscribe() once, then poll krg_events_fd()
 *     and call krg_nl_events_recv() with a callback that picks its commands.
 *  5. Names of the family's enums (for printing) live in its file too.
 */
#ifndef _KRG_NL_H
#define _KRG_NL_H

#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "krg.h"

struct krg_family {
	const char *name;		/* generic netlink family name */
	uint8_t version;		/* genl header version of requests */
	int maxattr;			/* highest attribute of replies */
	struct nla_policy *policy;	/* for replies; NULL: none */
	const char *module;		/* module registering it, for messages */
	const char *load_hint;		/* how to load it; NULL: "modprobe <module>" */
};

/* Parse callback of a request: the attributes of one reply message. */
typedef int (*krg_nl_parse_t)(struct nlattr **tb, void *arg);
/* Event callback: command and attributes of one notification. */
typedef int (*krg_nl_event_t)(uint8_t cmd, struct nlattr **tb, void *arg);

/*
 * A new request of command cmd of family fam (flags: 0 or NLM_F_DUMP) in
 * *msgp, the family looked up if needed.  Returns 0 or -errno (the module
 * not loaded: -ENOENT, "the <module> module is not loaded ...").
 */
int krg_nl_msg(struct krg_handle *h, const struct krg_family *fam, uint8_t cmd,
	       int flags, struct nl_msg **msgp, struct krg_err *err);
/* Looks the family up now (requests do it on first use): its id, or -errno. */
int krg_nl_resolve(struct krg_handle *h, const struct krg_family *fam,
		   struct krg_err *err);
/* An attribute did not fit: frees msg, returns -EMSGSIZE. */
int krg_nl_put_failed(struct nl_msg *msg, struct krg_err *err);
/*
 * Sends msg (consumed) and reads replies until the ack, the end of the dump
 * or an error.  parse may be NULL.  Returns 0, -errno, or the first non-zero
 * value parse returned.
 */
int krg_nl_request(struct krg_handle *h, const struct krg_family *fam,
		   struct nl_msg *msg, krg_nl_parse_t parse, void *arg,
		   struct krg_err *err);

/* Joins multicast group "group" of fam on the handle's event socket. */
int krg_nl_subscribe(struct krg_handle *h, const struct krg_family *fam,
		     const char *group, struct krg_err *err);
/*
 * Reads what is queued on the event socket (it never blocks) and calls cb
 * for each notification of fam; a non-zero return of cb stops the calls and
 * is returned.
 */
int krg_nl_events_recv(struct krg_handle *h, const struct krg_family *fam,
		       krg_nl_event_t cb, void *arg, struct krg_err *err);

/* ---- reading attributes -------------------------------------------------- */

/* An unsigned integer attribute of any width (1, 2, 4 or 8 bytes); else 0. */
uint64_t krg_nla_uint(const struct nlattr *a);
/* tb[type] as an unsigned integer, or def if absent. */
uint64_t krg_nla_uint_or(struct nlattr **tb, int type, uint64_t def);
/* An array of little-endian u64 (binary attribute) into out[0..n); the
 * entries the attribute is too short for stay as they were.
 */
void krg_nla_le64s(const struct nlattr *a, uint64_t *out, unsigned int n);
/* A string attribute into buf (always terminated, truncated if needed). */
void krg_nla_strcpy(const struct nlattr *a, char *buf, size_t len);

#endif /* _KRG_NL_H */
