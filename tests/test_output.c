/* test_output.c - output.c: the fast %g formatter writes exactly what
 * printf writes, for chosen edge cases and for a million random doubles
 * of every magnitude; JSON strings are escaped. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void same_as_printf(double x, int prec)
{
    char want[64], got[64];
    snprintf(want, sizeof want, "%.*g", prec, x);
    size_t n = cli_format_g(got, x, prec);
    cr_assert_eq(n, strlen(got));
    cr_assert_str_eq(got, want, "%%.%dg of %a: got %s, printf writes %s", prec, x, got, want);
}

Test(output, format_g_matches_printf_on_edge_cases)
{
    static const double cases[] = {
        0.0, -0.0, 1.0, -1.0, 0.5, 0.25, 0.125, 1e-5, 1e-4, 9.99999e-5, 9.999995e-5,
        0.0001, 0.00012345678901234567, 123456, 999999.5, 999999.4, 1e6, 1e16, 1e17,
        1.5, 2.5, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 1.46e-07, 0.777806, 4.47945e-05,
        0.14165183469941411, -0.17635067108955904, 123.456, 1e21, 1e22, 1e-300, 5e-324,
        1.7976931348623157e308, 2.2250738585072014e-308, 0.95, 0.05, 0.9999995, 9.5, 99.5,
        (double)INFINITY, -(double)INFINITY, (double)NAN,
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int prec = 1; prec <= 17; prec++) {
            same_as_printf(cases[i], prec);
            same_as_printf(-cases[i], prec);
        }
}

Test(output, format_g_matches_printf_on_random_doubles)
{
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 1000000; i++) {
        /* xorshift: random bit patterns cover every exponent; a scaled
         * uniform covers the magnitudes scores and weights take */
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        double x;
        if (i % 2) {
            memcpy(&x, &state, sizeof x);
        } else {
            x = (double)(state >> 11) * 0x1p-53 * pow(10.0, (double)(int)(state % 24) - 12);
        }
        same_as_printf(x, 17);
        same_as_printf(x, 6);
        same_as_printf(x, 1 + (int)(state % 17));
    }
}

Test(output, json_strings_are_escaped)
{
    cli_out o = {0};
    out_json_string(&o, "say \"hi\"\\\n\t\x01 ok");
    cr_assert_str_eq(o.data, "\"say \\\"hi\\\"\\\\\\n\\t\\u0001 ok\"");
    out_release(&o);
}
