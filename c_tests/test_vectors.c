/*
 * SEMANTICS.md section 4 from C: every worked vector and every example of the
 * product brief, compared bit for bit with numpy's results (expected.h, made
 * by gen_expected.py). Built twice: against libgradient.so and libgradient.a.
 */
#include "check.h"
#include "expected.h"

/* gradient_f64 along the one axis of a 1-D array. */
static GradientStatus grad_1d(const double *f, size_t n, GradientAxis axis, uint32_t edge_order, double *out) {
    size_t shape[1];
    double *outs[1];
    GradientError err = error_blank();
    GradientStatus st;
    shape[0] = n;
    outs[0] = out;
    st = gradient_f64(f, 1, shape, NULL, &axis, 1, edge_order, outs, NULL, &err);
    if (st != GRADIENT_OK) fprintf(stderr, "  gradient_f64: %s: %s\n", gradient_status_name(st), err.message);
    return st;
}

/* ---- worked vectors ------------------------------------------------------- */

static void test_1d_unit_spacing_and_coordinates(void) {
    double out[6];
    CHECK_STATUS(grad_1d(V_A_F, 6, axis_step(1.0), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_A_UNIT, 6);
    CHECK_STATUS(grad_1d(V_A_F, 6, axis_step(2.0), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_A_STEP2, 6);
    CHECK_STATUS(grad_1d(V_A_F, 6, axis_coords(V_A_X), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_A_COORDS, 6);
    CHECK_STATUS(grad_1d(V_A_F, 6, axis_step(1.0), 2, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_A_UNIT_E2, 6);
    CHECK_STATUS(grad_1d(V_A_F, 6, axis_coords(V_A_X), 2, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_A_COORDS_E2, 6);
}

static void test_null_axes_means_unit_spacing(void) {
    double out[6];
    double *outs[1];
    size_t shape[1] = {6};
    outs[0] = out;
    CHECK_STATUS(gradient_f64(V_A_F, 1, shape, NULL, NULL, 1, 1, outs, NULL, NULL), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_A_UNIT, 6);
}

static void test_short_vector(void) {
    double out[4];
    CHECK_STATUS(grad_1d(V_B_F, 4, axis_step(1.0), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_B_UNIT, 4);
    CHECK_STATUS(grad_1d(V_B_F, 4, axis_step(0.5), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_B_HALF, 4);
    {
        /* "spacing 0.5 doubles every value": exact mathematics too. */
        size_t i;
        for (i = 0; i < 4; i++) CHECK(out[i] == 2.0 * V_B_UNIT[i]);
    }
    CHECK_STATUS(grad_1d(V_B_F, 4, axis_coords(V_B_X), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_B_COORDS, 4);
}

static void test_more_1d(void) {
    double out[5];
    CHECK_STATUS(grad_1d(V_C_F, 5, axis_step(1.0), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_C_UNIT, 5);
    CHECK_STATUS(grad_1d(V_C2_F, 4, axis_coords(V_C2_X), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_C2_COORDS, 4);
    CHECK_STATUS(grad_1d(V_D_F, 5, axis_step(1.0), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_D_E1, 5);
    CHECK_STATUS(grad_1d(V_D_F, 5, axis_step(1.0), 2, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_D_E2, 5);
    CHECK_STATUS(grad_1d(V_E_F, 5, axis_coords(V_E_X), 2, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_E_E2, 5);
}

static void test_2d_both_axes_and_mixed_spacing(void) {
    size_t shape[2] = {2, 3};
    double g0[6], g1[6];
    double *outs[2];
    GradientAxis axes[2];
    GradientError err = error_blank();
    outs[0] = g0;
    outs[1] = g1;
    CHECK_OK(gradient_f64(V_F_F, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(g0, V_F_AXIS0, 6);
    CHECK_F64_ARRAY(g1, V_F_AXIS1, 6);
    CHECK_STATUS(err.status, GRADIENT_OK);
    CHECK_INT(err.axis, GRADIENT_NO_AXIS);
    CHECK_STR(err.message, "");

    axes[0] = axis_step(2.0);
    axes[1] = axis_coords(V_F_X1);
    CHECK_OK(gradient_f64(V_F_F, 2, shape, NULL, axes, 3, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(g0, V_F_MIXED0, 6);
    CHECK_F64_ARRAY(g1, V_F_MIXED1, 6);

    /* One axis at a time gives the same arrays. */
    CHECK_OK(gradient_f64(V_F_F, 2, shape, NULL, axes, 1, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(g0, V_F_MIXED0, 6);
    CHECK_OK(gradient_f64(V_F_F, 2, shape, NULL, axes, 2, 1, outs + 1, NULL, &err), err);
    CHECK_F64_ARRAY(g1, V_F_MIXED1, 6);
}

static void test_uint8_through_gradient_dtype(void) {
    size_t shape[1] = {3};
    double out[3];
    void *outs[1];
    GradientError err = error_blank();
    outs[0] = out;
    CHECK_OK(gradient_dtype(GRADIENT_UINT8, V_G_U8, 1, shape, NULL, NULL, 1, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(out, V_G_OUT, 3);
}

static void test_nan_propagates(void) {
    double out[5];
    CHECK_STATUS(grad_1d(V_H_F, 5, axis_step(1.0), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_H_OUT, 5);
    CHECK(isnan(out[0]) && isnan(out[2]) && !isnan(out[1]));
}

static void test_repeated_coordinates(void) {
    double out[3];
    CHECK_STATUS(grad_1d(V_I_F, 3, axis_coords(V_I_X), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_I_OUT, 3);
    CHECK(isinf(out[0]) && out[0] > 0);
    CHECK(isnan(out[1]));
}

/* ---- the product brief ------------------------------------------------------ */

static void test_brief_squares(void) {
    double out[5];
    CHECK_STATUS(grad_1d(V_Y_F, 5, axis_step(1.0), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_Y_UNIT, 5);
    CHECK_STATUS(grad_1d(V_Y_F, 5, axis_coords(V_Y_X), 1, out), GRADIENT_OK);
    CHECK_F64_ARRAY(out, V_Y_COORDS, 5);
}

static void test_brief_surface(void) {
    size_t shape[2] = {5, 5};
    double dy[25], dx[25];
    double *outs[2];
    GradientAxis axes[2];
    GradientError err = error_blank();
    outs[0] = dy;
    outs[1] = dx;
    CHECK_OK(gradient_f64(V_SURF_Z, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(dy, V_SURF_DY, 25);
    CHECK_F64_ARRAY(dx, V_SURF_DX, 25);
    /* Exact mathematics: both derivatives vanish at the centre. */
    CHECK(dy[12] == 0.0 && dx[12] == 0.0);

    axes[0] = axis_coords(V_SURF_YS);
    axes[1] = axis_coords(V_SURF_XS);
    CHECK_OK(gradient_f64(V_SURF_Z, 2, shape, NULL, axes, 3, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(dy, V_SURF_DY_COORDS, 25);
    CHECK_F64_ARRAY(dx, V_SURF_DX_COORDS, 25);
    CHECK_OK(gradient_f64(V_SURF_Z, 2, shape, NULL, axes, 3, 2, outs, NULL, &err), err);
    CHECK_F64_ARRAY(dy, V_SURF_DY_E2, 25);
    CHECK_F64_ARRAY(dx, V_SURF_DX_E2, 25);
    CHECK(dy[12] == 0.0 && dx[12] == 0.0);
}

static void test_brief_3d_field(void) {
    enum { N = 10 * 20 * 20 };
    static double a[N], b[N];
    size_t shape[3] = {10, 20, 20};
    double *outs[2];
    GradientAxis axes[3];
    GradientError err = error_blank();
    outs[0] = a;
    outs[1] = b;

    /* Axis 1 alone. */
    CHECK_OK(gradient_f64(V_FIELD, 3, shape, NULL, NULL, 1u << 1, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(a, V_FIELD_AXIS1, N);

    /* Axes 1 and 2, spacing 0.5 and coordinates; axis 0's entry is ignored. */
    axes[0] = axis_step(NAN);
    axes[1] = axis_step(0.5);
    axes[2] = axis_coords(V_FIELD_X2);
    CHECK_OK(gradient_f64(V_FIELD, 3, shape, NULL, axes, (1u << 1) | (1u << 2), 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(a, V_FIELD_AXES12_1, N);
    CHECK_F64_ARRAY(b, V_FIELD_AXES12_2, N);

    /* Axis 0 alone, edge_order 2. */
    CHECK_OK(gradient_f64(V_FIELD, 3, shape, NULL, NULL, 1u << 0, 2, outs, NULL, &err), err);
    CHECK_F64_ARRAY(a, V_FIELD_AXIS0_E2, N);
}

static void test_brief_edge_detection(void) {
    enum { R = 100, C = 100 };
    static double img[R * C], gy[R * C], gx[R * C];
    size_t shape[2] = {R, C};
    double *outs[2];
    double row_max[C];
    size_t i, j, peaks[C], npeaks = 0;
    double best = 0.0;
    GradientError err = error_blank();
    for (i = 0; i < R; i++)
        for (j = 0; j < C; j++) img[i * C + j] = j < C / 2 ? 0.0 : 255.0;
    outs[0] = gy;
    outs[1] = gx;
    CHECK_OK(gradient_f64(img, 2, shape, NULL, NULL, 3, 1, outs, NULL, &err), err);
    for (i = 0; i < R; i++) {
        CHECK_F64_ARRAY(gx + i * C, V_EDGE_GX_ROW, C);
        CHECK_F64_ARRAY(gy + i * C, V_EDGE_GY_ROW, C);
    }
    /* The magnitude sqrt(gx^2 + gy^2) peaks at the edge columns. */
    for (j = 0; j < C; j++) {
        row_max[j] = 0.0;
        for (i = 0; i < R; i++) {
            double m = sqrt(gx[i * C + j] * gx[i * C + j] + gy[i * C + j] * gy[i * C + j]);
            if (m > row_max[j]) row_max[j] = m;
        }
        if (row_max[j] > best) best = row_max[j];
    }
    for (j = 0; j < C; j++)
        if (row_max[j] == best) peaks[npeaks++] = j;
    CHECK_INT(npeaks, 2);
    CHECK_INT(peaks[0], V_EDGE_PEAK_LO);
    CHECK_INT(peaks[npeaks > 1 ? 1 : 0], V_EDGE_PEAK_HI);
    CHECK(best == V_EDGE_PEAK_VALUE);
}

static void test_brief_kinematics(void) {
    double v[101], a[101], vdt[101];
    size_t i;
    CHECK_STATUS(grad_1d(V_KIN_P, 101, axis_coords(V_KIN_T), 1, v), GRADIENT_OK);
    CHECK_F64_ARRAY(v, V_KIN_V, 101);
    CHECK_STATUS(grad_1d(v, 101, axis_coords(V_KIN_T), 1, a), GRADIENT_OK);
    CHECK_F64_ARRAY(a, V_KIN_A, 101);
    CHECK_STATUS(grad_1d(V_KIN_P, 101, axis_step(V_KIN_DT), 1, vdt), GRADIENT_OK);
    CHECK_F64_ARRAY(vdt, V_KIN_V_DT, 101);
    /* The physics, within rounding: velocity 10t + 2 in the interior ... */
    for (i = 1; i + 1 < 101; i++) CHECK_NEAR_REL(v[i], 10.0 * V_KIN_T[i] + 2.0, 5e-13);
    /* ... and acceleration 10 away from the ends. */
    for (i = 2; i + 2 < 101; i++) CHECK_NEAR_REL(a[i], 10.0, 1e-10);
}

static void test_brief_per_axis_spacing(void) {
    size_t shape[2] = {5, 5};
    double dy[25], dx[25];
    double *outs[2];
    GradientAxis axes[2];
    GradientError err = error_blank();
    outs[0] = dy;
    outs[1] = dx;
    axes[0] = axis_coords(V_PER_Y); /* uniform: numpy reduces it to h = 1 */
    axes[1] = axis_coords(V_PER_X); /* non-uniform */
    CHECK_OK(gradient_f64(V_PER_Z, 2, shape, NULL, axes, 3, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(dy, V_PER_DY, 25);
    CHECK_F64_ARRAY(dx, V_PER_DX, 25);
    /* The uniform coordinates act exactly like a step of 1. */
    axes[0] = axis_step(1.0);
    CHECK_OK(gradient_f64(V_PER_Z, 2, shape, NULL, axes, 3, 1, outs, NULL, &err), err);
    CHECK_F64_ARRAY(dy, V_PER_DY, 25);
}

int main(void) {
    printf("libgradient %s, expected values from numpy %s\n", gradient_version(), EXPECTED_NUMPY_VERSION);
    RUN(test_1d_unit_spacing_and_coordinates);
    RUN(test_null_axes_means_unit_spacing);
    RUN(test_short_vector);
    RUN(test_more_1d);
    RUN(test_2d_both_axes_and_mixed_spacing);
    RUN(test_uint8_through_gradient_dtype);
    RUN(test_nan_propagates);
    RUN(test_repeated_coordinates);
    RUN(test_brief_squares);
    RUN(test_brief_surface);
    RUN(test_brief_3d_field);
    RUN(test_brief_edge_detection);
    RUN(test_brief_kinematics);
    RUN(test_brief_per_axis_spacing);
    return check_summary();
}
