"""numpy's own TestGradient (numpy/lib/tests/test_function_base.py, numpy 2.x),
ported to libgradient.

Every case keeps numpy's assertions, with ``np.gradient`` replaced by the
binding, and in addition compares the binding with numpy's own result bit
for bit (``check`` below runs every call in five output layouts and through
both the typed and the untyped entry point).

Where numpy raises, the binding must refuse too: a library status
(``GradientError.status``) or, for what only a binding can see, the same
Python exception numpy raises (see test_errors.py for the full table).

Out of scope for a C library, and therefore not ported:
  * test_datetime64, test_timedelta64: datetime64/timedelta64 input is
    numpy-only (SEMANTICS.md section 2); the binding raises TypeError
    (checked in test_datetime_timedelta_out_of_scope).
  * test_masked: masked arrays are a numpy subclass; the C library sees plain
    memory and the binding returns plain arrays.
  * float16 in test_inexact_dtypes: numpy-only (SEMANTICS.md section 2); the
    float32/float64 part is ported and complex64/complex128 added.
"""

import numpy as np
import pytest
from numpy.testing import assert_, assert_almost_equal, assert_array_equal, assert_equal, assert_raises

import gradient_ctypes as gc
from _support import check_against_numpy

gradient = check_against_numpy  # the binding, checked against numpy at every call

BAD_AXIS = gc.STATUS["GRADIENT_BAD_AXIS"]
TOO_SMALL = gc.STATUS["GRADIENT_TOO_SMALL"]


def assert_status(status, fn, *args, **kw):
    with pytest.raises(gc.GradientError) as info:
        fn(*args, **kw)
    assert info.value.status == status, f"expected {gc.STATUS_NAME[status]}, got {info.value}"
    return info.value


class TestGradient:
    def test_basic(self):
        v = [[1, 1], [3, 4]]
        x = np.array(v)
        dx = [np.array([[2.0, 3.0], [2.0, 3.0]]), np.array([[0.0, 0.0], [1.0, 1.0]])]
        assert_array_equal(gradient(x), dx)
        assert_array_equal(gradient(v), dx)

    def test_args(self):
        dx = np.cumsum(np.ones(5))
        dx_uneven = [1.0, 2.0, 5.0, 9.0, 11.0]
        f_2d = np.arange(25).reshape(5, 5)

        # distances must be scalars or have size equal to gradient[axis]
        gradient(np.arange(5), 3.0)
        gradient(np.arange(5), np.array(3.0))
        gradient(np.arange(5), dx)
        # dy is set equal to dx because scalar
        gradient(f_2d, 1.5)
        gradient(f_2d, np.array(1.5))

        gradient(f_2d, dx_uneven, dx_uneven)
        # mix between even and uneven spaces and
        # mix between scalar and vector
        gradient(f_2d, dx, 2)

        # 2D but axis specified
        gradient(f_2d, dx, axis=1)

        # 2d coordinate arguments are not yet allowed
        coords_2d = np.stack([dx] * 2, axis=-1)
        with pytest.raises(ValueError, match=".*scalars or 1d"):
            np.gradient(f_2d, coords_2d, 1)
        with pytest.raises(ValueError, match=".*scalars or 1d"):
            gc.gradient(f_2d, coords_2d, 1)

    def test_badargs(self):
        f_2d = np.arange(25).reshape(5, 5)
        x = np.cumsum(np.ones(5))

        # wrong sizes: numpy ValueError; the binding's CoordinateLengthError
        # is a ValueError naming the axis (the C API cannot see lengths).
        for args, axis in [((x, np.ones(2)), 1), ((1, np.ones(2)), 1), ((np.ones(2), np.ones(2)), 0)]:
            assert_raises(ValueError, np.gradient, f_2d, *args)
            with pytest.raises(gc.CoordinateLengthError) as info:
                gc.gradient(f_2d, *args)
            assert isinstance(info.value, ValueError)
            assert info.value.axis == axis
        # wrong number of arguments: TypeError in both
        for args, kw in [((x,), {}), ((x,), {"axis": (0, 1)}), ((x, x, x), {}), ((1, 1, 1), {}),
                         ((x, x), {"axis": 1}), ((1, 1), {"axis": 1})]:
            assert_raises(TypeError, np.gradient, f_2d, *args, **kw)
            assert_raises(TypeError, gc.gradient, f_2d, *args, **kw)

    def test_datetime_timedelta_out_of_scope(self):
        x = np.array(["1910-08-16", "1910-08-11", "1910-08-10"], dtype="datetime64[D]")
        assert_raises(TypeError, gc.gradient, x)
        assert_raises(TypeError, gc.gradient, np.array([-5, -3, 10], dtype="timedelta64[D]"))

    def test_second_order_accurate(self):
        # Testing that the relative numerical error is less that 3% for
        # this example problem. This corresponds to second order
        # accurate finite differences for all interior and boundary
        # points.
        x = np.linspace(0, 1, 10)
        dx = x[1] - x[0]
        y = 2 * x**3 + 4 * x**2 + 2 * x
        analytical = 6 * x**2 + 8 * x + 2
        num_error = np.abs((gradient(y, dx, edge_order=2) / analytical) - 1)
        assert_(np.all(num_error < 0.03) == True)  # noqa: E712

        # test with unevenly spaced
        rng = np.random.default_rng(0)
        x = np.sort(rng.random(10))
        y = 2 * x**3 + 4 * x**2 + 2 * x
        analytical = 6 * x**2 + 8 * x + 2
        num_error = np.abs((gradient(y, x, edge_order=2) / analytical) - 1)
        assert_(np.all(num_error < 0.03) == True)  # noqa: E712

    def test_spacing(self):
        f = np.array([0, 2.0, 3.0, 4.0, 5.0, 5.0])
        f = np.tile(f, (6, 1)) + f.reshape(-1, 1)
        x_uneven = np.array([0.0, 0.5, 1.0, 3.0, 5.0, 7.0])
        x_even = np.arange(6.0)

        fdx_even_ord1 = np.tile([2.0, 1.5, 1.0, 1.0, 0.5, 0.0], (6, 1))
        fdx_even_ord2 = np.tile([2.5, 1.5, 1.0, 1.0, 0.5, -0.5], (6, 1))
        fdx_uneven_ord1 = np.tile([4.0, 3.0, 1.7, 0.5, 0.25, 0.0], (6, 1))
        fdx_uneven_ord2 = np.tile([5.0, 3.0, 1.7, 0.5, 0.25, -0.25], (6, 1))

        # evenly spaced
        for edge_order, exp_res in [(1, fdx_even_ord1), (2, fdx_even_ord2)]:
            res1 = gradient(f, 1.0, axis=(0, 1), edge_order=edge_order)
            res2 = gradient(f, x_even, x_even, axis=(0, 1), edge_order=edge_order)
            res3 = gradient(f, x_even, x_even, axis=None, edge_order=edge_order)
            assert_array_equal(res1, res2)
            assert_array_equal(res2, res3)
            assert_almost_equal(res1[0], exp_res.T)
            assert_almost_equal(res1[1], exp_res)

            res1 = gradient(f, 1.0, axis=0, edge_order=edge_order)
            res2 = gradient(f, x_even, axis=0, edge_order=edge_order)
            assert_(res1.shape == res2.shape)
            assert_almost_equal(res2, exp_res.T)

            res1 = gradient(f, 1.0, axis=1, edge_order=edge_order)
            res2 = gradient(f, x_even, axis=1, edge_order=edge_order)
            assert_(res1.shape == res2.shape)
            assert_array_equal(res2, exp_res)

        # unevenly spaced
        for edge_order, exp_res in [(1, fdx_uneven_ord1), (2, fdx_uneven_ord2)]:
            res1 = gradient(f, x_uneven, x_uneven, axis=(0, 1), edge_order=edge_order)
            res2 = gradient(f, x_uneven, x_uneven, axis=None, edge_order=edge_order)
            assert_array_equal(res1, res2)
            assert_almost_equal(res1[0], exp_res.T)
            assert_almost_equal(res1[1], exp_res)

            res1 = gradient(f, x_uneven, axis=0, edge_order=edge_order)
            assert_almost_equal(res1, exp_res.T)

            res1 = gradient(f, x_uneven, axis=1, edge_order=edge_order)
            assert_almost_equal(res1, exp_res)

        # mixed
        res1 = gradient(f, x_even, x_uneven, axis=(0, 1), edge_order=1)
        res2 = gradient(f, x_uneven, x_even, axis=(1, 0), edge_order=1)
        assert_array_equal(res1[0], res2[1])
        assert_array_equal(res1[1], res2[0])
        assert_almost_equal(res1[0], fdx_even_ord1.T)
        assert_almost_equal(res1[1], fdx_uneven_ord1)

        res1 = gradient(f, x_even, x_uneven, axis=(0, 1), edge_order=2)
        res2 = gradient(f, x_uneven, x_even, axis=(1, 0), edge_order=2)
        assert_array_equal(res1[0], res2[1])
        assert_array_equal(res1[1], res2[0])
        assert_almost_equal(res1[0], fdx_even_ord2.T)
        assert_almost_equal(res1[1], fdx_uneven_ord2)

    def test_specific_axes(self):
        # Testing that gradient can work on a given axis only
        v = [[1, 1], [3, 4]]
        x = np.array(v)
        dx = [np.array([[2.0, 3.0], [2.0, 3.0]]), np.array([[0.0, 0.0], [1.0, 1.0]])]
        assert_array_equal(gradient(x, axis=0), dx[0])
        assert_array_equal(gradient(x, axis=1), dx[1])
        assert_array_equal(gradient(x, axis=-1), dx[1])
        assert_array_equal(gradient(x, axis=(1, 0)), [dx[1], dx[0]])

        # test axis=None which means all axes
        assert_almost_equal(gradient(x, axis=None), [dx[0], dx[1]])
        # and is the same as no axis keyword given
        assert_almost_equal(gradient(x, axis=None), gradient(x))

        # test vararg order
        assert_array_equal(gradient(x, 2, 3, axis=(1, 0)), [dx[1] / 2.0, dx[0] / 3.0])
        # test maximal number of varargs
        assert_raises(TypeError, np.gradient, x, 1, 2, axis=1)
        assert_raises(TypeError, gc.gradient, x, 1, 2, axis=1)

        # numpy: AxisError. axis=3 reaches the library as bit 3 of axis_mask;
        # axis=-3 has no bit, so the binding refuses it with the same status.
        assert_raises(np.exceptions.AxisError, np.gradient, x, axis=3)
        assert_raises(np.exceptions.AxisError, np.gradient, x, axis=-3)
        e = assert_status(BAD_AXIS, gc.gradient, x, axis=3)
        assert e.source == "library" and e.axis == 3
        e = assert_status(BAD_AXIS, gc.gradient, x, axis=-3)
        assert e.source == "binding"

    def test_inexact_dtypes(self):
        # float16 is numpy-only; complex types added.
        for dt in [np.float32, np.float64, np.complex64, np.complex128]:
            # dtypes should not be promoted in a different way to what diff does
            x = np.array([1, 2, 3], dtype=dt)
            assert_equal(gradient(x).dtype, np.diff(x).dtype)
        assert_raises(TypeError, gc.gradient, np.array([1, 2, 3], dtype=np.float16))

    def test_values(self):
        # needs at least 2 points for edge_order ==1
        gradient(np.arange(2), edge_order=1)
        # needs at least 3 points for edge_order ==1
        gradient(np.arange(3), edge_order=2)

        for n, edge_order in [(0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]:
            assert_raises(ValueError, np.gradient, np.arange(n), edge_order=edge_order)
            e = assert_status(TOO_SMALL, gc.gradient, np.arange(n), edge_order=edge_order)
            assert e.axis == 0

    @pytest.mark.parametrize("f_dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
    def test_f_decreasing_unsigned_int(self, f_dtype):
        f = np.array([5, 4, 3, 2, 1], dtype=f_dtype)
        g = gradient(f)
        assert_array_equal(g, [-1] * len(f))

    @pytest.mark.parametrize("f_dtype", [np.int8, np.int16, np.int32, np.int64])
    def test_f_signed_int_big_jump(self, f_dtype):
        maxint = np.iinfo(f_dtype).max
        x = np.array([1, 3])
        f = np.array([-1, maxint], dtype=f_dtype)
        dfdx = gradient(f, x)
        assert_array_equal(dfdx, [(maxint + 1) // 2] * 2)

    @pytest.mark.parametrize("x_dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
    def test_x_decreasing_unsigned(self, x_dtype):
        x = np.array([3, 2, 1], dtype=x_dtype)
        f = np.array([0, 2, 4])
        dfdx = gradient(f, x)
        assert_array_equal(dfdx, [-2] * len(x))

    @pytest.mark.parametrize("x_dtype", [np.int8, np.int16, np.int32, np.int64])
    def test_x_signed_int_big_jump(self, x_dtype):
        minint = np.iinfo(x_dtype).min
        maxint = np.iinfo(x_dtype).max
        x = np.array([-1, maxint], dtype=x_dtype)
        f = np.array([minint // 2, 0])
        dfdx = gradient(f, x)
        assert_array_equal(dfdx, [0.5, 0.5])

    def test_return_type(self):
        res = gradient(([1, 2], [2, 3]))
        assert type(res) is tuple


class TestWorkedVectors:
    """SEMANTICS.md section 4, each value checked against numpy and the binding."""

    def test_vectors(self):
        f6 = [1, 2, 4, 7, 11, 16]
        assert_array_equal(gradient(np.array(f6, float)), [1, 1.5, 2.5, 3.5, 4.5, 5])
        assert_array_equal(gradient(np.array(f6, float), 2.0), [0.5, 0.75, 1.25, 1.75, 2.25, 2.5])
        assert_array_equal(
            gradient(np.array(f6, float), np.array([0, 1, 1.5, 3.5, 4, 6])),
            [1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, 2.5],
        )
        f4 = np.array([5, 7, 4, 8], float)
        assert_array_equal(gradient(f4), [2, -0.5, 0.5, 4])
        assert_array_equal(gradient(f4, 0.5), [4, -1, 1, 8])
        assert_array_equal(gradient(f4, np.array([0, 1, 3, 3.5])), [2.0, 0.8333333333333336, 6.1000000000000005, 8.0])
        assert_array_equal(gradient(np.array([1, 2, 4, 9, 16.0])), [1, 1.5, 3.5, 6, 7])
        assert_array_equal(gradient(np.array([1, 2, 4, 9.0]), np.array([5, 10, 20, 30.0])), [0.2, 0.2, 0.35, 0.5])
        x = np.array([0, 1, 2, 3, 4.0])
        assert_array_equal(gradient(x**2), [1, 2, 4, 6, 7])
        assert_array_equal(gradient(x**2, edge_order=2), [0, 2, 4, 6, 8])
        x = np.array([0, 2, 3, 6, 8.0])
        assert_array_equal(gradient(x**2, x, edge_order=2), [0, 4, 6, 12, 15.999999999999996])
        y = np.array([0, 1, 4, 9, 16.0])
        assert_array_equal(gradient(y), [1, 2, 4, 6, 7])
        assert_array_equal(
            gradient(y, np.array([0, 1, 3, 6, 10.0])),
            [1.0, 1.1666666666666665, 1.5666666666666667, 1.7023809523809523, 1.75],
        )
        m = np.array([[1, 2, 6], [3, 4, 5]], float)
        g0, g1 = gradient(m)
        assert_array_equal(g0, [[2, 2, -1], [2, 2, -1]])
        assert_array_equal(g1, [[1, 2.5, 4], [1, 1, 1]])
        g0, g1 = gradient(m, 2.0, np.array([1, 1.5, 3.5]))
        assert_array_equal(g0, [[1, 1, -0.5], [1, 1, -0.5]])
        assert_array_equal(g1, [[2, 2, 2], [2, 1.6999999999999993, 0.5]])
        assert_array_equal(gradient(np.array([5, 2, 0], np.uint8)), [-3, -2.5, -2])
        assert_array_equal(gradient(np.array([1, np.nan, 4, 5, 6])), [np.nan, 1.5, np.nan, 1, 1])
        assert_array_equal(gradient(np.array([1, 2, 4.0]), np.array([0, 0, 1.0])), [np.inf, np.nan, 2])

    def test_brief_examples(self):
        xs = np.linspace(-2, 2, 5)
        X, Y = np.meshgrid(xs, xs)
        gy, gx = gradient(X**2 + Y**2)
        assert gy[2, 2] == 0 and gx[2, 2] == 0
        field = np.random.default_rng(1).standard_normal((10, 20, 20))
        gradient(field, axis=1, layouts=("C", "strided"))
        gradient(field, axis=(1, 2), layouts=("C", "interleaved"))
        gradient(field, axis=0, layouts=("C", "F"))
        img = np.zeros((100, 100))
        img[:, 50:] = 255
        gy, gx = gradient(img, layouts=("C",))
        mag = np.sqrt(gx**2 + gy**2)
        assert set(np.argwhere(mag == mag.max())[:, 1]) == {49, 50}
        t = np.linspace(0, 10, 101)
        v = gradient(5 * t**2 + 2 * t + 1, t, layouts=("C",))
        np.testing.assert_allclose(v[1:-1], 10 * t[1:-1] + 2, atol=1e-11)
        acc = gradient(v, t, layouts=("C",))
        np.testing.assert_allclose(acc[2:-2], 10, atol=1e-9)
        x = np.array([0, 1, 3, 6, 10.0])
        y = np.linspace(0, 4, 5)
        X, Y = np.meshgrid(x, y)
        gradient(np.sin(X) * np.cos(Y), y, x)
