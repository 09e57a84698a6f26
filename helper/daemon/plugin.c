/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The optional photo decoder plug-in (cnid-photo-plugin.h). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cnid-photo-plugin.h"
#include "cnidd.h"

#ifdef CNIDD_NO_PLUGIN
/* The static build for the QEMU guest: no dlopen(). */
int plugin_load(const char *path)
{
	if (path && path[0])
		log_err("plug-in %s: this cnidd is built without plug-ins", path);
	return path && path[0] ? -EOPNOTSUPP : 0;
}

void plugin_unload(void)
{
}

int plugin_decode(const uint8_t *wlt, size_t len, uint8_t **ret_img, size_t *ret_len,
		  char mime[64])
{
	(void)wlt, (void)len, (void)ret_img, (void)ret_len, (void)mime;
	return 0;
}
#else
#include <dlfcn.h>

static void *handle;
static int (*decode_fn)(const uint8_t *, size_t, uint8_t **, size_t *, char *);

int plugin_load(const char *path)
{
	int (*abi)(void);

	plugin_unload();
	if (!path || !path[0])
		return 0;
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		log_err("plug-in %s: %s", path, dlerror());
		return -ENOENT;
	}
	*(void **)&abi = dlsym(handle, "cnid_photo_plugin_abi");
	*(void **)&decode_fn = dlsym(handle, "cnid_photo_decode");
	if (!abi || !decode_fn || abi() != CNID_PHOTO_PLUGIN_ABI) {
		log_err("plug-in %s: not a cnid photo plug-in of ABI %d", path,
			CNID_PHOTO_PLUGIN_ABI);
		plugin_unload();
		return -EINVAL;
	}
	log_info("photo plug-in %s loaded", path);
	return 0;
}

void plugin_unload(void)
{
	if (handle)
		dlclose(handle);
	handle = NULL;
	decode_fn = NULL;
}

int plugin_decode(const uint8_t *wlt, size_t len, uint8_t **ret_img, size_t *ret_len,
		  char mime[64])
{
	uint8_t *img = NULL;
	size_t n = 0;
	char m[64] = "";
	int e;

	if (!decode_fn || !len)
		return 0;
	e = decode_fn(wlt, len, &img, &n, m);
	if (e < 0 || !img) {
		log_warn("photo plug-in failed: %s", strerror(e < 0 ? -e : EINVAL));
		return e < 0 ? e : -EINVAL;
	}
	m[63] = '\0';
	memcpy(mime, m, 64);
	*ret_img = img;
	*ret_len = n;
	return 1;
}
#endif
