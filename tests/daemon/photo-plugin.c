/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A photo plug-in for the tests (helper/daemon/cnid-photo-plugin.h): its
 * "image" is the WLT with every byte inverted, MIME type image/x-cnid-test,
 * so the test can check that cnidd passed the photo and stored the result.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cnid-photo-plugin.h"

__attribute__((visibility("default"))) int cnid_photo_plugin_abi(void)
{
	return CNID_PHOTO_PLUGIN_ABI;
}

__attribute__((visibility("default"))) int cnid_photo_decode(const uint8_t *wlt, size_t wlt_len,
							      uint8_t **ret_image, size_t *ret_len,
							      char mime[64])
{
	uint8_t *img = malloc(wlt_len);

	if (!img)
		return -ENOMEM;
	for (size_t i = 0; i < wlt_len; i++)
		img[i] = (uint8_t)~wlt[i];
	*ret_image = img;
	*ret_len = wlt_len;
	strcpy(mime, "image/x-cnid-test");
	return 0;
}
