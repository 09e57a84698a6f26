// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * USB transport: a FunctionFS function (vendor-specific interface, full
 * speed, 64-byte bulk endpoints) in one of the reader's two pipe modes:
 *
 *   split : IN header, OUT header, IN body, OUT body (the real reader's
 *           0x81, 0x02, 0x85, 0x06); a reply's first 7 bytes go out on the
 *           header IN endpoint, the rest on the body IN endpoint.
 *   single: IN, OUT; the whole reply on the one IN endpoint (the UDC cuts
 *           it into 64-byte packets).
 *
 * Endpoint I/O is asynchronous (Linux AIO with an eventfd), so the event
 * loop never blocks on the bus; IN endpoints are opened O_NONBLOCK, so a
 * write while the function is disabled fails at once instead of being held
 * back and delivered into the next connection.  Unplug/replug write the
 * gadget's UDC file.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"

#define FFS_MAX_EPS 4
#define FFS_RX_BUF 4096
#define FFS_MAXPACKET 64

enum ep_role { EP_IN_HDR, EP_OUT_HDR, EP_IN_BODY, EP_OUT_BODY };

struct ffs_ep {
	int fd;
	uint8_t addr;          /* requested address (the UDC picks the real one) */
	bool in;
	bool busy;
	bool zlp_pending;
	uint64_t seq;          /* of the request in flight; 0: none we still care about */
	struct iocb iocb;
	uint8_t buf[FFS_RX_BUF];
};

struct ffs {
	int ep0;
	int evfd;
	aio_context_t ctx;
	int neps;
	struct ffs_ep ep[FFS_MAX_EPS];
	bool bound, enabled;
	int in_flight_tx;      /* which IN endpoint the current segment is on, or -1 */
	uint64_t next_seq;     /* every submission gets its own number (in aio_data) */
};

static struct ffs ffs_state = { .ep0 = -1, .evfd = -1, .in_flight_tx = -1 };

static const char interface_name[] = "SAM ID-card reader (cnid-emu)";

static long sys_io_setup(unsigned nr, aio_context_t *ctx)
{
	return syscall(__NR_io_setup, nr, ctx);
}

static long sys_io_submit(aio_context_t ctx, long n, struct iocb **iocbs)
{
	return syscall(__NR_io_submit, ctx, n, iocbs);
}

static long sys_io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev,
			     struct timespec *ts)
{
	return syscall(__NR_io_getevents, ctx, min, max, ev, ts);
}

static long sys_io_cancel(aio_context_t ctx, struct iocb *iocb, struct io_event *ev)
{
	return syscall(__NR_io_cancel, ctx, iocb, ev);
}

static int write_all(int fd, const void *buf, size_t n)
{
	ssize_t r = write(fd, buf, n);

	if (r < 0)
		return -errno;
	return (size_t)r == n ? 0 : -EIO;
}

/* FunctionFS v2 descriptors: full-speed only (see README: speed). */
static int write_descriptors(struct ffs *f, enum emu_pipe_mode mode)
{
	static const uint8_t split_addrs[] = { USB_DIR_IN | 1, USB_DIR_OUT | 2, USB_DIR_IN | 5,
					       USB_DIR_OUT | 6 };
	static const uint8_t single_addrs[] = { USB_DIR_IN | 1, USB_DIR_OUT | 2 };
	const uint8_t *addrs = mode == PIPE_SPLIT ? split_addrs : single_addrs;
	uint8_t buf[256], *p;
	struct usb_functionfs_descs_head_v2 head;
	struct usb_interface_descriptor intf = {
		.bLength = USB_DT_INTERFACE_SIZE,
		.bDescriptorType = USB_DT_INTERFACE,
		.bInterfaceNumber = 0,
		.bInterfaceClass = USB_CLASS_VENDOR_SPEC,
		.iInterface = 1,
	};
	uint32_t count;

	f->neps = mode == PIPE_SPLIT ? 4 : 2;
	intf.bNumEndpoints = (uint8_t)f->neps;
	p = buf + sizeof(head) + sizeof(count);
	memcpy(p, &intf, sizeof(intf));
	p += sizeof(intf);
	for (int i = 0; i < f->neps; i++) {
		struct usb_endpoint_descriptor_no_audio ep = {
			.bLength = USB_DT_ENDPOINT_SIZE,
			.bDescriptorType = USB_DT_ENDPOINT,
			.bEndpointAddress = addrs[i],
			.bmAttributes = USB_ENDPOINT_XFER_BULK,
			.wMaxPacketSize = htole16(FFS_MAXPACKET),
		};

		memcpy(p, &ep, sizeof(ep));
		p += sizeof(ep);
		f->ep[i].addr = addrs[i];
		f->ep[i].in = addrs[i] & USB_DIR_IN;
	}
	head.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	head.flags = htole32(FUNCTIONFS_HAS_FS_DESC);
	head.length = htole32((uint32_t)(p - buf));
	count = htole32(1u + (uint32_t)f->neps);
	memcpy(buf, &head, sizeof(head));
	memcpy(buf + sizeof(head), &count, sizeof(count));
	return write_all(f->ep0, buf, (size_t)(p - buf));
}

static int write_strings(struct ffs *f)
{
	uint8_t buf[128], *p = buf;
	struct usb_functionfs_strings_head head;
	uint16_t lang = htole16(0x0409);

	p += sizeof(head);
	memcpy(p, &lang, sizeof(lang));
	p += sizeof(lang);
	memcpy(p, interface_name, sizeof(interface_name));
	p += sizeof(interface_name);
	head.magic = htole32(FUNCTIONFS_STRINGS_MAGIC);
	head.length = htole32((uint32_t)(p - buf));
	head.str_count = htole32(1);
	head.lang_count = htole32(1);
	memcpy(buf, &head, sizeof(head));
	return write_all(f->ep0, buf, (size_t)(p - buf));
}

static int submit(struct ffs *f, struct ffs_ep *ep, const void *data, size_t n)
{
	struct iocb *list[1] = { &ep->iocb };

	memset(&ep->iocb, 0, sizeof(ep->iocb));
	ep->seq = ++f->next_seq;
	ep->iocb.aio_data = (ep->seq << 8) | (uint64_t)(ep - f->ep);
	ep->iocb.aio_lio_opcode = ep->in ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
	ep->iocb.aio_fildes = (uint32_t)ep->fd;
	ep->iocb.aio_buf = (uint64_t)(uintptr_t)data;
	ep->iocb.aio_nbytes = n;
	ep->iocb.aio_flags = IOCB_FLAG_RESFD;
	ep->iocb.aio_resfd = (uint32_t)f->evfd;
	if (sys_io_submit(f->ctx, 1, list) != 1) {
		ep->seq = 0;
		return -errno;
	}
	ep->busy = true;
	return 0;
}

static void submit_reads(struct emu *e, struct ffs *f)
{
	for (int i = 0; i < f->neps; i++) {
		struct ffs_ep *ep = &f->ep[i];
		int r;

		if (ep->in || ep->busy)
			continue;
		r = submit(f, ep, ep->buf, sizeof(ep->buf));
		if (r < 0)
			emu_log_event(e, "ep%d: read submit failed: %s", i + 1, strerror(-r));
	}
}

static void cancel_all(struct ffs *f)
{
	struct io_event ev;

	for (int i = 0; i < f->neps; i++)
		if (f->ep[i].busy)
			sys_io_cancel(f->ctx, &f->ep[i].iocb, &ev);
}

static void ffs_disconnected(struct emu *e, struct ffs *f, const char *why)
{
	if (f->enabled)
		emu_log_event(e, "usb %s", why);
	f->enabled = false;
	cancel_all(f);
	/* Whatever completes from before is stale. */
	for (int i = 0; i < f->neps; i++) {
		f->ep[i].busy = false;
		f->ep[i].seq = 0;
	}
	f->in_flight_tx = -1;
	emu_transport_reset(e);
}

static void handle_ep0_events(struct emu *e, struct ffs *f)
{
	struct usb_functionfs_event ev[8];
	ssize_t r = read(f->ep0, ev, sizeof(ev));

	if (r <= 0)
		return;
	for (size_t i = 0; i < (size_t)r / sizeof(ev[0]); i++) {
		switch (ev[i].type) {
		case FUNCTIONFS_BIND:
			f->bound = true;
			emu_log_event(e, "usb bind");
			break;
		case FUNCTIONFS_UNBIND:
			f->bound = false;
			ffs_disconnected(e, f, "unbind");
			break;
		case FUNCTIONFS_ENABLE:
			/* A new SET_CONFIGURATION/SET_INTERFACE may come without DISABLE. */
			f->enabled = false;
			ffs_disconnected(e, f, "re-enable");
			f->enabled = true;
			emu_log_event(e, "usb enable");
			submit_reads(e, f);
			break;
		case FUNCTIONFS_DISABLE:
			ffs_disconnected(e, f, "disable");
			break;
		case FUNCTIONFS_SETUP:
			/* No vendor control requests: stall (read for IN, write for OUT). */
			if (ev[i].u.setup.bRequestType & USB_DIR_IN) {
				if (read(f->ep0, NULL, 0) < 0) {
					/* the stall is the expected error */
				}
			} else if (write(f->ep0, NULL, 0) < 0) {
				/* likewise */
			}
			break;
		case FUNCTIONFS_SUSPEND:
		case FUNCTIONFS_RESUME:
		default:
			break;
		}
	}
}

static void handle_completion(struct emu *e, struct ffs *f, const struct io_event *ev)
{
	int idx = (int)(ev->data & 0xff);
	struct ffs_ep *ep = &f->ep[idx];
	long res = (long)ev->res;

	if (idx >= f->neps || ep->seq == 0 || (ev->data >> 8) != ep->seq)
		return;        /* cancelled, or from before a disconnect */
	ep->busy = false;
	ep->seq = 0;
	if (!ep->in) {
		if (res > 0)
			emu_rx(e, ep->buf, (size_t)res);
		if (res >= 0 && f->enabled)
			submit_reads(e, f);
		return;
	}
	if (idx != f->in_flight_tx)
		return;
	if (res < 0) {
		emu_log_event(e, "ep%d: write failed: %s", idx + 1, strerror((int)-res));
		f->in_flight_tx = -1;
		emu_stop_output(e);
		return;
	}
	if (ep->zlp_pending) {
		ep->zlp_pending = false;
		if (submit(f, ep, ep->buf, 0) == 0)
			return;
	}
	f->in_flight_tx = -1;
	emu_tx_segment_done(e);
}

static void handle_aio(struct emu *e, struct ffs *f)
{
	struct io_event ev[8];
	struct timespec zero = { 0, 0 };
	uint64_t cnt;
	long n;

	if (read(f->evfd, &cnt, sizeof(cnt)) < 0)
		return;
	while ((n = sys_io_getevents(f->ctx, 0, 8, ev, &zero)) > 0)
		for (long i = 0; i < n; i++)
			handle_completion(e, f, &ev[i]);
}

static int ffs_poll_fds(struct emu *e, struct pollfd *pfd, int max)
{
	struct ffs *f = &ffs_state;

	(void)e;
	if (max < 2)
		return 0;
	pfd[0] = (struct pollfd){ .fd = f->ep0, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = f->evfd, .events = POLLIN };
	return 2;
}

static void ffs_poll_handle(struct emu *e, const struct pollfd *pfd, int n)
{
	struct ffs *f = &ffs_state;

	if (n < 2)
		return;
	if (pfd[1].revents & POLLIN)
		handle_aio(e, f);
	if (pfd[0].revents & POLLIN)
		handle_ep0_events(e, f);
}

static int ffs_send(struct emu *e, const uint8_t *p, size_t n, size_t off)
{
	struct ffs *f = &ffs_state;
	int idx = 0, r;        /* ep1 is the (header) IN endpoint in both modes */

	if (!f->enabled)
		return -ENOTCONN;
	if (e->mode == PIPE_SPLIT && off >= CNID_HDR_LEN && !e->endless)
		idx = 2;       /* ep3: body IN */
	f->ep[idx].zlp_pending = e->zlp && n % FFS_MAXPACKET == 0 && off + n == e->tx_len;
	r = submit(f, &f->ep[idx], p, n);
	if (r < 0)
		return r;
	f->in_flight_tx = idx;
	return 0;
}

static int write_udc(struct emu *e, const char *value)
{
	int fd, r;

	if (!e->udc_file[0])
		return -EOPNOTSUPP;
	fd = open(e->udc_file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write_all(fd, value, strlen(value));
	close(fd);
	return r;
}

static int ffs_unplug(struct emu *e)
{
	struct ffs *f = &ffs_state;

	ffs_disconnected(e, f, "unplug");
	return write_udc(e, "\n");
}

static int ffs_replug(struct emu *e)
{
	char line[sizeof(e->udc_name) + 1];

	if (!e->udc_name[0])
		return -EOPNOTSUPP;
	snprintf(line, sizeof(line), "%s\n", e->udc_name);
	return write_udc(e, line);
}

static void ffs_cancel(struct emu *e)
{
	struct ffs *f = &ffs_state;
	struct io_event ev;

	(void)e;
	if (f->in_flight_tx < 0)
		return;
	/* Its completion is ignored: in_flight_tx no longer names it. */
	sys_io_cancel(f->ctx, &f->ep[f->in_flight_tx].iocb, &ev);
	f->ep[f->in_flight_tx].seq = 0;
	f->ep[f->in_flight_tx].busy = false;
	f->in_flight_tx = -1;
}

static bool ffs_connected(struct emu *e)
{
	(void)e;
	return ffs_state.enabled;
}

static void ffs_close(struct emu *e)
{
	struct ffs *f = &ffs_state;

	(void)e;
	cancel_all(f);
	for (int i = 0; i < f->neps; i++)
		if (f->ep[i].fd >= 0)
			close(f->ep[i].fd);
	if (f->ctx)
		syscall(__NR_io_destroy, f->ctx);
	if (f->evfd >= 0)
		close(f->evfd);
	if (f->ep0 >= 0)
		close(f->ep0);
}

int ffs_open(struct emu *e)
{
	struct ffs *f = &ffs_state;
	char path[EMU_PATH_MAX + 16];
	int r;

	e->tp = &emu_ffs_transport;
	for (int i = 0; i < FFS_MAX_EPS; i++)
		f->ep[i].fd = -1;
	snprintf(path, sizeof(path), "%s/ep0", e->ffs_dir);
	f->ep0 = open(path, O_RDWR | O_CLOEXEC);
	if (f->ep0 < 0)
		return -errno;
	r = write_descriptors(f, e->mode);
	if (r < 0)
		return r;
	r = write_strings(f);
	if (r < 0)
		return r;
	/* Events are read only when poll says so; never block the loop on ep0. */
	fcntl(f->ep0, F_SETFL, fcntl(f->ep0, F_GETFL) | O_NONBLOCK);
	for (int i = 0; i < f->neps; i++) {
		snprintf(path, sizeof(path), "%s/ep%d", e->ffs_dir, i + 1);
		f->ep[i].fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (f->ep[i].fd < 0)
			return -errno;
	}
	f->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->evfd < 0)
		return -errno;
	if (sys_io_setup(32, &f->ctx) < 0)
		return -errno;
	if (e->ready_file[0]) {
		int fd = open(e->ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			return -errno;
		close(fd);
	}
	printf("ready %s %s\n", e->ffs_dir, e->mode == PIPE_SPLIT ? "split" : "single");
	fflush(stdout);
	return 0;
}

const struct emu_transport emu_ffs_transport = {
	.name = "usb",
	.poll_fds = ffs_poll_fds,
	.poll_handle = ffs_poll_handle,
	.send = ffs_send,
	.unplug = ffs_unplug,
	.replug = ffs_replug,
	.connected = ffs_connected,
	.cancel = ffs_cancel,
	.close = ffs_close,
};
