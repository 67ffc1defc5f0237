/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkrg: user-space access to Kerrighed, and the only netlink client of the
 * project (krgadm, krg and every test program go through it).
 *
 *  - parsers that need no kernel: node lists ("1-3,5"), cluster.conf and the
 *    cluster key file (nodelist.c, conf.c);
 *  - a small netlink core (core.c, krg_nl.h): one handle, one socket with
 *    NETLINK_EXT_ACK on (every kernel rejection comes back as a readable
 *    message), family lookup, requests, dumps, multicast events;
 *  - one file per generic netlink family, each a section below:
 *      krg_comm   comm.c   configuration, membership, statistics, events
 *      krg_proc   proc.c   cluster environment, processes, capabilities,
 *                          migration
 *      krg_kddm   kddm.c   KDDM set statistics
 *    A new family follows the pattern written down at the top of krg_nl.h:
 *    a descriptor, one krg_<family>_<object>_<verb>() per operation, a parse
 *    callback per reply, its section here;
 *  - Kerrighed capability names (caps.c);
 *  - the test modules' families (tests/include/krg_*_test.h) have their
 *    files too, in libkrg_test.a (krg_test.h): the production library
 *    carries no test entry points.
 *
 * Every function that can fail returns 0 or a negative errno and, when given
 * a struct krg_err, fills it with a sentence (no trailing period) that a tool
 * can print as "Error: <msg>.".
 */
#ifndef _KRG_H
#define _KRG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/types.h>
#include <linux/krg_comm.h>
#include <linux/krg_kddm.h>
#include <linux/krg_proc.h>

#define KRG_ERR_MSG_LEN 512

struct krg_err {
	int code;			/* negative errno, 0 if none */
	char msg[KRG_ERR_MSG_LEN];	/* empty if the kernel gave no message */
};

/* Formats into err (if non-NULL) and returns code (a negative errno). */
int krg_err_set(struct krg_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The message, or strerror(-code) when there is none. */
const char *krg_err_str(const struct krg_err *err);

/* ---- node sets and the Kerrighed node-list syntax ---- */

#define KRG_NODESET_WORDS ((KRG_MAX_NODES + 63) / 64)

struct krg_nodeset {
	uint64_t w[KRG_NODESET_WORDS];
};

void krg_nodeset_zero(struct krg_nodeset *set);
void krg_nodeset_add(struct krg_nodeset *set, unsigned int id);
bool krg_nodeset_has(const struct krg_nodeset *set, unsigned int id);
unsigned int krg_nodeset_count(const struct krg_nodeset *set);
/* Next member >= from, or KRG_MAX_NODES if none. */
unsigned int krg_nodeset_next(const struct krg_nodeset *set, unsigned int from);
#define krg_nodeset_for_each(id, set) \
	for ((id) = krg_nodeset_next((set), 0); (id) < KRG_MAX_NODES; \
	     (id) = krg_nodeset_next((set), (id) + 1))

/* The set as the netlink node-set bitmap: bit n (byte n / 8, 1 << n % 8) = node n. */
void krg_nodeset_to_bytes(const struct krg_nodeset *set, uint8_t bytes[KRG_COMM_NODE_SET_LEN]);

/*
 * Parses "1,3,7,10-12": comma-separated ids or inclusive ranges a-b (a <= b),
 * decimal, every id < KRG_MAX_NODES.  No blanks, no empty elements, no node
 * listed twice.  Returns 0, -EINVAL (message says where and why) or -ERANGE.
 */
int krg_nodelist_parse(const char *list, struct krg_nodeset *set,
		       struct krg_err *err);
/* Writes the canonical list ("1-3,5") of set into buf; "" for an empty set.
 * Returns the length it needed (like snprintf).
 */
int krg_nodelist_format(const struct krg_nodeset *set, char *buf, size_t len);

/* ---- /etc/kerrighed/cluster.conf ---- */

#define KRG_CONF_DEFAULT_PATH "/etc/kerrighed/cluster.conf"
#define KRG_CONF_MAX_LINE 1024

/* "capabilities opt-out|opt-in": the Kerrighed capabilities of new jobs. */
enum krg_conf_caps {
	KRG_CONF_CAPS_OPT_OUT,		/* default: migrate, distant fork, checkpoint */
	KRG_CONF_CAPS_OPT_IN,		/* only CHANGE_KERRIGHED_CAP effective */
};

struct krg_conf_node {
	unsigned int id;
	struct in_addr addr;
	unsigned int line;
};

struct krg_conf {
	uint32_t cluster_id;
	uint32_t node_id;
	struct in_addr address;
	uint16_t port;			/* KRG_COMM_DEFAULT_PORT if absent */
	char key_file[4096];
	uint32_t failure_timeout_ms;	/* 0 if absent: kernel default */
	int capabilities;		/* enum krg_conf_caps, opt-out if absent */
	unsigned int nr_nodes;
	struct krg_conf_node nodes[KRG_MAX_NODES];	/* in file order */
};

/*
 * Parses a cluster.conf.  Format: one "key value..." per line, '#' starts a
 * comment line, blank lines ignored.  Keys: cluster_id, node_id, address,
 * port, key_file, failure_timeout_ms, capabilities (opt-out | opt-in), and
 * "node ID ADDRESS" (repeatable).
 * cluster_id, node_id, address and key_file are required.  Unknown keys, bad
 * numbers, duplicate keys and duplicate nodes are rejected; messages start
 * with "NAME:LINE: ".  name is used in messages only.
 */
int krg_conf_parse(FILE *f, const char *name, struct krg_conf *conf,
		   struct krg_err *err);
int krg_conf_load(const char *path, struct krg_conf *conf, struct krg_err *err);
/* The node defaults (CONFIG_SET DEFAULT_CAPS) that "capabilities" stands
 * for: effective and inheritable-effective as uapi's KRG_CAPS_DEFAULT_*,
 * permitted and inheritable-permitted every supported capability (caps.c).
 */
void krg_conf_default_caps(int capabilities, struct krg_caps *caps);

/*
 * Reads a key file: exactly 2 * KRG_COMM_KEY_LEN hex digits, optionally
 * followed by one newline.  *insecure is set (if non-NULL) when the file is
 * readable or writable by group or others.
 */
int krg_key_parse(const char *text, size_t len, uint8_t key[KRG_COMM_KEY_LEN],
		  struct krg_err *err);
int krg_key_load(const char *path, uint8_t key[KRG_COMM_KEY_LEN],
		 bool *insecure, struct krg_err *err);

/* ---- the handle (core.c) ---- */

struct krg_handle;

/*
 * Opens a generic netlink socket.  Families are looked up on first use: a
 * request to a family whose module is not loaded fails with -ENOENT and
 * "the <module> module is not loaded (try: modprobe <module>)".
 */
int krg_open(struct krg_handle **hp, struct krg_err *err);
void krg_close(struct krg_handle *h);
/* Is the generic netlink family name registered?  1 yes, 0 no, <0 error. */
int krg_family_present(struct krg_handle *h, const char *name);
/* The socket multicast events arrive on (poll it), -1 before a subscribe. */
int krg_events_fd(struct krg_handle *h);

/* ---- the krg_comm family (comm.c) ---- */

struct krg_cluster_info {
	bool configured;
	bool key_set;
	uint32_t cluster_id;
	uint32_t node_id;
	struct in_addr address;
	uint16_t port;
	uint32_t failure_timeout_ms;
	uint32_t heartbeat_ms;
	uint32_t proto_version;
	uint32_t max_nodes;
	uint64_t auth_failures;
	uint64_t dropped;
	int self_state;			/* enum krg_comm_node_state, -1 unknown */
};

int krg_cluster_get(struct krg_handle *h, struct krg_cluster_info *info,
		    struct krg_err *err);

/* Which fields of krg_cluster_cfg to send. */
#define KRG_CFG_IDENTITY	0x1	/* cluster_id node_id address port key */
#define KRG_CFG_TIMEOUT		0x2	/* failure_timeout_ms */

struct krg_cluster_cfg {
	unsigned int fields;
	uint32_t cluster_id;
	uint32_t node_id;
	struct in_addr address;
	uint16_t port;
	uint8_t key[KRG_COMM_KEY_LEN];
	uint32_t failure_timeout_ms;
};

int krg_cluster_set(struct krg_handle *h, const struct krg_cluster_cfg *cfg,
		    struct krg_err *err);
/*
 * Configures this node from a parsed cluster.conf and its key: the identity
 * (-EBUSY if the node is configured with another one; nothing is sent if it
 * has this one), the failure timeout if the file sets one, then every other
 * node of the file as a peer ("node N: <why>" if one is refused).
 */
int krg_cluster_configure(struct krg_handle *h, const struct krg_conf *conf,
			  const uint8_t key[KRG_COMM_KEY_LEN], struct krg_err *err);
int krg_peer_set(struct krg_handle *h, uint32_t id, struct in_addr addr,
		 uint16_t port, struct krg_err *err);
int krg_peer_del(struct krg_handle *h, uint32_t id, struct krg_err *err);
int krg_nodes_add(struct krg_handle *h, const struct krg_nodeset *set,
		  struct krg_err *err);
int krg_nodes_del(struct krg_handle *h, const struct krg_nodeset *set,
		  struct krg_err *err);

struct krg_node_info {
	uint32_t id;
	int state;			/* enum krg_comm_node_state */
	int conn_state;			/* enum krg_comm_conn_state, -1 unknown */
	struct in_addr address;
	uint16_t port;
	bool self;
};

/* Calls cb once per node (ascending id); a non-zero return from cb stops
 * the walk and is returned.
 */
typedef int (*krg_node_cb)(const struct krg_node_info *node, void *arg);
int krg_nodes_dump(struct krg_handle *h, krg_node_cb cb, void *arg,
		   struct krg_err *err);
int krg_node_get(struct krg_handle *h, uint32_t id, struct krg_node_info *node,
		 struct krg_err *err);

struct krg_peer_stats {
	uint32_t id;
	int conn_state;
	uint32_t rtt_us;
	uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
	uint64_t retrans, reconnects, auth_failures, dropped;
};

typedef int (*krg_stats_cb)(const struct krg_peer_stats *st, void *arg);
int krg_stats_dump(struct krg_handle *h, krg_stats_cb cb, void *arg,
		   struct krg_err *err);

/* Membership events: subscribe once, then poll krg_events_fd() and call
 * krg_events_recv(), which calls cb for each event received.
 */
struct krg_event {
	uint32_t node_id;
	int state;			/* enum krg_comm_node_state */
	int event;			/* enum krg_comm_event */
};

typedef int (*krg_event_cb)(const struct krg_event *ev, void *arg);
int krg_events_subscribe(struct krg_handle *h, struct krg_err *err);
int krg_events_recv(struct krg_handle *h, krg_event_cb cb, void *arg,
		    struct krg_err *err);

/* Names */
const char *krg_node_state_name(int state);
const char *krg_conn_state_name(int state);
const char *krg_event_name(int event);

/* ---- the krg_proc netlink family (proc.c) ---- */

/* krgd's files (krgd(8)): the pid file is locked while krgd runs. */
#define KRG_RUN_DIR		"/run/kerrighed"
#define KRGD_PID_FILE		KRG_RUN_DIR "/krgd.pid"
#define KRGD_LOG_FILE		KRG_RUN_DIR "/krgd.log"

/* The pid of the running krgd (it holds the lock on its pid file), 0 if
 * none, or a negative errno.
 */
int krg_krgd_pid(void);

/*
 * krg_open() and the krg_proc family looked up at once: -ENOENT ("the
 * krg_proc module is not loaded (try: krgadm node start)") if it is not
 * there, for callers that treat a node without it apart.  Close with
 * krg_close(); the handle serves every family.
 */
int krg_proc_open(struct krg_handle **hp, struct krg_err *err);

struct krg_proc_status {
	int env_state;			/* enum krg_proc_env_state */
	uint32_t node_id;
	uint32_t pid_min, pid_max;	/* this node's PID slice [min, max) */
	uint32_t init_pid;		/* krginit in the caller's PID namespace, 0 none */
	uint32_t nr_local;		/* cluster processes running here */
	struct krg_caps default_caps;
};

int krg_proc_status(struct krg_handle *h, struct krg_proc_status *st,
		    struct krg_err *err);

struct krg_proc_info {
	uint32_t pid, ppid, pgid, sid;	/* 0: outside the cluster */
	uint32_t node, uid, gid;
	char state;			/* as in ps: R S D T t Z X I, '?' unknown */
	uint32_t nr_threads;
	uint64_t cpu_time_ns;
	uint64_t start_time_ns;		/* since the Unix epoch */
	uint64_t rss_kb;
	char comm[16];
	size_t cmdline_len;		/* bytes of argv, NUL-separated */
	char cmdline[KRG_PROC_CMDLINE_MAX + 1];
};

/* Which processes a PS dump lists: those of nodes (NULL: every online
 * node) and, if by_uid, of user uid.
 */
struct krg_ps_filter {
	const struct krg_nodeset *nodes;
	bool by_uid;
	uint32_t uid;
};

/* Calls cb once per cluster process, by node then PID; a non-zero return
 * from cb stops the walk and is returned.
 */
typedef int (*krg_proc_cb)(const struct krg_proc_info *p, void *arg);
int krg_proc_ps(struct krg_handle *h, const struct krg_ps_filter *filter,
		krg_proc_cb cb, void *arg, struct krg_err *err);
/* Capabilities of cluster process pid (0: the caller, which must be one). */
int krg_proc_caps_get(struct krg_handle *h, uint32_t pid, struct krg_caps *caps,
		      struct krg_err *err);
int krg_proc_caps_set(struct krg_handle *h, uint32_t pid, const struct krg_caps *caps,
		      struct krg_err *err);
/* Capabilities of the next jobs started on this node (CAP_SYS_ADMIN). */
int krg_proc_config_set(struct krg_handle *h, const struct krg_caps *default_caps,
			struct krg_err *err);
/* Before nodes leave: -EBUSY (the kernel's message names processes) if one
 * runs cluster processes; with kill, they are killed first.
 */
int krg_proc_leave_check(struct krg_handle *h, const struct krg_nodeset *set,
			 bool kill, struct krg_err *err);

/*
 * Moves cluster process pid (its whole thread group) to node and returns
 * once it runs there, with the same PID; *now_node (if not NULL) is the node
 * the kernel reports it on.  A refusal (-EBUSY, -EHOSTDOWN, -EPERM, -ESRCH,
 * ...) leaves it where it was, the kernel's reason in err.  The caller must
 * not be pid itself: its netlink socket cannot move (see krg(1), run -n).
 */
int krg_proc_migrate(struct krg_handle *h, uint32_t pid, uint32_t node, uint32_t *now_node,
		     struct krg_err *err);
/* Kerrighed's migrate(): krg_proc_migrate() on a handle of its own; 0 or
 * -errno.
 */
int krg_migrate(pid_t pid, int node);

const char *krg_env_state_name(int state);

/* ---- Kerrighed capability names (caps.c) ---- */

/* Name without prefix ("CAN_MIGRATE"); NULL if unknown. */
const char *krg_cap_name(unsigned int cap);
/* Parses "CAP[,CAP...]" (names case-insensitive, no blanks, none twice)
 * into a bit set; -EINVAL with the reason in err.
 */
int krg_cap_list_parse(const char *list, uint32_t *set, struct krg_err *err);
/* "CAN_MIGRATE,DISTANT_FORK", "" for none; returns the length it needed
 * (like snprintf).
 */
int krg_cap_list_format(uint32_t set, char *buf, size_t len);

/* ---- the krg_kddm family (kddm.c) ---- */

struct krg_kddm_set_info {
	uint64_t has;				/* bit (1 << attr) per attribute present */
	uint64_t v[KRG_KDDM_A_MAX + 1];		/* integer attributes, by KRG_KDDM_A_* */
	char linker[32];
	uint64_t chain_hist[KRG_KDDM_CHAIN_HIST];
	uint64_t msgs_tx[KRG_KDDM_MSG_TYPES];	/* by enum krg_kddm_msg_type */
	uint64_t msgs_rx[KRG_KDDM_MSG_TYPES];
};

/* Calls cb once per set of this node; a non-zero return stops the walk. */
typedef int (*krg_kddm_set_cb)(const struct krg_kddm_set_info *s, void *arg);
int krg_kddm_sets_dump(struct krg_handle *h, krg_kddm_set_cb cb, void *arg,
		       struct krg_err *err);
/* One set; -ENOENT if this node has no set id. */
int krg_kddm_set_get(struct krg_handle *h, uint32_t id, struct krg_kddm_set_info *s,
		     struct krg_err *err);

/* Names: "read_req", ... ("msgN" for a type newer than libkrg; NULL out of
 * range); "set_id", ... (NULL if none); "id"/"hash"/"creator"; "recreate"/"lost".
 */
const char *krg_kddm_msg_name(unsigned int type);
const char *krg_kddm_attr_name(int attr);
const char *krg_kddm_policy_name(uint64_t policy);
const char *krg_kddm_on_failure_name(uint64_t on_failure);

#endif /* _KRG_H */
