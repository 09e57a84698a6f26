// SPDX-License-Identifier: GPL-2.0-only
/*
 * cnid: the character device /dev/cnidN (a usbmisc minor).
 *
 * ioctl(CNID_IOC_XFER) does a whole transaction; write() starts one and
 * read() takes its reply; poll() tells when the reply is there.  Every file
 * operation takes io_mutex and re-checks CNID_GONE under it.
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

static int cnid_lock(struct cnid_dev *dev, struct file *file)
{
	if (file->f_flags & O_NONBLOCK) {
		if (!mutex_trylock(&dev->io_mutex))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&dev->io_mutex)) {
		return -ERESTARTSYS;
	}
	if (cnid_gone(dev)) {
		mutex_unlock(&dev->io_mutex);
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
	cf->pm_held = true;
	cf->dev = dev;
	kref_get(&dev->kref);
	file->private_data = cf;
	return stream_open(inode, file);

err_free:
	kfree(cf->reply);
	kfree(cf->req);
	kfree(cf);
	return ret;
}

static int cnid_release(struct inode *inode, struct file *file)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_dev *dev = cf->dev;

	mutex_lock(&dev->io_mutex);
	if (dev->owner == cf) {
		dev->owner = NULL;
		cnid_xfer_abort(dev, -ECANCELED);
	}
	/*
	 * After disconnect() the USB core drops what the binding's users
	 * still hold; a put from us then would underflow the count.
	 */
	if (cf->pm_held && !cnid_gone(dev))
		usb_autopm_put_interface(dev->intf);
	mutex_unlock(&dev->io_mutex);

	kfree(cf->reply);
	kfree(cf->req);
	kfree(cf);
	kref_put(&dev->kref, cnid_delete);
	return 0;
}

/* Finish another file's write() transaction so that ours can start. */
static int cnid_wait_idle(struct cnid_dev *dev, struct cnid_file *cf,
			  struct file *file)
{
	int ret;

	if (!dev->active)
		return 0;
	if (dev->owner == cf)
		return -EBUSY;
	if (file->f_flags & O_NONBLOCK)
		return -EAGAIN;
	ret = cnid_xfer_run(dev, false, false);
	if (ret)
		return ret;
	return cnid_gone(dev) ? -ENODEV : 0;
}

static ssize_t cnid_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_dev *dev = cf->dev;
	ssize_t ret;

	ret = cnid_lock(dev, file);
	if (ret)
		return ret;
	if (!cf->ready) {
		if (!dev->active || dev->owner != cf) {
			ret = -ENOMSG;
			goto out;
		}
		ret = cnid_xfer_run(dev, file->f_flags & O_NONBLOCK, false);
		if (ret)
			goto out;
	}
	if (cf->reply_err) {
		ret = cf->reply_err;
		cf->ready = false;
	} else if (count < cf->reply_len) {
		ret = -ENOBUFS;
	} else if (copy_to_user(buf, cf->reply, cf->reply_len)) {
		ret = -EFAULT;
	} else {
		ret = cf->reply_len;
		cf->ready = false;
	}
out:
	mutex_unlock(&dev->io_mutex);
	return ret;
}

static ssize_t cnid_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_dev *dev = cf->dev;
	ssize_t ret;

	if (count > CNID_WIRE_FRAME_MAX)
		return -EINVAL;
	ret = cnid_lock(dev, file);
	if (ret)
		return ret;
	ret = cnid_wait_idle(dev, cf, file);
	if (ret)
		goto out;
	if (copy_from_user(cf->req, buf, count)) {
		ret = -EFAULT;
		goto out;
	}
	ret = cnid_frame_check(cf->req, count, CNID_WIRE_REQ_LEN_MIN);
	if (ret)
		goto out;
	cf->ready = false;
	ret = cnid_xfer_start(dev, cf, cf->req, count, READ_ONCE(cnid_timeout_ms),
			      file->f_flags & O_NONBLOCK);
	if (!ret)
		ret = count;
out:
	mutex_unlock(&dev->io_mutex);
	return ret;
}

static __poll_t cnid_poll(struct file *file, poll_table *wait)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_dev *dev = cf->dev;
	__poll_t mask = 0;

	poll_wait(file, &dev->wait, wait);
	if (cnid_gone(dev))
		return EPOLLHUP | EPOLLERR;
	/*
	 * Our transaction made progress: move it on, so that EPOLLIN means a
	 * read() will not block.  If another task holds the lock it does
	 * the work and wakes us when the transaction ends.
	 */
	if (READ_ONCE(dev->owner) == cf && READ_ONCE(dev->event) &&
	    mutex_trylock(&dev->io_mutex)) {
		if (dev->active && dev->owner == cf)
			cnid_xfer_poll(dev);
		mutex_unlock(&dev->io_mutex);
	}
	if (READ_ONCE(cf->ready))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (!READ_ONCE(dev->active))
		mask |= EPOLLOUT | EPOLLWRNORM;
	mask |= cnid_state_poll(file, wait);
	return mask;
}

static unsigned int cnid_clamp_timeout(unsigned int ms)
{
	if (!ms)
		ms = READ_ONCE(cnid_timeout_ms);
	return clamp(ms, 1U, (unsigned int)CNID_TIMEOUT_MAX_MS);
}

static long cnid_ioctl_xfer(struct file *file, struct cnid_xfer __user *uarg)
{
	struct cnid_file *cf = file->private_data;
	struct cnid_dev *dev = cf->dev;
	struct cnid_xfer x;
	long ret;

	if (copy_from_user(&x, uarg, sizeof(x)))
		return -EFAULT;
	if (x.flags || x.request_len > CNID_WIRE_FRAME_MAX ||
	    x.timeout_ms > CNID_TIMEOUT_MAX_MS)
		return -EINVAL;
	ret = cnid_lock(dev, file);
	if (ret)
		return ret;
	ret = cnid_wait_idle(dev, cf, file);
	if (ret)
		goto out;
	if (copy_from_user(cf->req, u64_to_user_ptr(x.request), x.request_len)) {
		ret = -EFAULT;
		goto out;
	}
	ret = cnid_frame_check(cf->req, x.request_len, CNID_WIRE_REQ_LEN_MIN);
	if (ret)
		goto out;
	ret = cnid_xfer_start(dev, NULL, cf->req, x.request_len,
			      cnid_clamp_timeout(x.timeout_ms),
			      file->f_flags & O_NONBLOCK);
	if (ret)
		goto out;
	ret = cnid_xfer_run(dev, false, true);
	if (ret)
		goto out;
	ret = dev->result;
	x.garbage = dev->rx.garbage;
	x.reply_len = ret ? 0 : dev->rx.need;
	if (!ret && x.reply_len > x.reply_size)
		ret = -ENOBUFS;
	else if (!ret && copy_to_user(u64_to_user_ptr(x.reply), dev->rx.buf,
				      x.reply_len))
		ret = -EFAULT;
	if ((!ret || ret == -ENOBUFS) &&
	    copy_to_user(uarg, &x, sizeof(x)))
		ret = -EFAULT;
out:
	mutex_unlock(&dev->io_mutex);
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
