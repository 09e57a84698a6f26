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
#include <linux/workqueue.h>

#include "compat.h"
#include "rx.h"
#include "uapi/cnid.h"

/* In single mode only the first pair is used. */
enum cnid_urb_id {
	CNID_URB_OUT0,		/* split: header; single: whole request */
	CNID_URB_OUT1,		/* split: body */
	CNID_URB_IN0,		/* split: header pipe; single: the stream */
	CNID_URB_IN1,		/* split: body pipe */
	CNID_NR_URBS,
};

struct cnid_dev;

struct cnid_urb {
	struct urb *urb;
	struct cnid_dev *dev;
	u8 *buf;
	unsigned int size;	/* allocated bytes at buf */
	bool busy;		/* under dev->lock: submitted, not completed */
};

/* Per open file. */
struct cnid_file {
	struct cnid_dev *dev;
	struct mutex lock;	/* one call of this file at a time */
	u8 *req;		/* request, CNID_WIRE_FRAME_MAX */
	unsigned int req_len;
	u8 *reply;		/* reply, CNID_WIRE_FRAME_MAX */
	/* written under dev->lock while this file owns the transaction */
	unsigned int reply_len;
	unsigned int garbage;
	int reply_err;
	bool ready;		/* reply_len or reply_err valid */
	bool ioctl;		/* an interrupted ioctl's transaction */
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

/*
 * The reader is IDLE, runs one transaction (ACTIVE) or drops stale input
 * (QUARANTINE).  Completions and the timer move it on; process context only
 * claims an IDLE reader, sends, waits for flags and copies out.
 */
enum cnid_phase { CNID_IDLE, CNID_ACTIVE, CNID_QUARANTINE };

struct cnid_dev {
	struct kref kref;
	struct usb_device *udev;
	struct usb_interface *intf;
	unsigned long flags;		/* CNID_GONE */
	struct mutex io_mutex;		/* URB submission vs reset, suspend, close */
	spinlock_t lock;		/* everything below up to the counters */
	wait_queue_head_t wait;		/* any change of phase or of a file's reply */
	struct cnid_urb urbs[CNID_NR_URBS];
	struct timer_list timer;	/* deadline, transport-error grace, quarantine */
	struct work_struct halt_work;	/* clears stalled endpoints */

	enum cnid_pipe_mode mode;
	unsigned int out_pipe[2];
	unsigned int in_pipe[2];
	unsigned int in_maxp[2];
	int minor;
	char name[16];

	enum cnid_phase phase;
	unsigned int users;		/* open files; IN URBs are posted while > 0 */
	bool paused;			/* suspended or being reset */
	bool halted;			/* an endpoint stalled; halt_work runs */
	int xerr;			/* transport error, reported at xerr_at */
	unsigned long xerr_at;
	struct cnid_file *owner;	/* of the transaction; NULL once closed */
	unsigned long deadline;
	unsigned long q_since;		/* request sent or last byte (jiffies) */
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

/*
 * TEST ONLY: tests/kmod/engine-canary.sh builds the module with
 * KCFLAGS=-DCNID_TEST_ENGINE_PLANT, where CNID_PLANT(good, bad) picks the
 * planted faults that 25-kmod-engine must catch.
 */
#ifdef CNID_TEST_ENGINE_PLANT
#define CNID_PLANT(good, bad) (bad)
#else
#define CNID_PLANT(good, bad) (good)
#endif

/* xfer.c (reassembly and cnid_frame_check(): rx.h) */
bool cnid_claimable(struct cnid_dev *dev);
int cnid_xfer_start(struct cnid_dev *dev, struct cnid_file *cf,
		    unsigned int timeout_ms, bool nonblock);
void cnid_xfer_end(struct cnid_dev *dev, struct cnid_file *owner, int err);
void cnid_xfer_arm(struct cnid_dev *dev, gfp_t gfp);
void cnid_xfer_stop(struct cnid_dev *dev, int err, bool pause);
void cnid_xfer_resume(struct cnid_dev *dev, bool reset);
void cnid_xfer_timer(struct timer_list *t);
void cnid_halt_work(struct work_struct *work);
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
