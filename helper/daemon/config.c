/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnidd's configuration file (helper/daemon/cnidd.conf is the documented
 * example): "key = value" lines, '#' comments, blank lines.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnidd.h"
#include "uapi/cnid.h"

int cnidd_config_defaults(struct cnidd_config *c)
{
	*c = (struct cnidd_config){
		.poll_ms = 500,
		.timeout_ms = 1500,
		.read_timeout_ms = 5000,
		.read_attempts = 3,
		.quiet_ms = 300,
		.reopen_ms = 1000,
		.fingerprints = false,
		.udev = true,
	};
	strcpy(c->record_dir, "/run/cnid");
	strcpy(c->record_group, "cnid");
	strcpy(c->control_node, "/dev/" CNID_CTL_NAME);
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int parse_uint(const char *v, unsigned min, unsigned max, unsigned *ret)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max || v[0] == '-')
		return -EINVAL;
	*ret = (unsigned)n;
	return 0;
}

static int parse_bool(const char *v, bool *ret)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*ret = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static int set_str(char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size)
		return -ENAMETOOLONG;
	strcpy(dst, v);
	return 0;
}

static int set_key(struct cnidd_config *c, const char *k, const char *v, const char **why)
{
	int e;

	*why = "bad value";
	if (!strcmp(k, "poll_interval_ms"))
		return parse_uint(v, 10, 60000, &c->poll_ms);
	if (!strcmp(k, "timeout_ms"))
		return parse_uint(v, 10, 60000, &c->timeout_ms);
	if (!strcmp(k, "read_timeout_ms"))
		return parse_uint(v, 10, 60000, &c->read_timeout_ms);
	if (!strcmp(k, "read_attempts"))
		return parse_uint(v, 1, 10, &c->read_attempts);
	if (!strcmp(k, "quiet_ms"))
		return parse_uint(v, 0, 60000, &c->quiet_ms);
	if (!strcmp(k, "reopen_ms"))
		return parse_uint(v, 10, 600000, &c->reopen_ms);
	if (!strcmp(k, "fingerprints"))
		return parse_bool(v, &c->fingerprints);
	if (!strcmp(k, "udev"))
		return parse_bool(v, &c->udev);
	if (!strcmp(k, "record_dir")) {
		if (v[0] != '/') {
			*why = "record_dir must be an absolute path";
			return -EINVAL;
		}
		return set_str(c->record_dir, sizeof(c->record_dir), v);
	}
	if (!strcmp(k, "record_group"))
		return set_str(c->record_group, sizeof(c->record_group), v);
	if (!strcmp(k, "control_node")) {
		if (v[0] && v[0] != '/') {
			*why = "control_node must be an absolute path (or empty)";
			return -EINVAL;
		}
		return set_str(c->control_node, sizeof(c->control_node), v);
	}
	if (!strcmp(k, "plugin"))
		return set_str(c->plugin, sizeof(c->plugin), v);
	/* "reader" names any reader node or line to attach to without udev */
	if (!strcmp(k, "serial") || !strcmp(k, "reader")) {
		if (c->n_serial >= CNIDD_MAX_SERIAL) {
			*why = "too many serial lines";
			return -EINVAL;
		}
		if (v[0] != '/') {
			*why = "a reader must be an absolute path";
			return -EINVAL;
		}
		e = set_str(c->serial[c->n_serial], sizeof(c->serial[0]), v);
		if (e == 0)
			c->n_serial++;
		return e;
	}
	if (!strcmp(k, "log_level")) {
		if (!strcmp(v, "debug"))
			cnidd_log_level = LOG_DEBUG_;
		else if (!strcmp(v, "info"))
			cnidd_log_level = LOG_INFO_;
		else
			return -EINVAL;
		return 0;
	}
	*why = "unknown key";
	return -EINVAL;
}

int cnidd_config_load(const char *path, struct cnidd_config *c, unsigned *ret_line,
		      const char **ret_why)
{
	FILE *f;
	char line[1024];
	unsigned n = 0;
	int e = 0;

	cnidd_config_defaults(c);
	*ret_line = 0;
	*ret_why = NULL;
	if (!path)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq;

		n++;
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			*ret_why = "not key = value";
			e = -EINVAL;
			break;
		}
		*eq = '\0';
		e = set_key(c, trim(s), trim(eq + 1), ret_why);
		if (e < 0)
			break;
	}
	fclose(f);
	if (e < 0)
		*ret_line = n;
	if (e == -ENAMETOOLONG)
		*ret_why = "value too long";
	return e < 0 ? -EINVAL : 0;
}
