/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The record file of a card on a reader: RECORD_DIR/<reader>.json, mode
 * 0640, group cnid (record_group), written to a temporary file in the same
 * directory and renamed over the old one, so a reader of the file sees a
 * whole record or none.  Removed when the card leaves or the reader goes.
 *
 * Content: the object `cnid decode --json` prints, plus
 *   "reader", "sam_id", "card_seen_at" and "read_at" (UTC, ISO 8601 with
 *   milliseconds), "read_ms" (from the card's arrival to its verified read),
 *   "photo": { ..., "wlt_base64": the raw WLT as read,
 *              "image": { "mime", "base64" } only when a plug-in decoded it }.
 * Fingerprint templates are not written (their headers are, as in decode).
 */

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cnidd.h"

static gid_t record_gid = (gid_t)-1;
static bool gid_looked_up;

void record_reset_group(void)
{
	gid_looked_up = false;
}

static gid_t group_id(void)
{
	struct group *g;

	if (gid_looked_up)
		return record_gid;
	gid_looked_up = true;
	record_gid = (gid_t)-1;
	if (!cfg.record_group[0])
		return record_gid;
	/* a number is taken as a gid as is (the static build has no NSS) */
	if (strspn(cfg.record_group, "0123456789") == strlen(cfg.record_group)) {
		record_gid = (gid_t)strtoul(cfg.record_group, NULL, 10);
		return record_gid;
	}
	g = getgrnam(cfg.record_group);
	if (g)
		record_gid = g->gr_gid;
	else
		log_warn("record_group %s does not exist: records keep the daemon's group",
			 cfg.record_group);
	return record_gid;
}

static char *base64(const uint8_t *p, size_t n)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);

		*o++ = tbl[v >> 18 & 63];
		*o++ = tbl[v >> 12 & 63];
		*o++ = i + 1 < n ? tbl[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tbl[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static void iso_time(const struct timespec *ts, char out[64])
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000);
}

static int record_path(const struct reader *r, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s.json", cfg.record_dir, r->name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static void json_putp(json_object **o)
{
	json_object_put(*o);
}

static void freep(void *p)
{
	free(*(void **)p);
}

static void add_photo(json_object *o, const struct reader *r)
{
	json_object *photo;
	__attribute__((cleanup(freep))) char *b = NULL, *ib = NULL;
	__attribute__((cleanup(freep))) uint8_t *img = NULL;
	size_t img_len = 0;
	char mime[64] = "";

	if (!json_object_object_get_ex(o, "photo", &photo))
		return;
	b = base64(r->photo, r->photo_len);
	if (b)
		json_object_object_add(photo, "wlt_base64", json_object_new_string(b));
	if (plugin_decode(r->photo, r->photo_len, &img, &img_len, mime) > 0) {
		json_object *image = json_object_new_object();

		ib = base64(img, img_len);
		json_object_object_add(image, "mime", json_object_new_string(mime));
		if (ib)
			json_object_object_add(image, "base64", json_object_new_string(ib));
		json_object_object_add(photo, "image", image);
	}
}

int record_write(struct reader *r)
{
	__attribute__((cleanup(json_putp))) json_object *o = NULL;
	char path[512], tmp[512], t1[64], t2[64];
	struct timespec now;
	const char *s;
	size_t len, off = 0;
	gid_t gid = group_id();
	struct stat st;
	int fd, e = 0;

	if (record_path(r, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	o = cli_card_json(r->card_data, r->valid, r->photo, r->photo_len, r->fp, r->fp_len);
	if (!o)
		return -ENOMEM;
	clock_gettime(CLOCK_REALTIME, &now);
	iso_time(&r->seen_rt, t1);
	iso_time(&now, t2);
	json_object_object_add(o, "reader", json_object_new_string(r->name));
	json_object_object_add(o, "sam_id", json_object_new_string(r->sam_id));
	json_object_object_add(o, "card_seen_at", json_object_new_string(t1));
	json_object_object_add(o, "read_at", json_object_new_string(t2));
	json_object_object_add(o, "read_ms",
			       json_object_new_int64((int64_t)((now_us() - r->seen_us) / 1000)));
	add_photo(o, r);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(s);

	if (mkdir(cfg.record_dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s/.%s.json.XXXXXX", cfg.record_dir, r->name);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/*
	 * chown only when the file is not in the group already: the unit runs
	 * cnidd with Group=cnid, so the file is born in it, and its system call
	 * filter refuses the chown family (@privileged) with EPERM.
	 */
	if (fchmod(fd, 0640) < 0 || fstat(fd, &st) < 0 ||
	    (gid != (gid_t)-1 && st.st_gid != gid && fchown(fd, (uid_t)-1, gid) < 0))
		e = -errno;
	while (!e && off < len) {
		ssize_t n = write(fd, s + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			e = -errno;
		else
			off += (size_t)n;
	}
	if (!e && write(fd, "\n", 1) != 1)
		e = -EIO;
	if (close(fd) < 0 && !e)
		e = -errno;
	if (!e && rename(tmp, path) < 0)
		e = -errno;
	if (e)
		unlink(tmp);
	return e;
}

void record_remove(struct reader *r)
{
	char path[512];

	if (record_path(r, path, sizeof(path)) == 0 && unlink(path) < 0 && errno != ENOENT)
		log_warn("%s: cannot remove its record: %m", r->name);
}
