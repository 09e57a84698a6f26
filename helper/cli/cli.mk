# SPDX-License-Identifier: LGPL-2.1-or-later
# The command-line tool `cnid`: one file per subcommand, dispatch in main.c.

CLI_SRCS := $(wildcard helper/cli/*.c)
CNID_CLI := $(BUILD)/cnid

$(CNID_CLI): $(CLI_SRCS) $(LIBCNID)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ihelper/cli -o $@ $(CLI_SRCS) $(LIBCNID) -ljson-c

ALL_TARGETS += $(CNID_CLI)
