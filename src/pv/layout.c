#include "pv/layout.h"

#define GIB (1ull << 30)
#define TWO_MIB (2ull << 20)

static uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) / to * to; }

void pv_layout_init(struct pv_layout *l, uint64_t ram_bytes)
{
    l->ram_bytes = ram_bytes;
    /* Twice the RAM, so a guest can alias or move every frame it owns. */
    l->window_bytes = round_up(2 * ram_bytes, GIB);
    l->user_pds = l->window_bytes / GIB;
    l->user_pts = l->window_bytes / TWO_MIB;
    l->first_user_pt = PV_PG_USER_PD + l->user_pds;
    l->hv_pages = l->first_user_pt + l->user_pts;
    l->hv_bytes = round_up(l->hv_pages * PV_PAGE, TWO_MIB);
}
