// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Node sets and the Kerrighed node-list syntax: "1,3,7,10-12".
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "krg.h"

int krg_err_set(struct krg_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *krg_err_str(const struct krg_err *err)
{
	if (err->msg[0])
		return err->msg;
	return strerror(err->code < 0 ? -err->code : err->code);
}

void krg_nodeset_zero(struct krg_nodeset *set)
{
	memset(set, 0, sizeof(*set));
}

void krg_nodeset_add(struct krg_nodeset *set, unsigned int id)
{
	if (id < KRG_MAX_NODES)
		set->w[id / 64] |= 1ULL << (id % 64);
}

bool krg_nodeset_has(const struct krg_nodeset *set, unsigned int id)
{
	return id < KRG_MAX_NODES && (set->w[id / 64] >> (id % 64)) & 1;
}

unsigned int krg_nodeset_count(const struct krg_nodeset *set)
{
	unsigned int i, n = 0;

	for (i = 0; i < KRG_NODESET_WORDS; i++)
		n += __builtin_popcountll(set->w[i]);
	return n;
}

unsigned int krg_nodeset_next(const struct krg_nodeset *set, unsigned int from)
{
	for (; from < KRG_MAX_NODES; from++)
		if (krg_nodeset_has(set, from))
			return from;
	return KRG_MAX_NODES;
}

/*
 * Reads one decimal id at list[*pos].  Leading zeros are refused so that a
 * list means the same thing to every reader (no octal surprises).
 */
static int parse_id(const char *list, size_t *pos, unsigned int *id,
		    struct krg_err *err)
{
	size_t start = *pos, i = *pos;
	unsigned long v = 0;

	if (list[i] < '0' || list[i] > '9') {
		if (list[i] == '\0')
			return krg_err_set(err, -EINVAL,
				"invalid node list \"%s\": node id expected at end of list",
				list);
		return krg_err_set(err, -EINVAL,
			"invalid node list \"%s\": node id expected at position %zu, found '%c'",
			list, i + 1, list[i]);
	}
	if (list[i] == '0' && list[i + 1] >= '0' && list[i + 1] <= '9')
		return krg_err_set(err, -EINVAL,
			"invalid node list \"%s\": leading zero in node id at position %zu",
			list, i + 1);
	for (; list[i] >= '0' && list[i] <= '9'; i++) {
		v = v * 10 + (unsigned long)(list[i] - '0');
		if (v >= KRG_MAX_NODES) {
			while (list[i + 1] >= '0' && list[i + 1] <= '9')
				i++;
			return krg_err_set(err, -ERANGE,
				"invalid node list \"%s\": node id %.*s at position %zu is out of range (0-%d)",
				list, (int)(i + 1 - start), list + start,
				start + 1, KRG_MAX_NODES - 1);
		}
	}
	*id = (unsigned int)v;
	*pos = i;
	return 0;
}

int krg_nodelist_parse(const char *list, struct krg_nodeset *set,
		       struct krg_err *err)
{
	size_t pos = 0, start;
	unsigned int lo, hi, id;
	int ret;

	krg_nodeset_zero(set);
	if (!list || !*list)
		return krg_err_set(err, -EINVAL, "empty node list");
	for (;;) {
		start = pos;
		ret = parse_id(list, &pos, &lo, err);
		if (ret)
			return ret;
		hi = lo;
		if (list[pos] == '-') {
			pos++;
			ret = parse_id(list, &pos, &hi, err);
			if (ret)
				return ret;
			if (hi < lo)
				return krg_err_set(err, -EINVAL,
					"invalid node list \"%s\": range %.*s at position %zu is reversed",
					list, (int)(pos - start), list + start,
					start + 1);
		}
		for (id = lo; id <= hi; id++) {
			if (krg_nodeset_has(set, id))
				return krg_err_set(err, -EINVAL,
					"invalid node list \"%s\": node %u is listed more than once",
					list, id);
			krg_nodeset_add(set, id);
		}
		if (list[pos] == '\0')
			return 0;
		if (list[pos] != ',')
			return krg_err_set(err, -EINVAL,
				"invalid node list \"%s\": ',' or '-' expected at position %zu, found '%c'",
				list, pos + 1, list[pos]);
		pos++;
	}
}

int krg_nodelist_format(const struct krg_nodeset *set, char *buf, size_t len)
{
	unsigned int lo, hi;
	size_t n = 0;
	int w;

	if (len)
		buf[0] = '\0';
	for (lo = krg_nodeset_next(set, 0); lo < KRG_MAX_NODES;
	     lo = krg_nodeset_next(set, hi + 1)) {
		for (hi = lo; hi + 1 < KRG_MAX_NODES && krg_nodeset_has(set, hi + 1); hi++)
			;
		if (hi == lo)
			w = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0,
				     "%s%u", n ? "," : "", lo);
		else
			w = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0,
				     "%s%u-%u", n ? "," : "", lo, hi);
		n += (size_t)w;
	}
	return (int)n;
}

void krg_nodeset_to_bytes(const struct krg_nodeset *set, uint8_t bytes[KRG_COMM_NODE_SET_LEN])
{
	unsigned int id;

	memset(bytes, 0, KRG_COMM_NODE_SET_LEN);
	krg_nodeset_for_each(id, set)
		bytes[id / 8] |= (uint8_t)(1U << (id % 8));
}
