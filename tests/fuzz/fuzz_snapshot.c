/* libFuzzer: hostile snapshot files. The first byte picks how the rest is
 * used: as a whole file for the reader (header, CPU profile, section table,
 * checksums), or as the bytes of one section of an otherwise valid PV
 * snapshot (with a valid checksum, so every state loader — domain pages,
 * page tables, event channels, grants, vCPU, console — sees them). A
 * restore either builds a whole domain or refuses with one line; it never
 * crashes, and a refused one leaves no domain behind. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../support/pv_testbed.h"
#include "snap/pv_snap.h"
#include "snap/snap_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pv_domain *model;
static int model_fd = -1;
static struct snap_reader model_reader;

static void once(void)
{
    if (model)
        return;
    char err[256];
    model = testbed_domain(2);
    memcpy(model->ram.host + 0x100000, "guest", 5);
    model_fd = memfd_create("model", 0);
    if (pv_snap_save(model, model_fd, "model", err, sizeof err) < 0 ||
        snap_reader_open(&model_reader, model_fd, "model", err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
}

/* The model snapshot with section `which` replaced by data. */
static void write_with(int fd, unsigned which, const uint8_t *data, size_t size)
{
    struct snap_writer w;
    char err[256];
    snap_writer_init(&w, fd);
    for (unsigned i = 0; i < model_reader.n; i++) {
        const struct snap_section *s = &model_reader.sec[i];
        if (snap_type_is_memory(s->type))
            snap_writer_add_memory(&w, s->type, s->instance, model->ram.host, model->ram.size);
        else if (i == which % model_reader.n)
            snap_writer_add(&w, s->type, s->instance, data, size);
        else
            snap_writer_add(&w, s->type, s->instance, snap_data(&model_reader, s), s->length);
    }
    (void)snap_writer_finish(&w, "fuzz", err, sizeof err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    once();
    int fd = memfd_create("fuzz", 0);
    if (fd < 0)
        return 0;
    if (data[0] & 0x80)
        (void)!write(fd, data + 1, size - 1);
    else
        write_with(fd, data[0], data + 1, size - 1);
    struct pv_snap_restore opt = {.name = "fuzzed", .host_only = true,
                                  .map_ram = data[0] & 0x40, .console_sink = testbed_sink};
    struct pv_domain *d = NULL;
    char err[256];
    if (pv_snap_restore(&d, fd, "fuzz", &opt, err, sizeof err) == 0)
        pv_domain_destroy(d);
    close(fd);
    return 0;
}
