/*
 * numpy's own TestGradient (numpy/lib/tests/test_function_base.py), ported to
 * the C API where it applies, plus numpy's dtype rules for every GradientDtype.
 * Expected values: numpy, through gen_expected.py -> expected.h.
 *
 * Not ported: test_datetime64, test_timedelta64, test_masked, test_return_type
 * (numpy-only types); coordinate-length and argument-count errors (the C API
 * takes one coordinate pointer per axis with the length implied).
 */
#include "check.h"
#include "expected.h"

/* A call through gradient_dtype with C-order strides; prints the message on error. */
static GradientStatus grad(int dtype, const void *f, size_t ndim, const size_t *shape, const GradientAxis *axes,
                           uint64_t mask, uint32_t edge_order, void *out0, void *out1) {
    void *outs[2];
    GradientError err = error_blank();
    GradientStatus st;
    outs[0] = out0;
    outs[1] = out1;
    st = gradient_dtype(dtype, f, ndim, shape, NULL, axes, mask, edge_order, outs, NULL, &err);
    if (st != GRADIENT_OK) fprintf(stderr, "  gradient_dtype: %s: %s\n", gradient_status_name(st), err.message);
    if ((int)err.status != (int)st) fprintf(stderr, "  error.status %d differs from the returned status %d\n", (int)err.status, (int)st);
    return st;
}

/* The error a call through gradient_dtype reports. */
static GradientError grad_error(int dtype, const void *f, size_t ndim, const size_t *shape,
                                const GradientAxis *axes, uint64_t mask, uint32_t edge_order, void *out0) {
    void *outs[1];
    GradientError err = error_blank();
    outs[0] = out0;
    gradient_dtype(dtype, f, ndim, shape, NULL, axes, mask, edge_order, outs, NULL, &err);
    return err;
}

static void test_basic(void) {
    size_t shape[2] = {2, 2};
    double g0[4], g1[4], f[4];
    size_t i;
    CHECK_STATUS(grad(GRADIENT_INT64, N_BASIC_I64, 2, shape, NULL, 3, 1, g0, g1), GRADIENT_OK);
    CHECK_F64_ARRAY(g0, N_BASIC_DX0, 4);
    CHECK_F64_ARRAY(g1, N_BASIC_DX1, 4);
    /* The same values as float64 (exact conversion of small integers). */
    for (i = 0; i < 4; i++) f[i] = (double)N_BASIC_I64[i];
    CHECK_STATUS(grad(GRADIENT_FLOAT64, f, 2, shape, NULL, 3, 1, g0, g1), GRADIENT_OK);
    CHECK_F64_ARRAY(g0, N_BASIC_DX0, 4);
    CHECK_F64_ARRAY(g1, N_BASIC_DX1, 4);
}

static void test_specific_axes(void) {
    size_t shape[2] = {2, 2};
    double g0[4], g1[4];
    GradientAxis axes[2];
    GradientError err;
    /* axis=0, axis=1 (and axis=-1) */
    CHECK_STATUS(grad(GRADIENT_INT64, N_BASIC_I64, 2, shape, NULL, 1, 1, g0, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g0, N_BASIC_DX0, 4);
    CHECK_STATUS(grad(GRADIENT_INT64, N_BASIC_I64, 2, shape, NULL, 2, 1, g1, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g1, N_BASIC_DX1, 4);
    /* gradient(x, 2, 3, axis=(1, 0)): spacing 2 for axis 1, 3 for axis 0;
     * C lists outputs in increasing axis order. */
    axes[0] = axis_step(3.0);
    axes[1] = axis_step(2.0);
    CHECK_STATUS(grad(GRADIENT_INT64, N_BASIC_I64, 2, shape, axes, 3, 1, g0, g1), GRADIENT_OK);
    CHECK_F64_ARRAY(g0, N_AXES_SPACED0, 4);
    CHECK_F64_ARRAY(g1, N_AXES_SPACED1, 4);
    /* axis=3 raises AxisError in numpy. */
    err = grad_error(GRADIENT_INT64, N_BASIC_I64, 2, shape, NULL, 1u << 3, 1, g0);
    CHECK_STATUS(err.status, GRADIENT_BAD_AXIS);
    CHECK_INT(err.axis, 3);
    err = grad_error(GRADIENT_INT64, N_BASIC_I64, 2, shape, NULL, (uint64_t)1 << 63, 1, g0);
    CHECK_STATUS(err.status, GRADIENT_BAD_AXIS);
    CHECK_INT(err.axis, 63);
}

static void test_args(void) {
    size_t shape1[1] = {5}, shape2[2] = {5, 5};
    double g[5], a[25], b[25];
    GradientAxis axes[2];
    /* gradient(np.arange(5), 3.) and gradient(np.arange(5), dx) */
    axes[0] = axis_step(3.0);
    CHECK_STATUS(grad(GRADIENT_INT64, N_ARGS_A5, 1, shape1, axes, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_ARGS_A5_STEP3, 5);
    axes[0] = axis_coords(N_ARGS_DX);
    CHECK_STATUS(grad(GRADIENT_INT64, N_ARGS_A5, 1, shape1, axes, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_ARGS_A5_DX, 5);
    /* gradient(f_2d, 1.5): one scalar for every axis */
    axes[0] = axis_step(1.5);
    axes[1] = axis_step(1.5);
    CHECK_STATUS(grad(GRADIENT_INT64, N_ARGS_F2D, 2, shape2, axes, 3, 1, a, b), GRADIENT_OK);
    CHECK_F64_ARRAY(a, N_ARGS_F2D_15_0, 25);
    CHECK_F64_ARRAY(b, N_ARGS_F2D_15_1, 25);
    /* gradient(f_2d, dx_uneven, dx_uneven) */
    axes[0] = axis_coords(N_ARGS_DXU);
    axes[1] = axis_coords(N_ARGS_DXU);
    CHECK_STATUS(grad(GRADIENT_INT64, N_ARGS_F2D, 2, shape2, axes, 3, 1, a, b), GRADIENT_OK);
    CHECK_F64_ARRAY(a, N_ARGS_F2D_UNEVEN_0, 25);
    CHECK_F64_ARRAY(b, N_ARGS_F2D_UNEVEN_1, 25);
    /* gradient(f_2d, dx, 2): coordinates and a scalar */
    axes[0] = axis_coords(N_ARGS_DX);
    axes[1] = axis_step(2.0);
    CHECK_STATUS(grad(GRADIENT_INT64, N_ARGS_F2D, 2, shape2, axes, 3, 1, a, b), GRADIENT_OK);
    CHECK_F64_ARRAY(a, N_ARGS_F2D_MIX_0, 25);
    CHECK_F64_ARRAY(b, N_ARGS_F2D_MIX_1, 25);
    /* gradient(f_2d, dx, axis=1) */
    axes[0] = axis_step(NAN); /* not selected: ignored */
    axes[1] = axis_coords(N_ARGS_DX);
    CHECK_STATUS(grad(GRADIENT_INT64, N_ARGS_F2D, 2, shape2, axes, 2, 1, a, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(a, N_ARGS_F2D_AXIS1, 25);
}

static void test_badargs(void) {
    /* numpy's argument-count and length errors have no C form; the C
     * counterparts of a malformed call are statuses. */
    size_t shape[2] = {5, 5};
    double a[25], b[25];
    void *outs[2];
    GradientError err = error_blank();
    fill_sentinel(a, sizeof a);
    fill_sentinel(b, sizeof b);
    /* no output array for a selected axis */
    CHECK_STATUS(gradient_dtype(GRADIENT_INT64, N_ARGS_F2D, 2, shape, NULL, NULL, 3, 1, NULL, NULL, &err),
                 GRADIENT_NULL_POINTER);
    outs[0] = a;
    outs[1] = NULL;
    CHECK_STATUS(gradient_dtype(GRADIENT_INT64, N_ARGS_F2D, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err),
                 GRADIENT_NULL_POINTER);
    CHECK_CONTAINS(err.message, "out[1]");
    /* an axis that does not exist */
    outs[1] = b;
    CHECK_STATUS(gradient_dtype(GRADIENT_INT64, N_ARGS_F2D, 2, shape, NULL, NULL, 7, 1, outs, NULL, &err),
                 GRADIENT_BAD_AXIS);
    /* "'edge_order' greater than 2 not supported" */
    CHECK_STATUS(gradient_dtype(GRADIENT_INT64, N_ARGS_F2D, 2, shape, NULL, NULL, 3, 3, outs, NULL, &err),
                 GRADIENT_BAD_EDGE_ORDER);
    /* numpy quietly treats 0 as 2; the C library refuses (documented) */
    CHECK_STATUS(gradient_dtype(GRADIENT_INT64, N_ARGS_F2D, 2, shape, NULL, NULL, 3, 0, outs, NULL, &err),
                 GRADIENT_BAD_EDGE_ORDER);
    CHECK_UNTOUCHED(a, sizeof a);
    CHECK_UNTOUCHED(b, sizeof b);
}

static void test_second_order_accurate(void) {
    double g[10];
    GradientAxis ax = axis_step(N_SOA_DX);
    size_t shape[1] = {10}, i;
    CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SOA_Y, 1, shape, &ax, 1, 2, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_SOA_G, 10);
    for (i = 0; i < 10; i++) CHECK(fabs(g[i] / N_SOA_EXACT[i] - 1.0) < 0.03);
    ax = axis_coords(N_SOA_UX);
    CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SOA_UY, 1, shape, &ax, 1, 2, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_SOA_UG, 10);
    for (i = 0; i < 10; i++) CHECK(fabs(g[i] / N_SOA_UEXACT[i] - 1.0) < 0.03);
}

static void test_spacing(void) {
    size_t shape[2] = {6, 6};
    double a[36], b[36];
    GradientAxis axes[2];
    uint32_t eo;
    for (eo = 1; eo <= 2; eo++) {
        const double *even0 = eo == 1 ? N_SP_EVEN1_0 : N_SP_EVEN2_0;
        const double *even1 = eo == 1 ? N_SP_EVEN1_1 : N_SP_EVEN2_1;
        const double *uneven0 = eo == 1 ? N_SP_UNEVEN1_0 : N_SP_UNEVEN2_0;
        const double *uneven1 = eo == 1 ? N_SP_UNEVEN1_1 : N_SP_UNEVEN2_1;
        const double *mixed0 = eo == 1 ? N_SP_MIXED1_0 : N_SP_MIXED2_0;
        const double *mixed1 = eo == 1 ? N_SP_MIXED1_1 : N_SP_MIXED2_1;
        /* evenly spaced: scalar 1.0, or arange(6.) coordinates, both axes or one */
        axes[0] = axis_step(1.0);
        axes[1] = axis_step(1.0);
        CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SP_F, 2, shape, axes, 3, eo, a, b), GRADIENT_OK);
        CHECK_F64_ARRAY(a, even0, 36);
        CHECK_F64_ARRAY(b, even1, 36);
        axes[0] = axis_coords(N_SP_XE);
        axes[1] = axis_coords(N_SP_XE);
        CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SP_F, 2, shape, axes, 3, eo, a, b), GRADIENT_OK);
        CHECK_F64_ARRAY(a, even0, 36);
        CHECK_F64_ARRAY(b, even1, 36);
        CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SP_F, 2, shape, axes, 1, eo, a, NULL), GRADIENT_OK);
        CHECK_F64_ARRAY(a, even0, 36);
        CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SP_F, 2, shape, axes, 2, eo, b, NULL), GRADIENT_OK);
        CHECK_F64_ARRAY(b, even1, 36);
        /* unevenly spaced */
        axes[0] = axis_coords(N_SP_XU);
        axes[1] = axis_coords(N_SP_XU);
        CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SP_F, 2, shape, axes, 3, eo, a, b), GRADIENT_OK);
        CHECK_F64_ARRAY(a, uneven0, 36);
        CHECK_F64_ARRAY(b, uneven1, 36);
        CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SP_F, 2, shape, axes, 1, eo, a, NULL), GRADIENT_OK);
        CHECK_F64_ARRAY(a, uneven0, 36);
        CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SP_F, 2, shape, axes, 2, eo, b, NULL), GRADIENT_OK);
        CHECK_F64_ARRAY(b, uneven1, 36);
        /* mixed */
        axes[0] = axis_coords(N_SP_XE);
        axes[1] = axis_coords(N_SP_XU);
        CHECK_STATUS(grad(GRADIENT_FLOAT64, N_SP_F, 2, shape, axes, 3, eo, a, b), GRADIENT_OK);
        CHECK_F64_ARRAY(a, mixed0, 36);
        CHECK_F64_ARRAY(b, mixed1, 36);
    }
}

static void test_inexact_dtypes(void) {
    /* float32 in, float32 out; float64 in, float64 out */
    const float f32[3] = {1, 2, 3};
    const double f64[3] = {1, 2, 3};
    float g32[3];
    double g64[3];
    float *outs32[1];
    size_t shape[1] = {3};
    outs32[0] = g32;
    CHECK_STATUS(gradient_f32(f32, 1, shape, NULL, NULL, 1, 1, outs32, NULL, NULL), GRADIENT_OK);
    CHECK_F32_ARRAY(g32, N_INEXACT_F32, 3);
    CHECK_STATUS(grad(GRADIENT_FLOAT32, f32, 1, shape, NULL, 1, 1, g32, NULL), GRADIENT_OK);
    CHECK_F32_ARRAY(g32, N_INEXACT_F32, 3);
    CHECK_STATUS(grad(GRADIENT_FLOAT64, f64, 1, shape, NULL, 1, 1, g64, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g64, N_INEXACT_F64, 3);
}

static void test_values(void) {
    const int64_t ar[3] = {0, 1, 2};
    double g[3];
    size_t n;
    GradientError err;
    /* at least 2 points for edge_order 1, 3 for edge_order 2 */
    n = 2;
    CHECK_STATUS(grad(GRADIENT_INT64, ar, 1, &n, NULL, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_VALUES_2, 2);
    n = 3;
    CHECK_STATUS(grad(GRADIENT_INT64, ar, 1, &n, NULL, 1, 2, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_VALUES_3, 3);
    /* arange(0) and arange(1) with either order, arange(2) with order 2 */
    for (n = 0; n <= 2; n++) {
        uint32_t eo;
        for (eo = 1; eo <= 2; eo++) {
            if (n >= eo + 1) continue;
            fill_sentinel(g, sizeof g);
            err = grad_error(GRADIENT_INT64, ar, 1, &n, NULL, 1, eo, g);
            CHECK_STATUS(err.status, GRADIENT_TOO_SMALL);
            CHECK_INT(err.axis, 0);
            CHECK_UNTOUCHED(g, sizeof g);
        }
    }
}

static void test_f_decreasing_unsigned_int(void) {
    size_t shape[1] = {5};
    double g[5];
    CHECK_STATUS(grad(GRADIENT_UINT8, N_FDEC_UINT8, 1, shape, NULL, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_FDEC_UINT8_OUT, 5);
    CHECK_STATUS(grad(GRADIENT_UINT16, N_FDEC_UINT16, 1, shape, NULL, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_FDEC_UINT16_OUT, 5);
    CHECK_STATUS(grad(GRADIENT_UINT32, N_FDEC_UINT32, 1, shape, NULL, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_FDEC_UINT32_OUT, 5);
    CHECK_STATUS(grad(GRADIENT_UINT64, N_FDEC_UINT64, 1, shape, NULL, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_FDEC_UINT64_OUT, 5);
}

static void test_f_signed_int_big_jump(void) {
    size_t shape[1] = {2};
    double g[2];
    GradientAxis ax;
    ax = axis_coords(N_FJUMP_INT8_X);
    CHECK_STATUS(grad(GRADIENT_INT8, N_FJUMP_INT8, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_FJUMP_INT8_OUT, 2);
    ax = axis_coords(N_FJUMP_INT16_X);
    CHECK_STATUS(grad(GRADIENT_INT16, N_FJUMP_INT16, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_FJUMP_INT16_OUT, 2);
    ax = axis_coords(N_FJUMP_INT32_X);
    CHECK_STATUS(grad(GRADIENT_INT32, N_FJUMP_INT32, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_FJUMP_INT32_OUT, 2);
    ax = axis_coords(N_FJUMP_INT64_X);
    CHECK_STATUS(grad(GRADIENT_INT64, N_FJUMP_INT64, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_FJUMP_INT64_OUT, 2);
}

static void test_x_decreasing_unsigned(void) {
    size_t shape[1] = {3};
    double g[3];
    GradientAxis ax;
    ax = axis_coords(N_XDEC_UINT8_X);
    CHECK_STATUS(grad(GRADIENT_INT64, N_XDEC_F, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_XDEC_UINT8_OUT, 3);
    ax = axis_coords(N_XDEC_UINT16_X);
    CHECK_STATUS(grad(GRADIENT_INT64, N_XDEC_F, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_XDEC_UINT16_OUT, 3);
    ax = axis_coords(N_XDEC_UINT32_X);
    CHECK_STATUS(grad(GRADIENT_INT64, N_XDEC_F, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_XDEC_UINT32_OUT, 3);
    ax = axis_coords(N_XDEC_UINT64_X);
    CHECK_STATUS(grad(GRADIENT_INT64, N_XDEC_F, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_XDEC_UINT64_OUT, 3);
}

static void test_x_signed_int_big_jump(void) {
    size_t shape[1] = {2};
    double g[2];
    GradientAxis ax;
    ax = axis_coords(N_XJUMP_INT8_X);
    CHECK_STATUS(grad(GRADIENT_INT64, N_XJUMP_INT8_F, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_XJUMP_INT8_OUT, 2);
    ax = axis_coords(N_XJUMP_INT16_X);
    CHECK_STATUS(grad(GRADIENT_INT64, N_XJUMP_INT16_F, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_XJUMP_INT16_OUT, 2);
    ax = axis_coords(N_XJUMP_INT32_X);
    CHECK_STATUS(grad(GRADIENT_INT64, N_XJUMP_INT32_F, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_XJUMP_INT32_OUT, 2);
    ax = axis_coords(N_XJUMP_INT64_X);
    CHECK_STATUS(grad(GRADIENT_INT64, N_XJUMP_INT64_F, 1, shape, &ax, 1, 1, g, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(g, N_XJUMP_INT64_OUT, 2);
}

static void test_every_integer_dtype(void) {
    size_t shape[2] = {3, 5};
    double a[15], b[15];
    GradientAxis axes[2];
    axes[0] = axis_step(0.1);
    axes[1] = axis_coords(N_INT_X1);
#define INT_CASE(DT, NAME)                                                                     \
    CHECK_STATUS(grad(DT, NAME, 2, shape, axes, 3, 2, a, b), GRADIENT_OK);                     \
    CHECK_F64_ARRAY(a, NAME##_OUT0, 15);                                                       \
    CHECK_F64_ARRAY(b, NAME##_OUT1, 15);
    INT_CASE(GRADIENT_INT8, N_INT_INT8)
    INT_CASE(GRADIENT_INT16, N_INT_INT16)
    INT_CASE(GRADIENT_INT32, N_INT_INT32)
    INT_CASE(GRADIENT_INT64, N_INT_INT64)
    INT_CASE(GRADIENT_UINT8, N_INT_UINT8)
    INT_CASE(GRADIENT_UINT16, N_INT_UINT16)
    INT_CASE(GRADIENT_UINT32, N_INT_UINT32)
    INT_CASE(GRADIENT_UINT64, N_INT_UINT64)
#undef INT_CASE
}

static void test_float32(void) {
    size_t shape[1] = {9}, shape2[2] = {4, 6};
    float g[9], a[24], b[24];
    float *outs[2];
    GradientAxis ax, axes[2];
    uint32_t eo;
    outs[0] = g;
    for (eo = 1; eo <= 2; eo++) {
        /* a scalar step: float32 arithmetic with the step rounded once */
        ax = axis_step(0.1);
        CHECK_STATUS(gradient_f32(N_F32_F, 1, shape, NULL, &ax, 1, eo, outs, NULL, NULL), GRADIENT_OK);
        CHECK_F32_ARRAY(g, eo == 1 ? N_F32_STEP_E1 : N_F32_STEP_E2, 9);
        /* non-uniform float64 coordinates: float64 arithmetic, rounded on store */
        ax = axis_coords(N_F32_XU);
        CHECK_STATUS(gradient_f32(N_F32_F, 1, shape, NULL, &ax, 1, eo, outs, NULL, NULL), GRADIENT_OK);
        CHECK_F32_ARRAY(g, eo == 1 ? N_F32_COORDS_E1 : N_F32_COORDS_E2, 9);
        /* uniform coordinates: a float64 step */
        ax = axis_coords(N_F32_XE);
        CHECK_STATUS(gradient_f32(N_F32_F, 1, shape, NULL, &ax, 1, eo, outs, NULL, NULL), GRADIENT_OK);
        CHECK_F32_ARRAY(g, eo == 1 ? N_F32_UNIFORM_E1 : N_F32_UNIFORM_E2, 9);
        CHECK_STATUS(gradient_f32(N_F32_F, 1, shape, NULL, NULL, 1, eo, outs, NULL, NULL), GRADIENT_OK);
        CHECK_F32_ARRAY(g, eo == 1 ? N_F32_UNIT_E1 : N_F32_UNIT_E2, 9);
    }
    axes[0] = axis_step(0.3);
    axes[1] = axis_coords(N_F32_XU); /* its first 6 values */
    outs[0] = a;
    outs[1] = b;
    CHECK_STATUS(gradient_f32(N_F32_F2, 2, shape2, NULL, axes, 3, 2, outs, NULL, NULL), GRADIENT_OK);
    CHECK_F32_ARRAY(a, N_F32_F2_OUT0, 24);
    CHECK_F32_ARRAY(b, N_F32_F2_OUT1, 24);
}

static void test_complex(void) {
    size_t shape[1] = {7}, shape5[1] = {5};
    GradientComplex128 g[7];
    GradientComplex64 h[7];
    GradientComplex128 *outs[1];
    GradientComplex64 *outs64[1];
    GradientAxis ax;
    uint32_t eo;
    outs[0] = g;
    outs64[0] = h;
    for (eo = 1; eo <= 2; eo++) {
        ax = axis_step(0.3);
        CHECK_STATUS(gradient_c128(N_C128_F, 1, shape, NULL, &ax, 1, eo, outs, NULL, NULL), GRADIENT_OK);
        CHECK_C128_ARRAY(g, eo == 1 ? N_C128_STEP_E1 : N_C128_STEP_E2, 7);
        CHECK_STATUS(gradient_c64(N_C64_F, 1, shape, NULL, &ax, 1, eo, outs64, NULL, NULL), GRADIENT_OK);
        CHECK_C64_ARRAY(h, eo == 1 ? N_C64_STEP_E1 : N_C64_STEP_E2, 7);
        ax = axis_coords(N_C_X);
        CHECK_STATUS(gradient_c128(N_C128_F, 1, shape, NULL, &ax, 1, eo, outs, NULL, NULL), GRADIENT_OK);
        CHECK_C128_ARRAY(g, eo == 1 ? N_C128_COORDS_E1 : N_C128_COORDS_E2, 7);
        CHECK_STATUS(gradient_c64(N_C64_F, 1, shape, NULL, &ax, 1, eo, outs64, NULL, NULL), GRADIENT_OK);
        CHECK_C64_ARRAY(h, eo == 1 ? N_C64_COORDS_E1 : N_C64_COORDS_E2, 7);
    }
    /* through gradient_dtype */
    ax = axis_step(0.3);
    CHECK_STATUS(grad(GRADIENT_COMPLEX128, N_C128_F, 1, shape, &ax, 1, 2, g, NULL), GRADIENT_OK);
    CHECK_C128_ARRAY(g, N_C128_STEP_E2, 7);
    CHECK_STATUS(grad(GRADIENT_COMPLEX64, N_C64_F, 1, shape, &ax, 1, 2, h, NULL), GRADIENT_OK);
    CHECK_C64_ARRAY(h, N_C64_STEP_E2, 7);
    /* an infinite component: numpy's complex division makes the other NaN */
    ax = axis_step(0.5);
    CHECK_STATUS(gradient_c128(N_C128_INF_F, 1, shape5, NULL, &ax, 1, 1, outs, NULL, NULL), GRADIENT_OK);
    CHECK_C128_ARRAY(g, N_C128_INF_OUT, 5);
}

int main(void) {
    RUN(test_basic);
    RUN(test_specific_axes);
    RUN(test_args);
    RUN(test_badargs);
    RUN(test_second_order_accurate);
    RUN(test_spacing);
    RUN(test_inexact_dtypes);
    RUN(test_values);
    RUN(test_f_decreasing_unsigned_int);
    RUN(test_f_signed_int_big_jump);
    RUN(test_x_decreasing_unsigned);
    RUN(test_x_signed_int_big_jump);
    RUN(test_every_integer_dtype);
    RUN(test_float32);
    RUN(test_complex);
    return check_summary();
}
