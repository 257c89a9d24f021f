# fvtest: mica's own test kernel for full virtualization (a static ELF that
# mica boots like a vmlinux). Included by the top-level Makefile.

FVTEST_CFLAGS := -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-stack-protector \
                 -fno-pie -fno-pic -fno-asynchronous-unwind-tables -mno-red-zone \
                 -mgeneral-regs-only -mcmodel=small -march=x86-64 -fno-builtin -fcf-protection=none
FVTEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack \
                  -Wl,-z,max-page-size=4096 -T guest/fvtest/fvtest.ld
FVTEST := $(BUILD)/guests/fvtest.elf

$(FVTEST): guest/fvtest/entry.S guest/fvtest/fvtest.c guest/fvtest/fvtest.ld guest/fvtest/fvtest.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(FVTEST_CFLAGS) $(FVTEST_LDFLAGS) guest/fvtest/entry.S guest/fvtest/fvtest.c -o $@

guests: $(FVTEST)
