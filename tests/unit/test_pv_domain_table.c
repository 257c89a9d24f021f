/* The domain table: ids allocated, looked up, freed, bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pv/domain.h"
#include "pv/domain_table.h"

static struct pv_domain *fake(uintptr_t n) { return (struct pv_domain *)(n * 16); }

static void ids_are_allocated_looked_up_and_freed(void **state)
{
    (void)state;
    static struct pv_domain_table t = PV_DOMAIN_TABLE_INIT;
    uint64_t a = pv_domain_table_add(&t, fake(1)), b = pv_domain_table_add(&t, fake(2));
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    assert_ptr_equal(pv_domain_table_get(&t, a), fake(1));
    assert_ptr_equal(pv_domain_table_get(&t, b), fake(2));
    pv_domain_table_remove(&t, a);
    assert_null(pv_domain_table_get(&t, a));
    assert_ptr_equal(pv_domain_table_get(&t, b), fake(2));
    /* A freed id is not handed out again at once. */
    assert_int_equal(pv_domain_table_add(&t, fake(3)), 3);
    assert_null(pv_domain_table_get(&t, 0));
    assert_null(pv_domain_table_get(&t, PV_DOMAINS_MAX + 1));
    assert_null(pv_domain_table_get(&t, UINT64_MAX));
    pv_domain_table_remove(&t, 0);                  /* no-ops */
    pv_domain_table_remove(&t, PV_DOMAINS_MAX + 7);
}

static void the_table_is_bounded(void **state)
{
    (void)state;
    static struct pv_domain_table t = PV_DOMAIN_TABLE_INIT;
    for (uintptr_t i = 1; i <= PV_DOMAINS_MAX; i++)
        assert_int_equal(pv_domain_table_add(&t, fake(i)), i);
    assert_int_equal(pv_domain_table_add(&t, fake(999)), 0); /* full */
    pv_domain_table_remove(&t, 17);
    assert_int_equal(pv_domain_table_add(&t, fake(1000)), 17); /* the one free id */
    assert_ptr_equal(pv_domain_table_get(&t, 17), fake(1000));
}

/* Domains take their ids from the process's table and give them back. */
static void domains_register_in_the_process_table(void **state)
{
    (void)state;
    struct pv_domain *a, *b;
    char err[256];
    assert_int_equal(pv_domain_alloc(&a, "a", err, sizeof err), 0);
    assert_int_equal(pv_domain_alloc(&b, "b", err, sizeof err), 0);
    assert_int_not_equal(a->id, b->id);
    assert_ptr_equal(pv_domain_table_get(&pv_domains, a->id), a);
    assert_ptr_equal(pv_domain_table_get(&pv_domains, b->id), b);
    uint64_t id = a->id;
    pv_domain_destroy(a);
    assert_null(pv_domain_table_get(&pv_domains, id));
    pv_domain_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ids_are_allocated_looked_up_and_freed),
        cmocka_unit_test(the_table_is_bounded),
        cmocka_unit_test(domains_register_in_the_process_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
