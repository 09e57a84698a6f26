// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cnid-emu main program: options, the event loop, request intake, reply
 * shaping (faults, delays, segments) and the timestamped log.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"

uint64_t emu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ------------------------------------------------------------------ */
/* Log: "<monotonic µs> <rx|tx|ev> ..." one line per event.             */

/*
 * One "rx"/"tx" line: the byte count, the hex of the first shown bytes and
 * "...+N" for the rest (everything with --log-full).
 */
void emu_log_bytes(struct emu *e, const char *dir, const uint8_t *p, size_t n, size_t shown)
{
	if (!e->log)
		return;
	if (e->log_full || shown > n)
		shown = n;
	fprintf(e->log, "%llu %s %zu ", (unsigned long long)emu_now_us(), dir, n);
	for (size_t i = 0; i < shown; i++)
		fprintf(e->log, "%02x", p[i]);
	if (shown < n)
		fprintf(e->log, "...+%zu", n - shown);
	fputc('\n', e->log);
	fflush(e->log);
}

/* The log holds card bytes: readable by its owner only. */
static int open_log(struct emu *e, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	e->log = fdopen(fd, "a");
	if (!e->log) {
		int r = -errno;

		close(fd);
		return r;
	}
	return 0;
}

void emu_log_event(struct emu *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->log)
		return;
	fprintf(e->log, "%llu ev ", (unsigned long long)emu_now_us());
	va_start(ap, fmt);
	vfprintf(e->log, fmt, ap);
	va_end(ap);
	fputc('\n', e->log);
	fflush(e->log);
}

/* ------------------------------------------------------------------ */
/* Output: a reply becomes a list of segments.                          */

static void add_cut(struct emu *e, size_t at)
{
	size_t i;

	if (at == 0 || at > e->tx_len)
		return;
	for (i = 0; i < e->tx_ncuts; i++) {
		if (e->tx_cuts[i] == at)
			return;
		if (e->tx_cuts[i] > at)
			break;
	}
	if (e->tx_ncuts >= EMU_MAX_CUTS)
		return;
	memmove(&e->tx_cuts[i + 1], &e->tx_cuts[i], (e->tx_ncuts - i) * sizeof(size_t));
	e->tx_cuts[i] = at;
	e->tx_ncuts++;
}

void emu_stop_output(struct emu *e)
{
	if (e->tx_busy && e->tp && e->tp->cancel)
		e->tp->cancel(e);
	e->tx_active = false;
	e->tx_busy = false;
	e->endless = false;
	e->tx_len = 0;
	e->tx_ncuts = 0;
	e->tx_seg = 0;
	e->tx_unplug_at = 0;
}

static void start_endless(struct emu *e, uint8_t byte)
{
	emu_stop_output(e);
	e->endless = true;
	e->endless_byte = byte;
	e->endless_sent = 0;
	e->tx_active = true;
	memset(e->tx, byte, 64);
	e->tx_len = 64;
	e->tx_shown = 64;	/* the fill byte only */
	e->tx_cuts[0] = 64;
	e->tx_ncuts = 1;
	e->tx_due_us = emu_now_us();
}

static void schedule_reply(struct emu *e, const struct emu_reply *rep)
{
	struct emu_fault f = e->fault;
	size_t len = rep->len, pre = 0, trail_cut = 0;
	unsigned delay = rep->cmd < _CNID_CMD_MAX ? e->delay_ms[rep->cmd] : 0;

	e->fault.kind = FAULT_NONE;
	if (f.kind != FAULT_NONE)
		emu_log_event(e, "fault %s applied", fault_name(f.kind));
	if (f.kind == FAULT_STALL || len == 0)
		return;
	if (f.kind == FAULT_ENDLESS) {
		start_endless(e, f.byte);
		e->tx_due_us = emu_now_us() + delay * 1000ull;
		return;
	}
	emu_stop_output(e);
	if (f.kind == FAULT_GARBAGE) {
		pre = f.arg > 0 ? (size_t)f.arg : 7;
		memset(e->tx, f.byte, pre);
	}
	if (f.kind == FAULT_SW3 || f.kind == FAULT_LENGTH) {
		/* LENGTH: data bytes 0, 1, 2, ... so that the frame is N bytes */
		uint8_t data[CNID_FRAME_MAX];
		size_t nd = f.kind == FAULT_LENGTH ? (size_t)f.arg - CNID_HDR_LEN - 4 : 0;
		int r;

		for (size_t i = 0; i < nd; i++)
			data[i] = (uint8_t)i;
		r = cnid_response_build(f.sw1, f.sw2, f.kind == FAULT_SW3 ? (uint8_t)f.arg : 0x90,
					data, nd, e->tx + pre, sizeof(e->tx) - pre);
		len = r > 0 ? (size_t)r : 0;
	} else {
		memcpy(e->tx + pre, rep->buf, len);
	}
	e->tx_len = pre + len;
	if (f.kind == FAULT_TRAIL && len) {
		/* fill bytes in the same transfer, then the frame again */
		size_t n = f.arg > 0 ? (size_t)f.arg : 7;

		memset(e->tx + e->tx_len, f.byte, n);
		memcpy(e->tx + e->tx_len + n, e->tx + pre, len);
		trail_cut = e->tx_len + n;
		e->tx_len += n + len;
	}
	switch (f.kind) {
	case FAULT_CHECKSUM:
		e->tx[e->tx_len - 1] ^= 0x01;
		break;
	case FAULT_TOO_LONG: {
		long l = f.arg > 0 ? f.arg : CNID_LEN_MAX + 1;

		e->tx[5] = (uint8_t)(l >> 8);
		e->tx[6] = (uint8_t)l;
		break;
	}
	case FAULT_TRUNCATE: {
		size_t n = f.arg >= 0 ? (size_t)f.arg : e->tx_len / 2;

		if (n >= e->tx_len)
			n = e->tx_len - 1;
		e->tx_len = n;
		break;
	}
	default:
		break;
	}
	e->tx_ncuts = 0;
	if (e->tx_len == 0)
		return;
	/*
	 * The log shows a reply's header and status (garbage before it, the
	 * preamble, LEN, SW1 SW2 SW3), never what follows: read replies carry
	 * the card.  Whatever the segments, no later byte is logged.
	 */
	e->tx_shown = pre + CNID_HDR_LEN + 3 < e->tx_len ? pre + CNID_HDR_LEN + 3 : e->tx_len;
	e->tx_cuts[e->tx_ncuts++] = e->tx_len;
	if (trail_cut)
		add_cut(e, trail_cut);
	if (f.kind == FAULT_SPLIT || f.kind == FAULT_UNPLUG_MID) {
		size_t at = f.arg > 0 ? (size_t)f.arg : e->tx_len / 2;

		if (at >= e->tx_len)
			at = e->tx_len - 1;
		add_cut(e, at);
		if (f.kind == FAULT_UNPLUG_MID)
			e->tx_unplug_at = at;
	}
	if (e->chunk)
		for (size_t at = e->chunk; at < e->tx_len; at += e->chunk)
			add_cut(e, at);
	/* A paced serial line: small pieces, each after the previous one's wire time. */
	if (e->tkind == TRANSPORT_PTY && e->baud)
		for (size_t at = EMU_PACE_BYTES; at < e->tx_len; at += EMU_PACE_BYTES)
			add_cut(e, at);
	/* Split pipe mode: the 7-byte header and the body go to different endpoints. */
	if (e->tkind != TRANSPORT_PTY && e->mode == PIPE_SPLIT)
		add_cut(e, CNID_HDR_LEN);
	e->tx_seg = 0;
	e->tx_active = true;
	e->tx_busy = false;
	e->tx_due_us = emu_now_us() + delay * 1000ull;
}

static void tx_pump(struct emu *e)
{
	size_t start, end;
	int r;

	if (!e->tx_active || e->tx_busy || emu_now_us() < e->tx_due_us)
		return;
	start = e->tx_seg ? e->tx_cuts[e->tx_seg - 1] : 0;
	end = e->tx_cuts[e->tx_seg];
	if (e->endless)
		start = 0;
	e->tx_busy = true;
	e->tx_sched_us = e->tx_due_us;
	emu_log_bytes(e, "tx", e->tx + start, end - start,
		      start < e->tx_shown ? e->tx_shown - start : 0);
	r = e->tp->send(e, e->tx + start, end - start, start);
	if (r < 0) {
		emu_log_event(e, "send failed: %s; reply dropped", strerror(-r));
		emu_stop_output(e);
	}
}

void emu_tx_segment_done(struct emu *e)
{
	if (!e->tx_active)
		return;
	e->tx_busy = false;
	if (e->endless) {
		e->endless_sent += e->tx_len;
		e->tx_due_us = 0;
		return;
	}
	if (e->tx_unplug_at && e->tx_cuts[e->tx_seg] >= e->tx_unplug_at) {
		emu_stop_output(e);
		emu_unplug(e);
		return;
	}
	e->tx_seg++;
	if (e->tx_seg >= e->tx_ncuts) {
		emu_stop_output(e);
		e->n_replies++;
		return;
	}
	e->tx_due_us = emu_now_us() + e->chunk_gap_ms * 1000ull;
	if (e->tkind == TRANSPORT_PTY && e->baud) {
		size_t start = e->tx_seg > 1 ? e->tx_cuts[e->tx_seg - 2] : 0;
		size_t n = e->tx_cuts[e->tx_seg - 1] - start;

		/* From when the segment was due, so wake-up latency does not add up. */
		e->tx_due_us = e->tx_sched_us + e->chunk_gap_ms * 1000ull +
			       n * 10ull * 1000000ull / e->baud;
	}
}

/* ------------------------------------------------------------------ */
/* Requests                                                              */

void emu_rx(struct emu *e, const uint8_t *p, size_t n)
{
	/* requests hold no card data; a long one (garbage) is cut short */
	emu_log_bytes(e, "rx", p, n, n > 64 ? 16 : n);
	e->last_rx_us = emu_now_us();
	if (n > sizeof(e->rxq) - e->rxq_len) {
		emu_log_event(e, "receive queue full, %zu bytes dropped", n);
		n = sizeof(e->rxq) - e->rxq_len;
	}
	memcpy(e->rxq + e->rxq_len, p, n);
	e->rxq_len += n;
}

static void process_rx(struct emu *e)
{
	size_t off = 0;

	while (!e->tx_active && off < e->rxq_len) {
		struct emu_reply rep;
		size_t used = 0;
		int r = cnid_parser_feed(&e->req, e->rxq + off, e->rxq_len - off, &used);

		off += used;
		if (r == 0)
			break;
		if (r > 0) {
			e->n_requests++;
			sam_handle_request(e, e->req.buf, e->req.need, &rep);
		} else {
			char msg[128];

			e->n_bad_requests++;
			emu_log_event(e, "bad request: %s",
				      cnid_parser_strerror(&e->req, msg, sizeof(msg)));
			sam_handle_bad_request(e, r, &rep);
		}
		schedule_reply(e, &rep);
		if (used == 0 && r < 0)
			break;
	}
	memmove(e->rxq, e->rxq + off, e->rxq_len - off);
	e->rxq_len -= off;
}

static void check_request_timeout(struct emu *e)
{
	if (!e->req_timeout_ms || e->req.have == 0 || e->rxq_len)
		return;
	if (emu_now_us() - e->last_rx_us < e->req_timeout_ms * 1000ull)
		return;
	emu_log_event(e, "partial request of %zu bytes timed out, discarded", e->req.have);
	cnid_parser_init_request(&e->req);
}

void emu_transport_reset(struct emu *e)
{
	emu_stop_output(e);
	e->rxq_len = 0;
	cnid_parser_init_request(&e->req);
}

int emu_unplug(struct emu *e)
{
	emu_log_event(e, "unplug");
	emu_transport_reset(e);
	return e->tp->unplug(e);
}

int emu_replug(struct emu *e)
{
	emu_log_event(e, "replug");
	emu_transport_reset(e);
	return e->tp->replug(e);
}

/* ------------------------------------------------------------------ */
/* Event loop                                                          */

static int compute_timeout(struct emu *e)
{
	uint64_t now = emu_now_us(), due = UINT64_MAX;

	if (e->tx_active && !e->tx_busy)
		due = e->tx_due_us;
	if (e->req_timeout_ms && e->req.have && !e->rxq_len) {
		uint64_t t = e->last_rx_us + e->req_timeout_ms * 1000ull;

		if (t < due)
			due = t;
	}
	if (due == UINT64_MAX)
		return -1;
	if (due <= now)
		return 0;
	return (int)((due - now + 999) / 1000);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static int run(struct emu *e)
{
	struct pollfd pfd[32];

	while (!e->quit && !got_signal) {
		int nc, nt, r;

		process_rx(e);
		tx_pump(e);
		check_request_timeout(e);
		nc = ctl_poll_fds(e, pfd, 16);
		nt = e->tp->poll_fds(e, pfd + nc, 16);
		r = poll(pfd, (nfds_t)(nc + nt), compute_timeout(e));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ctl_poll_handle(e, pfd, nc);
		e->tp->poll_handle(e, pfd + nc, nt);
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cnid-emu [OPTIONS]            run a virtual SAM reader\n"
		"       cnid-emu ctl SOCKET CMD...    send one control command\n"
		"transport (one of):\n"
		"  --pty                    pseudo-terminal (default); --link PATH symlinks its slave\n"
		"  --tty PATH               serial on this character device (e.g. a virtio-serial\n"
		"                           port QEMU joins to its -device usb-serial)\n"
		"  --ffs DIR                FunctionFS mount point; --mode split|single\n"
		"      --udc-file PATH --udc NAME   the gadget's UDC file and UDC (for unplug/replug)\n"
		"      --ready-file PATH    created once descriptors are written\n"
		"      --zlp                send a zero-length packet after a reply of a 64 multiple\n"
		"  --usbredir PATH          usbredir device side on a unix socket or character device\n"
		"                           (QEMU -device usb-redir); --mode, --zlp, --ready-file as above\n"
		"      --usbredir-state FILE  resume the session saved there; save it on exit\n"
		"      --serial NAME        the USB serial number (default sam0)\n"
		"      --endpoints A,B[,C,D]  endpoint addresses in hex, in descriptor order (default\n"
		"                           81,02,85,06 / 81,02: the real reader's; tests plant others)\n"
		"  --baud N                 pty: pace replies at N baud, 10 bits a byte (0: unpaced)\n"
		"reader:\n"
		"  --card FILE              card description on the reader at start\n"
		"  --cards-dir DIR          where present/swap look for relative names\n"
		"  --quirk on|off           find answers 0x80 after a read (default on)\n"
		"  --fingerprints on|off    fingerprint part of 30 10 replies (default on)\n"
		"  --delay PROFILE|CMD=MS   none (default), realistic; or per command\n"
		"  --sam-id ID              e.g. 05.01-20101129-0001228293-0296863149\n"
		"  --chunk K[:GAP_MS]       send every reply in segments of K bytes\n"
		"  --request-timeout MS     discard a partial request after MS idle (1000; 0 off)\n"
		"control and log:\n"
		"  --ctl PATH               control socket (see tests/emu/README.md)\n"
		"  --log FILE               timestamped log; --log-full logs read payloads too\n");
}

static int parse_onoff(const char *s, bool *ret)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "1") == 0)
		*ret = true;
	else if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

int emu_parse_sam_id(const char *s, struct cnid_sam_id *ret)
{
	unsigned a, b, c, d, f;
	int n = 0;

	if (sscanf(s, "%u.%u-%u-%u-%u%n", &a, &b, &c, &d, &f, &n) != 5 || s[n] || a > 0xFFFF ||
	    b > 0xFFFF)
		return -EINVAL;
	ret->part1 = (uint16_t)a;
	ret->part2 = (uint16_t)b;
	ret->part3 = c;
	ret->part4 = d;
	ret->part5 = f;
	return 0;
}

static int parse_delay_opt(struct emu *e, const char *s)
{
	char cmd[32];
	long ms;
	int n = 0;

	if (!strchr(s, '='))
		return sam_set_profile(e, s);
	if (sscanf(s, "%31[^=]=%ld%n", cmd, &ms, &n) != 2 || s[n])
		return -EINVAL;
	return sam_set_delay(e, cmd, ms);
}

enum {
	OPT_PTY = 256, OPT_LINK, OPT_FFS, OPT_MODE, OPT_UDC_FILE, OPT_UDC, OPT_READY, OPT_ZLP,
	OPT_CARD, OPT_CARDS_DIR, OPT_QUIRK, OPT_FP, OPT_DELAY, OPT_SAM_ID, OPT_CHUNK,
	OPT_REQ_TIMEOUT, OPT_CTL, OPT_LOG, OPT_LOG_FULL, OPT_HELP, OPT_BAUD, OPT_USBREDIR,
	OPT_USBREDIR_STATE, OPT_SERIAL, OPT_ENDPOINTS, OPT_TTY,
};

static const struct option options[] = {
	{ "pty", no_argument, NULL, OPT_PTY },
	{ "link", required_argument, NULL, OPT_LINK },
	{ "ffs", required_argument, NULL, OPT_FFS },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "udc-file", required_argument, NULL, OPT_UDC_FILE },
	{ "udc", required_argument, NULL, OPT_UDC },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "zlp", no_argument, NULL, OPT_ZLP },
	{ "card", required_argument, NULL, OPT_CARD },
	{ "cards-dir", required_argument, NULL, OPT_CARDS_DIR },
	{ "quirk", required_argument, NULL, OPT_QUIRK },
	{ "fingerprints", required_argument, NULL, OPT_FP },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "sam-id", required_argument, NULL, OPT_SAM_ID },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "request-timeout", required_argument, NULL, OPT_REQ_TIMEOUT },
	{ "ctl", required_argument, NULL, OPT_CTL },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "log-full", no_argument, NULL, OPT_LOG_FULL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "baud", required_argument, NULL, OPT_BAUD },
	{ "usbredir", required_argument, NULL, OPT_USBREDIR },
	{ "usbredir-state", required_argument, NULL, OPT_USBREDIR_STATE },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "endpoints", required_argument, NULL, OPT_ENDPOINTS },
	{ "tty", required_argument, NULL, OPT_TTY },
	{ NULL, 0, NULL, 0 },
};

static int copy_opt(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int parse_args(struct emu *e, int argc, char **argv, const char **ret_card)
{
	unsigned k, gap;
	int o, r = 0, n;

	while ((o = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (o) {
		case OPT_PTY: e->tkind = TRANSPORT_PTY; break;
		case OPT_LINK: r = copy_opt(e->link_path, sizeof(e->link_path), optarg); break;
		case OPT_FFS:
			e->tkind = TRANSPORT_FFS;
			r = copy_opt(e->ffs_dir, sizeof(e->ffs_dir), optarg);
			break;
		case OPT_MODE:
			if (strcmp(optarg, "split") == 0)
				e->mode = PIPE_SPLIT;
			else if (strcmp(optarg, "single") == 0)
				e->mode = PIPE_SINGLE;
			else
				r = -EINVAL;
			break;
		case OPT_UDC_FILE: r = copy_opt(e->udc_file, sizeof(e->udc_file), optarg); break;
		case OPT_UDC: r = copy_opt(e->udc_name, sizeof(e->udc_name), optarg); break;
		case OPT_READY: r = copy_opt(e->ready_file, sizeof(e->ready_file), optarg); break;
		case OPT_ZLP: e->zlp = true; break;
		case OPT_CARD: *ret_card = optarg; break;
		case OPT_CARDS_DIR: r = copy_opt(e->cards_dir, sizeof(e->cards_dir), optarg); break;
		case OPT_QUIRK: r = parse_onoff(optarg, &e->quirk); break;
		case OPT_FP: r = parse_onoff(optarg, &e->fingerprints); break;
		case OPT_DELAY: r = parse_delay_opt(e, optarg); break;
		case OPT_SAM_ID: r = emu_parse_sam_id(optarg, &e->sam_id); break;
		case OPT_CHUNK:
			gap = 0;
			n = sscanf(optarg, "%u:%u", &k, &gap);
			if (n < 1 || k > CNID_FRAME_MAX)
				r = -EINVAL;
			e->chunk = k;
			e->chunk_gap_ms = gap;
			break;
		case OPT_REQ_TIMEOUT: e->req_timeout_ms = (unsigned)atoi(optarg); break;
		case OPT_CTL: r = copy_opt(e->ctl_path, sizeof(e->ctl_path), optarg); break;
		case OPT_LOG:
			r = open_log(e, optarg);
			break;
		case OPT_LOG_FULL: e->log_full = true; break;
		case OPT_BAUD: e->baud = (unsigned)strtoul(optarg, NULL, 10); break;
		case OPT_USBREDIR:
			e->tkind = TRANSPORT_USBREDIR;
			r = copy_opt(e->usbredir_path, sizeof(e->usbredir_path), optarg);
			break;
		case OPT_USBREDIR_STATE:
			r = copy_opt(e->usbredir_state, sizeof(e->usbredir_state), optarg);
			break;
		case OPT_TTY:
			e->tkind = TRANSPORT_PTY;
			r = copy_opt(e->tty_path, sizeof(e->tty_path), optarg);
			break;
		case OPT_SERIAL: r = copy_opt(e->usb_serial, sizeof(e->usb_serial), optarg); break;
		case OPT_ENDPOINTS: {
			unsigned a[4] = { 0 };

			n = sscanf(optarg, "%x,%x,%x,%x", &a[0], &a[1], &a[2], &a[3]);
			if (n != 2 && n != 4)
				r = -EINVAL;
			for (int i = 0; i < n; i++) {
				if ((a[i] & 0x7f) == 0 || (a[i] & 0x70) || a[i] > 0xff)
					r = -EINVAL;
				e->usb_eps[i] = (uint8_t)a[i];
			}
			break;
		}
		case OPT_HELP: case 'h': usage(stdout); exit(0);
		default: return -EINVAL;
		}
		if (r < 0) {
			fprintf(stderr, "cnid-emu: bad value for --%s: %s\n",
				options[o - OPT_PTY].name, optarg ? optarg : "");
			return r;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cnid-emu: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct emu emu;
	struct emu *e = &emu;
	const char *card = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	int r;

	if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
		return ctl_client_main(argc - 2, argv + 2);
	e->ctl_fd = -1;
	for (int i = 0; i < EMU_CTL_CLIENTS; i++)
		e->ctl_client[i] = -1;
	e->req_timeout_ms = 1000;
	sam_init(e);
	if (parse_args(e, argc, argv, &card) < 0) {
		usage(stderr);
		return 2;
	}
	if (card && sam_load_card(e, card, err, sizeof(err)) < 0) {
		fprintf(stderr, "cnid-emu: %s\n", err);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (e->ctl_path[0] && (r = ctl_listen(e)) < 0) {
		fprintf(stderr, "cnid-emu: control socket %s: %s\n", e->ctl_path, strerror(-r));
		return 1;
	}
	switch (e->tkind) {
	case TRANSPORT_PTY: r = pty_open(e); break;
	case TRANSPORT_FFS: r = ffs_open(e); break;
#ifdef CNID_EMU_USBREDIR
	case TRANSPORT_USBREDIR: r = usbredir_open(e); break;
#endif
	default: r = -EPROTONOSUPPORT; break;    /* built without libusbredirparser */
	}
	if (r < 0) {
		fprintf(stderr, "cnid-emu: transport: %s\n", strerror(-r));
		ctl_close(e);
		return 1;
	}
	emu_log_event(e, "start transport=%s mode=%s", e->tp->name,
		      e->mode == PIPE_SPLIT ? "split" : "single");
	r = run(e);
	emu_log_event(e, "exit");
	e->tp->close(e);
	ctl_close(e);
	free(e->card);
	if (e->log)
		fclose(e->log);
	if (r < 0) {
		fprintf(stderr, "cnid-emu: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
