// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cnid-hostile: a hostile USB device for the deep tier, through raw_gadget.
 *
 * raw_gadget (/dev/raw-gadget) hands every control request to user space and
 * lets us answer GET_DESCRIPTOR with any bytes at all, so unlike FunctionFS
 * (which validates descriptors) it can present what a broken or malicious
 * device would: interfaces with no endpoints, wrong transfer types, absurd
 * packet sizes, endpoint 0 claimed, descriptors shorter than they say.  A
 * well-formed device can then misbehave on its bulk pipes: stall, NAK
 * forever, babble, answer in short and zero-length packets, corrupt frames.
 *
 * Runs inside a QEMU guest of the deep-tier debug kernel (raw_gadget and
 * dummy_hcd built in).  Subcommands:
 *
 *   cnid-hostile list
 *       the named cases, one per line: name, expectation, description
 *   cnid-hostile selftest
 *       host-only checks of the frames, descriptors and random generator
 *   cnid-hostile gadget [--udc UDC] (--case NAME | --seed S --index I)
 *       be that device until killed (for debugging by hand)
 *   cnid-hostile run [--udc UDC] [--cases all|none|a,b,...] [--random N]
 *                    [--seed S] [--first-index I] [--tx N] [--xfer-ms MS] [--ok-ms MS]
 *                    [--driver NAME] [--no-driver] [--hard-ms MS]
 *                    [--errnos E1,E2,...] [--fault KIND:CASE,...]
 *       for every case: plug the device in, watch what the driver does with
 *       it (through sysfs and /dev/kmsg), exercise /dev/cnidN if it bound,
 *       unplug it (once during a blocked read) and check the kernel log;
 *       prints `TEST deep.hostile.<case> PASS|FAIL ...` lines and a summary.
 *       ok-single runs first and again last (ok-single.last: the driver
 *       still works after every other case); the summary line
 *       `TEST deep.hostile.summary` FAILS unless every case was plugged in
 *       and unplugged (unplug cycles == cases).
 *       The seed is printed; replay one random case with
 *       `run --cases none --random 1 --seed S --first-index I`.
 *       --fault plants test-only faults in the harness (tests/deep/faults.sh):
 *       init-fail (that case's USB_RAW_IOCTL_INIT fails), keep-plugged (the
 *       harness forgets to unplug it), driver-gone (cnid.ko is unloaded after it).
 *
 * Expectations:
 *   refuse  the driver must not bind, and must say so in exactly one kernel
 *           message at warning level or above
 *   bind    the driver must bind (in the pipe mode the layout implies); then
 *           every request, through write()+read() and through CNID_IOC_XFER
 *           alternately, gets either a well-formed reply frame or one of the
 *           errnos kmod/uapi/cnid.h documents, a bad-checksum request gets
 *           EINVAL, every call returns within the hard bound, and an unplug
 *           during a blocked read returns ENODEV, then poll says POLLHUP
 *   any     refuse (as above) or bind (as above); random cases are "any"
 *   ok      bind, and the well-behaved device's replies arrive intact (this
 *           proves the harness itself)
 * Every case must reach the driver (an interface the driver binds or
 * refuses), except where the case table says the USB core itself refuses
 * the device (named_case.core, with the reason) and for random layouts (the
 * core may refuse those; it must be seen to read the configuration).  A
 * device that never enumerated, or whose gadget process died, FAILS.
 * In every case nothing in the kernel log may look like a splat (BUG,
 * WARNING, KASAN, UBSAN, lockdep, ODEBUG, kmemleak, hung task...).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/usb/ch9.h>
#include <linux/usb/raw_gadget.h>

#include "../../kmod/uapi/cnid.h"

#define VID 0x0400
#define PID 0xc35a
#define MAX_EPS 8
#define CFG_MAX 512
#define FRAME_MAX 4096

/* ------------------------------------------------------------------ */
/* Seeded pseudo-random numbers (splitmix64): same seed, same cases.   */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* uniform in [lo, hi] */
static int rng_range(struct rng *r, int lo, int hi)
{
	return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static bool rng_chance(struct rng *r, int percent)
{
	return rng_range(r, 0, 99) < percent;
}

/* ------------------------------------------------------------------ */
/* Cases                                                                */

enum expect { EXP_REFUSE, EXP_BIND, EXP_ANY, EXP_OK };
static const char *const expect_name[] = { "refuse", "bind", "any", "ok" };

enum behaviour {
	B_OK,		/* answer every request with a correct "no card" reply */
	B_STALL_IN,	/* halt the IN endpoint(s) when a request arrives */
	B_STALL_OUT,	/* halt the OUT endpoint(s) from the start */
	B_NAK_IN,	/* take requests, never answer */
	B_NAK_OUT,	/* never take a request */
	B_BABBLE,	/* answer with an endless stream */
	B_SHORT,	/* the correct reply in random short packets and ZLPs */
	B_ZLP,		/* zero-length packets, forever */
	B_CORRUPT,	/* a reply with one random corruption */
	B_RANDOM,	/* each request: one of the above, at random */
	B_COUNT
};
static const char *const beh_name[] = {
	"ok", "stall-in", "stall-out", "nak-in", "nak-out", "babble",
	"short", "zlp", "corrupt", "random",
};

struct ep_spec {
	uint8_t addr;	/* bEndpointAddress */
	uint8_t attr;	/* bmAttributes */
	uint16_t maxp;	/* wMaxPacketSize */
	uint8_t blen;	/* bLength as sent (7 when well-formed) */
	uint8_t interval;
};

struct layout {
	int nep;
	struct ep_spec ep[MAX_EPS];
	int numeps_delta;	/* bNumEndpoints = nep + numeps_delta */
	int total_delta;	/* wTotalLength = real length + total_delta */
	int serve_cut;		/* serve only real length - serve_cut bytes */
	bool alt1;		/* endpoints in altsetting 1, none in altsetting 0 */
};

/* test-only faults planted in the harness (--fault KIND:CASE, tests/deep/faults.sh) */
enum {
	F_INIT_FAIL = 1,	/* the gadget's USB_RAW_IOCTL_INIT fails: it dies unplugged */
	F_KEEP_PLUGGED = 2,	/* the harness forgets to unplug this case's device */
	F_DRIVER_GONE = 4,	/* after this case, the driver is unloaded */
};

struct hcase {
	char name[48];
	char desc[160];
	enum expect expect;
	enum behaviour beh;
	struct layout lay;
	uint64_t seed;		/* for behaviour randomness */
	int want_mode;		/* CNID_PIPE_* the driver must pick, 0 = any */
	const char *core;	/* why the USB core itself refuses it; NULL: the driver must see it */
	bool random;		/* a random case: the core may refuse it (see judge()) */
	unsigned int faults;	/* F_*: planted faults, only under --fault */
};

#define BI(n, mp) { 0x80 | (n), USB_ENDPOINT_XFER_BULK, mp, 7, 0 }
#define BO(n, mp) { (n), USB_ENDPOINT_XFER_BULK, mp, 7, 0 }
#define II(n) { 0x80 | (n), USB_ENDPOINT_XFER_INT, 64, 7, 1 }
#define IO(n) { (n), USB_ENDPOINT_XFER_INT, 64, 7, 1 }
#define SI(n) { 0x80 | (n), USB_ENDPOINT_XFER_ISOC, 64, 7, 1 }
#define SO(n) { (n), USB_ENDPOINT_XFER_ISOC, 64, 7, 1 }
#define SINGLE { BI(1, 64), BO(2, 64) }
#define SPLIT { BI(1, 64), BO(2, 64), BI(5, 64), BO(6, 64) }

struct named_case {
	const char *name;
	enum expect expect;
	enum behaviour beh;
	struct layout lay;
	const char *desc;
	/*
	 * Set only where the USB core refuses the device before any driver
	 * can see it, with the reason (drivers/usb/core/config.c): such a case
	 * passes when the core fetched the configuration and then refused it
	 * (no SET_CONFIGURATION, or a configuration without the interface).
	 * Every other named case FAILS unless the interface reached the driver;
	 * a device that never enumerated, or whose gadget died, always FAILS.
	 */
	const char *core;
};

/* named_case.core for a case whose interface the USB core hands to the driver */
#define DRIVER NULL

static const struct named_case named[] = {
	/* the harness proves itself: a correct device must work */
	{ "ok-single", EXP_OK, B_OK, { .nep = 2, .ep = SINGLE }, "well-formed, single pipe pair, correct replies", DRIVER },
	{ "ok-split", EXP_OK, B_OK, { .nep = 4, .ep = SPLIT }, "well-formed, split pipes, correct replies", DRIVER },
	/* malformed descriptors */
	{ "no-endpoints", EXP_REFUSE, B_NAK_OUT, { .nep = 0 }, "vendor interface without endpoints", DRIVER },
	{ "only-in", EXP_REFUSE, B_NAK_OUT, { .nep = 1, .ep = { BI(1, 64) } }, "one bulk IN, no OUT", DRIVER },
	{ "only-out", EXP_REFUSE, B_NAK_OUT, { .nep = 1, .ep = { BO(2, 64) } }, "one bulk OUT, no IN", DRIVER },
	{ "two-in", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { BI(1, 64), BI(5, 64) } }, "two bulk IN, no OUT", DRIVER },
	{ "interrupt-pair", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { II(1), IO(2) } }, "interrupt IN+OUT instead of bulk", DRIVER },
	{ "iso-pair", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { SI(1), SO(2) } }, "isochronous IN+OUT instead of bulk", DRIVER },
	{ "bulk-in-int-out", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { BI(1, 64), IO(2) } }, "bulk IN with an interrupt OUT", DRIVER },
	{ "maxp-0", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { BI(1, 0), BO(2, 0) } }, "bulk pair, wMaxPacketSize 0", DRIVER },
	{ "maxp-0-out", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { BI(1, 64), BO(2, 0) } }, "bulk pair, OUT wMaxPacketSize 0", DRIVER },
	{ "maxp-8", EXP_ANY, B_RANDOM, { .nep = 2, .ep = { BI(1, 8), BO(2, 8) } }, "bulk pair, wMaxPacketSize 8", DRIVER },
	{ "maxp-1023", EXP_ANY, B_RANDOM, { .nep = 2, .ep = { BI(1, 1023), BO(2, 1023) } }, "bulk pair, wMaxPacketSize 1023", DRIVER },
	{ "maxp-1023-split", EXP_ANY, B_RANDOM, { .nep = 4, .ep = { BI(1, 1023), BO(2, 64), BI(5, 1023), BO(6, 8) } },
	  "split pipes, mixed wMaxPacketSize 1023/64/8", DRIVER },
	{ "three-pairs", EXP_REFUSE, B_NAK_OUT, { .nep = 6, .ep = { BI(1, 64), BO(2, 64), BI(5, 64), BO(6, 64), BI(3, 64), BO(4, 64) } },
	  "three bulk pairs", DRIVER },
	{ "split-missing-out", EXP_ANY, B_RANDOM, { .nep = 3, .ep = { BI(1, 64), BO(2, 64), BI(5, 64) } },
	  "two bulk IN, one bulk OUT", DRIVER },
	{ "ep0-as-out", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { BI(1, 64), BO(0, 64) } }, "bulk OUT claims endpoint 0", DRIVER },
	{ "ep0-as-in", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { BI(0, 64), BO(2, 64) } }, "bulk IN claims endpoint 0", DRIVER },
	{ "ep0-extra", EXP_ANY, B_RANDOM, { .nep = 3, .ep = { BI(1, 64), BO(2, 64), BO(0, 64) } },
	  "good pair plus an endpoint 0 descriptor", DRIVER },
	{ "duplicate-ep", EXP_ANY, B_RANDOM, { .nep = 3, .ep = { BI(1, 64), BI(1, 64), BO(2, 64) } }, "bulk IN 0x81 twice", DRIVER },
	{ "short-ep-desc", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { BI(1, 64), { 0x02, USB_ENDPOINT_XFER_BULK, 64, 5, 0 } } },
	  "OUT endpoint descriptor bLength 5", DRIVER },
	{ "long-ep-desc", EXP_ANY, B_RANDOM, { .nep = 2, .ep = { { 0x81, USB_ENDPOINT_XFER_BULK, 64, 9, 0 }, BO(2, 64) } },
	  "IN endpoint descriptor bLength 9 (audio-style)", DRIVER },
	{ "overrun-ep-desc", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = { BI(1, 64), { 0x02, USB_ENDPOINT_XFER_BULK, 64, 200, 0 } } },
	  "OUT endpoint descriptor claims 200 bytes past the end", DRIVER },
	{ "numeps-over", EXP_ANY, B_RANDOM, { .nep = 2, .ep = SINGLE, .numeps_delta = 3 }, "bNumEndpoints 5, two present", DRIVER },
	{ "numeps-under", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = SINGLE, .numeps_delta = -1 }, "bNumEndpoints 1, two present", DRIVER },
	{ "total-short", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = SINGLE, .serve_cut = 4 }, "config served 4 bytes short of wTotalLength", DRIVER },
	{ "total-lies-long", EXP_ANY, B_RANDOM, { .nep = 2, .ep = SINGLE, .total_delta = 40 }, "wTotalLength 40 bytes longer than served", DRIVER },
	{ "total-lies-tiny", EXP_REFUSE, B_NAK_OUT, { .nep = 2, .ep = SINGLE, .total_delta = -26 }, "wTotalLength 6 (less than a config descriptor)",
	  "the core fetches max(wTotalLength, 9) = 9 bytes: a configuration with no interface (\"config 1 has 0 interfaces\")" },
	{ "altsetting-1", EXP_ANY, B_NAK_IN, { .nep = 2, .ep = SINGLE, .alt1 = true }, "endpoints only in altsetting 1", DRIVER },
	/* a well-formed device that misbehaves on its pipes */
	{ "stall-in", EXP_BIND, B_STALL_IN, { .nep = 2, .ep = SINGLE }, "single pipes; IN halts on every request", DRIVER },
	{ "stall-out", EXP_BIND, B_STALL_OUT, { .nep = 2, .ep = SINGLE }, "single pipes; OUT halted", DRIVER },
	{ "nak-in", EXP_BIND, B_NAK_IN, { .nep = 2, .ep = SINGLE }, "single pipes; never answers", DRIVER },
	{ "nak-out", EXP_BIND, B_NAK_OUT, { .nep = 2, .ep = SINGLE }, "single pipes; never takes a request", DRIVER },
	{ "babble", EXP_BIND, B_BABBLE, { .nep = 2, .ep = SINGLE }, "single pipes; endless reply stream", DRIVER },
	{ "short-zlp", EXP_BIND, B_SHORT, { .nep = 2, .ep = SINGLE }, "single pipes; reply in random short packets and ZLPs", DRIVER },
	{ "zlp-only", EXP_BIND, B_ZLP, { .nep = 2, .ep = SINGLE }, "single pipes; zero-length packets forever", DRIVER },
	{ "corrupt", EXP_BIND, B_CORRUPT, { .nep = 2, .ep = SINGLE }, "single pipes; corrupted replies", DRIVER },
	{ "random", EXP_BIND, B_RANDOM, { .nep = 2, .ep = SINGLE }, "single pipes; a random misbehaviour per request", DRIVER },
	{ "split-stall-in", EXP_BIND, B_STALL_IN, { .nep = 4, .ep = SPLIT }, "split pipes; IN halts on every request", DRIVER },
	{ "split-stall-out", EXP_BIND, B_STALL_OUT, { .nep = 4, .ep = SPLIT }, "split pipes; OUT halted", DRIVER },
	{ "split-nak-in", EXP_BIND, B_NAK_IN, { .nep = 4, .ep = SPLIT }, "split pipes; never answers", DRIVER },
	{ "split-babble", EXP_BIND, B_BABBLE, { .nep = 4, .ep = SPLIT }, "split pipes; endless reply stream", DRIVER },
	{ "split-short-zlp", EXP_BIND, B_SHORT, { .nep = 4, .ep = SPLIT }, "split pipes; random short packets and ZLPs", DRIVER },
	{ "split-corrupt", EXP_BIND, B_CORRUPT, { .nep = 4, .ep = SPLIT }, "split pipes; corrupted replies", DRIVER },
	{ "split-random", EXP_BIND, B_RANDOM, { .nep = 4, .ep = SPLIT }, "split pipes; a random misbehaviour per request", DRIVER },
};
#define N_NAMED (sizeof(named) / sizeof(named[0]))

static void case_from_named(struct hcase *c, const struct named_case *n, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", n->name);
	snprintf(c->desc, sizeof(c->desc), "%s", n->desc);
	c->expect = n->expect;
	c->beh = n->beh;
	c->lay = n->lay;
	c->core = n->core;
	c->seed = mix64(seed ^ 0x6e616d6564ULL);
	if (n->expect == EXP_BIND || n->expect == EXP_OK)
		c->want_mode = n->lay.nep == 4 ? CNID_PIPE_SPLIT : CNID_PIPE_SINGLE;
}

static const uint16_t maxp_choices[] = { 0, 8, 16, 32, 64, 64, 64, 64, 64, 512, 1023, 2047 };
static const uint8_t blen_choices[] = { 0, 1, 2, 3, 5, 6, 8, 9, 64, 255 };

/* One random case, fully determined by (seed, index). */
static void case_random(struct hcase *c, uint64_t seed, unsigned int index)
{
	struct rng r = { mix64(seed) ^ mix64(0x1000 + index) };
	struct layout *l = &c->lay;
	int i;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "random-%u", index);
	c->expect = EXP_ANY;
	c->random = true;
	c->beh = (enum behaviour)rng_range(&r, 0, B_COUNT - 1);
	c->seed = rng_next(&r);

	if (rng_chance(&r, 45)) {
		/* nearly well-formed: a proper single or split layout, 0-2 mutations */
		static const struct ep_spec single[] = SINGLE, split[] = SPLIT;
		int mut = rng_range(&r, 0, 2);

		if (rng_chance(&r, 50)) {
			l->nep = 2;
			memcpy(l->ep, single, sizeof(single));
		} else {
			l->nep = 4;
			memcpy(l->ep, split, sizeof(split));
		}
		while (mut--) {
			struct ep_spec *e = &l->ep[rng_range(&r, 0, l->nep - 1)];

			switch (rng_range(&r, 0, 6)) {
			case 0: e->maxp = maxp_choices[rng_range(&r, 0, 11)]; break;
			case 1: e->attr = (uint8_t)rng_range(&r, 0, 3); break;
			case 2: e->addr ^= 0x80; break;
			case 3: e->addr = (e->addr & 0x80) | (uint8_t)rng_range(&r, 0, 15); break;
			case 4: e->blen = blen_choices[rng_range(&r, 0, 9)]; break;
			case 5: l->numeps_delta = rng_range(&r, -2, 3); break;
			default: l->serve_cut = rng_range(&r, 1, 20); break;
			}
		}
	} else {
		l->nep = rng_range(&r, 0, MAX_EPS - 2);
		for (i = 0; i < l->nep; i++) {
			struct ep_spec *e = &l->ep[i];
			int t = rng_range(&r, 0, 99);

			e->attr = t < 60 ? USB_ENDPOINT_XFER_BULK : t < 75 ? USB_ENDPOINT_XFER_INT :
				  t < 90 ? USB_ENDPOINT_XFER_ISOC : USB_ENDPOINT_XFER_CONTROL;
			e->addr = (uint8_t)((rng_chance(&r, 50) ? 0x80 : 0) |
					    (rng_chance(&r, 5) ? 0 : rng_range(&r, 1, 15)));
			e->maxp = rng_chance(&r, 10) ? (uint16_t)rng_range(&r, 1, 0xffff) :
							maxp_choices[rng_range(&r, 0, 11)];
			e->blen = rng_chance(&r, 90) ? 7 : blen_choices[rng_range(&r, 0, 9)];
			e->interval = (uint8_t)rng_range(&r, 0, 255);
		}
		if (rng_chance(&r, 15))
			l->numeps_delta = rng_range(&r, -2, 3);
		if (rng_chance(&r, 10))
			l->total_delta = rng_range(&r, -20, 40);
		if (rng_chance(&r, 10))
			l->serve_cut = rng_range(&r, 1, 30);
		l->alt1 = rng_chance(&r, 8);
	}

	/* describe it, so a failure report says what the device was */
	{
		char *p = c->desc, *end = c->desc + sizeof(c->desc);

		p += snprintf(p, end - p, "%s;", beh_name[c->beh]);
		for (i = 0; i < l->nep && p < end; i++)
			p += snprintf(p, end - p, " %02x/%c/%u%s", l->ep[i].addr,
				      "CIBN"[l->ep[i].attr & 3], l->ep[i].maxp,
				      l->ep[i].blen == 7 ? "" : "/bad-len");
		if (p < end && (l->numeps_delta || l->total_delta || l->serve_cut || l->alt1))
			snprintf(p, end - p, "; numeps%+d total%+d cut%d%s", l->numeps_delta,
				 l->total_delta, l->serve_cut, l->alt1 ? " alt1" : "");
	}
}

/* ------------------------------------------------------------------ */
/* Descriptors                                                          */

static const struct usb_device_descriptor dev_desc = {
	.bLength = USB_DT_DEVICE_SIZE,
	.bDescriptorType = USB_DT_DEVICE,
	.bcdUSB = 0x0200,
	.bDeviceClass = 0,
	.bMaxPacketSize0 = 64,
	.idVendor = VID,
	.idProduct = PID,
	.bcdDevice = 0x0100,
	.iManufacturer = 1,
	.iProduct = 2,
	.iSerialNumber = 3,
	.bNumConfigurations = 1,
};

static const char *const strings[] = { NULL, "cnid test", "hostile reader", "HOSTILE0001" };

static void put_le16(uint8_t *p, unsigned int v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

/* Build the configuration descriptor; returns the number of bytes served. */
static int build_config(const struct layout *l, uint8_t *buf, int *ret_total)
{
	int len = 0, i, real, total;
	uint8_t *cfg = buf, *intf;

	memset(buf, 0, CFG_MAX);
	cfg[0] = USB_DT_CONFIG_SIZE;
	cfg[1] = USB_DT_CONFIG;
	cfg[4] = 1;		/* bNumInterfaces */
	cfg[5] = 1;		/* bConfigurationValue */
	cfg[7] = 0xc0;		/* self-powered */
	cfg[8] = 50;
	len = USB_DT_CONFIG_SIZE;

	if (l->alt1) {
		intf = buf + len;
		intf[0] = USB_DT_INTERFACE_SIZE;
		intf[1] = USB_DT_INTERFACE;
		intf[5] = 0xff;	/* vendor specific, no endpoints */
		len += USB_DT_INTERFACE_SIZE;
	}
	intf = buf + len;
	intf[0] = USB_DT_INTERFACE_SIZE;
	intf[1] = USB_DT_INTERFACE;
	intf[3] = l->alt1 ? 1 : 0;
	intf[4] = (uint8_t)(l->nep + l->numeps_delta);
	intf[5] = 0xff;
	len += USB_DT_INTERFACE_SIZE;

	for (i = 0; i < l->nep; i++) {
		const struct ep_spec *e = &l->ep[i];
		uint8_t d[USB_DT_ENDPOINT_SIZE] = { e->blen, USB_DT_ENDPOINT, e->addr, e->attr, 0, 0, e->interval };
		int emit;

		put_le16(d + 4, e->maxp);
		if (e->blen < 2)
			emit = 2;		/* the parser must give up here */
		else if (e->blen <= 16)
			emit = e->blen;		/* short: cut; long: zero-padded */
		else
			emit = USB_DT_ENDPOINT_SIZE;	/* claims more than it carries */
		memcpy(buf + len, d, emit < USB_DT_ENDPOINT_SIZE ? (size_t)emit : sizeof(d));
		len += emit;
	}
	real = len;
	total = real + l->total_delta;
	if (total < 0)
		total = 0;
	put_le16(cfg + 2, (unsigned int)total);
	*ret_total = total;
	real -= l->serve_cut;
	return real < 2 ? 2 : real;
}

/* ------------------------------------------------------------------ */
/* Frames (sam-protocol: AA AA AA 96 69 | LEN_H LEN_L | ... | CHK)      */

static const uint8_t preamble[5] = { 0xaa, 0xaa, 0xaa, 0x96, 0x69 };

static int frame_build(uint8_t *f, const uint8_t *body, int n)
{
	uint8_t chk;
	int i;

	memcpy(f, preamble, 5);
	f[5] = (uint8_t)((n + 1) >> 8);
	f[6] = (uint8_t)(n + 1);
	chk = f[5] ^ f[6];
	for (i = 0; i < n; i++) {
		f[7 + i] = body[i];
		chk ^= body[i];
	}
	f[7 + n] = chk;
	return n + 8;
}

/* 0 if f[0..n) is exactly one well-formed frame */
static int frame_check(const uint8_t *f, int n)
{
	uint8_t chk = 0;
	int len, i;

	if (n < 8 || memcmp(f, preamble, 5))
		return -1;
	len = (f[5] << 8) | f[6];
	if (len + 7 != n)
		return -1;
	for (i = 5; i < n - 1; i++)
		chk ^= f[i];
	return chk == f[n - 1] ? 0 : -1;
}

/* the "no card" reply to find-card; correct but uninteresting */
static int reply_for(uint8_t *f)
{
	static const uint8_t body[] = { 0x00, 0x00, 0x80 };

	return frame_build(f, body, sizeof(body));
}

/* ------------------------------------------------------------------ */
/* The gadget                                                           */

/* in a gadget process: its pipe to the orchestrator, for its last words */
static int die_fd = -1;

static void die(const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "cnid-hostile: %s\n", msg);
	/* 'E' + the reason: the orchestrator fails the case with it */
	if (die_fd >= 0)
		dprintf(die_fd, "E%s\n", msg);
	exit(2);
}

struct ep_io {
	struct usb_raw_ep_io io;
	uint8_t data[FRAME_MAX];
};

struct gadget {
	int fd;
	int notify;	/* pipe to the orchestrator, or -1 */
	const struct hcase *c;
	uint8_t cfg[CFG_MAX];
	int cfg_served, cfg_total;
	bool configured;
	int h_in[MAX_EPS], n_in;	/* enabled bulk/int IN handles, by address order */
	int h_out[MAX_EPS], n_out;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* request bytes per OUT endpoint: split mode sends the header on the
	 * first and the body on the second, and two threads must not
	 * interleave them in arrival-of-the-lock order */
	uint8_t req[2][FRAME_MAX];
	int req_len[2];
	int pending;	/* complete requests not yet answered */
	struct rng rng;
};

static void notify(struct gadget *g, char what)
{
	if (g->notify >= 0 && write(g->notify, &what, 1) != 1)
		g->notify = -1;
}

static int ep_write(struct gadget *g, int h, const uint8_t *p, int n)
{
	struct ep_io e;

	e.io.ep = (uint16_t)h;
	e.io.flags = 0;
	e.io.length = (uint32_t)n;
	memcpy(e.data, p, (size_t)n);
	return ioctl(g->fd, USB_RAW_IOCTL_EP_WRITE, &e);
}

static int rnd(struct gadget *g, int lo, int hi)
{
	int v;

	pthread_mutex_lock(&g->lock);
	v = rng_range(&g->rng, lo, hi);
	pthread_mutex_unlock(&g->lock);
	return v;
}

/* send f[0..n) on IN handle h in random short pieces, with ZLPs */
static void send_short(struct gadget *g, int h, const uint8_t *f, int n)
{
	int off = 0;

	while (off < n) {
		int k = rnd(g, 1, 63);

		if (k > n - off)
			k = n - off;
		if (rnd(g, 0, 3) == 0 && ep_write(g, h, f, 0) < 0)
			return;
		if (ep_write(g, h, f + off, k) < 0)
			return;
		off += k;
	}
}

static void send_reply(struct gadget *g, const uint8_t *f, int n)
{
	if (g->n_in >= 2) {	/* split: header on the first IN, body on the second */
		int hl = n < 7 ? n : 7;

		if (ep_write(g, g->h_in[0], f, hl) >= 0 && n > hl)
			ep_write(g, g->h_in[1], f + hl, n - hl);
	} else if (g->n_in == 1) {
		ep_write(g, g->h_in[0], f, n);
	}
}

static void misbehave(struct gadget *g, enum behaviour b)
{
	uint8_t f[FRAME_MAX];
	int n = reply_for(f), i;

	if (b == B_RANDOM)
		b = (enum behaviour)rnd(g, 0, B_RANDOM - 1);
	switch (b) {
	case B_OK:
		send_reply(g, f, n);
		break;
	case B_STALL_IN:
		for (i = 0; i < g->n_in; i++)
			ioctl(g->fd, USB_RAW_IOCTL_EP_SET_HALT, g->h_in[i]);
		break;
	case B_STALL_OUT:
	case B_NAK_OUT:
	case B_NAK_IN:
		break;
	case B_BABBLE:
		/* frames that claim the maximum length, then garbage, forever */
		for (;;) {
			uint8_t p[64];
			int k;

			memcpy(p, preamble, 5);
			p[5] = 0xff;
			p[6] = 0xff;
			for (k = 7; k < 64; k++)
				p[k] = (uint8_t)rnd(g, 0, 255);
			for (k = 0; k < g->n_in; k++)
				if (ep_write(g, g->h_in[k], p, rnd(g, 0, 3) ? 64 : rnd(g, 1, 64)) < 0)
					return;
		}
	case B_SHORT:
		if (g->n_in >= 2) {
			send_short(g, g->h_in[0], f, 7);
			send_short(g, g->h_in[1], f + 7, n - 7);
		} else if (g->n_in == 1) {
			send_short(g, g->h_in[0], f, n);
		}
		break;
	case B_ZLP:
		for (;;) {
			for (i = 0; i < g->n_in; i++)
				if (ep_write(g, g->h_in[i], f, 0) < 0)
					return;
			usleep((useconds_t)rnd(g, 0, 20000));
		}
	case B_CORRUPT: {
		uint8_t big[FRAME_MAX];
		int m = n, k;

		memcpy(big, f, (size_t)n);
		switch (rnd(g, 0, 6)) {
		case 0:	/* bad checksum */
			big[n - 1] ^= (uint8_t)rnd(g, 1, 255);
			break;
		case 1:	/* LEN larger than any reply */
			big[5] = 0xff;
			big[6] = (uint8_t)rnd(g, 0, 255);
			break;
		case 2:	/* LEN too small to hold SW1..SW3 */
			big[5] = 0;
			big[6] = (uint8_t)rnd(g, 0, 2);
			break;
		case 3:	/* garbage before the preamble */
			k = rnd(g, 1, 300);
			memmove(big + k, f, (size_t)n);
			for (i = 0; i < k; i++)
				big[i] = (uint8_t)rnd(g, 0, 255);
			m = n + k;
			break;
		case 4:	/* truncated, then silence */
			m = rnd(g, 1, n - 1);
			break;
		case 5:	/* trailing junk */
			k = rnd(g, 1, 200);
			for (i = 0; i < k; i++)
				big[n + i] = (uint8_t)rnd(g, 0, 255);
			m = n + k;
			break;
		default: /* one random bit anywhere */
			k = rnd(g, 0, n * 8 - 1);
			big[k / 8] ^= (uint8_t)(1 << (k % 8));
			break;
		}
		if (rnd(g, 0, 1) && g->n_in)
			send_short(g, g->h_in[0], big, m);
		else
			send_reply(g, big, m);
		break;
	}
	default:
		break;
	}
}

static void *in_thread(void *arg)
{
	struct gadget *g = arg;

	for (;;) {
		pthread_mutex_lock(&g->lock);
		while (!g->pending)
			pthread_cond_wait(&g->cond, &g->lock);
		g->pending--;
		pthread_mutex_unlock(&g->lock);
		misbehave(g, g->c->beh);
	}
	return NULL;
}

struct out_arg {
	struct gadget *g;
	int h;
	int idx;	/* which OUT endpoint: 0, or 1 for a split body */
};

static void drop(struct gadget *g, int i, int k)
{
	memmove(g->req[i], g->req[i] + k, (size_t)(g->req_len[i] - k));
	g->req_len[i] -= k;
}

/* count complete requests (by LEN); resync on garbage.  Lock held. */
static void take_requests(struct gadget *g)
{
	bool split = g->n_out >= 2;
	int len;

	while (g->req_len[0] >= 7) {
		if (memcmp(g->req[0], preamble, 5)) {
			drop(g, 0, 1);
			continue;
		}
		len = g->req[0][5] << 8 | g->req[0][6];
		if (split) {
			if (g->req_len[1] < len)
				break;
			drop(g, 0, 7);
			drop(g, 1, len);
		} else {
			if (g->req_len[0] < len + 7)
				break;
			drop(g, 0, len + 7);
		}
		g->pending++;
		pthread_cond_signal(&g->cond);
	}
}

static void *out_thread(void *arg)
{
	struct out_arg *oa = arg;
	struct gadget *g = oa->g;
	struct ep_io e;

	if (g->c->beh == B_NAK_OUT)
		return NULL;
	if (g->c->beh == B_STALL_OUT) {
		/* halt; re-halt whenever the host clears it, never take data */
		for (;;) {
			ioctl(g->fd, USB_RAW_IOCTL_EP_SET_HALT, oa->h);
			usleep(100000);
		}
	}
	for (;;) {
		int n;

		e.io.ep = (uint16_t)oa->h;
		e.io.flags = 0;
		e.io.length = sizeof(e.data);
		n = ioctl(g->fd, USB_RAW_IOCTL_EP_READ, &e);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			usleep(50000);	/* disabled by a reset, or unplugged */
			continue;
		}
		pthread_mutex_lock(&g->lock);
		if (g->req_len[oa->idx] + n > FRAME_MAX)
			g->req_len[oa->idx] = 0;
		memcpy(g->req[oa->idx] + g->req_len[oa->idx], e.data, (size_t)n);
		g->req_len[oa->idx] += n;
		take_requests(g);
		pthread_mutex_unlock(&g->lock);
	}
	return NULL;
}

static void ep0_stall(struct gadget *g)
{
	ioctl(g->fd, USB_RAW_IOCTL_EP0_STALL, 0);
}

static void ep0_send(struct gadget *g, const void *p, int n, int wlength)
{
	struct ep_io e;

	if (n > wlength)
		n = wlength;
	e.io.ep = 0;
	e.io.flags = 0;
	e.io.length = (uint32_t)n;
	memcpy(e.data, p, (size_t)n);
	ioctl(g->fd, USB_RAW_IOCTL_EP0_WRITE, &e);
}

static void ep0_ack(struct gadget *g)
{
	struct ep_io e;

	e.io.ep = 0;
	e.io.flags = 0;
	e.io.length = 0;
	ioctl(g->fd, USB_RAW_IOCTL_EP0_READ, &e);
}

/* Enable what can be enabled of the layout's endpoints, record the handles. */
static void enable_endpoints(struct gadget *g)
{
	const struct layout *l = &g->c->lay;
	int i, j;

	g->n_in = g->n_out = 0;
	for (i = 0; i < l->nep; i++) {
		const struct ep_spec *e = &l->ep[i];
		struct usb_endpoint_descriptor d = {
			.bLength = USB_DT_ENDPOINT_SIZE,
			.bDescriptorType = USB_DT_ENDPOINT,
			.bEndpointAddress = e->addr,
			.bmAttributes = e->attr,
			.wMaxPacketSize = e->maxp,
			.bInterval = e->interval,
		};
		int h, type = e->attr & USB_ENDPOINT_XFERTYPE_MASK;

		if (e->blen < USB_DT_ENDPOINT_SIZE || !(e->addr & 0x0f) || !e->maxp ||
		    (type != USB_ENDPOINT_XFER_BULK && type != USB_ENDPOINT_XFER_INT))
			continue;
		for (j = 0; j < i; j++)
			if (l->ep[j].addr == e->addr)
				break;
		if (j < i)
			continue;
		h = ioctl(g->fd, USB_RAW_IOCTL_EP_ENABLE, &d);
		if (h < 0)
			continue;	/* e.g. wMaxPacketSize the UDC cannot do */
		if (e->addr & USB_DIR_IN)
			g->h_in[g->n_in++] = h;
		else
			g->h_out[g->n_out++] = h;
	}
}

static void start_io(struct gadget *g)
{
	static struct out_arg oa[MAX_EPS];
	pthread_t t;
	int i;

	for (i = 0; i < g->n_out; i++) {
		oa[i].g = g;
		oa[i].h = g->h_out[i];
		oa[i].idx = i == 1 ? 1 : 0;	/* a third OUT (never in a split layout) joins the first */
		if (pthread_create(&t, NULL, out_thread, &oa[i]) == 0)
			pthread_detach(t);
	}
	if (pthread_create(&t, NULL, in_thread, g) == 0)
		pthread_detach(t);
}

static void handle_control(struct gadget *g, const struct usb_ctrlrequest *r)
{
	int wl = r->wLength;
	uint8_t buf[256];

	if ((r->bRequestType & USB_TYPE_MASK) != USB_TYPE_STANDARD) {
		ep0_stall(g);
		return;
	}
	switch (r->bRequest) {
	case USB_REQ_GET_DESCRIPTOR:
		switch (r->wValue >> 8) {
		case USB_DT_DEVICE:
			ep0_send(g, &dev_desc, sizeof(dev_desc), wl);
			notify(g, 'D');
			return;
		case USB_DT_CONFIG:
			ep0_send(g, g->cfg, g->cfg_served, wl);
			/* 'g' any read of it (the core's first is 9 bytes), 'G' a full one */
			notify(g, wl > USB_DT_CONFIG_SIZE ? 'G' : 'g');
			return;
		case USB_DT_STRING: {
			unsigned int idx = r->wValue & 0xff, i;

			if (idx == 0) {
				buf[0] = 4;
				buf[1] = USB_DT_STRING;
				put_le16(buf + 2, 0x0409);
				ep0_send(g, buf, 4, wl);
				return;
			}
			if (idx >= sizeof(strings) / sizeof(strings[0]))
				break;
			for (i = 0; strings[idx][i]; i++)
				put_le16(buf + 2 + 2 * i, (unsigned char)strings[idx][i]);
			buf[0] = (uint8_t)(2 + 2 * i);
			buf[1] = USB_DT_STRING;
			ep0_send(g, buf, buf[0], wl);
			return;
		}
		default:
			break;
		}
		break;
	case USB_REQ_SET_CONFIGURATION:
		if (!g->configured && (r->wValue & 0xff) == 1) {
			enable_endpoints(g);
			ioctl(g->fd, USB_RAW_IOCTL_VBUS_DRAW, 50);
			ioctl(g->fd, USB_RAW_IOCTL_CONFIGURE, 0);
			g->configured = true;
			start_io(g);
			ep0_ack(g);
			notify(g, 'C');
			return;
		}
		ep0_ack(g);
		return;
	case USB_REQ_SET_INTERFACE:
	case USB_REQ_CLEAR_FEATURE:
	case USB_REQ_SET_FEATURE:
		ep0_ack(g);
		return;
	case USB_REQ_GET_CONFIGURATION:
		buf[0] = g->configured ? 1 : 0;
		ep0_send(g, buf, 1, wl);
		return;
	case USB_REQ_GET_INTERFACE:
		buf[0] = 0;
		ep0_send(g, buf, 1, wl);
		return;
	case USB_REQ_GET_STATUS:
		buf[0] = 1;	/* self-powered */
		buf[1] = 0;
		ep0_send(g, buf, 2, wl);
		return;
	default:
		break;
	}
	ep0_stall(g);
}

static void gadget_run(const struct hcase *c, const char *udc, int notify_fd)
{
	struct gadget *g = calloc(1, sizeof(*g));
	struct usb_raw_init init;
	struct {
		struct usb_raw_event ev;
		struct usb_ctrlrequest ctrl;
	} ev;
	const char *dot;

	if (!g)
		die("out of memory");
	g->c = c;
	g->notify = notify_fd;
	die_fd = notify_fd;
	g->rng.s = c->seed;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->cfg_served = build_config(&c->lay, g->cfg, &g->cfg_total);

	g->fd = open("/dev/raw-gadget", O_RDWR);
	if (g->fd < 0)
		die("open /dev/raw-gadget: %s", strerror(errno));
	memset(&init, 0, sizeof(init));
	/* driver "dummy_udc", device "dummy_udc.N" */
	dot = strrchr(udc, '.');
	snprintf((char *)init.driver_name, sizeof(init.driver_name), "%.*s",
		 dot ? (int)(dot - udc) : (int)strlen(udc), udc);
	snprintf((char *)init.device_name, sizeof(init.device_name), "%s", udc);
	init.speed = USB_SPEED_FULL;
	if (c->faults & F_INIT_FAIL)
		init.speed = 0x7f;	/* planted: raw_gadget refuses an unknown speed */
	if (ioctl(g->fd, USB_RAW_IOCTL_INIT, &init) < 0)
		die("USB_RAW_IOCTL_INIT %s: %s", udc, strerror(errno));
	if (ioctl(g->fd, USB_RAW_IOCTL_RUN, 0) < 0)
		die("USB_RAW_IOCTL_RUN: %s", strerror(errno));
	notify(g, 'R');

	for (;;) {
		memset(&ev, 0, sizeof(ev));
		ev.ev.type = 0;
		ev.ev.length = sizeof(ev.ctrl);
		if (ioctl(g->fd, USB_RAW_IOCTL_EVENT_FETCH, &ev) < 0) {
			if (errno == EINTR)
				continue;
			die("USB_RAW_IOCTL_EVENT_FETCH: %s", strerror(errno));
		}
		if (ev.ev.type == USB_RAW_EVENT_CONTROL)
			handle_control(g, &ev.ctrl);
		/* CONNECT and anything newer: nothing to do */
	}
}

/* ------------------------------------------------------------------ */
/* The orchestrator                                                     */

static const char *driver = "cnid";
static bool no_driver;
static int hard_ms = 20000;	/* no call on /dev/cnidN may take longer */
static int ntx = 3;
static int xfer_ms = 1000;	/* CNID_IOC_XFER's per-call timeout */
/*
 * The well-behaved "ok" cases must not fail for a slow guest (TCG on a
 * loaded host, KASAN): they get this timeout, for CNID_IOC_XFER and, through
 * the module parameter, for read()/write(); misbehaving devices keep the
 * short ones so that NAK cases stay quick.
 */
static int ok_ms = 10000;
/* what kmod/uapi/cnid.h documents for a failed transaction */
static char allowed_errnos[256] = "ETIMEDOUT,EBADMSG,EMSGSIZE,EPROTO,EPIPE,EIO,ENODEV";
static unsigned int unplugs, hard_unplugs;

static const char *const splat_patterns[] = {
	"BUG:", "WARNING:", "Oops", "general protection", "KASAN", "UBSAN",
	"possible circular locking", "possible recursive locking", "inconsistent lock state",
	"suspicious RCU usage", "sleeping function called from invalid context",
	"held lock freed", "lock held when returning", "bad unlock balance", "ODEBUG",
	"unreferenced object", "suspected memory leak", "blocked for more than",
	"soft lockup", "Call Trace", "Kernel panic", "list_add corruption", "list_del corruption",
	"refcount_t:", NULL,
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void msleep(int ms)
{
	usleep((useconds_t)ms * 1000);
}

static int read_file(const char *path, char *buf, size_t sz)
{
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, sz - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return n;
}

/* the USB device directory name (e.g. "1-1") of the hostile device, or "" */
static void find_device(char *out, size_t sz)
{
	DIR *d = opendir("/sys/bus/usb/devices");
	struct dirent *de;
	char p[512], v[32];

	out[0] = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strchr(de->d_name, ':'))
			continue;
		snprintf(p, sizeof(p), "/sys/bus/usb/devices/%s/idVendor", de->d_name);
		if (read_file(p, v, sizeof(v)) < 0 || strtoul(v, NULL, 16) != VID)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/usb/devices/%s/idProduct", de->d_name);
		if (read_file(p, v, sizeof(v)) < 0 || strtoul(v, NULL, 16) != PID)
			continue;
		snprintf(out, sz, "%s", de->d_name);
		break;
	}
	closedir(d);
}

/* 1 bound to our driver, 0 not bound (or bound to another), -1 no interface */
static int intf_state(const char *dev, char *intf, size_t isz)
{
	char p[512], link[512];
	ssize_t n;
	struct stat st;
	const char *base;

	/* altsetting cases still have interface 0 */
	snprintf(intf, isz, "%s:1.0", dev);
	snprintf(p, sizeof(p), "/sys/bus/usb/devices/%s", intf);
	if (stat(p, &st) < 0)
		return -1;
	snprintf(p, sizeof(p), "/sys/bus/usb/devices/%s/driver", intf);
	n = readlink(p, link, sizeof(link) - 1);
	if (n < 0)
		return 0;
	link[n] = 0;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	return strcmp(base, driver) == 0;
}

/* /dev path of the interface's usbmisc node */
static int find_node(const char *intf, char *out, size_t sz)
{
	char p[512];
	DIR *d;
	struct dirent *de;
	int ret = -1;

	snprintf(p, sizeof(p), "/sys/bus/usb/devices/%s/usbmisc", intf);
	d = opendir(p);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(out, sz, "/dev/%s", de->d_name);
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

/* kernel log window of one case */
struct kwin {
	int fd;
	int driver_lines, driver_loud;	/* messages from the driver; at warning level or above */
	char first_driver[256];
	char splat[256];
};

static void kwin_open(struct kwin *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (k->fd >= 0)
		lseek(k->fd, 0, SEEK_END);
}

static void kmsg_mark(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd = open("/dev/kmsg", O_WRONLY), n;

	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1)) < 0)
		n = 0;
	close(fd);
}

/* consume new records: count driver messages, remember the first splat */
static void kwin_poll(struct kwin *k)
{
	char rec[8192];
	size_t dl = strlen(driver);

	if (k->fd < 0)
		return;
	for (;;) {
		ssize_t n = read(k->fd, rec, sizeof(rec) - 1);
		char *msg, *nl;
		int prio, i;

		if (n < 0) {
			if (errno == EPIPE)
				continue;	/* overwritten records: go on */
			return;
		}
		rec[n] = 0;
		prio = atoi(rec) & 7;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		if (strncmp(msg, "cnid-hostile:", 13) == 0)
			continue;	/* our own markers */
		/* "cnid 1-1:1.0: ..." (dev_*) or "cnid: ..." (pr_* / driver core) */
		if (!strncmp(msg, driver, dl) && (msg[dl] == ' ' || msg[dl] == ':')) {
			if (!k->driver_lines++)
				snprintf(k->first_driver, sizeof(k->first_driver), "%s", msg);
			if (prio <= 4)
				k->driver_loud++;
		}
		for (i = 0; splat_patterns[i] && !k->splat[0]; i++)
			if (strstr(msg, splat_patterns[i]))
				snprintf(k->splat, sizeof(k->splat), "%s", msg);
	}
}

static bool errno_allowed(int e)
{
	char list[256], *tok, *save = NULL;
	static const struct { const char *n; int v; } names[] = {
		{ "ETIMEDOUT", ETIMEDOUT }, { "EPIPE", EPIPE }, { "EPROTO", EPROTO }, { "EIO", EIO },
		{ "EOVERFLOW", EOVERFLOW }, { "EBADMSG", EBADMSG }, { "EMSGSIZE", EMSGSIZE },
		{ "EILSEQ", EILSEQ }, { "ENODEV", ENODEV }, { "ENOMSG", ENOMSG }, { "ECOMM", ECOMM },
		{ "EREMOTEIO", EREMOTEIO }, { "EAGAIN", EAGAIN }, { "EINVAL", EINVAL },
		{ "ESHUTDOWN", ESHUTDOWN }, { "ECONNRESET", ECONNRESET }, { "ENOSPC", ENOSPC },
		{ "EBUSY", EBUSY }, { "ENXIO", ENXIO }, { "ENODATA", ENODATA }, { "ERANGE", ERANGE },
	};
	size_t i;

	snprintf(list, sizeof(list), "%s", allowed_errnos);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(tok, names[i].n) && names[i].v == e)
				return true;
	return false;
}

static void on_alarm(int sig)
{
	(void)sig;	/* only interrupts the blocked call */
}

/*
 * The client: runs in a child so a hung call cannot take the orchestrator
 * with it.  Writes one line to `out`: "ok" or "fail <reason>".
 */
static void client(const char *node, const struct hcase *c, int out)
{
	static const uint8_t find_card[] = { 0xaa, 0xaa, 0xaa, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22 };
	static const uint8_t bad_chk[] = { 0xaa, 0xaa, 0xaa, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x21 };
	uint8_t buf[FRAME_MAX], want[64];
	int fd, i, nwant = reply_for(want), ok = 0;
	char msg[300] = "ok";
	struct sigaction sa = { .sa_handler = on_alarm };
	long long t;

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: a stuck call gets EINTR */
#define FAIL(...) do { snprintf(msg, sizeof(msg), "fail " __VA_ARGS__); goto done; } while (0)
#define TIMED(call) (alarm((unsigned int)(hard_ms + 999) / 1000), t = now_ms(), (call))
#define CHECK_TIME(what) do { alarm(0); if (now_ms() - t > hard_ms) \
		FAIL("%s took %lld ms (bound %d)", what, now_ms() - t, hard_ms); } while (0)

	fd = TIMED(open(node, O_RDWR));
	CHECK_TIME("open");
	if (fd < 0)
		FAIL("open %s: %s", node, strerror(errno));

	/* a malformed request never reaches the device */
	i = (int)TIMED(write(fd, bad_chk, sizeof(bad_chk)));
	CHECK_TIME("write(bad checksum)");
	if (i >= 0 || errno != EINVAL)
		FAIL("write of a bad-checksum request gave %d (%s), want EINVAL", i,
		     i < 0 ? strerror(errno) : "accepted");

	{
		struct cnid_dev_info info;

		memset(&info, 0, sizeof(info));
		i = TIMED(ioctl(fd, CNID_IOC_INFO, &info));
		CHECK_TIME("CNID_IOC_INFO");
		if (i < 0)
			FAIL("CNID_IOC_INFO: %s", strerror(errno));
		if (info.vendor != VID || info.product != PID)
			FAIL("CNID_IOC_INFO says %04x:%04x", info.vendor, info.product);
		if (c->want_mode && info.pipe_mode != c->want_mode)
			FAIL("pipe mode %u, want %u (%s)", info.pipe_mode, c->want_mode,
			     c->want_mode == CNID_PIPE_SPLIT ? "split" : "single");
	}

	for (int tx = 0; tx < ntx; tx++) {
		const char *how = tx % 2 ? "CNID_IOC_XFER" : "read";
		int r;

		if (tx % 2) {
			struct cnid_xfer x = {
				.request = (uintptr_t)find_card,
				.reply = (uintptr_t)buf,
				.request_len = sizeof(find_card),
				.reply_size = sizeof(buf),
				.timeout_ms = (uint32_t)(c->expect == EXP_OK ? ok_ms : xfer_ms),
			};

			r = TIMED(ioctl(fd, CNID_IOC_XFER, &x));
			CHECK_TIME("CNID_IOC_XFER");
			if (r == 0)
				r = (int)x.reply_len;
			else
				r = -1;
		} else {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int w;

			w = (int)TIMED(write(fd, find_card, sizeof(find_card)));
			CHECK_TIME("write");
			if (w < 0) {
				if (c->expect == EXP_OK)
					FAIL("tx %d: write: %s on a well-behaved device", tx, strerror(errno));
				if (!errno_allowed(errno))
					FAIL("tx %d: write: undocumented errno %s", tx, strerror(errno));
				continue;
			}
			if (w != (int)sizeof(find_card))
				FAIL("tx %d: write returned %d of %zu", tx, w, sizeof(find_card));
			i = TIMED(poll(&pfd, 1, hard_ms));
			CHECK_TIME("poll");
			if (i != 1)
				FAIL("tx %d: poll gave %d (revents 0x%x), want POLLIN within %d ms", tx,
				     i, pfd.revents, hard_ms);
			r = (int)TIMED(read(fd, buf, sizeof(buf)));
			CHECK_TIME("read");
		}
		if (r < 0) {
			if (errno == EINTR)
				FAIL("tx %d: %s blocked past the bound", tx, how);
			if (c->expect == EXP_OK)
				FAIL("tx %d: %s: %s on a well-behaved device", tx, how, strerror(errno));
			if (!errno_allowed(errno))
				FAIL("tx %d: %s: undocumented errno %s (%d)", tx, how, strerror(errno), errno);
			continue;
		}
		if (frame_check(buf, r)) {
			char hex[3 * 24 + 4] = "";

			for (i = 0; i < r && i < 24; i++)
				snprintf(hex + 3 * i, sizeof(hex) - 3 * (size_t)i, " %02x", buf[i]);
			FAIL("tx %d: %s returned %d bytes that are not one well-formed frame:%s%s", tx, how, r,
			     hex, r > 24 ? " ..." : "");
		}
		if (c->expect == EXP_OK && (r != nwant || memcmp(buf, want, (size_t)r)))
			FAIL("tx %d: %s: reply differs from what the device sent", tx, how);
		ok++;
	}
	if (c->expect == EXP_OK && ok != ntx)
		FAIL("only %d of %d transactions succeeded on a well-behaved device", ok, ntx);
	close(fd);
done:
	alarm(0);
	dprintf(out, "%s\n", msg);
#undef FAIL
#undef TIMED
#undef CHECK_TIME
}

/*
 * Blocked-read unplug: write a request, block in read(); the orchestrator
 * unplugs the device meanwhile.  read must come back (ENODEV, or a frame
 * that arrived first), then poll must say POLLHUP/POLLERR.
 */
static void client_unplug(const char *node, int ready, int out)
{
	static const uint8_t find_card[] = { 0xaa, 0xaa, 0xaa, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22 };
	uint8_t buf[FRAME_MAX];
	struct sigaction sa = { .sa_handler = on_alarm };
	struct pollfd pfd;
	int fd, r, e;
	long long t;

	sigaction(SIGALRM, &sa, NULL);
	fd = open(node, O_RDWR);
	if (fd < 0) {
		dprintf(ready, "x");
		dprintf(out, "skip open: %s\n", strerror(errno));
		return;
	}
	r = (int)write(fd, find_card, sizeof(find_card));
	dprintf(ready, "r");
	alarm((unsigned int)(hard_ms + 999) / 1000);
	t = now_ms();
	for (;;) {
		r = (int)read(fd, buf, sizeof(buf));
		e = errno;
		if (r < 0 && (e == ENODEV || e == EINTR || now_ms() - t >= hard_ms))
			break;
		if (r < 0)
			msleep(10);	/* e.g. no request outstanding: ask again */
	}
	alarm(0);
	if (r < 0 && e == EINTR) {
		dprintf(out, "fail read blocked %lld ms across the unplug\n", now_ms() - t);
		return;
	}
	if (r < 0 && e != ENODEV) {
		dprintf(out, "fail read after unplug gave %s, want ENODEV\n", strerror(e));
		return;
	}
	pfd.fd = fd;
	pfd.events = POLLIN | POLLOUT;
	r = poll(&pfd, 1, 2000);
	if (r != 1 || !(pfd.revents & (POLLHUP | POLLERR))) {
		dprintf(out, "fail poll after unplug: %d revents 0x%x, want POLLHUP|POLLERR\n", r, pfd.revents);
		return;
	}
	close(fd);
	dprintf(out, "ok\n");
}

/* read one line from fd within ms; returns length or -1 on timeout */
static int read_line(int fd, char *buf, size_t sz, int ms)
{
	size_t n = 0;
	long long end = now_ms() + ms;

	while (n + 1 < sz) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - now_ms();
		ssize_t k;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		k = read(fd, buf + n, 1);
		if (k <= 0)
			break;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = 0;
	return (int)n;
}

/*
 * Wait for a child up to ms; SIGKILL it after.  Returns 1 if it exited in
 * time, 0 if it needed SIGKILL, -1 if it could not be reaped.
 */
static int reap(pid_t pid, int ms)
{
	long long end = now_ms() + ms;
	int st;

	while (now_ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return 1;
		msleep(20);
	}
	kill(pid, SIGKILL);
	/* a child stuck in D state cannot be reaped; do not wait forever */
	end = now_ms() + 2000;
	while (now_ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return 0;
		msleep(20);
	}
	return -1;
}

/* the driver's timeout_ms parameter: ms > 0 sets it, -1 restores the original */
static void set_timeout_param(int ms)
{
	static char orig[32];
	char path[256], buf[32];
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/timeout_ms", driver);
	if (!orig[0] && read_file(path, orig, sizeof(orig)) < 0)
		return;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return;
	snprintf(buf, sizeof(buf), "%d", ms);
	if (write(fd, ms > 0 ? buf : orig, strlen(ms > 0 ? buf : orig)) < 0)
		fprintf(stderr, "cnid-hostile: cannot set %s: %s\n", path, strerror(errno));
	close(fd);
}

/*
 * What became of a case's device, from the gadget's side (which requests
 * the host made) and from sysfs.  Only O_REFUSED and O_BOUND mean the driver
 * saw it; O_CORE_CONFIG and O_CORE_NOINTF mean the USB core refused it.
 */
enum outcome {
	O_DIED,		/* the gadget process died (e.g. USB_RAW_IOCTL_INIT failed) */
	O_SILENT,	/* the host never asked for the configuration */
	O_NODEV,	/* configured, yet no USB device in sysfs */
	O_CORE_CONFIG,	/* the core read the configuration, never set it */
	O_CORE_NOINTF,	/* configured, but the core made no interface 0 of it */
	O_REFUSED,	/* interface 0 exists, the driver did not bind */
	O_BOUND,	/* the driver bound */
	O_COUNT
};
static const char *const outcome_name[] = {
	"gadget died", "not enumerated", "no device", "core rejected config", "no interface",
	"refused", "bound",
};
static unsigned int outcomes[O_COUNT];

struct observed {
	enum outcome o;
	bool bound_ok;		/* O_BOUND: the node existed and the client/unplug checks passed */
	int driver_lines, driver_loud;	/* kernel messages from the driver; at warning level or above */
	const char *first_driver;	/* the first of them */
	const char *last_words;	/* O_DIED: what the gadget said, if anything */
};

/*
 * The verdict on one case's outcome (the client's and the kernel log's
 * checks come before).  Returns true for PASS; else why says what failed.
 * A case must reach the driver unless the table says the USB core refuses
 * it (named_case.core) or it is random (any layout, so the core may refuse
 * it: the outcome shows the core read its configuration); a device that
 * never enumerated, or whose gadget died, never passes.
 */
static bool judge(const struct hcase *c, const struct observed *ob, bool nodrv, char *why, size_t wsz)
{
	bool refused_ok = ob->driver_lines == 1 && ob->driver_loud == 1;

	switch (ob->o) {
	case O_DIED:
		snprintf(why, wsz, "the gadget died%s%s", ob->last_words ? ": " : " (no last words)",
			 ob->last_words ? ob->last_words : "");
		return false;
	case O_SILENT:
		snprintf(why, wsz, "not enumerated: the host never read the configuration");
		return false;
	case O_NODEV:
		snprintf(why, wsz, "configured, yet no USB device %04x:%04x in sysfs", VID, PID);
		return false;
	case O_CORE_CONFIG:
	case O_CORE_NOINTF:
		if (c->core || c->random)
			return true;
		snprintf(why, wsz, "the USB core refused it (%s); the case table says the driver must see it",
			 outcome_name[ob->o]);
		return false;
	default:
		break;
	}
	if (c->core) {
		snprintf(why, wsz, "the case table says the USB core refuses it (%s), yet the driver saw it (%s)",
			 c->core, outcome_name[ob->o]);
		return false;
	}
	if (nodrv) {
		if (ob->o == O_BOUND || ob->driver_lines) {
			snprintf(why, wsz, "--no-driver, yet %s", ob->o == O_BOUND ? "bound" : ob->first_driver);
			return false;
		}
		return true;
	}
	if (ob->o == O_BOUND) {
		if (c->expect == EXP_REFUSE) {
			snprintf(why, wsz, "bound to a device it cannot drive");
			return false;
		}
		return ob->bound_ok;
	}
	/* O_REFUSED */
	if (c->expect == EXP_BIND || c->expect == EXP_OK) {
		snprintf(why, wsz, "did not bind");
		return false;
	}
	if (!ob->driver_lines)
		snprintf(why, wsz, "not bound and no kernel message from %s", driver);
	else if (ob->driver_lines > 1)
		snprintf(why, wsz, "refused with %d messages (want one), first: %s", ob->driver_lines,
			 ob->first_driver);
	else if (ob->driver_loud != 1)
		snprintf(why, wsz, "refusal message below warning level: %s", ob->first_driver);
	return refused_ok;
}

/* every case plugs its device in and unplugs it: the summary checks the count */
static bool summary_ok(unsigned int ncases, unsigned int nunplugs, char *why, size_t wsz)
{
	if (nunplugs == ncases)
		return true;
	snprintf(why, wsz, "%u unplug cycles for %u cases: %u case(s) never plugged in or never unplugged",
		 nunplugs, ncases, ncases > nunplugs ? ncases - nunplugs : nunplugs - ncases);
	return false;
}

/* a device a faulty case left plugged in (F_KEEP_PLUGGED): pull it, uncounted */
static pid_t leftover_gadget = -1;

static void pull_leftover(void)
{
	char dev[300];
	long long end;

	if (leftover_gadget <= 0)
		return;
	kill(leftover_gadget, SIGTERM);
	reap(leftover_gadget, 5000);
	leftover_gadget = -1;
	end = now_ms() + 10000;
	do {
		find_device(dev, sizeof(dev));
	} while (dev[0] && now_ms() < end && (msleep(50), 1));
}

static bool run_case(const struct hcase *c, const char *udc)
{
	int np[2], cp[2], rp[2];
	pid_t gpid, cpid = -1, upid = -1;
	char dev[300] = "", intf[320], node[300], line[320], why[400] = "", last_words[300] = "";
	struct kwin k;
	struct observed ob = { .o = O_SILENT };
	char ev;
	bool configured = false, asked_dev = false, asked_cfg = false, died = false, bound = false;
	bool seen_dev = false;
	bool pass = true;
	int st = -1;
	long long t0 = now_ms(), end, cfg_end = 0;

	pull_leftover();
	kwin_open(&k);
	kmsg_mark("cnid-hostile: case %s start (%s)\n", c->name, c->desc);
	printf("# case %s [%s%s]: %s\n", c->name, expect_name[c->expect], c->core ? ", core refuses" : "",
	       c->desc);
	fflush(stdout);

	if (pipe(np) < 0)
		die("pipe: %s", strerror(errno));
	gpid = fork();
	if (gpid == 0) {
		close(np[0]);
		gadget_run(c, udc, np[1]);
		_exit(0);
	}
	close(np[1]);

	/*
	 * Enumeration, from the gadget: 'R' running, 'D' device descriptor
	 * read, 'g'/'G' configuration read (9 bytes / whole), 'C' configured,
	 * 'E' + its last words when it dies; EOF when it exits.
	 */
	end = now_ms() + 15000;
	while (!configured && !died) {
		long long lim = cfg_end && cfg_end < end ? cfg_end : end, left = lim - now_ms();
		struct pollfd p = { .fd = np[0], .events = POLLIN };

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		if (read(np[0], &ev, 1) != 1) {
			died = true;	/* EOF: the gadget exited */
			break;
		}
		switch (ev) {
		case 'D':
			asked_dev = true;
			break;
		case 'g':
		case 'G':
			asked_cfg = true;
			cfg_end = now_ms() + 5000;	/* SET_CONFIGURATION follows, or never comes */
			break;
		case 'C':
			configured = true;
			break;
		case 'E':
			read_line(np[0], last_words, sizeof(last_words), 1000);
			died = true;
			break;
		default:
			break;
		}
	}

	if (configured) {
		/* probe runs right after SET_CONFIGURATION; wait for its outcome */
		end = now_ms() + 8000;
		for (;;) {
			find_device(dev, sizeof(dev));
			kwin_poll(&k);
			st = dev[0] ? intf_state(dev, intf, sizeof(intf)) : -1;
			seen_dev |= dev[0] != 0;
			/*
			 * The driver core links the driver before it calls probe
			 * and unlinks it when probe fails: bound means the link
			 * and the usbmisc node both exist.
			 */
			if (st == 1 && find_node(intf, node, sizeof(node)) == 0)
				break;
			if (now_ms() > end)
				break;
			/* the core kept the configuration but made no interface of it */
			if (st < 0 && dev[0] && now_ms() > end - 6500)
				break;
			if (st == 0 && (k.driver_lines || no_driver)) {
				msleep(300);	/* let a second message show up, if any */
				kwin_poll(&k);
				st = intf_state(dev, intf, sizeof(intf));
				break;
			}
			msleep(50);
		}
		bound = st == 1;
	}

	if (bound) {
		node[0] = 0;
		end = now_ms() + 5000;
		while (find_node(intf, node, sizeof(node)) < 0 && now_ms() < end)
			msleep(50);
		while (node[0] && access(node, F_OK) < 0 && now_ms() < end)
			msleep(50);
		if (!node[0] || access(node, F_OK) < 0) {
			snprintf(why, sizeof(why), "bound but no /dev node for %s", intf);
			pass = false;
		}
		if (pass) {
			if (c->expect == EXP_OK)
				set_timeout_param(ok_ms);
			if (pipe(cp) < 0)
				die("pipe: %s", strerror(errno));
			cpid = fork();
			if (cpid == 0) {
				close(cp[0]);
				client(node, c, cp[1]);
				_exit(0);
			}
			close(cp[1]);
			if (read_line(cp[0], line, sizeof(line), (ntx * 3 + 4) * hard_ms) < 0)
				snprintf(line, sizeof(line), "fail client hung (no answer in %d ms)",
					 (ntx * 3 + 4) * hard_ms);
			close(cp[0]);
			if (c->expect == EXP_OK)
				set_timeout_param(-1);
			if (reap(cpid, 3000) != 1 && strncmp(line, "fail", 4))
				snprintf(line, sizeof(line), "fail client did not exit");
			if (strncmp(line, "ok", 2)) {
				snprintf(why, sizeof(why), "%s", line + 5);
				pass = false;
			}
		}
		/* unplug while a read blocks */
		if (pass && !(c->faults & F_KEEP_PLUGGED) && pipe(cp) == 0 && pipe(rp) == 0) {
			upid = fork();
			if (upid == 0) {
				close(cp[0]);
				close(rp[0]);
				client_unplug(node, rp[1], cp[1]);
				_exit(0);
			}
			close(cp[1]);
			close(rp[1]);
			{	/* one byte: 'r' blocked in read() next, 'x' could not open */
				struct pollfd p = { .fd = rp[0], .events = POLLIN };

				if (poll(&p, 1, 5000) == 1 && read(rp[0], line, 1) != 1)
					line[0] = 0;
			}
			close(rp[0]);
			msleep(300);	/* let it block in read() */
		}
	}

	/* a gadget that exited by itself died, whatever it got to */
	if (!died && waitpid(gpid, NULL, WNOHANG) == gpid) {
		struct pollfd p = { .fd = np[0], .events = POLLIN };

		while (poll(&p, 1, 0) == 1 && read(np[0], &ev, 1) == 1)
			if (ev == 'E') {
				read_line(np[0], last_words, sizeof(last_words), 1000);
				break;
			}
		died = true;
		gpid = -1;	/* reaped */
	}

	if (c->faults & F_KEEP_PLUGGED) {
		/* planted: no unplug (the next case pulls the device, uncounted) */
		printf("# planted fault: case %s is not unplugged\n", c->name);
		leftover_gadget = gpid;
	} else {
		/* unplug: closing /dev/raw-gadget unbinds the gadget */
		bool gone = gpid < 0;

		if (gpid > 0) {
			kill(gpid, SIGTERM);
			switch (reap(gpid, 5000)) {
			case 1:
				gone = true;
				break;
			case 0:
				gone = true;
				fprintf(stderr, "cnid-hostile: gadget of %s needed SIGKILL\n", c->name);
				break;
			default:
				fprintf(stderr, "cnid-hostile: gadget of %s cannot be reaped\n", c->name);
				break;
			}
		}
		end = now_ms() + 10000;
		do {
			find_device(dev, sizeof(dev));
		} while (dev[0] && now_ms() < end && (msleep(50), 1));
		if (dev[0] && pass) {
			snprintf(why, sizeof(why), "device %s still present 10 s after unplug", dev);
			pass = false;
		}
		/* one cycle: the host saw the device, and it is gone */
		if ((asked_dev || asked_cfg || configured) && gone && !dev[0])
			unplugs++;
	}
	close(np[0]);
	if (upid > 0) {
		if (read_line(cp[0], line, sizeof(line), hard_ms + 5000) < 0)
			snprintf(line, sizeof(line), "fail blocked read never returned after unplug");
		close(cp[0]);
		if (reap(upid, 3000) != 1 && strncmp(line, "fail", 4))
			snprintf(line, sizeof(line), "fail blocked reader did not exit");
		if (!strncmp(line, "fail", 4) && pass) {
			snprintf(why, sizeof(why), "unplug: %s", line + 5);
			pass = false;
		} else if (!strncmp(line, "ok", 2)) {
			hard_unplugs++;
		}
	}
	msleep(100);
	kwin_poll(&k);

	/* verdict */
	if (died)
		ob.o = O_DIED;
	else if (!configured)
		ob.o = asked_cfg ? O_CORE_CONFIG : O_SILENT;
	else if (bound)
		ob.o = O_BOUND;
	else if (st == 0)
		ob.o = O_REFUSED;
	else
		ob.o = seen_dev ? O_CORE_NOINTF : O_NODEV;
	ob.bound_ok = pass;
	ob.driver_lines = k.driver_lines;
	ob.driver_loud = k.driver_loud;
	ob.first_driver = k.first_driver;
	ob.last_words = last_words[0] ? last_words : NULL;
	outcomes[ob.o]++;
	if (ob.o == O_DIED && pass)
		pass = false;	/* whatever else failed, say that it died */
	if (pass && k.splat[0]) {
		snprintf(why, sizeof(why), "kernel report: %s", k.splat);
		pass = false;
	}
	if (ob.o == O_DIED || pass)
		pass = judge(c, &ob, no_driver, why, sizeof(why));
	printf("TEST deep.hostile.%s %s%s%s  # %s, %lld ms\n", c->name, pass ? "PASS" : "FAIL",
	       pass ? "" : " ", pass ? "" : why, outcome_name[ob.o], now_ms() - t0);
	fflush(stdout);
	kmsg_mark("cnid-hostile: case %s end %s\n", c->name, pass ? "pass" : "FAIL");
	if (k.fd >= 0)
		close(k.fd);
	if (c->faults & F_DRIVER_GONE) {
		printf("# planted fault: %s unloaded after case %s\n", driver, c->name);
		if (syscall(SYS_delete_module, driver, O_NONBLOCK) < 0)
			fprintf(stderr, "cnid-hostile: cannot unload %s: %s\n", driver, strerror(errno));
	}
	return pass;
}

static const struct named_case *find_named(const char *name)
{
	size_t i;

	for (i = 0; i < N_NAMED; i++)
		if (!strcmp(named[i].name, name))
			return &named[i];
	return NULL;
}

/*
 * The run's cases, in order: ok-single first (the driver works), the named
 * cases asked for (all, none or a,b,...; ok-single is not repeated), the
 * random ones, and ok-single again as ok-single.last (the driver still works
 * after everything).  Returns a malloc'd array of *n cases, or NULL with
 * *n = 0 when a name is unknown (in *bad).
 */
static struct hcase *build_plan(const char *cases, unsigned int nrandom, unsigned int first,
				uint64_t seed, unsigned int *n, const char **bad)
{
	static char badname[64];
	const struct named_case *ok = find_named("ok-single");
	struct hcase *plan = calloc(N_NAMED + nrandom + 2, sizeof(*plan));
	char list[1024], *tok, *save = NULL;
	unsigned int i, k = 0;

	*n = 0;
	*bad = NULL;
	if (!plan || !ok)
		return NULL;
	case_from_named(&plan[k++], ok, seed);
	snprintf(list, sizeof(list), "%s", cases);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		if (!strcmp(tok, "none"))
			continue;
		for (i = 0; i < N_NAMED; i++) {
			if (strcmp(tok, "all") && strcmp(tok, named[i].name))
				continue;
			found = true;
			if (&named[i] != ok && k < N_NAMED + 1)
				case_from_named(&plan[k++], &named[i], seed);
		}
		if (!found) {
			snprintf(badname, sizeof(badname), "%s", tok);
			*bad = badname;
			free(plan);
			return NULL;
		}
	}
	for (i = first; i < first + nrandom; i++)
		case_random(&plan[k++], seed, i);
	case_from_named(&plan[k], ok, seed);
	snprintf(plan[k].name, sizeof(plan[k].name), "ok-single.last");
	k++;
	*n = k;
	return plan;
}

/*
 * --fault KIND:CASE[,KIND:CASE...]: test-only faults planted in the harness
 * (tests/deep/faults.sh proves the judges catch them).  Returns 0, or -1
 * with a message in err when a kind or a case is unknown.
 */
static int plant_faults(struct hcase *plan, unsigned int n, const char *spec, char *err, size_t esz)
{
	static const struct { const char *kind; unsigned int bit; } kinds[] = {
		{ "init-fail", F_INIT_FAIL }, { "keep-plugged", F_KEEP_PLUGGED },
		{ "driver-gone", F_DRIVER_GONE },
	};
	char list[512], *tok, *save = NULL;
	unsigned int i, j;

	snprintf(list, sizeof(list), "%s", spec);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *name = strchr(tok, ':');
		unsigned int bit = 0;
		bool found = false;

		if (!name) {
			snprintf(err, esz, "--fault %s: want KIND:CASE", tok);
			return -1;
		}
		*name++ = 0;
		for (j = 0; j < sizeof(kinds) / sizeof(kinds[0]); j++)
			if (!strcmp(tok, kinds[j].kind))
				bit = kinds[j].bit;
		if (!bit) {
			snprintf(err, esz, "--fault: unknown kind %s (init-fail, keep-plugged, driver-gone)", tok);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (!strcmp(plan[i].name, name)) {
				plan[i].faults |= bit;
				found = true;
			}
		if (!found) {
			/* a fault on a case not in the run would prove nothing */
			snprintf(err, esz, "--fault %s:%s: no case %s in this run", tok, name, name);
			return -1;
		}
	}
	return 0;
}

/* Host-only checks of the tables and generators (make deep-selftest). */
static int selftest(void)
{
	static const uint8_t sam_status_reply[] = {
		0xaa, 0xaa, 0xaa, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x90, 0x94
	};
	static const uint8_t body[] = { 0x00, 0x00, 0x90 };
	uint8_t f[64], cfg[CFG_MAX];
	int n, i, bad = 0, checks = 0, total, served;
	struct hcase a, b;

#define T(cond, ...) do { checks++; if (!(cond)) { bad++; fprintf(stderr, "selftest: " __VA_ARGS__); \
		fputc('\n', stderr); } } while (0)
	/* frames: the reference's worked example, and every single-bit flip */
	n = frame_build(f, body, sizeof(body));
	T(n == (int)sizeof(sam_status_reply) && !memcmp(f, sam_status_reply, (size_t)n),
	  "frame_build does not give the reference SAM-status reply");
	T(frame_check(f, n) == 0, "frame_check rejects a good frame");
	for (i = 0; i < n * 8; i++) {
		f[i / 8] ^= (uint8_t)(1 << (i % 8));
		T(frame_check(f, n) != 0, "frame_check accepts a frame with bit %d flipped", i);
		f[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	T(frame_check(f, n - 1) != 0 && frame_check(f, n + 1) != 0, "frame_check ignores the length");
	n = reply_for(f);
	T(n == 11 && f[9] == 0x80 && f[10] == (0x00 ^ 0x04 ^ 0x00 ^ 0x00 ^ 0x80), "reply_for is not the no-card reply");

	/* configuration descriptors of the named cases */
	for (i = 0; i < (int)N_NAMED; i++) {
		const struct layout *l = &named[i].lay;
		int want = USB_DT_CONFIG_SIZE + USB_DT_INTERFACE_SIZE * (l->alt1 ? 2 : 1), e;

		for (e = 0; e < l->nep; e++)
			want += l->ep[e].blen < 2 ? 2 : l->ep[e].blen <= 16 ? l->ep[e].blen : 7;
		served = build_config(l, cfg, &total);
		T(served == want - l->serve_cut, "%s: served %d bytes, want %d", named[i].name, served,
		  want - l->serve_cut);
		T(total == want + l->total_delta || (total == 0 && want + l->total_delta < 0),
		  "%s: wTotalLength %d, want %d", named[i].name, total, want + l->total_delta);
		T(cfg[2] + 256 * cfg[3] == total, "%s: wTotalLength not in the descriptor", named[i].name);
		T(cfg[9 + 4 + (l->alt1 ? 9 : 0)] == (uint8_t)(l->nep + l->numeps_delta),
		  "%s: bNumEndpoints wrong", named[i].name);
		T(!find_named(named[i].name) || find_named(named[i].name) == &named[i],
		  "%s: duplicate case name", named[i].name);
	}
	/* random cases: replayable from (seed, index), and always buildable */
	for (i = 0; i < 20000; i++) {
		uint64_t seed = mix64((uint64_t)i * 7919);

		case_random(&a, seed, (unsigned int)i);
		case_random(&b, seed, (unsigned int)i);
		T(!memcmp(&a, &b, sizeof(a)), "random case %d is not reproducible", i);
		served = build_config(&a.lay, cfg, &total);
		T(served >= 2 && served <= CFG_MAX, "random case %d: served %d", i, served);
		T(a.beh < B_COUNT && a.lay.nep <= MAX_EPS, "random case %d out of range", i);
	}
	case_random(&a, 1, 0);
	case_random(&b, 1, 1);
	T(memcmp(&a.lay, &b.lay, sizeof(a.lay)) || a.beh != b.beh, "indexes 0 and 1 give the same case");

	/*
	 * The verdict (judge()): a case that never reached the driver passes
	 * only where the case table says the USB core refuses it, or for a
	 * random layout the core was seen to refuse.  Each row is a planted
	 * outcome; the old harness passed the first four.
	 */
	{
		static const struct {
			const char *name;	/* named case, or "random" */
			enum outcome o;
			int lines, loud;
			bool nodrv, want;
		} rows[] = {
			{ "no-endpoints", O_DIED, 0, 0, false, false },	/* USB_RAW_IOCTL_INIT failed */
			{ "maxp-8", O_SILENT, 0, 0, false, false },
			{ "only-in", O_CORE_NOINTF, 0, 0, false, false },	/* not marked core */
			{ "two-in", O_CORE_CONFIG, 0, 0, false, false },
			{ "random", O_DIED, 0, 0, false, false },
			{ "random", O_SILENT, 0, 0, false, false },
			{ "random", O_NODEV, 0, 0, false, false },
			{ "random", O_CORE_CONFIG, 0, 0, false, true },
			{ "random", O_CORE_NOINTF, 0, 0, false, true },
			{ "random", O_REFUSED, 1, 1, false, true },
			{ "random", O_REFUSED, 2, 2, false, false },
			{ "random", O_BOUND, 0, 0, false, true },
			{ "total-lies-tiny", O_CORE_NOINTF, 0, 0, false, true },
			{ "total-lies-tiny", O_CORE_CONFIG, 0, 0, false, true },
			{ "total-lies-tiny", O_REFUSED, 1, 1, false, false },
			{ "total-lies-tiny", O_BOUND, 0, 0, false, false },
			{ "total-lies-tiny", O_DIED, 0, 0, false, false },
			{ "only-in", O_REFUSED, 1, 1, false, true },
			{ "only-in", O_REFUSED, 0, 0, false, false },
			{ "only-in", O_REFUSED, 2, 1, false, false },
			{ "only-in", O_REFUSED, 1, 0, false, false },
			{ "only-in", O_BOUND, 0, 0, false, false },
			{ "stall-in", O_BOUND, 0, 0, false, true },
			{ "stall-in", O_REFUSED, 1, 1, false, false },
			{ "ok-single", O_REFUSED, 1, 1, false, false },
			{ "ok-single", O_CORE_NOINTF, 0, 0, false, false },
			{ "maxp-8", O_REFUSED, 1, 1, false, true },
			{ "maxp-8", O_BOUND, 0, 0, false, true },
			{ "maxp-8", O_CORE_NOINTF, 0, 0, false, false },
			{ "ok-single", O_REFUSED, 0, 0, true, true },	/* --no-driver */
			{ "ok-single", O_DIED, 0, 0, true, false },
			{ "ok-single", O_SILENT, 0, 0, true, false },
			{ "ok-single", O_REFUSED, 1, 1, true, false },
		};
		char why[400];
		unsigned int r;

		for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
			struct observed ob = { .o = rows[r].o, .bound_ok = true, .driver_lines = rows[r].lines,
					       .driver_loud = rows[r].loud, .first_driver = "cnid 1-1:1.0: x",
					       .last_words = rows[r].o == O_DIED ? "USB_RAW_IOCTL_INIT: x" : NULL };
			bool got;

			if (!strcmp(rows[r].name, "random"))
				case_random(&a, 7, r);
			else
				case_from_named(&a, find_named(rows[r].name), 7);
			why[0] = 0;
			got = judge(&a, &ob, rows[r].nodrv, why, sizeof(why));
			T(got == rows[r].want, "judge row %u (%s, %s%s): %s, want %s (%s)", r, rows[r].name,
			  outcome_name[rows[r].o], rows[r].nodrv ? ", no driver" : "", got ? "PASS" : "FAIL",
			  rows[r].want ? "PASS" : "FAIL", why);
			T(got || why[0], "judge row %u: FAIL without a reason", r);
		}
		T(!summary_ok(5, 4, why, sizeof(why)) && strstr(why, "4 unplug cycles for 5 cases"),
		  "summary accepts 4 unplugs for 5 cases");
		T(!summary_ok(5, 0, why, sizeof(why)), "summary accepts 0 unplugs for 5 cases");
		T(summary_ok(5, 5, why, sizeof(why)), "summary rejects 5 unplugs for 5 cases");
	}
	/* which named cases the USB core refuses: each says why */
	for (i = 0; i < (int)N_NAMED; i++)
		T(!named[i].core || (named[i].core[0] && named[i].expect != EXP_BIND && named[i].expect != EXP_OK),
		  "%s: a core refusal needs a reason and a refuse/any expectation", named[i].name);
	/* the plan: ok-single first and last, faults land on their case */
	{
		unsigned int np;
		const char *badname;
		char err[200];
		struct hcase *plan = build_plan("all", 3, 0, 1, &np, &badname);

		T(plan && np == N_NAMED + 3 + 1, "plan for all + 3 random: %u cases", np);
		T(plan && !strcmp(plan[0].name, "ok-single") && !strcmp(plan[np - 1].name, "ok-single.last") &&
		  plan[np - 1].expect == EXP_OK, "plan does not begin with ok-single and end with ok-single.last");
		T(plan && plant_faults(plan, np, "init-fail:only-in,keep-plugged:random-2", err, sizeof(err)) == 0 &&
		  plan[3].faults == F_INIT_FAIL && plan[np - 2].faults == F_KEEP_PLUGGED,
		  "faults not planted where asked");
		T(plan && plant_faults(plan, np, "init-fail:no-such-case", err, sizeof(err)) < 0,
		  "a fault on a case not in the run is accepted");
		T(plan && plant_faults(plan, np, "explode:only-in", err, sizeof(err)) < 0, "an unknown fault is accepted");
		free(plan);
		plan = build_plan("babble,ok-single", 0, 0, 1, &np, &badname);
		T(plan && np == 3 && !strcmp(plan[0].name, "ok-single") && !strcmp(plan[1].name, "babble") &&
		  !strcmp(plan[2].name, "ok-single.last"), "plan for babble,ok-single is wrong");
		free(plan);
		plan = build_plan("nonesuch", 0, 0, 1, &np, &badname);
		T(!plan && badname && !strcmp(badname, "nonesuch"), "an unknown case name is accepted");
		free(plan);
	}
	printf("deep-selftest: %d checks, %d failed (%zu named cases)\n", checks, bad, N_NAMED);
	return bad ? 1 : 0;
#undef T
}

static void usage(void)
{
	fprintf(stderr,
		"usage: cnid-hostile list | selftest\n"
		"       cnid-hostile gadget [--udc UDC] (--case NAME | --seed S --index I)\n"
		"       cnid-hostile run [--udc UDC] [--cases all|none|a,b] [--random N] [--seed S]\n"
		"                        [--first-index I] [--tx N] [--xfer-ms MS] [--ok-ms MS] [--driver NAME]\n"
		"                        [--no-driver] [--hard-ms MS] [--errnos E1,E2]\n"
		"                        [--fault init-fail|keep-plugged|driver-gone:CASE,...]\n"
		);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *udc = "dummy_udc.0", *cases = "all", *cmd, *one = NULL, *faults = NULL, *badname;
	uint64_t seed = 0;
	bool have_seed = false, sum_ok;
	unsigned int nrandom = 0, first = 0, index = 0, i;
	unsigned int ncases = 0, npass = 0;
	struct hcase *plan;
	char err[200], why[200];
	int a;

	if (argc < 2)
		usage();
	cmd = argv[1];
	for (a = 2; a < argc; a++) {
		const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!strcmp(o, "--no-driver")) {
			no_driver = true;
			continue;
		}
		if (!v)
			usage();
		a++;
		if (!strcmp(o, "--udc"))
			udc = v;
		else if (!strcmp(o, "--cases"))
			cases = v;
		else if (!strcmp(o, "--case"))
			one = v;
		else if (!strcmp(o, "--random"))
			nrandom = (unsigned int)strtoul(v, NULL, 0);
		else if (!strcmp(o, "--seed"))
			seed = strtoull(v, NULL, 0), have_seed = true;
		else if (!strcmp(o, "--first-index"))
			first = (unsigned int)strtoul(v, NULL, 0);
		else if (!strcmp(o, "--index"))
			index = (unsigned int)strtoul(v, NULL, 0);
		else if (!strcmp(o, "--tx"))
			ntx = atoi(v);
		else if (!strcmp(o, "--xfer-ms"))
			xfer_ms = atoi(v);
		else if (!strcmp(o, "--ok-ms"))
			ok_ms = atoi(v);
		else if (!strcmp(o, "--driver"))
			driver = v;
		else if (!strcmp(o, "--hard-ms"))
			hard_ms = atoi(v);
		else if (!strcmp(o, "--errnos"))
			snprintf(allowed_errnos, sizeof(allowed_errnos), "%s", v);
		else if (!strcmp(o, "--fault"))
			faults = v;
		else
			usage();
	}
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid());
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(cmd, "selftest"))
		return selftest();
	if (!strcmp(cmd, "list")) {
		for (i = 0; i < N_NAMED; i++)
			printf("%-18s %-6s %s%s%s%s\n", named[i].name, expect_name[named[i].expect], named[i].desc,
			       named[i].core ? " [the USB core refuses it: " : "", named[i].core ? named[i].core : "",
			       named[i].core ? "]" : "");
		return 0;
	}
	if (!strcmp(cmd, "gadget")) {
		struct hcase c;

		if (one) {
			const struct named_case *n = find_named(one);

			if (!n)
				die("no case %s (see `cnid-hostile list`)", one);
			case_from_named(&c, n, seed);
		} else {
			case_random(&c, seed, index);
		}
		fprintf(stderr, "cnid-hostile: gadget %s on %s: %s (seed %" PRIu64 ")\n", c.name, udc,
			c.desc, seed);
		gadget_run(&c, udc, -1);
		return 0;
	}
	if (strcmp(cmd, "run"))
		usage();

	if (access("/dev/raw-gadget", F_OK) < 0)
		die("/dev/raw-gadget missing: this kernel has no raw_gadget (CONFIG_USB_RAW_GADGET)");
	printf("# cnid-hostile: seed %" PRIu64 ", udc %s, driver %s%s, %u random case(s) from index %u\n",
	       seed, udc, driver, no_driver ? " (not loaded)" : "", nrandom, first);
	printf("# replay a random case: cnid-hostile run --cases none --random 1 --seed %" PRIu64
	       " --first-index I\n", seed);

	plan = build_plan(cases, nrandom, first, seed, &ncases, &badname);
	if (!plan)
		die("no case %s (see `cnid-hostile list`)", badname ? badname : "(out of memory)");
	if (faults && plant_faults(plan, ncases, faults, err, sizeof(err)) < 0)
		die("%s", err);
	if (faults)
		printf("# cnid-hostile: PLANTED FAULTS %s: this run must fail\n", faults);
	for (i = 0; i < ncases; i++)
		npass += run_case(&plan[i], udc);
	pull_leftover();
	free(plan);
	sum_ok = summary_ok(ncases, unplugs, why, sizeof(why));
	printf("# cnid-hostile: %u/%u cases passed, %u unplug cycles (%u during a blocked read), seed %" PRIu64 "\n",
	       npass, ncases, unplugs, hard_unplugs, seed);
	printf("TEST deep.hostile.summary %s%s%s  # %u cases, %u unplug cycles\n", sum_ok ? "PASS" : "FAIL",
	       sum_ok ? "" : " ", sum_ok ? "" : why, ncases, unplugs);
	printf("HOSTILE-SUMMARY cases=%u passed=%u unplugs=%u blocked-read-unplugs=%u bound=%u refused=%u "
	       "core-refused=%u never-reached=%u seed=%" PRIu64 "\n",
	       ncases, npass, unplugs, hard_unplugs, outcomes[O_BOUND], outcomes[O_REFUSED],
	       outcomes[O_CORE_CONFIG] + outcomes[O_CORE_NOINTF],
	       outcomes[O_DIED] + outcomes[O_SILENT] + outcomes[O_NODEV], seed);
	return npass == ncases && sum_ok ? 0 : 1;
}
