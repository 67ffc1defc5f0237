// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kerrighed capabilities in user space: their names, the "CAP[,CAP...]"
 * list syntax of krg(1) and the node defaults that cluster.conf's
 * "capabilities" key stands for.  No kernel needed.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "krg.h"

static const char *const cap_names[__KRG_CAP_COUNT] = {
	[KRG_CAP_CHANGE_KERRIGHED_CAP]	= "CHANGE_KERRIGHED_CAP",
	[KRG_CAP_CAN_MIGRATE]		= "CAN_MIGRATE",
	[KRG_CAP_DISTANT_FORK]		= "DISTANT_FORK",
	[KRG_CAP_CHECKPOINTABLE]	= "CHECKPOINTABLE",
	[KRG_CAP_SEE_LOCAL_PROC_STAT]	= "SEE_LOCAL_PROC_STAT",
};

const char *krg_cap_name(unsigned int cap)
{
	return cap < __KRG_CAP_COUNT ? cap_names[cap] : NULL;
}

static int cap_lookup(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < __KRG_CAP_COUNT; i++)
		if (strlen(cap_names[i]) == len && !strncasecmp(cap_names[i], name, len))
			return (int)i;
	return -1;
}

int krg_cap_list_parse(const char *list, uint32_t *set, struct krg_err *err)
{
	const char *s = list, *end;
	size_t len;
	int cap;

	*set = 0;
	if (!list || !*list)
		return krg_err_set(err, -EINVAL, "empty capability list");
	for (;;) {
		end = strchr(s, ',');
		len = end ? (size_t)(end - s) : strlen(s);
		if (!len)
			return krg_err_set(err, -EINVAL,
				"invalid capability list \"%s\": empty name at position %zu",
				list, (size_t)(s - list) + 1);
		cap = cap_lookup(s, len);
		if (cap < 0)
			return krg_err_set(err, -EINVAL,
				"unknown capability \"%.*s\" (known: %s)", (int)len, s,
				"CHANGE_KERRIGHED_CAP, CAN_MIGRATE, DISTANT_FORK, CHECKPOINTABLE, SEE_LOCAL_PROC_STAT");
		if (*set & (1U << cap))
			return krg_err_set(err, -EINVAL,
				"invalid capability list \"%s\": %s is listed more than once",
				list, cap_names[cap]);
		*set |= 1U << cap;
		if (!end)
			return 0;
		s = end + 1;
	}
}

int krg_cap_list_format(uint32_t set, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;
	int w;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < __KRG_CAP_COUNT; i++) {
		if (!(set & (1U << i)))
			continue;
		w = snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, "%s%s",
			     n ? "," : "", cap_names[i]);
		n += (size_t)w;
	}
	return (int)n;
}

void krg_conf_default_caps(int capabilities, struct krg_caps *caps)
{
	caps->effective = capabilities == KRG_CONF_CAPS_OPT_IN ?
		KRG_CAPS_DEFAULT_OPT_IN_EFFECTIVE : KRG_CAPS_DEFAULT_OPT_OUT_EFFECTIVE;
	caps->inheritable_effective = caps->effective;
	caps->permitted = KRG_CAP_SUPPORTED;
	caps->inheritable_permitted = KRG_CAP_SUPPORTED;
}
