/*
 * libgradient benchmark driver (C side). Built and run by bench/run.py:
 *
 *   gcc -O3 -fopenmp -ffp-contract=off -Iinclude bench/bench.c \
 *       -Ltarget/release -lgradient -Wl,-rpath,$PWD/target/release
 *
 * plus -mavx2 when the library's hot loops run with AVX2, and deliberately
 * WITHOUT -march=native, so the hand-written C loop gets the instruction set
 * the library uses.
 *
 * For one workload (--workload NAME, see `--list`) it times, at 1 thread and
 * at all cores, interleaved rep by rep:
 *   ours   gradient_f64 / gradient_f32 through the C ABI
 *   copy   the bandwidth ceiling: the input read once, every element stored
 *          into each of the k outputs (bytes read = input bytes, bytes
 *          written = k * input bytes, the least traffic any gradient can do),
 *          in four flavours: a plain -O3 copy loop, glibc memcpy in blocks,
 *          glibc memcpy of whole buffers, and a loop with non-temporal stores;
 *          for the stepped input also its samples gathered from their
 *          storage (every cache line of it read), stored the same way
 *   cloop  the obvious nested C loops with numpy's formulas, one pass per
 *          axis, OpenMP `parallel for` over the outer loop
 * and prints one JSON object per thread count on stdout. Before timing it
 * checks once that cloop and the library wrote the same bytes.
 * --out-offset BYTES puts the library's outputs that far past where the
 * input sits in its page (README, Performance: where the outputs sit).
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "gradient.h"

/* OpenMP only pays for itself above this many elements (the library uses
 * the same threshold, 1 << 16 output elements). */
#define OMP_MIN (1 << 16)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *msg) {
    fprintf(stderr, "bench: %s\n", msg);
    exit(2);
}

/* 2 MiB aligned, transparent huge pages requested (numpy does the same for
 * arrays of 4 MiB and more); pages are touched by the caller. */
static void *alloc_bytes(size_t bytes) {
    void *p = NULL;
    size_t align = (size_t)1 << 21;
    size_t rounded = (bytes + align - 1) / align * align;
    if (rounded == 0) rounded = align;
    if (posix_memalign(&p, align, rounded) != 0) die("out of memory");
    madvise(p, rounded, MADV_HUGEPAGE);
    return p;
}

/* --out-offset: the library's outputs start this many bytes further into
 * their pages than the input does (0: both on a 2 MiB boundary). */
static size_t out_offset = 0;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ------------------------------------------------------------------------ */
/* Workloads                                                                */
/* ------------------------------------------------------------------------ */

enum layout { C_ORDER, F_ORDER, STEPPED };

struct workload {
    const char *name;
    int f32;
    int ndim;
    size_t full[3], quick[3];
    enum layout layout;
    int edge;
    int nonuniform;
    int reps_full, reps_quick;
    const char *ref; /* workload whose library time is measured alongside, for a ratio */
};

static const struct workload WORKLOADS[] = {
    {"1d", 0, 1, {10000000}, {1000000}, C_ORDER, 1, 0, 15, 5, NULL},
    {"2d", 0, 2, {4096, 4096}, {1024, 1024}, C_ORDER, 1, 0, 11, 5, NULL},
    {"3d", 0, 3, {256, 256, 256}, {96, 96, 96}, C_ORDER, 1, 0, 11, 5, NULL},
    {"3d_edge2", 0, 3, {256, 256, 256}, {96, 96, 96}, C_ORDER, 2, 0, 11, 5, NULL},
    {"1d_nonuniform", 0, 1, {10000000}, {1000000}, C_ORDER, 1, 1, 11, 5, NULL},
    {"2d_nonuniform", 0, 2, {4096, 4096}, {1024, 1024}, C_ORDER, 1, 1, 11, 5, "2d"},
    {"2d_f32", 1, 2, {4096, 4096}, {1024, 1024}, C_ORDER, 1, 0, 11, 5, NULL},
    {"2d_transposed", 0, 2, {4096, 4096}, {1024, 1024}, F_ORDER, 1, 0, 11, 5, "2d"},
    {"2d_stepped", 0, 2, {4096, 4096}, {1024, 1024}, STEPPED, 1, 0, 11, 5, "2d"},
};
#define NWORK (sizeof WORKLOADS / sizeof WORKLOADS[0])

/* ------------------------------------------------------------------------ */
/* The bandwidth ceiling                                                    */
/* ------------------------------------------------------------------------ */

/* One pass: every input element is read once and stored into each output.
 * Kept a plain loop (no call to memcpy substituted by the compiler). */
__attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
static void copy_loop(const char *src, size_t bytes, char *const *dst, int k) {
    size_t n = bytes / 8; /* bytes is a multiple of 8 for every workload */
    const double *s = (const double *)src;
    if (k == 1) {
        double *restrict d0 = (double *)dst[0];
#pragma omp parallel for schedule(static) if (n >= OMP_MIN)
        for (size_t i = 0; i < n; i++) d0[i] = s[i];
    } else if (k == 2) {
        double *restrict d0 = (double *)dst[0], *restrict d1 = (double *)dst[1];
#pragma omp parallel for schedule(static) if (n >= OMP_MIN)
        for (size_t i = 0; i < n; i++) {
            double v = s[i];
            d0[i] = v;
            d1[i] = v;
        }
    } else if (k == 3) {
        double *restrict d0 = (double *)dst[0], *restrict d1 = (double *)dst[1], *restrict d2 = (double *)dst[2];
#pragma omp parallel for schedule(static) if (n >= OMP_MIN)
        for (size_t i = 0; i < n; i++) {
            double v = s[i];
            d0[i] = v;
            d1[i] = v;
            d2[i] = v;
        }
    } else {
        die("copy_loop: k > 3");
    }
}

/* glibc memcpy, in 16 KiB blocks so that the input is read from memory once
 * and from L1/L2 for the other outputs. */
#define COPY_BLOCK (16 * 1024)
__attribute__((noinline))
static void copy_memcpy(const char *src, size_t bytes, char *const *dst, int k) {
    size_t nb = (bytes + COPY_BLOCK - 1) / COPY_BLOCK;
#pragma omp parallel for schedule(static) if (bytes >= 8 * OMP_MIN)
    for (size_t b = 0; b < nb; b++) {
        size_t off = b * COPY_BLOCK, len = bytes - off < COPY_BLOCK ? bytes - off : COPY_BLOCK;
        for (int j = 0; j < k; j++) memcpy(dst[j] + off, src + off, len);
    }
}

/* glibc memcpy of whole buffers (each thread its share), once per output:
 * the plain `memcpy(out, in, bytes)` (which may use non-temporal stores for
 * large sizes); for k > 1 it reads the input k times. */
__attribute__((noinline))
static void copy_memcpy_whole(const char *src, size_t bytes, char *const *dst, int k) {
#pragma omp parallel if (bytes >= 8 * OMP_MIN)
    {
        size_t nt = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
        size_t share = bytes / nt / 64 * 64, off = t * share, len = t + 1 == nt ? bytes - off : share;
        for (int j = 0; j < k; j++) memcpy(dst[j] + off, src + off, len);
    }
}

/* One pass like copy_loop, with non-temporal stores: each output cache line
 * is written without being read from memory first (as the library writes
 * outputs of 32 MiB or more). Outputs are 2 MiB aligned. */
__attribute__((noinline))
static void copy_stream(const char *src, size_t bytes, char *const *dst, int k) {
#ifdef __AVX__
    enum { LANES = 4 };
#else
    enum { LANES = 2 };
#endif
    size_t n = bytes / (8 * LANES), done = n * 8 * LANES;
    const double *s = (const double *)src;
#pragma omp parallel if (n >= OMP_MIN / LANES)
    {
#pragma omp for schedule(static)
        for (size_t i = 0; i < n; i++) {
#ifdef __AVX__
            __m256d v = _mm256_loadu_pd(s + LANES * i);
            for (int j = 0; j < k; j++) _mm256_stream_pd((double *)dst[j] + LANES * i, v);
#else
            __m128d v = _mm_loadu_pd(s + LANES * i);
            for (int j = 0; j < k; j++) _mm_stream_pd((double *)dst[j] + LANES * i, v);
#endif
        }
        _mm_sfence();
    }
    for (int j = 0; j < k; j++) memcpy(dst[j] + done, src + done, bytes - done);
}

/* For the stepped input (every other float64 of its storage): each of its
 * n samples gathered from the storage, which reads every cache line of it
 * (twice the logical bytes), and stored into each output as copy_stream
 * does. The least traffic a gradient of that input can do; its time over
 * copy_stream's bounds the stepped / contiguous ratio from below. */
__attribute__((noinline))
static void copy_stepped_stream(const double *src, size_t n, char *const *dst, int k) {
#ifdef __AVX2__
    enum { LANES = 4 };
#else
    enum { LANES = 2 };
#endif
    size_t m = n / LANES;
#pragma omp parallel if (m >= OMP_MIN / LANES)
    {
#pragma omp for schedule(static)
        for (size_t i = 0; i < m; i++) {
            const double *s = src + 2 * LANES * i;
#ifdef __AVX2__
            __m256d v = _mm256_permute4x64_pd(_mm256_unpacklo_pd(_mm256_loadu_pd(s), _mm256_loadu_pd(s + 4)), 0xD8);
            for (int j = 0; j < k; j++) _mm256_stream_pd((double *)dst[j] + LANES * i, v);
#else
            __m128d v = _mm_unpacklo_pd(_mm_loadu_pd(s), _mm_loadu_pd(s + 2));
            for (int j = 0; j < k; j++) _mm_stream_pd((double *)dst[j] + LANES * i, v);
#endif
        }
        _mm_sfence();
    }
    for (size_t i = m * LANES; i < n; i++)
        for (int j = 0; j < k; j++) ((double *)dst[j])[i] = src[2 * i];
}

/* ------------------------------------------------------------------------ */
/* The straightforward C loops (numpy's formulas, one pass per axis)        */
/* ------------------------------------------------------------------------ */
/* Uniform spacing, generated for double and float. numpy's float32 rules
 * with a Python-float step: coefficients are computed in float64 and rounded
 * once to float32, the arithmetic is float32. Input strides in elements;
 * outputs C-contiguous. The always_inline helpers are called once with a
 * literal inner stride 1 so that the compiler vectorises the common case. */

#define DEFINE_UNIFORM(T, SFX)                                                                         \
    struct coef_##SFX {                                                                                \
        T d2, h, s0, s1, s2, e0, e1, e2;                                                               \
    };                                                                                                 \
    static struct coef_##SFX coefs_##SFX(double h) {                                                   \
        struct coef_##SFX c;                                                                           \
        c.d2 = (T)(2.0 * h);                                                                           \
        c.h = (T)h;                                                                                    \
        c.s0 = (T)(-1.5 / h);                                                                          \
        c.s1 = (T)(2.0 / h);                                                                           \
        c.s2 = (T)(-0.5 / h);                                                                          \
        c.e0 = (T)(0.5 / h);                                                                           \
        c.e1 = (T)(-2.0 / h);                                                                          \
        c.e2 = (T)(1.5 / h);                                                                           \
        return c;                                                                                      \
    }                                                                                                  \
    /* One lane along a strided axis: out[i*os] from f[i*fs], i < n. */                               \
    static inline __attribute__((always_inline)) void lane_##SFX(const T *restrict f, ptrdiff_t fs,   \
                                                                 T *restrict o, ptrdiff_t os,          \
                                                                 size_t n, struct coef_##SFX c,        \
                                                                 int edge) {                           \
        for (size_t i = 1; i + 1 < n; i++) o[i * os] = (f[(i + 1) * fs] - f[(i - 1) * fs]) / c.d2;      \
        if (edge == 1) {                                                                               \
            o[0] = (f[fs] - f[0]) / c.h;                                                               \
            o[(n - 1) * os] = (f[(n - 1) * fs] - f[(n - 2) * fs]) / c.h;                               \
        } else {                                                                                       \
            o[0] = ((c.s0 * f[0]) + (c.s1 * f[fs])) + (c.s2 * f[2 * fs]);                              \
            o[(n - 1) * os] =                                                                          \
                ((c.e0 * f[(n - 3) * fs]) + (c.e1 * f[(n - 2) * fs])) + (c.e2 * f[(n - 1) * fs]);      \
        }                                                                                              \
    }                                                                                                  \
    /* Row i of the gradient along the outer axis: a, b, (c) are rows of f. */                        \
    static inline __attribute__((always_inline)) void row_##SFX(                                       \
        const T *restrict f, ptrdiff_t rs, ptrdiff_t cs, size_t i, size_t n, size_t len,               \
        T *restrict o, struct coef_##SFX c, int edge) {                                                \
        if (i == 0) {                                                                                  \
            const T *a = f, *b = f + rs, *d = f + 2 * rs;                                              \
            if (edge == 1)                                                                             \
                for (size_t j = 0; j < len; j++) o[j] = (b[j * cs] - a[j * cs]) / c.h;                 \
            else                                                                                       \
                for (size_t j = 0; j < len; j++)                                                       \
                    o[j] = ((c.s0 * a[j * cs]) + (c.s1 * b[j * cs])) + (c.s2 * d[j * cs]);             \
        } else if (i == n - 1) {                                                                       \
            const T *a = f + (n - 3) * rs, *b = f + (n - 2) * rs, *d = f + (n - 1) * rs;               \
            if (edge == 1)                                                                             \
                for (size_t j = 0; j < len; j++) o[j] = (d[j * cs] - b[j * cs]) / c.h;                 \
            else                                                                                       \
                for (size_t j = 0; j < len; j++)                                                       \
                    o[j] = ((c.e0 * a[j * cs]) + (c.e1 * b[j * cs])) + (c.e2 * d[j * cs]);             \
        } else {                                                                                       \
            const T *p = f + (i - 1) * rs, *q = f + (i + 1) * rs;                                      \
            for (size_t j = 0; j < len; j++) o[j] = (q[j * cs] - p[j * cs]) / c.d2;                    \
        }                                                                                              \
    }                                                                                                  \
    /* 1-D */                                                                                          \
    static void cloop1_##SFX(const T *restrict f, size_t n, double h, int edge, T *restrict o) {       \
        struct coef_##SFX c = coefs_##SFX(h);                                                          \
        _Pragma("omp parallel for schedule(static) if (n >= OMP_MIN)")                                 \
        for (size_t i = 1; i < n - 1; i++) o[i] = (f[i + 1] - f[i - 1]) / c.d2;                        \
        if (edge == 1) {                                                                               \
            o[0] = (f[1] - f[0]) / c.h;                                                                \
            o[n - 1] = (f[n - 1] - f[n - 2]) / c.h;                                                    \
        } else {                                                                                       \
            o[0] = ((c.s0 * f[0]) + (c.s1 * f[1])) + (c.s2 * f[2]);                                    \
            o[n - 1] = ((c.e0 * f[n - 3]) + (c.e1 * f[n - 2])) + (c.e2 * f[n - 1]);                    \
        }                                                                                              \
    }                                                                                                  \
    /* 2-D, shape (R, C), input strides (rs, cs); both axes. */                                        \
    static inline __attribute__((always_inline)) void cloop2_body_##SFX(                               \
        const T *restrict f, size_t R, size_t C, ptrdiff_t rs, ptrdiff_t cs, double h0, double h1,     \
        int edge, T *restrict o0, T *restrict o1) {                                                    \
        struct coef_##SFX c0 = coefs_##SFX(h0), c1 = coefs_##SFX(h1);                                  \
        int par = R * C >= OMP_MIN;                                                                    \
        _Pragma("omp parallel for schedule(static) if (par)")                                          \
        for (size_t i = 0; i < R; i++) row_##SFX(f, rs, cs, i, R, C, o0 + i * C, c0, edge);            \
        _Pragma("omp parallel for schedule(static) if (par)")                                          \
        for (size_t i = 0; i < R; i++) lane_##SFX(f + i * rs, cs, o1 + i * C, 1, C, c1, edge);         \
    }                                                                                                  \
    static void cloop2_##SFX(const T *f, size_t R, size_t C, ptrdiff_t rs, ptrdiff_t cs, double h0,    \
                             double h1, int edge, T *o0, T *o1) {                                      \
        if (cs == 1)                                                                                   \
            cloop2_body_##SFX(f, R, C, rs, 1, h0, h1, edge, o0, o1);                                   \
        else                                                                                           \
            cloop2_body_##SFX(f, R, C, rs, cs, h0, h1, edge, o0, o1);                                  \
    }                                                                                                  \
    /* 3-D, C-contiguous, shape (A, B, C); all three axes. */                                          \
    static void cloop3_##SFX(const T *restrict f, size_t A, size_t B, size_t C, double h, int edge,    \
                             T *restrict o0, T *restrict o1, T *restrict o2) {                         \
        struct coef_##SFX c = coefs_##SFX(h);                                                          \
        size_t plane = B * C;                                                                          \
        int par = A * plane >= OMP_MIN;                                                                \
        _Pragma("omp parallel for schedule(static) if (par)")                                          \
        for (size_t i = 0; i < A; i++)                                                                 \
            for (size_t j = 0; j < B; j++)                                                             \
                row_##SFX(f + j * C, (ptrdiff_t)plane, 1, i, A, C, o0 + i * plane + j * C, c, edge);    \
        _Pragma("omp parallel for schedule(static) if (par)")                                          \
        for (size_t i = 0; i < A; i++)                                                                 \
            for (size_t j = 0; j < B; j++)                                                             \
                row_##SFX(f + i * plane, (ptrdiff_t)C, 1, j, B, C, o1 + i * plane + j * C, c, edge);    \
        _Pragma("omp parallel for schedule(static) if (par)")                                          \
        for (size_t i = 0; i < A; i++)                                                                 \
            for (size_t j = 0; j < B; j++)                                                             \
                lane_##SFX(f + i * plane + j * C, 1, o2 + i * plane + j * C, 1, C, c, edge);           \
    }

DEFINE_UNIFORM(double, f64)
DEFINE_UNIFORM(float, f32)

/* Non-uniform coordinates (float64, edge order 1), numpy's formulas: the
 * per-position coefficients are computed once per axis, then applied. */
struct nu_axis {
    size_t n;
    double *a, *b, *c; /* interior coefficients, index i = 1..n-2 */
    double d_first, d_last;
};

static void nu_coefs(const double *x, size_t n, struct nu_axis *ax) {
    ax->n = n;
    for (size_t i = 1; i + 1 < n; i++) {
        double p = x[i] - x[i - 1], q = x[i + 1] - x[i];
        ax->a[i] = (-q) / (p * (p + q));
        ax->b[i] = (q - p) / (p * q);
        ax->c[i] = p / (q * (p + q));
    }
    ax->d_first = x[1] - x[0];
    ax->d_last = x[n - 1] - x[n - 2];
}

/* One lane: each weight is used once, so it is computed where it is used. */
static void cloop1_nu(const double *restrict f, size_t n, const double *restrict x, double *restrict o) {
#pragma omp parallel for schedule(static) if (n >= OMP_MIN)
    for (size_t i = 1; i < n - 1; i++) {
        double p = x[i] - x[i - 1], q = x[i + 1] - x[i];
        o[i] = ((((-q) / (p * (p + q))) * f[i - 1]) + (((q - p) / (p * q)) * f[i])) + ((p / (q * (p + q))) * f[i + 1]);
    }
    o[0] = (f[1] - f[0]) / (x[1] - x[0]);
    o[n - 1] = (f[n - 1] - f[n - 2]) / (x[n - 1] - x[n - 2]);
}

static void cloop2_nu(const double *restrict f, size_t R, size_t C, const double *x0, const double *x1,
                      struct nu_axis *ax0, struct nu_axis *ax1, double *restrict o0, double *restrict o1) {
    nu_coefs(x0, R, ax0);
    nu_coefs(x1, C, ax1);
    int par = R * C >= OMP_MIN;
#pragma omp parallel for schedule(static) if (par)
    for (size_t i = 0; i < R; i++) {
        double *o = o0 + i * C;
        if (i == 0) {
            for (size_t j = 0; j < C; j++) o[j] = (f[C + j] - f[j]) / ax0->d_first;
        } else if (i == R - 1) {
            const double *p = f + (R - 2) * C, *q = f + (R - 1) * C;
            for (size_t j = 0; j < C; j++) o[j] = (q[j] - p[j]) / ax0->d_last;
        } else {
            const double *p = f + (i - 1) * C, *m = f + i * C, *q = f + (i + 1) * C;
            double a = ax0->a[i], b = ax0->b[i], c = ax0->c[i];
            for (size_t j = 0; j < C; j++) o[j] = ((a * p[j]) + (b * m[j])) + (c * q[j]);
        }
    }
    const double *a = ax1->a, *b = ax1->b, *c = ax1->c;
#pragma omp parallel for schedule(static) if (par)
    for (size_t i = 0; i < R; i++) {
        const double *r = f + i * C;
        double *o = o1 + i * C;
        for (size_t j = 1; j + 1 < C; j++) o[j] = ((a[j] * r[j - 1]) + (b[j] * r[j])) + (c[j] * r[j + 1]);
        o[0] = (r[1] - r[0]) / ax1->d_first;
        o[C - 1] = (r[C - 1] - r[C - 2]) / ax1->d_last;
    }
}

/* ------------------------------------------------------------------------ */
/* Running one workload                                                     */
/* ------------------------------------------------------------------------ */

struct run {
    const struct workload *w;
    size_t shape[3], n, esize;
    int k;
    void *in;                /* storage */
    ptrdiff_t strides[3];    /* in elements, logical axis order */
    ptrdiff_t out_strides[3];
    int has_out_strides;
    void *ours[3], *mine[3]; /* library outputs, C loop (and copy) outputs */
    double *coords[3];
    struct nu_axis nu[3];
    GradientAxis axes[3];
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double rnd(void) { /* xorshift64*, uniform in [-1, 1) */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ull) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static void setup(struct run *r, const struct workload *w, int quick) {
    memset(r, 0, sizeof *r);
    r->w = w;
    r->k = w->ndim;
    r->esize = w->f32 ? 4 : 8;
    r->n = 1;
    for (int d = 0; d < w->ndim; d++) {
        r->shape[d] = quick ? w->quick[d] : w->full[d];
        r->n *= r->shape[d];
    }
    size_t storage = r->n;
    if (w->layout == C_ORDER) {
        ptrdiff_t s = 1;
        for (int d = w->ndim - 1; d >= 0; d--) {
            r->strides[d] = s;
            s *= (ptrdiff_t)r->shape[d];
        }
    } else if (w->layout == F_ORDER) { /* column-major input and outputs */
        ptrdiff_t s = 1;
        for (int d = 0; d < w->ndim; d++) {
            r->strides[d] = s;
            r->out_strides[d] = s;
            s *= (ptrdiff_t)r->shape[d];
        }
        r->has_out_strides = 1;
    } else { /* every 2nd column of an (R, 2C) array; outputs C order */
        if (w->ndim != 2) die("stepped layout is 2-D only");
        storage = r->shape[0] * 2 * r->shape[1];
        r->strides[0] = (ptrdiff_t)(2 * r->shape[1]);
        r->strides[1] = 2;
    }
    r->in = alloc_bytes(storage * r->esize);
    for (size_t i = 0; i < storage; i++) {
        double v = rnd();
        if (w->f32)
            ((float *)r->in)[i] = (float)v;
        else
            ((double *)r->in)[i] = v;
    }
    for (int j = 0; j < r->k; j++) {
        r->ours[j] = (char *)alloc_bytes(r->n * r->esize + out_offset) + out_offset;
        r->mine[j] = alloc_bytes(r->n * r->esize);
    }
    for (int d = 0; d < w->ndim; d++) {
        r->axes[d].step = 1.0; /* numpy's default spacing: np.gradient(f) */
        r->axes[d].coords = NULL;
        r->axes[d].lower = GRADIENT_END_ONE_SIDED;
        r->axes[d].upper = GRADIENT_END_ONE_SIDED;
        if (w->nonuniform) {
            size_t n = r->shape[d];
            r->coords[d] = malloc(n * sizeof(double));
            double x = 0.0;
            for (size_t i = 0; i < n; i++) {
                r->coords[d][i] = x;
                x += 1.0 + 0.5 * rnd(); /* steps in [0.5, 1.5): not uniform */
            }
            r->axes[d].coords = r->coords[d];
            r->nu[d].a = malloc(n * sizeof(double));
            r->nu[d].b = malloc(n * sizeof(double));
            r->nu[d].c = malloc(n * sizeof(double));
        }
    }
}

static void run_ours(struct run *r) {
    const struct workload *w = r->w;
    uint64_t mask = (w->ndim == 64) ? ~0ull : ((1ull << w->ndim) - 1);
    GradientError err;
    GradientStatus st;
    const ptrdiff_t *os = r->has_out_strides ? r->out_strides : NULL;
    if (w->f32)
        st = gradient_f32((const float *)r->in, (size_t)w->ndim, r->shape, r->strides, r->axes, mask,
                          (uint32_t)w->edge, (float *const *)r->ours, os, &err);
    else
        st = gradient_f64((const double *)r->in, (size_t)w->ndim, r->shape, r->strides, r->axes, mask,
                          (uint32_t)w->edge, (double *const *)r->ours, os, &err);
    if (st != GRADIENT_OK) {
        fprintf(stderr, "bench: %s: %s\n", gradient_status_name(st), err.message);
        exit(2);
    }
}

static void run_cloop(struct run *r) {
    const struct workload *w = r->w;
    void **o = r->mine;
    if (w->nonuniform) {
        if (w->f32 || w->edge != 1 || w->layout != C_ORDER) die("non-uniform C loop: f64 C order, edge 1 only");
        if (w->ndim == 1) {
            cloop1_nu(r->in, r->n, r->coords[0], o[0]);
            return;
        }
        if (w->ndim != 2) die("non-uniform C loop: 1-D or 2-D only");
        cloop2_nu(r->in, r->shape[0], r->shape[1], r->coords[0], r->coords[1], &r->nu[0], &r->nu[1], o[0], o[1]);
        return;
    }
    if (w->ndim == 1) {
        if (w->f32)
            cloop1_f32(r->in, r->n, 1.0, w->edge, o[0]);
        else
            cloop1_f64(r->in, r->n, 1.0, w->edge, o[0]);
    } else if (w->ndim == 2) {
        size_t R = r->shape[0], C = r->shape[1];
        if (w->layout == F_ORDER) {
            /* Column-major data is the C-order array of the reversed shape:
             * the C loop runs over memory in order, axes swapped. */
            if (w->f32)
                cloop2_f32(r->in, C, R, (ptrdiff_t)R, 1, 1.0, 1.0, w->edge, o[1], o[0]);
            else
                cloop2_f64(r->in, C, R, (ptrdiff_t)R, 1, 1.0, 1.0, w->edge, o[1], o[0]);
        } else if (w->f32) {
            cloop2_f32(r->in, R, C, r->strides[0], r->strides[1], 1.0, 1.0, w->edge, o[0], o[1]);
        } else {
            cloop2_f64(r->in, R, C, r->strides[0], r->strides[1], 1.0, 1.0, w->edge, o[0], o[1]);
        }
    } else if (w->ndim == 3) {
        if (w->layout != C_ORDER) die("3-D C loop: C order only");
        if (w->f32)
            cloop3_f32(r->in, r->shape[0], r->shape[1], r->shape[2], 1.0, w->edge, o[0], o[1], o[2]);
        else
            cloop3_f64(r->in, r->shape[0], r->shape[1], r->shape[2], 1.0, w->edge, o[0], o[1], o[2]);
    }
}

/* The ceiling moves the logical bytes: n input elements read, k * n written
 * (for the stepped input, the first n elements of its storage). */
static void run_copy_loop(struct run *r) { copy_loop(r->in, r->n * r->esize, (char *const *)r->mine, r->k); }
static void run_copy_memcpy(struct run *r) { copy_memcpy(r->in, r->n * r->esize, (char *const *)r->mine, r->k); }
static void run_copy_whole(struct run *r) { copy_memcpy_whole(r->in, r->n * r->esize, (char *const *)r->mine, r->k); }
static void run_copy_stream(struct run *r) { copy_stream(r->in, r->n * r->esize, (char *const *)r->mine, r->k); }
static int copies_storage(const struct run *r) { return r->w->layout == STEPPED && r->esize == 8; }
static void run_copy_stepped(struct run *r) {
    if (copies_storage(r)) copy_stepped_stream(r->in, r->n, (char *const *)r->mine, r->k);
}

static void set_threads(int t) {
    gradient_set_threads((size_t)t);
    omp_set_num_threads(t);
}

/* 1 when all outputs are byte-equal, 0 otherwise (first difference to stderr). */
static int same_bytes(struct run *r) {
    for (int j = 0; j < r->k; j++) {
        if (memcmp(r->ours[j], r->mine[j], r->n * r->esize) != 0) {
            for (size_t i = 0; i < r->n; i++) {
                if (memcmp((char *)r->ours[j] + i * r->esize, (char *)r->mine[j] + i * r->esize, r->esize)) {
                    double a = r->esize == 4 ? ((float *)r->ours[j])[i] : ((double *)r->ours[j])[i];
                    double b = r->esize == 4 ? ((float *)r->mine[j])[i] : ((double *)r->mine[j])[i];
                    fprintf(stderr, "bench: %s: output %d differs at element %zu: library %.17g, C loop %.17g\n",
                            r->w->name, j, i, a, b);
                    break;
                }
            }
            return 0;
        }
    }
    return 1;
}

static void print_samples(const char *key, double *v, int n) {
    printf(", \"%s\": [", key);
    for (int i = 0; i < n; i++) printf("%s%.6f", i ? ", " : "", v[i] * 1e3);
    printf("]");
}

static const struct workload *find_workload(const char *name) {
    for (size_t i = 0; i < NWORK; i++)
        if (!strcmp(WORKLOADS[i].name, name)) return &WORKLOADS[i];
    return NULL;
}

static const char *LAYOUT_NAMES[] = {"C", "F", "stepped"};

static void bench_workload(const struct workload *w, int quick, int reps, int nproc) {
    struct run r, ref;
    setup(&r, w, quick);
    const struct workload *rw = w->ref ? find_workload(w->ref) : NULL;
    if (rw) {
        setup(&ref, rw, quick);
        set_threads(1);
        run_ours(&ref);
    }

    /* Warm-up at 1 thread: touches every output page; then the check. */
    set_threads(1);
    run_ours(&r);
    run_cloop(&r);
    int identical = same_bytes(&r);

    int counts[2] = {1, nproc};
    for (int c = 0; c < (nproc > 1 ? 2 : 1); c++) {
        int t = counts[c];
        set_threads(t);
        run_ours(&r); /* warm-up at this thread count (thread pools started) */
        run_cloop(&r);
        run_copy_loop(&r);
        run_copy_memcpy(&r);
        run_copy_whole(&r);
        run_copy_stream(&r);
        run_copy_stepped(&r);
        if (rw) run_ours(&ref);
        double *s[8];
        for (int v = 0; v < 8; v++) s[v] = malloc((size_t)reps * sizeof(double));
        for (int i = 0; i < reps; i++) { /* interleaved, so drift hits all alike */
            double t0 = now();
            run_ours(&r);
            double t1 = now();
            run_copy_loop(&r);
            double t2 = now();
            run_copy_memcpy(&r);
            double t3 = now();
            run_cloop(&r);
            double t4 = now();
            if (rw) run_ours(&ref);
            double t5 = now();
            run_copy_whole(&r);
            double t6 = now();
            run_copy_stream(&r);
            double t7 = now();
            run_copy_stepped(&r);
            s[7][i] = now() - t7;
            s[6][i] = t7 - t6;
            s[4][i] = t5 - t4;
            s[5][i] = t6 - t5;
            s[0][i] = t1 - t0;
            s[1][i] = t2 - t1;
            s[2][i] = t3 - t2;
            s[3][i] = t4 - t3;
        }
        printf("{\"kind\": \"workload\", \"workload\": \"%s\", \"threads\": %d, \"lib_threads\": %zu, "
               "\"omp_threads\": %d, \"dtype\": \"%s\", \"shape\": [",
               w->name, t, gradient_threads(), omp_get_max_threads(), w->f32 ? "float32" : "float64");
        for (int d = 0; d < w->ndim; d++) printf("%s%zu", d ? ", " : "", r.shape[d]);
        printf("], \"layout\": \"%s\", \"spacing\": \"%s\", \"strides\": [", LAYOUT_NAMES[w->layout],
               w->nonuniform ? "coordinates" : "uniform");
        for (int d = 0; d < w->ndim; d++) printf("%s%td", d ? ", " : "", r.strides[d]);
        printf("], \"edge_order\": %d, \"outputs\": %d, \"bytes_read\": %zu, \"bytes_written\": %zu, "
               "\"identical\": %s, \"reps\": %d",
               w->edge, r.k, r.n * r.esize, (size_t)r.k * r.n * r.esize, identical ? "true" : "false", reps);
        print_samples("ours_ms_samples", s[0], reps);
        print_samples("copy_loop_ms_samples", s[1], reps);
        print_samples("copy_memcpy_ms_samples", s[2], reps);
        print_samples("cloop_ms_samples", s[3], reps);
        print_samples("copy_whole_ms_samples", s[5], reps);
        printf(", \"copy_whole_ms\": %.6f", median(s[5], reps) * 1e3);
        print_samples("copy_stream_ms_samples", s[6], reps);
        printf(", \"copy_stream_ms\": %.6f", median(s[6], reps) * 1e3);
        if (copies_storage(&r)) {
            print_samples("copy_stepped_ms_samples", s[7], reps);
            printf(", \"copy_stepped_ms\": %.6f", median(s[7], reps) * 1e3);
        }
        if (rw) {
            print_samples("ref_ours_ms_samples", s[4], reps);
            printf(", \"ref_workload\": \"%s\", \"ref_ours_ms\": %.6f", rw->name, median(s[4], reps) * 1e3);
        }
        printf(", \"ours_ms\": %.6f, \"copy_loop_ms\": %.6f, \"copy_memcpy_ms\": %.6f, \"cloop_ms\": %.6f}\n",
               median(s[0], reps) * 1e3, median(s[1], reps) * 1e3, median(s[2], reps) * 1e3,
               median(s[3], reps) * 1e3);
        fflush(stdout);
        for (int v = 0; v < 8; v++) free(s[v]);
    }
}

/* Many calls on a 100-element 1-D float64 array: time per call. */
static volatile double sink, small_step = 1.0; /* volatile: no constant folding of the step */
__attribute__((noinline)) static void small_cloop(const double *restrict f, size_t n, double *restrict o) {
    double h = small_step, d2 = 2.0 * h;
    for (size_t i = 1; i + 1 < n; i++) o[i] = (f[i + 1] - f[i - 1]) / d2;
    o[0] = (f[1] - f[0]) / h;
    o[n - 1] = (f[n - 1] - f[n - 2]) / h;
}

static void bench_small(int quick, int reps, int nproc) {
    enum { N = 100 };
    size_t n = N;
    double f[N], o1[N], o2[N];
    for (size_t i = 0; i < n; i++) f[i] = rnd();
    double *outs[1] = {o1};
    long calls = quick ? 20000 : 200000;
    GradientAxis ax = {1.0, NULL, GRADIENT_END_ONE_SIDED, GRADIENT_END_ONE_SIDED};
    gradient_f64(f, 1, &n, NULL, &ax, 1, 1, outs, NULL, NULL);
    small_cloop(f, n, o2);
    int identical = memcmp(o1, o2, sizeof o1) == 0;
    /* One untimed round of each loop first: the first timed one measured
     * up to 1.3x the time of the same calls right after it (AMD EPYC
     * Zen 4 VM), which put the 1-thread figure below the 2-thread one. */
    for (long k = 0; k < calls; k++) {
        gradient_f64(f, 1, &n, NULL, &ax, 1, 1, outs, NULL, NULL);
        memcpy(o2, f, sizeof f);
        small_cloop(f, n, o2);
        __asm__ volatile("" ::: "memory");
    }
    int counts[2] = {1, nproc};
    for (int c = 0; c < (nproc > 1 ? 2 : 1); c++) {
        int t = counts[c];
        set_threads(t);
        double *s[3];
        for (int v = 0; v < 3; v++) s[v] = malloc((size_t)reps * sizeof(double));
        for (int i = 0; i < reps; i++) {
            double t0 = now();
            for (long k = 0; k < calls; k++) {
                gradient_f64(f, 1, &n, NULL, &ax, 1, 1, outs, NULL, NULL);
                __asm__ volatile("" ::: "memory");
            }
            double t1 = now();
            for (long k = 0; k < calls; k++) {
                memcpy(o2, f, sizeof f);
                __asm__ volatile("" ::: "memory");
            }
            double t2 = now();
            for (long k = 0; k < calls; k++) {
                small_cloop(f, n, o2);
                __asm__ volatile("" ::: "memory");
            }
            double t3 = now();
            s[0][i] = (t1 - t0) / (double)calls;
            s[1][i] = (t2 - t1) / (double)calls;
            s[2][i] = (t3 - t2) / (double)calls;
        }
        sink = o1[1] + o2[1];
        printf("{\"kind\": \"small\", \"workload\": \"small100\", \"threads\": %d, \"lib_threads\": %zu, "
               "\"n\": %zu, \"calls_per_rep\": %ld, \"reps\": %d, \"identical\": %s, "
               "\"ours_us\": %.6f, \"copy_us\": %.6f, \"cloop_us\": %.6f}\n",
               t, gradient_threads(), n, calls, reps, identical ? "true" : "false", median(s[0], reps) * 1e6,
               median(s[1], reps) * 1e6, median(s[2], reps) * 1e6);
        fflush(stdout);
        for (int v = 0; v < 3; v++) free(s[v]);
    }
}

int main(int argc, char **argv) {
    int quick = 0, reps = 0, nproc = (int)sysconf(_SC_NPROCESSORS_ONLN);
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            nproc = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--workload") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--out-offset") && i + 1 < argc)
            out_offset = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--list")) {
            for (size_t w = 0; w < NWORK; w++) printf("%s\n", WORKLOADS[w].name);
            printf("small100\n");
            return 0;
        } else {
            fprintf(stderr, "usage: %s [--quick] [--reps N] [--threads N] [--workload NAME] [--out-offset BYTES] [--list]\n", argv[0]);
            return 2;
        }
    }
    if (nproc < 1) nproc = 1;
    if (out_offset % 8) die("--out-offset: a multiple of 8 bytes, so that every element type stays aligned");
    printf("{\"kind\": \"meta\", \"library_version\": \"%s\", \"header_version\": \"%s\", \"nproc\": %d, "
           "\"default_lib_threads\": %zu, \"instruction_set\": \"%s\", \"compiler\": \"gcc %s\", \"quick\": %s}\n",
           gradient_version(), GRADIENT_VERSION_STRING, nproc, gradient_threads(), gradient_instruction_set(),
           __VERSION__, quick ? "true" : "false");
    int found = 0;
    for (size_t w = 0; w < NWORK; w++) {
        if (only && strcmp(only, WORKLOADS[w].name)) continue;
        found = 1;
        const struct workload *wl = &WORKLOADS[w];
        bench_workload(wl, quick, reps ? reps : (quick ? wl->reps_quick : wl->reps_full), nproc);
    }
    if (!only || !strcmp(only, "small100")) {
        found = 1;
        bench_small(quick, reps ? reps : (quick ? 5 : 9), nproc);
    }
    if (!found) die("unknown workload (see --list)");
    return 0;
}
