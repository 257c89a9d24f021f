# The guest kit: libmica (freestanding, no libc) and the guests built with it.
# Included by the top-level Makefile; users build their own guests with
# build/bin/mica-cc (guest/mica-cc.in), which uses the same flags.

GUEST_CC     ?= gcc
# Guests see only the kit's C library headers (guest/include/libc) and the
# compiler's own freestanding ones (stddef.h, stdint.h, stdarg.h, ...):
# never the host's libc, whose headers would compile and then not link.
GUEST_CC_INCLUDE := $(shell $(GUEST_CC) -print-file-name=include)
GUEST_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-stack-protector \
                -fno-pie -fno-pic -fno-asynchronous-unwind-tables -fno-exceptions \
                -mcmodel=small -march=x86-64 -nostdinc -isystem guest/include/libc \
                -isystem $(GUEST_CC_INCLUDE) -Iinclude -Iguest/include
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
                 -Wl,-z,max-page-size=4096 -T guest/lib/guest.ld

# libmica: the kit's core (guest/lib) and the PV device front ends
# (guest/pvio/<dev>/, mirroring the back ends in src/pvio/<dev>/).
GUEST_LIB_SRC := $(sort $(wildcard guest/lib/*.c guest/lib/*.S guest/pvio/*/*.c))
GUEST_LIB_OBJ := $(patsubst %,$(BUILD)/guest/%.o,$(GUEST_LIB_SRC))
LIBMICA       := $(BUILD)/guest/libmica.a

SHELL_SRC     := $(sort $(wildcard guest/shell/*.c))
TEST_GUESTS   := $(patsubst guest/tests/%.c,$(BUILD)/guests/%.elf,$(sort $(wildcard guest/tests/*.c)))
EXAMPLE_GUESTS:= $(patsubst guest/examples/%.c,$(BUILD)/guests/%.elf,$(sort $(wildcard guest/examples/*.c)))

guests: $(BUILD)/guests/shell.elf $(TEST_GUESTS) $(EXAMPLE_GUESTS) $(BUILD)/bin/mica-cc

$(BUILD)/guest/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/guest/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(LIBMICA): $(GUEST_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/guests/shell.elf: $(patsubst %,$(BUILD)/guest/%.o,$(SHELL_SRC)) $(LIBMICA) guest/lib/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) $(filter %.o,$^) $(LIBMICA) -lgcc -o $@
$(BUILD)/guests/%.elf: $(BUILD)/guest/guest/tests/%.c.o $(LIBMICA) guest/lib/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) $< $(LIBMICA) -lgcc -o $@
$(BUILD)/guests/%.elf: $(BUILD)/guest/guest/examples/%.c.o $(LIBMICA) guest/lib/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) $< $(LIBMICA) -lgcc -o $@

$(BUILD)/bin/mica-cc: guest/mica-cc.in
	@mkdir -p $(dir $@)
	sed -e 's|@KITDIR@|$(abspath .)|g' -e 's|@LIBMICA@|$(abspath $(LIBMICA))|g' $< > $@
	chmod +x $@
