/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Readers from udev: every /dev/cnidN (subsystem usbmisc, name cnid*) and
 * every tty a udev rule tagged with ENV{CNID_READER}="1".  The monitor is
 * listening before the enumeration starts, so a reader that appears in
 * between is seen (once: a second "add" of a known path is ignored).
 */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "cnidd.h"

#ifdef CNIDD_NO_UDEV
/* The static build for the QEMU guest: readers come from the configuration. */
int devices_start(void)
{
	return -EOPNOTSUPP;
}

void devices_stop(void)
{
}
#else
#include <libudev.h>

static struct udev *udev;
static struct udev_monitor *mon;
static struct source mon_src = { .fd = -1 };

static bool wanted(struct udev_device *d)
{
	const char *sub = udev_device_get_subsystem(d), *name = udev_device_get_sysname(d);
	const char *tag;

	if (!sub || !name || !udev_device_get_devnode(d))
		return false;
	if (!strcmp(sub, "usbmisc"))
		return !strncmp(name, "cnid", 4);
	tag = udev_device_get_property_value(d, "CNID_READER");
	return !strcmp(sub, "tty") && tag && !strcmp(tag, "1");
}

static void added(struct udev_device *d)
{
	const char *node = udev_device_get_devnode(d);

	if (!wanted(d) || reader_find_path(node))
		return;
	if (!reader_add(udev_device_get_sysname(d), node, false, true))
		log_err("%s: cannot attach: out of memory", udev_device_get_sysname(d));
}

static void removed(struct udev_device *d)
{
	const char *node = udev_device_get_devnode(d);
	struct reader *r = node ? reader_find_path(node) : NULL;

	if (r && r->from_udev)
		reader_remove(r, "unplugged");
}

static void on_monitor(struct source *s, uint32_t events)
{
	struct udev_device *d;

	(void)s;
	(void)events;
	while ((d = udev_monitor_receive_device(mon))) {
		const char *action = udev_device_get_action(d);

		if (action && !strcmp(action, "remove"))
			removed(d);
		else if (action && (!strcmp(action, "add") || !strcmp(action, "bind")))
			added(d);
		udev_device_unref(d);
	}
}

int devices_start(void)
{
	struct udev_enumerate *en;
	struct udev_list_entry *e;

	udev = udev_new();
	if (!udev)
		return -ENOMEM;
	mon = udev_monitor_new_from_netlink(udev, "udev");
	if (!mon || udev_monitor_filter_add_match_subsystem_devtype(mon, "usbmisc", NULL) < 0 ||
	    udev_monitor_filter_add_match_subsystem_devtype(mon, "tty", NULL) < 0 ||
	    udev_monitor_enable_receiving(mon) < 0) {
		devices_stop();
		return -EIO;
	}
	mon_src = (struct source){ .fd = udev_monitor_get_fd(mon), .fn = on_monitor };
	if (loop_add(&mon_src, EPOLLIN) < 0) {
		devices_stop();
		return -EIO;
	}
	en = udev_enumerate_new(udev);
	if (!en)
		return -ENOMEM;
	udev_enumerate_add_match_subsystem(en, "usbmisc");
	udev_enumerate_add_match_subsystem(en, "tty");
	udev_enumerate_scan_devices(en);
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en)) {
		struct udev_device *d =
			udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));

		if (d) {
			added(d);
			udev_device_unref(d);
		}
	}
	udev_enumerate_unref(en);
	return 0;
}

void devices_stop(void)
{
	if (mon_src.fd >= 0)
		loop_del(&mon_src);
	mon_src.fd = -1;
	if (mon)
		udev_monitor_unref(mon);
	mon = NULL;
	if (udev)
		udev_unref(udev);
	udev = NULL;
}
#endif
