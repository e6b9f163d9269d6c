/*
 * A tiny test harness for libgradient's C tests.
 *
 * CHECK* macros count passes and failures and print file:line with the
 * expected and actual values (%.17g) on failure; they never abort, so one run
 * reports every failure. Floating-point comparisons are bit for bit (memcmp),
 * signed zeros included, except that a NaN matches any NaN, as numpy itself
 * pins neither NaN sign nor payload.
 *
 *   int main(void) { RUN(test_something); ...; return check_summary(); }
 *
 * check_summary() prints "N passed, N failed" and returns nonzero on failure.
 */
#ifndef GRADIENT_TEST_CHECK_H
#define GRADIENT_TEST_CHECK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradient.h"

static int check_passed;
static int check_failed;
static const char *check_current_test = "";

#define RUN(test)                     \
    do {                              \
        check_current_test = #test;   \
        test();                       \
    } while (0)

static inline void check_result(int ok, const char *file, int line) {
    if (ok) {
        check_passed++;
    } else {
        check_failed++;
        fprintf(stderr, "%s:%d: in %s: check failed\n", file, line, check_current_test);
    }
}

static inline int check_summary(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}

/* ---- plain conditions, integers, strings -------------------------------- */

#define CHECK(cond)                                                           \
    do {                                                                      \
        int check_ok_ = (cond) ? 1 : 0;                                       \
        check_result(check_ok_, __FILE__, __LINE__);                          \
        if (!check_ok_) fprintf(stderr, "  expected true: %s\n", #cond);      \
    } while (0)

#define CHECK_INT(actual, expected)                                           \
    do {                                                                      \
        long long check_a_ = (long long)(actual);                             \
        long long check_e_ = (long long)(expected);                           \
        check_result(check_a_ == check_e_, __FILE__, __LINE__);               \
        if (check_a_ != check_e_)                                             \
            fprintf(stderr, "  %s: expected %lld (%s), got %lld\n", #actual,  \
                    check_e_, #expected, check_a_);                           \
    } while (0)

/* A status, printed by name. */
#define CHECK_STATUS(actual, expected)                                        \
    do {                                                                      \
        int check_a_ = (int)(actual);                                         \
        int check_e_ = (int)(expected);                                       \
        check_result(check_a_ == check_e_, __FILE__, __LINE__);               \
        if (check_a_ != check_e_)                                             \
            fprintf(stderr, "  %s: expected %s, got %s\n", #actual,           \
                    gradient_status_name(check_e_),                           \
                    gradient_status_name(check_a_));                          \
    } while (0)

#define CHECK_STR(actual, expected)                                           \
    do {                                                                      \
        const char *check_a_ = (actual);                                      \
        const char *check_e_ = (expected);                                    \
        int check_ok_ = check_a_ != NULL && strcmp(check_a_, check_e_) == 0;  \
        check_result(check_ok_, __FILE__, __LINE__);                          \
        if (!check_ok_)                                                       \
            fprintf(stderr, "  %s: expected \"%s\", got \"%s\"\n", #actual,   \
                    check_e_, check_a_ ? check_a_ : "(null)");                \
    } while (0)

#define CHECK_CONTAINS(haystack, needle)                                      \
    do {                                                                      \
        const char *check_h_ = (haystack);                                    \
        const char *check_n_ = (needle);                                      \
        int check_ok_ = check_h_ != NULL && strstr(check_h_, check_n_) != NULL; \
        check_result(check_ok_, __FILE__, __LINE__);                          \
        if (!check_ok_)                                                       \
            fprintf(stderr, "  %s: \"%s\" does not contain \"%s\"\n",         \
                    #haystack, check_h_ ? check_h_ : "(null)", check_n_);     \
    } while (0)

/* ---- floating point, bit for bit ------------------------------------------ */

static inline int same_f64(double a, double b) {
    if (a != a && b != b) return 1; /* any NaN matches any NaN */
    return memcmp(&a, &b, sizeof a) == 0;
}

static inline int same_f32(float a, float b) {
    if (a != a && b != b) return 1;
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Reports at most this many mismatching elements per array. */
#define CHECK_MAX_REPORTED 8

/* Array comparisons: one check each; on failure the location, then up to
 * CHECK_MAX_REPORTED differing elements, then how many differ. */
#define CHECK_DEFINE_ARRAY(name, type, same, report)                                              \
    static inline void name(const char *file, int line, const char *what, const type *actual,     \
                            const type *expected, size_t n) {                                     \
        size_t bad = 0, shown = 0, i;                                                             \
        for (i = 0; i < n; i++)                                                                   \
            if (!same(actual[i], expected[i])) bad++;                                             \
        check_result(bad == 0, file, line);                                                       \
        for (i = 0; i < n && shown < CHECK_MAX_REPORTED && bad; i++)                              \
            if (!same(actual[i], expected[i])) {                                                  \
                report(what, i, actual[i], expected[i]);                                          \
                shown++;                                                                          \
            }                                                                                     \
        if (bad > shown) fprintf(stderr, "  %s: %zu of %zu elements differ\n", what, bad, n);     \
    }

static inline int same_c128(GradientComplex128 a, GradientComplex128 b) {
    return same_f64(a.re, b.re) && same_f64(a.im, b.im);
}

static inline int same_c64(GradientComplex64 a, GradientComplex64 b) {
    return same_f32(a.re, b.re) && same_f32(a.im, b.im);
}

static inline void report_f64(const char *what, size_t i, double a, double e) {
    fprintf(stderr, "  %s[%zu]: expected %.17g, got %.17g\n", what, i, e, a);
}

static inline void report_f32(const char *what, size_t i, float a, float e) {
    fprintf(stderr, "  %s[%zu]: expected %.9g, got %.9g\n", what, i, (double)e, (double)a);
}

static inline void report_c128(const char *what, size_t i, GradientComplex128 a, GradientComplex128 e) {
    fprintf(stderr, "  %s[%zu]: expected (%.17g, %.17g), got (%.17g, %.17g)\n", what, i, e.re, e.im, a.re, a.im);
}

static inline void report_c64(const char *what, size_t i, GradientComplex64 a, GradientComplex64 e) {
    fprintf(stderr, "  %s[%zu]: expected (%.9g, %.9g), got (%.9g, %.9g)\n", what, i, (double)e.re,
            (double)e.im, (double)a.re, (double)a.im);
}

CHECK_DEFINE_ARRAY(check_f64_array, double, same_f64, report_f64)
CHECK_DEFINE_ARRAY(check_f32_array, float, same_f32, report_f32)
CHECK_DEFINE_ARRAY(check_c128_array, GradientComplex128, same_c128, report_c128)
CHECK_DEFINE_ARRAY(check_c64_array, GradientComplex64, same_c64, report_c64)

#define CHECK_F64(actual, expected) check_f64_array(__FILE__, __LINE__, #actual, &(actual), &(expected), 1)
#define CHECK_F64_ARRAY(actual, expected, n) check_f64_array(__FILE__, __LINE__, #actual, (actual), (expected), (n))
#define CHECK_F32_ARRAY(actual, expected, n) check_f32_array(__FILE__, __LINE__, #actual, (actual), (expected), (n))
#define CHECK_C128_ARRAY(actual, expected, n) check_c128_array(__FILE__, __LINE__, #actual, (actual), (expected), (n))
#define CHECK_C64_ARRAY(actual, expected, n) check_c64_array(__FILE__, __LINE__, #actual, (actual), (expected), (n))

/* |actual - expected| <= rel * |expected| (for the documented tolerances only). */
#define CHECK_NEAR_REL(actual, expected, rel)                                 \
    do {                                                                      \
        double check_a_ = (actual), check_e_ = (expected);                    \
        int check_ok_ = fabs(check_a_ - check_e_) <= (rel) * fabs(check_e_);  \
        check_result(check_ok_, __FILE__, __LINE__);                          \
        if (!check_ok_)                                                       \
            fprintf(stderr, "  %s: expected %.17g within %g relative, got %.17g\n", \
                    #actual, check_e_, (double)(rel), check_a_);              \
    } while (0)

/* ---- strided arrays ------------------------------------------------------ */

/* Offset, in elements, of the element at C-order position `flat` of an array
 * of `shape` laid out with `strides`. */
static inline ptrdiff_t check_strided_offset(size_t flat, size_t ndim, const size_t *shape,
                                             const ptrdiff_t *strides) {
    ptrdiff_t off = 0;
    size_t k = ndim;
    while (k-- > 0) {
        off += (ptrdiff_t)(flat % shape[k]) * strides[k];
        flat /= shape[k];
    }
    return off;
}

static inline size_t check_count(size_t ndim, const size_t *shape) {
    size_t n = 1, k;
    for (k = 0; k < ndim; k++) n *= shape[k];
    return n;
}

/* Gathers a strided array (first element at `origin`) into C order. */
#define CHECK_DEFINE_GATHER(name, type)                                                      \
    static inline void name(type *dst, const type *origin, size_t ndim, const size_t *shape, \
                            const ptrdiff_t *strides) {                                      \
        size_t i, n = check_count(ndim, shape);                                              \
        for (i = 0; i < n; i++) dst[i] = origin[check_strided_offset(i, ndim, shape, strides)]; \
    }
CHECK_DEFINE_GATHER(gather_f64, double)
CHECK_DEFINE_GATHER(gather_f32, float)
CHECK_DEFINE_GATHER(gather_c128, GradientComplex128)
CHECK_DEFINE_GATHER(gather_c64, GradientComplex64)

/* ---- sentinels: "no output byte was written" ------------------------------ */

#define CHECK_SENTINEL_BYTE 0xA5

static inline void fill_sentinel(void *p, size_t bytes) { memset(p, CHECK_SENTINEL_BYTE, bytes); }

static inline int is_sentinel(const void *p, size_t bytes) {
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < bytes; i++)
        if (b[i] != CHECK_SENTINEL_BYTE) return 0;
    return 1;
}

#define CHECK_UNTOUCHED(p, bytes)                                             \
    do {                                                                      \
        int check_ok_ = is_sentinel((p), (bytes));                            \
        check_result(check_ok_, __FILE__, __LINE__);                          \
        if (!check_ok_) fprintf(stderr, "  %s: output bytes were written\n", #p); \
    } while (0)

/* ---- building calls --------------------------------------------------------- */

static inline GradientAxis axis_step(double step) {
    GradientAxis a;
    a.step = step;
    a.coords = NULL;
    a.lower = GRADIENT_END_ONE_SIDED;
    a.upper = GRADIENT_END_ONE_SIDED;
    return a;
}

static inline GradientAxis axis_coords(const double *coords) {
    GradientAxis a = axis_step(1.0);
    a.coords = coords;
    return a;
}

/* A GradientError with every byte set, to see that the call fills it in. */
static inline GradientError error_blank(void) {
    GradientError e;
    memset(&e, 0x5A, sizeof e);
    return e;
}

/* Checks a call's status and, on success, that the error is clear. */
#define CHECK_OK(call_status, err)                                            \
    do {                                                                      \
        int check_s_ = (int)(call_status);                                    \
        CHECK_STATUS(check_s_, GRADIENT_OK);                                  \
        if (check_s_ != GRADIENT_OK) fprintf(stderr, "  message: %s\n", (err).message); \
    } while (0)

#endif /* GRADIENT_TEST_CHECK_H */
