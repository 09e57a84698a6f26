/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GB/T 2261.1 sex codes.  Many parsers map everything that is not "1" to
 * female; 0 (unknown) and 9 (unspecified) are codes of their own.
 */
#include <string.h>

#include "cnid-private.h"

static const struct cnid_sex sexes[] = {
	{ "0", "unknown", "未知" },
	{ "1", "male", "男" },
	{ "2", "female", "女" },
	{ "9", "unspecified", "未说明" },
};

const struct cnid_sex *cnid_sex_lookup(const char *code)
{
	if (!code || !code[0] || code[1])
		return NULL;
	for (size_t i = 0; i < sizeof(sexes) / sizeof(sexes[0]); i++)
		if (sexes[i].code[0] == code[0])
			return &sexes[i];
	return NULL;
}
