/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cnid: driver for MPS "SAM" ID-card readers - internal definitions.
 *
 * One struct cnid_dev per bound interface, reference counted: the binding
 * holds one reference and every open file one more.  I/O is serialised by
 * io_mutex; CNID_GONE is set by disconnect() before it takes io_mutex, so
 * once disconnect() has passed io_mutex no operation can start I/O.
 */
#ifndef CNID_DRV_H
#define CNID_DRV_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/usb.h>
#include <linux/version.h>
#include <linux/wait.h>

#include "compat.h"
#include "rx.h"
#include "uapi/cnid.h"

enum cnid_urb_id {
	CNID_URB_OUT_HDR,	/* split: header; single: whole frame */
	CNID_URB_OUT_BODY,	/* split: body */
	CNID_URB_IN_A,		/* split: header pipe; both: draining */
	CNID_URB_IN_B,		/* split: body pipe; single: the stream */
	CNID_NR_URBS,
};

struct cnid_dev;

struct cnid_urb {
	struct urb *urb;
	struct cnid_dev *dev;
	u8 *buf;
	unsigned int size;	/* allocated bytes at buf */
	/* under dev->lock */
	bool busy;		/* submitted, not completed */
	bool done;		/* completed, not yet looked at */
	bool retarget;		/* we unlinked it to resubmit it shorter */
	int status;
	unsigned int actual;
	unsigned long submitted;	/* jiffies */
};

/* Per open file. */
struct cnid_file {
	struct cnid_dev *dev;
	u8 *req;		/* request staging, CNID_WIRE_FRAME_MAX */
	u8 *reply;		/* reply of a write(), CNID_WIRE_FRAME_MAX */
	unsigned int reply_len;
	int reply_err;		/* error of a write()'s transaction */
	bool ready;		/* reply_len or reply_err valid */
	bool pm_held;		/* usb_autopm_get_interface() done */
	u32 state_seq;		/* seq of the last CNID_IOC_STATE */
};

/* A reader as announcements, netlink and uevents see it (netlink.c). */
struct cnid_reader {
	struct list_head node;		/* in the readers list while listed */
	struct cnid_dev *dev;		/* NULL: a serial reader */
	wait_queue_head_t wait;		/* EPOLLPRI pollers */
	bool served;			/* a server fd exists */
	u32 id;				/* minor, or CNID_SERIAL_ID_BASE + n */
	char name[16];
	char port[CNID_PORT_MAX + 1];	/* serial */
	struct cnid_state st;		/* the last announcement */
};

#define CNID_GONE 0

struct cnid_dev {
	struct kref kref;
	struct usb_device *udev;
	struct usb_interface *intf;
	unsigned long flags;		/* CNID_GONE */
	struct mutex io_mutex;		/* serialises transactions */
	spinlock_t lock;		/* URB states, event */
	wait_queue_head_t wait;		/* completions, deadline, gone */
	struct usb_anchor submitted;
	struct cnid_urb urbs[CNID_NR_URBS];
	struct timer_list timer;	/* wakes pollers at the deadline */

	enum cnid_pipe_mode mode;
	unsigned int out_pipe[2];
	unsigned int in_pipe[2];
	unsigned int in_maxp[2];
	int minor;
	char name[16];

	/* transaction state, under io_mutex */
	bool active;
	bool dirty;			/* quarantined: stale input may come */
	unsigned long q_since;		/* request sent or last byte (jiffies) */
	bool halted;			/* an endpoint stalled */
	bool event;			/* under lock: something to process */
	struct cnid_file *owner;	/* write() that started it, or NULL */
	unsigned long deadline;
	int result;
	struct cnid_rx rx;

	atomic64_t transactions;
	atomic64_t timeouts;
	atomic64_t checksum_errors;
	atomic64_t resyncs;
	atomic64_t garbage_bytes;
	atomic64_t errors;

	struct cnid_reader rd;		/* under netlink.c's readers lock */
};

static inline bool cnid_gone(struct cnid_dev *dev)
{
	return test_bit(CNID_GONE, &dev->flags);
}

extern unsigned int cnid_timeout_ms;

/* xfer.c (reassembly and cnid_frame_check(): rx.h) */
int cnid_xfer_start(struct cnid_dev *dev, struct cnid_file *owner,
		    const u8 *req, unsigned int len, unsigned int timeout_ms,
		    bool nonblock);
int cnid_xfer_run(struct cnid_dev *dev, bool nonblock, bool abort_on_signal);
void cnid_xfer_abort(struct cnid_dev *dev, int err);
void cnid_xfer_poll(struct cnid_dev *dev);
void cnid_xfer_timer(struct timer_list *t);
void cnid_urb_complete(struct urb *urb);

/* chardev.c */
extern struct usb_class_driver cnid_class;
void cnid_delete(struct kref *kref);

/* netlink.c */
int cnid_nl_init(void);
void cnid_nl_exit(void);
void cnid_reader_init(struct cnid_reader *r, struct cnid_dev *dev);
void cnid_readers_add(struct cnid_dev *dev);
void cnid_readers_del(struct cnid_dev *dev);
long cnid_serve(struct file *file);
long cnid_state(struct file *file, void __user *uarg);
__poll_t cnid_state_poll(struct file *file, poll_table *wait);

/* usb.c */
extern struct usb_driver cnid_driver;

#endif /* CNID_DRV_H */
