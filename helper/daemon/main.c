/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnidd [--config FILE] [--no-udev] [--log-time] [--check-config]
 *
 * The event loop (epoll), signals (signalfd: SIGTERM/SIGINT exit cleanly,
 * SIGHUP reloads the configuration), readiness (the sd_notify protocol on
 * $NOTIFY_SOCKET, no libsystemd needed) and logging (stderr: the journal).
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "announce.h"
#include "cnidd.h"

#define DEFAULT_CONFIG "/etc/cnid/cnidd.conf"

struct cnidd_config cfg;
int cnidd_log_level = LOG_INFO_;
static int epfd = -1;
static bool log_prefix, log_time, quit;
static const char *config_path = DEFAULT_CONFIG;
static bool config_given, no_udev;

void cnidd_log(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n = 0;

	if (level > cnidd_log_level)
		return;
	if (log_prefix)
		n = snprintf(buf, sizeof(buf), "<%d>", level);
	if (log_time)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%llu ", (unsigned long long)now_us());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", buf);
}

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int loop_add(struct source *s, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0 ? -errno : 0;
}

int loop_mod(struct source *s, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0 ? -errno : 0;
}

void loop_del(struct source *s)
{
	if (s->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
}

/* sd_notify(3)'s protocol: one datagram to $NOTIFY_SOCKET. */
static void notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, strlen(path));
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		log_warn("sd_notify: %m");
	close(fd);
}

static int load_config(struct cnidd_config *c)
{
	unsigned line;
	const char *why;
	int e = cnidd_config_load(config_path, c, &line, &why);

	if (e == -ENOENT && !config_given) {
		cnidd_config_defaults(c);
		e = 0;
	}
	if (e == -EINVAL)
		log_err("%s:%u: %s", config_path, line, why);
	else if (e < 0)
		log_err("%s: %s", config_path, strerror(-e));
	if (no_udev)
		c->udev = false;
	return e;
}

static const char *serial_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* Serial readers of the configuration: add the new ones, drop the old. */
static void apply_serial(void)
{
	struct reader *r, *next;

	for (r = readers; r; r = next) {
		bool keep = false;

		next = r->next;
		if (!r->serial)
			continue;
		for (unsigned i = 0; i < cfg.n_serial; i++)
			keep |= !strcmp(cfg.serial[i], r->path);
		if (!keep)
			reader_remove(r, "no longer configured");
	}
	for (unsigned i = 0; i < cfg.n_serial; i++)
		if (!reader_find_path(cfg.serial[i]) &&
		    !reader_add(serial_name(cfg.serial[i]), cfg.serial[i], true, false))
			log_err("%s: cannot attach: out of memory", serial_name(cfg.serial[i]));
}

static void reload(void)
{
	struct cnidd_config c;
	bool dir_changed;

	notify("RELOADING=1");
	if (load_config(&c) < 0) {
		log_err("configuration not reloaded: keeping the old one");
		notify("READY=1");
		return;
	}
	dir_changed = strcmp(c.record_dir, cfg.record_dir) != 0;
	/* records of cards on the readers move with the directory */
	if (dir_changed)
		for (struct reader *r = readers; r; r = r->next)
			if (r->card == CARD_PRESENT)
				record_remove(r);
	if (c.udev != cfg.udev) {
		if (c.udev)
			devices_start();
		else
			devices_stop();
	}
	cfg = c;
	record_reset_group();
	plugin_load(cfg.plugin);
	apply_serial();
	if (dir_changed)
		for (struct reader *r = readers; r; r = r->next)
			if (r->card == CARD_PRESENT)
				record_write(r);
	log_info("configuration reloaded (poll %u ms, %u serial line%s, fingerprints %s)",
		 cfg.poll_ms, cfg.n_serial, cfg.n_serial == 1 ? "" : "s",
		 cfg.fingerprints ? "yes" : "no");
	notify("READY=1");
}

static void on_signal(struct source *s, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(s->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload();
		else
			quit = true;
	}
}

static int usage(FILE *f)
{
	fputs("Usage: cnidd [--config FILE] [--no-udev] [--log-time] [--check-config]\n"
	      "Read every card presented to every ID-card reader, validate it, write its\n"
	      "record to RECORD_DIR/<reader>.json and announce it.\n\n"
	      "  -c, --config FILE  configuration (default " DEFAULT_CONFIG ", optional)\n"
	      "      --no-udev      only the serial lines of the configuration\n"
	      "      --log-time     prefix log lines with CLOCK_MONOTONIC microseconds\n"
	      "      --check-config parse the configuration and exit (0 good, 1 bad)\n"
	      "Signals: SIGHUP reloads the configuration, SIGTERM exits.\n",
	      f);
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-udev", no_argument, NULL, 'U' },
		{ "log-time", no_argument, NULL, 'T' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	struct source sig_src;
	bool check_only = false;
	sigset_t mask;
	int c;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'c': config_path = optarg; config_given = true; break;
		case 'U': no_udev = true; break;
		case 'T': log_time = true; break;
		case 'C': check_only = true; break;
		case 'h': return usage(stdout);
		case 'V': printf("cnidd %s (libcnid %s)\n", CNID_VERSION, cnid_version()); return 0;
		default: return usage(stderr);
		}
	}
	if (optind != argc)
		return usage(stderr);
	log_prefix = getenv("JOURNAL_STREAM") != NULL;
	if (load_config(&cfg) < 0)
		return 1;
	if (check_only)
		return 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	sig_src = (struct source){ .fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC),
				   .fn = on_signal };
	if (epfd < 0 || sig_src.fd < 0 || loop_add(&sig_src, EPOLLIN) < 0) {
		log_err("cannot set up the event loop: %m");
		return 1;
	}
	if (announce_init() < 0) {
		log_err("cannot get random bytes for the card tokens: %m");
		return 1;
	}
	plugin_load(cfg.plugin);
	if (cfg.udev && devices_start() < 0)
		log_warn("udev is not available: only configured serial lines are watched");
	apply_serial();
	log_info("cnidd %s ready (poll %u ms, %u serial line%s, udev %s)", CNID_VERSION,
		 cfg.poll_ms, cfg.n_serial, cfg.n_serial == 1 ? "" : "s", cfg.udev ? "yes" : "no");
	notify("READY=1\nSTATUS=watching readers");

	while (!quit) {
		struct epoll_event ev[16];
		int n = epoll_wait(epfd, ev, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %m");
			break;
		}
		for (int i = 0; i < n; i++) {
			struct source *s = ev[i].data.ptr;

			s->fn(s, ev[i].events);
			if (quit)
				break;
		}
		reader_reap();
	}
	notify("STOPPING=1");
	reader_remove_all();
	devices_stop();
	plugin_unload();
	announce_exit();
	log_info("cnidd exiting");
	return 0;
}
