// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host tests of the virtual reader, no kernel needed: cnid-emu runs on a
 * pseudo-terminal, and libcnid (request builder, stream parser, decoders)
 * talks to it as the daemon's serial backend would.  Every expected value
 * is derived from the card descriptions and the protocol tables, never
 * pasted.
 *
 * Environment: CNID_EMU (the binary), CNID_EMU_CARDS (colon-separated
 * directories of *.card files; the first one is the emulator's wallet).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu-client.h"
#include "secret-scan.h"

#define REPLY_TIMEOUT_MS 2000

static const char *emu_bin;
static const char *cards_dirs;
static char wallet[512];
static char dir[64], sock[128], link_path[128], log_path[128];
static pid_t emu_pid = -1;
static int tty = -1;

/* Bytes read from the line but not consumed by the last frame. */
static uint8_t pending[8192];
static size_t pending_len;

/* One control command that must succeed: the test fails unless the reply is "ok". */
#define ctl_ok(...) do { \
		if (!emu_ctl_report(sock, "emu-test", __VA_ARGS__)) \
			fail_msg("control command failed (see above)"); \
	} while (0)

static int open_tty(void)
{
	struct termios t;
	int fd = open(link_path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	tcgetattr(fd, &t);
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
	return fd;
}

/* Read what arrives within ms; returns the byte count (or -errno). */
static ssize_t read_some(uint8_t *buf, size_t size, int ms)
{
	struct pollfd p = { .fd = tty, .events = POLLIN };
	int r = poll(&p, 1, ms);

	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	if (p.revents & (POLLHUP | POLLERR) && !(p.revents & POLLIN))
		return -EIO;
	r = (int)read(tty, buf, size);
	if (r == 0)
		return -EIO;    /* end of file: the line was hung up */
	return r < 0 ? -errno : r;
}

static void drain(int quiet_ms)
{
	uint8_t buf[4096];

	pending_len = 0;
	while (read_some(buf, sizeof(buf), quiet_ms) > 0)
		;
}

/*
 * Read one reply through the library's stream parser.  Returns 1 with the
 * frame in out/ret_len, a negative parser error (the parser state in *p), or
 * the result of cnid_parser_finish() when nothing more arrives in time.
 */
static int read_reply(struct cnid_parser *p, uint8_t *out, size_t *ret_len, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	cnid_parser_init(p);
	for (;;) {
		size_t used = 0;
		int r;

		if (pending_len) {
			r = cnid_parser_feed(p, pending, pending_len, &used);
			memmove(pending, pending + used, pending_len - used);
			pending_len -= used;
			if (r == 1) {
				memcpy(out, p->buf, p->need);
				*ret_len = p->need;
				return 1;
			}
			if (r < 0)
				return r;
		}
		uint64_t now = now_ms();
		ssize_t n;

		if (now >= end)
			return cnid_parser_finish(p);
		n = read_some(pending + pending_len, sizeof(pending) - pending_len, (int)(end - now));
		if (n < 0)
			return (int)n;
		pending_len += (size_t)n;
	}
}

static void send_bytes(const uint8_t *b, size_t n)
{
	assert_int_equal(write(tty, b, n), (ssize_t)n);
}

static void send_cmd(enum cnid_cmd_id id, const uint8_t *data)
{
	uint8_t req[64];
	int n = cnid_command_build(id, data, req, sizeof(req));

	assert_true(n > 0);
	send_bytes(req, (size_t)n);
}

/* Send a command, expect a well-formed reply, parse it. */
static size_t transact(enum cnid_cmd_id id, const uint8_t *data, uint8_t *frame,
		       struct cnid_response *resp)
{
	struct cnid_parser p;
	size_t len = 0;
	int r;

	send_cmd(id, data);
	r = read_reply(&p, frame, &len, REPLY_TIMEOUT_MS);
	if (r != 1)
		fail_msg("%s: no frame (%d)", cnid_command_get(id)->name, r);
	assert_int_equal(cnid_response_parse(frame, len, resp), 0);
	return len;
}

static uint8_t frame_buf[CNID_FRAME_MAX];

static int find_card(void)
{
	struct cnid_response r;
	uint8_t d[4];

	transact(CNID_CMD_FIND, NULL, frame_buf, &r);
	return cnid_decode_find(&r, d);
}

static int select_card(void)
{
	struct cnid_response r;
	uint8_t serial[8];

	transact(CNID_CMD_SELECT, NULL, frame_buf, &r);
	return cnid_decode_select(&r, serial);
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

static int wait_for(const char *path, int ms)
{
	struct stat st;

	for (int i = 0; i < ms / 10; i++) {
		if (stat(path, &st) == 0)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

static int group_setup(void **state)
{
	char card[600];
	char *colon;

	(void)state;
	emu_bin = getenv("CNID_EMU") ? getenv("CNID_EMU") : "build/cnid-emu";
	cards_dirs = getenv("CNID_EMU_CARDS") ? getenv("CNID_EMU_CARDS") : "tests/emu/cards";
	snprintf(wallet, sizeof(wallet), "%s", cards_dirs);
	colon = strchr(wallet, ':');
	if (colon)
		*colon = '\0';
	snprintf(dir, sizeof(dir), "/tmp/cnid-emu-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/ctl", dir);
	snprintf(link_path, sizeof(link_path), "%s/tty", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	snprintf(card, sizeof(card), "%s/resident-fp2.card", wallet);
	emu_pid = fork();
	if (emu_pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		/* Never outlive a crashed test run. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(devnull, 1);
		execl(emu_bin, emu_bin, "--pty", "--link", link_path, "--ctl", sock, "--log", log_path,
		      "--cards-dir", wallet, "--card", card, "--request-timeout", "300",
		      (char *)NULL);
		_exit(127);
	}
	if (emu_pid < 0 || wait_for(sock, 5000) < 0 || wait_for(link_path, 5000) < 0) {
		fprintf(stderr, "cnid-emu did not start (%s)\n", emu_bin);
		return -1;
	}
	tty = open_tty();
	return tty < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	int status = 0;
	char path[256];

	(void)state;
	if (tty >= 0)
		close(tty);
	if (emu_pid > 0) {
		if (emu_ctl(sock, NULL, 0, "quit") != 0)
			kill(emu_pid, SIGTERM);
		waitpid(emu_pid, &status, 0);
	}
	snprintf(path, sizeof(path), "%s/log", dir);
	unlink(path);
	unlink(sock);
	unlink(link_path);
	rmdir(dir);
	/* The emulator must have shut down cleanly. */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Every test starts from the same reader: the two-fingerprint card, defaults. */
static int reset_reader(void **state)
{
	(void)state;
	ctl_ok("fault none");
	ctl_ok("stop");
	ctl_ok("chunk 0");
	ctl_ok("baud 0");
	ctl_ok("delay none");
	ctl_ok("quirk on");
	ctl_ok("fingerprints on");
	ctl_ok("present resident-fp2.card");
	drain(20);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static void test_every_command(void **state)
{
	static const uint8_t status_reply[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04,
						0x00, 0x00, 0x90, 0x94 };
	struct cnid_response r;
	struct cnid_sam_id id;
	struct cnid_read rd;
	char idstr[CNID_SAM_ID_STRLEN + 8];
	uint8_t rf = 0x50, d4[4], serial[8], serial2[8];
	size_t n;

	(void)state;
	n = transact(CNID_CMD_RESET, NULL, frame_buf, &r);
	assert_int_equal(r.sw3, CNID_SW3_OK);
	assert_int_equal(r.data_len, 0);
	assert_int_equal(n, CNID_HDR_LEN + CNID_RESP_LEN_MIN);

	/* The reference's worked reply, byte for byte. */
	n = transact(CNID_CMD_SAM_STATUS, NULL, frame_buf, &r);
	assert_int_equal(n, sizeof(status_reply));
	assert_memory_equal(frame_buf, status_reply, sizeof(status_reply));
	assert_int_equal(cnid_decode_sam_status(&r), 0);

	/* The reference's worked SAM ID (the emulator's default), CHK 0x63. */
	n = transact(CNID_CMD_SAM_ID, NULL, frame_buf, &r);
	assert_int_equal(cnid_decode_sam_id(&r, &id), 0);
	cnid_sam_id_format(&id, idstr, sizeof(idstr));
	assert_string_equal(idstr, "05.01-20101129-0001228293-0296863149");
	assert_int_equal(frame_buf[n - 1], 0x63);

	transact(CNID_CMD_SET_RF_MAX, &rf, frame_buf, &r);
	assert_int_equal(r.sw3, CNID_SW3_OK);

	transact(CNID_CMD_FIND, NULL, frame_buf, &r);
	assert_int_equal(r.sw3, CNID_SW3_FIND_OK);
	assert_int_equal(cnid_decode_find(&r, d4), 0);

	transact(CNID_CMD_SELECT, NULL, frame_buf, &r);
	assert_int_equal(cnid_decode_select(&r, serial), 0);
	/* The serial is a property of the card: the same on a second select. */
	transact(CNID_CMD_SELECT, NULL, frame_buf, &r);
	assert_int_equal(cnid_decode_select(&r, serial2), 0);
	assert_memory_equal(serial, serial2, 8);

	n = transact(CNID_CMD_READ, NULL, frame_buf, &r);
	assert_int_equal(n, 1295);
	assert_int_equal(cnid_decode_read(&r, false, &rd), 0);
	assert_int_equal(rd.text_len, CNID_TEXT_LEN);
	assert_int_equal(rd.photo_len, CNID_PHOTO_LEN);

	n = transact(CNID_CMD_READ_FP, NULL, frame_buf, &r);
	assert_int_equal(n, 2321);
	assert_int_equal(cnid_decode_read(&r, true, &rd), 0);
	assert_int_equal(rd.fp_len, 2 * CNID_FP_TEMPLATE_LEN);

	/* No appended address on a synthetic card: 0x91, under either PARA. */
	transact(CNID_CMD_READ_ADDR, NULL, frame_buf, &r);
	assert_int_equal(r.sw3, 0x91);
	{
		uint8_t req[16];
		struct cnid_parser p;
		int len = cnid_request_build(0x30, 0x02, NULL, 0, req, sizeof(req));

		send_bytes(req, (size_t)len);
		assert_int_equal(read_reply(&p, frame_buf, &n, REPLY_TIMEOUT_MS), 1);
		assert_int_equal(cnid_response_parse(frame_buf, n, &r), 0);
		assert_int_equal(r.sw3, 0x91);
	}
}

static void test_sam_id_setting(void **state)
{
	/* The reply carries what cnid_sam_id_encode makes of the configured ID. */
	struct cnid_sam_id id = { 12, 3, 20240101, 42, 4294967295u }, got;
	struct cnid_response r;
	char str[CNID_SAM_ID_STRLEN + 8], reply[256];
	uint8_t enc[16];

	(void)state;
	ctl_ok("sam-id %s", cnid_sam_id_format(&id, str, sizeof(str)));
	cnid_sam_id_encode(&id, enc);
	transact(CNID_CMD_SAM_ID, NULL, frame_buf, &r);
	assert_int_equal(r.data_len, 16);
	assert_memory_equal(r.data, enc, 16);
	assert_int_equal(cnid_decode_sam_id(&r, &got), 0);
	assert_string_equal(cnid_sam_id_format(&got, reply, sizeof(reply)), str);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "sam-id 5.1-x"), 1);
	ctl_ok("sam-id 05.01-20101129-0001228293-0296863149");
}

/* ------------------------------------------------------------------ */
/* Cards                                                               */

static void check_card_file(const char *path)
{
	struct cnid_card_desc *want = calloc(1, sizeof(*want));
	struct cnid_card *got = calloc(1, sizeof(*got));
	uint8_t *expect = malloc(CNID_FRAME_MAX);
	struct cnid_response r;
	struct cnid_read rd;
	char reply[1024];
	size_t n;
	int exp_len, loaded;

	assert_non_null(want);
	assert_non_null(got);
	assert_non_null(expect);
	loaded = emu_load_desc(path, want);
	if (loaded < 0) {
		/* A description the library rejects is rejected by the emulator too. */
		assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "swap %s", path), 1);
		goto out;
	}
	ctl_ok("swap %s", path);
	assert_int_equal(find_card(), 0);
	assert_int_equal(select_card(), 0);

	for (int with_fp = 0; with_fp <= 1; with_fp++) {
		n = transact(with_fp ? CNID_CMD_READ_FP : CNID_CMD_READ, NULL, frame_buf, &r);
		exp_len = cnid_card_desc_frame(want, with_fp, expect, CNID_FRAME_MAX);
		assert_true(exp_len > 0);
		/* Byte for byte the reply the library builds from the description. */
		if (n != (size_t)exp_len)
			fail_msg("%s: %s reply of %zu bytes, want %d", path,
				 with_fp ? "read_fp" : "read", n, exp_len);
		assert_memory_equal(frame_buf, expect, n);
		assert_int_equal(cnid_decode_read(&r, with_fp, &rd), 0);
		assert_int_equal(cnid_card_decode(rd.text, rd.text_len, got), 0);
		/* Decodes as described: type and every field. */
		assert_int_equal(got->type, want->card.type);
		for (int f = 0; f < _CNID_F_MAX; f++) {
			assert_int_equal(got->present[f], want->card.present[f]);
			if (got->present[f] && strcmp(got->field[f], want->card.field[f]) != 0)
				fail_msg("%s: field %s: got '%s' want '%s'", path,
					 cnid_field_name((enum cnid_field)f), got->field[f],
					 want->card.field[f]);
		}
		if (want->has_photo)
			assert_memory_equal(rd.photo, want->photo, CNID_PHOTO_LEN);
		if (with_fp) {
			assert_int_equal(rd.fp_len, want->n_fingerprints * CNID_FP_TEMPLATE_LEN);
			for (unsigned i = 0; i < want->n_fingerprints; i++) {
				struct cnid_fp_header h;

				assert_int_equal(cnid_fp_header_decode(rd.fp + i * CNID_FP_TEMPLATE_LEN,
								       CNID_FP_TEMPLATE_LEN, &h), 0);
				assert_int_equal(h.magic, 'C');
			}
			if (want->has_photo)
				assert_int_equal(n, 1297 + rd.fp_len);
		} else if (want->has_photo) {
			assert_int_equal(n, 1295);
		}
	}
out:
	free(want);
	free(got);
	free(expect);
}

static void test_every_card_decodes_as_described(void **state)
{
	char dirs[1024], *save = NULL;
	int types_seen[_CNID_CARD_TYPE_MAX] = { 0 };
	int files = 0;

	(void)state;
	snprintf(dirs, sizeof(dirs), "%s", cards_dirs);
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		struct dirent **names;
		int n = scandir(d, &names, NULL, alphasort);

		for (int i = 0; i < n; i++) {
			const char *nm = names[i]->d_name;
			size_t l = strlen(nm);

			if (l > 5 && strcmp(nm + l - 5, ".card") == 0) {
				char path[1024];
				struct cnid_card_desc *desc = calloc(1, sizeof(*desc));

				snprintf(path, sizeof(path), "%s/%s", d, nm);
				check_card_file(path);
				if (emu_load_desc(path, desc) == 0)
					types_seen[desc->card.type]++;
				free(desc);
				files++;
			}
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
	assert_true(files >= 4);
	for (int t = CNID_CARD_RESIDENT; t < _CNID_CARD_TYPE_MAX; t++)
		if (!types_seen[t])
			fail_msg("no card of type %s in %s", cnid_card_type_name(t), cards_dirs);
}

static void test_fingerprints_switch(void **state)
{
	struct cnid_response r;
	struct cnid_read rd;
	size_t n;

	(void)state;
	ctl_ok("fingerprints off");
	n = transact(CNID_CMD_READ_FP, NULL, frame_buf, &r);
	assert_int_equal(n, 1297);
	assert_int_equal(cnid_decode_read(&r, true, &rd), 0);
	assert_int_equal(rd.fp_len, 0);
	ctl_ok("fingerprints on");
	n = transact(CNID_CMD_READ_FP, NULL, frame_buf, &r);
	assert_int_equal(n, 2321);
	ctl_ok("swap permit-fp1.card");
	n = transact(CNID_CMD_READ_FP, NULL, frame_buf, &r);
	assert_int_equal(n, 1809);
}

/* ------------------------------------------------------------------ */
/* Card presence and the post-read quirk                               */

static void test_quirk_on(void **state)
{
	struct cnid_response r;

	(void)state;
	assert_int_equal(find_card(), 0);
	assert_int_equal(select_card(), 0);
	transact(CNID_CMD_READ, NULL, frame_buf, &r);
	assert_int_equal(r.sw3, CNID_SW3_OK);
	/* Read done: find fails while the card stays, select still succeeds. */
	assert_int_equal(find_card(), -ENOENT);
	assert_int_equal(find_card(), -ENOENT);
	assert_int_equal(select_card(), 0);
	assert_int_equal(find_card(), -ENOENT);
	/* The card leaves and returns: found again. */
	ctl_ok("remove");
	assert_int_equal(find_card(), -ENOENT);
	ctl_ok("present resident-fp2.card");
	assert_int_equal(find_card(), 0);
}

static void test_quirk_off(void **state)
{
	struct cnid_response r;

	(void)state;
	ctl_ok("quirk off");
	assert_int_equal(find_card(), 0);
	assert_int_equal(select_card(), 0);
	transact(CNID_CMD_READ_FP, NULL, frame_buf, &r);
	assert_int_equal(r.sw3, CNID_SW3_OK);
	assert_int_equal(find_card(), 0);
	assert_int_equal(select_card(), 0);
}

static void test_no_card(void **state)
{
	struct cnid_response r;
	struct cnid_read rd;

	(void)state;
	ctl_ok("remove");
	assert_int_equal(find_card(), -ENOENT);
	transact(CNID_CMD_SELECT, NULL, frame_buf, &r);
	assert_int_equal(r.sw3, 0x81);
	assert_int_equal(select_card(), -EREMOTEIO);
	transact(CNID_CMD_READ, NULL, frame_buf, &r);
	assert_int_equal(r.sw3, 0x41);
	assert_int_equal(cnid_decode_read(&r, false, &rd), -EREMOTEIO);
	/* The SAM itself still answers. */
	transact(CNID_CMD_SAM_STATUS, NULL, frame_buf, &r);
	assert_int_equal(cnid_decode_sam_status(&r), 0);
	ctl_ok("swap foreign-2023.card");
	assert_int_equal(find_card(), 0);
}

/* ------------------------------------------------------------------ */
/* Malformed requests                                                  */

static uint8_t reply_sw3_to(const uint8_t *req, size_t n)
{
	struct cnid_parser p;
	struct cnid_response r;
	size_t len;

	send_bytes(req, n);
	assert_int_equal(read_reply(&p, frame_buf, &len, REPLY_TIMEOUT_MS), 1);
	assert_int_equal(cnid_response_parse(frame_buf, len, &r), 0);
	assert_int_equal(r.data_len, 0);
	return r.sw3;
}

static void test_malformed_requests(void **state)
{
	uint8_t req[64];
	uint8_t extra = 0x00;
	int n;

	(void)state;
	/* Bad checksum: the public test program's find with CHK 21. */
	n = cnid_command_build(CNID_CMD_FIND, NULL, req, sizeof(req));
	assert_int_equal(req[n - 1], 0x22);
	req[n - 1] = 0x21;
	assert_int_equal(reply_sw3_to(req, (size_t)n), 0x10);

	/* Length error: a well-checksummed find with a data byte it does not take. */
	n = cnid_request_build(0x20, 0x01, &extra, 1, req, sizeof(req));
	assert_int_equal(reply_sw3_to(req, (size_t)n), 0x11);
	/* ... and set_rf_max without its byte. */
	n = cnid_request_build(0x61, 0xFF, NULL, 0, req, sizeof(req));
	assert_int_equal(reply_sw3_to(req, (size_t)n), 0x11);

	/* LEN below the minimum (2): length error. */
	{
		const uint8_t shortlen[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x02, 0x20, 0x22 };

		assert_int_equal(reply_sw3_to(shortlen, sizeof(shortlen)), 0x11);
	}
	/* LEN above the maximum: length error at once, without waiting for the body. */
	{
		const uint8_t longlen[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x7F, 0xFF };

		assert_int_equal(reply_sw3_to(longlen, sizeof(longlen)), 0x11);
	}
	/* Unknown command. */
	n = cnid_request_build(0x40, 0x01, NULL, 0, req, sizeof(req));
	assert_int_equal(reply_sw3_to(req, (size_t)n), 0x21);

	/* Garbage before a request is skipped like the parser skips it. */
	{
		uint8_t g[80] = { 0x00, 0x13, 0x37 };

		n = cnid_command_build(CNID_CMD_SAM_STATUS, NULL, g + 3, sizeof(g) - 3);
		assert_int_equal(reply_sw3_to(g, (size_t)n + 3), CNID_SW3_OK);
	}
	/* A partial request is dropped after the idle timeout (300 ms here). */
	send_bytes(req, 4);
	usleep(500 * 1000);
	n = cnid_command_build(CNID_CMD_SAM_STATUS, NULL, req, sizeof(req));
	assert_int_equal(reply_sw3_to(req, (size_t)n), CNID_SW3_OK);
}

/* ------------------------------------------------------------------ */
/* Faults, each checked from the library side                          */

static void test_fault_checksum(void **state)
{
	struct cnid_parser p;
	size_t n;

	(void)state;
	ctl_ok("fault checksum");
	send_cmd(CNID_CMD_FIND, NULL);
	assert_int_equal(read_reply(&p, frame_buf, &n, REPLY_TIMEOUT_MS), -EBADMSG);
	assert_int_equal(p.error, CNID_FRAME_CHECKSUM);
	assert_int_equal(p.err_got, p.err_computed ^ 0x01);
	/* One-shot: the next reply is clean. */
	assert_int_equal(find_card(), 0);
}

/* Read raw bytes until the line has been quiet for quiet_ms. */
static size_t read_raw(uint8_t *buf, size_t size, int quiet_ms)
{
	size_t total = 0;
	ssize_t n;

	while (total < size && (n = read_some(buf + total, size - total, quiet_ms)) > 0)
		total += (size_t)n;
	return total;
}

static void test_fault_truncate(void **state)
{
	struct cnid_parser p;
	struct cnid_response r;
	uint8_t whole[CNID_FRAME_MAX], got[CNID_FRAME_MAX];
	size_t n, wlen, used;

	(void)state;
	ctl_ok("quirk off");
	for (int pass = 0; pass < 2; pass++) {
		enum cnid_cmd_id id = pass ? CNID_CMD_READ : CNID_CMD_FIND;

		wlen = transact(id, NULL, whole, &r);
		if (pass)
			ctl_ok("fault truncate");       /* default: half the frame */
		else
			ctl_ok("fault truncate 9");
		send_cmd(id, NULL);
		n = read_raw(got, sizeof(got), 300);
		/* Exactly the first bytes of the real reply, then nothing. */
		assert_int_equal(n, pass ? wlen / 2 : 9);
		assert_memory_equal(got, whole, n);
		cnid_parser_init(&p);
		assert_int_equal(cnid_parser_feed(&p, got, n, &used), 0);
		assert_int_equal(used, n);
		assert_int_equal(cnid_parser_finish(&p), -ENODATA);
	}
	assert_int_equal(find_card(), 0);
}

static void test_fault_too_long(void **state)
{
	struct cnid_parser p;
	size_t n;

	(void)state;
	ctl_ok("fault toolong");
	send_cmd(CNID_CMD_FIND, NULL);
	assert_int_equal(read_reply(&p, frame_buf, &n, REPLY_TIMEOUT_MS), -EMSGSIZE);
	assert_int_equal(p.error, CNID_FRAME_TOO_LONG);
	assert_int_equal(p.err_len, CNID_LEN_MAX + 1);
	drain(50);
	ctl_ok("fault toolong 0xFFFF");
	send_cmd(CNID_CMD_FIND, NULL);
	assert_int_equal(read_reply(&p, frame_buf, &n, REPLY_TIMEOUT_MS), -EMSGSIZE);
	assert_int_equal(p.err_len, 0xFFFF);
	drain(50);
	assert_int_equal(find_card(), 0);
}

static void test_fault_garbage(void **state)
{
	struct cnid_parser p;
	struct cnid_response r;
	size_t n;

	(void)state;
	for (int k = 1; k <= 40; k += 13) {
		ctl_ok("fault garbage %d", k);
		send_cmd(CNID_CMD_SAM_STATUS, NULL);
		assert_int_equal(read_reply(&p, frame_buf, &n, REPLY_TIMEOUT_MS), 1);
		/* Found after skipping exactly k bytes. */
		assert_int_equal(p.garbage, (uint64_t)k);
		assert_int_equal(cnid_response_parse(frame_buf, n, &r), 0);
		assert_int_equal(r.sw3, CNID_SW3_OK);
	}
	/* Garbage of 0x96/0x69 bytes (preamble pieces) is skipped as well. */
	ctl_ok("fault garbage 5 0x96");
	send_cmd(CNID_CMD_SAM_STATUS, NULL);
	assert_int_equal(read_reply(&p, frame_buf, &n, REPLY_TIMEOUT_MS), 1);
	assert_int_equal(p.garbage, 5);
}

static void test_fault_stall(void **state)
{
	uint8_t buf[64];

	(void)state;
	ctl_ok("fault stall");
	send_cmd(CNID_CMD_FIND, NULL);
	assert_int_equal(read_some(buf, sizeof(buf), 400), 0);
	assert_int_equal(find_card(), 0);
}

static void test_fault_endless(void **state)
{
	uint8_t buf[4096];
	struct cnid_parser p;
	size_t total = 0, used;
	uint64_t end = now_ms() + 3000;
	char reply[1024];

	(void)state;
	ctl_ok("fault endless 0x00");
	send_cmd(CNID_CMD_FIND, NULL);
	cnid_parser_init(&p);
	while (total < 256 * 1024 && now_ms() < end) {
		ssize_t n = read_some(buf, sizeof(buf), 500);

		assert_true(n > 0);
		for (ssize_t i = 0; i < n; i++)
			assert_int_equal(buf[i], 0x00);
		assert_int_equal(cnid_parser_feed(&p, buf, (size_t)n, &used), 0);
		total += (size_t)n;
	}
	/* More than 100 times the largest frame, and no frame in it. */
	assert_true(total >= 256 * 1024);
	assert_int_equal(cnid_parser_finish(&p), -ENOMSG);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "status"), 0);
	assert_non_null(strstr(reply, "endless=yes"));
	ctl_ok("stop");
	drain(50);
	assert_int_equal(find_card(), 0);
}

static void test_fault_every_sw3(void **state)
{
	const struct cnid_status *st;
	struct cnid_response r;
	uint8_t d[4];
	int count = 0;

	(void)state;
	for (size_t i = 0; (st = cnid_status_at(i)); i++) {
		ctl_ok("fault sw3 0x%02x", st->sw3);
		transact(CNID_CMD_FIND, NULL, frame_buf, &r);
		assert_int_equal(r.sw1, 0);
		assert_int_equal(r.sw2, 0);
		assert_int_equal(r.sw3, st->sw3);
		assert_int_equal(r.data_len, 0);
		if (st->sw3 == CNID_SW3_NO_CARD)
			assert_int_equal(cnid_decode_find(&r, d), -ENOENT);
		else if (st->sw3 != CNID_SW3_FIND_OK)
			assert_int_equal(cnid_decode_find(&r, d), -EREMOTEIO);
		count++;
	}
	assert_true(count >= 18);
	/* Non-zero SW1/SW2 ride along. */
	ctl_ok("fault sw3 0x24 0x01 0x02");
	transact(CNID_CMD_SAM_STATUS, NULL, frame_buf, &r);
	assert_int_equal(r.sw1, 1);
	assert_int_equal(r.sw2, 2);
	assert_int_equal(r.sw3, 0x24);
}

/* The sizes of the last k "tx" lines of the emulator's log. */
static int last_tx_sizes(size_t *sizes, int k)
{
	FILE *f = fopen(log_path, "re");
	char line[8192];
	size_t all[4096];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long ts;
		char dirw[8];
		size_t sz;

		if (sscanf(line, "%llu %7s %zu", &ts, dirw, &sz) == 3 && strcmp(dirw, "tx") == 0)
			all[n++ % 4096] = sz;
	}
	fclose(f);
	if (n < k)
		return -ENODATA;
	for (int i = 0; i < k; i++)
		sizes[i] = all[(n - k + i) % 4096];
	return 0;
}

static void test_fault_split_every_boundary(void **state)
{
	struct cnid_response r;
	size_t sizes[2], len;
	uint8_t whole[64];

	(void)state;
	len = transact(CNID_CMD_SELECT, NULL, whole, &r);
	assert_int_equal(len, 19);
	for (size_t at = 1; at < len; at++) {
		ctl_ok("fault split %zu", at);
		assert_int_equal(transact(CNID_CMD_SELECT, NULL, frame_buf, &r), len);
		assert_memory_equal(frame_buf, whole, len);
		assert_int_equal(last_tx_sizes(sizes, 2), 0);
		assert_int_equal(sizes[0], at);
		assert_int_equal(sizes[1], len - at);
	}
}

/* The same for the largest reply: every one of the 2320 boundaries of a 30 10 reply. */
static void test_fault_split_read_every_boundary(void **state)
{
	struct cnid_response r;
	uint8_t *whole = malloc(CNID_FRAME_MAX);
	size_t sizes[2], len;

	(void)state;
	assert_non_null(whole);
	ctl_ok("quirk off");
	len = transact(CNID_CMD_READ_FP, NULL, whole, &r);
	assert_int_equal(len, CNID_FRAME_MAX);
	for (size_t at = 1; at < len; at++) {
		ctl_ok("fault split %zu", at);
		assert_int_equal(transact(CNID_CMD_READ_FP, NULL, frame_buf, &r), len);
		assert_memory_equal(frame_buf, whole, len);
		if (at % 97 == 0) {     /* the log confirms the cut (reading it each time is slow) */
			assert_int_equal(last_tx_sizes(sizes, 2), 0);
			assert_int_equal(sizes[0], at);
			assert_int_equal(sizes[1], len - at);
		}
	}
	free(whole);
}

static void test_chunk_mode(void **state)
{
	struct cnid_response r;
	size_t sizes[64], len;
	uint64_t t0;
	uint8_t *whole = malloc(CNID_FRAME_MAX);

	(void)state;
	assert_non_null(whole);
	ctl_ok("quirk off");
	len = transact(CNID_CMD_READ, NULL, whole, &r);
	for (unsigned k = 1; k <= 64; k++) {
		size_t segs = (len + k - 1) / k;

		ctl_ok("chunk %u", k);
		assert_int_equal(transact(CNID_CMD_READ, NULL, frame_buf, &r), len);
		assert_memory_equal(frame_buf, whole, len);
		if (segs <= 64) {
			assert_int_equal(last_tx_sizes(sizes, (int)segs), 0);
			for (size_t i = 0; i + 1 < segs; i++)
				assert_int_equal(sizes[i], k);
			assert_int_equal(sizes[segs - 1], len - (segs - 1) * k);
		}
	}
	/* With a gap the pieces are spread in time. */
	ctl_ok("chunk 200 30");
	t0 = now_ms();
	assert_int_equal(transact(CNID_CMD_READ, NULL, frame_buf, &r), len);
	assert_true(now_ms() - t0 >= 6 * 30);
	assert_memory_equal(frame_buf, whole, len);
	free(whole);
}

static void test_fault_unplug_mid_reply(void **state)
{
	uint8_t buf[4096];
	size_t total = 0;
	char reply[1024];

	(void)state;
	ctl_ok("fault unplug-mid 100");
	send_cmd(CNID_CMD_READ, NULL);
	for (;;) {
		ssize_t n = read_some(buf, sizeof(buf), 1000);

		if (n <= 0) {
			/* The line hangs up right after the 100 bytes. */
			assert_int_equal(n, -EIO);
			break;
		}
		total += (size_t)n;
	}
	assert_int_equal(total, 100);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "status"), 0);
	assert_non_null(strstr(reply, "connected=no"));
	/* A request to a reader that is gone gets nothing; replug brings a new line. */
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "unplug"), 1);
	ctl_ok("replug");
	close(tty);
	tty = open_tty();
	assert_true(tty >= 0);
	/* The SAM did read the card (only the reply was cut): the quirk holds. */
	assert_int_equal(find_card(), -ENOENT);
	assert_int_equal(select_card(), 0);
	/* And the control-socket unplug/replug pair. */
	ctl_ok("unplug");
	assert_int_equal(read_some(buf, sizeof(buf), 200), -EIO);
	ctl_ok("replug");
	close(tty);
	tty = open_tty();
	assert_true(tty >= 0);
	assert_int_equal(select_card(), 0);
}

/* ------------------------------------------------------------------ */
/* Delays                                                              */

static uint64_t timed(enum cnid_cmd_id id)
{
	struct cnid_response r;
	uint64_t t0 = now_ms();

	transact(id, NULL, frame_buf, &r);
	return now_ms() - t0;
}

static void test_delays(void **state)
{
	char reply[1024];

	(void)state;
	ctl_ok("quirk off");
	assert_true(timed(CNID_CMD_FIND) < 100);
	ctl_ok("delay find 250");
	assert_true(timed(CNID_CMD_FIND) >= 250);
	assert_true(timed(CNID_CMD_SELECT) < 100);
	ctl_ok("delay realistic");
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "status"), 0);
	assert_non_null(strstr(reply, "profile=realistic"));
	assert_non_null(strstr(reply, "find:20,select:20,read:600,read_fp:600"));
	uint64_t t = timed(CNID_CMD_READ);

	assert_true(t >= 600 && t < 1500);
	assert_true(timed(CNID_CMD_SELECT) >= 20);
	ctl_ok("delay none");
	assert_true(timed(CNID_CMD_READ) < 300);
	/* The control socket stays responsive while a reply is delayed. */
	ctl_ok("delay read 800");
	send_cmd(CNID_CMD_READ, NULL);
	{
		uint64_t t0 = now_ms();

		ctl_ok("status");
		assert_true(now_ms() - t0 < 300);
	}
	{
		struct cnid_parser p;
		size_t n;

		assert_int_equal(read_reply(&p, frame_buf, &n, REPLY_TIMEOUT_MS), 1);
		assert_int_equal(n, 1295);
	}
}

/* A storm of random requests, valid and not: the reader keeps answering. */
static void test_random_requests(void **state)
{
	uint8_t req[300], buf[65536];
	unsigned seed = 12345;
	struct cnid_response r;
	char reply[1024];

	(void)state;
	ctl_ok("quirk off");
	for (int i = 0; i < 400; i++) {
		size_t dlen = (size_t)(rand_r(&seed) % 8);
		uint8_t data[8];
		int n;

		for (size_t k = 0; k < dlen; k++)
			data[k] = (uint8_t)rand_r(&seed);
		n = cnid_request_build((uint8_t)rand_r(&seed), (uint8_t)rand_r(&seed), data, dlen,
				       req, sizeof(req));
		assert_true(n > 0);
		switch (rand_r(&seed) % 4) {
		case 0: req[n - 1] ^= (uint8_t)(1 + rand_r(&seed) % 255); break; /* checksum */
		case 1: req[6] = (uint8_t)rand_r(&seed); break;                    /* LEN */
		case 2: n = 1 + rand_r(&seed) % n; break;                           /* cut */
		default: break;
		}
		send_bytes(req, (size_t)n);
		if (i % 50 == 0)
			read_some(buf, sizeof(buf), 5);
	}
	/* Let partial requests time out, drop whatever came back. */
	usleep(400 * 1000);
	drain(100);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "status"), 0);
	transact(CNID_CMD_SAM_STATUS, NULL, frame_buf, &r);
	assert_int_equal(r.sw3, CNID_SW3_OK);
	assert_int_equal(find_card(), 0);
}

static void test_baud_pacing(void **state)
{
	uint64_t t;

	(void)state;
	ctl_ok("quirk off");
	/* Unpaced, a 2321-byte reply is a matter of a few ms on a pty. */
	assert_true(timed(CNID_CMD_READ_FP) < 150);
	/* At 115200 8N1 it needs 2321 * 10 / 115200 = 201 ms on the wire. */
	ctl_ok("baud 115200");
	t = timed(CNID_CMD_READ_FP);
	assert_true(t >= 190 && t < 1500);
	/* And the frame still arrives whole (transact checked it). */
	ctl_ok("baud 0");
}

/* ------------------------------------------------------------------ */
/* Control socket and log                                              */

static void test_control_socket(void **state)
{
	char reply[1024], cmd[1024];
	int st;

	(void)state;
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "status"), 0);
	assert_non_null(strstr(reply, "card=present"));
	assert_non_null(strstr(reply, "type=resident"));
	assert_non_null(strstr(reply, "transport=pty"));
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "bogus"), 1);
	assert_true(strncmp(reply, "error", 5) == 0);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "present /nonexistent.card"), 1);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "fault nosuchfault"), 1);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "fault sw3"), 1);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "quirk maybe"), 1);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "delay slow"), 1);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "delay nosuchcmd 5"), 1);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "swap foreign-2017.card"), 0);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "status"), 0);
	assert_non_null(strstr(reply, "type=foreign_permanent_2017"));
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "remove"), 0);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "status"), 0);
	assert_non_null(strstr(reply, "card=absent"));
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "fault stall"), 0);
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "status"), 0);
	assert_non_null(strstr(reply, "fault=stall"));
	ctl_ok("fault none");
	assert_int_equal(emu_ctl(sock, reply, sizeof(reply), "wallet"), 0);
	assert_non_null(strstr(reply, " resident-fp2.card"));
	assert_non_null(strstr(reply, " foreign-2023.card"));

	/* The command-line client: exit 0 on ok, 1 on error. */
	snprintf(cmd, sizeof(cmd), "%s ctl %s status >/dev/null", emu_bin, sock);
	st = system(cmd);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(cmd, sizeof(cmd), "%s ctl %s fault bogus >/dev/null", emu_bin, sock);
	st = system(cmd);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}

static void test_log(void **state)
{
	FILE *f;
	char line[8192];
	unsigned long long last = 0, ts;
	int rx = 0, tx = 0, redacted = 0;
	char want[64], got[8];

	(void)state;
	find_card();
	transact(CNID_CMD_READ, NULL, frame_buf, &(struct cnid_response){ 0 });
	f = fopen(log_path, "re");
	assert_non_null(f);
	{
		struct stat st;

		/* it holds card bytes: owner only */
		assert_int_equal(fstat(fileno(f), &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	/* The find request as hex, from the library's own builder. */
	{
		uint8_t req[16];
		int n = cnid_command_build(CNID_CMD_FIND, NULL, req, sizeof(req));

		for (int i = 0; i < n; i++)
			snprintf(want + 2 * i, sizeof(want) - 2 * (size_t)i, "%02x", req[i]);
	}
	while (fgets(line, sizeof(line), f)) {
		int off = 0;

		assert_int_equal(sscanf(line, "%llu %7s %n", &ts, got, &off), 2);
		assert_true(ts >= last);        /* monotonic */
		last = ts;
		if (strcmp(got, "rx") == 0 && strstr(line, want))
			rx++;
		if (strcmp(got, "tx") == 0) {
			tx++;
			/* header and status shown, the rest counted */
			if (strstr(line, " 1295 ") && strstr(line, "...+1285"))
				redacted++;
		}
	}
	fclose(f);
	assert_true(rx >= 1);
	assert_true(tx >= 2);
	/* Card payloads are not logged unless --log-full. */
	assert_true(redacted >= 1);
}

/* ------------------------------------------------------------------ */
/* No card data in the log, whatever the segments                      */

/* A whole file, NUL-terminated. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	do {
		if (*len + 65536 + 1 > cap) {
			cap = *len + 65536 + 1;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
	} while (n > 0);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

struct leak_ctx {
	const char *card[SCAN_MAX_SECRETS], *what[SCAN_MAX_SECRETS];
	int found;
};

static void leak_report(void *ctx, int secret, enum scan_enc enc, const char *form, size_t line)
{
	struct leak_ctx *c = ctx;

	/* where (never what), the first few */
	if (++c->found <= 8)
		print_error("log: %s: %s as %s, %s (line %zu)\n", c->card[secret], c->what[secret],
			    scan_enc_names[enc], form, line);
}

/*
 * Scan buf for the name(s) and number(s) of every card of the wallets;
 * returns the findings (the first few printed: where, never what).
 */
static int scan_for_cards(const char *buf, size_t len)
{
	static const enum cnid_field fields[] = { CNID_F_NAME, CNID_F_NAME_EN, CNID_F_NUMBER,
						  CNID_F_PERMIT_NUMBER };
	static struct cnid_card_desc descs[SCAN_MAX_SECRETS / 2];
	static char names[SCAN_MAX_SECRETS / 2][256];
	struct leak_ctx c = { .found = 0 };
	const char *sv[SCAN_MAX_SECRETS];
	char dirs[1024], *save = NULL;
	int cards = 0, ns = 0, r;

	snprintf(dirs, sizeof(dirs), "%s", cards_dirs);
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		struct dirent **list;
		int n = scandir(d, &list, NULL, alphasort);

		for (int i = 0; i < n; i++) {
			const char *nm = list[i]->d_name;
			size_t l = strlen(nm);
			char path[1024];
			int before = ns;

			snprintf(path, sizeof(path), "%s/%s", d, nm);
			/* a card of unknown type (type = unknown) holds no name or number */
			if (l > 5 && strcmp(nm + l - 5, ".card") == 0 &&
			    cards < SCAN_MAX_SECRETS / 2 && emu_load_desc(path, &descs[cards]) == 0 &&
			    descs[cards].card.type != CNID_CARD_UNKNOWN) {
				struct cnid_card *card = &descs[cards].card;

				snprintf(names[cards], sizeof(names[cards]), "%s", nm);
				for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
					const char *v = card->field[fields[f]];

					/* blank-only values (an unused half) are no secret */
					if (card->present[fields[f]] && strspn(v, " ") < strlen(v) &&
					    ns < SCAN_MAX_SECRETS) {
						c.card[ns] = names[cards];
						c.what[ns] = cnid_field_name(fields[f]);
						sv[ns++] = v;
					}
				}
				assert_true(ns - before >= 2);
				cards++;
			}
			free(list[i]);
		}
		if (n >= 0)
			free(list);
	}
	assert_true(cards >= 4);
	r = scan_buffer(sv, ns, buf, len, leak_report, &c);
	assert_true(r >= 0);
	return r;
}

/* Which of the secrets a scan found in one encoding and form. */
struct form_ctx {
	enum scan_enc enc;
	const char *form;
	unsigned mask;
};

static void form_report(void *ctx, int secret, enum scan_enc enc, const char *form, size_t line)
{
	struct form_ctx *c = ctx;

	(void)line;
	if (enc == c->enc && strcmp(form, c->form) == 0)
		c->mask |= 1u << secret;
}

/*
 * The scanner finds the card's name and number in every form a leak takes,
 * each by the search meant for that form (so a clean log means something).
 */
static void test_secret_scan_finds_every_form(void **state)
{
	struct cnid_response r;
	struct cnid_read rd;
	struct cnid_card *card = calloc(1, sizeof(*card));
	size_t len, n = 0, cap = 64 * CNID_FRAME_MAX;
	char *text = malloc(cap);
	uint8_t whole[CNID_FRAME_MAX];
	const char *sv[2];

	(void)state;
	assert_non_null(text);
	assert_non_null(card);
	ctl_ok("quirk off");
	find_card();
	select_card();
	len = transact(CNID_CMD_READ, NULL, whole, &r);
	assert_int_equal(cnid_decode_read(&r, false, &rd), 0);
	assert_int_equal(cnid_card_decode(rd.text, rd.text_len, card), 0);
	sv[0] = card->field[CNID_F_NAME];
	sv[1] = card->field[CNID_F_NUMBER];
#define ADD(...) (n += (size_t)snprintf(text + n, cap - n, __VA_ARGS__))
	/* both secrets (mask 3) or one, in encoding e, by form f */
#define EXPECT(what, e, f, want) do { \
		struct form_ctx c = { e, f, 0 }; \
		text[n] = '\0'; \
		assert_true(scan_buffer(sv, 2, text, n, form_report, &c) > 0); \
		if ((c.mask & (want)) != (want)) \
			fail_msg("the scanner missed the card in %s (%s, %s: found 0x%x)", what, \
				 scan_enc_names[e], f, c.mask); \
	} while (0)
	/* raw */
	memcpy(text, whole, len);
	n = len;
	EXPECT("the raw reply", SCAN_UCS2LE, "raw", 3u);
	n = 0;
	/* the emulator's own log format, in segments of every size up to 16 */
	for (size_t k = 1; k <= 16; k++) {
		for (size_t at = 0; at < len; at += k) {
			ADD("%llu tx %zu ", 1000ull + at, at + k < len ? k : len - at);
			for (size_t i = at; i < at + k && i < len; i++)
				ADD("%02x", whole[i]);
			ADD("\n");
		}
		EXPECT("a chunked emulator log", SCAN_UCS2LE, "hex across lines", 3u);
		n = 0;
	}
	/* print_hex_dump(): offset prefix, 16 per row, ASCII column; both cases */
	for (int upper = 0; upper <= 1; upper++) {
		for (size_t at = 0; at < len; at += 16) {
			ADD("[   12.345678] cnid reply: %08zx:", at);
			for (size_t i = at; i < at + 16 && i < len; i++)
				ADD(upper ? " %02X" : " %02x", whole[i]);
			ADD("  ................\n");
		}
		EXPECT("a print_hex_dump", SCAN_UCS2LE, "hex across lines", 3u);
		EXPECT("a print_hex_dump", SCAN_UCS2LE, "hex", 2u);	/* 36 bytes: on a row */
		n = 0;
	}
	/* one line of hex, no blanks (a netlink attribute as cnid-nl prints it) */
	ADD("card_event attr40=");
	for (size_t i = 0; i < len; i++)
		ADD("%02X", whole[i]);
	ADD("\n");
	EXPECT("one line of hex", SCAN_UCS2LE, "hex", 3u);
	n = 0;
	/* decoded text, UTF-8, as text and as hex */
	ADD("CNID_NAME=%s\nnumber=%s\n", sv[0], sv[1]);
	EXPECT("UTF-8 text", SCAN_UTF8, "raw", 3u);
	n = 0;
	for (int i = 0; i < 2; i++) {
		ADD("attr%d=", 40 + i);
		for (const char *q = sv[i]; *q; q++)
			ADD("%02x", (unsigned char)*q);
		ADD("\n");
	}
	EXPECT("UTF-8 as hex", SCAN_UTF8, "hex", 3u);
	n = 0;
	/* and nothing in text without the card */
	ADD("%llu tx 1295 aaaaaa966905080000" "90...+1285\nCNID_SEQ=1\n", 1000ull);
	text[n] = '\0';
	assert_int_equal(scan_buffer(sv, 2, text, n, NULL, NULL), 0);
	assert_int_equal(scan_for_cards(text, n), 0);
#undef ADD
#undef EXPECT
	free(text);
	free(card);
}

/*
 * The log never holds a card's name or number: after every test above
 * (every split boundary of the largest reply, chunks of 1 to 64 bytes,
 * garbage, truncation, unplug mid-reply, pacing) and rounds of its own
 * (small chunks, splits through the header and the text, garbage with
 * chunks, pacing), the whole log is scanned for every card of the wallets
 * in UTF-8, UCS-2LE and hex.
 */
static void test_log_holds_no_card_data(void **state)
{
	struct cnid_response r;
	size_t len;
	char *log;
	int found;

	(void)state;
	ctl_ok("quirk off");
	for (unsigned k = 1; k <= 17; k += 2) {
		ctl_ok("chunk %u", k);
		transact(CNID_CMD_READ, NULL, frame_buf, &r);
	}
	ctl_ok("chunk 0");
	/* cuts in the header, the status, the lengths, the name and the number */
	for (size_t at = 5; at <= 160; at += 5) {
		ctl_ok("fault split %zu", at);
		transact(CNID_CMD_READ, NULL, frame_buf, &r);
	}
	ctl_ok("chunk 3");
	ctl_ok("fault garbage 5");
	transact(CNID_CMD_READ_FP, NULL, frame_buf, &r);
	ctl_ok("chunk 0");
	ctl_ok("baud 115200");
	transact(CNID_CMD_READ, NULL, frame_buf, &r);
	ctl_ok("baud 0");
	log = slurp(log_path, &len);
	assert_non_null(log);
	assert_true(len > 100000);
	found = scan_for_cards(log, len);
	free(log);
	if (found)
		fail_msg("the emulator's log holds card data (%d finding(s), see above)", found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_command, reset_reader),
		cmocka_unit_test_setup(test_sam_id_setting, reset_reader),
		cmocka_unit_test_setup(test_every_card_decodes_as_described, reset_reader),
		cmocka_unit_test_setup(test_fingerprints_switch, reset_reader),
		cmocka_unit_test_setup(test_quirk_on, reset_reader),
		cmocka_unit_test_setup(test_quirk_off, reset_reader),
		cmocka_unit_test_setup(test_no_card, reset_reader),
		cmocka_unit_test_setup(test_malformed_requests, reset_reader),
		cmocka_unit_test_setup(test_fault_checksum, reset_reader),
		cmocka_unit_test_setup(test_fault_truncate, reset_reader),
		cmocka_unit_test_setup(test_fault_too_long, reset_reader),
		cmocka_unit_test_setup(test_fault_garbage, reset_reader),
		cmocka_unit_test_setup(test_fault_stall, reset_reader),
		cmocka_unit_test_setup(test_fault_endless, reset_reader),
		cmocka_unit_test_setup(test_fault_every_sw3, reset_reader),
		cmocka_unit_test_setup(test_fault_split_every_boundary, reset_reader),
		cmocka_unit_test_setup(test_fault_split_read_every_boundary, reset_reader),
		cmocka_unit_test_setup(test_chunk_mode, reset_reader),
		cmocka_unit_test_setup(test_fault_unplug_mid_reply, reset_reader),
		cmocka_unit_test_setup(test_random_requests, reset_reader),
		cmocka_unit_test_setup(test_delays, reset_reader),
		cmocka_unit_test_setup(test_baud_pacing, reset_reader),
		cmocka_unit_test_setup(test_control_socket, reset_reader),
		cmocka_unit_test_setup(test_log, reset_reader),
		cmocka_unit_test_setup(test_secret_scan_finds_every_form, reset_reader),
		cmocka_unit_test_setup(test_log_holds_no_card_data, reset_reader),
	};

	return cmocka_run_group_tests_name("cnid-emu over a pty", tests, group_setup,
					   group_teardown);
}
