// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Requests built by hand, for the hostile-input tests of every family:
 * attributes of any number, type and length, nothing checked on this side.
 * Part of libkrg_test.a only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krg_nl.h"
#include "krg_test.h"

int krg_raw_attr_parse(const char *spec, struct krg_raw_attr *a, struct krg_err *err)
{
	static const char *const kinds[] = { "u8", "u16", "u32", "u64", "str", "flag", "bin" };
	char type[16], val[2 * KRG_RAW_MAX_LEN + 1] = "";
	unsigned int k;
	size_t i;
	char *end;

	memset(a, 0, sizeof(*a));
	if (sscanf(spec, "%d:%15[^:]:%1024s", &a->type, type, val) < 2)
		return krg_err_set(err, -EINVAL, "\"%s\" is not ATTR:TYPE[:VALUE]", spec);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(type, kinds[k]); k++)
		;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return krg_err_set(err, -EINVAL, "unknown attribute type \"%s\"", type);
	a->kind = (enum krg_raw_kind)k;
	switch (a->kind) {
	case KRG_RAW_U8:
	case KRG_RAW_U16:
	case KRG_RAW_U32:
	case KRG_RAW_U64:
		errno = 0;
		a->num = strtoull(val, &end, 0);
		if (errno || end == val || *end)
			return krg_err_set(err, -EINVAL, "\"%s\" is not a number", val);
		break;
	case KRG_RAW_STR:
		snprintf((char *)a->data, sizeof(a->data), "%s", val);
		break;
	case KRG_RAW_FLAG:
		break;
	case KRG_RAW_BIN:
		for (i = 0; val[2 * i] && i < KRG_RAW_MAX_LEN; i++)
			if (sscanf(val + 2 * i, "%2hhx", &a->data[i]) != 1)
				return krg_err_set(err, -EINVAL, "\"%s\" is not hex", val);
		a->len = (int)i;
		break;
	}
	return 0;
}

static int put_raw(struct nl_msg *msg, const struct krg_raw_attr *a)
{
	switch (a->kind) {
	case KRG_RAW_U8: return nla_put_u8(msg, a->type, (uint8_t)a->num);
	case KRG_RAW_U16: return nla_put_u16(msg, a->type, (uint16_t)a->num);
	case KRG_RAW_U32: return nla_put_u32(msg, a->type, (uint32_t)a->num);
	case KRG_RAW_U64: return nla_put_u64(msg, a->type, a->num);
	case KRG_RAW_STR: return nla_put_string(msg, a->type, (const char *)a->data);
	case KRG_RAW_FLAG: return nla_put_flag(msg, a->type);
	case KRG_RAW_BIN: return nla_put(msg, a->type, a->len, a->data);
	}
	return -1;
}

int krg_raw_request(struct krg_handle *h, const char *family, uint8_t cmd, bool dump,
		    const struct krg_raw_attr *attrs, int n, struct krg_err *err)
{
	const struct krg_family fam = {
		.name = family, .version = 1, .maxattr = 0, .module = family,
	};
	struct nl_msg *msg;
	int i, ret;

	ret = krg_nl_msg(h, &fam, cmd, dump ? NLM_F_DUMP : 0, &msg, err);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		if (put_raw(msg, &attrs[i]))
			return krg_nl_put_failed(msg, err);
	return krg_nl_request(h, &fam, msg, NULL, NULL, err);
}
