/* Synthetic kernels for the boot tests and fuzzers: minimal ELF64 vmlinux
 * images, bzImages wrapping a payload, and payloads in each compression. */
#ifndef MICA_TESTS_BOOT_FIXTURES_H
#define MICA_TESTS_BOOT_FIXTURES_H

#include <asm/bootparam.h>
#include <bzlib.h>
#include <elf.h>
#include <lz4.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

struct fx_seg { uint64_t paddr, vaddr, filesz, memsz; uint8_t fill; };

/* ELF with the given PT_LOAD segments, data filled with seg.fill. */
static inline uint8_t *fx_elf(const struct fx_seg *segs, unsigned n, uint64_t entry, size_t *len)
{
    size_t off = sizeof(Elf64_Ehdr) + n * sizeof(Elf64_Phdr);
    size_t total = off;
    for (unsigned i = 0; i < n; i++)
        total += segs[i].filesz;
    uint8_t *b = calloc(1, total);
    Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
                      .e_entry = entry, .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
                      .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = (uint16_t)n };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    memcpy(b, &eh, sizeof(eh));
    for (unsigned i = 0; i < n; i++) {
        Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = off,
                          .p_vaddr = segs[i].vaddr, .p_paddr = segs[i].paddr,
                          .p_filesz = segs[i].filesz, .p_memsz = segs[i].memsz, .p_align = 4096 };
        memcpy(b + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
        memset(b + off, segs[i].fill, segs[i].filesz);
        off += segs[i].filesz;
    }
    *len = total;
    return b;
}

/* A typical kernel: text at 16 MiB (virtual 0xffffffff81000000), bss after. */
static inline uint8_t *fx_vmlinux(size_t *len)
{
    struct fx_seg s[2] = {
        { 0x1000000, 0xffffffff81000000ull, 0x3000, 0x3000, 0xcc },
        { 0x1003000, 0xffffffff81003000ull, 0x1000, 0x5000, 0x11 },
    };
    return fx_elf(s, 2, 0x1000000, len);
}

/* bzImage with `setup_sects` sectors of setup and the payload right after
 * the protected-mode start (payload_offset 0x40 into it). */
static inline uint8_t *fx_bzimage(const uint8_t *payload, size_t plen, uint16_t version,
                                  uint8_t setup_sects, size_t *len)
{
    size_t setup = ((size_t)(setup_sects ? setup_sects : 4) + 1) * 512;
    size_t total = setup + 0x40 + plen;
    uint8_t *b = calloc(1, total);
    struct setup_header h = { 0 };
    h.setup_sects = setup_sects;
    h.boot_flag = 0xaa55;
    h.jump = (uint16_t)(0xeb | (0x66 << 8)); /* header runs to 0x268 */
    h.header = 0x53726448;
    h.version = version;
    h.loadflags = LOADED_HIGH;
    h.initrd_addr_max = 0x7fffffff;
    h.kernel_alignment = 0x200000;
    h.relocatable_kernel = 1;
    h.xloadflags = XLF_KERNEL_64;
    h.cmdline_size = 2047;
    h.payload_offset = 0x40;
    h.payload_length = (uint32_t)plen;
    h.pref_address = 0x1000000;
    h.init_size = 0x800000;
    memcpy(b + 0x1f1, &h, sizeof(h));
    memcpy(b + setup + 0x40, payload, plen);
    *len = total;
    return b;
}

static inline uint8_t *fx_gzip(const uint8_t *in, size_t len, size_t *out_len)
{
    z_stream z = { 0 };
    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, len) + 4;
    uint8_t *o = malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = o;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    memcpy(o + *out_len, &(uint32_t){ (uint32_t)len }, 4); /* as the kernel build appends */
    *out_len += 4;
    return o;
}

static inline uint8_t *fx_xz(const uint8_t *in, size_t len, size_t *out_len, int alone)
{
    size_t cap = len + len / 2 + 4096;
    uint8_t *o = malloc(cap);
    lzma_stream s = LZMA_STREAM_INIT;
    if (alone) {
        lzma_options_lzma opt;
        lzma_lzma_preset(&opt, 6);
        if (lzma_alone_encoder(&s, &opt) != LZMA_OK)
            abort();
    } else if (lzma_easy_encoder(&s, 6, LZMA_CHECK_CRC32) != LZMA_OK) {
        abort();
    }
    s.next_in = in;
    s.avail_in = len;
    s.next_out = o;
    s.avail_out = cap;
    while (lzma_code(&s, LZMA_FINISH) == LZMA_OK)
        ;
    *out_len = s.total_out;
    lzma_end(&s);
    return o;
}

static inline uint8_t *fx_zstd(const uint8_t *in, size_t len, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(len) + 4;
    uint8_t *o = malloc(cap);
    *out_len = ZSTD_compress(o, cap, in, len, 3);
    memcpy(o + *out_len, &(uint32_t){ (uint32_t)len }, 4);
    *out_len += 4;
    return o;
}

static inline uint8_t *fx_bzip2(const uint8_t *in, size_t len, size_t *out_len)
{
    unsigned cap = (unsigned)(len + len / 100 + 600);
    uint8_t *o = malloc(cap);
    BZ2_bzBuffToBuffCompress((char *)o, &cap, (char *)in, (unsigned)len, 9, 0, 0);
    *out_len = cap;
    return o;
}

/* LZ4 legacy frame: magic, then 8 MiB blocks with 32-bit sizes, then the
 * 32-bit uncompressed size (as the kernel build appends). */
static inline uint8_t *fx_lz4(const uint8_t *in, size_t len, size_t *out_len)
{
    const size_t blk = 8u << 20;
    size_t cap = 8 + (len / blk + 1) * (4 + (size_t)LZ4_compressBound((int)blk));
    uint8_t *o = malloc(cap);
    uint32_t magic = 0x184c2102;
    memcpy(o, &magic, 4);
    size_t pos = 4;
    for (size_t i = 0; i < len; i += blk) {
        int n = (int)(len - i < blk ? len - i : blk);
        int c = LZ4_compress_default((const char *)in + i, (char *)o + pos + 4, n, LZ4_compressBound(n));
        memcpy(o + pos, &(uint32_t){ (uint32_t)c }, 4);
        pos += 4 + (size_t)c;
    }
    memcpy(o + pos, &(uint32_t){ (uint32_t)len }, 4);
    *out_len = pos + 4;
    return o;
}

#endif
