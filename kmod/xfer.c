// SPDX-License-Identifier: GPL-2.0-only
/*
 * cnid: one transaction - a request frame out, its reply frame in.
 *
 * URB completions only record what happened and wake the waiter; all
 * reassembly, resubmission and error handling runs in process context with
 * io_mutex held, so no state is shared with interrupt context beyond the
 * flags under dev->lock.
 *
 * Replies are collected with IN URBs sized for the largest frame, so that
 * a whole reply normally costs one URB per pipe: in single-pipe mode URB B
 * reads the stream; in split mode A reads the header pipe and B the body
 * pipe.  A reply that ends exactly on a packet boundary without a
 * zero-length packet would leave B waiting, so once LEN is known and the
 * rest is a whole number of packets B is unlinked and resubmitted with the
 * exact size, and while LEN is not known B is unlinked every CNID_PEEK_MS
 * to look at what it holds (partial data is kept either way).
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sched/signal.h>

#include "cnid_drv.h"

/*
 * After a transaction that did not consume its reply the reader is
 * quarantined: its input is collected and dropped until the abandoned reply
 * has arrived whole, or until nothing has arrived for quarantine_ms since
 * the request or the last byte.  The default is the module's default
 * command timeout (5 s), the slowest command's bound (a SAM answers a
 * text+photo read within about 1 s; peers allow 5 s).
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

static unsigned int gone_grace_ms = 1000;
module_param(gone_grace_ms, uint, 0644);
MODULE_PARM_DESC(gone_grace_ms, "How long a transport error waits at least for a pending disconnect (or until the transaction times out) before it is reported as EIO (ms, default 1000)");

/*
 * While no LEN is known, URB B may be holding a reply that ends on a packet
 * boundary without a zero-length packet; look at what it has every so often.
 */
#define CNID_PEEK_MS 100

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
#define CNID_QUARANTINE 0
#else
#define CNID_QUARANTINE 1
#endif

static bool cnid_rx_complete(struct cnid_dev *dev)
{
	struct cnid_rx *rx = &dev->rx;

	return rx->need && rx->have >= rx->need;
}

/* Stream bytes the frame still needs from URB B's pipe; 0 if unknown. */
static unsigned int cnid_rx_want(struct cnid_dev *dev)
{
	struct cnid_rx *rx = &dev->rx;

	return rx->need ? rx->need - rx->have : 0;
}

void cnid_urb_complete(struct urb *urb)
{
	struct cnid_urb *cu = urb->context;
	struct cnid_dev *dev = cu->dev;
	unsigned long flags;

	switch (urb->status) {
	case 0:
	case -ENOENT:
	case -ECONNRESET:
	case -ESHUTDOWN:
	case -EPROTO:	/* what a host controller reports on unplug */
	case -EILSEQ:
	case -ETIME:
		break;
	default:
		dev_err_ratelimited(&dev->intf->dev, "urb on ep %02x failed: %d\n",
				    usb_pipeendpoint(urb->pipe) |
				    (usb_pipein(urb->pipe) ? USB_DIR_IN : 0),
				    urb->status);
	}
	spin_lock_irqsave(&dev->lock, flags);
	cu->busy = false;
	cu->done = true;
	cu->status = urb->status;
	cu->actual = urb->actual_length;
	dev->event = true;
	spin_unlock_irqrestore(&dev->lock, flags);
	wake_up_all(&dev->wait);
}

void cnid_xfer_timer(struct timer_list *t)
{
	struct cnid_dev *dev = timer_container_of(dev, t, timer);
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	dev->event = true;
	spin_unlock_irqrestore(&dev->lock, flags);
	wake_up_all(&dev->wait);
}

static int cnid_submit(struct cnid_dev *dev, enum cnid_urb_id id,
		       unsigned int len)
{
	struct cnid_urb *cu = &dev->urbs[id];
	int ret;

	cu->urb->transfer_buffer_length = min(len, cu->size);
	spin_lock_irq(&dev->lock);
	cu->busy = true;
	cu->done = false;
	cu->retarget = false;
	cu->submitted = jiffies;
	spin_unlock_irq(&dev->lock);
	usb_anchor_urb(cu->urb, &dev->submitted);
	ret = usb_submit_urb(cu->urb, GFP_KERNEL);
	if (ret) {
		usb_unanchor_urb(cu->urb);
		spin_lock_irq(&dev->lock);
		cu->busy = false;
		spin_unlock_irq(&dev->lock);
	}
	return ret;
}

/* Stop every URB and forget their results. */
static void cnid_stop_urbs(struct cnid_dev *dev)
{
	int i;

	for (i = 0; i < CNID_NR_URBS; i++)
		usb_kill_urb(dev->urbs[i].urb);
	spin_lock_irq(&dev->lock);
	for (i = 0; i < CNID_NR_URBS; i++) {
		dev->urbs[i].busy = false;
		dev->urbs[i].done = false;
	}
	dev->event = false;
	spin_unlock_irq(&dev->lock);
}

/* usb_submit_urb() errors that mean the device or its endpoints went away */
static bool cnid_submit_gone_error(int err)
{
	return err == -EPERM || err == -ENODEV || err == -ESHUTDOWN ||
	       err == -EHOSTUNREACH || err == -ENOENT;
}

/*
 * A transport error: if the device is being unplugged, the host controller
 * fails the URBs a few milliseconds before disconnect() runs; wait briefly
 * so that the caller learns ENODEV rather than EIO.
 */
static int cnid_map_usb_error(struct cnid_dev *dev, int status)
{
	long wait = msecs_to_jiffies(gone_grace_ms);

	if (status == -EPIPE) {
		dev->halted = true;
		return -EPIPE;
	}
	/* a busy hub thread can take longer: use what is left of the timeout */
	if (dev->active && time_before(jiffies, dev->deadline))
		wait = max_t(long, wait, dev->deadline - jiffies);
	wait_event_timeout(dev->wait, cnid_gone(dev), wait);
	return cnid_gone(dev) ? -ENODEV : -EIO;
}

static int cnid_quarantine(struct cnid_dev *dev, bool nonblock,
			   unsigned long deadline);

static void cnid_count(struct cnid_dev *dev, int err)
{
	if (dev->rx.garbage) {
		atomic64_inc(&dev->resyncs);
		atomic64_add(dev->rx.garbage, &dev->garbage_bytes);
	}
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

/* End the active transaction with err (0: the reply is in dev->rx). */
static void cnid_xfer_finish(struct cnid_dev *dev, int err)
{
	struct cnid_file *owner = dev->owner;

	cnid_stop_urbs(dev);
	timer_delete(&dev->timer);
	cnid_count(dev, err);
	if (err)
		dev->dirty = true;
	dev->result = err;
	dev->active = false;
	dev->owner = NULL;
	if (owner) {
		owner->reply_err = err;
		owner->reply_len = err ? 0 : dev->rx.need;
		if (!err)
			memcpy(owner->reply, dev->rx.buf, dev->rx.need);
		owner->ready = true;
	}
	wake_up_all(&dev->wait);
}

/**
 * cnid_xfer_abort - end the active transaction, if any, with an error
 * @dev: the reader, io_mutex held
 * @err: the error its owner will read
 *
 * Without one, stops what a quarantine left in flight.
 */
void cnid_xfer_abort(struct cnid_dev *dev, int err)
{
	if (dev->active)
		cnid_xfer_finish(dev, err);
	else
		cnid_stop_urbs(dev);
}

/**
 * cnid_xfer_start - send a request and start collecting its reply
 * @dev: the reader, io_mutex held, no transaction active
 * @owner: the file whose read() will take the reply, or NULL (ioctl)
 * @req: a well-formed request frame
 * @len: its length
 * @timeout_ms: whole-transaction timeout
 * @nonblock: do not wait for a quarantine to end (-EAGAIN)
 *
 * A quarantined reader (see cnid_quarantine()) is waited for first, at
 * most timeout_ms + quarantine_ms (it can only last longer while the reader
 * keeps sending).
 *
 * Return: 0, or -errno (-EAGAIN, -ETIMEDOUT, -EINTR while quarantined).
 */
int cnid_xfer_start(struct cnid_dev *dev, struct cnid_file *owner,
		    const u8 *req, unsigned int len, unsigned int timeout_ms,
		    bool nonblock)
{
	struct cnid_urb *b = &dev->urbs[CNID_URB_IN_B];
	int ret;

	if (cnid_gone(dev))
		return -ENODEV;
	if (dev->dirty) {
		ret = cnid_quarantine(dev, nonblock, jiffies +
				      msecs_to_jiffies(timeout_ms +
						       READ_ONCE(quarantine_ms)));
		if (ret)
			return ret;
	}
	cnid_rx_reset(&dev->rx);
	dev->result = -EINPROGRESS;
	dev->deadline = jiffies + msecs_to_jiffies(timeout_ms);

	/* single mode: B alone reads the stream; split: A header, B body */
	ret = 0;
	if (dev->mode == CNID_PIPE_SPLIT)
		ret = cnid_submit(dev, CNID_URB_IN_A, dev->in_maxp[0]);
	if (!ret)
		ret = cnid_submit(dev, CNID_URB_IN_B, b->size);
	if (dev->mode == CNID_PIPE_SPLIT) {
		memcpy(dev->urbs[CNID_URB_OUT_HDR].buf, req, CNID_WIRE_HDR_LEN);
		memcpy(dev->urbs[CNID_URB_OUT_BODY].buf, req + CNID_WIRE_HDR_LEN,
		       len - CNID_WIRE_HDR_LEN);
		if (!ret)
			ret = cnid_submit(dev, CNID_URB_OUT_HDR, CNID_WIRE_HDR_LEN);
		if (!ret)
			ret = cnid_submit(dev, CNID_URB_OUT_BODY,
					  len - CNID_WIRE_HDR_LEN);
	} else {
		memcpy(dev->urbs[CNID_URB_OUT_HDR].buf, req, len);
		if (!ret)
			ret = cnid_submit(dev, CNID_URB_OUT_HDR, len);
	}
	if (ret) {
		cnid_stop_urbs(dev);
		if (cnid_submit_gone_error(ret))
			ret = cnid_map_usb_error(dev, ret);
		cnid_count(dev, ret);
		dev->dirty = true;
		return ret;
	}
	dev->active = true;
	dev->owner = owner;
	dev->q_since = jiffies;
	mod_timer(&dev->timer, dev->deadline);
	return 0;
}

/* Take a completed IN URB's data into the reassembly (rx.c). */
static int cnid_take_in(struct cnid_dev *dev, enum cnid_urb_id id,
			unsigned int actual)
{
	return cnid_rx_take(&dev->rx, dev->mode == CNID_PIPE_SPLIT,
			    id == CNID_URB_IN_A, dev->urbs[id].buf, actual);
}

/* Queue what the reply still needs; retarget B if it could wait forever. */
static int cnid_rearm(struct cnid_dev *dev)
{
	struct cnid_urb *a = &dev->urbs[CNID_URB_IN_A];
	struct cnid_urb *b = &dev->urbs[CNID_URB_IN_B];
	unsigned int bmaxp = dev->in_maxp[dev->mode == CNID_PIPE_SPLIT ? 1 : 0];
	unsigned int want = cnid_rx_want(dev);
	bool a_idle, b_idle, b_retargeting;
	int ret = 0;

	spin_lock_irq(&dev->lock);
	a_idle = !a->busy && !a->done;
	b_idle = !b->busy && !b->done;
	b_retargeting = b->retarget;
	spin_unlock_irq(&dev->lock);

	if (dev->mode == CNID_PIPE_SPLIT && !dev->rx.stream2 && a_idle)
		ret = cnid_submit(dev, CNID_URB_IN_A, dev->in_maxp[0]);
	if (ret)
		return ret;
	if (b_idle) {
		unsigned int len = want ? roundup(want, bmaxp) : b->size;

		if (dev->mode == CNID_PIPE_SINGLE && !a_idle)
			return 0;	/* B follows A on the same pipe */
		return cnid_submit(dev, CNID_URB_IN_B, len);
	}
	if (b_retargeting)
		return 0;
	if ((want && want % bmaxp == 0 && b->urb->transfer_buffer_length > want) ||
	    (!want && (dev->mode == CNID_PIPE_SINGLE ? a_idle : dev->rx.stream2) &&
	     time_after_eq(jiffies, b->submitted + msecs_to_jiffies(CNID_PEEK_MS)))) {
		spin_lock_irq(&dev->lock);
		b->retarget = true;
		spin_unlock_irq(&dev->lock);
		usb_unlink_urb(b->urb);
	}
	return 0;
}

static bool cnid_xfer_wake(struct cnid_dev *dev)
{
	return READ_ONCE(dev->event) || cnid_gone(dev);
}

/*
 * Take whatever completed into dev->rx; 0 or -errno.  In a quarantine an IN
 * URB that was killed or poisoned (reset, suspend) only ends early.
 */
static int cnid_collect(struct cnid_dev *dev, bool quarantine)
{
	struct cnid_urb snap[CNID_NR_URBS];
	int i, ret = 0;

	spin_lock_irq(&dev->lock);
	dev->event = false;
	for (i = 0; i < CNID_NR_URBS; i++) {
		snap[i] = dev->urbs[i];
		dev->urbs[i].done = false;
	}
	spin_unlock_irq(&dev->lock);

	for (i = 0; i < CNID_NR_URBS && !ret; i++) {
		struct cnid_urb *cu = &snap[i];

		if (!cu->done)
			continue;
		if (cu->status && !((cu->retarget || quarantine) &&
				    (cu->status == -ECONNRESET ||
				     cu->status == -ENOENT)))
			return cnid_map_usb_error(dev, cu->status);
		if (i == CNID_URB_OUT_HDR || i == CNID_URB_OUT_BODY) {
			if (cu->actual != cu->urb->transfer_buffer_length)
				ret = -EIO;
			continue;
		}
		if (cu->actual)
			dev->q_since = jiffies;
		ret = cnid_take_in(dev, i, cu->actual);
	}
	return ret;
}

/* Look at whatever completed; finish the transaction if it is over. */
static void cnid_xfer_process(struct cnid_dev *dev)
{
	int ret = cnid_collect(dev, false);

	if (!ret && cnid_rx_complete(dev)) {
		struct cnid_rx *rx = &dev->rx;

		rx->have = rx->need;
		cnid_test_leak(rx->buf, rx->need);	/* test builds only */
		cnid_xfer_finish(dev, cnid_rx_verify(rx));
		/* bytes after the frame: the reader holds stale input */
		if (rx->trail)
			dev->dirty = true;
		return;
	}
	if (!ret)
		ret = cnid_rearm(dev);
	if (ret)
		cnid_xfer_finish(dev, cnid_submit_gone_error(ret) ?
				 cnid_map_usb_error(dev, ret) : ret);
}

static bool cnid_urb_idle(struct cnid_dev *dev, enum cnid_urb_id id)
{
	bool idle;

	spin_lock_irq(&dev->lock);
	idle = !dev->urbs[id].busy && !dev->urbs[id].done;
	spin_unlock_irq(&dev->lock);
	return idle;
}

/*
 * The quarantine: go on collecting the abandoned reply (dev->rx as its
 * transaction left it) and drop it.  It ends once a whole frame has arrived
 * with nothing after it, or after quarantine_ms without input since the
 * request or the last byte.  The caller waits killably, in steps of at most
 * CNID_PEEK_MS, until then or until @deadline (-ETIMEDOUT); with
 * nonblock it gets -EAGAIN at once.  Then the URBs stay in flight and the
 * reader stays dirty, for the next caller to go on.
 */
static int cnid_quarantine(struct cnid_dev *dev, bool nonblock,
			   unsigned long deadline)
{
	unsigned long end;
	long left;
	int i, ret;

	if (dev->halted && !cnid_gone(dev)) {
		cnid_stop_urbs(dev);
		for (i = 0; i < (dev->mode == CNID_PIPE_SPLIT ? 2 : 1); i++) {
			usb_clear_halt(dev->udev, dev->in_pipe[i]);
			usb_clear_halt(dev->udev, dev->out_pipe[i]);
		}
		dev->halted = false;
	}
	ret = 0;
	while (CNID_QUARANTINE) {
		ret = cnid_collect(dev, true);
		if (ret) {
			/* a broken frame: drop it, keep listening */
			if (ret != -EPROTO && ret != -EMSGSIZE)
				break;
			atomic64_add(dev->rx.have, &dev->garbage_bytes);
			cnid_rx_reset(&dev->rx);
			ret = 0;
		}
		if (cnid_rx_complete(dev)) {
			if (!dev->rx.trail)
				break;
			/*
			 * Bytes followed the frame: what comes next is one
			 * stream (split: on the body pipe, after the header).
			 */
			cnid_rx_reset(&dev->rx);
			dev->rx.stream2 = dev->mode == CNID_PIPE_SPLIT;
			dev->q_since = jiffies;
		}
		if (cnid_gone(dev)) {
			ret = -ENODEV;
			break;
		}
		end = dev->q_since + msecs_to_jiffies(READ_ONCE(quarantine_ms));
		if (time_after_eq(jiffies, end))
			break;
		/* split: keep the header pipe read too, or leftovers stay there */
		ret = dev->mode == CNID_PIPE_SPLIT && dev->rx.stream2 &&
		      cnid_urb_idle(dev, CNID_URB_IN_A) ?
		      cnid_submit(dev, CNID_URB_IN_A, dev->in_maxp[0]) : 0;
		if (!ret)
			ret = cnid_rearm(dev);
		if (ret)
			break;
		if (nonblock)
			return -EAGAIN;
		if (time_after_eq(jiffies, deadline))
			return -ETIMEDOUT;
		left = min_t(long, end - jiffies, deadline - jiffies);
		left = min_t(long, left, msecs_to_jiffies(CNID_PEEK_MS));
		left = wait_event_killable_timeout(dev->wait, cnid_xfer_wake(dev),
						   max(left, 1L));
		if (left < 0)
			return -EINTR;
	}
	atomic64_add(dev->rx.have, &dev->garbage_bytes);
	cnid_stop_urbs(dev);
	if (!ret)
		dev->dirty = false;
	return ret;
}

/**
 * cnid_xfer_poll - make progress without sleeping (for poll())
 * @dev: the reader, io_mutex held, a transaction active
 */
void cnid_xfer_poll(struct cnid_dev *dev)
{
	cnid_xfer_process(dev);
	if (!dev->active)
		return;
	if (cnid_gone(dev))
		cnid_xfer_finish(dev, -ENODEV);
	else if (time_after_eq(jiffies, dev->deadline))
		cnid_xfer_finish(dev, -ETIMEDOUT);
}

/**
 * cnid_xfer_run - drive the active transaction
 * @dev: the reader, io_mutex held, a transaction active
 * @nonblock: return -EAGAIN instead of sleeping
 * @abort_on_signal: a signal ends the transaction (-EINTR); otherwise the
 *	transaction goes on and -ERESTARTSYS is returned
 *
 * Return: 0 once the transaction is over (its result in dev->result and,
 * for a write(), in the owner's file), or -EAGAIN, -EINTR, -ERESTARTSYS.
 */
int cnid_xfer_run(struct cnid_dev *dev, bool nonblock, bool abort_on_signal)
{
	long left;

	for (;;) {
		cnid_xfer_process(dev);
		if (!dev->active)
			return 0;
		if (cnid_gone(dev)) {
			cnid_xfer_finish(dev, -ENODEV);
			return 0;
		}
		if (time_after_eq(jiffies, dev->deadline)) {
			cnid_xfer_finish(dev, -ETIMEDOUT);
			return 0;
		}
		if (nonblock)
			return -EAGAIN;
		left = dev->deadline - jiffies;
		if (!dev->rx.need)
			left = min_t(long, left, msecs_to_jiffies(CNID_PEEK_MS));
		left = wait_event_interruptible_timeout(dev->wait,
							cnid_xfer_wake(dev), left);
		if (left < 0) {
			if (!abort_on_signal)
				return -ERESTARTSYS;
			cnid_xfer_finish(dev, -EINTR);
			return -EINTR;
		}
	}
}
