# mica: `make` builds the hypervisor, the guest kit and the bundled guests;
# `make test` builds everything again with ASan/UBSan and runs the suite.
# Sources are found by directory, so a new file needs no edit here.

BUILD    ?= build
CC       ?= gcc
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Isrc -I$(BUILD)/gen -g
HOST_LIBS := -lpthread

# Optional libraries, each detected once; a subsystem that needs one adds it here.
PKGS := $(shell pkg-config --exists jansson libmicrohttpd sqlite3 zlib liblzma libzstd liblz4 libcurl libseccomp 2>/dev/null && echo yes)
ifeq ($(PKGS),yes)
HOST_LIBS += $(shell pkg-config --libs jansson libmicrohttpd sqlite3 zlib liblzma libzstd liblz4 libcurl libseccomp) -lbz2
endif

CFLAGS_REL  := $(CFLAGS_COMMON) -O2
CFLAGS_TEST := $(CFLAGS_COMMON) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

# src/pv/supervisor/ is not part of mica's host code: it is the in-guest
# supervisor, built freestanding into an image that mica embeds (below).
SV_DIR    := src/pv/supervisor
HOST_SRC  := $(shell find src -path $(SV_DIR) -prune -o \( -name '*.c' -o -name '*.S' \) -print | sort)
MAIN_SRC  := src/cli/main.c
LIB_SRC   := $(filter-out $(MAIN_SRC),$(HOST_SRC))

REL_OBJ  := $(patsubst %,$(BUILD)/rel/%.o,$(LIB_SRC))
TEST_OBJ := $(patsubst %,$(BUILD)/test/%.o,$(LIB_SRC))

UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/test/unit/%,$(UNIT_SRC))
INTEG_SRC := $(sort $(wildcard tests/integration/test_*.c))
INTEG_BIN := $(patsubst tests/integration/%.c,$(BUILD)/test/integration/%,$(INTEG_SRC))
TEST_SUPPORT := $(sort $(wildcard tests/support/*.c))

.PHONY: all test unit fuzz bench clean guests install FORCE
all: $(BUILD)/mica $(BUILD)/mica-runc guests $(BUILD)/man/mica.1

# The build version (`mica --version`, GET /v1/version): checked at every
# make, the header rewritten only when it changed.
VERSION_H := $(BUILD)/gen/mica_version.h
$(VERSION_H): FORCE
	@mkdir -p $(dir $@)
	@echo "#define MICA_VERSION \"$$(scripts/version.sh)\"" > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/rel/src/util/version.c.o $(BUILD)/test/src/util/version.c.o: $(VERSION_H)

$(BUILD)/rel/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -MMD -MP -c $< -o $@
$(BUILD)/rel/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -MMD -MP -c $< -o $@
$(BUILD)/test/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -MMD -MP -c $< -o $@
$(BUILD)/test/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -MMD -MP -c $< -o $@

# Two release binaries from one source tree: mica-cp has every command;
# mica is linked from an archive with a main that hands the control-plane
# commands to mica-cp, so `mica run` loads no HTTP, TLS or SQLite library
# (they cost ~3 ms of dynamic loading at every start).
$(BUILD)/libmica-host.a: $(REL_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/rel/main-lean.o: $(MAIN_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -DMICA_LEAN -MMD -MP -c $< -o $@
$(BUILD)/mica: $(BUILD)/rel/main-lean.o $(BUILD)/libmica-host.a $(BUILD)/mica-cp
	$(CC) $(CFLAGS_REL) -Wl,--as-needed $(BUILD)/rel/main-lean.o $(BUILD)/libmica-host.a -o $@ $(HOST_LIBS)
# The OCI runtime (docs/oci.md) is mica called by a runc-like name.
$(BUILD)/mica-runc: $(BUILD)/mica
	ln -sf mica $@
$(BUILD)/mica-cp: $(REL_OBJ) $(BUILD)/rel/$(MAIN_SRC).o
	$(CC) $(CFLAGS_REL) $^ -o $@ $(HOST_LIBS)
$(BUILD)/test/mica: $(TEST_OBJ) $(BUILD)/test/$(MAIN_SRC).o
	$(CC) $(CFLAGS_TEST) $^ -o $@ $(HOST_LIBS)

$(BUILD)/test/unit/%: tests/unit/%.c $(TEST_OBJ) $(TEST_SUPPORT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -Itests $^ -o $@ $(HOST_LIBS) -lcmocka -lm
# Integration tests run the mica binary; of the library they link only
# what the shared test support reads /proc with.
$(BUILD)/test/integration/%: tests/integration/%.c $(TEST_SUPPORT) $(BUILD)/test/src/cp/proc_info.c.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_TEST) -Itests $^ -o $@ $(HOST_LIBS) -lcmocka -lm

# mica(1) is generated from the program's own usage texts (`mica --man`).
$(BUILD)/man/mica.1: $(BUILD)/mica-cp
	@mkdir -p $(dir $@)
	$(BUILD)/mica-cp --man > $@.tmp && mv $@.tmp $@

# make install [PREFIX=/usr/local] [DESTDIR=staging]: the binaries, the
# bundled guests (the shell and the examples, not the test guests), the guest kit (mica-cc, headers, libmica), docs, mica(1),
# bash completion and the systemd unit.  tests/install/check-install.sh
# checks the tree it lays out.
PREFIX      ?= /usr/local
BINDIR      := $(PREFIX)/bin
SHAREDIR    := $(PREFIX)/share/mica
KITDIR      := $(SHAREDIR)/kit
DOCDIR      ?= $(PREFIX)/share/doc/mica
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR     ?= $(PREFIX)/lib/systemd/system
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHAREDIR)/guests $(DESTDIR)$(KITDIR)/guest/lib \
		$(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/mica $(BUILD)/mica-cp $(DESTDIR)$(BINDIR)/
	install -m 0644 $(BUILD)/guests/shell.elf $(EXAMPLE_GUESTS) $(DESTDIR)$(SHAREDIR)/guests/
	cp -R include $(DESTDIR)$(KITDIR)/
	cp -R guest/include $(DESTDIR)$(KITDIR)/guest/
	install -m 0644 guest/lib/guest.ld $(LIBMICA) $(DESTDIR)$(KITDIR)/guest/lib/
	sed -e 's|@KITDIR@|$(KITDIR)|g' -e 's|@LIBMICA@|$(KITDIR)/guest/lib/libmica.a|g' \
		guest/mica-cc.in > $(DESTDIR)$(BINDIR)/mica-cc
	chmod 0755 $(DESTDIR)$(BINDIR)/mica-cc
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/*.md docs/api.yaml $(DESTDIR)$(DOCDIR)/docs/
	install -m 0644 $(BUILD)/man/mica.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 dist/mica.bash $(DESTDIR)$(BASHCOMPDIR)/mica
	sed -e 's|@BINDIR@|$(BINDIR)|g' dist/mica.service.in > $(DESTDIR)$(UNITDIR)/mica.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/mica.service

include guest/guest.mk
include guest/fvtest/fvtest.mk

# The in-guest supervisor (issue 10): freestanding C and asm, with mica's
# MMU check (src/pv/mmu_check.c) compiled in too, linked at its place in
# the hypervisor area and embedded in mica as bytes (src/pv/sv_blob.c).
SV_SRC    := $(sort $(wildcard $(SV_DIR)/*.S $(SV_DIR)/*.c)) src/pv/mmu_check.c
SV_OBJ    := $(patsubst %,$(BUILD)/sv/%.o,$(SV_SRC))
SV_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-stack-protector -fpie \
             -fno-plt -fvisibility=hidden -mno-red-zone -mgeneral-regs-only -fno-jump-tables \
             -fno-asynchronous-unwind-tables -fno-exceptions -Iinclude -Isrc
SV_BLOB_INC := $(BUILD)/gen/supervisor_blob.inc
$(BUILD)/sv/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(SV_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/sv/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(SV_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/sv/supervisor.elf: $(SV_OBJ) $(SV_DIR)/supervisor.ld
	$(GUEST_CC) -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
		-T $(SV_DIR)/supervisor.ld $(SV_OBJ) -o $@
$(SV_BLOB_INC): $(BUILD)/sv/supervisor.elf
	@mkdir -p $(dir $@)
	objcopy -O binary $< $(BUILD)/sv/supervisor.bin
	od -An -v -tx1 $(BUILD)/sv/supervisor.bin | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' > $@.tmp
	mv $@.tmp $@
$(BUILD)/rel/src/pv/sv_blob.c.o $(BUILD)/test/src/pv/sv_blob.c.o $(BUILD)/fuzz/obj/src/pv/sv_blob.c.o: $(SV_BLOB_INC)

test: $(BUILD)/test/mica guests $(UNIT_BIN) $(INTEG_BIN)
	MICA=$(BUILD)/test/mica GUESTS=$(BUILD)/guests tests/run-tests.sh tests/layers/check-layers.sh \
		tests/install/check-install.sh $(UNIT_BIN) $(INTEG_BIN)

# libFuzzer targets: every tests/fuzz/fuzz_*.c links the library objects,
# which are compiled once with clang's fuzzer instrumentation (not per target).
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS := $(CFLAGS_COMMON) -Wno-unused-command-line-argument -O1 -fsanitize=fuzzer-no-link,address,undefined
FUZZ_OBJ := $(patsubst %,$(BUILD)/fuzz/obj/%.o,$(LIB_SRC))
$(BUILD)/fuzz/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/fuzz/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/fuzz/obj/src/util/version.c.o: $(VERSION_H)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(CFLAGS_COMMON) -Itests -Wno-unused-command-line-argument -O1 -fsanitize=fuzzer,address,undefined $^ -o $@ $(HOST_LIBS)
fuzz: $(FUZZ_BIN)
	tests/fuzz/run-fuzzers.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

bench: all
	bench/run-all.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
