// SPDX-License-Identifier: GPL-2.0-only
/*
 * cnid: one transaction - a request frame out, its reply frame in.
 *
 * The cdc-wdm model: URB completions reassemble the reply (rx.c) under
 * dev->lock and end the transaction; the timer ends it at its deadline and
 * ends quarantines; process context only claims an idle reader, sends the
 * request, waits for flags and copies out.  No wait holds a lock; io_mutex
 * is held only around URB submission, against reset, suspend and close.
 *
 * While a file is open every IN pipe has one URB in flight: one packet
 * long until the reply's LEN is known, then exactly the rest in whole
 * packets, so that a reply ending on a packet boundary completes without a
 * zero-length packet, and bytes after a reply are seen.
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sched/signal.h>

#include "cnid_drv.h"

/*
 * The quarantine.  The SAM protocol has no request/response correlation,
 * and a SAM goes on with a command it accepted.  Input nobody asked for -
 * the rest of a reply whose transaction ended early (timeout, error,
 * suspend, last close), bytes after a reply, anything while idle - is
 * dropped until a whole frame has arrived with nothing after it, or until
 * the reader has been silent for quarantine_ms since the request or the
 * last byte.  No transaction starts meanwhile.  The default is the
 * module's default command timeout (5 s), the slowest command's bound (a
 * SAM answers a text+photo read within about 1 s; peers allow 5 s).
 */
static unsigned int quarantine_ms = 5000;

static int cnid_quarantine_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 100, CNID_TIMEOUT_MAX_MS);
}

static const struct kernel_param_ops cnid_quarantine_ops = {
	.set = cnid_quarantine_set,
	.get = param_get_uint,
};
module_param_cb(quarantine_ms, &cnid_quarantine_ops, &quarantine_ms, 0644);
MODULE_PARM_DESC(quarantine_ms, "Silence that ends the quarantine after an abandoned reply (ms, 100..60000, default 5000)");

/* How long a transport error waits for a disconnect that may follow it. */
#define CNID_GONE_GRACE_MS 1000

#ifdef CNID_TEST_LEAK
/*
 * TEST ONLY - never in a real build.  tests/kmod/privacy-canary.sh builds
 * the module with KCFLAGS=-DCNID_TEST_LEAK, a planted leak (every reply,
 * card data included, into the kernel log) that 21-kmod-netlink must catch.
 */
MODULE_INFO(cnid_test_build, "leaks-replies-to-dmesg");
#define cnid_test_leak(p, n) print_hex_dump(KERN_INFO, "cnid reply: ", \
					    DUMP_PREFIX_OFFSET, 16, 1, p, n, true)
#else
#define cnid_test_leak(p, n) do { } while (0)
#endif

#ifdef CNID_TEST_NO_QUARANTINE
/*
 * TEST ONLY - never in a real build.  tests/kmod/quarantine-canary.sh builds
 * the module with KCFLAGS=-DCNID_TEST_NO_QUARANTINE: a stale reply reaches
 * the next caller, which kmod-test's "stale" tests must catch.
 */
MODULE_INFO(cnid_test_build, "no-quarantine");
#define CNID_QUARANTINE_ON 0
#else
#define CNID_QUARANTINE_ON 1
#endif

static bool cnid_split(const struct cnid_dev *dev)
{
	return dev->mode == CNID_PIPE_SPLIT;
}

static bool cnid_rx_done(const struct cnid_rx *rx)
{
	return rx->need && rx->have >= rx->need;
}

/* Under dev->lock: forget the reassembly, counting what it held. */
static void cnid_rx_drop(struct cnid_dev *dev)
{
	struct cnid_rx *rx = &dev->rx;

	atomic64_add(rx->have + rx->stash_len + rx->garbage + rx->trail,
		     &dev->garbage_bytes);
	cnid_rx_reset(rx);
}

/* Under dev->lock: the timer for whatever ends next. */
static void cnid_timer_update(struct cnid_dev *dev)
{
	unsigned long at = dev->deadline;

	if (dev->phase == CNID_QUARANTINE)
		at = dev->q_since + msecs_to_jiffies(READ_ONCE(quarantine_ms));
	if (dev->xerr && (dev->phase == CNID_IDLE || time_before(dev->xerr_at, at)))
		at = dev->xerr_at;
	if (dev->phase == CNID_IDLE && !dev->xerr)
		timer_delete(&dev->timer);
	else
		mod_timer(&dev->timer, at);
}

static void cnid_count(struct cnid_dev *dev, int err)
{
	if (dev->rx.garbage) {
		atomic64_inc(&dev->resyncs);
		atomic64_add(dev->rx.garbage, &dev->garbage_bytes);
	}
	atomic64_add(dev->rx.trail, &dev->garbage_bytes);
	switch (err) {
	case 0:
		atomic64_inc(&dev->transactions);
		break;
	case -ETIMEDOUT:
		atomic64_inc(&dev->timeouts);
		break;
	case -EBADMSG:
		atomic64_inc(&dev->checksum_errors);
		break;
	default:
		atomic64_inc(&dev->errors);
	}
}

/*
 * Under dev->lock, phase ACTIVE: end the transaction with err (0: the reply
 * is in dev->rx), hand the outcome to its file, and quarantine the reader
 * unless the reply came whole with nothing after it.
 */
static void cnid_finish(struct cnid_dev *dev, int err)
{
	struct cnid_file *cf = dev->owner;
	struct cnid_rx *rx = &dev->rx;
	bool trail = rx->trail;

	cnid_count(dev, err);
	if (cf) {
		cf->reply_err = err;
		cf->reply_len = err ? 0 : rx->need;
		cf->garbage = rx->garbage;
		if (!err)
			memcpy(cf->reply, rx->buf, rx->need);
		cf->ready = true;
	}
	dev->owner = NULL;
	dev->phase = CNID_QUARANTINE_ON ? CNID_QUARANTINE : CNID_IDLE;
	/* a timed-out reply goes on where it was, in the quarantine */
	if (cnid_rx_done(rx) || err == -EPROTO || err == -EMSGSIZE) {
		cnid_rx_reset(rx);
		/* split: what follows a frame comes on the body pipe */
		rx->stream2 = trail && cnid_split(dev);
		if (!err && !trail)
			dev->phase = CNID_IDLE;
	}
	cnid_timer_update(dev);
}

/* Under dev->lock: n bytes arrived in IN URB id. */
static void cnid_input(struct cnid_dev *dev, enum cnid_urb_id id,
		       unsigned int n)
{
	struct cnid_rx *rx = &dev->rx;
	bool more;
	int ret;

	dev->q_since = jiffies;
	/* nobody asked for it */
	if (dev->phase == CNID_IDLE && CNID_QUARANTINE_ON)
		dev->phase = CNID_QUARANTINE;
	ret = cnid_rx_take(rx, cnid_split(dev), id == CNID_URB_IN0,
			   dev->urbs[id].buf, n);
	if (dev->phase == CNID_ACTIVE) {
		if (!ret && cnid_rx_done(rx)) {
			cnid_test_leak(rx->buf, rx->need);	/* test builds only */
			ret = cnid_rx_verify(rx);
		} else if (!ret) {
			return;
		}
		cnid_finish(dev, ret);
		return;
	}
	if (dev->phase == CNID_QUARANTINE && (ret || cnid_rx_done(rx))) {
		/* the abandoned reply came, or a broken frame: drop it */
		more = !ret && rx->trail;
		cnid_rx_drop(dev);
		rx->stream2 = more && cnid_split(dev);
		if (!ret && !more)
			dev->phase = CNID_IDLE;
	}
	cnid_timer_update(dev);
}

void cnid_urb_complete(struct urb *urb)
{
	struct cnid_urb *cu = urb->context;
	struct cnid_dev *dev = cu->dev;
	enum cnid_urb_id id = cu - dev->urbs;
	int status = urb->status;
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	cu->busy = false;
	if (id >= CNID_URB_IN0 && urb->actual_length)
		cnid_input(dev, id, urb->actual_length);
	switch (status) {
	case 0:
		if (id < CNID_URB_IN0 && dev->phase == CNID_ACTIVE &&
		    urb->actual_length != urb->transfer_buffer_length)
			cnid_finish(dev, -EIO);
		break;
	case -ENOENT:		/* stopped by us */
	case -ECONNRESET:
	case -ESHUTDOWN:	/* going away */
		break;
	case -EPIPE:
		dev->halted = true;
		if (dev->phase == CNID_ACTIVE)
			cnid_finish(dev, -EPIPE);
		schedule_work(&dev->halt_work);
		break;
	default:
		/* -EPROTO and the like: often an unplug that disconnect() follows */
		if (status != -EPROTO && status != -EILSEQ && status != -ETIME)
			dev_err_ratelimited(&dev->intf->dev, "urb on ep %02x failed: %d\n",
					    usb_pipeendpoint(urb->pipe) |
					    (usb_pipein(urb->pipe) ? USB_DIR_IN : 0),
					    status);
		if (!dev->xerr) {
			dev->xerr = status;
			dev->xerr_at = jiffies + msecs_to_jiffies(CNID_GONE_GRACE_MS);
			cnid_timer_update(dev);
		}
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	cnid_xfer_arm(dev, GFP_ATOMIC);
	wake_up_all(&dev->wait);
}

void cnid_xfer_timer(struct timer_list *t)
{
	struct cnid_dev *dev = timer_container_of(dev, t, timer);
	unsigned long flags, now = jiffies;

	spin_lock_irqsave(&dev->lock, flags);
	if (dev->xerr && time_after_eq(now, dev->xerr_at)) {
		if (dev->phase == CNID_ACTIVE)
			cnid_finish(dev, cnid_gone(dev) ? -ENODEV : -EIO);
		dev->xerr = 0;
	}
	if (dev->phase == CNID_ACTIVE && time_after_eq(now, dev->deadline)) {
		cnid_finish(dev, -ETIMEDOUT);
	} else if (dev->phase == CNID_QUARANTINE &&
		   time_after_eq(now, dev->q_since +
				 msecs_to_jiffies(READ_ONCE(quarantine_ms)))) {
		cnid_rx_drop(dev);
		dev->phase = CNID_IDLE;
	}
	cnid_timer_update(dev);
	spin_unlock_irqrestore(&dev->lock, flags);
	cnid_xfer_arm(dev, GFP_ATOMIC);
	wake_up_all(&dev->wait);
}

/* Under dev->lock: how long IN URB id should be in flight now; 0: not. */
static unsigned int cnid_in_len(struct cnid_dev *dev, enum cnid_urb_id id)
{
	struct cnid_rx *rx = &dev->rx;
	bool split = cnid_split(dev);
	unsigned int maxp = dev->in_maxp[id - CNID_URB_IN0];

	if (!dev->users || dev->paused || dev->halted || dev->xerr ||
	    cnid_gone(dev) || (!split && id == CNID_URB_IN1))
		return 0;
	/* split: the header pipe, except while a reply's body is read */
	if (split && id == CNID_URB_IN0)
		return dev->phase == CNID_ACTIVE && rx->stream2 ? 0 : maxp;
	if ((split && !rx->stream2) || !rx->need || rx->have >= rx->need)
		return maxp;
	return min(roundup(rx->need - rx->have + CNID_PLANT(0, 1), maxp),
		   dev->urbs[id].size);
}

/**
 * cnid_xfer_arm - put in flight what should be
 * @dev: the reader
 * @gfp: allocation context
 *
 * Posts each IN URB that should be listening, and unlinks the requests of
 * a transaction that has ended.  Any context; takes dev->lock.
 */
void cnid_xfer_arm(struct cnid_dev *dev, gfp_t gfp)
{
	enum cnid_urb_id id;
	unsigned long flags;
	unsigned int len;
	bool unlink;

	for (id = 0; id < CNID_NR_URBS; id++) {
		struct cnid_urb *cu = &dev->urbs[id];

		spin_lock_irqsave(&dev->lock, flags);
		len = id < CNID_URB_IN0 || cu->busy ? 0 : cnid_in_len(dev, id);
		/* no transaction starts while its requests are in flight */
		unlink = id < CNID_URB_IN0 && cu->busy && dev->phase != CNID_ACTIVE;
		if (len)
			cu->busy = true;
		spin_unlock_irqrestore(&dev->lock, flags);
		if (unlink)
			usb_unlink_urb(cu->urb);
		if (!len)
			continue;
		cu->urb->transfer_buffer_length = len;
		if (usb_submit_urb(cu->urb, gfp)) {
			spin_lock_irqsave(&dev->lock, flags);
			cu->busy = false;
			spin_unlock_irqrestore(&dev->lock, flags);
		}
	}
}

/* Under dev->lock: may a transaction start? */
bool cnid_claimable(struct cnid_dev *dev)
{
	return dev->phase == CNID_IDLE && !dev->paused && !dev->halted &&
	       !dev->xerr && !dev->urbs[CNID_URB_OUT0].busy &&
	       !dev->urbs[CNID_URB_OUT1].busy;
}

static bool cnid_may_claim(struct cnid_dev *dev)
{
	bool ret;

	spin_lock_irq(&dev->lock);
	ret = cnid_claimable(dev) || cnid_gone(dev);
	spin_unlock_irq(&dev->lock);
	return ret;
}

/* Wait for the reader to be free: > 0, 0 (timeout) or -ERESTARTSYS. */
static long cnid_wait_free(struct cnid_dev *dev, long left)
{
#ifdef CNID_TEST_ENGINE_PLANT
	return wait_event_killable_timeout(dev->wait, cnid_may_claim(dev), left);
#else
	return wait_event_interruptible_timeout(dev->wait, cnid_may_claim(dev), left);
#endif
}

/**
 * cnid_xfer_end - end a file's transaction, if it still runs
 * @dev: the reader
 * @owner: the file
 * @err: the error it ends with
 */
void cnid_xfer_end(struct cnid_dev *dev, struct cnid_file *owner, int err)
{
	spin_lock_irq(&dev->lock);
	if (dev->phase == CNID_ACTIVE && dev->owner == owner)
		cnid_finish(dev, err);
	spin_unlock_irq(&dev->lock);
	cnid_xfer_arm(dev, GFP_KERNEL);
	wake_up_all(&dev->wait);
}

/* Submit request URB id, marked busy; 0 or -errno. */
static int cnid_send(struct cnid_dev *dev, enum cnid_urb_id id,
		     const u8 *p, unsigned int len)
{
	struct cnid_urb *cu = &dev->urbs[id];
	int ret;

	memcpy(cu->buf, p, len);
	cu->urb->transfer_buffer_length = len;
	ret = usb_submit_urb(cu->urb, GFP_KERNEL);
	if (ret) {
		spin_lock_irq(&dev->lock);
		cu->busy = false;
		spin_unlock_irq(&dev->lock);
	}
	return ret;
}

/**
 * cnid_xfer_start - claim the reader and send cf's request
 * @dev: the reader
 * @cf: the file, its request in cf->req (a well-formed frame)
 * @timeout_ms: whole-transaction timeout
 * @nonblock: do not wait for the reader (-EAGAIN)
 *
 * Waits, interruptibly, while another transaction runs or the reader is
 * quarantined, at most timeout_ms + quarantine_ms.  The outcome reaches cf
 * (ready, reply_err, reply) from the completion or the timer.
 *
 * Return: 0, or -errno (-EAGAIN, -ETIMEDOUT, -ERESTARTSYS, -ENODEV).
 */
int cnid_xfer_start(struct cnid_dev *dev, struct cnid_file *cf,
		    unsigned int timeout_ms, bool nonblock)
{
	unsigned long until = jiffies + msecs_to_jiffies(timeout_ms +
							 READ_ONCE(quarantine_ms));
	unsigned int len = cf->req_len;
	unsigned int hdr = cnid_split(dev) ? CNID_WIRE_HDR_LEN : len;
	long left;
	int ret;

	for (;;) {
		spin_lock_irq(&dev->lock);
		if (cnid_gone(dev) || cnid_claimable(dev))
			break;
		spin_unlock_irq(&dev->lock);
		if (nonblock)
			return -EAGAIN;
		left = (long)(until - jiffies);
		if (left <= 0)
			return -ETIMEDOUT;
		if (cnid_wait_free(dev, left) < 0)
			return -ERESTARTSYS;
	}
	if (cnid_gone(dev)) {
		spin_unlock_irq(&dev->lock);
		return -ENODEV;
	}
	if (CNID_QUARANTINE_ON)
		cnid_rx_reset(&dev->rx);
	dev->phase = CNID_ACTIVE;
	dev->owner = cf;
	cf->ready = false;
	dev->deadline = jiffies + msecs_to_jiffies(timeout_ms);
	dev->q_since = jiffies;
	dev->urbs[CNID_URB_OUT0].busy = true;
	dev->urbs[CNID_URB_OUT1].busy = hdr < len;
	cnid_timer_update(dev);
	spin_unlock_irq(&dev->lock);

	cnid_xfer_arm(dev, GFP_KERNEL);
	mutex_lock(&dev->io_mutex);
	spin_lock_irq(&dev->lock);
	ret = dev->owner == cf ? 0 : -ECONNABORTED;	/* reset or suspend came first */
	if (ret)
		dev->urbs[CNID_URB_OUT0].busy = false;
	spin_unlock_irq(&dev->lock);
	if (!ret)
		ret = cnid_send(dev, CNID_URB_OUT0, cf->req, hdr);
	if (ret && hdr < len) {
		spin_lock_irq(&dev->lock);
		dev->urbs[CNID_URB_OUT1].busy = false;
		spin_unlock_irq(&dev->lock);
	} else if (hdr < len) {
		ret = cnid_send(dev, CNID_URB_OUT1, cf->req + hdr, len - hdr);
	}
	mutex_unlock(&dev->io_mutex);
	if (ret)
		cnid_xfer_end(dev, cf, cnid_gone(dev) ? -ENODEV :
			      ret == -ECONNABORTED ? ret : -EIO);
	else if (!CNID_QUARANTINE_ON && cnid_rx_done(&dev->rx))
		cnid_xfer_end(dev, cf, 0);	/* test builds: take a stale reply */
	return 0;
}

/**
 * cnid_xfer_stop - stop all I/O (suspend, reset, disconnect, last close)
 * @dev: the reader, io_mutex held
 * @err: what the running transaction, if any, ends with
 * @pause: keep the URBs stopped until cnid_xfer_resume()
 */
void cnid_xfer_stop(struct cnid_dev *dev, int err, bool pause)
{
	int i;

	spin_lock_irq(&dev->lock);
	dev->paused |= pause;
	if (dev->phase == CNID_ACTIVE)
		cnid_finish(dev, err);
	spin_unlock_irq(&dev->lock);
	wake_up_all(&dev->wait);
	for (i = 0; i < CNID_NR_URBS; i++)
		usb_poison_urb(dev->urbs[i].urb);
	for (i = 0; i < CNID_NR_URBS && !pause; i++)
		usb_unpoison_urb(dev->urbs[i].urb);
}

/**
 * cnid_xfer_resume - undo cnid_xfer_stop(..., true)
 * @dev: the reader, io_mutex held
 * @reset: the device was reset: its halts are cleared, nothing is pending
 */
void cnid_xfer_resume(struct cnid_dev *dev, bool reset)
{
	int i;

	for (i = 0; i < CNID_NR_URBS; i++)
		usb_unpoison_urb(dev->urbs[i].urb);
	spin_lock_irq(&dev->lock);
	dev->paused = false;
	if (reset) {
		dev->halted = false;
		dev->xerr = 0;
		cnid_rx_drop(dev);
		dev->phase = CNID_IDLE;
		cnid_timer_update(dev);
	}
	spin_unlock_irq(&dev->lock);
	cnid_xfer_arm(dev, GFP_KERNEL);
	wake_up_all(&dev->wait);
}

/* A stalled endpoint: stop listening, clear the halts, listen again. */
void cnid_halt_work(struct work_struct *work)
{
	struct cnid_dev *dev = container_of(work, struct cnid_dev, halt_work);
	int i;

	usb_kill_urb(dev->urbs[CNID_URB_IN0].urb);
	usb_kill_urb(dev->urbs[CNID_URB_IN1].urb);
	for (i = 0; i < (cnid_split(dev) ? 2 : 1) && !cnid_gone(dev); i++) {
		usb_clear_halt(dev->udev, dev->in_pipe[i]);
		usb_clear_halt(dev->udev, dev->out_pipe[i]);
	}
	spin_lock_irq(&dev->lock);
	dev->halted = false;
	spin_unlock_irq(&dev->lock);
	cnid_xfer_arm(dev, GFP_KERNEL);
	wake_up_all(&dev->wait);
}
