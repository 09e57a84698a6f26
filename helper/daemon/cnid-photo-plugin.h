/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The photo decoder plug-in interface of cnidd.
 *
 * A card's photo is stored as WLT (1024 bytes, encrypted and compressed; its
 * format is not public).  cnidd keeps the raw WLT in the record file and,
 * when its configuration names a plug-in (`plugin = /path/to/lib.so`),
 * dlopen()s that shared library and calls the one function below for each
 * card read.  Without a plug-in nothing pretends to turn a WLT into a picture.
 *
 * The function is called in cnidd's only thread, so it must return quickly
 * (it delays every reader while it runs), must not keep or log the data,
 * and must be reentrant-free of global state that outlives the call.
 */
#ifndef CNID_PHOTO_PLUGIN_H
#define CNID_PHOTO_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define CNID_PHOTO_PLUGIN_ABI 1

/*
 * Must be exported by the plug-in, returning CNID_PHOTO_PLUGIN_ABI.
 */
int cnid_photo_plugin_abi(void);

/*
 * Decode wlt[0..wlt_len) into an image.  On success return 0, set *ret_image
 * to a buffer from malloc() (cnidd frees it), *ret_len to its length and
 * copy its MIME type (e.g. "image/bmp", NUL-terminated, < 64 bytes) to mime.
 * On failure return a negative errno and leave the outputs alone.
 */
int cnid_photo_decode(const uint8_t *wlt, size_t wlt_len, uint8_t **ret_image, size_t *ret_len,
		      char mime[64]);

#endif
