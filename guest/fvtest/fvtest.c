/*
 * fvtest: mica's own test kernel for full virtualization. Booted through
 * the same Linux boot path as a vmlinux, it checks what a kernel relies on
 * and prints one "fvtest: ..." line per milestone on the UART:
 * boot_params (command line, e820), int3 and stac/clac (which pvm hosts
 * cannot emulate and mica completes), the CMOS clock, a PIT interrupt via
 * the in-kernel 8259, the virtio-mmio devices named on the command line,
 * sector I/O on virtio-blk, bytes from virtio-rng, a line through
 * virtio-console, a line of serial input (fvtest.echo=ttyS0 or hvc0) echoed
 * back, and a reset via the i8042. Every instruction runs emulated (~1 us) on pvm hosts: no loops
 * over memory, nothing that is not needed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- port and MMIO access ---------------------------------------------- */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t mr32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline void mw32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
#define barrier() __asm__ volatile("" ::: "memory")

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

/* ---- console: straight to THR; mica's UART transmitter is always empty -- */
static void putc_(char c) { outb(0x3f8, (uint8_t)c); }
static void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}
static void putdec(uint64_t v)
{
    char b[21];
    int i = 20;
    b[i] = 0;
    do
        b[--i] = (char)('0' + v % 10);
    while (v /= 10);
    puts_(b + i);
}
static void puthex(uint64_t v)
{
    puts_("0x");
    int shift = 60;
    while (shift > 0 && !(v >> shift))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        putc_("0123456789abcdef"[(v >> shift) & 15]);
}
static void puthex2(uint8_t v)
{
    putc_("0123456789abcdef"[v >> 4]);
    putc_("0123456789abcdef"[v & 15]);
}

static void reset(void)
{
    puts_("fvtest: resetting via i8042\n");
    outb(0x64, 0xfe);
    for (;;)
        __asm__ volatile("cli; hlt");
}

static void fail(const char *what)
{
    puts_("fvtest: FAIL: ");
    puts_(what);
    putc_('\n');
    reset();
}

void fvtest_fault(unsigned vector, uint64_t word)
{
    puts_("fvtest: FAIL: unexpected exception ");
    putdec(vector);
    puts_(" (top of stack ");
    puthex(word);
    puts_(")\n");
    reset();
}

/* ---- command line ------------------------------------------------------- */
static const char *cmdline;

static bool starts(const char *s, const char *p)
{
    while (*p)
        if (*s++ != *p++)
            return false;
    return true;
}

/* The value of the first "key" token (key includes '='), or NULL; `from`
 * continues a search after a previous match. */
static const char *param(const char *key, const char *from)
{
    const char *s = from ? from : cmdline;
    for (; *s; s++)
        if ((s == cmdline || s[-1] == ' ') && starts(s, key)) {
            const char *v = s;
            while (*key++)
                v++;
            return v;
        }
    return NULL;
}

static uint64_t parse_num(const char **sp)
{
    const char *s = *sp;
    uint64_t v = 0;
    if (s[0] == '0' && s[1] == 'x') {
        for (s += 2;; s++) {
            unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0')
                         : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10) : 16;
            if (d == 16)
                break;
            v = v * 16 + d;
        }
    } else {
        for (; *s >= '0' && *s <= '9'; s++)
            v = v * 10 + (uint64_t)(*s - '0');
    }
    *sp = s;
    return v;
}

/* ---- boot_params -------------------------------------------------------- */
#define BP_E820_ENTRIES 0x1e8
#define BP_CMD_LINE_PTR 0x228
#define BP_E820_TABLE   0x2d0

struct e820 {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

static void check_boot_params(const uint8_t *bp)
{
    uint32_t ptr = *(const uint32_t *)(bp + BP_CMD_LINE_PTR);
    if (!ptr)
        fail("boot_params: no command line");
    cmdline = (const char *)(uintptr_t)ptr;
    puts_("fvtest: cmdline: ");
    puts_(cmdline);
    putc_('\n');
    unsigned n = bp[BP_E820_ENTRIES];
    if (n < 2 || n > 128)
        fail("boot_params: implausible e820 entry count");
    const struct e820 *e = (const struct e820 *)(bp + BP_E820_TABLE);
    uint64_t ram = 0;
    bool himem = false;
    for (unsigned i = 0; i < n; i++) {
        puts_("fvtest: e820: ");
        puthex(e[i].addr);
        putc_('-');
        puthex(e[i].addr + e[i].size - 1);
        puts_(e[i].type == 1 ? " usable\n" : " reserved\n");
        if (e[i].type == 1) {
            ram += e[i].size;
            himem |= e[i].addr <= 0x100000 && e[i].addr + e[i].size > 0x400000;
        }
    }
    if (!himem)
        fail("e820: no usable RAM at 1 MiB");
    puts_("fvtest: boot_params ok: ");
    putdec(n);
    puts_(" e820 entries, ");
    putdec(ram >> 20);
    puts_(" MiB usable\n");
}

/* ---- interrupts --------------------------------------------------------- */
struct idt_gate {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
};
static struct idt_gate idt[256] __attribute__((aligned(16)));
volatile uint64_t bp_rip;
volatile uint32_t bp_count, timer_ticks, virtio_irqs, ud_count;
extern char isr_bp[], isr_timer[], isr_serial[], isr_virtio[], isr_ud[], isr_gp[], isr_pf[], isr_df[];

static void set_gate(unsigned v, void *h)
{
    uint64_t a = (uint64_t)(uintptr_t)h;
    idt[v] = (struct idt_gate){(uint16_t)a, 0x10, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0};
}

static void setup_idt(void)
{
    set_gate(3, isr_bp);
    set_gate(6, isr_ud);
    set_gate(8, isr_df);
    set_gate(13, isr_gp);
    set_gate(14, isr_pf);
    set_gate(0x20, isr_timer);
    set_gate(0x24, isr_serial);
    set_gate(0x25, isr_virtio);
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" ::"m"(d));
}

static void check_int3(void)
{
    extern char after_int3[];
    __asm__ volatile("int3\n.globl after_int3\nafter_int3:" ::: "memory");
    if (bp_count != 1)
        fail("int3: the #BP handler did not run");
    if (bp_rip != (uint64_t)(uintptr_t)after_int3)
        fail("int3: the #BP frame's RIP is not the next instruction");
    puts_("fvtest: int3 ok: #BP handler ran, return RIP is the next instruction\n");
}

static uint64_t rflags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}

static void check_stac_clac(void)
{
    __asm__ volatile(".byte 0x0f, 0x01, 0xcb" ::: "memory"); /* stac */
    uint64_t set = rflags();
    __asm__ volatile(".byte 0x0f, 0x01, 0xca" ::: "memory"); /* clac */
    uint64_t clear = rflags();
    if (ud_count == 2) {
        puts_("fvtest: stac/clac: #UD, this CPU has no SMAP\n");
        return;
    }
    if (!(set & (1u << 18)) || (clear & (1u << 18)))
        fail("stac/clac: RFLAGS.AC did not follow");
    puts_("fvtest: stac/clac ok: AC set, then cleared\n");
}

/* Remaps the 8259 to vectors 0x20-0x2f, unmasks IRQ 0 and IRQ 5, and runs
 * the PIT's channel 0 at 1 kHz: Linux's own first timer. */
static void check_timer(void)
{
    static const uint8_t icw[] = {0x11, 0x20, 0x04, 0x01};
    outb(0x20, icw[0]);
    outb(0x21, icw[1]);
    outb(0x21, icw[2]);
    outb(0x21, icw[3]);
    outb(0x21, 0xde); /* IRQ 0 and 5 */
    outb(0x43, 0x34);  /* channel 0, lo/hi, mode 2 */
    outb(0x40, 0xa9);  /* 1193 = 1 kHz */
    outb(0x40, 0x04);
    while (timer_ticks < 3)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    outb(0x43, 0x30); /* one-shot, never reloaded: no more ticks */
    outb(0x40, 0);
    outb(0x40, 0);
    puts_("fvtest: timer ok: 3 PIT interrupts (IRQ 0 via the 8259 and LINT0)\n");
}

static unsigned bcd(uint8_t v) { return (v >> 4) * 10 + (v & 15); }

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static void print_rtc(void)
{
    while (cmos(0x0a) & 0x80) /* update in progress */
        ;
    unsigned y = bcd(cmos(0x09)), mo = bcd(cmos(0x08)), d = bcd(cmos(0x07));
    unsigned h = bcd(cmos(0x04)), mi = bcd(cmos(0x02)), s = bcd(cmos(0x00)), c = bcd(cmos(0x32));
    puts_("fvtest: rtc: ");
    putdec(c * 100 + y);
    unsigned v[5] = {mo, d, h, mi, s};
    const char sep[5] = {'-', '-', ' ', ':', ':'};
    for (int i = 0; i < 5; i++) {
        putc_(sep[i]);
        putc_((char)('0' + v[i] / 10));
        putc_((char)('0' + v[i] % 10));
    }
    puts_(" UTC\n");
}

/* ---- virtio-mmio ---------------------------------------------------------- */
enum {
    R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE = 0x008, R_VENDOR = 0x00c, R_DFEAT = 0x010,
    R_DFEATSEL = 0x014, R_GFEAT = 0x020, R_GFEATSEL = 0x024, R_QSEL = 0x030, R_QMAX = 0x034,
    R_QNUM = 0x038, R_QREADY = 0x044, R_NOTIFY = 0x050, R_ISR = 0x060, R_ACK = 0x064,
    R_STATUS = 0x070, R_QDESC = 0x080, R_QDRIVER = 0x090, R_QDEVICE = 0x0a0, R_CONFIG = 0x100,
};
#define QSIZE 4
#define VIRTQ_F_NEXT 1
#define VIRTQ_F_WRITE 2

struct vq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vq {
    uint64_t base, irq;
    uint32_t index; /* queue number: what QueueNotify is written */
    struct vq_desc desc[QSIZE] __attribute__((aligned(4096)));
    struct { uint16_t flags, idx, ring[QSIZE], used_event; } avail __attribute__((aligned(4096)));
    struct { uint16_t flags, idx; struct { uint32_t id, len; } ring[QSIZE]; uint16_t avail_event; } used __attribute__((aligned(4096)));
    uint16_t last_used;
};
static struct vq vqs[4];
static unsigned nvq;

static void queue_setup(struct vq *q, uint32_t index)
{
    uint64_t b = q->base;
    q->index = index;
    mw32(b + R_QSEL, index);
    mw32(b + R_QNUM, QSIZE);
    uint64_t a[3] = {(uint64_t)(uintptr_t)q->desc, (uint64_t)(uintptr_t)&q->avail, (uint64_t)(uintptr_t)&q->used};
    for (int i = 0; i < 3; i++) {
        mw32(b + R_QDESC + 0x10 * (unsigned)i, (uint32_t)a[i]);
        mw32(b + R_QDESC + 0x10 * (unsigned)i + 4, (uint32_t)(a[i] >> 32));
    }
    mw32(b + R_QREADY, 1);
}

/* Queue 0 on q, and queue 1 on q1 when the device has two (console). */
static bool virtio_setup(struct vq *q, struct vq *q1)
{
    uint64_t b = q->base;
    mw32(b + R_STATUS, 0);
    mw32(b + R_STATUS, 1 | 2); /* ACKNOWLEDGE | DRIVER */
    mw32(b + R_DFEATSEL, 1);
    if (!(mr32(b + R_DFEAT) & 1))
        return false; /* no VIRTIO_F_VERSION_1 */
    mw32(b + R_GFEATSEL, 1);
    mw32(b + R_GFEAT, 1);
    mw32(b + R_STATUS, 1 | 2 | 8); /* FEATURES_OK */
    if (!(mr32(b + R_STATUS) & 8))
        return false;
    mw32(b + R_QSEL, 0);
    if (mr32(b + R_QMAX) < QSIZE)
        return false;
    queue_setup(q, 0);
    if (q1) {
        q1->base = b;
        queue_setup(q1, 1);
    }
    mw32(b + R_STATUS, 1 | 2 | 8 | 4); /* DRIVER_OK */
    return true;
}

/* Posts the chain at descriptor 0 (n descriptors, already filled), kicks
 * (an ioeventfd: no exit to mica) and waits for the device to use it. */
static uint32_t virtq_run(struct vq *q, unsigned n)
{
    for (unsigned i = 0; i + 1 < n; i++) {
        q->desc[i].flags |= VIRTQ_F_NEXT;
        q->desc[i].next = (uint16_t)(i + 1);
    }
    q->avail.ring[q->avail.idx % QSIZE] = 0;
    barrier();
    q->avail.idx++;
    barrier();
    mw32(q->base + R_NOTIFY, q->index);
    while (*(volatile uint16_t *)&q->used.idx == q->last_used)
        __asm__ volatile("sti; pause; cli" ::: "memory"); /* let the irqfd's IRQ in */
    barrier();
    return q->used.ring[q->last_used++ % QSIZE].len;
}

static const char *device_name(uint32_t id)
{
    return id == 2 ? "virtio-blk" : id == 4 ? "virtio-rng" : id == 3 ? "virtio-console" : "unknown";
}

static void probe_virtio(void)
{
    const char *v = NULL;
    while ((v = param("virtio_mmio.device=", v)) && nvq < 4) {
        const char *s = v;
        parse_num(&s); /* size */
        while (*s && *s != '@')
            s++;
        if (!*s++)
            fail("virtio_mmio.device: no @base");
        uint64_t base = parse_num(&s);
        uint64_t irq = *s == ':' ? (s++, parse_num(&s)) : 0;
        if (mr32(base + R_MAGIC) != 0x74726976 || mr32(base + R_VERSION) != 2)
            fail("virtio-mmio: bad magic or version");
        uint32_t id = mr32(base + R_DEVICE), vendor = mr32(base + R_VENDOR);
        puts_("fvtest: virtio-mmio at ");
        puthex(base);
        puts_(" irq ");
        putdec(irq);
        puts_(": ");
        puts_(device_name(id));
        puts_(", vendor ");
        for (int i = 0; i < 4; i++)
            putc_((char)(vendor >> (8 * i)));
        putc_('\n');
        vqs[nvq].irq = irq;
        vqs[nvq++].base = base;
    }
}

/* ---- virtio-blk ---------------------------------------------------------- */
struct blk_req { uint32_t type, reserved; uint64_t sector; };
static struct blk_req breq;
static uint8_t bdata[512] __attribute__((aligned(512)));
static volatile uint8_t bstatus;

static uint8_t blk_io(struct vq *q, uint32_t type, uint64_t sector)
{
    breq.type = type;
    breq.sector = sector;
    bstatus = 0xff;
    q->desc[0] = (struct vq_desc){(uint64_t)(uintptr_t)&breq, sizeof breq, 0, 0};
    q->desc[1] = (struct vq_desc){(uint64_t)(uintptr_t)bdata, 512, type == 0 ? VIRTQ_F_WRITE : 0, 0};
    q->desc[2] = (struct vq_desc){(uint64_t)(uintptr_t)&bstatus, 1, VIRTQ_F_WRITE, 0};
    virtq_run(q, 3);
    return bstatus;
}

static void blk_bench(struct vq *q)
{
    const char *p = param("fvtest.blkbench=", NULL);
    if (!p)
        return;
    uint64_t n = parse_num(&p);
    puts_("fvtest: blkbench: start\n");
    for (uint64_t i = 0; i < n; i++)
        if (blk_io(q, 0, 0) != 0)
            fail("blkbench: read failed");
    puts_("fvtest: blkbench: ");
    putdec(n);
    puts_(" requests done\n");
}

static void test_blk(struct vq *q)
{
    if (!virtio_setup(q, NULL))
        fail("virtio-blk: setup refused");
    uint64_t cap = mr32(q->base + R_CONFIG) | (uint64_t)mr32(q->base + R_CONFIG + 4) << 32;
    mw32(q->base + R_DFEATSEL, 0);
    bool ro = mr32(q->base + R_DFEAT) & (1u << 5);
    if (blk_io(q, 0, 0) != 0)
        fail("virtio-blk: read of sector 0 failed");
    puts_("fvtest: virtio-blk: ");
    putdec(cap);
    puts_(ro ? " sectors, read-only, sector 0 says \"" : " sectors, sector 0 says \"");
    for (int i = 0; i < 16 && bdata[i] >= ' ' && bdata[i] < 127; i++)
        putc_((char)bdata[i]);
    puts_("\"\n");
    /* The completion's interrupt went out on an irqfd: it is delivered now
     * or pending in the 8259 until interrupts are on. */
    while (virtio_irqs == 0)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    uint32_t isr = mr32(q->base + R_ISR);
    mw32(q->base + R_ACK, isr);
    puts_("fvtest: virtio-blk: completion interrupt received (IRQ ");
    putdec(q->irq);
    puts_(" via irqfd), interrupt status ");
    putdec(isr);
    putc_('\n');
    static const char msg[] = "written by fvtest through virtio-blk";
    memcpy(bdata, msg, sizeof msg);
    bdata[511] = 0xa5;
    uint8_t st = blk_io(q, 1, 1);
    if (ro) {
        if (st == 0)
            fail("virtio-blk: write to a read-only disk succeeded");
        puts_("fvtest: virtio-blk: write refused on a read-only disk (status ");
        putdec(st);
        puts_(")\n");
    } else {
        if (st != 0)
            fail("virtio-blk: write of sector 1 failed");
        memset(bdata, 0, sizeof msg);
        bdata[511] = 0;
        if (blk_io(q, 0, 1) != 0 || bdata[0] != 'w' || bdata[35] != 'k' || bdata[511] != 0xa5)
            fail("virtio-blk: sector 1 did not read back");
        puts_("fvtest: virtio-blk: wrote sector 1 and read it back ok\n");
    }
    blk_bench(q);
    puts_("fvtest: virtio-blk ok: ");
    putdec(q->last_used);
    puts_(" requests, ");
    putdec(virtio_irqs);
    puts_(" interrupts\n");
}

/* ---- virtio-rng ---------------------------------------------------------- */
static uint8_t rbuf[16];

static void test_rng(struct vq *q)
{
    if (!virtio_setup(q, NULL))
        fail("virtio-rng: setup refused");
    q->desc[0] = (struct vq_desc){(uint64_t)(uintptr_t)rbuf, sizeof rbuf, VIRTQ_F_WRITE, 0};
    uint32_t got = virtq_run(q, 1);
    unsigned nonzero = 0;
    puts_("fvtest: virtio-rng: ");
    putdec(got);
    puts_(" bytes:");
    for (unsigned i = 0; i < got && i < sizeof rbuf; i++) {
        putc_(' ');
        puthex2(rbuf[i]);
        nonzero += rbuf[i] != 0;
    }
    putc_('\n');
    if (got == 0 || nonzero == 0)
        fail("virtio-rng: no random bytes");
    puts_("fvtest: virtio-rng ok\n");
}

/* ---- virtio-console (hvc0) ----------------------------------------------- */
static struct vq con_tx;
static char cbuf[128];

static void con_write(const char *s)
{
    unsigned n = 0;
    while (n < sizeof cbuf && s[n])
        n++;
    memcpy(cbuf, s, n);
    con_tx.desc[0] = (struct vq_desc){(uint64_t)(uintptr_t)cbuf, n, 0, 0};
    virtq_run(&con_tx, 1);
}

/* Reads one line into line[] through the receive queue: a buffer at a time
 * until a newline (the device fills a buffer with what input it has). */
static unsigned con_read_line(struct vq *rx, char *line, unsigned cap)
{
    unsigned len = 0;
    while (len + 1 < cap && (len == 0 || line[len - 1] != '\n')) {
        rx->desc[0] = (struct vq_desc){(uint64_t)(uintptr_t)(line + len), cap - 1 - len, VIRTQ_F_WRITE, 0};
        len += virtq_run(rx, 1);
    }
    line[len] = 0;
    return len;
}

static void test_console(struct vq *rx)
{
    if (!virtio_setup(rx, &con_tx))
        fail("virtio-console: setup refused");
    con_write("fvtest: virtio-console: hello through the transmit queue\n");
    puts_("fvtest: virtio-console ok: wrote through the transmit queue\n");
    if (!param("fvtest.echo=hvc0", NULL))
        return;
    static char line[64];
    con_read_line(rx, line, sizeof line);
    con_write("fvtest: hvc0 input: ");
    con_write(line);
}

/* ---- serial input (ttyS0), interrupt-driven as Linux's 8250 driver -------- */
volatile uint32_t serial_irqs;

static void echo_serial(void)
{
    if (!param("fvtest.echo=ttyS0", NULL))
        return;
    outb(0x3f9, 0x01);  /* IER: received data available */
    outb(0x3fc, 0x0b);  /* MCR: DTR, RTS, OUT2 (gates the IRQ line) */
    outb(0x21, 0xce);   /* 8259: IRQ 4 as well as 0 and 5 */
    /* fvtest.busy: poll instead of halting, so the vCPU keeps running (a
     * paused machine then shows that pausing stops it). */
    bool busy = param("fvtest.busy", NULL) != NULL;
    char line[64];
    unsigned len = 0;
    while (len + 1 < sizeof line && (len == 0 || line[len - 1] != '\n')) {
        if (!(inb(0x3fd) & 1)) { /* LSR: no data ready, wait for the IRQ */
            if (busy)
                __asm__ volatile("sti; nop; cli" ::: "memory");
            else
                __asm__ volatile("sti; hlt; cli" ::: "memory");
            continue;
        }
        line[len++] = (char)inb(0x3f8);
    }
    line[len] = 0;
    /* Halting, only the receive interrupt can wake us. Polling (busy), the
     * loop may read every byte before the one-instruction sti window lets
     * the interrupt in, so no count is required there. */
    if (!serial_irqs && !busy)
        fail("serial input: no receive interrupt");
    puts_("fvtest: ttyS0 input (");
    putdec(serial_irqs);
    puts_(" receive interrupts): ");
    puts_(line);
}

static void test_virtio(void)
{
    probe_virtio();
    for (unsigned i = 0; i < nvq; i++) {
        uint32_t id = mr32(vqs[i].base + R_DEVICE);
        if (id == 2)
            test_blk(&vqs[i]);
        else if (id == 4)
            test_rng(&vqs[i]);
        else if (id == 3)
            test_console(&vqs[i]);
    }
}

/* An instruction the host's emulator refuses, for mica's crash report. */
static void maybe_bad_instruction(void)
{
    if (!param("fvtest.bad=popcnt", NULL))
        return;
    puts_("fvtest: executing popcnt\n");
    uint64_t x = 0xff;
    __asm__ volatile("popcnt %0, %0" : "+r"(x));
    puts_("fvtest: popcnt executed natively: ");
    putdec(x);
    putc_('\n');
}

void fvtest_main(const uint8_t *boot_params)
{
    puts_("fvtest: hello from mica's test kernel\n");
    check_boot_params(boot_params);
    setup_idt();
    check_int3();
    check_stac_clac();
    print_rtc();
    check_timer();
    test_virtio();
    echo_serial();
    maybe_bad_instruction();
    puts_("fvtest: all checks passed\n");
    reset();
}
