/*
 * Arrays large enough for the library's blocked kernels and thread pool
 * (122880 and 200003 elements), at 1, 2 and 3 threads and the default.
 * The input is rebuilt here exactly as gen_expected.py's lcg_field() makes it;
 * numpy's outputs are known by a 64-bit hash of their bits (bits_hash()) and a
 * few sampled values. Results must not depend on the thread count.
 */
#include "check.h"
#include "expected.h"

#define NX 64
#define NY 48
#define NZ 40
#define N (NX * NY * NZ)

/* gen_expected.py: lcg_field() */
static void lcg_field(double *f, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        uint64_t v = ((uint64_t)i * UINT64_C(2654435761)) % UINT64_C(4294967296);
        f[i] = (double)v / 65536.0 - 32768.0;
    }
}

static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * L_HASH_K2;
    z = (z ^ (z >> 27)) * L_HASH_K3;
    return z ^ (z >> 31);
}

/* gen_expected.py: bits_hash(), over a C-order array */
static uint64_t hash_f64(const double *a, size_t n) {
    uint64_t h = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        uint64_t b;
        if (a[i] != a[i]) {
            b = UINT64_C(0x7FF8000000000000);
        } else {
            memcpy(&b, &a[i], sizeof b);
        }
        h += mix(b ^ ((uint64_t)i * L_HASH_K1));
    }
    return h;
}

static uint64_t hash_f32(const float *a, size_t n) {
    uint64_t h = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        uint32_t b;
        if (a[i] != a[i]) {
            b = UINT32_C(0x7FC00000);
        } else {
            memcpy(&b, &a[i], sizeof b);
        }
        h += mix((uint64_t)b ^ ((uint64_t)i * L_HASH_K1));
    }
    return h;
}

#define CHECK_HASH(actual, expected)                                                        \
    do {                                                                                    \
        uint64_t check_a_ = (actual), check_e_ = (expected);                                \
        check_result(check_a_ == check_e_, __FILE__, __LINE__);                             \
        if (check_a_ != check_e_)                                                           \
            fprintf(stderr, "  %s: numpy's hash %016llx, got %016llx\n", #actual,           \
                    (unsigned long long)check_e_, (unsigned long long)check_a_);            \
    } while (0)

static void check_samples_f64(int line, const char *what, const double *a, const double *expected) {
    double got[L_NSAMPLES];
    size_t k;
    for (k = 0; k < L_NSAMPLES; k++) got[k] = a[L_SAMPLES[k]];
    check_f64_array(__FILE__, line, what, got, expected, L_NSAMPLES);
}

static void check_samples_f32(int line, const char *what, const float *a, const float *expected) {
    float got[L_NSAMPLES];
    size_t k;
    for (k = 0; k < L_NSAMPLES; k++) got[k] = a[L_SAMPLES[k]];
    check_f32_array(__FILE__, line, what, got, expected, L_NSAMPLES);
}

static double f[N], out0[N], out1[N], out2[N], tmp[N];
static float f32[N], g32[3][N];
static const size_t thread_counts[4] = {1, 2, 3, 0};

static void test_all_axes(void) {
    size_t t;
    GradientAxis axes[3];
    double *outs[3];
    outs[0] = out0;
    outs[1] = out1;
    outs[2] = out2;
    axes[0] = axis_step(0.1);
    axes[1] = axis_coords(L_X1);
    axes[2] = axis_coords(L_X2);
    for (t = 0; t < 4; t++) {
        GradientError err = error_blank();
        gradient_set_threads(thread_counts[t]);
        if (thread_counts[t]) CHECK_INT(gradient_threads(), thread_counts[t]);
        CHECK_OK(gradient_f64(f, 3, L_SHAPE, NULL, axes, 7, 2, outs, NULL, &err), err);
        CHECK_HASH(hash_f64(out0, N), L_ALL_HASH0);
        CHECK_HASH(hash_f64(out1, N), L_ALL_HASH1);
        CHECK_HASH(hash_f64(out2, N), L_ALL_HASH2);
        check_samples_f64(__LINE__, "out0", out0, L_ALL_SAMPLE0);
        check_samples_f64(__LINE__, "out1", out1, L_ALL_SAMPLE1);
        check_samples_f64(__LINE__, "out2", out2, L_ALL_SAMPLE2);
    }
    gradient_set_threads(0);
}

static void test_axes_0_and_2(void) {
    size_t t;
    GradientAxis axes[3];
    double *outs[2];
    outs[0] = out0;
    outs[1] = out2;
    axes[0] = axis_step(0.1);
    axes[1] = axis_step(NAN); /* not selected */
    axes[2] = axis_coords(L_X2);
    for (t = 0; t < 4; t++) {
        GradientError err = error_blank();
        gradient_set_threads(thread_counts[t]);
        CHECK_OK(gradient_f64(f, 3, L_SHAPE, NULL, axes, 5, 1, outs, NULL, &err), err);
        CHECK_HASH(hash_f64(out0, N), L_A02_HASH0);
        CHECK_HASH(hash_f64(out2, N), L_A02_HASH1);
        check_samples_f64(__LINE__, "out0", out0, L_A02_SAMPLE0);
    }
    gradient_set_threads(0);
}

static void test_transposed_in_column_major_out(void) {
    /* f.transpose(2, 0, 1): shape (40, 64, 48), strides (1, 1920, 40);
     * outputs column-major, gathered to C order for the hash */
    const size_t shape[3] = {NZ, NX, NY};
    const ptrdiff_t strides[3] = {1, NY * NZ, NZ};
    const ptrdiff_t out_strides[3] = {1, NZ, NZ * NX};
    const uint64_t want[3] = {L_T_HASH0, L_T_HASH1, L_T_HASH2};
    const double *samples[3] = {L_T_SAMPLE0, L_T_SAMPLE1, L_T_SAMPLE2};
    double *outs[3];
    GradientAxis axes[3];
    size_t t, k;
    outs[0] = out0;
    outs[1] = out1;
    outs[2] = out2;
    axes[0] = axis_coords(L_X2);
    axes[1] = axis_step(0.1);
    axes[2] = axis_coords(L_X1);
    for (t = 0; t < 4; t++) {
        GradientError err = error_blank();
        gradient_set_threads(thread_counts[t]);
        CHECK_OK(gradient_f64(f, 3, shape, strides, axes, 7, 2, outs, out_strides, &err), err);
        for (k = 0; k < 3; k++) {
            gather_f64(tmp, outs[k], 3, shape, out_strides);
            CHECK_HASH(hash_f64(tmp, N), want[k]);
            check_samples_f64(__LINE__, "out", tmp, samples[k]);
        }
    }
    gradient_set_threads(0);
}

static void test_float32(void) {
    size_t t, i, k;
    GradientAxis axes[3];
    float *outs[3];
    const uint64_t want[3] = {L_F32_HASH0, L_F32_HASH1, L_F32_HASH2};
    const float *samples[3] = {L_F32_SAMPLE0, L_F32_SAMPLE1, L_F32_SAMPLE2};
    for (i = 0; i < N; i++) f32[i] = (float)f[i]; /* f.astype(np.float32) */
    for (k = 0; k < 3; k++) outs[k] = g32[k];
    axes[0] = axis_step(0.1);
    axes[1] = axis_coords(L_X1);
    axes[2] = axis_step(0.3);
    for (t = 0; t < 4; t++) {
        GradientError err = error_blank();
        gradient_set_threads(thread_counts[t]);
        CHECK_OK(gradient_f32(f32, 3, L_SHAPE, NULL, axes, 7, 2, outs, NULL, &err), err);
        for (k = 0; k < 3; k++) {
            CHECK_HASH(hash_f32(g32[k], N), want[k]);
            check_samples_f32(__LINE__, "out", g32[k], samples[k]);
        }
    }
    gradient_set_threads(0);
}

static void test_long_1d(void) {
    size_t t, i, n = L_N1;
    double *f1 = (double *)malloc(n * sizeof(double));
    double *x = (double *)malloc(n * sizeof(double));
    double *g = (double *)malloc(n * sizeof(double));
    GradientAxis ax;
    if (!f1 || !x || !g) abort();
    lcg_field(f1, n);
    for (i = 0; i < n; i++) x[i] = (double)i + (double)(i % 7) * 0.125;
    ax = axis_coords(x);
    for (t = 0; t < 4; t++) {
        double *outs[1];
        GradientError err = error_blank();
        outs[0] = g;
        gradient_set_threads(thread_counts[t]);
        CHECK_OK(gradient_f64(f1, 1, &n, NULL, &ax, 1, 2, outs, NULL, &err), err);
        CHECK_HASH(hash_f64(g, n), L_1D_HASH0);
        check_samples_f64(__LINE__, "g", g, L_1D_SAMPLE0);
    }
    gradient_set_threads(0);
    free(f1);
    free(x);
    free(g);
}

int main(void) {
    lcg_field(f, N);
    CHECK(L_SHAPE[0] == NX && L_SHAPE[1] == NY && L_SHAPE[2] == NZ);
    RUN(test_all_axes);
    RUN(test_axes_0_and_2);
    RUN(test_transposed_in_column_major_out);
    RUN(test_float32);
    RUN(test_long_1d);
    return check_summary();
}
