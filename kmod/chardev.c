// SPDX-License-Identifier: GPL-2.0-only
/*
 * cnid: the character device /dev/cnidN (a usbmisc minor).
 *
 * ioctl(CNID_IOC_XFER) does a whole transaction; write() starts one and
 * read() takes its reply; poll() tells when the reply is there.  Requests
 * are copied in before and replies out after the reader is claimed, with
 * only the file's own mutex held; a file's reply reaches that file alone.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "cnid_drv.h"

static void cnid_free_urbs(struct cnid_dev *dev)
{
	int i;

	for (i = 0; i < CNID_NR_URBS; i++) {
		usb_free_urb(dev->urbs[i].urb);
		kfree(dev->urbs[i].buf);
	}
}

void cnid_delete(struct kref *kref)
{
	struct cnid_dev *dev = container_of(kref, struct cnid_dev, kref);

	timer_delete_sync(&dev->timer);
	cnid_free_urbs(dev);
	usb_put_intf(dev->intf);
	usb_put_dev(dev->udev);
	kfree(dev);
}

/* One call of a file at a time; the reader must still be there. */
static int cnid_lock(struct cnid_file *cf, struct file *file)
{
	if (file->f_flags & O_NONBLOCK) {
		if (!mutex_trylock(&cf->lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&cf->lock)) {
		return -ERESTARTSYS;
	}
	if (cnid_gone(cf->dev)) {
		mutex_unlock(&cf->lock);
		return -ENODEV;
	}
	return 0;
}

static int cnid_open(struct inode *inode, struct file *file)
{
	struct usb_interface *intf;
	struct cnid_file *cf;
	struct cnid_dev *dev;
	int ret;

	intf = usb_find_interface(&cnid_driver, iminor(inode));
	if (!intf)
		return -ENODEV;
	dev = usb_get_intfdata(intf);
	if (!dev || cnid_gone(dev))
		return -ENODEV;

	cf = kzalloc(sizeof(*cf), GFP_KERNEL);
	if (!cf)
		return -ENOMEM;
	cf->req = kmalloc(CNID_WIRE_FRAME_MAX, GFP_KERNEL);
	cf->reply = kmalloc(CNID_WIRE_FRAME_MAX, GFP_KERNEL);
	if (!cf->req || !cf->reply) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = usb_autopm_get_interface(intf);
	if (ret)
		goto err_free;
	mutex_init(&cf->lock);
	cf->dev = dev;
	kref_get(&dev->kref);
	file->private_data = cf;
	spin_lock_irq(&dev->lock);
	dev->users++;
	spin_unlock_irq(&dev->lock);
	cnid_xfer_arm(dev, GFP_KERNEL);
	return stream_open(inode, file);

err_free:
	kfree(cf->reply);
	kfree(cf->req);
	kfree(cf);
	return ret;
}

/*
 * A transaction whose file closes runs on and its reply is dropped; the
 * last close stops the reader (what is still to come is quarantined).
 */
static int cnid_release(struct inode *inode, struct file *file)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_dev *dev = cf->dev;
	bool last;

	spin_lock_irq(&dev->lock);
	if (dev->owner == cf)
		dev->owner = NULL;
	last = !--dev->users;
	spin_unlock_irq(&dev->lock);
#ifdef CNID_TEST_NO_QUARANTINE
	last = true;	/* test builds: close abandons the transaction */
#endif
	if (last && !cnid_gone(dev)) {
		mutex_lock(&dev->io_mutex);
		cnid_xfer_stop(dev, -ECANCELED, false);
		mutex_unlock(&dev->io_mutex);
		cnid_xfer_arm(dev, GFP_KERNEL);
	}
	if (CNID_PLANT(true, !cnid_gone(dev)))
		usb_autopm_put_interface(dev->intf);

	kfree(cf->reply);
	kfree(cf->req);
	kfree(cf);
	kref_put(&dev->kref, cnid_delete);
	return 0;
}

/* Has cf's wait for its reply ended (reply there, or no transaction)? */
static bool cnid_file_ready(struct cnid_file *cf)
{
	struct cnid_dev *dev = cf->dev;
	bool ret;

	spin_lock_irq(&dev->lock);
	ret = cf->ready || dev->owner != cf;
	spin_unlock_irq(&dev->lock);
	return ret;
}

/*
 * Wait for cf's reply: 0 once cf->ready, -ENOMSG without a transaction,
 * -EAGAIN, or -ERESTARTSYS (the transaction goes on; a restarted call
 * finds it).  The transaction's deadline bounds the wait.
 */
static int cnid_wait_reply(struct cnid_file *cf, bool nonblock)
{
	struct cnid_dev *dev = cf->dev;
	int ret;

	if (!nonblock && wait_event_interruptible(dev->wait, cnid_file_ready(cf)))
		return -ERESTARTSYS;
	spin_lock_irq(&dev->lock);
	ret = cf->ready ? 0 : dev->owner == cf ? -EAGAIN : -ENOMSG;
	spin_unlock_irq(&dev->lock);
	return ret;
}

/* Take the reply (0 or its length) or the error of cf's transaction. */
static int cnid_take_reply(struct cnid_file *cf, void __user *buf,
			   size_t size)
{
	int ret = cf->reply_err;

	if (!ret && size < cf->reply_len)
		ret = -ENOBUFS;
	else if (!ret && copy_to_user(buf, cf->reply, cf->reply_len))
		ret = -EFAULT;
	if (ret != -ENOBUFS && ret != -EFAULT)
		cf->ready = false;
	return ret ?: cf->reply_len;
}

static ssize_t cnid_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	struct cnid_file *cf = file->private_data;
	ssize_t ret;

	ret = cnid_lock(cf, file);
	if (ret)
		return ret;
	ret = cnid_wait_reply(cf, file->f_flags & O_NONBLOCK);
	if (!ret)
		ret = cnid_take_reply(cf, buf, count);
	mutex_unlock(&cf->lock);
	return ret;
}

/* Check a request (already copied in) and start it. */
static int cnid_request(struct file *file, const u8 *req, size_t len,
			unsigned int timeout_ms)
{
	struct cnid_file *cf = file->private_data;
	int ret;

	spin_lock_irq(&cf->dev->lock);
	ret = cf->dev->owner == cf ? -EBUSY : 0;
	spin_unlock_irq(&cf->dev->lock);
	if (!ret)
		ret = cnid_frame_check(req, len, CNID_WIRE_REQ_LEN_MIN);
	if (ret)
		return ret;
	memcpy(cf->req, req, len);
	cf->req_len = len;
	cf->ready = false;
	cf->ioctl = false;
	return cnid_xfer_start(cf->dev, cf, timeout_ms,
			       file->f_flags & O_NONBLOCK);
}

static ssize_t cnid_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	struct cnid_file *cf = file->private_data;
	ssize_t ret;
	u8 *req;

	if (count > CNID_WIRE_FRAME_MAX)
		return -EINVAL;
	req = memdup_user(buf, count);
	if (IS_ERR(req))
		return PTR_ERR(req);
	ret = cnid_lock(cf, file);
	if (!ret) {
		ret = cnid_request(file, req, count, READ_ONCE(cnid_timeout_ms));
		mutex_unlock(&cf->lock);
	}
	kfree(req);
	return ret ?: count;
}

static __poll_t cnid_poll(struct file *file, poll_table *wait)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_dev *dev = cf->dev;
	__poll_t mask = 0;

	poll_wait(file, &dev->wait, wait);
	if (cnid_gone(dev))
		return EPOLLHUP | EPOLLERR;
	spin_lock_irq(&dev->lock);
	if (cf->ready)
		mask |= EPOLLIN | EPOLLRDNORM;
	if (cnid_claimable(dev))
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock_irq(&dev->lock);
	mask |= cnid_state_poll(file, wait);
	return mask;
}

static unsigned int cnid_clamp_timeout(unsigned int ms)
{
	if (!ms)
		ms = READ_ONCE(cnid_timeout_ms);
	return clamp(ms, 1U, (unsigned int)CNID_TIMEOUT_MAX_MS);
}

/*
 * An ioctl interrupted by a signal leaves its transaction running; the same
 * request again (a restarted call) waits for that transaction's reply
 * instead of sending it twice.
 */
static long cnid_ioctl_xfer(struct file *file, struct cnid_xfer __user *uarg)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_xfer x;
	long ret;
	u8 *req;

	if (copy_from_user(&x, uarg, sizeof(x)))
		return -EFAULT;
	if (x.flags || x.request_len > CNID_WIRE_FRAME_MAX ||
	    x.timeout_ms > CNID_TIMEOUT_MAX_MS)
		return -EINVAL;
	req = memdup_user(u64_to_user_ptr(x.request), x.request_len);
	if (IS_ERR(req))
		return PTR_ERR(req);
	ret = cnid_lock(cf, file);
	if (ret)
		goto out_free;
	if (CNID_PLANT(!cf->ioctl, true) || x.request_len != cf->req_len ||
	    memcmp(req, cf->req, x.request_len)) {
		/* an interrupted ioctl's transaction ends first, unread */
		if (cf->ioctl && wait_event_interruptible(cf->dev->wait,
							  cnid_file_ready(cf))) {
			ret = -ERESTARTSYS;
			goto out;
		}
		ret = cnid_request(file, req, x.request_len,
				   cnid_clamp_timeout(x.timeout_ms));
		if (ret)
			goto out;
	}
	cf->ioctl = true;
	ret = cnid_wait_reply(cf, false);
	if (ret)
		goto out;
	cf->ioctl = false;
	x.garbage = cf->garbage;
	x.reply_len = cf->reply_err ? 0 : cf->reply_len;
	ret = cnid_take_reply(cf, u64_to_user_ptr(x.reply), x.reply_size);
	cf->ready = false;
	if ((ret >= 0 || ret == -ENOBUFS) && copy_to_user(uarg, &x, sizeof(x)))
		ret = -EFAULT;
	if (ret > 0)
		ret = 0;
out:
	mutex_unlock(&cf->lock);
out_free:
	kfree(req);
	return ret;
}

static long cnid_ioctl_info(struct cnid_dev *dev, void __user *uarg)
{
	struct cnid_dev_info info;

	memset(&info, 0, sizeof(info));
	info.uapi_version = CNID_UAPI_VERSION;
	info.vendor = le16_to_cpu(dev->udev->descriptor.idVendor);
	info.product = le16_to_cpu(dev->udev->descriptor.idProduct);
	info.pipe_mode = dev->mode;
	info.packet_size = dev->in_maxp[0];
	info.busnum = dev->udev->bus->busnum;
	info.devnum = dev->udev->devnum;
	info.minor = dev->minor;
	info.timeout_ms = READ_ONCE(cnid_timeout_ms);

	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long cnid_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cnid_file *cf = file->private_data;
	void __user *uarg = (void __user *)arg;

	if (cnid_gone(cf->dev))
		return -ENODEV;
	switch (cmd) {
	case CNID_IOC_XFER:
		return cnid_ioctl_xfer(file, uarg);
	case CNID_IOC_INFO:
		return cnid_ioctl_info(cf->dev, uarg);
	case CNID_IOC_SERVE:
		return cnid_serve(file);
	case CNID_IOC_STATE:
		return cnid_state(file, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations cnid_fops = {
	.owner = THIS_MODULE,
	.open = cnid_open,
	.release = cnid_release,
	.read = cnid_read,
	.write = cnid_write,
	.poll = cnid_poll,
	.unlocked_ioctl = cnid_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

struct usb_class_driver cnid_class = {
	.name = "cnid%d",
	.fops = &cnid_fops,
	.minor_base = 0,
};
