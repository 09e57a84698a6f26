// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Control socket: a unix stream socket, one text command per line, one
 * reply line per command ("ok ..." or "error ...").  Also the client side,
 * `cnid-emu ctl SOCKET CMD...`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "emu.h"

static int make_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

int ctl_listen(struct emu *e)
{
	struct sockaddr_un sa;
	int fd, r;

	r = make_addr(e->ctl_path, &sa);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(e->ctl_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	e->ctl_fd = fd;
	return 0;
}

void ctl_close(struct emu *e)
{
	for (int i = 0; i < EMU_CTL_CLIENTS; i++)
		if (e->ctl_client[i] >= 0)
			close(e->ctl_client[i]);
	if (e->ctl_fd >= 0) {
		close(e->ctl_fd);
		unlink(e->ctl_path);
	}
	e->ctl_fd = -1;
}

int ctl_poll_fds(struct emu *e, struct pollfd *pfd, int max)
{
	int n = 0;

	if (e->ctl_fd < 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = e->ctl_fd, .events = POLLIN };
	for (int i = 0; i < EMU_CTL_CLIENTS && n < max; i++)
		if (e->ctl_client[i] >= 0)
			pfd[n++] = (struct pollfd){ .fd = e->ctl_client[i], .events = POLLIN };
	return n;
}

static void client_drop(struct emu *e, int i)
{
	close(e->ctl_client[i]);
	e->ctl_client[i] = -1;
	e->ctl_len[i] = 0;
}

static void client_input(struct emu *e, int i)
{
	char *buf = e->ctl_buf[i], *nl;
	ssize_t r;

	r = read(e->ctl_client[i], buf + e->ctl_len[i], EMU_CTL_LINE - 1 - e->ctl_len[i]);
	if (r <= 0) {
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		client_drop(e, i);
		return;
	}
	e->ctl_len[i] += (size_t)r;
	buf[e->ctl_len[i]] = '\0';
	while ((nl = strchr(buf, '\n'))) {
		char out[1024];
		size_t used = (size_t)(nl - buf) + 1;

		*nl = '\0';
		if (nl > buf && nl[-1] == '\r')
			nl[-1] = '\0';
		ctl_exec(e, buf, out, sizeof(out) - 1);
		strcat(out, "\n");
		/* Replies are short; a client that does not read them is dropped. */
		if (write(e->ctl_client[i], out, strlen(out)) < 0) {
			client_drop(e, i);
			return;
		}
		memmove(buf, buf + used, e->ctl_len[i] - used + 1);
		e->ctl_len[i] -= used;
	}
	if (e->ctl_len[i] >= EMU_CTL_LINE - 1) {
		const char msg[] = "error line too long\n";

		if (write(e->ctl_client[i], msg, sizeof(msg) - 1) < 0) {
			/* dropped below anyway */
		}
		client_drop(e, i);
	}
}

void ctl_poll_handle(struct emu *e, const struct pollfd *pfd, int n)
{
	if (n == 0)
		return;
	for (int k = 1; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		for (int i = 0; i < EMU_CTL_CLIENTS; i++)
			if (e->ctl_client[i] == pfd[k].fd)
				client_input(e, i);
	}
	if (pfd[0].revents & POLLIN) {
		int fd = accept4(e->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return;
		for (int i = 0; i < EMU_CTL_CLIENTS; i++) {
			if (e->ctl_client[i] < 0) {
				e->ctl_client[i] = fd;
				e->ctl_len[i] = 0;
				return;
			}
		}
		close(fd);
	}
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static int split_words(char *line, char **argv, int max)
{
	int n = 0;

	for (char *tok = strtok(line, " \t"); tok && n < max; tok = strtok(NULL, " \t"))
		argv[n++] = tok;
	return n;
}

static int onoff(const char *s, bool *ret)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "on") == 0)
		*ret = true;
	else if (strcmp(s, "off") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static void status_line(struct emu *e, char *out, size_t size)
{
	const char *type = e->card ? cnid_card_type_name(e->card->card.type) : "none";
	size_t n;

	n = (size_t)snprintf(out, size,
		"ok card=%s type=%s latched=%s quirk=%s fingerprints=%s profile=%s "
		"transport=%s mode=%s connected=%s chunk=%u requests=%llu replies=%llu "
		"bad_requests=%llu fault=%s endless=%s baud=%u delays=",
		e->card && e->present ? "present" : "absent", type, e->latched ? "yes" : "no",
		e->quirk ? "on" : "off", e->fingerprints ? "on" : "off", e->profile, e->tp->name,
		e->tkind == TRANSPORT_PTY ? "serial" : e->mode == PIPE_SPLIT ? "split" : "single",
		e->tp->connected(e) ? "yes" : "no", e->chunk,
		(unsigned long long)e->n_requests, (unsigned long long)e->n_replies,
		(unsigned long long)e->n_bad_requests, fault_name(e->fault.kind),
		e->endless ? "yes" : "no", e->baud);
	for (int i = 0; i < _CNID_CMD_MAX && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s:%u", i ? "," : "",
				      cnid_command_get((enum cnid_cmd_id)i)->name, e->delay_ms[i]);
}

/* "ok NAME.card ..." for every card description in --cards-dir. */
static void wallet_line(struct emu *e, char *out, size_t size)
{
	struct dirent **names;
	size_t n = (size_t)snprintf(out, size, "ok");
	int count;

	if (!e->cards_dir[0]) {
		snprintf(out, size, "error no --cards-dir");
		return;
	}
	count = scandir(e->cards_dir, &names, NULL, alphasort);
	if (count < 0) {
		snprintf(out, size, "error %s: %s", e->cards_dir, strerror(errno));
		return;
	}
	for (int i = 0; i < count; i++) {
		size_t l = strlen(names[i]->d_name);

		if (l > 5 && strcmp(names[i]->d_name + l - 5, ".card") == 0 && n + l + 2 < size)
			n += (size_t)snprintf(out + n, size - n, " %s", names[i]->d_name);
		free(names[i]);
	}
	free(names);
}

void ctl_exec(struct emu *e, char *line, char *out, size_t size)
{
	char *argv[16], err[600];
	int argc = split_words(line, argv, 16), r;
	bool b;

	if (argc == 0) {
		snprintf(out, size, "error empty command");
		return;
	}
	emu_log_event(e, "ctl %s%s%s", argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	if (strcmp(argv[0], "present") == 0 || strcmp(argv[0], "swap") == 0) {
		if (argc != 2) {
			snprintf(out, size, "error usage: %s FILE", argv[0]);
			return;
		}
		/* swap = the old card leaves, the new one arrives (one step). */
		sam_remove_card(e);
		r = sam_load_card(e, argv[1], err, sizeof(err));
		if (r < 0)
			snprintf(out, size, "error %s", err);
		else
			snprintf(out, size, "ok present %s", cnid_card_type_name(e->card->card.type));
	} else if (strcmp(argv[0], "remove") == 0) {
		sam_remove_card(e);
		snprintf(out, size, "ok removed");
	} else if (strcmp(argv[0], "quirk") == 0 || strcmp(argv[0], "fingerprints") == 0 ||
		   strcmp(argv[0], "zlp") == 0) {
		if (onoff(argc == 2 ? argv[1] : NULL, &b) < 0) {
			snprintf(out, size, "error usage: %s on|off", argv[0]);
			return;
		}
		if (argv[0][0] == 'q')
			e->quirk = b;
		else if (argv[0][0] == 'f')
			e->fingerprints = b;
		else
			e->zlp = b;
		snprintf(out, size, "ok %s %s", argv[0], b ? "on" : "off");
	} else if (strcmp(argv[0], "delay") == 0) {
		if (argc == 2)
			r = sam_set_profile(e, argv[1]);
		else if (argc == 3) {
			char *end;
			long ms = strtol(argv[2], &end, 10);

			r = *end || end == argv[2] ? -EINVAL : sam_set_delay(e, argv[1], ms);
		} else
			r = -EINVAL;
		if (r < 0)
			snprintf(out, size, "error usage: delay none|realistic | delay CMD|all MS");
		else
			snprintf(out, size, "ok delay %s", e->profile);
	} else if (strcmp(argv[0], "fault") == 0) {
		struct emu_fault f;

		if (fault_parse(argc - 1, argv + 1, &f, err, sizeof(err)) < 0) {
			snprintf(out, size, "error %s", err);
			return;
		}
		e->fault = f;
		snprintf(out, size, "ok fault %s armed", fault_name(f.kind));
	} else if (strcmp(argv[0], "chunk") == 0) {
		long k = argc >= 2 ? strtol(argv[1], NULL, 10) : -1;
		long gap = argc >= 3 ? strtol(argv[2], NULL, 10) : 0;

		if (argc < 2 || argc > 3 || k < 0 || k > CNID_FRAME_MAX || gap < 0 || gap > 10000) {
			snprintf(out, size, "error usage: chunk K [GAP_MS] (0 = whole replies)");
			return;
		}
		e->chunk = (unsigned)k;
		e->chunk_gap_ms = (unsigned)gap;
		snprintf(out, size, "ok chunk %u gap %u", e->chunk, e->chunk_gap_ms);
	} else if (strcmp(argv[0], "sam-id") == 0) {
		struct cnid_sam_id id;
		char buf[CNID_SAM_ID_STRLEN + 8];

		if (argc != 2 || emu_parse_sam_id(argv[1], &id) < 0) {
			snprintf(out, size, "error usage: sam-id NN.NN-NNNNNNNN-NNNNNNNNNN-NNNNNNNNNN");
			return;
		}
		e->sam_id = id;
		snprintf(out, size, "ok sam-id %s", cnid_sam_id_format(&id, buf, sizeof(buf)));
	} else if (strcmp(argv[0], "baud") == 0) {
		long b = argc == 2 ? strtol(argv[1], NULL, 10) : -1;

		if (b < 0 || b > 10000000) {
			snprintf(out, size, "error usage: baud N (0 = unpaced)");
			return;
		}
		e->baud = (unsigned)b;
		snprintf(out, size, "ok baud %u", e->baud);
	} else if (strcmp(argv[0], "stop") == 0) {
		bool was = e->endless || e->tx_active;

		emu_stop_output(e);
		snprintf(out, size, "ok stopped%s", was ? "" : " (nothing was being sent)");
	} else if (strcmp(argv[0], "unplug") == 0 || strcmp(argv[0], "replug") == 0) {
		r = argv[0][0] == 'u' ? emu_unplug(e) : emu_replug(e);
		if (r < 0)
			snprintf(out, size, "error %s: %s", argv[0], strerror(-r));
		else
			snprintf(out, size, "ok %sged", argv[0]);
	} else if (strcmp(argv[0], "wallet") == 0) {
		wallet_line(e, out, size);
	} else if (strcmp(argv[0], "status") == 0) {
		status_line(e, out, size);
	} else if (strcmp(argv[0], "quit") == 0) {
		e->quit = true;
		snprintf(out, size, "ok bye");
	} else if (strcmp(argv[0], "help") == 0) {
		snprintf(out, size, "ok commands: present FILE, remove, swap FILE, quirk on|off, "
			 "fingerprints on|off, zlp on|off, delay PROFILE|CMD MS, fault NAME [ARGS], "
			 "chunk K [GAP_MS], baud N, sam-id ID, wallet, stop, unplug, replug, status, quit");
	} else {
		snprintf(out, size, "error unknown command '%s'", argv[0]);
	}
}

/* ------------------------------------------------------------------ */
/* Client                                                              */

int ctl_client_main(int argc, char **argv)
{
	struct sockaddr_un sa;
	char line[EMU_CTL_LINE], reply[2048];
	size_t n = 0, got = 0;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: cnid-emu ctl SOCKET CMD [ARGS...]\n");
		return 2;
	}
	if (make_addr(argv[0], &sa) < 0) {
		fprintf(stderr, "cnid-emu ctl: socket path too long\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int w = snprintf(line + n, sizeof(line) - n, "%s%s", i > 1 ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(line) - n - 1) {
			fprintf(stderr, "cnid-emu ctl: command too long\n");
			return 2;
		}
		n += (size_t)w;
	}
	line[n++] = '\n';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "cnid-emu ctl: %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	if (write(fd, line, n) != (ssize_t)n) {
		fprintf(stderr, "cnid-emu ctl: write: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	while (got < sizeof(reply) - 1) {
		ssize_t r = read(fd, reply + got, sizeof(reply) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = '\0';
	fputs(reply, stdout);
	if (got == 0 || reply[got - 1] != '\n')
		fputc('\n', stdout);
	return strncmp(reply, "ok", 2) == 0 ? 0 : 1;
}
