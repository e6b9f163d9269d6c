#!/usr/bin/env python3
"""Writes c_tests/expected.h: inputs and numpy.gradient's results for the C tests.

Every expected value in the C tests comes from here, that is from numpy itself
(or from exact mathematics checked against numpy), never from libgradient's own
output.  Floats are printed with repr(), the shortest string that reads back as
the same double, so the C arrays hold exactly numpy's bits.

    python3 c_tests/gen_expected.py            # rewrite c_tests/expected.h
    python3 c_tests/gen_expected.py --check    # exit 1 if expected.h is stale

Names: V_* worked vectors and product-brief examples (test_vectors.c),
N_* numpy's TestGradient cases (test_numpy_cases.c), S_* strided views
(test_strides.c), L_* large arrays (test_large.c).  For a strided case S_X the header holds the flat base buffer
S_X_BASE, the view's S_X_SHAPE, S_X_STRIDES (in elements), S_X_OFFSET (element
index of the view's first element in the base) and S_X_NDIM.
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "expected.h")

gradient = np.gradient


# ---------------------------------------------------------------------------
# Emitting C
# ---------------------------------------------------------------------------

def fmt_f64(v):
    v = float(v)
    if np.isnan(v):
        return "NAN"
    if np.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return repr(v)


def fmt_f32(v):
    v = np.float32(v)
    if np.isnan(v):
        return "NAN"
    if np.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    # The double repr of a float32 value names that float32 value exactly.
    return repr(float(v)) + "f"


INT_LIMITS = {
    np.int64: ("INT64_C", "(-INT64_C(9223372036854775807) - 1)"),
}


def fmt_int(v, dt):
    v = int(v)
    if dt == np.int64:
        if v == -(2**63):
            return "(-INT64_C(9223372036854775807) - 1)"
        return "INT64_C(%d)" % v
    if dt == np.uint64:
        return "UINT64_C(%d)" % v
    if dt == np.int32 and v == -(2**31):
        return "(-2147483647 - 1)"
    if dt == np.uint32:
        return "%du" % v
    return "%d" % v


CTYPES = {
    np.float64: "double",
    np.float32: "float",
    np.complex128: "GradientComplex128",
    np.complex64: "GradientComplex64",
    np.int8: "int8_t",
    np.int16: "int16_t",
    np.int32: "int32_t",
    np.int64: "int64_t",
    np.uint8: "uint8_t",
    np.uint16: "uint16_t",
    np.uint32: "uint32_t",
    np.uint64: "uint64_t",
}


def fmt_value(v, dt):
    if dt == np.float64:
        return fmt_f64(v)
    if dt == np.float32:
        return fmt_f32(v)
    if dt == np.complex128:
        return "{%s, %s}" % (fmt_f64(v.real), fmt_f64(v.imag))
    if dt == np.complex64:
        return "{%s, %s}" % (fmt_f32(v.real), fmt_f32(v.imag))
    return fmt_int(v, dt)


class Header:
    def __init__(self):
        self.parts = []
        self.names = set()

    def _name(self, name):
        assert name not in self.names, name
        self.names.add(name)

    def comment(self, text):
        self.parts.append("\n/* %s */\n" % text)

    def array(self, name, a, note=None):
        """A C array NAME (C order of `a`) and NAME_N, its element count."""
        self._name(name)
        a = np.asarray(a)
        dt = a.dtype.type
        flat = np.ascontiguousarray(a).ravel()
        vals = [fmt_value(v, dt) for v in flat]
        lines = []
        line = "   "
        for s in vals:
            if len(line) + len(s) + 2 > 100:
                lines.append(line)
                line = "   "
            line += " " + s + ","
        lines.append(line)
        head = "/* %s %s%s */\n" % (a.dtype.name, tuple(a.shape), "" if note is None else ": " + note)
        self.parts.append(
            head
            + "#define %s_N %d\n" % (name, flat.size)
            + "static const %s %s[%d] = {\n%s\n};\n" % (CTYPES[dt], name, max(flat.size, 1), "\n".join(lines))
        )

    def define(self, name, value):
        self._name(name)
        self.parts.append("#define %s %s\n" % (name, value))

    def sizes(self, name, values):
        self._name(name)
        vals = ", ".join("%d" % v for v in values) or "0"
        self.parts.append("static const size_t %s[%d] = {%s};\n" % (name, max(len(values), 1), vals))

    def strides(self, name, values):
        self._name(name)
        vals = ", ".join("%d" % v for v in values) or "0"
        self.parts.append("static const ptrdiff_t %s[%d] = {%s};\n" % (name, max(len(values), 1), vals))

    def view(self, name, view, base, note=None):
        """A strided view of the 1-D contiguous `base`, as C sees it."""
        assert base.ndim == 1 and base.flags.c_contiguous
        item = base.itemsize
        start = base.__array_interface__["data"][0]
        here = view.__array_interface__["data"][0]
        assert (here - start) % item == 0
        assert all(s % item == 0 for s in view.strides)
        offset = (here - start) // item
        strides = [s // item for s in view.strides]
        # Every element of the view lies inside base.
        idx = np.indices(view.shape).reshape(view.ndim, -1).T if view.size else np.zeros((0, view.ndim), int)
        flat = offset + idx @ np.array(strides, dtype=np.int64) if view.size else np.array([], int)
        assert flat.size == 0 or (flat.min() >= 0 and flat.max() < base.size)
        assert np.array_equal(base[flat].reshape(view.shape), view)
        self.array(name + "_BASE", base, note)
        self.define(name + "_NDIM", view.ndim)
        self.define(name + "_OFFSET", offset)
        self.sizes(name + "_SHAPE", view.shape)
        self.strides(name + "_STRIDES", strides)

    def text(self):
        return (
            "/*\n"
            " * Generated by c_tests/gen_expected.py from numpy %s -- do not edit.\n"
            " * Regenerate: python3 c_tests/gen_expected.py\n"
            " *\n"
            " * Inputs of the C tests and numpy.gradient's results for them, printed\n"
            " * with Python's repr() so that every double reads back bit for bit.\n"
            " */\n"
            "#ifndef GRADIENT_TEST_EXPECTED_H\n"
            "#define GRADIENT_TEST_EXPECTED_H\n\n"
            "#include <math.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
            '#include "gradient.h"\n\n'
            '#define EXPECTED_NUMPY_VERSION "%s"\n' % (np.__version__, np.__version__)
            + "".join(self.parts)
            + "\n#endif /* GRADIENT_TEST_EXPECTED_H */\n"
        )


def same(a, b):
    """Bitwise equality with any NaN matching any NaN, as the C tests compare."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "c":
        return same(a.real, b.real) and same(a.imag, b.imag)
    nan = np.isnan(a) & np.isnan(b)
    return bool(np.all(nan | (a.view(np.uint8).reshape(a.shape + (-1,)) ==
                              b.view(np.uint8).reshape(b.shape + (-1,))).all(axis=-1)))


def f64(x):
    return np.array(x, dtype=np.float64)


# ---------------------------------------------------------------------------
# V_*: SEMANTICS.md section 4 and the product brief's examples
# ---------------------------------------------------------------------------

def vectors(h):
    h.comment("SEMANTICS.md section 4: worked vectors")
    f = f64([1, 2, 4, 7, 11, 16])
    h.array("V_A_F", f)
    g = gradient(f)
    assert same(g, f64([1, 1.5, 2.5, 3.5, 4.5, 5]))
    h.array("V_A_UNIT", g)
    g = gradient(f, 2.0)
    assert same(g, f64([0.5, 0.75, 1.25, 1.75, 2.25, 2.5]))
    h.array("V_A_STEP2", g)
    x = f64([0, 1, 1.5, 3.5, 4, 6])
    h.array("V_A_X", x)
    g = gradient(f, x)
    assert same(g, f64([1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, 2.5]))
    h.array("V_A_COORDS", g)
    h.array("V_A_UNIT_E2", gradient(f, edge_order=2))
    h.array("V_A_COORDS_E2", gradient(f, x, edge_order=2))

    f = f64([5, 7, 4, 8])
    h.array("V_B_F", f)
    g = gradient(f)
    assert same(g, f64([2, -0.5, 0.5, 4]))
    h.array("V_B_UNIT", g)
    g = gradient(f, 0.5)
    assert same(g, 2 * gradient(f))
    h.array("V_B_HALF", g)
    x = f64([0, 1, 3, 3.5])
    h.array("V_B_X", x)
    g = gradient(f, x)
    assert same(g, f64([2.0, 0.8333333333333336, 6.1000000000000005, 8.0]))
    h.array("V_B_COORDS", g)

    f = f64([1, 2, 4, 9, 16])
    h.array("V_C_F", f)
    g = gradient(f)
    assert same(g, f64([1, 1.5, 3.5, 6, 7]))
    h.array("V_C_UNIT", g)
    f = f64([1, 2, 4, 9])
    x = f64([5, 10, 20, 30])
    h.array("V_C2_F", f)
    h.array("V_C2_X", x)
    g = gradient(f, x)
    assert same(g, f64([0.2, 0.2, 0.35, 0.5]))
    h.array("V_C2_COORDS", g)

    x = f64([0, 1, 2, 3, 4])
    f = x ** 2
    h.array("V_D_F", f)
    g1 = gradient(f, edge_order=1)
    g2 = gradient(f, edge_order=2)
    assert same(g1, f64([1, 2, 4, 6, 7])) and same(g2, f64([0, 2, 4, 6, 8]))
    h.array("V_D_E1", g1)
    h.array("V_D_E2", g2)

    x = f64([0, 2, 3, 6, 8])
    f = x ** 2
    h.array("V_E_X", x)
    h.array("V_E_F", f)
    g = gradient(f, x, edge_order=2)
    assert same(g, f64([0, 4, 6, 12, 15.999999999999996]))
    h.array("V_E_E2", g)

    f = f64([[1, 2, 6], [3, 4, 5]])
    h.array("V_F_F", f)
    g0, g1 = gradient(f)
    assert same(g0, f64([[2, 2, -1], [2, 2, -1]])) and same(g1, f64([[1, 2.5, 4], [1, 1, 1]]))
    h.array("V_F_AXIS0", g0)
    h.array("V_F_AXIS1", g1)
    x1 = f64([1, 1.5, 3.5])
    h.array("V_F_X1", x1)
    g0, g1 = gradient(f, 2.0, x1)
    assert same(g0, f64([[1, 1, -0.5], [1, 1, -0.5]]))
    assert same(g1, f64([[2, 2, 2], [2, 1.6999999999999993, 0.5]]))
    h.array("V_F_MIXED0", g0)
    h.array("V_F_MIXED1", g1)

    f = np.array([5, 2, 0], dtype=np.uint8)
    h.array("V_G_U8", f)
    g = gradient(f)
    assert g.dtype == np.float64 and same(g, f64([-3, -2.5, -2]))
    h.array("V_G_OUT", g)

    f = f64([1, np.nan, 4, 5, 6])
    h.array("V_H_F", f)
    g = gradient(f)
    assert same(g, f64([np.nan, 1.5, np.nan, 1, 1]))
    h.array("V_H_OUT", g)

    f = f64([1, 2, 4])
    x = f64([0, 0, 1])
    h.array("V_I_F", f)
    h.array("V_I_X", x)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = gradient(f, x)
    assert same(g, f64([np.inf, np.nan, 2]))
    h.array("V_I_OUT", g)

    h.comment("The product brief's examples")
    y = f64([0, 1, 4, 9, 16])
    x = f64([0, 1, 3, 6, 10])
    h.array("V_Y_F", y)
    h.array("V_Y_X", x)
    g = gradient(y)
    assert same(g, f64([1, 2, 4, 6, 7]))
    h.array("V_Y_UNIT", g)
    g = gradient(y, x)
    assert same(g, f64([1.0, 1.1666666666666665, 1.5666666666666667, 1.7023809523809523, 1.75]))
    h.array("V_Y_COORDS", g)

    # 5x5 surface Z = X**2 + Y**2 on meshgrid(linspace(-2, 2, 5), linspace(-2, 2, 5)).
    xs = np.linspace(-2, 2, 5)
    ys = np.linspace(-2, 2, 5)
    X, Y = np.meshgrid(xs, ys)
    Z = X ** 2 + Y ** 2
    h.array("V_SURF_XS", xs)
    h.array("V_SURF_YS", ys)
    h.array("V_SURF_Z", Z)
    dzdy, dzdx = gradient(Z)
    assert dzdy[2, 2] == 0 and dzdx[2, 2] == 0
    h.array("V_SURF_DY", dzdy, "axis 0 = d/dy, unit spacing")
    h.array("V_SURF_DX", dzdx, "axis 1 = d/dx, unit spacing")
    c_dy, c_dx = gradient(Z, ys, xs)
    h.array("V_SURF_DY_COORDS", c_dy, "np.gradient(Z, ys, xs)[0]")
    h.array("V_SURF_DX_COORDS", c_dx, "np.gradient(Z, ys, xs)[1]")
    e_dy, e_dx = gradient(Z, ys, xs, edge_order=2)
    h.array("V_SURF_DY_E2", e_dy, "np.gradient(Z, ys, xs, edge_order=2)[0]")
    h.array("V_SURF_DX_E2", e_dx, "np.gradient(Z, ys, xs, edge_order=2)[1]")

    # A 3-D field of shape (10, 20, 20), made by numpy.
    i, j, k = np.indices((10, 20, 20))
    field = ((i * 7 + j * j * 3 - k * k + i * j * k) % 23 - 11) + 0.25 * k
    field = field.astype(np.float64)
    h.array("V_FIELD", field, "((7i + 3j^2 - k^2 + ijk) mod 23 - 11) + k/4")
    h.array("V_FIELD_AXIS1", gradient(field, axis=1), "np.gradient(field, axis=1)")
    x2 = np.cumsum(np.arange(20) % 3 + 1) * 0.25
    x2 = x2 - x2[0]
    h.array("V_FIELD_X2", x2, "coordinates of axis 2")
    g1, g2 = gradient(field, 0.5, x2, axis=(1, 2))
    h.array("V_FIELD_AXES12_1", g1, "np.gradient(field, 0.5, x2, axis=(1, 2))[0]")
    h.array("V_FIELD_AXES12_2", g2, "np.gradient(field, 0.5, x2, axis=(1, 2))[1]")
    h.array("V_FIELD_AXIS0_E2", gradient(field, axis=0, edge_order=2), "np.gradient(field, axis=0, edge_order=2)")

    # Edge detection: 100x100, 0 on the left half, 255 on the right.
    img = np.zeros((100, 100))
    img[:, 50:] = 255
    gy, gx = gradient(img)
    mag = np.sqrt(gx ** 2 + gy ** 2)
    peaks = np.nonzero(mag[0] == mag.max())[0]
    assert list(peaks) == [49, 50] and (mag == mag[0]).all()
    # gy is 0 everywhere and gx depends on the column only: one row of each.
    assert (gy == 0).all() and (gx == gx[0]).all()
    h.array("V_EDGE_GX_ROW", gx[0], "np.gradient(img)[1][0]; every row is the same")
    h.array("V_EDGE_GY_ROW", gy[0], "np.gradient(img)[0][0]; zero everywhere")
    h.define("V_EDGE_PEAK_LO", int(peaks[0]))
    h.define("V_EDGE_PEAK_HI", int(peaks[1]))
    h.define("V_EDGE_PEAK_VALUE", fmt_f64(mag.max()))

    # Kinematics: positions 5t^2 + 2t + 1 at 101 samples of t in [0, 10].
    t = np.linspace(0, 10, 101)
    p = 5 * t ** 2 + 2 * t + 1
    v = gradient(p, t)
    a = gradient(v, t)
    interior = slice(1, -1)
    rel = np.abs(v[interior] - (10 * t[interior] + 2)) / (10 * t[interior] + 2)
    assert rel.max() <= 5e-13, rel.max()
    away = slice(2, -2)
    assert np.abs(a[away] - 10).max() < 1e-9
    h.array("V_KIN_T", t, "np.linspace(0, 10, 101)")
    h.array("V_KIN_P", p, "5*t**2 + 2*t + 1")
    h.array("V_KIN_V", v, "np.gradient(p, t)")
    h.array("V_KIN_A", a, "np.gradient(v, t)")
    dt = float(t[1] - t[0])
    h.define("V_KIN_DT", fmt_f64(dt))
    h.array("V_KIN_V_DT", gradient(p, dt), "np.gradient(p, t[1] - t[0])")

    # Per-axis spacing: x non-uniform, y uniform, Z = sin(X) * cos(Y).
    x = f64([0, 1, 3, 6, 10])
    y = np.linspace(0, 4, 5)
    X, Y = np.meshgrid(x, y)
    Z = np.sin(X) * np.cos(Y)
    h.array("V_PER_X", x)
    h.array("V_PER_Y", y)
    h.array("V_PER_Z", Z, "np.sin(X) * np.cos(Y), X, Y = np.meshgrid(x, y)")
    dzdy, dzdx = gradient(Z, y, x)
    h.array("V_PER_DY", dzdy, "np.gradient(Z, y, x)[0]")
    h.array("V_PER_DX", dzdx, "np.gradient(Z, y, x)[1]")


# ---------------------------------------------------------------------------
# N_*: numpy's TestGradient (numpy/lib/tests/test_function_base.py)
# ---------------------------------------------------------------------------

def numpy_cases(h):
    h.comment("TestGradient.test_basic / test_specific_axes")
    v = np.array([[1, 1], [3, 4]])
    h.array("N_BASIC_I64", v.astype(np.int64))
    dx0, dx1 = gradient(v)
    assert same(dx0, f64([[2., 3.], [2., 3.]])) and same(dx1, f64([[0., 0.], [1., 1.]]))
    h.array("N_BASIC_DX0", dx0)
    h.array("N_BASIC_DX1", dx1)
    r1, r0 = gradient(v, 2, 3, axis=(1, 0))
    h.array("N_AXES_SPACED0", r0, "np.gradient(v, 2, 3, axis=(1, 0))[1]: axis 0, spacing 3")
    h.array("N_AXES_SPACED1", r1, "np.gradient(v, 2, 3, axis=(1, 0))[0]: axis 1, spacing 2")
    assert same(r0, dx0 / 3.0) and same(r1, dx1 / 2.0)

    h.comment("TestGradient.test_args")
    a5 = np.arange(5)
    h.array("N_ARGS_A5", a5.astype(np.int64))
    h.array("N_ARGS_A5_STEP3", gradient(a5, 3.))
    dx = np.cumsum(np.ones(5))
    h.array("N_ARGS_DX", dx)
    h.array("N_ARGS_A5_DX", gradient(a5, dx))
    f2 = np.arange(25).reshape(5, 5)
    h.array("N_ARGS_F2D", f2.astype(np.int64))
    g = gradient(f2, 1.5)
    h.array("N_ARGS_F2D_15_0", g[0])
    h.array("N_ARGS_F2D_15_1", g[1])
    dxu = f64([1., 2., 5., 9., 11.])
    h.array("N_ARGS_DXU", dxu)
    g = gradient(f2, dxu, dxu)
    h.array("N_ARGS_F2D_UNEVEN_0", g[0])
    h.array("N_ARGS_F2D_UNEVEN_1", g[1])
    g = gradient(f2, dx, 2)
    h.array("N_ARGS_F2D_MIX_0", g[0])
    h.array("N_ARGS_F2D_MIX_1", g[1])
    h.array("N_ARGS_F2D_AXIS1", gradient(f2, dx, axis=1))

    h.comment("TestGradient.test_second_order_accurate")
    x = np.linspace(0, 1, 10)
    dx = x[1] - x[0]
    y = 2 * x ** 3 + 4 * x ** 2 + 2 * x
    analytical = 6 * x ** 2 + 8 * x + 2
    g = gradient(y, dx, edge_order=2)
    assert np.all(np.abs(g / analytical - 1) < 0.03)
    h.define("N_SOA_DX", fmt_f64(dx))
    h.array("N_SOA_Y", y)
    h.array("N_SOA_EXACT", analytical, "6x^2 + 8x + 2")
    h.array("N_SOA_G", g)
    rng = np.random.default_rng(0)
    x = np.sort(rng.random(10))
    y = 2 * x ** 3 + 4 * x ** 2 + 2 * x
    analytical = 6 * x ** 2 + 8 * x + 2
    g = gradient(y, x, edge_order=2)
    assert np.all(np.abs(g / analytical - 1) < 0.03)
    h.array("N_SOA_UX", x)
    h.array("N_SOA_UY", y)
    h.array("N_SOA_UEXACT", analytical)
    h.array("N_SOA_UG", g)

    h.comment("TestGradient.test_spacing")
    f = np.array([0, 2., 3., 4., 5., 5.])
    f = np.tile(f, (6, 1)) + f.reshape(-1, 1)
    x_uneven = np.array([0., 0.5, 1., 3., 5., 7.])
    x_even = np.arange(6.)
    h.array("N_SP_F", f)
    h.array("N_SP_XU", x_uneven)
    h.array("N_SP_XE", x_even)
    for eo in (1, 2):
        r = gradient(f, 1., axis=(0, 1), edge_order=eo)
        r2 = gradient(f, x_even, x_even, axis=(0, 1), edge_order=eo)
        assert same(r[0], r2[0]) and same(r[1], r2[1])
        h.array("N_SP_EVEN%d_0" % eo, r[0])
        h.array("N_SP_EVEN%d_1" % eo, r[1])
        assert same(gradient(f, x_even, axis=0, edge_order=eo), r[0])
        assert same(gradient(f, x_even, axis=1, edge_order=eo), r[1])
        r = gradient(f, x_uneven, x_uneven, axis=(0, 1), edge_order=eo)
        h.array("N_SP_UNEVEN%d_0" % eo, r[0])
        h.array("N_SP_UNEVEN%d_1" % eo, r[1])
        assert same(gradient(f, x_uneven, axis=0, edge_order=eo), r[0])
        assert same(gradient(f, x_uneven, axis=1, edge_order=eo), r[1])
        r = gradient(f, x_even, x_uneven, axis=(0, 1), edge_order=eo)
        h.array("N_SP_MIXED%d_0" % eo, r[0])
        h.array("N_SP_MIXED%d_1" % eo, r[1])

    h.comment("TestGradient.test_inexact_dtypes / test_values")
    h.array("N_INEXACT_F32", gradient(np.array([1, 2, 3], dtype=np.float32)))
    h.array("N_INEXACT_F64", gradient(np.array([1, 2, 3], dtype=np.float64)))
    h.array("N_VALUES_2", gradient(np.arange(2), edge_order=1))
    h.array("N_VALUES_3", gradient(np.arange(3), edge_order=2))

    h.comment("TestGradient: integer extremes")
    for dt in (np.uint8, np.uint16, np.uint32, np.uint64):
        f = np.array([5, 4, 3, 2, 1], dtype=dt)
        g = gradient(f)
        assert same(g, f64([-1] * 5))
        nm = np.dtype(dt).name.upper()
        h.array("N_FDEC_%s" % nm, f)
        h.array("N_FDEC_%s_OUT" % nm, g)
    for dt in (np.int8, np.int16, np.int32, np.int64):
        maxint = np.iinfo(dt).max
        x = np.array([1, 3])
        f = np.array([-1, maxint], dtype=dt)
        g = gradient(f, x)
        assert same(g, f64([(maxint + 1) // 2] * 2))
        nm = np.dtype(dt).name.upper()
        h.array("N_FJUMP_%s" % nm, f)
        h.array("N_FJUMP_%s_X" % nm, x.astype(np.float64), "np.array([1, 3]) as numpy converts it")
        h.array("N_FJUMP_%s_OUT" % nm, g)
    for dt in (np.uint8, np.uint16, np.uint32, np.uint64):
        x = np.array([3, 2, 1], dtype=dt)
        f = np.array([0, 2, 4])
        g = gradient(f, x)
        assert same(g, f64([-2] * 3))
        nm = np.dtype(dt).name.upper()
        h.array("N_XDEC_%s_X" % nm, x.astype(np.float64), "%s [3, 2, 1] as numpy converts it" % nm.lower())
        h.array("N_XDEC_%s_OUT" % nm, g)
    h.array("N_XDEC_F", np.array([0, 2, 4], dtype=np.int64))
    for dt in (np.int8, np.int16, np.int32, np.int64):
        minint = np.iinfo(dt).min
        maxint = np.iinfo(dt).max
        x = np.array([-1, maxint], dtype=dt)
        f = np.array([minint // 2, 0])
        g = gradient(f, x)
        assert same(g, f64([0.5, 0.5]))
        nm = np.dtype(dt).name.upper()
        h.array("N_XJUMP_%s_X" % nm, x.astype(np.float64), "%s [-1, max] as numpy converts it" % nm.lower())
        h.array("N_XJUMP_%s_F" % nm, f.astype(np.int64))
        h.array("N_XJUMP_%s_OUT" % nm, g)

    h.comment("Every integer dtype through gradient_dtype (numpy converts to float64 first)")
    rng = np.random.default_rng(7)
    for dt in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64):
        info = np.iinfo(dt)
        f = rng.integers(info.min, info.max, size=(3, 5), dtype=dt, endpoint=True)
        f[0, 0], f[2, 4] = info.min, info.max
        nm = np.dtype(dt).name.upper()
        h.array("N_INT_%s" % nm, f)
        x1 = f64([0, 0.5, 2, 2.25, 4])
        g = gradient(f, 0.1, x1, edge_order=2)
        h.array("N_INT_%s_OUT0" % nm, g[0], "np.gradient(f, 0.1, N_INT_X1, edge_order=2)[0]")
        h.array("N_INT_%s_OUT1" % nm, g[1], "np.gradient(f, 0.1, N_INT_X1, edge_order=2)[1]")
    h.array("N_INT_X1", f64([0, 0.5, 2, 2.25, 4]))

    h.comment("float32: python-float spacing runs in float32, coordinates in float64")
    rng = np.random.default_rng(11)
    f = (rng.standard_normal(9) * 3).astype(np.float32)
    h.array("N_F32_F", f)
    xu = f64([0, 0.1, 0.25, 0.3, 0.7, 1.1, 1.15, 2, 3.3])
    xe = np.arange(9) * 0.5
    h.array("N_F32_XU", xu)
    h.array("N_F32_XE", xe)
    for eo in (1, 2):
        h.array("N_F32_STEP_E%d" % eo, gradient(f, 0.1, edge_order=eo), "np.gradient(f, 0.1) (python float)")
        h.array("N_F32_COORDS_E%d" % eo, gradient(f, xu, edge_order=eo), "np.gradient(f, xu) (float64 coords)")
        h.array("N_F32_UNIFORM_E%d" % eo, gradient(f, xe, edge_order=eo), "np.gradient(f, arange(9)*0.5)")
        h.array("N_F32_UNIT_E%d" % eo, gradient(f, edge_order=eo))
    f2 = (rng.standard_normal((4, 6)) * 10).astype(np.float32)
    h.array("N_F32_F2", f2)
    g = gradient(f2, 0.3, xu[:6], edge_order=2)
    h.array("N_F32_F2_OUT0", g[0], "np.gradient(f2, 0.3, xu[:6], edge_order=2)[0]")
    h.array("N_F32_F2_OUT1", g[1], "np.gradient(f2, 0.3, xu[:6], edge_order=2)[1]")
    assert g[0].dtype == np.float32

    h.comment("complex128 / complex64")
    f = (rng.standard_normal(7) + 1j * rng.standard_normal(7))
    f[3] = complex(-0.0, 2.5)
    h.array("N_C128_F", f)
    xc = f64([0, 0.3, 0.5, 1.5, 1.75, 3, 3.1])
    h.array("N_C_X", xc)
    for eo in (1, 2):
        h.array("N_C128_STEP_E%d" % eo, gradient(f, 0.3, edge_order=eo))
        h.array("N_C128_COORDS_E%d" % eo, gradient(f, xc, edge_order=eo))
    fi = np.array([1 + 1j, 2 + 0j, complex(np.inf, 1), 4 + 4j, 5 - 1j])
    with np.errstate(invalid="ignore"):
        gi = gradient(fi, 0.5)
    h.array("N_C128_INF_F", fi)
    h.array("N_C128_INF_OUT", gi, "an infinite component turns the other into NaN")
    f64c = f.astype(np.complex64)
    h.array("N_C64_F", f64c)
    for eo in (1, 2):
        g = gradient(f64c, 0.3, edge_order=eo)
        assert g.dtype == np.complex64
        h.array("N_C64_STEP_E%d" % eo, g)
        g = gradient(f64c, xc, edge_order=eo)
        assert g.dtype == np.complex64
        h.array("N_C64_COORDS_E%d" % eo, g)


# ---------------------------------------------------------------------------
# S_*: strided views of one buffer, as C sees them
# ---------------------------------------------------------------------------

def stride_cases(h):
    rng = np.random.default_rng(2024)
    base = np.round(rng.standard_normal(400) * 64) / 64

    h.comment("Transposed: B = base[:42].reshape(6, 7); v = B.T")
    v = base[:42].reshape(6, 7).T
    x0 = f64([0, 0.5, 1.25, 2, 3.5, 4, 6])
    h.view("S_T", v, base[:42])
    h.array("S_T_X0", x0)
    g = gradient(v, x0, 0.25, edge_order=2)
    h.array("S_T_OUT0", g[0], "np.gradient(v, S_T_X0, 0.25, edge_order=2)[0]")
    h.array("S_T_OUT1", g[1], "np.gradient(v, S_T_X0, 0.25, edge_order=2)[1]")

    h.comment("Stepped slices")
    b = base[:120]
    v = b[::2]
    h.view("S_STEP2", v, b)
    h.array("S_STEP2_OUT", gradient(v, 0.1), "np.gradient(base[:120][::2], 0.1)")
    v = b[1::3]
    x = np.cumsum(1 + (np.arange(40) % 3)) * 0.5
    h.view("S_STEP3", v, b)
    h.array("S_STEP3_X", x)
    h.array("S_STEP3_OUT", gradient(v, x, edge_order=2), "np.gradient(base[:120][1::3], x, edge_order=2)")
    v = base[:108].reshape(12, 9)[1::2, ::3]
    x = f64([0, 1, 1.5, 3, 3.2, 5])
    h.view("S_STEP2D", v, base[:108])
    h.array("S_STEP2D_X0", x)
    g = gradient(v, x, 2.0)
    h.array("S_STEP2D_OUT0", g[0], "np.gradient(v, S_STEP2D_X0, 2.0)[0]")
    h.array("S_STEP2D_OUT1", g[1], "np.gradient(v, S_STEP2D_X0, 2.0)[1]")

    h.comment("Negative strides")
    v = b[::-1]
    h.view("S_NEG1", v, b)
    h.array("S_NEG1_OUT", gradient(v, 0.5, edge_order=2), "np.gradient(base[:120][::-1], 0.5, edge_order=2)")
    v = base[:42].reshape(6, 7)[::-1, ::-2]
    x = f64([0, 1, 3, 3.5])
    h.view("S_NEG2", v, base[:42])
    h.array("S_NEG2_X1", x)
    g = gradient(v, 1.0, x, edge_order=2)
    h.array("S_NEG2_OUT0", g[0], "np.gradient(B[::-1, ::-2], 1.0, S_NEG2_X1, edge_order=2)[0]")
    h.array("S_NEG2_OUT1", g[1], "np.gradient(B[::-1, ::-2], 1.0, S_NEG2_X1, edge_order=2)[1]")

    h.comment("Column-major (Fortran/Julia) input of shape (6, 7)")
    v = base[:42].reshape(7, 6).T
    assert v.flags.f_contiguous
    x = f64([0, 0.2, 0.3, 0.7, 1.0, 1.6])
    h.view("S_F", v, base[:42])
    h.array("S_F_X0", x)
    g = gradient(v, x, 0.3, edge_order=2)
    h.array("S_F_OUT0", g[0], "np.gradient(v, S_F_X0, 0.3, edge_order=2)[0]")
    h.array("S_F_OUT1", g[1], "np.gradient(v, S_F_X0, 0.3, edge_order=2)[1]")

    h.comment("Zero input strides (broadcast)")
    v = np.broadcast_to(base[:7], (5, 7))
    h.view("S_BROW", v, base[:7])
    g = gradient(v, 0.5, 1.5)
    assert (g[0] == 0).all()
    h.array("S_BROW_OUT0", g[0], "np.gradient(broadcast_to(base[:7], (5, 7)), 0.5, 1.5)[0]")
    h.array("S_BROW_OUT1", g[1], "np.gradient(broadcast_to(base[:7], (5, 7)), 0.5, 1.5)[1]")
    v = np.broadcast_to(base[:5][:, None], (5, 7))
    h.view("S_BCOL", v, base[:5])
    g = gradient(v, 0.5, 1.5, edge_order=2)
    h.array("S_BCOL_OUT0", g[0], "np.gradient(broadcast_to(base[:5, None], (5, 7)), 0.5, 1.5, edge_order=2)[0]")
    h.array("S_BCOL_OUT1", g[1], "np.gradient(broadcast_to(base[:5, None], (5, 7)), 0.5, 1.5, edge_order=2)[1]")

    h.comment("C-order 6x7 input, for outputs in other layouts (interleaved, padded, reversed)")
    v = base[:42].reshape(6, 7)
    x = f64([0, 0.5, 1.5, 1.75, 3, 3.5, 5])
    h.view("S_C", v, base[:42])
    h.array("S_C_X1", x)
    g = gradient(v, 0.5, x)
    h.array("S_C_OUT0", g[0], "np.gradient(v, 0.5, S_C_X1)[0]")
    h.array("S_C_OUT1", g[1], "np.gradient(v, 0.5, S_C_X1)[1]")

    h.comment("3-D: base[:120].reshape(4, 5, 6).transpose(2, 0, 1)[::-1]")
    v = base[:120].reshape(4, 5, 6).transpose(2, 0, 1)[::-1]
    x0 = f64([0, 0.25, 1, 1.5, 2.5, 2.75])
    x2 = np.arange(5) * 0.5
    h.view("S_3D", v, base[:120])
    h.array("S_3D_X0", x0)
    h.array("S_3D_X2", x2, "uniform: numpy takes the scalar path")
    g = gradient(v, x0, 0.7, x2, edge_order=2)
    for k in range(3):
        h.array("S_3D_OUT%d" % k, g[k], "np.gradient(v, S_3D_X0, 0.7, S_3D_X2, edge_order=2)[%d]" % k)

    h.comment("4-D: base[:360].reshape(3, 4, 6, 5)[:, ::-1, ::3, :]")
    v = base[:360].reshape(3, 4, 6, 5)[:, ::-1, ::3, :]
    x3 = f64([0, 1, 1.5, 3, 3.25])
    h.view("S_4D", v, base[:360])
    h.array("S_4D_X3", x3)
    g = gradient(v, 2.5, x3, axis=(0, 3))
    h.array("S_4D_A03_OUT0", g[0], "np.gradient(v, 2.5, S_4D_X3, axis=(0, 3))[0]")
    h.array("S_4D_A03_OUT1", g[1], "np.gradient(v, 2.5, S_4D_X3, axis=(0, 3))[1]")
    g = gradient(v, 2.5, 1.0, 0.5, x3)
    for k in range(4):
        h.array("S_4D_ALL_OUT%d" % k, g[k], "np.gradient(v, 2.5, 1.0, 0.5, S_4D_X3)[%d]" % k)

    h.comment("float32 transposed, complex128 reversed")
    b32 = base[:42].astype(np.float32)
    v = b32.reshape(6, 7).T
    h.view("S_F32T", v, b32)
    g = gradient(v, 0.1, 0.3, edge_order=2)
    h.array("S_F32T_OUT0", g[0], "np.gradient(v, 0.1, 0.3, edge_order=2)[0]")
    h.array("S_F32T_OUT1", g[1], "np.gradient(v, 0.1, 0.3, edge_order=2)[1]")
    bc = base[:40] + 1j * base[40:80]
    v = bc.reshape(5, 8)[::-1, 1::2]
    h.view("S_C128", v, bc)
    x1 = f64([0, 0.5, 0.75, 2])
    h.array("S_C128_X1", x1)
    g = gradient(v, 0.2, x1, edge_order=2)
    h.array("S_C128_OUT0", g[0], "np.gradient(v, 0.2, S_C128_X1, edge_order=2)[0]")
    h.array("S_C128_OUT1", g[1], "np.gradient(v, 0.2, S_C128_X1, edge_order=2)[1]")


# ---------------------------------------------------------------------------
# L_*: arrays large enough for the library's blocked and multi-threaded paths
# ---------------------------------------------------------------------------

HASH_K1 = 0x9E3779B97F4A7C15
HASH_K2 = 0xBF58476D1CE4E5B9
HASH_K3 = 0x94D049BB133111EB


def lcg_field(n):
    """f[i] = ((i * 2654435761) mod 2^32) / 65536 - 32768: exact in float64,
    so C rebuilds the same input (see test_large.c)."""
    i = np.arange(n, dtype=np.uint64)
    v = (i * np.uint64(2654435761)) % np.uint64(2 ** 32)
    return v.astype(np.float64) / 65536.0 - 32768.0


def bits_hash(a):
    """sum_i mix(bits_i ^ (i * K1)) mod 2^64 over the C-order elements, with
    mix splitmix64's finaliser and NaNs canonicalised; test_large.c computes
    the same."""
    a = np.ascontiguousarray(a).ravel()
    if a.dtype == np.float64:
        b = a.view(np.uint64).copy()
        b[np.isnan(a)] = np.uint64(0x7FF8000000000000)
    else:
        assert a.dtype == np.float32
        b = a.view(np.uint32).astype(np.uint64)
        b[np.isnan(a)] = np.uint64(0x7FC00000)
    idx = np.arange(a.size, dtype=np.uint64)
    z = b ^ (idx * np.uint64(HASH_K1))
    z = (z ^ (z >> np.uint64(30))) * np.uint64(HASH_K2)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(HASH_K3)
    z = z ^ (z >> np.uint64(31))
    return int(z.sum(dtype=np.uint64))


def large_cases(h):
    h.comment("Large arrays: inputs rebuilt in C from lcg_field(); outputs as bits_hash() "
              "plus a few samples (C-order indices L_SAMPLES)")
    h.define("L_HASH_K1", "UINT64_C(%d)" % HASH_K1)
    h.define("L_HASH_K2", "UINT64_C(%d)" % HASH_K2)
    h.define("L_HASH_K3", "UINT64_C(%d)" % HASH_K3)
    shape = (64, 48, 40)
    n = int(np.prod(shape))
    samples = [0, 1, 39, 40, 1919, 1920, n // 3, n // 2, n - 41, n - 2, n - 1]
    h.sizes("L_SAMPLES", samples)
    h.define("L_NSAMPLES", len(samples))
    f = lcg_field(n).reshape(shape)
    j = np.arange(48)
    x1 = j + (j % 3) * 0.25
    x2 = np.arange(40) * 0.5

    def emit(name, outs, note):
        for k, g in enumerate(outs):
            h.define("%s_HASH%d" % (name, k), "UINT64_C(%d)" % bits_hash(g))
            h.array("%s_SAMPLE%d" % (name, k), np.ascontiguousarray(g).ravel()[samples], note % k)

    h.sizes("L_SHAPE", shape)
    h.array("L_X1", x1, "j + (j % 3) * 0.25")
    h.array("L_X2", x2, "arange(40) * 0.5, uniform")
    emit("L_ALL", gradient(f, 0.1, x1, x2, edge_order=2), "np.gradient(f, 0.1, L_X1, L_X2, edge_order=2)[%d]")
    emit("L_A02", gradient(f, 0.1, x2, axis=(0, 2), edge_order=1), "np.gradient(f, 0.1, L_X2, axis=(0, 2))[%d]")
    t = f.transpose(2, 0, 1)
    emit("L_T", gradient(t, x2, 0.1, x1, edge_order=2), "np.gradient(f.transpose(2, 0, 1), L_X2, 0.1, L_X1, edge_order=2)[%d]")
    f32 = f.astype(np.float32)
    emit("L_F32", gradient(f32, 0.1, x1, 0.3, edge_order=2), "np.gradient(f.astype(np.float32), 0.1, L_X1, 0.3, edge_order=2)[%d]")
    n1 = 200003
    g1 = np.arange(n1)
    x = g1 + (g1 % 7) * 0.125
    h.define("L_N1", n1)
    emit("L_1D", [gradient(lcg_field(n1), x, edge_order=2)], "np.gradient(lcg_field(200003), x, edge_order=2) [%d]")


def normalize(text):
    """The header without the lines that name numpy's version, for --check."""
    def names_version(line):
        return line.startswith(" * Generated by") or line.startswith("#define EXPECTED_NUMPY_VERSION")

    return [line for line in text.splitlines() if not names_version(line)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if expected.h is not up to date")
    ap.add_argument("--output", default=OUT)
    args = ap.parse_args()
    h = Header()
    with np.errstate(all="raise"):
        vectors(h)
        numpy_cases(h)
        stride_cases(h)
        large_cases(h)
    text = h.text()
    if args.check:
        try:
            with open(args.output) as fh:
                current = fh.read()
        except FileNotFoundError:
            current = None
        if current is None or normalize(current) != normalize(text):
            print("%s is out of date: run python3 %s" % (args.output, os.path.relpath(__file__)), file=sys.stderr)
            return 1
        return 0
    with open(args.output, "w") as fh:
        fh.write(text)
    print("wrote %s (%d bytes, %d names)" % (args.output, len(text), len(h.names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
