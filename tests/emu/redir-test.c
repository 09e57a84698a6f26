// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * redir-test: cnid-emu's usbredir transport on the host, no QEMU.  It plays
 * the other side (QEMU's "usb-guest", with libusbredirparser) on a unix
 * socket cnid-emu --usbredir connects to, and checks what a host controller
 * would see: the device_connect (full speed, 0400:c35a), the ep_info and
 * the configuration descriptor (bulk endpoints at the real reader's
 * addresses and in its order: 81 02 85 06, or 81 02), a SET_CONFIGURATION,
 * then a SAM status request sent on the OUT endpoints and its reply read
 * from the IN endpoints (split: the 7-byte header on 0x81, the body on
 * 0x85), that a reset and a SET_CONFIGURATION answer an IN request left
 * pending (status cancelled, once), and a device_disconnect after "unplug".
 *
 *   redir-test CNID_EMU split|single [EXPECTED_ENDPOINTS] [-- CNID_EMU_ARGS...]
 *
 * EXPECTED_ENDPOINTS defaults to the real reader's ("81,02,85,06"); make
 * check-emu also runs it against cnid-emu --endpoints 81,02,86,07 (dummy_hcd's
 * numbering), where it must fail.  Exit 0 when every check passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <usbredirparser.h>

#include "cnid-private.h"

struct st {
	struct usbredirparser *p;
	int fd;
	bool connected, configured, disconnected;
	struct usb_redir_device_connect_header dc;
	struct usb_redir_ep_info_header ei;
	uint8_t ctl[512];
	int ctl_len, ctl_status;
	uint64_t want_id;      /* the packet we wait for */
	bool got;
	uint8_t data[4096];
	int data_len, status;
};

static struct st S = { .fd = -1 };
static int failures;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("redir-test: %s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures += !ok;
}

static int rd(void *priv, uint8_t *d, int n)
{
	ssize_t r = read(((struct st *)priv)->fd, d, (size_t)n);

	return r < 0 ? (errno == EAGAIN ? 0 : -1) : r == 0 ? -1 : (int)r;
}

static int wr(void *priv, uint8_t *d, int n)
{
	ssize_t r = write(((struct st *)priv)->fd, d, (size_t)n);

	return r < 0 ? (errno == EAGAIN ? 0 : -1) : (int)r;
}

static void on_log(void *priv, int level, const char *msg)
{
	(void)priv;
	if (level <= usbredirparser_warning)
		printf("redir-test: usbredirparser: %s\n", msg);
}

static void on_hello(void *priv, struct usb_redir_hello_header *h)
{
	(void)priv;
	(void)h;
}

static void on_iface(void *priv, struct usb_redir_interface_info_header *h)
{
	(void)priv;
	(void)h;
}

static void on_connect(void *priv, struct usb_redir_device_connect_header *h)
{
	((struct st *)priv)->dc = *h;
	((struct st *)priv)->connected = true;
}

static void on_disconnect(void *priv)
{
	((struct st *)priv)->disconnected = true;
}

static void on_ep_info(void *priv, struct usb_redir_ep_info_header *h)
{
	((struct st *)priv)->ei = *h;
}

static void on_cfg(void *priv, uint64_t id, struct usb_redir_configuration_status_header *h)
{
	struct st *s = priv;

	s->configured = h->status == usb_redir_success && h->configuration == 1;
	s->got = s->got || id == s->want_id;
}

static void on_control(void *priv, uint64_t id, struct usb_redir_control_packet_header *h,
		       uint8_t *d, int n)
{
	struct st *s = priv;

	if (id == s->want_id) {
		s->ctl_status = h->status;
		s->ctl_len = n < (int)sizeof(s->ctl) ? n : (int)sizeof(s->ctl);
		if (d)
			memcpy(s->ctl, d, (size_t)s->ctl_len);
		s->got = true;
	}
	if (d)
		usbredirparser_free_packet_data(s->p, d);
}

static void on_bulk(void *priv, uint64_t id, struct usb_redir_bulk_packet_header *h, uint8_t *d,
		    int n)
{
	struct st *s = priv;

	if (id == s->want_id) {
		s->status = h->status;
		s->data_len = n < (int)sizeof(s->data) ? n : (int)sizeof(s->data);
		if (d)
			memcpy(s->data, d, (size_t)s->data_len);
		s->got = true;
	}
	if (d)
		usbredirparser_free_packet_data(s->p, d);
}

/* Run the parser until cond() or ms milliseconds. */
static bool pump_ms(bool (*cond)(void), int ms)
{
	for (int i = 0; i < ms / 10 && !cond(); i++) {
		struct pollfd pf = { .fd = S.fd, .events = POLLIN };

		if (usbredirparser_has_data_to_write(S.p))
			usbredirparser_do_write(S.p);
		if (poll(&pf, 1, 10) > 0 && usbredirparser_do_read(S.p) == usbredirparser_read_io_error)
			return cond();
	}
	return cond();
}

static bool pump(bool (*cond)(void))
{
	return pump_ms(cond, 3000);
}

static bool c_connected(void) { return S.connected; }
static bool c_got(void) { return S.got; }
static bool c_disconnected(void) { return S.disconnected; }

static uint64_t next_id = 1;

/* Send a bulk packet (IN: a request for in_len bytes); S.want_id is its id. */
static void bulk_send(uint8_t ep, const uint8_t *out, int n_out, int in_len)
{
	struct usb_redir_bulk_packet_header h = { .endpoint = ep };

	h.length = (uint16_t)(ep & 0x80 ? in_len : n_out);
	S.want_id = next_id++;
	S.got = false;
	S.data_len = 0;
	usbredirparser_send_bulk_packet(S.p, S.want_id, &h, (uint8_t *)out, ep & 0x80 ? 0 : n_out);
}

static bool bulk(uint8_t ep, const uint8_t *out, int n_out, int in_len)
{
	bulk_send(ep, out, n_out, in_len);
	return pump(c_got) && S.status == usb_redir_success;
}

static bool set_configuration(uint8_t config)
{
	struct usb_redir_set_configuration_header sc = { .configuration = config };

	S.want_id = next_id++;
	S.got = false;
	S.configured = false;
	usbredirparser_send_set_configuration(S.p, S.want_id, &sc);
	return pump(c_got) && S.configured == (config == 1);
}

/* A SAM status request at the real reader's endpoints; its reply's length. */
static int sam_status(bool split, uint8_t *reply)
{
	uint8_t req[64];
	int n = cnid_command_build(CNID_CMD_SAM_STATUS, NULL, req, sizeof(req)), got = 0;
	bool ok;

	if (split)
		ok = bulk(0x02, req, 7, 0) && bulk(0x06, req + 7, n - 7, 0);
	else
		ok = bulk(0x02, req, n, 0);
	if (ok && bulk(0x81, NULL, 0, 64)) {
		memcpy(reply, S.data, (size_t)S.data_len);
		got = S.data_len;
	}
	if (ok && split && got == 7 && bulk(0x85, NULL, 0, 64)) {
		memcpy(reply + 7, S.data, (size_t)S.data_len);
		got += S.data_len;
	}
	return got;
}

/*
 * A reset (or a new configuration) while an IN request waits for data: the
 * device answers the request (status cancelled, as usbredirhost does), and
 * a late cancel of it - QEMU's UHCI cancels an abandoned transfer up to 32
 * frames late - gets nothing more.  QEMU drops the next reply with the id
 * of a cancel that was never answered: with UHCI's ids (TD addresses, soon
 * reused) that was the re-enumeration's descriptor read (error -110).
 */
static void check_abandoned_request(bool split, const char *what)
{
	uint64_t id;
	bool answered;

	bulk_send(0x81, NULL, 0, 64);
	id = S.want_id;
	pump_ms(c_got, 200);
	check(!S.got, "%s: an IN request with no reply waiting stays pending", what);
	if (strcmp(what, "reset") == 0) {
		usbredirparser_send_reset(S.p);
	} else {
		struct usb_redir_set_configuration_header sc = { .configuration = 1 };

		usbredirparser_send_set_configuration(S.p, next_id++, &sc);
	}
	answered = pump(c_got);
	check(answered && S.status == usb_redir_cancelled && S.data_len == 0,
	      "%s: the pending IN request is answered (status %d, want cancelled %d)", what,
	      answered ? S.status : -1, usb_redir_cancelled);
	S.got = false;
	usbredirparser_send_cancel_data_packet(S.p, id);
	pump_ms(c_got, 300);
	check(!S.got, "%s: a late cancel of it gets no second reply", what);
	if (!S.configured || strcmp(what, "reset") == 0)
		check(set_configuration(1), "%s: set_configuration 1 again", what);
	{
		uint8_t reply[64];

		check(sam_status(split, reply) == 11, "%s: then SAM status works", what);
	}
}

int main(int argc, char **argv)
{
	const char *emu, *want_eps = "81,02,85,06";
	bool split;
	char sock[108], eps[64] = "", arg_eps[64];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };
	int ls, argi = 3;
	pid_t pid;

	if (argc < 3)
		return 2;
	emu = argv[1];
	split = strcmp(argv[2], "split") == 0;
	if (!split)
		want_eps = "81,02";
	if (argc > 3 && strcmp(argv[3], "--") != 0)
		want_eps = argv[argi++];
	if (argi < argc && strcmp(argv[argi], "--") == 0)
		argi++;
	snprintf(sock, sizeof(sock), "/tmp/redir-test.%d.sock", (int)getpid());
	memcpy(a.sun_path, sock, strlen(sock) + 1);
	unlink(sock);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 1) < 0) {
		perror("redir-test: socket");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		char *av[32];
		int n = 0;

		av[n++] = (char *)emu;
		av[n++] = "--usbredir";
		av[n++] = sock;
		av[n++] = "--mode";
		av[n++] = split ? "split" : "single";
		av[n++] = "--serial";
		av[n++] = "redirtest";
		for (int i = argi; i < argc && n < 30; i++)
			av[n++] = argv[i];
		av[n] = NULL;
		execv(emu, av);
		_exit(127);
	}
	S.fd = accept(ls, NULL, NULL);
	close(ls);
	fcntl(S.fd, F_SETFL, fcntl(S.fd, F_GETFL) | O_NONBLOCK);
	unlink(sock);
	S.p = usbredirparser_create();
	S.p->priv = &S;
	S.p->log_func = on_log;
	S.p->read_func = rd;
	S.p->write_func = wr;
	S.p->hello_func = on_hello;
	S.p->interface_info_func = on_iface;
	S.p->device_connect_func = on_connect;
	S.p->device_disconnect_func = on_disconnect;
	S.p->ep_info_func = on_ep_info;
	S.p->configuration_status_func = on_cfg;
	S.p->control_packet_func = on_control;
	S.p->bulk_packet_func = on_bulk;
	usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
	usbredirparser_init(S.p, "redir-test", caps, USB_REDIR_CAPS_SIZE, 0);

	check(pump(c_connected) && S.dc.speed == usb_redir_speed_full && S.dc.vendor_id == 0x0400 &&
	      S.dc.product_id == 0xc35a, "device_connect: full speed 0400:c35a");
	/* the configuration descriptor's endpoints, in order */
	{
		struct usb_redir_control_packet_header c = {
			.endpoint = 0x80, .request = 6, .requesttype = 0x80,
			.value = 0x0200, .length = 255,
		};
		size_t n = 0;

		S.want_id = next_id++;
		S.got = false;
		usbredirparser_send_control_packet(S.p, S.want_id, &c, NULL, 0);
		pump(c_got);
		for (int i = 0; i + 2 < S.ctl_len && S.ctl[i] >= 2; i += S.ctl[i])
			if (S.ctl[i + 1] == 5 && n + 4 < sizeof(eps))
				n += (size_t)snprintf(eps + n, sizeof(eps) - n, "%s%02x", n ? "," : "",
						      S.ctl[i + 2]);
	}
	check(strcmp(eps, want_eps) == 0, "configuration endpoints %s, want %s", eps, want_eps);
	snprintf(arg_eps, sizeof(arg_eps), "%s", want_eps);
	{
		bool ok = true;

		for (char *t = strtok(arg_eps, ","); t; t = strtok(NULL, ",")) {
			unsigned e = (unsigned)strtoul(t, NULL, 16);
			int k = ((e & 0x80) >> 3) | (e & 0x0f);

			ok &= S.ei.type[k] == usb_redir_type_bulk && S.ei.max_packet_size[k] == 64;
		}
		check(ok, "ep_info: bulk, 64 bytes at %s", want_eps);
	}
	check(set_configuration(1), "set_configuration 1");
	/* a SAM status request, at the real reader's endpoints */
	{
		uint8_t reply[64];
		int got = sam_status(split, reply);
		static const uint8_t want[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04,
						0x00, 0x00, 0x90, 0x94 };

		check(got == (int)sizeof(want) && memcmp(reply, want, sizeof(want)) == 0,
		      "SAM status through %s: %d bytes", split ? "02+06 / 81+85" : "02 / 81", got);
	}
	check_abandoned_request(split, "reset");
	check_abandoned_request(split, "set_configuration");
	kill(pid, SIGTERM);
	check(pump(c_disconnected), "device_disconnect when cnid-emu stops");
	waitpid(pid, NULL, 0);
	usbredirparser_destroy(S.p);
	close(S.fd);
	printf("redir-test: %s %s: %d failed\n", split ? "split" : "single", want_eps, failures);
	return failures ? 1 : 0;
}
