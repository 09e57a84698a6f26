// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libusb-reader: reads a card the way vendor SDKs and libusb clients written
 * for the real reader do, with the endpoint numbers of
 * ../shared/reference/sam-protocol.md fixed in the code: split mode sends
 * the 7-byte header to 0x02 and the body to 0x06 and reads the reply's
 * header from 0x81 and its body from 0x85; single mode sends everything to
 * 0x02 and reads 0x81 in 64-byte transfers.  Nothing is taken from the
 * descriptors, so it reads a card only from a reader whose bus view matches
 * the real device's (cnid-emu over usbredir; not a dummy_hcd gadget, whose
 * UDC renumbers the endpoints).  Runs in the QEMU guest, with cnid.ko not
 * bound (libusb detaches a bound driver and gives the interface back).
 *
 *   libusb-reader --serial NAME --mode split|single --card FILE [--name PREFIX]
 *
 * Prints "TEST <PREFIX>.<check> PASS|FAIL reason" lines (tests/vm contract)
 * and exits 1 if any failed.  No card data is printed.
 */
#include <errno.h>
#include <getopt.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu-client.h"

#define EP_HDR_OUT 0x02
#define EP_BODY_OUT 0x06
#define EP_HDR_IN 0x81
#define EP_BODY_IN 0x85
#define TIMEOUT_MS 3000

static const char *prefix = "libusb";
static int failures;
static bool split = true;
static libusb_device_handle *dev;

#define result(name, ok, ...) emu_result(prefix, &failures, name, ok, __VA_ARGS__)

static libusb_device_handle *open_by_serial(libusb_context *ctx, const char *serial)
{
	libusb_device **list;
	libusb_device_handle *ret = NULL;
	ssize_t n = libusb_get_device_list(ctx, &list);

	for (ssize_t i = 0; i < n && !ret; i++) {
		struct libusb_device_descriptor d;
		libusb_device_handle *h;
		unsigned char s[128];

		if (libusb_get_device_descriptor(list[i], &d) < 0 || d.idVendor != 0x0400 ||
		    d.idProduct != 0xc35a)
			continue;
		if (libusb_open(list[i], &h) < 0)
			continue;
		if (d.iSerialNumber &&
		    libusb_get_string_descriptor_ascii(h, d.iSerialNumber, s, sizeof(s)) > 0 &&
		    strcmp((char *)s, serial) == 0)
			ret = h;
		else
			libusb_close(h);
	}
	if (n >= 0)
		libusb_free_device_list(list, 1);
	return ret;
}

/* The interface's endpoint addresses, in descriptor order, as "81 02 85 06". */
static void endpoint_list(char *buf, size_t size)
{
	struct libusb_config_descriptor *c;
	size_t n = 0;

	buf[0] = '\0';
	if (libusb_get_active_config_descriptor(libusb_get_device(dev), &c) < 0)
		return;
	if (c->bNumInterfaces >= 1 && c->interface[0].num_altsetting >= 1) {
		const struct libusb_interface_descriptor *in = &c->interface[0].altsetting[0];

		for (int i = 0; i < in->bNumEndpoints && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s%02x", i ? " " : "",
					      in->endpoint[i].bEndpointAddress);
	}
	libusb_free_config_descriptor(c);
}

static int bulk(unsigned char ep, uint8_t *p, int n, int *got)
{
	int r = libusb_bulk_transfer(dev, ep, p, n, got, TIMEOUT_MS);

	return r == 0 ? 0 : -EIO;
}

static int send_frame(const uint8_t *f, int n)
{
	int got;

	if (!split || n <= CNID_HDR_LEN)
		return bulk(EP_HDR_OUT, (uint8_t *)f, n, &got);
	if (bulk(EP_HDR_OUT, (uint8_t *)f, CNID_HDR_LEN, &got) < 0 || got != CNID_HDR_LEN)
		return -EIO;
	return bulk(EP_BODY_OUT, (uint8_t *)f + CNID_HDR_LEN, n - CNID_HDR_LEN, &got);
}

/* One reply into out; its length or -errno. */
static int read_reply(uint8_t *out, size_t size)
{
	size_t have = 0, total = CNID_HDR_LEN, len;
	int got;

	if (split) {
		if (bulk(EP_HDR_IN, out, 64, &got) < 0 || got != CNID_HDR_LEN)
			return -EIO;
		len = (size_t)out[5] << 8 | out[6];
		if (len > CNID_LEN_MAX || CNID_HDR_LEN + len > size)
			return -EBADMSG;
		for (have = CNID_HDR_LEN; have < CNID_HDR_LEN + len; have += (size_t)got) {
			size_t ask = (CNID_HDR_LEN + len - have + 63) / 64 * 64;

			if (ask > size - have)
				return -EMSGSIZE;
			if (bulk(EP_BODY_IN, out + have, (int)ask, &got) < 0 || got == 0)
				return -EIO;
		}
		return (int)have;
	}
	while (have < total) {
		if (size - have < 64 || bulk(EP_HDR_IN, out + have, 64, &got) < 0)
			return -EIO;
		have += (size_t)got;
		if (have >= CNID_HDR_LEN) {
			len = (size_t)out[5] << 8 | out[6];
			if (len > CNID_LEN_MAX)
				return -EBADMSG;
			total = CNID_HDR_LEN + len;
		}
	}
	return (int)have;
}

static uint8_t frame[CNID_FRAME_MAX + 128];

static int transact(enum cnid_cmd_id id, struct cnid_response *resp)
{
	uint8_t req[64];
	int n = cnid_command_build(id, NULL, req, sizeof(req));

	if (n < 0)
		return n;
	if (send_frame(req, n) < 0)
		return -EIO;
	n = read_reply(frame, sizeof(frame));
	if (n < 0)
		return n;
	if (cnid_response_parse(frame, (size_t)n, resp) < 0)
		return -EBADMSG;
	return n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "card", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *serial = "sam0", *card = NULL;
	struct cnid_card_desc want;
	struct cnid_response r;
	libusb_context *ctx;
	uint8_t d4[4], serial8[8], expect[CNID_FRAME_MAX];
	char eps[64];
	int o, n, e;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': serial = optarg; break;
		case 'm': split = strcmp(optarg, "single") != 0; break;
		case 'c': card = optarg; break;
		case 'n': prefix = optarg; break;
		default: return 2;
		}
	}
	if (!card || emu_load_desc(card, &want) < 0) {
		fprintf(stderr, "libusb-reader: --card FILE (a card description) is needed\n");
		return 2;
	}
	if (libusb_init(&ctx) < 0) {
		result("open", false, "libusb_init failed");
		return 1;
	}
	dev = open_by_serial(ctx, serial);
	if (!dev) {
		result("open", false, "no 0400:c35a reader with serial %s", serial);
		libusb_exit(ctx);
		return 1;
	}
	libusb_set_auto_detach_kernel_driver(dev, 1);
	n = libusb_claim_interface(dev, 0);
	result("open", n == 0, "claim: %s", libusb_error_name(n));
	if (n != 0)
		goto out;
	/* the bus view: the real reader's endpoint addresses, in its order */
	endpoint_list(eps, sizeof(eps));
	result("endpoints", strcmp(eps, split ? "81 02 85 06" : "81 02") == 0,
	       "endpoints %s, want %s", eps, split ? "81 02 85 06" : "81 02");
	/* a card read with the endpoints fixed in the code */
	n = transact(CNID_CMD_FIND, &r);
	result("find", n > 0 && cnid_decode_find(&r, d4) == 0, "find: %d", n);
	n = transact(CNID_CMD_SELECT, &r);
	result("select", n > 0 && cnid_decode_select(&r, serial8) == 0, "select: %d", n);
	n = transact(CNID_CMD_READ, &r);
	e = cnid_card_desc_frame(&want, false, expect, sizeof(expect));
	result("read", n > 0 && n == e && memcmp(frame, expect, (size_t)n) == 0,
	       "read: %d bytes, want %d equal to the card description's reply", n, e);
	libusb_release_interface(dev, 0);
out:
	libusb_close(dev);
	libusb_exit(ctx);
	return failures ? 1 : 0;
}
