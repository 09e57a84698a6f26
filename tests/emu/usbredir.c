// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * USB transport: the device side ("usb-host" in usbredir's words) of the
 * usbredir protocol, spoken with libusbredirparser to QEMU's
 * -device usb-redir,chardev=...  The guest then sees the reader on QEMU's
 * emulated host controller (piix3-usb-uhci, qemu-xhci, ...) with exactly
 * these descriptors: full speed, 64-byte bulk endpoints at the real
 * reader's addresses (split: IN 0x81 header, OUT 0x02 header, IN 0x85 body,
 * OUT 0x06 body; single: IN 0x81, OUT 0x02).
 *
 * The stream is a unix socket (connected to) or a character device (a
 * virtio-serial port, opened): the rig runs cnid-emu in the guest and QEMU
 * joins that port to the usb-redir chardev (tests/vm/README.md).
 *
 * Bulk IN is modelled packet by packet: a reply segment (one FunctionFS
 * write() elsewhere) is cut into 64-byte packets that fill the host's
 * pending IN requests in order; a request completes when it is full or a
 * short packet (or the optional zero-length packet) ends the segment, as
 * on the wire.  Unplug/replug are device_disconnect/device_connect.
 *
 * A usbredir session begins with a hello each way, and QEMU says hello
 * once per chardev connection, which outlives this process (the port is
 * reopened by the next reader the scenario starts).  So on exit the
 * parser's state is saved (--usbredir-state FILE) and the next process
 * resumes the session from it instead of saying hello again.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <usbredirparser.h>

#include "emu.h"

#define UR_MAXPACKET 64
#define UR_MAX_REQ 64          /* pending IN requests per endpoint */
#define UR_MAX_REQ_LEN (1u << 20)
#define UR_NEPS 4
#define UR_HISTORY 8           /* completed IN transfers kept per endpoint */
#define UR_CARRY_MAX (CNID_FRAME_MAX + 4096)

struct ur_req {
	uint64_t id;
	uint32_t len, filled;
	uint8_t *buf;
};

struct ur_done {
	uint64_t id;
	uint32_t len;
	uint8_t *buf;          /* NULL: empty slot */
};

struct ur_ep {
	uint8_t addr;
	struct ur_req req[UR_MAX_REQ];   /* a ring */
	unsigned head, count;
	/* the last completed transfers, and data QEMU threw away (see ur_cancel) */
	struct ur_done done[UR_HISTORY];
	unsigned done_next;
	uint8_t carry[UR_CARRY_MAX];
	size_t carry_len, carry_pos;
	bool carry_ends;       /* the carried bytes end a transfer */
	/* the segment being sent on this endpoint (IN only) */
	const uint8_t *seg;
	size_t seg_len, seg_pos;
	bool seg_zlp;
};

struct ur {
	struct usbredirparser *parser;
	int fd;
	bool attached;         /* device_connect sent */
	uint8_t config;        /* 0: not configured */
	bool peer_hello;
	int neps;
	struct ur_ep ep[UR_NEPS];
	int tx_ep;             /* endpoint of the segment in flight, or -1 */
	bool moved;            /* bytes went through the stream since the last checkpoint */
	struct emu *e;
};

static struct ur ur_state = { .fd = -1, .tx_ep = -1 };

static const char *const ur_strings[] = {
	NULL, "cnid", "SAM ID-card reader (virtual)", NULL /* serial */, "SAM",
	"SAM ID-card reader (cnid-emu)",
};

static int ur_ep_index(struct ur *u, uint8_t addr)
{
	for (int i = 0; i < u->neps; i++)
		if (u->ep[i].addr == addr)
			return i;
	return -1;
}

/* usbredir's endpoint index: IN endpoints are 16 + number */
static int ur_ep2i(uint8_t addr)
{
	return ((addr & 0x80) >> 3) | (addr & 0x0f);
}

static void ur_log(void *priv, int level, const char *msg)
{
	struct ur *u = priv;

	if (level <= usbredirparser_warning)
		emu_log_event(u->e, "usbredir: %s", msg);
}

static int ur_read(void *priv, uint8_t *data, int count)
{
	struct ur *u = priv;
	ssize_t r = read(u->fd, data, (size_t)count);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (r == 0)
		return -1;     /* the peer closed the stream */
	u->moved = true;
	return (int)r;
}

static int ur_write(void *priv, uint8_t *data, int count)
{
	struct ur *u = priv;
	ssize_t r = write(u->fd, data, (size_t)count);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	u->moved = r > 0 || u->moved;
	return (int)r;
}

static void ur_flush(struct ur *u, int timeout_ms)
{
	uint64_t end = emu_now_us() + (uint64_t)timeout_ms * 1000;

	while (u->fd >= 0 && usbredirparser_has_data_to_write(u->parser)) {
		struct pollfd p = { .fd = u->fd, .events = POLLOUT };

		if (usbredirparser_do_write(u->parser) < 0)
			return;
		if (!usbredirparser_has_data_to_write(u->parser) || emu_now_us() >= end)
			return;
		poll(&p, 1, 20);
	}
}

static void ur_save_state(struct ur *u);

/*
 * The session goes on in the next process (see the top of the file): keep
 * the parser's state on disk in step with the stream, so that even a killed
 * process leaves it where the stream is (the rig kills leftovers).
 */
static void ur_checkpoint(struct ur *u)
{
	if (usbredirparser_has_data_to_write(u->parser))
		usbredirparser_do_write(u->parser);
	if (!u->moved)
		return;
	u->moved = false;
	ur_save_state(u);
}

/* ---- descriptors --------------------------------------------------- */

static size_t ur_device_desc(uint8_t *p)
{
	struct usb_device_descriptor d = {
		.bLength = USB_DT_DEVICE_SIZE,
		.bDescriptorType = USB_DT_DEVICE,
		.bcdUSB = htole16(0x0200),
		.bMaxPacketSize0 = 64,
		.idVendor = htole16(0x0400),
		.idProduct = htole16(0xc35a),
		.bcdDevice = htole16(0x0100),
		.iManufacturer = 1,
		.iProduct = 2,
		.iSerialNumber = 3,
		.bNumConfigurations = 1,
	};

	memcpy(p, &d, sizeof(d));
	return sizeof(d);
}

static size_t ur_config_desc(struct ur *u, uint8_t *p)
{
	struct usb_config_descriptor c = {
		.bLength = USB_DT_CONFIG_SIZE,
		.bDescriptorType = USB_DT_CONFIG,
		.bNumInterfaces = 1,
		.bConfigurationValue = 1,
		.iConfiguration = 4,
		.bmAttributes = USB_CONFIG_ATT_ONE | USB_CONFIG_ATT_SELFPOWER | USB_CONFIG_ATT_WAKEUP,
		.bMaxPower = 0,
	};
	struct usb_interface_descriptor in = {
		.bLength = USB_DT_INTERFACE_SIZE,
		.bDescriptorType = USB_DT_INTERFACE,
		.bNumEndpoints = (uint8_t)u->neps,
		.bInterfaceClass = USB_CLASS_VENDOR_SPEC,
		.iInterface = 5,
	};
	size_t n = sizeof(c) + sizeof(in);

	memcpy(p + sizeof(c), &in, sizeof(in));
	for (int i = 0; i < u->neps; i++) {
		const uint8_t ep[USB_DT_ENDPOINT_SIZE] = {
			USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT, u->ep[i].addr,
			USB_ENDPOINT_XFER_BULK, UR_MAXPACKET & 0xff, UR_MAXPACKET >> 8, 0,
		};

		memcpy(p + n, ep, sizeof(ep));
		n += sizeof(ep);
	}
	c.wTotalLength = htole16((uint16_t)n);
	memcpy(p, &c, sizeof(c));
	return n;
}

static int ur_string_desc(struct ur *u, unsigned idx, uint8_t *p, size_t max)
{
	const char *s;
	size_t n;

	if (idx == 0) {
		p[0] = 4;
		p[1] = USB_DT_STRING;
		p[2] = 0x09;
		p[3] = 0x04;
		return 4;
	}
	if (idx >= sizeof(ur_strings) / sizeof(ur_strings[0]))
		return -1;
	s = idx == 3 ? u->e->usb_serial : ur_strings[idx];
	if (!s || !s[0])
		s = "sam0";
	n = strlen(s);
	if (2 + 2 * n > max || 2 + 2 * n > 255)
		n = (max < 255 ? max - 2 : 253) / 2;
	p[0] = (uint8_t)(2 + 2 * n);
	p[1] = USB_DT_STRING;
	for (size_t i = 0; i < n; i++) {
		p[2 + 2 * i] = (uint8_t)s[i];
		p[3 + 2 * i] = 0;
	}
	return (int)(2 + 2 * n);
}

/* ---- device state ---------------------------------------------------- */

/*
 * Forget the endpoints' state.  answer: each pending IN request gets its
 * reply, status cancelled, as usbredir's own usbredirhost cancels its
 * transfers on a reset, SET_CONFIGURATION or SET_INTERFACE.  QEMU keeps a
 * packet it cancels in a list until the reply for that id comes, and drops
 * the next reply with that id; its UHCI uses the TD's address as the id
 * and cancels a packet late (a "ghost", tests/vm/README.md), after a port
 * reset too.  A request dropped without a reply thus left its id in that
 * list for good, and the control transfer that reused the TD - the
 * descriptor read of the re-enumeration - lost its reply (error -110).
 * Without answer (a disconnect) QEMU forgets every packet itself.
 */
static void ur_drop_requests(struct ur *u, bool answer)
{
	for (int i = 0; i < u->neps; i++) {
		struct ur_ep *ep = &u->ep[i];

		while (ep->count) {
			struct usb_redir_bulk_packet_header h = {
				.endpoint = ep->addr,
				.status = usb_redir_cancelled,
			};

			if (answer) {
				emu_log_event(u->e, "usbredir: IN request %llu on %02x cancelled by the device",
					      (unsigned long long)ep->req[ep->head].id, ep->addr);
				usbredirparser_send_bulk_packet(u->parser, ep->req[ep->head].id, &h,
								NULL, 0);
			}
			free(ep->req[ep->head].buf);
			ep->head = (ep->head + 1) % UR_MAX_REQ;
			ep->count--;
		}
		ep->head = 0;
		ep->seg = NULL;
		ep->carry_len = ep->carry_pos = 0;
		for (int k = 0; k < UR_HISTORY; k++) {
			free(ep->done[k].buf);
			ep->done[k].buf = NULL;
		}
	}
	u->tx_ep = -1;
}

/* A disconnect, reset or new configuration: nothing from before counts. */
static void ur_disconnected(struct ur *u, const char *why, bool answer)
{
	if (u->config)
		emu_log_event(u->e, "usb %s", why);
	u->config = 0;
	ur_drop_requests(u, answer);
	emu_transport_reset(u->e);
}

static void ur_send_connect(struct ur *u)
{
	struct usb_redir_interface_info_header ii = { .interface_count = 1 };
	struct usb_redir_ep_info_header ei;
	struct usb_redir_device_connect_header dc = {
		.speed = usb_redir_speed_full,
		.device_class = 0,
		.vendor_id = 0x0400,
		.product_id = 0xc35a,
		.device_version_bcd = 0x0100,
	};

	ii.interface_class[0] = USB_CLASS_VENDOR_SPEC;
	memset(&ei, 0, sizeof(ei));
	memset(ei.type, usb_redir_type_invalid, sizeof(ei.type));
	ei.type[0] = ei.type[16] = usb_redir_type_control;
	ei.max_packet_size[0] = ei.max_packet_size[16] = 64;
	for (int i = 0; i < u->neps; i++) {
		int k = ur_ep2i(u->ep[i].addr);

		ei.type[k] = usb_redir_type_bulk;
		ei.max_packet_size[k] = UR_MAXPACKET;
	}
	usbredirparser_send_interface_info(u->parser, &ii);
	usbredirparser_send_ep_info(u->parser, &ei);
	usbredirparser_send_device_connect(u->parser, &dc);
	u->attached = true;
	emu_log_event(u->e, "usb connect (usbredir)");
}

/* ---- IN transfers ----------------------------------------------------- */

static void ur_complete(struct ur *u, struct ur_ep *ep)
{
	struct ur_req *rq = &ep->req[ep->head];
	struct usb_redir_bulk_packet_header h = {
		.endpoint = ep->addr,
		.status = usb_redir_success,
		.length = (uint16_t)(rq->filled & 0xffff),
		.length_high = (uint16_t)(rq->filled >> 16),
	};

	usbredirparser_send_bulk_packet(u->parser, rq->id, &h, rq->buf, (int)rq->filled);
	if (rq->filled) {
		struct ur_done *d = &ep->done[ep->done_next];

		free(d->buf);
		d->id = rq->id;
		d->len = rq->filled;
		d->buf = rq->buf;
		ep->done_next = (ep->done_next + 1) % UR_HISTORY;
	} else {
		free(rq->buf);
	}
	ep->head = (ep->head + 1) % UR_MAX_REQ;
	ep->count--;
}

/* Move the endpoint's segment into its pending requests, packet by packet. */
static void ur_pump(struct ur *u, int idx)
{
	struct ur_ep *ep = &u->ep[idx];

	/* bytes the host never got go out first (see ur_cancel) */
	while (ep->carry_len && ep->count) {
		struct ur_req *rq = &ep->req[ep->head];
		size_t left = ep->carry_len - ep->carry_pos;
		size_t room = rq->len - rq->filled;
		size_t n = left < room ? left : room;

		memcpy(rq->buf + rq->filled, ep->carry + ep->carry_pos, n);
		rq->filled += (uint32_t)n;
		ep->carry_pos += n;
		if (ep->carry_pos < ep->carry_len) {
			ur_complete(u, ep);     /* full */
			continue;
		}
		ep->carry_len = ep->carry_pos = 0;
		if (ep->carry_ends || rq->filled == rq->len)
			ur_complete(u, ep);
	}
	while (ep->seg && ep->count && !ep->carry_len) {
		struct ur_req *rq = &ep->req[ep->head];
		size_t left = ep->seg_len - ep->seg_pos;
		size_t room = rq->len - rq->filled;
		size_t n = left < room ? left : room;

		memcpy(rq->buf + rq->filled, ep->seg + ep->seg_pos, n);
		rq->filled += (uint32_t)n;
		ep->seg_pos += n;
		if (ep->seg_pos < ep->seg_len) {
			/* the request is full; the rest goes to the next one */
			ur_complete(u, ep);
			continue;
		}
		/* The segment is out.  A short last packet ends the transfer, and so
		 * does a zero-length packet; a full one leaves it open. */
		if (rq->filled == rq->len || ep->seg_len % UR_MAXPACKET || ep->seg_zlp ||
		    ep->seg_len == 0)
			ur_complete(u, ep);
		ep->seg = NULL;
		if (u->tx_ep == idx) {
			u->tx_ep = -1;
			emu_tx_segment_done(u->e);
		}
	}
}

/* ---- parser callbacks --------------------------------------------------- */

static void ur_hello(void *priv, struct usb_redir_hello_header *h)
{
	struct ur *u = priv;

	emu_log_event(u->e, "usbredir hello from '%.64s'", h->version);
	u->peer_hello = true;
	if (!u->attached)
		ur_send_connect(u);
}

static void ur_reset(void *priv)
{
	ur_disconnected(priv, "reset", true);
}

static void ur_set_configuration(void *priv, uint64_t id,
				 struct usb_redir_set_configuration_header *sc)
{
	struct ur *u = priv;
	struct usb_redir_configuration_status_header st = {
		.status = usb_redir_success,
		.configuration = sc->configuration,
	};

	if (sc->configuration > 1) {
		st.status = usb_redir_stall;
		st.configuration = u->config;
		usbredirparser_send_configuration_status(u->parser, id, &st);
		return;
	}
	ur_disconnected(u, sc->configuration ? "re-enable" : "disable", true);
	u->config = sc->configuration;
	if (u->config)
		emu_log_event(u->e, "usb enable");
	usbredirparser_send_configuration_status(u->parser, id, &st);
}

static void ur_get_configuration(void *priv, uint64_t id)
{
	struct ur *u = priv;
	struct usb_redir_configuration_status_header st = {
		.status = usb_redir_success,
		.configuration = u->config,
	};

	usbredirparser_send_configuration_status(u->parser, id, &st);
}

static void ur_set_alt_setting(void *priv, uint64_t id, struct usb_redir_set_alt_setting_header *sa)
{
	struct ur *u = priv;
	struct usb_redir_alt_setting_status_header st = {
		.status = sa->interface == 0 && sa->alt == 0 ? usb_redir_success : usb_redir_stall,
		.interface = sa->interface,
		.alt = 0,
	};

	/* SET_INTERFACE resets the interface's endpoints */
	if (st.status == usb_redir_success && u->config) {
		ur_drop_requests(u, true);
		emu_transport_reset(u->e);
	}
	usbredirparser_send_alt_setting_status(u->parser, id, &st);
}

static void ur_get_alt_setting(void *priv, uint64_t id, struct usb_redir_get_alt_setting_header *ga)
{
	struct ur *u = priv;
	struct usb_redir_alt_setting_status_header st = {
		.status = ga->interface == 0 ? usb_redir_success : usb_redir_stall,
		.interface = ga->interface,
	};

	usbredirparser_send_alt_setting_status(u->parser, id, &st);
}

/* Put bytes back in front of what the endpoint still has to send. */
static void ur_carry_front(struct ur_ep *ep, const uint8_t *p, size_t n, bool ends)
{
	size_t left = ep->carry_len - ep->carry_pos;

	if (left + n > sizeof(ep->carry))
		return;
	memmove(ep->carry + n, ep->carry + ep->carry_pos, left);
	memcpy(ep->carry, p, n);
	if (!left)
		ep->carry_ends = ends;
	ep->carry_len = left + n;
	ep->carry_pos = 0;
}

static void ur_cancel(void *priv, uint64_t id)
{
	struct ur *u = priv;

	for (int i = 0; i < u->neps; i++) {
		struct ur_ep *ep = &u->ep[i];

		for (unsigned k = 0; k < ep->count; k++) {
			unsigned at = (ep->head + k) % UR_MAX_REQ;
			struct ur_req *rq = &ep->req[at];
			struct usb_redir_bulk_packet_header h = {
				.endpoint = ep->addr,
				.status = usb_redir_cancelled,
			};

			if (rq->id != id)
				continue;
			emu_log_event(u->e, "usbredir: IN request %llu on %02x cancelled (%u of %u bytes in)",
				      (unsigned long long)id, ep->addr, rq->filled, rq->len);
			usbredirparser_send_bulk_packet(u->parser, id, &h, NULL, 0);
			/*
			 * QEMU drops whatever comes for a cancelled id, but the packets
			 * already in it were on the wire: a host controller reports
			 * them in the cancelled transfer (cnid.ko unlinks a long IN URB
			 * after a reply that ended on a full packet, and takes what it
			 * holds).  Here they cannot come back in it, so they come as
			 * the next transfer, ending it where the cancel ended this one.
			 */
			if (rq->filled)
				ur_carry_front(ep, rq->buf, rq->filled, true);
			free(rq->buf);
			/* close the gap, keeping the order */
			for (unsigned j = k; j + 1 < ep->count; j++)
				ep->req[(ep->head + j) % UR_MAX_REQ] =
					ep->req[(ep->head + j + 1) % UR_MAX_REQ];
			ep->count--;
			ur_pump(u, i);
			return;
		}
	}
	/*
	 * A cancel for a transfer already completed: QEMU dropped that data (the
	 * two messages crossed, or QEMU's UHCI kept a timed-out transfer alive
	 * after the guest unlinked it and reaped it only when the next one
	 * came, see tests/vm/README.md).  A real device still holds data no
	 * IN token took: it goes to the endpoint's next transfer.
	 */
	for (int i = 0; i < u->neps; i++) {
		struct ur_ep *ep = &u->ep[i];

		for (int k = 0; k < UR_HISTORY; k++) {
			struct ur_done *d = &ep->done[k];

			if (!d->buf || d->id != id)
				continue;
			emu_log_event(u->e, "usbredir: cancel of completed IN transfer %llu on %02x: "
				      "its %u bytes go to the next one",
				      (unsigned long long)id, ep->addr, d->len);
			ur_carry_front(ep, d->buf, d->len, true);
			free(d->buf);
			d->buf = NULL;
			ur_pump(u, i);
			return;
		}
	}
	emu_log_event(u->e, "usbredir: cancel of unknown request %llu", (unsigned long long)id);
}

static void ur_control(void *priv, uint64_t id, struct usb_redir_control_packet_header *c,
		       uint8_t *data, int data_len)
{
	struct ur *u = priv;
	uint8_t buf[512];
	int n = -1;
	unsigned type = c->value >> 8, idx = c->value & 0xff;

	if (c->requesttype == (USB_DIR_IN | USB_TYPE_STANDARD | USB_RECIP_DEVICE) &&
	    c->request == USB_REQ_GET_DESCRIPTOR) {
		if (type == USB_DT_DEVICE)
			n = (int)ur_device_desc(buf);
		else if (type == USB_DT_CONFIG && idx == 0)
			n = (int)ur_config_desc(u, buf);
		else if (type == USB_DT_STRING)
			n = ur_string_desc(u, idx, buf, sizeof(buf));
		/* device qualifier, BOS, other speed: a full-speed-only device stalls */
	} else if ((c->requesttype & ~USB_RECIP_MASK) == USB_DIR_IN &&
		   c->request == USB_REQ_GET_STATUS) {
		buf[0] = (c->requesttype & USB_RECIP_MASK) == USB_RECIP_DEVICE ? 1 : 0;
		buf[1] = 0;
		n = 2;
	} else if ((c->requesttype == USB_RECIP_ENDPOINT || c->requesttype == USB_RECIP_DEVICE) &&
		   (c->request == USB_REQ_CLEAR_FEATURE || c->request == USB_REQ_SET_FEATURE)) {
		n = 0; /* halt: the data toggle only; remote wake-up: nothing to do */
	}
	if (data)
		usbredirparser_free_packet_data(u->parser, data);
	(void)data_len;
	if (n > c->length)
		n = c->length;
	c->status = n < 0 ? usb_redir_stall : usb_redir_success;
	c->length = (uint16_t)(n < 0 ? 0 : n);
	usbredirparser_send_control_packet(u->parser, id, c, n > 0 ? buf : NULL, n > 0 ? n : 0);
}

static void ur_bulk(void *priv, uint64_t id, struct usb_redir_bulk_packet_header *b, uint8_t *data,
		    int data_len)
{
	struct ur *u = priv;
	int idx = ur_ep_index(u, b->endpoint);
	uint32_t len = (uint32_t)b->length | ((uint32_t)b->length_high << 16);
	struct usb_redir_bulk_packet_header h = *b;

	if (idx < 0 || !u->config) {
		h.status = u->config ? usb_redir_stall : usb_redir_ioerror;
		h.length = h.length_high = 0;
		if (data)
			usbredirparser_free_packet_data(u->parser, data);
		usbredirparser_send_bulk_packet(u->parser, id, &h, NULL, 0);
		return;
	}
	if (!(b->endpoint & USB_DIR_IN)) {
		if (data_len > 0)
			emu_rx(u->e, data, (size_t)data_len);
		if (data)
			usbredirparser_free_packet_data(u->parser, data);
		h.status = usb_redir_success;
		usbredirparser_send_bulk_packet(u->parser, id, &h, NULL, 0);
		return;
	}
	if (data)
		usbredirparser_free_packet_data(u->parser, data);
	struct ur_ep *ep = &u->ep[idx];

	if (ep->count == UR_MAX_REQ || len == 0 || len > UR_MAX_REQ_LEN) {
		h.status = usb_redir_ioerror;
		h.length = h.length_high = 0;
		usbredirparser_send_bulk_packet(u->parser, id, &h, NULL, 0);
		return;
	}
	struct ur_req *rq = &ep->req[(ep->head + ep->count) % UR_MAX_REQ];

	rq->buf = malloc(len);
	if (!rq->buf) {
		h.status = usb_redir_ioerror;
		h.length = h.length_high = 0;
		usbredirparser_send_bulk_packet(u->parser, id, &h, NULL, 0);
		return;
	}
	rq->id = id;
	rq->len = len;
	rq->filled = 0;
	ep->count++;
	ur_pump(u, idx);
}

static void ur_disconnect_ack(void *priv)
{
	(void)priv;
}

/* ---- transport ops ------------------------------------------------------ */

static int ur_poll_fds(struct emu *e, struct pollfd *pfd, int max)
{
	struct ur *u = &ur_state;

	(void)e;
	if (max < 1 || u->fd < 0)
		return 0;
	pfd[0] = (struct pollfd){ .fd = u->fd, .events = POLLIN };
	if (usbredirparser_has_data_to_write(u->parser))
		pfd[0].events |= POLLOUT;
	return 1;
}

static void ur_poll_handle(struct emu *e, const struct pollfd *pfd, int n)
{
	struct ur *u = &ur_state;

	if (n < 1)
		return;
	if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		int r = usbredirparser_do_read(u->parser);

		if (r == usbredirparser_read_io_error && (pfd[0].revents & (POLLHUP | POLLERR))) {
			emu_log_event(e, "usbredir: the stream closed");
			e->quit = true;
		} else if (r == usbredirparser_read_parse_error) {
			emu_log_event(e, "usbredir: parse error");
		}
	}
	ur_checkpoint(u);
}

static int ur_send(struct emu *e, const uint8_t *p, size_t n, size_t off)
{
	struct ur *u = &ur_state;
	int idx = 0;    /* the (header) IN endpoint in both modes */

	if (!u->attached || !u->config)
		return -ENOTCONN;
	if (e->mode == PIPE_SPLIT && off >= CNID_HDR_LEN && !e->endless)
		idx = 2;
	u->ep[idx].seg = p;
	u->ep[idx].seg_len = n;
	u->ep[idx].seg_pos = 0;
	u->ep[idx].seg_zlp = e->zlp && n % UR_MAXPACKET == 0 && off + n == e->tx_len;
	u->tx_ep = idx;
	ur_pump(u, idx);
	ur_checkpoint(u);
	return 0;
}

static int ur_unplug(struct emu *e)
{
	struct ur *u = &ur_state;

	(void)e;
	if (!u->attached)
		return -ENOTCONN;
	ur_disconnected(u, "unplug", false);
	usbredirparser_send_device_disconnect(u->parser);
	u->attached = false;
	ur_checkpoint(u);
	return 0;
}

static int ur_replug(struct emu *e)
{
	struct ur *u = &ur_state;

	(void)e;
	if (u->attached)
		return 0;
	if (!u->peer_hello)
		return -ENOTCONN;
	ur_send_connect(u);
	ur_checkpoint(u);
	return 0;
}

static bool ur_connected(struct emu *e)
{
	(void)e;
	return ur_state.attached && ur_state.config;
}

static void ur_cancel_tx(struct emu *e)
{
	struct ur *u = &ur_state;

	(void)e;
	if (u->tx_ep < 0)
		return;
	u->ep[u->tx_ep].seg = NULL;
	u->tx_ep = -1;
}

static void ur_save_state(struct ur *u)
{
	uint8_t *state = NULL;
	int len = 0, fd;
	char tmp[EMU_PATH_MAX + 8];

	if (!u->e->usbredir_state[0] || !u->peer_hello)
		return;
	if (usbredirparser_serialize(u->parser, &state, &len) < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", u->e->usbredir_state);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		ssize_t w = write(fd, state, (size_t)len);

		close(fd);
		if (w == len)
			rename(tmp, u->e->usbredir_state);
		else
			unlink(tmp);
	}
	free(state);
}

static void ur_close(struct emu *e)
{
	struct ur *u = &ur_state;

	(void)e;
	if (!u->parser)
		return;
	if (u->attached) {
		ur_drop_requests(u, false);
		usbredirparser_send_device_disconnect(u->parser);
		u->attached = false;
	}
	ur_flush(u, 2000);
	ur_save_state(u);
	usbredirparser_destroy(u->parser);
	u->parser = NULL;
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

static int ur_open_stream(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISSOCK(st.st_mode)) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		if (strlen(path) >= sizeof(a.sun_path))
			return -ENAMETOOLONG;
		memcpy(a.sun_path, path, strlen(path) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			int r = -errno;

			close(fd);
			return r;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		return fd;
	}
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

/* The saved session of the previous process on this stream, if any. */
static int ur_load_state(struct ur *u, uint8_t **ret, int *ret_len)
{
	static uint8_t buf[1 << 20];
	int fd;
	ssize_t n;

	*ret = NULL;
	if (!u->e->usbredir_state[0])
		return 0;
	fd = open(u->e->usbredir_state, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	/* (one process at a time: a virtio-serial port opens once) */
	if (n <= 0)
		return n < 0 ? -errno : 0;
	*ret = buf;
	*ret_len = (int)n;
	return 0;
}

int usbredir_open(struct emu *e)
{
	static const uint8_t split_addrs[] = { USB_DIR_IN | 1, USB_DIR_OUT | 2, USB_DIR_IN | 5,
					       USB_DIR_OUT | 6 };
	struct ur *u = &ur_state;
	uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };
	uint8_t *state;
	int state_len = 0, r;

	u->e = e;
	e->tp = &emu_usbredir_transport;
	u->neps = e->mode == PIPE_SPLIT ? 4 : 2;
	for (int i = 0; i < u->neps; i++)
		u->ep[i].addr = e->usb_eps[i] ? e->usb_eps[i] : split_addrs[i];
	/* the roles stay: IN header, OUT header, IN body, OUT body */
	for (int i = 0; i < u->neps; i++)
		if (((u->ep[i].addr & USB_DIR_IN) == 0) != (i & 1) || ur_ep_index(u, u->ep[i].addr) != i)
			return -EINVAL;
	r = ur_load_state(u, &state, &state_len);
	if (r < 0)
		return r;
	u->fd = ur_open_stream(e->usbredir_path);
	if (u->fd < 0)
		return u->fd;
	u->parser = usbredirparser_create();
	if (!u->parser)
		return -ENOMEM;
	u->parser->priv = u;
	u->parser->log_func = ur_log;
	u->parser->read_func = ur_read;
	u->parser->write_func = ur_write;
	u->parser->hello_func = ur_hello;
	u->parser->reset_func = ur_reset;
	u->parser->set_configuration_func = ur_set_configuration;
	u->parser->get_configuration_func = ur_get_configuration;
	u->parser->set_alt_setting_func = ur_set_alt_setting;
	u->parser->get_alt_setting_func = ur_get_alt_setting;
	u->parser->cancel_data_packet_func = ur_cancel;
	u->parser->control_packet_func = ur_control;
	u->parser->bulk_packet_func = ur_bulk;
	u->parser->device_disconnect_ack_func = ur_disconnect_ack;
	usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_device_disconnect_ack);
	usbredirparser_init(u->parser, "cnid-emu", caps, USB_REDIR_CAPS_SIZE,
			    usbredirparser_fl_usb_host | (state ? usbredirparser_fl_no_hello : 0));
	if (state) {
		if (usbredirparser_unserialize(u->parser, state, state_len) < 0)
			return -EBADMSG;
		u->peer_hello = true;
		emu_log_event(e, "usbredir: session resumed");
		/* the last process may have died with the device attached */
		usbredirparser_send_device_disconnect(u->parser);
		ur_send_connect(u);
		u->moved = true;
	}
	ur_checkpoint(u);
	if (e->ready_file[0]) {
		int fd = open(e->ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			return -errno;
		close(fd);
	}
	printf("ready usbredir %s %s\n", e->usbredir_path,
	       e->mode == PIPE_SPLIT ? "split" : "single");
	fflush(stdout);
	return 0;
}

const struct emu_transport emu_usbredir_transport = {
	.name = "usb",
	.poll_fds = ur_poll_fds,
	.poll_handle = ur_poll_handle,
	.send = ur_send,
	.unplug = ur_unplug,
	.replug = ur_replug,
	.connected = ur_connected,
	.cancel = ur_cancel_tx,
	.close = ur_close,
};
