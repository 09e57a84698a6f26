// SPDX-License-Identifier: GPL-2.0-only
/*
 * cnid: driver for MPS "SAM" ID-card readers (USB 0400:c35a).
 *
 * Binding, endpoints, power management, sysfs attributes and the module's
 * entry points.  The readers speak the SAM frame protocol over bulk
 * endpoints, either with two pipe pairs (header and body apart: "split")
 * or one ("single"); the endpoints decide which.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "cnid_drv.h"

unsigned int cnid_timeout_ms = 5000;

static int cnid_set_timeout(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, CNID_TIMEOUT_MAX_MS);
}

static const struct kernel_param_ops cnid_timeout_ops = {
	.set = cnid_set_timeout,
	.get = param_get_uint,
};
module_param_cb(timeout_ms, &cnid_timeout_ops, &cnid_timeout_ms, 0644);
MODULE_PARM_DESC(timeout_ms, "Default whole-transaction timeout (ms, 1-60000, default 5000)");

static const struct usb_device_id cnid_ids[] = {
	{ USB_DEVICE(CNID_USB_VENDOR, CNID_USB_PRODUCT) },
	{ }
};
MODULE_DEVICE_TABLE(usb, cnid_ids);
#ifdef CNID_TEST_ENGINE_PLANT
MODULE_INFO(cnid_test_build, "engine-plant");
#endif

static int cnid_find_endpoints(struct cnid_dev *dev, struct usb_interface *intf)
{
	struct usb_host_interface *alt = intf->cur_altsetting;
	struct usb_endpoint_descriptor *in[2], *out[2];
	unsigned int i, n_in = 0, n_out = 0, npairs;

	for (i = 0; i < alt->desc.bNumEndpoints; i++) {
		struct usb_endpoint_descriptor *epd = &alt->endpoint[i].desc;

		if (usb_endpoint_is_bulk_in(epd))
			n_in++;
		else if (usb_endpoint_is_bulk_out(epd))
			n_out++;
	}
	if (n_in != n_out || n_in < 1 || n_in > 2) {
		dev_err(&intf->dev,
			"not a SAM reader interface: %u bulk IN and %u bulk OUT endpoints (want 1+1 or 2+2)\n",
			n_in, n_out);
		return -ENODEV;
	}
	npairs = n_in;
	dev->mode = npairs == 2 ? CNID_PIPE_SPLIT : CNID_PIPE_SINGLE;
	/* first pair in descriptor order; in split mode the last pair too */
	if (usb_find_common_endpoints(alt, &in[0], &out[0], NULL, NULL) ||
	    usb_find_common_endpoints_reverse(alt, &in[1], &out[1], NULL, NULL))
		return -ENODEV;
	for (i = 0; i < npairs; i++) {
		unsigned int imax = usb_endpoint_maxp(in[i]);
		unsigned int omax = usb_endpoint_maxp(out[i]);

		if (imax < 8 || imax > 1024 || omax < 8 || omax > 1024) {
			dev_err(&intf->dev,
				"bulk pair %u has packet sizes %u/%u; refusing\n",
				i, imax, omax);
			return -ENODEV;
		}
		dev->in_pipe[i] = usb_rcvbulkpipe(dev->udev, in[i]->bEndpointAddress);
		dev->out_pipe[i] = usb_sndbulkpipe(dev->udev, out[i]->bEndpointAddress);
		dev->in_maxp[i] = imax;
	}
	if (npairs == 1) {
		dev->in_pipe[1] = dev->in_pipe[0];
		dev->out_pipe[1] = dev->out_pipe[0];
		dev->in_maxp[1] = dev->in_maxp[0];
	}
	return 0;
}

static int cnid_alloc_urbs(struct cnid_dev *dev)
{
	unsigned int max = CNID_WIRE_FRAME_MAX;
	unsigned int sizes[CNID_NR_URBS] = {
		[CNID_URB_OUT0] = max,
		[CNID_URB_OUT1] = max,
		[CNID_URB_IN0] = roundup(max, dev->in_maxp[0]),
		[CNID_URB_IN1] = roundup(max, dev->in_maxp[1]),
	};
	unsigned int pipes[CNID_NR_URBS] = {
		[CNID_URB_OUT0] = dev->out_pipe[0],
		[CNID_URB_OUT1] = dev->out_pipe[1],
		[CNID_URB_IN0] = dev->in_pipe[0],
		[CNID_URB_IN1] = dev->in_pipe[1],
	};
	int i;

	for (i = 0; i < CNID_NR_URBS; i++) {
		struct cnid_urb *cu = &dev->urbs[i];

		cu->dev = dev;
		cu->size = sizes[i];
		cu->urb = usb_alloc_urb(0, GFP_KERNEL);
		cu->buf = kmalloc(cu->size, GFP_KERNEL);
		if (!cu->urb || !cu->buf)
			return -ENOMEM;
		usb_fill_bulk_urb(cu->urb, dev->udev, pipes[i], cu->buf,
				  cu->size, cnid_urb_complete, cu);
	}
	return 0;
}

static int cnid_probe(struct usb_interface *intf,
		      const struct usb_device_id *id)
{
	struct cnid_dev *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	kref_init(&dev->kref);
	mutex_init(&dev->io_mutex);
	spin_lock_init(&dev->lock);
	init_waitqueue_head(&dev->wait);
	timer_setup(&dev->timer, cnid_xfer_timer, 0);
	INIT_WORK(&dev->halt_work, cnid_halt_work);
	cnid_reader_init(&dev->rd, dev);
	dev->udev = usb_get_dev(interface_to_usbdev(intf));
	dev->intf = usb_get_intf(intf);

	ret = cnid_find_endpoints(dev, intf);
	if (ret)
		goto err_put;
	ret = cnid_alloc_urbs(dev);
	if (ret)
		goto err_put;

	usb_set_intfdata(intf, dev);
	ret = usb_register_dev(intf, &cnid_class);
	if (ret) {
		dev_err(&intf->dev, "cannot register a device node: %d\n", ret);
		usb_set_intfdata(intf, NULL);
		goto err_put;
	}
	dev->minor = intf->minor;
	strscpy(dev->name, dev_name(intf->usb_dev), sizeof(dev->name));
	cnid_readers_add(dev);
	dev_info(&intf->dev, "%s: SAM reader, %s pipes, %u-byte packets\n",
		 dev->name, dev->mode == CNID_PIPE_SPLIT ? "split" : "single",
		 dev->in_maxp[0]);
	return 0;

err_put:
	kref_put(&dev->kref, cnid_delete);
	return ret;
}

static void cnid_disconnect(struct usb_interface *intf)
{
	struct cnid_dev *dev = usb_get_intfdata(intf);

	set_bit(CNID_GONE, &dev->flags);
	/* READER_REMOVED, no more announcements or uevents; the minor stays ours */
	cnid_readers_del(dev);

	/* waits for any open() in progress; open() takes none of our locks */
	usb_deregister_dev(intf, &cnid_class);

	/* past this point no file operation does I/O */
	mutex_lock(&dev->io_mutex);
	cnid_xfer_stop(dev, -ENODEV, true);
	mutex_unlock(&dev->io_mutex);
	cancel_work_sync(&dev->halt_work);
	timer_delete_sync(&dev->timer);
	usb_set_intfdata(intf, NULL);
	dev_info(&intf->dev, "%s: disconnected\n", dev->name);
	kref_put(&dev->kref, cnid_delete);
}

/*
 * Suspend and reset end a running transaction with ECONNABORTED (its reply
 * is lost; the reader is quarantined) and stop I/O until resume or
 * post_reset.  Runtime suspend only happens with no file open.
 */
static int cnid_pause(struct usb_interface *intf, pm_message_t message)
{
	struct cnid_dev *dev = usb_get_intfdata(intf);

	mutex_lock(&dev->io_mutex);
	cnid_xfer_stop(dev, CNID_PLANT(-ECONNABORTED, -EIO), true);
	mutex_unlock(&dev->io_mutex);
	cancel_work_sync(&dev->halt_work);
	return 0;
}

static int cnid_resume(struct usb_interface *intf)
{
	struct cnid_dev *dev = usb_get_intfdata(intf);

	mutex_lock(&dev->io_mutex);
	cnid_xfer_resume(dev, false);
	mutex_unlock(&dev->io_mutex);
	return 0;
}

static int cnid_reset_resume(struct usb_interface *intf)
{
	struct cnid_dev *dev = usb_get_intfdata(intf);

	mutex_lock(&dev->io_mutex);
	cnid_xfer_resume(dev, true);
	mutex_unlock(&dev->io_mutex);
	return 0;
}

/* io_mutex is held from pre_reset to post_reset, as cdc-wdm does */
static int cnid_pre_reset(struct usb_interface *intf)
{
	struct cnid_dev *dev = usb_get_intfdata(intf);

	mutex_lock(&dev->io_mutex);
	cnid_xfer_stop(dev, CNID_PLANT(-ECONNABORTED, -EIO), true);
	return 0;
}

static int cnid_post_reset(struct usb_interface *intf)
{
	struct cnid_dev *dev = usb_get_intfdata(intf);

	cnid_xfer_resume(dev, true);
	mutex_unlock(&dev->io_mutex);
	return 0;
}

/*
 * sysfs: /sys/bus/usb/devices/B-P:C.I/cnid/, world-readable: the transport
 * and its counters only (the announced state is netlink's and
 * CNID_IOC_STATE's; idVendor/idProduct are the USB device's own).
 */
#define CNID_ATTR(_name, _fmt, _val)					\
static ssize_t _name##_show(struct device *d,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct cnid_dev *dev = usb_get_intfdata(to_usb_interface(d));	\
									\
	return dev ? sysfs_emit(buf, _fmt "\n", _val) : -ENODEV;	\
}									\
static DEVICE_ATTR_RO(_name)

CNID_ATTR(pipe_mode, "%s", dev->mode == CNID_PIPE_SPLIT ? "split" : "single");
CNID_ATTR(packet_size, "%u", dev->in_maxp[0]);
CNID_ATTR(transactions, "%lld", atomic64_read(&dev->transactions));
CNID_ATTR(timeouts, "%lld", atomic64_read(&dev->timeouts));
CNID_ATTR(checksum_errors, "%lld", atomic64_read(&dev->checksum_errors));
CNID_ATTR(resyncs, "%lld", atomic64_read(&dev->resyncs));
CNID_ATTR(garbage_bytes, "%lld", atomic64_read(&dev->garbage_bytes));
CNID_ATTR(errors, "%lld", atomic64_read(&dev->errors));

static struct attribute *cnid_attrs[] = {
	&dev_attr_pipe_mode.attr,
	&dev_attr_packet_size.attr,
	&dev_attr_transactions.attr,
	&dev_attr_timeouts.attr,
	&dev_attr_checksum_errors.attr,
	&dev_attr_resyncs.attr,
	&dev_attr_garbage_bytes.attr,
	&dev_attr_errors.attr,
	NULL,
};

static const struct attribute_group cnid_group = {
	.name = "cnid",
	.attrs = cnid_attrs,
};

static const struct attribute_group *cnid_groups[] = {
	&cnid_group,
	NULL,
};

struct usb_driver cnid_driver = {
	.name = "cnid",
	.probe = cnid_probe,
	.disconnect = cnid_disconnect,
	.suspend = cnid_pause,
	.resume = cnid_resume,
	.reset_resume = cnid_reset_resume,
	.pre_reset = cnid_pre_reset,
	.post_reset = cnid_post_reset,
	.id_table = cnid_ids,
	.dev_groups = cnid_groups,
	.supports_autosuspend = 1,
};

static int __init cnid_init(void)
{
	int ret;

	ret = cnid_nl_init();
	if (ret)
		return ret;
	ret = usb_register(&cnid_driver);
	if (ret)
		cnid_nl_exit();
	return ret;
}

static void __exit cnid_exit(void)
{
	usb_deregister(&cnid_driver);
	cnid_nl_exit();
}

module_init(cnid_init);
module_exit(cnid_exit);

MODULE_DESCRIPTION("MPS SAM ID-card reader driver (USB 0400:c35a)");
MODULE_LICENSE("GPL");
MODULE_VERSION("0.1");
