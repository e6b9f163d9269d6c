/*
 * gradient_demo: the product brief's examples (SEMANTICS.md section 4) through
 * the C API, each result printed next to numpy.gradient's. numpy's values are
 * hardcoded below, copied from numpy 2.4.6 with full precision; "match" means
 * bit for bit (signed zeros included). Exits nonzero on any mismatch.
 *
 * Build: cmake --build build --target gradient_demo && ./build/gradient_demo
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradient.h"

static int mismatches = 0;

/* Shortest %g form that reads back as the same double. */
static void fmt(char *buf, size_t size, double v) {
    int p;
    for (p = 6; p <= 17; p++) { /* %g drops trailing zeros */
        snprintf(buf, size, "%.*g", p, v);
        if (strtod(buf, NULL) == v) break;
    }
}

static void print_row(const char *who, const double *v, size_t n) {
    size_t i;
    char num[32];
    printf("    %-12s[", who);
    for (i = 0; i < n; i++) {
        fmt(num, sizeof num, v[i]);
        printf("%s%s", i ? ", " : "", num);
    }
    printf("]");
}

/* Prints our result and numpy's; "match" if they are the same bits. */
static void show(const char *title, const double *ours, const double *numpy, size_t n) {
    int same = memcmp(ours, numpy, n * sizeof(double)) == 0;
    printf("  %s\n", title);
    print_row("libgradient", ours, n);
    printf("\n");
    print_row("numpy", numpy, n);
    printf("  %s\n", same ? "match" : "MISMATCH");
    if (!same) mismatches++;
}

/* One gradient_f64 call; any error is reported and counted. */
static void grad(const double *f, size_t ndim, const size_t *shape, const GradientAxis *axes, uint64_t mask,
                 double *out0, double *out1) {
    double *outs[2];
    GradientError err;
    GradientStatus st;
    outs[0] = out0;
    outs[1] = out1;
    st = gradient_f64(f, ndim, shape, NULL, axes, mask, 1, outs, NULL, &err);
    if (st != GRADIENT_OK) {
        printf("  error: %s: %s\n", gradient_status_name(st), err.message);
        mismatches++;
    }
}

static GradientAxis step(double h) {
    GradientAxis a;
    a.step = h;
    a.coords = NULL;
    a.lower = GRADIENT_END_ONE_SIDED;
    a.upper = GRADIENT_END_ONE_SIDED;
    return a;
}

static GradientAxis coords(const double *x) {
    GradientAxis a = step(1.0);
    a.coords = x;
    return a;
}

static void one_dimensional(void) {
    static const double f1[6] = {1, 2, 4, 7, 11, 16};
    static const double np1[6] = {1.0, 1.5, 2.5, 3.5, 4.5, 5.0};
    static const double f2[4] = {5, 7, 4, 8};
    static const double x2[4] = {0, 1, 3, 3.5};
    static const double np2_unit[4] = {2.0, -0.5, 0.5, 4.0};
    static const double np2_half[4] = {4.0, -1.0, 1.0, 8.0};
    static const double np2_x[4] = {2.0, 0.8333333333333336, 6.1000000000000005, 8.0};
    static const double y[5] = {0, 1, 4, 9, 16};
    static const double xy[5] = {0, 1, 3, 6, 10};
    static const double npy_unit[5] = {1.0, 2.0, 4.0, 6.0, 7.0};
    static const double npy_x[5] = {1.0, 1.1666666666666665, 1.5666666666666667, 1.7023809523809523, 1.75};
    size_t n6 = 6, n4 = 4, n5 = 5;
    double out[6];
    GradientAxis a;

    printf("1-D arrays\n");
    grad(f1, 1, &n6, NULL, 1, out, NULL);
    show("np.gradient([1, 2, 4, 7, 11, 16])", out, np1, 6);
    grad(f2, 1, &n4, NULL, 1, out, NULL);
    show("np.gradient([5, 7, 4, 8])", out, np2_unit, 4);
    a = step(0.5);
    grad(f2, 1, &n4, &a, 1, out, NULL);
    show("np.gradient([5, 7, 4, 8], 0.5)", out, np2_half, 4);
    a = coords(x2);
    grad(f2, 1, &n4, &a, 1, out, NULL);
    show("np.gradient([5, 7, 4, 8], [0, 1, 3, 3.5])", out, np2_x, 4);
    grad(y, 1, &n5, NULL, 1, out, NULL);
    show("np.gradient(y), y = [0, 1, 4, 9, 16]", out, npy_unit, 5);
    a = coords(xy);
    grad(y, 1, &n5, &a, 1, out, NULL);
    show("np.gradient(y, [0, 1, 3, 6, 10])", out, npy_x, 5);
}

static void surface(void) {
    /* Z = X**2 + Y**2 on meshgrid(linspace(-2, 2, 5), linspace(-2, 2, 5)) */
    static const double np_dy_col2[5] = {-3.0, -2.0, 0.0, 2.0, 3.0};
    static const double np_dx_row2[5] = {-3.0, -2.0, 0.0, 2.0, 3.0};
    double z[25], dy[25], dx[25], col[5];
    size_t shape[2] = {5, 5}, i, j;
    for (i = 0; i < 5; i++)
        for (j = 0; j < 5; j++) {
            double x = -2.0 + (double)j, yv = -2.0 + (double)i;
            z[i * 5 + j] = x * x + yv * yv;
        }
    printf("5x5 surface Z = X**2 + Y**2, dZdy, dZdx = np.gradient(Z)\n");
    grad(z, 2, shape, NULL, 3, dy, dx);
    for (i = 0; i < 5; i++) col[i] = dy[i * 5 + 2];
    show("dZdy[:, 2] (axis 0, d/dy)", col, np_dy_col2, 5);
    show("dZdx[2, :] (axis 1, d/dx)", dx + 10, np_dx_row2, 5);
    printf("    at the centre: dZdy = %g, dZdx = %g\n", dy[12], dx[12]);
}

static void field3d(void) {
    /* f[i, j, k] = i*i + 0.5*j*k - k, shape (10, 20, 20); values at
     * (0, 0, 0), (3, 7, 11) and (9, 19, 19) */
    enum { N = 10 * 20 * 20 };
    static double f[N], a[N], b[N];
    static const double np_axis1[3] = {0.0, 5.5, 9.5};
    static const double np_axes12_1[3] = {0.0, 5.5, 9.5};
    static const double np_axes12_2[3] = {-1.0, 2.5, 8.5};
    static const double np_axis0[3] = {1.0, 6.0, 17.0};
    static const size_t at[3] = {0, 3 * 400 + 7 * 20 + 11, 9 * 400 + 19 * 20 + 19};
    size_t shape[3] = {10, 20, 20}, i, j, k;
    double got[3];
    for (i = 0; i < 10; i++)
        for (j = 0; j < 20; j++)
            for (k = 0; k < 20; k++)
                f[i * 400 + j * 20 + k] = (double)(i * i) + 0.5 * (double)j * (double)k - (double)k;
    printf("3-D field of shape (10, 20, 20), f = i*i + 0.5*j*k - k; values at (0,0,0), (3,7,11), (9,19,19)\n");
    grad(f, 3, shape, NULL, 1u << 1, a, NULL);
    for (i = 0; i < 3; i++) got[i] = a[at[i]];
    show("np.gradient(f, axis=1): one array of shape (10, 20, 20)", got, np_axis1, 3);
    grad(f, 3, shape, NULL, (1u << 1) | (1u << 2), a, b);
    for (i = 0; i < 3; i++) got[i] = a[at[i]];
    show("np.gradient(f, axis=(1, 2))[0]: two arrays of shape (10, 20, 20)", got, np_axes12_1, 3);
    for (i = 0; i < 3; i++) got[i] = b[at[i]];
    show("np.gradient(f, axis=(1, 2))[1]", got, np_axes12_2, 3);
    grad(f, 3, shape, NULL, 1u << 0, a, NULL);
    for (i = 0; i < 3; i++) got[i] = a[at[i]];
    show("np.gradient(f, axis=0): one array of shape (10, 20, 20)", got, np_axis0, 3);
}

static void edges(void) {
    /* 100x100, 0 on the left half, 255 on the right: numpy's magnitude
     * sqrt(gx**2 + gy**2) peaks at columns 49 and 50, with 127.5 */
    enum { R = 100, C = 100 };
    static double img[R * C], gy[R * C], gx[R * C];
    static const double np_peaks[3] = {49.0, 50.0, 127.5};
    size_t shape[2] = {R, C}, i, j, npeaks = 0;
    double best = -1.0, got[3] = {-1.0, -1.0, -1.0};
    for (i = 0; i < R; i++)
        for (j = 0; j < C; j++) img[i * C + j] = j < C / 2 ? 0.0 : 255.0;
    printf("Edge detection, 100x100 image: 0 left, 255 right\n");
    grad(img, 2, shape, NULL, 3, gy, gx);
    for (i = 0; i < R * C; i++) {
        double m = sqrt(gx[i] * gx[i] + gy[i] * gy[i]);
        if (m > best) best = m;
    }
    for (j = 0; j < C; j++) {
        double m = sqrt(gx[j] * gx[j] + gy[j] * gy[j]);
        if (m == best) {
            if (npeaks < 2) got[npeaks] = (double)j;
            npeaks++;
        }
    }
    got[2] = npeaks == 2 ? best : -1.0;
    show("columns where |grad| peaks, and the peak", got, np_peaks, 3);
}

static void kinematics(void) {
    /* positions 5t^2 + 2t + 1 at t = np.linspace(0, 10, 101) (i * 0.1 exactly
     * as numpy computes it); samples at i = 0, 1, 50, 99, 100 */
    static const double np_v[5] = {2.5, 3.0, 51.99999999999977, 100.99999999999955, 101.50000000000013};
    static const double np_a[5] = {5.0, 7.499999999999998, 10.000000000000512, 7.500000000000682, 5.000000000005844};
    static const size_t at[5] = {0, 1, 50, 99, 100};
    double t[101], p[101], v[101], a[101], got[5];
    size_t n = 101, i;
    GradientAxis ax;
    for (i = 0; i < 101; i++) {
        t[i] = (double)i * 0.1 + 0.0;
        p[i] = 5.0 * (t[i] * t[i]) + 2.0 * t[i] + 1.0;
    }
    t[100] = 10.0;
    p[100] = 5.0 * (t[100] * t[100]) + 2.0 * t[100] + 1.0;
    ax = coords(t);
    printf("Kinematics: p = 5t^2 + 2t + 1 at 101 samples of t in [0, 10]; t = 0, 0.1, 5, 9.9, 10\n");
    grad(p, 1, &n, &ax, 1, v, NULL);
    for (i = 0; i < 5; i++) got[i] = v[at[i]];
    show("velocity v = np.gradient(p, t)  (10t + 2 inside)", got, np_v, 5);
    grad(v, 1, &n, &ax, 1, a, NULL);
    for (i = 0; i < 5; i++) got[i] = a[at[i]];
    show("acceleration np.gradient(v, t)  (10 away from the ends)", got, np_a, 5);
}

static void per_axis(void) {
    /* x = [0, 1, 3, 6, 10] (non-uniform), y = linspace(0, 4, 5), Z = sin(X) * cos(Y);
     * numpy's sin(x) and cos(y), so that Z is numpy's to the bit */
    static const double x[5] = {0, 1, 3, 6, 10};
    static const double y[5] = {0, 1, 2, 3, 4};
    static const double sin_x[5] = {0.0, 0.8414709848078965, 0.1411200080598672, -0.27941549819892586,
                                    -0.5440211108893698};
    static const double cos_y[5] = {1.0, 0.5403023058681398, -0.4161468365471424, -0.9899924966004454,
                                    -0.6536436208636119};
    static const double np_dy_row1[5] = {-0.0, -0.5958232365909556, -0.0999233264937441, 0.1978466869283263,
                                         0.3852068876004216};
    static const double np_dx_row1[5] = {0.4546487134128409, 0.24003226766623326, -0.14381588146032945,
                                         -0.05859719123616085, -0.03574175567057469};
    double z[25], dy[25], dx[25];
    size_t shape[2] = {5, 5}, i, j;
    GradientAxis axes[2];
    for (i = 0; i < 5; i++)
        for (j = 0; j < 5; j++) z[i * 5 + j] = sin_x[j] * cos_y[i];
    axes[0] = coords(y);
    axes[1] = coords(x);
    printf("Per-axis spacing: Z = sin(X) * cos(Y), dZdy, dZdx = np.gradient(Z, y, x); row 1\n");
    grad(z, 2, shape, axes, 3, dy, dx);
    show("dZdy[1, :] (y uniform)", dy + 5, np_dy_row1, 5);
    show("dZdx[1, :] (x = [0, 1, 3, 6, 10])", dx + 5, np_dx_row1, 5);
}

int main(void) {
    printf("libgradient %s: the product brief's examples next to numpy.gradient (numpy 2.4.6)\n\n",
           gradient_version());
    one_dimensional();
    surface();
    field3d();
    edges();
    kinematics();
    per_axis();
    if (mismatches) {
        printf("\n%d MISMATCH(ES)\n", mismatches);
        return 1;
    }
    printf("\nall results match numpy bit for bit\n");
    return 0;
}
