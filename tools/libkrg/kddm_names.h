/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the KDDM protocol message types (index of the MSGS_TX / MSGS_RX
 * statistics arrays), shared by krgadm and the tests.
 */
#ifndef _KRG_KDDM_NAMES_H
#define _KRG_KDDM_NAMES_H

#include <linux/krg_kddm.h>

static const char *const krg_kddm_msg_names[KRG_KDDM_MSG_TYPES] = {
	[KRG_KDDM_MSG_NONE] = "none",
	[KRG_KDDM_MSG_READ_REQ] = "read_req",
	[KRG_KDDM_MSG_WRITE_REQ] = "write_req",
	[KRG_KDDM_MSG_READ_GRANT] = "read_grant",
	[KRG_KDDM_MSG_WRITE_GRANT] = "write_grant",
	[KRG_KDDM_MSG_INV] = "inv",
	[KRG_KDDM_MSG_INV_ACK] = "inv_ack",
	[KRG_KDDM_MSG_ERROR] = "error",
	[KRG_KDDM_MSG_REMOVE] = "remove",
	[KRG_KDDM_MSG_PULL] = "pull",
	[KRG_KDDM_MSG_SET_CREATE] = "set_create",
	[KRG_KDDM_MSG_SET_DESTROY] = "set_destroy",
	[KRG_KDDM_MSG_REPORT] = "report",
	[KRG_KDDM_MSG_DECIDE] = "decide",
	[KRG_KDDM_MSG_HANDOFF_DONE] = "handoff_done",
	[KRG_KDDM_MSG_HELLO] = "hello",
};

#endif /* _KRG_KDDM_NAMES_H */
