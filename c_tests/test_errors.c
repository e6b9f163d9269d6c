/*
 * Every status the C API can return (GRADIENT_INTERNAL_ERROR, a caught Rust
 * panic, cannot be provoked from C): the status, its name, a message naming
 * the offending argument, error.axis where one axis is at fault, and no byte
 * of any output written. Also the successful calls that write nothing, a
 * NULL error pointer, the version and the instruction set.
 */
#include "check.h"

/* Outputs prefilled with the sentinel, for "nothing was written". */
static double out_a[64], out_b[64];

static void fill_outputs(void) {
    fill_sentinel(out_a, sizeof out_a);
    fill_sentinel(out_b, sizeof out_b);
}

static const double F12[12] = {1, 2, 4, 7, 11, 16, 22, 29, 37, 46, 56, 67};

/* Status, error.status, the status's name, error.axis, a message fragment,
 * a NUL-terminated message, and both outputs untouched. */
#define CHECK_ERROR(st, err, want, want_axis, fragment)                           \
    do {                                                                          \
        CHECK_STATUS((st), (want));                                               \
        CHECK_STATUS((err).status, (want));                                       \
        CHECK_STR(gradient_status_name(st), #want);                               \
        CHECK_INT((err).axis, (want_axis));                                       \
        CHECK(memchr((err).message, 0, GRADIENT_MESSAGE_SIZE) != NULL);           \
        CHECK_CONTAINS((err).message, (fragment));                                \
        CHECK_UNTOUCHED(out_a, sizeof out_a);                                     \
        CHECK_UNTOUCHED(out_b, sizeof out_b);                                     \
    } while (0)

/* ---- one test per status -------------------------------------------------- */

static void test_null_pointer(void) {
    size_t shape[2] = {3, 4};
    double *outs[2];
    GradientError err;
    GradientStatus st;
    outs[0] = out_a;
    outs[1] = out_b;

    fill_outputs();
    err = error_blank();
    st = gradient_f64(F12, 2, NULL, NULL, NULL, 3, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_NULL_POINTER, GRADIENT_NO_AXIS, "shape");

    err = error_blank();
    st = gradient_f64(NULL, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_NULL_POINTER, GRADIENT_NO_AXIS, "f ");

    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, NULL, 3, 1, NULL, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_NULL_POINTER, GRADIENT_NO_AXIS, "out");
    CHECK_CONTAINS(err.message, "must hold 2 entries");

    outs[1] = NULL;
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_NULL_POINTER, 1, "out[1]");
    CHECK_UNTOUCHED(out_a, sizeof out_a);

    outs[0] = NULL;
    outs[1] = out_b;
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err);
    CHECK_STATUS(st, GRADIENT_NULL_POINTER);
    CHECK_CONTAINS(err.message, "out[0]");
    CHECK_UNTOUCHED(out_b, sizeof out_b);
}

static void test_bad_ndim(void) {
    size_t shape[65];
    double *outs[1];
    GradientError err = error_blank();
    GradientStatus st;
    size_t k;
    for (k = 0; k < 65; k++) shape[k] = 1;
    outs[0] = out_a;
    fill_outputs();
    st = gradient_f64(F12, 65, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_NDIM, GRADIENT_NO_AXIS, "ndim");
    /* 64 dimensions are allowed: shape 2 x 1 x ... x 1, axis 0 */
    shape[0] = 2;
    err = error_blank();
    st = gradient_f64(F12, 64, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_OK(st, err);
    CHECK(out_a[0] == 1.0 && out_a[1] == 1.0);
}

static void test_bad_axis(void) {
    size_t shape[2] = {3, 4};
    double *outs[3];
    GradientError err = error_blank();
    GradientStatus st;
    outs[0] = out_a;
    outs[1] = out_b;
    outs[2] = out_b;
    fill_outputs();
    st = gradient_f64(F12, 2, shape, NULL, NULL, (1u << 0) | (1u << 2), 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_AXIS, 2, "axis_mask");
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, NULL, (uint64_t)1 << 63, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_AXIS, 63, "axis_mask");
    /* 0-d input: any bit is out of range */
    err = error_blank();
    st = gradient_f64(F12, 0, NULL, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_AXIS, 0, "axis_mask");
}

static void test_bad_edge_order(void) {
    size_t shape[2] = {3, 4};
    double *outs[2];
    uint32_t bad[4] = {0, 3, 7, 0xFFFFFFFFu};
    size_t i;
    outs[0] = out_a;
    outs[1] = out_b;
    fill_outputs();
    for (i = 0; i < 4; i++) {
        GradientError err = error_blank();
        GradientStatus st = gradient_f64(F12, 2, shape, NULL, NULL, 3, bad[i], outs, NULL, &err);
        CHECK_ERROR(st, err, GRADIENT_BAD_EDGE_ORDER, GRADIENT_NO_AXIS, "edge_order");
    }
}

static void test_too_small(void) {
    size_t shape[2] = {3, 2};
    double *outs[2];
    GradientError err = error_blank();
    GradientStatus st;
    outs[0] = out_a;
    outs[1] = out_b;
    fill_outputs();
    /* axis 1 has 2 samples; edge_order 2 needs 3 */
    st = gradient_f64(F12, 2, shape, NULL, NULL, 3, 2, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_TOO_SMALL, 1, "axis 1");
    CHECK_CONTAINS(err.message, "edge_order");
    /* edge_order 1 needs 2 */
    shape[0] = 1;
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_TOO_SMALL, 0, "axis 0");
    /* a selected axis of length 0 */
    shape[0] = 0;
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_TOO_SMALL, 0, "axis 0");
}

static void test_bad_end(void) {
    size_t shape[2] = {3, 4};
    double *outs[2];
    GradientAxis axes[2];
    GradientError err = error_blank();
    GradientStatus st;
    outs[0] = out_a;
    outs[1] = out_b;
    axes[0] = axis_step(1.0);
    axes[1] = axis_step(1.0);
    axes[1].upper = 5;
    fill_outputs();
    st = gradient_f64(F12, 2, shape, NULL, axes, 3, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_END, 1, "axes[1].upper");
    axes[1].upper = GRADIENT_END_ONE_SIDED;
    axes[0].lower = -1;
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, axes, 3, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_END, 0, "axes[0].lower");
    /* the entry of an axis that is not selected is ignored */
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, axes, 2, 1, outs, NULL, &err);
    CHECK_OK(st, err);
}

static void test_overflow(void) {
    size_t shape[2] = {SIZE_MAX / 2, 4};
    size_t shape1[1] = {3};
    ptrdiff_t huge[1] = {PTRDIFF_MAX / 4};
    ptrdiff_t unit[1] = {1};
    double *outs[2];
    GradientError err = error_blank();
    GradientStatus st;
    outs[0] = out_a;
    outs[1] = out_b;
    fill_outputs();
    /* the element count overflows */
    st = gradient_f64(F12, 2, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_OVERFLOW, GRADIENT_NO_AXIS, "shape");
    /* an input stride times the axis length overflows */
    err = error_blank();
    st = gradient_f64(F12, 1, shape1, huge, NULL, 1, 1, outs, unit, &err);
    CHECK_ERROR(st, err, GRADIENT_OVERFLOW, GRADIENT_NO_AXIS, "strides");
    /* an output stride times the axis length overflows */
    err = error_blank();
    st = gradient_f64(F12, 1, shape1, unit, NULL, 1, 1, outs, huge, &err);
    CHECK_ERROR(st, err, GRADIENT_OVERFLOW, GRADIENT_NO_AXIS, "out_strides");
    /* negative: the addresses would wrap below zero */
    huge[0] = -(PTRDIFF_MAX / 16);
    err = error_blank();
    st = gradient_f64(F12, 1, shape1, huge, NULL, 1, 1, outs, unit, &err);
    CHECK_ERROR(st, err, GRADIENT_OVERFLOW, GRADIENT_NO_AXIS, "strides");
}

static void test_misaligned(void) {
    /* Untyped pointers through gradient_dtype: no misaligned double* in C. */
    static double storage[16];
    const unsigned char *bytes = (const unsigned char *)storage;
    size_t shape[1] = {6};
    void *outs[1];
    GradientAxis ax;
    GradientError err = error_blank();
    GradientStatus st;
    outs[0] = out_a;
    fill_outputs();
    st = gradient_dtype(GRADIENT_FLOAT64, bytes + 1, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_MISALIGNED, GRADIENT_NO_AXIS, "f ");

    outs[0] = (unsigned char *)out_a + 4;
    err = error_blank();
    st = gradient_dtype(GRADIENT_FLOAT64, storage, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_MISALIGNED, GRADIENT_NO_AXIS, "out[0]");

    /* coordinates (an integer round trip: only the library looks at them) */
    outs[0] = out_a;
    ax = axis_coords((const double *)(uintptr_t)(bytes + 2));
    err = error_blank();
    st = gradient_dtype(GRADIENT_FLOAT64, storage, 1, shape, NULL, &ax, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_MISALIGNED, GRADIENT_NO_AXIS, "axes[0].coords");

    /* a float32 array needs 4-byte alignment only; float64 output, 8 */
    outs[0] = out_a;
    err = error_blank();
    st = gradient_dtype(GRADIENT_INT32, bytes + 4, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_OK(st, err);
    fill_outputs();
    err = error_blank();
    st = gradient_dtype(GRADIENT_INT32, bytes + 2, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_MISALIGNED, GRADIENT_NO_AXIS, "f ");
}

static void test_overlap(void) {
    size_t shape[2] = {3, 4};
    double f[12], copy[12];
    double *outs[2];
    ptrdiff_t zero_stride[2] = {0, 1};
    GradientAxis axes[2];
    GradientError err;
    GradientStatus st;
    size_t i;

    /* out aliases f (in-place is refused): f itself stays as it was */
    for (i = 0; i < 12; i++) f[i] = copy[i] = F12[i];
    outs[0] = f;
    fill_outputs();
    err = error_blank();
    st = gradient_f64(f, 2, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_STATUS(st, GRADIENT_OVERLAP);
    CHECK_STR(gradient_status_name(st), "GRADIENT_OVERLAP");
    CHECK_CONTAINS(err.message, "out[0]");
    CHECK_CONTAINS(err.message, "f");
    CHECK_INT(err.axis, 0);
    CHECK(memcmp(f, copy, sizeof f) == 0);

    /* out[1] overlaps f only partly, through a shifted pointer */
    outs[0] = out_a;
    outs[1] = f + 6;
    err = error_blank();
    st = gradient_f64(f, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err);
    CHECK_STATUS(st, GRADIENT_OVERLAP);
    CHECK_CONTAINS(err.message, "out[1]");
    CHECK_INT(err.axis, 1);
    CHECK(memcmp(f, copy, sizeof f) == 0);
    CHECK_UNTOUCHED(out_a, sizeof out_a);

    /* out[0] and out[1] are the same array */
    outs[0] = out_a;
    outs[1] = out_a;
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_OVERLAP, 1, "out[1]");
    CHECK_CONTAINS(err.message, "out[0]");

    /* ... or overlap by a few elements */
    outs[1] = out_a + 10;
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_OVERLAP, 1, "out[1]");

    /* a zero output stride on an axis longer than 1 */
    outs[0] = out_a;
    outs[1] = out_b;
    err = error_blank();
    st = gradient_f64(F12, 2, shape, NULL, NULL, 1, 1, outs, zero_stride, &err);
    CHECK_ERROR(st, err, GRADIENT_OVERLAP, GRADIENT_NO_AXIS, "out_strides");

    /* an output overlapping the coordinates of an axis */
    for (i = 0; i < 4; i++) out_b[i] = (double)i;
    axes[0] = axis_step(1.0);
    axes[1] = axis_coords(out_b);
    outs[0] = out_a;
    outs[1] = out_b;
    err = error_blank();
    fill_sentinel(out_a, sizeof out_a);
    st = gradient_f64(F12, 2, shape, NULL, axes, 3, 1, outs, NULL, &err);
    CHECK_STATUS(st, GRADIENT_OVERLAP);
    CHECK_CONTAINS(err.message, "axes[1].coords");
    CHECK_CONTAINS(err.message, "out[1]");
    CHECK_INT(err.axis, 1);
    CHECK_UNTOUCHED(out_a, sizeof out_a);
    for (i = 0; i < 4; i++) CHECK(out_b[i] == (double)i);
}

static void test_overlap_allowed(void) {
    /* A zero output stride on an axis of length 1 maps no two elements together. */
    size_t shape[2] = {1, 6};
    ptrdiff_t out_strides[2] = {0, 1};
    double *outs[1];
    GradientError err = error_blank();
    const double want[6] = {1, 1.5, 2.5, 3.5, 4.5, 5}; /* numpy: np.gradient([1,2,4,7,11,16]) */
    outs[0] = out_a;
    CHECK_OK(gradient_f64(F12, 2, shape, NULL, NULL, 2, 1, outs, out_strides, &err), err);
    CHECK_F64_ARRAY(out_a, want, 6);
    /* Outputs in disjoint halves of one buffer. */
    {
        size_t shape1[1] = {6};
        double *two[1];
        two[0] = out_a + 6;
        CHECK_OK(gradient_f64(F12, 1, shape1, NULL, NULL, 1, 1, two, NULL, &err), err);
        CHECK_F64_ARRAY(out_a + 6, want, 6);
    }
}

static void test_bad_dtype(void) {
    size_t shape[1] = {6};
    void *outs[1];
    int bad[3] = {12, -1, 1000};
    size_t i;
    outs[0] = out_a;
    fill_outputs();
    for (i = 0; i < 3; i++) {
        GradientError err = error_blank();
        GradientStatus st = gradient_dtype(bad[i], F12, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err);
        CHECK_ERROR(st, err, GRADIENT_BAD_DTYPE, GRADIENT_NO_AXIS, "dtype");
    }
}

/* ---- successes that write nothing, and the error pointer -------------------- */

static void test_null_error_pointer(void) {
    size_t shape[1] = {6};
    double *outs[1];
    outs[0] = out_a;
    fill_outputs();
    CHECK_STATUS(gradient_f64(F12, 1, shape, NULL, NULL, 1, 3, outs, NULL, NULL), GRADIENT_BAD_EDGE_ORDER);
    CHECK_UNTOUCHED(out_a, sizeof out_a);
    CHECK_STATUS(gradient_dtype(99, F12, 1, shape, NULL, NULL, 1, 1, (void *const *)outs, NULL, NULL),
                 GRADIENT_BAD_DTYPE);
    CHECK_STATUS(gradient_f64(F12, 1, shape, NULL, NULL, 1, 1, outs, NULL, NULL), GRADIENT_OK);
    CHECK(out_a[0] == 1.0 && out_a[5] == 5.0);
}

static void test_success_clears_error(void) {
    size_t shape[1] = {6};
    double *outs[1];
    GradientError err = error_blank();
    outs[0] = out_a;
    CHECK_OK(gradient_f64(F12, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err), err);
    CHECK_STATUS(err.status, GRADIENT_OK);
    CHECK_INT(err.axis, GRADIENT_NO_AXIS);
    CHECK_STR(err.message, "");
}

static void test_no_axis_selected(void) {
    size_t shape[2] = {3, 4};
    double *outs[2];
    GradientError err;
    outs[0] = out_a;
    outs[1] = out_b;
    fill_outputs();
    err = error_blank();
    CHECK_OK(gradient_f64(F12, 2, shape, NULL, NULL, 0, 1, outs, NULL, &err), err);
    CHECK_UNTOUCHED(out_a, sizeof out_a);
    CHECK_UNTOUCHED(out_b, sizeof out_b);
    /* f and out may then be NULL */
    err = error_blank();
    CHECK_OK(gradient_f64(NULL, 2, shape, NULL, NULL, 0, 1, NULL, NULL, &err), err);
    CHECK_STR(err.message, "");
    /* 0-d input, numpy's empty tuple */
    err = error_blank();
    CHECK_OK(gradient_f64(NULL, 0, NULL, NULL, NULL, 0, 1, NULL, NULL, &err), err);
    err = error_blank();
    CHECK_OK(gradient_dtype(GRADIENT_UINT16, NULL, 0, NULL, NULL, NULL, 0, 2, NULL, NULL, &err), err);
}

static void test_zero_length_unselected_axis(void) {
    size_t shape[2] = {0, 5};
    double *outs[1];
    GradientError err;
    outs[0] = out_a;
    fill_outputs();
    err = error_blank();
    CHECK_OK(gradient_f64(F12, 2, shape, NULL, NULL, 2, 2, outs, NULL, &err), err);
    CHECK_UNTOUCHED(out_a, sizeof out_a);
    err = error_blank();
    CHECK_OK(gradient_f64(NULL, 2, shape, NULL, NULL, 2, 1, NULL, NULL, &err), err);
    shape[0] = 5;
    shape[1] = 0;
    err = error_blank();
    CHECK_OK(gradient_f64(NULL, 2, shape, NULL, NULL, 1, 1, NULL, NULL, &err), err);
}

static void test_validation_order(void) {
    /* The first failing check wins (src/ffi/call.rs): ndim, shape, element
     * count, axis_mask, edge_order, ends, lengths, then pointers and memory. */
    size_t shape[2] = {3, 2};
    double *outs[2];
    GradientAxis axes[2];
    GradientError err = error_blank();
    outs[0] = NULL;
    outs[1] = NULL;
    axes[0] = axis_step(1.0);
    axes[1] = axis_step(1.0);
    axes[1].lower = 9;
    CHECK_STATUS(gradient_f64(NULL, 65, NULL, NULL, NULL, 1u << 7, 9, NULL, NULL, &err), GRADIENT_BAD_NDIM);
    CHECK_STATUS(gradient_f64(NULL, 2, NULL, NULL, NULL, 1u << 7, 9, NULL, NULL, &err), GRADIENT_NULL_POINTER);
    CHECK_STATUS(gradient_f64(NULL, 2, shape, NULL, axes, 1u << 7, 9, NULL, NULL, &err), GRADIENT_BAD_AXIS);
    CHECK_STATUS(gradient_f64(NULL, 2, shape, NULL, axes, 3, 9, NULL, NULL, &err), GRADIENT_BAD_EDGE_ORDER);
    CHECK_STATUS(gradient_f64(NULL, 2, shape, NULL, axes, 3, 2, NULL, NULL, &err), GRADIENT_BAD_END);
    axes[1].lower = GRADIENT_END_ONE_SIDED;
    CHECK_STATUS(gradient_f64(NULL, 2, shape, NULL, axes, 3, 2, NULL, NULL, &err), GRADIENT_TOO_SMALL);
    CHECK_STATUS(gradient_f64(NULL, 2, shape, NULL, axes, 3, 1, outs, NULL, &err), GRADIENT_NULL_POINTER);
    CHECK_CONTAINS(err.message, "f ");
}

/* A plain 1-D call (contiguous, aligned, apart, a scalar step, a short lane)
 * takes a shorter path (src/ffi/call.rs, plain_lane); a call one condition
 * away from it must get the same answer as ever: here each condition in turn. */
static void test_one_dimensional_calls(void) {
    const double want[6] = {1, 1.5, 2.5, 3.5, 4.5, 5};           /* np.gradient(F12[:6]) */
    const double want_h2[6] = {0.5, 0.75, 1.25, 1.75, 2.25, 2.5}; /* ... , 2.0) */
    const double want_rev[6] = {-5, -4.5, -3.5, -2.5, -1.5, -1};  /* np.gradient(F12[5::-1]) */
    const double want_e2[6] = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5};     /* ..., edge_order=2 */
    size_t shape[1] = {6};
    ptrdiff_t one[1] = {1}, minus_one[1] = {-1}, zero[1] = {0};
    double buf[20];
    double *outs[1];
    GradientAxis ax = axis_step(2.0);
    GradientError err = error_blank();
    GradientStatus st;
    size_t i;

    outs[0] = out_a;
    CHECK_OK(gradient_f64(F12, 1, shape, one, NULL, 1, 1, outs, one, &err), err);
    CHECK_F64_ARRAY(out_a, want, 6);
    CHECK_OK(gradient_f64(F12, 1, shape, NULL, &ax, 1, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(out_a, want_h2, 6);
    CHECK_OK(gradient_f64(F12 + 5, 1, shape, minus_one, NULL, 1, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(out_a, want_rev, 6);
    CHECK_OK(gradient_f64(F12, 1, shape, NULL, NULL, 1, 2, outs, NULL, &err), err);
    CHECK_F64_ARRAY(out_a, want_e2, 6);
    fill_outputs();
    CHECK_OK(gradient_f64(F12, 1, shape, NULL, NULL, 0, 1, outs, NULL, &err), err);
    CHECK_UNTOUCHED(out_a, sizeof out_a);

    st = gradient_f64(F12, 1, NULL, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_NULL_POINTER, GRADIENT_NO_AXIS, "shape");
    st = gradient_f64(NULL, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_NULL_POINTER, GRADIENT_NO_AXIS, "f ");
    st = gradient_f64(F12, 1, shape, NULL, NULL, 1, 1, NULL, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_NULL_POINTER, GRADIENT_NO_AXIS, "out");
    outs[0] = NULL;
    st = gradient_f64(F12, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_NULL_POINTER, 0, "out[0]");
    outs[0] = out_a;
    st = gradient_f64(F12, 1, shape, NULL, NULL, 3, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_AXIS, 1, "axis 1");
    st = gradient_f64(F12, 1, shape, NULL, NULL, 1, 3, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_EDGE_ORDER, GRADIENT_NO_AXIS, "edge_order");
    ax.lower = 1;
    st = gradient_f64(F12, 1, shape, NULL, &ax, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_END, 0, "axes[0].lower");
    ax.lower = GRADIENT_END_ONE_SIDED;
    ax.upper = 1;
    st = gradient_f64(F12, 1, shape, NULL, &ax, 1, 1, outs, NULL, &err);
    CHECK_ERROR(st, err, GRADIENT_BAD_END, 0, "axes[0].upper");
    for (i = 0; i < 3; i++) {
        size_t n[1];
        n[0] = i;
        st = gradient_f64(F12, 1, n, NULL, NULL, 1, i == 2 ? 2 : 1, outs, NULL, &err);
        CHECK_ERROR(st, err, GRADIENT_TOO_SMALL, 0, "axis 0");
    }
    st = gradient_f64(F12, 1, shape, NULL, NULL, 1, 1, outs, zero, &err);
    CHECK_ERROR(st, err, GRADIENT_OVERLAP, GRADIENT_NO_AXIS, "out_strides");

    /* The output over the input, by all of it or by one element either
     * way, is refused and leaves the input as it was; right next to it
     * either way is fine. The input is buf[6..12]. */
    for (i = 0; i < 5; i++) {
        const size_t at[5] = {6, 1, 11, 0, 12};
        size_t k;
        for (k = 0; k < 20; k++) buf[k] = k >= 6 && k < 12 ? F12[k - 6] : -1.0;
        outs[0] = buf + at[i];
        st = gradient_f64(buf + 6, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err);
        if (i < 3) {
            CHECK_ERROR(st, err, GRADIENT_OVERLAP, 0, "out[0] shares memory with f");
            CHECK_F64_ARRAY(buf + 6, F12, 6);
        } else {
            CHECK_OK(st, err);
            CHECK_F64_ARRAY(buf + at[i], want, 6);
        }
    }
}

static void test_status_names(void) {
    CHECK_STR(gradient_status_name(GRADIENT_OK), "GRADIENT_OK");
    CHECK_STR(gradient_status_name(GRADIENT_NULL_POINTER), "GRADIENT_NULL_POINTER");
    CHECK_STR(gradient_status_name(GRADIENT_BAD_NDIM), "GRADIENT_BAD_NDIM");
    CHECK_STR(gradient_status_name(GRADIENT_BAD_AXIS), "GRADIENT_BAD_AXIS");
    CHECK_STR(gradient_status_name(GRADIENT_BAD_EDGE_ORDER), "GRADIENT_BAD_EDGE_ORDER");
    CHECK_STR(gradient_status_name(GRADIENT_TOO_SMALL), "GRADIENT_TOO_SMALL");
    CHECK_STR(gradient_status_name(GRADIENT_BAD_END), "GRADIENT_BAD_END");
    CHECK_STR(gradient_status_name(GRADIENT_OVERFLOW), "GRADIENT_OVERFLOW");
    CHECK_STR(gradient_status_name(GRADIENT_MISALIGNED), "GRADIENT_MISALIGNED");
    CHECK_STR(gradient_status_name(GRADIENT_OVERLAP), "GRADIENT_OVERLAP");
    CHECK_STR(gradient_status_name(GRADIENT_BAD_DTYPE), "GRADIENT_BAD_DTYPE");
    CHECK_STR(gradient_status_name(GRADIENT_INTERNAL_ERROR), "GRADIENT_INTERNAL_ERROR");
    CHECK_STR(gradient_status_name(12), "GRADIENT_UNKNOWN_STATUS");
    CHECK_STR(gradient_status_name(-1), "GRADIENT_UNKNOWN_STATUS");
}

static void test_version(void) {
    char built[32];
    CHECK_STR(gradient_version(), GRADIENT_VERSION_STRING);
    sprintf(built, "%d.%d.%d", GRADIENT_VERSION_MAJOR, GRADIENT_VERSION_MINOR, GRADIENT_VERSION_PATCH);
    CHECK_STR(built, GRADIENT_VERSION_STRING);
}

/* The instruction set is "avx2" or "baseline", and "baseline" whenever
 * GRADIENT_CPU=baseline asks for it (the test script runs the suite both
 * ways). */
static void test_instruction_set(void) {
    const char *set = gradient_instruction_set();
    const char *env = getenv("GRADIENT_CPU");
    CHECK(!strcmp(set, "avx2") || !strcmp(set, "baseline"));
    if (env && !strcmp(env, "baseline")) CHECK_STR(set, "baseline");
}

int main(void) {
    RUN(test_null_pointer);
    RUN(test_bad_ndim);
    RUN(test_bad_axis);
    RUN(test_bad_edge_order);
    RUN(test_too_small);
    RUN(test_bad_end);
    RUN(test_overflow);
    RUN(test_misaligned);
    RUN(test_overlap);
    RUN(test_overlap_allowed);
    RUN(test_bad_dtype);
    RUN(test_null_error_pointer);
    RUN(test_success_clears_error);
    RUN(test_no_axis_selected);
    RUN(test_zero_length_unselected_axis);
    RUN(test_validation_order);
    RUN(test_one_dimensional_calls);
    RUN(test_status_names);
    RUN(test_version);
    RUN(test_instruction_set);
    return check_summary();
}
