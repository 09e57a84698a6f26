/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * scan-log CAPTURE CARD...: look for the name(s) and number(s) of each card
 * description in CAPTURE (a log) in every form secret-scan.h knows (UTF-8,
 * UCS-2LE/BE, raw or hex, one line or across lines).  Prints where it found
 * what kind of secret (never the secret) and exits 1 if anything was found,
 * 0 if not, 2 on bad usage.  tests/daemon/test_daemon.py runs it on
 * cnidd's log.
 */

#include "emu-client.h"
#include "secret-scan.h"

static void report(void *ctx, int secret, enum scan_enc enc, const char *form, size_t line)
{
	const char *const *what = ctx;

	printf("found: %s as %s, %s (line %zu)\n", what[secret], scan_enc_names[enc], form, line);
}

int main(int argc, char **argv)
{
	static const enum cnid_field fields[] = { CNID_F_NAME, CNID_F_NAME_EN, CNID_F_NUMBER,
						  CNID_F_PERMIT_NUMBER, CNID_F_ADDRESS };
	static struct cnid_card_desc descs[SCAN_MAX_SECRETS / 2];
	const char *sv[SCAN_MAX_SECRETS], *what[SCAN_MAX_SECRETS];
	static char buf[8 << 20];
	int ns = 0, r;
	size_t len;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: scan-log CAPTURE CARD...\n");
		return 2;
	}
	for (int i = 2; i < argc && i - 2 < SCAN_MAX_SECRETS / 2; i++) {
		struct cnid_card *card = &descs[i - 2].card;

		if (emu_load_desc(argv[i], &descs[i - 2]) < 0) {
			fprintf(stderr, "scan-log: %s: not a card description\n", argv[i]);
			return 2;
		}
		for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
			const char *v = card->field[fields[k]];

			if (card->present[fields[k]] && strspn(v, " ") < strlen(v) &&
			    ns < SCAN_MAX_SECRETS) {
				what[ns] = cnid_field_name(fields[k]);
				sv[ns++] = v;
			}
		}
	}
	f = fopen(argv[1], "re");
	if (!f) {
		fprintf(stderr, "scan-log: %s: %m\n", argv[1]);
		return 2;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	r = scan_buffer(sv, ns, buf, len, report, what);
	if (r < 0)
		return 2;
	printf("scan-log: %d secrets of %d cards, %zu bytes: %d found\n", ns, argc - 2, len, r);
	return r > 0 ? 1 : 0;
}
