# SPDX-License-Identifier: GPL-2.0
CFLAGS += -Wall -O2 -pthread $(KHDR_INCLUDES)
LDLIBS += -pthread

# The in-guest suite: every t<N>*.c is one test program, on common.h.
SUITE := $(patsubst %.c,%,$(sort $(wildcard t[0-9]*.c)))

TEST_GEN_PROGS := isolator_test $(SUITE)
LOCAL_HDRS += common.h

include ../lib.mk

# A test written for its own boot says so in a "vm-cmdline:" comment; it is
# compiled in (KSFT_BOOT) and compared with /proc/cmdline (common.h).
vm_cmdline = $(shell sed -n 's|.*/\* vm-cmdline: \(.*[^ ]\) *\*/.*|\1|p' $(1).c | head -n 1)
$(foreach t,$(SUITE),$(eval $(OUTPUT)/$(t): CFLAGS += -DKSFT_BOOT='"$(call vm_cmdline,$(t))"'))
$(SUITE:%=$(OUTPUT)/%): CFLAGS += -Wextra -Wno-unused-function -Wno-unused-parameter
