"""Error parity: every input numpy.gradient rejects is rejected by the library
(or, where only a binding can see the problem, by the binding), and on every
error no output byte is written.

numpy error -> C status (NUMPY_ERROR_TO_STATUS below; "binding:" marks checks
the C API cannot make because it never sees the value, done by
gradient_ctypes as every binding must):

  ValueError "Shape of array too small ... at least (edge_order + 1)"
      (a selected axis shorter than edge_order + 1)      -> GRADIENT_TOO_SMALL, axis set
  IndexError "index 0 is out of bounds" (coordinates given for an axis
      of length 0 or 1: numpy fails in diffx[0])          -> GRADIENT_TOO_SMALL, axis set
  ValueError "'edge_order' greater than 2 not supported"  -> GRADIENT_BAD_EDGE_ORDER
  (none: numpy treats edge_order 0, negative, 1.5 as 2)  -> GRADIENT_BAD_EDGE_ORDER
      (deliberate difference, SEMANTICS.md section 3; 0 is refused by the
      library, negatives and 1.5 by the binding, which passes a uint32)
  AxisError (axis >= ndim)                                -> GRADIENT_BAD_AXIS, axis set
      (the bit reaches the library through axis_mask)
  AxisError (axis < -ndim, or >= 64)                      -> binding: GRADIENT_BAD_AXIS
  ValueError "repeated axis"                              -> binding: GRADIENT_BAD_AXIS
  ValueError "when 1d, distances must match the length"   -> binding: CoordinateLengthError
      (a ValueError; the C API takes the length from the shape)
  ValueError "distances must be either scalars or 1d"     -> binding: ValueError
  TypeError "invalid number of arguments"                 -> binding: TypeError
  TypeError (bool, object, datetime64 ... input)          -> binding: TypeError; the C API's
      dtype tag for an unknown type                          GRADIENT_BAD_DTYPE
  (no error: 0-d input or axis=() returns ())             -> GRADIENT_OK, nothing written

Statuses numpy has no analogue for (a Python array cannot express them), tested
through raw calls: GRADIENT_NULL_POINTER, GRADIENT_BAD_NDIM, GRADIENT_OVERFLOW,
GRADIENT_MISALIGNED, GRADIENT_OVERLAP, GRADIENT_BAD_DTYPE, GRADIENT_BAD_END.
"""

import ctypes

import numpy as np
import pytest

import gradient_ctypes as gc

S = gc.STATUS

NUMPY_ERROR_TO_STATUS = {
    "ValueError: Shape of array too small to calculate a numerical gradient": "GRADIENT_TOO_SMALL",
    "IndexError: coordinates for an axis of length 0 or 1": "GRADIENT_TOO_SMALL",
    "ValueError: 'edge_order' greater than 2 not supported": "GRADIENT_BAD_EDGE_ORDER",
    "(accepted, acts as 2): edge_order 0": "GRADIENT_BAD_EDGE_ORDER",
    "(accepted, acts as 2): edge_order negative or 1.5": "binding: GRADIENT_BAD_EDGE_ORDER",
    "AxisError: axis >= ndim": "GRADIENT_BAD_AXIS",
    "AxisError: axis < -ndim": "binding: GRADIENT_BAD_AXIS",
    "ValueError: repeated axis": "binding: GRADIENT_BAD_AXIS",
    "ValueError: when 1d, distances must match the length of the corresponding dimension": "binding: CoordinateLengthError",
    "ValueError: distances must be either scalars or 1d": "binding: ValueError",
    "TypeError: invalid number of arguments": "binding: TypeError",
    "TypeError: unsupported input dtype (bool, object, datetime64, float16, ...)": "binding: TypeError / GRADIENT_BAD_DTYPE",
    "(returns ()): 0-d input or axis=()": "GRADIENT_OK",
}

FILL = b"\xa5\x5a\xc3"


def _outputs(f, nout, layout="C"):
    a = np.asarray(f)
    outs, buf, _ = gc.make_outputs(a.shape, gc.output_dtype(a.dtype), nout, layout, fill=FILL)
    return outs, buf, buf.copy()


def _untouched(buf, before):
    return np.array_equal(buf.reshape(-1).view(np.uint8), before.reshape(-1).view(np.uint8))


def _numpy_raises(exc, *args, **kw):
    with np.errstate(all="ignore"):
        with pytest.raises(exc):
            np.gradient(*args, **kw)


def _library_refuses(status_name, nout, f, *varargs, axis_is=None, source="library", **kw):
    outs, buf, before = _outputs(f, nout)
    with pytest.raises(gc.GradientError) as info:
        gc.gradient(f, *varargs, out=outs, **kw)
    e = info.value
    assert e.name == status_name, str(e)
    assert e.source == source, str(e)
    if axis_is is not None:
        assert e.axis == axis_is, str(e)
    assert e.message
    assert _untouched(buf, before), "outputs written although the call failed"
    return e


# ---------------------------------------------------------------------------
# numpy refusals


@pytest.mark.parametrize("n,edge_order", [(0, 1), (1, 1), (0, 2), (1, 2), (2, 2)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.complex64, np.int8, np.uint64])
def test_too_small(n, edge_order, dtype):
    f = np.arange(n).astype(dtype)
    _numpy_raises(ValueError, f, edge_order=edge_order)
    _library_refuses("GRADIENT_TOO_SMALL", 1, f, edge_order=edge_order, axis_is=0)


def test_too_small_names_the_axis_and_writes_nothing_for_earlier_axes():
    # numpy computes axis 0, then fails on axis 1 (lazy, per axis); the library
    # validates everything first.
    f = np.arange(12.0).reshape(6, 2)
    _numpy_raises(ValueError, f, edge_order=2)
    _library_refuses("GRADIENT_TOO_SMALL", 2, f, edge_order=2, axis_is=1)
    # reversed axis order: numpy fails at once, library the same status
    _numpy_raises(ValueError, f, axis=(1, 0), edge_order=2)
    _library_refuses("GRADIENT_TOO_SMALL", 2, f, axis=(1, 0), edge_order=2, axis_is=1)
    # an unselected short axis is fine in both
    assert np.gradient(f, axis=0, edge_order=2).shape == gc.gradient(f, axis=0, edge_order=2).shape


@pytest.mark.parametrize("n", [0, 1])
def test_coordinates_for_a_one_sample_axis(n):
    f = np.zeros((n, 3))
    _numpy_raises(IndexError, f, np.arange(n, dtype=float), axis=0)
    _library_refuses("GRADIENT_TOO_SMALL", 1, f, np.arange(n, dtype=float), axis=0, axis_is=0)


@pytest.mark.parametrize("edge_order", [3, 4, 100, 2**32 - 1])
def test_edge_order_too_large(edge_order):
    f = np.arange(5.0)
    _numpy_raises(ValueError, f, edge_order=edge_order)
    _library_refuses("GRADIENT_BAD_EDGE_ORDER", 1, f, edge_order=edge_order)


@pytest.mark.parametrize("edge_order,source", [(0, "library"), (-1, "binding"), (-(2**40), "binding")])
def test_edge_order_numpy_accepts_is_refused(edge_order, source):
    """Deliberate difference (SEMANTICS.md section 3): numpy silently uses
    second-order edges for 0 and negatives; the library refuses 0 (and every
    uint32 but 1 and 2), the binding refuses what is not a uint32."""
    f = np.arange(5.0) ** 2
    ref = np.gradient(f, edge_order=edge_order)
    assert np.array_equal(ref, np.gradient(f, edge_order=2))
    _library_refuses("GRADIENT_BAD_EDGE_ORDER", 1, f, edge_order=edge_order, source=source)


def test_fractional_edge_order_is_refused_by_the_binding():
    f = np.arange(5.0) ** 2
    np.gradient(f, edge_order=1.5)  # numpy: acts as 2
    _library_refuses("GRADIENT_BAD_EDGE_ORDER", 1, f, edge_order=1.5, source="binding")


def test_axis_out_of_range():
    f = np.zeros((3, 4))
    _numpy_raises(np.exceptions.AxisError, f, axis=2)
    _library_refuses("GRADIENT_BAD_AXIS", 1, f, axis=2, axis_is=2)
    _numpy_raises(np.exceptions.AxisError, f, axis=(0, 63))
    _library_refuses("GRADIENT_BAD_AXIS", 2, f, axis=(0, 63), axis_is=63)
    _numpy_raises(np.exceptions.AxisError, f, axis=-3)
    _library_refuses("GRADIENT_BAD_AXIS", 1, f, axis=-3, source="binding")
    _numpy_raises(np.exceptions.AxisError, f, axis=64)
    _library_refuses("GRADIENT_BAD_AXIS", 1, f, axis=64, source="binding")


def test_repeated_axis():
    f = np.zeros((3, 4))
    _numpy_raises(ValueError, f, axis=(1, 1))
    _numpy_raises(ValueError, f, axis=(0, -2))
    _library_refuses("GRADIENT_BAD_AXIS", 2, f, axis=(1, 1), source="binding")
    _library_refuses("GRADIENT_BAD_AXIS", 2, f, axis=(0, -2), source="binding")


@pytest.mark.parametrize("coords_len", [0, 1, 4, 6])
def test_coordinate_length_mismatch(coords_len):
    f = np.zeros((3, 5))
    x = np.arange(coords_len, dtype=float)
    _numpy_raises(ValueError, f, x, axis=1)
    outs, buf, before = _outputs(f, 1)
    with pytest.raises(gc.CoordinateLengthError) as info:
        gc.gradient(f, x, axis=1, out=outs)
    assert isinstance(info.value, ValueError) and info.value.axis == 1 and info.value.source == "binding"
    assert _untouched(buf, before)


def test_two_dimensional_coordinates():
    f = np.zeros((5, 5))
    x = np.ones((5, 2))
    _numpy_raises(ValueError, f, x, 1)
    with pytest.raises(ValueError, match="scalars or 1d"):
        gc.gradient(f, x, 1)


@pytest.mark.parametrize("varargs,axis", [((1.0, 2.0, 3.0), None), ((1.0, 2.0), 1), ((np.arange(5.0),), None)])
def test_wrong_number_of_spacings(varargs, axis):
    f = np.zeros((5, 5))
    _numpy_raises(TypeError, f, *varargs, axis=axis)
    with pytest.raises(TypeError):
        gc.gradient(f, *varargs, axis=axis)


@pytest.mark.parametrize("dtype", [np.bool_, object, "datetime64[D]", "timedelta64[D]", np.float16, np.longdouble])
def test_unsupported_input_dtypes(dtype):
    f = np.array([1, 0, 1, 1], dtype=dtype)
    with pytest.raises(TypeError):
        gc.gradient(f)


def test_empty_results_are_successes():
    # 0-d input, or no axis: numpy returns (); so does the binding, and the
    # library accepts a call that selects nothing, with NULL pointers.
    assert np.gradient(np.float64(3.0)) == ()
    assert gc.gradient(np.float64(3.0)) == ()
    f = np.zeros((3, 4))
    assert np.gradient(f, axis=()) == () and gc.gradient(f, axis=()) == ()
    status, err = gc.call_raw(0, None, 0, None, None, None, 0, 1, None, None)
    assert status == S["GRADIENT_OK"] and err.status == 0 and err.message == b"" and err.axis == gc.GRADIENT_NO_AXIS
    status, _ = gc.call_raw(0, None, 2, [3, 4], None, None, 0, 1, None, None)
    assert status == S["GRADIENT_OK"]
    # an unselected axis of length 0: success, nothing written, f and out may be NULL
    ref = np.gradient(np.zeros((0, 3)), axis=1)
    ours = gc.gradient(np.zeros((0, 3)), axis=1)
    assert ref.shape == ours.shape == (0, 3)
    status, _ = gc.call_raw(0, None, 2, [0, 3], None, None, 0b10, 1, [None], None)
    assert status == S["GRADIENT_OK"]


# ---------------------------------------------------------------------------
# Statuses without a numpy analogue: raw calls


def _raw(f, nout=1, mask=1, edge_order=1, dtype_tag=0, f_ptr=None, shape=None, strides=None, axes=None,
         out_ptrs=None, out_strides=None, ndim=None, entry=None):
    """A raw call on ``f`` with outputs filled with a pattern; returns
    (status, error struct, outputs-untouched)."""
    f = np.asarray(f)
    outs, buf, before = _outputs(f, nout)
    status, err = gc.call_raw(
        dtype_tag,
        f.ctypes.data if f_ptr is None else f_ptr,
        f.ndim if ndim is None else ndim,
        list(f.shape) if shape is None else shape,
        strides,
        axes,
        mask,
        edge_order,
        [o.ctypes.data for o in outs] if out_ptrs is None else out_ptrs,
        out_strides,
        entry=entry,
    )
    assert err.status == status, "GradientError.status differs from the returned status"
    return status, err, _untouched(buf, before)


def _expect(name, result, axis=None):
    status, err, untouched = result
    assert gc.STATUS_NAME.get(status) == name, f"got {gc.STATUS_NAME.get(status, status)}: {err.message!r}"
    assert untouched, "outputs written although the call failed"
    assert err.message, "no message"
    if axis is not None:
        assert err.axis == axis
    return err


def test_success_reports_ok_and_clears_the_message():
    status, err, _ = _raw(np.arange(4.0))
    assert status == 0 and err.status == 0 and err.message == b"" and err.axis == gc.GRADIENT_NO_AXIS


def test_null_pointers():
    f = np.arange(12.0).reshape(3, 4)
    _expect("GRADIENT_NULL_POINTER", _raw(f, f_ptr=0))
    _expect("GRADIENT_NULL_POINTER", _raw(f, out_ptrs=[0]))
    _expect("GRADIENT_NULL_POINTER", _raw(f, nout=2, mask=3, out_ptrs=[np.empty((3, 4)).ctypes.data, 0]))
    # NULL shape with ndim > 0
    status, err = gc.call_raw(0, f.ctypes.data, 2, None, None, None, 1, 1, [np.empty((3, 4)).ctypes.data], None)
    assert status == S["GRADIENT_NULL_POINTER"] and b"shape" in err.message
    # NULL out array (the array of pointers)
    status, err = gc.call_raw(0, f.ctypes.data, 2, [3, 4], None, None, 1, 1, None, None)
    assert status == S["GRADIENT_NULL_POINTER"]
    # a NULL error pointer is allowed
    status, err = gc.call_raw(0, 0, 2, [3, 4], None, None, 1, 1, [np.empty((3, 4)).ctypes.data], None, with_error=False)
    assert status == S["GRADIENT_NULL_POINTER"] and err is None


def test_bad_ndim():
    status, err = gc.call_raw(0, np.zeros(1).ctypes.data, 65, [1] * 65, None, None, 1, 1, [np.zeros(1).ctypes.data], None)
    assert status == S["GRADIENT_BAD_NDIM"]
    # 64 dimensions are fine (numpy's own maximum)
    f = np.arange(2.0).reshape((2,) + (1,) * 63)
    assert np.array_equal(gc.gradient(f, axis=0), np.gradient(f, axis=0))


def test_overflow():
    f = np.zeros(4)
    _expect("GRADIENT_OVERFLOW", _raw(f, shape=[2**62, 4], ndim=2, mask=1))
    _expect("GRADIENT_OVERFLOW", _raw(f, shape=[2**64 - 1, 2], ndim=2, mask=2))
    _expect("GRADIENT_OVERFLOW", _raw(f, strides=[2**61]))
    _expect("GRADIENT_OVERFLOW", _raw(f, out_strides=[-(2**61)]))


def test_misaligned():
    raw = np.zeros(8 * 8 + 8, dtype=np.uint8)
    base = raw.ctypes.data + (-raw.ctypes.data) % 8
    f = np.arange(4.0)
    _expect("GRADIENT_MISALIGNED", _raw(f, f_ptr=base + 1))
    _expect("GRADIENT_MISALIGNED", _raw(f, out_ptrs=[base + 4]))
    # float32: 4-byte alignment required, 8 not
    f32 = np.arange(4.0, dtype=np.float32)
    status, _, _ = _raw(f32, dtype_tag=1, out_ptrs=[base + 4])
    assert status == S["GRADIENT_OK"]
    _expect("GRADIENT_MISALIGNED", _raw(f32, dtype_tag=1, out_ptrs=[base + 2]))
    # coordinates
    x = np.zeros(5, dtype=np.float64)
    ptr = x.ctypes.data + 1
    _expect("GRADIENT_MISALIGNED", _raw(f, axes=[(1.0, ptr, 0, 0)]))
    # int8 needs no alignment
    i8 = np.arange(6, dtype=np.int8)
    status, _, _ = _raw(i8[1:], dtype_tag=4)
    assert status == S["GRADIENT_OK"]


def test_misaligned_views_are_copied_by_the_binding():
    rec = np.zeros(6, dtype=[("pad", "u1"), ("v", "f8")])
    rec["v"] = [1, 2, 4, 7, 11, 16]
    v = rec["v"]
    assert v.ctypes.data % 8 != 0 and v.strides[0] == 9
    assert np.array_equal(gc.gradient(v), np.gradient(v))


def test_overlap():
    f = np.arange(12.0).reshape(3, 4)
    # out is f itself
    _expect("GRADIENT_OVERLAP", _raw(f, out_ptrs=[f.ctypes.data]), axis=0)
    # through the binding: out aliases the input
    g = f.copy()
    before = g.copy()
    with pytest.raises(gc.GradientError) as info:
        gc.gradient(g, axis=1, out=[g])
    assert info.value.name == "GRADIENT_OVERLAP" and np.array_equal(g, before)
    # two outputs sharing memory (one element apart)
    buf = np.full(13, 7.0)
    status, err, _ = _raw(f, nout=2, mask=3, out_ptrs=[buf.ctypes.data, buf[1:].ctypes.data])
    assert gc.STATUS_NAME[status] == "GRADIENT_OVERLAP" and np.all(buf == 7.0)
    # interleaved outputs do not overlap
    inter = np.empty((3, 4, 2))
    status, err, _ = _raw(f, nout=2, mask=3, out_ptrs=[inter[..., 0].ctypes.data, inter[..., 1].ctypes.data],
                          out_strides=[8, 2])
    assert status == S["GRADIENT_OK"], err.message
    # a zero output stride maps several indices to one element
    _expect("GRADIENT_OVERLAP", _raw(f, out_strides=[0, 1]))
    # the second output overlaps the input; the first must stay untouched too
    out0 = np.full((3, 4), 7.0)
    status, err, _ = _raw(f, nout=2, mask=3, out_ptrs=[out0.ctypes.data, f.ctypes.data])
    assert gc.STATUS_NAME[status] == "GRADIENT_OVERLAP" and np.all(out0 == 7.0) and err.axis == 1
    # an output overlapping coordinates
    x = np.arange(4.0)
    out = np.empty(4)
    status, err, _ = _raw(np.arange(4.0), out_ptrs=[x.ctypes.data], axes=[(1.0, x.ctypes.data, 0, 0)])
    assert gc.STATUS_NAME[status] == "GRADIENT_OVERLAP" and np.array_equal(x, np.arange(4.0))
    del out


@pytest.mark.parametrize("tag", [-1, 12, 99, 2**31 - 1])
def test_bad_dtype(tag):
    _expect("GRADIENT_BAD_DTYPE", _raw(np.arange(4.0), dtype_tag=tag))


def test_every_dtype_tag_is_accepted():
    for dt, tag in gc.DTYPE_TAG.items():
        f = np.arange(5).astype(dt)
        out = np.empty(5, gc.output_dtype(dt))
        status, err = gc.call_raw(tag, f.ctypes.data, 1, [5], None, None, 1, 1, [out.ctypes.data], None)
        assert status == 0, (dt, err.message)
        assert np.array_equal(out, np.gradient(f)), dt


@pytest.mark.parametrize("lower,upper", [(1, 0), (0, 1), (-1, 0), (0, 2**31 - 1)])
def test_bad_end(lower, upper):
    f = np.arange(12.0).reshape(3, 4)
    axes = [(1.0, None, 0, 0), (1.0, None, lower, upper)]
    _expect("GRADIENT_BAD_END", _raw(f, mask=2, axes=axes), axis=1)
    # ignored on an axis that is not selected
    status, _, _ = _raw(f, mask=1, axes=axes)
    assert status == S["GRADIENT_OK"]


def test_status_names():
    for name, value in S.items():
        assert gc.status_name(value) == name
    assert gc.status_name(12) == "GRADIENT_UNKNOWN_STATUS"
    assert gc.status_name(-1) == "GRADIENT_UNKNOWN_STATUS"


def test_validation_order_bad_edge_order_before_too_small():
    # Both wrong: the library reports in its documented order (call.rs):
    # ndim, shape, axis_mask, edge_order, ends, too small, pointers, layout.
    f = np.zeros(1)
    _expect("GRADIENT_BAD_EDGE_ORDER", _raw(f, edge_order=3))
    _expect("GRADIENT_BAD_AXIS", _raw(f, mask=0b11, edge_order=3))
    _expect("GRADIENT_TOO_SMALL", _raw(f, f_ptr=0))


def test_message_fits_and_is_terminated():
    status, err = gc.call_raw(0, np.zeros(1).ctypes.data, 1, [1], None, None, 1 << 40, 1, [np.zeros(1).ctypes.data], None)
    assert status == S["GRADIENT_BAD_AXIS"] and err.axis == 40
    raw = bytes(err.message)
    assert 0 < len(raw) < gc.GRADIENT_MESSAGE_SIZE and b"40" in raw
    assert ctypes.sizeof(gc.GradientErrorStruct) == 4 + 4 + gc.GRADIENT_MESSAGE_SIZE
