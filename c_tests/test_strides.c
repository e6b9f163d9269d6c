/*
 * Strided inputs and outputs: transposed, stepped, negative, column-major,
 * broadcast (zero stride), interleaved outputs, outputs laid out unlike the
 * input, 3-D and 4-D. Each input is a numpy view of a flat buffer, described
 * to C by gen_expected.py (base buffer, offset, shape, strides in elements);
 * the expected values are numpy.gradient of that same view.
 *
 * Every case runs through the typed entry point and through gradient_dtype,
 * and checks that no element outside the output layout was written.
 */
#include "check.h"
#include "expected.h"

#define MAX_NDIM 4
#define MAX_OUT 4

/* Where the outputs go: every output has the same strides; output j starts
 * at element `origin` of its own buffer, or, when `interleaved`, at element
 * `origin + j` of one shared buffer. */
typedef struct {
    const char *name;
    ptrdiff_t strides[MAX_NDIM];
    ptrdiff_t origin;
    size_t buf_len;
    int interleaved;
} Layout;

static size_t elem_size(int dtype) {
    switch (dtype) {
    case GRADIENT_FLOAT32: return sizeof(float);
    case GRADIENT_COMPLEX128: return sizeof(GradientComplex128);
    case GRADIENT_COMPLEX64: return sizeof(GradientComplex64);
    default: return sizeof(double);
    }
}

static Layout layout_c(size_t ndim, const size_t *shape) {
    Layout l;
    size_t k = ndim, step = 1;
    memset(&l, 0, sizeof l);
    l.name = "C order";
    while (k-- > 0) {
        l.strides[k] = (ptrdiff_t)step;
        step *= shape[k];
    }
    l.buf_len = step;
    return l;
}

/* Column-major, as Fortran and Julia lay out arrays. */
static Layout layout_f(size_t ndim, const size_t *shape) {
    Layout l;
    size_t k, step = 1;
    memset(&l, 0, sizeof l);
    l.name = "column-major";
    for (k = 0; k < ndim; k++) {
        l.strides[k] = (ptrdiff_t)step;
        step *= shape[k];
    }
    l.buf_len = step;
    return l;
}

/* C order with every stride scaled by `k` (a stepped slice of a larger array). */
static Layout layout_stepped(size_t ndim, const size_t *shape, ptrdiff_t k) {
    Layout l = layout_c(ndim, shape);
    size_t i;
    l.name = "stepped";
    for (i = 0; i < ndim; i++) l.strides[i] *= k;
    l.buf_len = (l.buf_len - 1) * (size_t)k + 1;
    return l;
}

/* C order with 3 unused elements after every run along the last axis. */
static Layout layout_padded(size_t ndim, const size_t *shape) {
    Layout l;
    size_t k = ndim, step = 1;
    memset(&l, 0, sizeof l);
    l.name = "padded";
    while (k-- > 0) {
        l.strides[k] = (ptrdiff_t)step;
        step *= shape[k] + (k + 1 == ndim ? 3 : 0);
    }
    l.buf_len = step;
    return l;
}

/* C order with every axis reversed: element 0 at the end of the buffer. */
static Layout layout_reversed(size_t ndim, const size_t *shape) {
    Layout l = layout_c(ndim, shape);
    size_t k;
    l.name = "reversed";
    for (k = 0; k < ndim; k++) l.strides[k] = -l.strides[k];
    l.origin = (ptrdiff_t)l.buf_len - 1;
    return l;
}

/* All outputs in one buffer, element by element: gx, gy, gx, gy, ... */
static Layout layout_interleaved(size_t ndim, const size_t *shape, size_t nout) {
    Layout l = layout_c(ndim, shape);
    size_t k;
    l.name = "interleaved";
    for (k = 0; k < ndim; k++) l.strides[k] *= (ptrdiff_t)nout;
    l.buf_len = l.buf_len * nout;
    l.interleaved = 1;
    return l;
}

static GradientStatus call(int typed, int dtype, const void *f, size_t ndim, const size_t *shape,
                           const ptrdiff_t *strides, const GradientAxis *axes, uint64_t mask, uint32_t eo,
                           void **outs, const ptrdiff_t *out_strides, GradientError *err) {
    if (!typed)
        return gradient_dtype(dtype, f, ndim, shape, strides, axes, mask, eo, outs, out_strides, err);
    switch (dtype) {
    case GRADIENT_FLOAT64:
        return gradient_f64((const double *)f, ndim, shape, strides, axes, mask, eo, (double *const *)outs,
                            out_strides, err);
    case GRADIENT_FLOAT32:
        return gradient_f32((const float *)f, ndim, shape, strides, axes, mask, eo, (float *const *)outs,
                            out_strides, err);
    case GRADIENT_COMPLEX128:
        return gradient_c128((const GradientComplex128 *)f, ndim, shape, strides, axes, mask, eo,
                             (GradientComplex128 *const *)outs, out_strides, err);
    case GRADIENT_COMPLEX64:
        return gradient_c64((const GradientComplex64 *)f, ndim, shape, strides, axes, mask, eo,
                            (GradientComplex64 *const *)outs, out_strides, err);
    default:
        return gradient_dtype(dtype, f, ndim, shape, strides, axes, mask, eo, outs, out_strides, err);
    }
}

/* Runs one case with the outputs in `layout`; compares each selected axis's
 * output with expected[j] (C order) and checks nothing else was written. */
static void run_case(const char *what, int line, int dtype, const void *base, ptrdiff_t offset, size_t ndim,
                     const size_t *shape, const ptrdiff_t *strides, const GradientAxis *axes, uint64_t mask,
                     uint32_t eo, const void *const *expected, Layout layout) {
    size_t es = elem_size(dtype), n = check_count(ndim, shape), nout = 0, nbuf, j, i;
    int typed;
    unsigned char *bufs, *touched, *gathered;
    for (j = 0; j < 64; j++)
        if (mask >> j & 1) nout++;
    nbuf = layout.interleaved ? 1 : nout;
    bufs = (unsigned char *)malloc(nbuf * layout.buf_len * es);
    touched = (unsigned char *)calloc(nbuf * layout.buf_len, 1);
    gathered = (unsigned char *)malloc(n * es);
    if (!bufs || !touched || !gathered) abort();
    for (typed = 1; typed >= 0; typed--) {
        void *outs[MAX_OUT];
        GradientError err = error_blank();
        GradientStatus st;
        const unsigned char *f = (const unsigned char *)base + offset * (ptrdiff_t)elem_size(dtype);
        fill_sentinel(bufs, nbuf * layout.buf_len * es);
        memset(touched, 0, nbuf * layout.buf_len);
        for (j = 0; j < nout; j++) {
            size_t start = layout.interleaved ? (size_t)layout.origin + j : j * layout.buf_len + (size_t)layout.origin;
            outs[j] = bufs + start * es;
        }
        st = call(typed, dtype, f, ndim, shape, strides, axes, mask, eo, outs, layout.strides, &err);
        check_result(st == GRADIENT_OK, __FILE__, line);
        if (st != GRADIENT_OK) {
            fprintf(stderr, "  %s, outputs %s, %s: %s: %s\n", what, layout.name,
                    typed ? "typed" : "gradient_dtype", gradient_status_name(st), err.message);
            continue;
        }
        for (j = 0; j < nout; j++) {
            char label[160];
            unsigned char *origin = (unsigned char *)outs[j];
            for (i = 0; i < n; i++) {
                ptrdiff_t off = check_strided_offset(i, ndim, shape, layout.strides);
                memcpy(gathered + i * es, origin + off * (ptrdiff_t)es, es);
                touched[(size_t)((origin + off * (ptrdiff_t)es - bufs) / (ptrdiff_t)es)] = 1;
            }
            sprintf(label, "%s out[%u] (%s, %s)", what, (unsigned)j, layout.name, typed ? "typed" : "gradient_dtype");
            switch (dtype) {
            case GRADIENT_FLOAT32:
                check_f32_array(__FILE__, line, label, (const float *)gathered, (const float *)expected[j], n);
                break;
            case GRADIENT_COMPLEX128:
                check_c128_array(__FILE__, line, label, (const GradientComplex128 *)gathered,
                                 (const GradientComplex128 *)expected[j], n);
                break;
            case GRADIENT_COMPLEX64:
                check_c64_array(__FILE__, line, label, (const GradientComplex64 *)gathered,
                                (const GradientComplex64 *)expected[j], n);
                break;
            default:
                check_f64_array(__FILE__, line, label, (const double *)gathered, (const double *)expected[j], n);
            }
        }
        {
            size_t bad = 0;
            for (i = 0; i < nbuf * layout.buf_len; i++)
                if (!touched[i] && !is_sentinel(bufs + i * es, es)) bad++;
            check_result(bad == 0, __FILE__, line);
            if (bad) fprintf(stderr, "  %s (%s): %zu elements outside the outputs were written\n", what, layout.name, bad);
        }
    }
    free(bufs);
    free(touched);
    free(gathered);
}

/* A case S_X from expected.h. */
#define RUN_CASE(dtype, S, axes, mask, eo, expected, layout)                                            \
    run_case(#S, __LINE__, dtype, S##_BASE, S##_OFFSET, S##_NDIM, S##_SHAPE, S##_STRIDES, axes, mask, eo, \
             expected, layout)

static void test_transposed(void) {
    const void *exp[2];
    GradientAxis axes[2];
    exp[0] = S_T_OUT0;
    exp[1] = S_T_OUT1;
    axes[0] = axis_coords(S_T_X0);
    axes[1] = axis_step(0.25);
    CHECK(S_T_STRIDES[0] == 1 && S_T_STRIDES[1] == 7);
    RUN_CASE(GRADIENT_FLOAT64, S_T, axes, 3, 2, exp, layout_c(2, S_T_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_T, axes, 3, 2, exp, layout_f(2, S_T_SHAPE));
}

static void test_stepped(void) {
    const void *exp[2];
    GradientAxis axes[2];
    axes[0] = axis_step(0.1);
    exp[0] = S_STEP2_OUT;
    CHECK(S_STEP2_STRIDES[0] == 2);
    RUN_CASE(GRADIENT_FLOAT64, S_STEP2, axes, 1, 1, exp, layout_c(1, S_STEP2_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_STEP2, axes, 1, 1, exp, layout_stepped(1, S_STEP2_SHAPE, 3));

    axes[0] = axis_coords(S_STEP3_X);
    exp[0] = S_STEP3_OUT;
    CHECK(S_STEP3_STRIDES[0] == 3 && S_STEP3_OFFSET == 1);
    RUN_CASE(GRADIENT_FLOAT64, S_STEP3, axes, 1, 2, exp, layout_c(1, S_STEP3_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_STEP3, axes, 1, 2, exp, layout_stepped(1, S_STEP3_SHAPE, 2));

    axes[0] = axis_coords(S_STEP2D_X0);
    axes[1] = axis_step(2.0);
    exp[0] = S_STEP2D_OUT0;
    exp[1] = S_STEP2D_OUT1;
    RUN_CASE(GRADIENT_FLOAT64, S_STEP2D, axes, 3, 1, exp, layout_c(2, S_STEP2D_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_STEP2D, axes, 3, 1, exp, layout_stepped(2, S_STEP2D_SHAPE, 2));
}

static void test_negative_strides(void) {
    const void *exp[2];
    GradientAxis axes[2];
    axes[0] = axis_step(0.5);
    exp[0] = S_NEG1_OUT;
    CHECK(S_NEG1_STRIDES[0] == -1);
    RUN_CASE(GRADIENT_FLOAT64, S_NEG1, axes, 1, 2, exp, layout_c(1, S_NEG1_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_NEG1, axes, 1, 2, exp, layout_reversed(1, S_NEG1_SHAPE));

    axes[0] = axis_step(1.0);
    axes[1] = axis_coords(S_NEG2_X1);
    exp[0] = S_NEG2_OUT0;
    exp[1] = S_NEG2_OUT1;
    CHECK(S_NEG2_STRIDES[0] == -7 && S_NEG2_STRIDES[1] == -2);
    RUN_CASE(GRADIENT_FLOAT64, S_NEG2, axes, 3, 2, exp, layout_c(2, S_NEG2_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_NEG2, axes, 3, 2, exp, layout_reversed(2, S_NEG2_SHAPE));
}

static void test_column_major(void) {
    const void *exp[2];
    GradientAxis axes[2];
    axes[0] = axis_coords(S_F_X0);
    axes[1] = axis_step(0.3);
    exp[0] = S_F_OUT0;
    exp[1] = S_F_OUT1;
    CHECK(S_F_STRIDES[0] == 1 && S_F_STRIDES[1] == 6);
    /* Julia/Fortran: column-major in, column-major out */
    RUN_CASE(GRADIENT_FLOAT64, S_F, axes, 3, 2, exp, layout_f(2, S_F_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_F, axes, 3, 2, exp, layout_c(2, S_F_SHAPE));
    /* one axis at a time */
    exp[0] = S_F_OUT1;
    RUN_CASE(GRADIENT_FLOAT64, S_F, axes, 2, 2, exp, layout_f(2, S_F_SHAPE));
}

static void test_broadcast_input(void) {
    const void *exp[2];
    GradientAxis axes[2];
    axes[0] = axis_step(0.5);
    axes[1] = axis_step(1.5);
    exp[0] = S_BROW_OUT0;
    exp[1] = S_BROW_OUT1;
    CHECK(S_BROW_STRIDES[0] == 0);
    RUN_CASE(GRADIENT_FLOAT64, S_BROW, axes, 3, 1, exp, layout_c(2, S_BROW_SHAPE));
    exp[0] = S_BCOL_OUT0;
    exp[1] = S_BCOL_OUT1;
    CHECK(S_BCOL_STRIDES[1] == 0);
    RUN_CASE(GRADIENT_FLOAT64, S_BCOL, axes, 3, 2, exp, layout_f(2, S_BCOL_SHAPE));
}

static void test_interleaved_outputs(void) {
    /* gx and gy at offsets 0 and 1 of one buffer, out strides doubled: the
     * outputs touch no common byte, so this must succeed. */
    const void *exp[3];
    GradientAxis axes[3];
    Layout l = layout_interleaved(2, S_C_SHAPE, 2);
    axes[0] = axis_step(0.5);
    axes[1] = axis_coords(S_C_X1);
    exp[0] = S_C_OUT0;
    exp[1] = S_C_OUT1;
    CHECK(l.strides[0] == 14 && l.strides[1] == 2);
    RUN_CASE(GRADIENT_FLOAT64, S_C, axes, 3, 1, exp, l);
    /* three outputs interleaved with stride 3, from a strided 3-D input */
    axes[0] = axis_coords(S_3D_X0);
    axes[1] = axis_step(0.7);
    axes[2] = axis_coords(S_3D_X2);
    exp[0] = S_3D_OUT0;
    exp[1] = S_3D_OUT1;
    exp[2] = S_3D_OUT2;
    RUN_CASE(GRADIENT_FLOAT64, S_3D, axes, 7, 2, exp, layout_interleaved(3, S_3D_SHAPE, 3));
}

static void test_output_strides_differ(void) {
    const void *exp[2];
    GradientAxis axes[2];
    axes[0] = axis_step(0.5);
    axes[1] = axis_coords(S_C_X1);
    exp[0] = S_C_OUT0;
    exp[1] = S_C_OUT1;
    CHECK(S_C_STRIDES[0] == 7 && S_C_STRIDES[1] == 1);
    RUN_CASE(GRADIENT_FLOAT64, S_C, axes, 3, 1, exp, layout_c(2, S_C_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_C, axes, 3, 1, exp, layout_f(2, S_C_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_C, axes, 3, 1, exp, layout_padded(2, S_C_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_C, axes, 3, 1, exp, layout_reversed(2, S_C_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_C, axes, 3, 1, exp, layout_stepped(2, S_C_SHAPE, 3));
}

static void test_3d(void) {
    const void *exp[3];
    GradientAxis axes[3];
    axes[0] = axis_coords(S_3D_X0);
    axes[1] = axis_step(0.7);
    axes[2] = axis_coords(S_3D_X2);
    exp[0] = S_3D_OUT0;
    exp[1] = S_3D_OUT1;
    exp[2] = S_3D_OUT2;
    CHECK(S_3D_STRIDES[0] == -1 && S_3D_STRIDES[1] == 30 && S_3D_STRIDES[2] == 6);
    RUN_CASE(GRADIENT_FLOAT64, S_3D, axes, 7, 2, exp, layout_c(3, S_3D_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_3D, axes, 7, 2, exp, layout_f(3, S_3D_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_3D, axes, 7, 2, exp, layout_padded(3, S_3D_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_3D, axes, 7, 2, exp, layout_reversed(3, S_3D_SHAPE));
    /* axes 0 and 2 only */
    exp[1] = S_3D_OUT2;
    RUN_CASE(GRADIENT_FLOAT64, S_3D, axes, 5, 2, exp, layout_padded(3, S_3D_SHAPE));
}

static void test_4d(void) {
    const void *exp[4];
    GradientAxis axes[4];
    axes[0] = axis_step(2.5);
    axes[1] = axis_step(1.0);
    axes[2] = axis_step(0.5);
    axes[3] = axis_coords(S_4D_X3);
    exp[0] = S_4D_A03_OUT0;
    exp[1] = S_4D_A03_OUT1;
    RUN_CASE(GRADIENT_FLOAT64, S_4D, axes, 9, 1, exp, layout_c(4, S_4D_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_4D, axes, 9, 1, exp, layout_f(4, S_4D_SHAPE));
    exp[0] = S_4D_ALL_OUT0;
    exp[1] = S_4D_ALL_OUT1;
    exp[2] = S_4D_ALL_OUT2;
    exp[3] = S_4D_ALL_OUT3;
    RUN_CASE(GRADIENT_FLOAT64, S_4D, axes, 15, 1, exp, layout_c(4, S_4D_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_4D, axes, 15, 1, exp, layout_reversed(4, S_4D_SHAPE));
    RUN_CASE(GRADIENT_FLOAT64, S_4D, axes, 15, 1, exp, layout_interleaved(4, S_4D_SHAPE, 4));
}

static void test_float32_and_complex(void) {
    const void *exp[2];
    GradientAxis axes[2];
    axes[0] = axis_step(0.1);
    axes[1] = axis_step(0.3);
    exp[0] = S_F32T_OUT0;
    exp[1] = S_F32T_OUT1;
    RUN_CASE(GRADIENT_FLOAT32, S_F32T, axes, 3, 2, exp, layout_c(2, S_F32T_SHAPE));
    RUN_CASE(GRADIENT_FLOAT32, S_F32T, axes, 3, 2, exp, layout_interleaved(2, S_F32T_SHAPE, 2));
    axes[0] = axis_step(0.2);
    axes[1] = axis_coords(S_C128_X1);
    exp[0] = S_C128_OUT0;
    exp[1] = S_C128_OUT1;
    RUN_CASE(GRADIENT_COMPLEX128, S_C128, axes, 3, 2, exp, layout_f(2, S_C128_SHAPE));
    RUN_CASE(GRADIENT_COMPLEX128, S_C128, axes, 3, 2, exp, layout_interleaved(2, S_C128_SHAPE, 2));
}

int main(void) {
    RUN(test_transposed);
    RUN(test_stepped);
    RUN(test_negative_strides);
    RUN(test_column_major);
    RUN(test_broadcast_input);
    RUN(test_interleaved_outputs);
    RUN(test_output_strides_differ);
    RUN(test_3d);
    RUN(test_4d);
    RUN(test_float32_and_complex);
    return check_summary();
}
