"""ctypes binding of libgradient with numpy.gradient's calling convention.

    from gradient_ctypes import gradient, GradientError
    gx, gy = gradient(z, 0.5, x_coords, edge_order=2)

The library is loaded from the environment variable ``GRADIENT_LIB`` or else
from ``<repo>/target/release/libgradient.so`` (build it with
``cargo build --release``).

What the binding does on top of the C API (see include/gradient.h and
/work/shared/SEMANTICS.md):

* ``f`` may be any numpy view: the pointer to element 0 and the strides in
  elements are passed as they are (negative and zero strides included). An
  array whose strides are not multiples of the item size, whose data pointer is
  not aligned for its type, or whose byte order is not native is copied first.
* Supported dtypes: float64, float32, complex128, complex64 and
  int8..int64, uint8..uint64 (integers give float64, as in numpy). Anything
  else (float16, longdouble, bool, object, datetime64, timedelta64) raises
  ``TypeError``: those are numpy-only and out of the C library's scope.
* Spacing follows numpy: no varargs (unit spacing), one scalar for every
  axis, or one scalar or 1-D coordinate array per selected axis. Every scalar
  step is treated as a Python float ("weak" in NEP 50, which is what the C
  API's ``GradientAxis.step`` documents). numpy treats a numpy scalar or a 0-d
  array (``np.float64(0.1)``, ``np.array(0.1)``) as "strong" instead, which
  for float32/complex64 input can change the last bit; pass Python floats to
  numpy when comparing. Coordinates must be float64 or integer (integers are
  converted to float64 first, as numpy does); numpy would difference float32
  or complex coordinates in their own precision, which the C API (``double``
  coordinates) cannot express, so those raise ``TypeError``.
* The binding checks what the C API cannot see: the number of varargs
  (``TypeError``, as numpy), coordinate arrays that are not 1-D
  (``ValueError``, as numpy) and coordinate lengths (``CoordinateLengthError``,
  the C API implies the length from the shape). Axes are normalised like numpy
  (negative axes count from the end); an axis that cannot be expressed in the
  64-bit ``axis_mask`` or that is repeated raises ``GradientError`` with the
  status ``GRADIENT_BAD_AXIS`` (``source == "binding"``); every other
  refusal comes from the library (``source == "library"``).
* The result is like numpy's: one array for one axis, otherwise a tuple (numpy
  2 returns a tuple; ``test_return_type`` checks it), ordered as ``axis``
  lists the axes. Output memory layout is chosen with ``out_layout`` (see
  ``OutLayout``) or by passing ``out=`` arrays; all outputs share one set of
  strides, as ``out_strides`` in the C API.
"""

from __future__ import annotations

import ctypes
import os
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

__all__ = [
    "GradientError",
    "CoordinateLengthError",
    "OutLayout",
    "STATUS",
    "STATUS_NAME",
    "DTYPE_TAG",
    "gradient",
    "make_outputs",
    "output_dtype",
    "call_raw",
    "lib",
    "library_path",
]

# ---------------------------------------------------------------------------
# Constants of include/gradient.h

STATUS = {
    "GRADIENT_OK": 0,
    "GRADIENT_NULL_POINTER": 1,
    "GRADIENT_BAD_NDIM": 2,
    "GRADIENT_BAD_AXIS": 3,
    "GRADIENT_BAD_EDGE_ORDER": 4,
    "GRADIENT_TOO_SMALL": 5,
    "GRADIENT_BAD_END": 6,
    "GRADIENT_OVERFLOW": 7,
    "GRADIENT_MISALIGNED": 8,
    "GRADIENT_OVERLAP": 9,
    "GRADIENT_BAD_DTYPE": 10,
    "GRADIENT_INTERNAL_ERROR": 11,
}
STATUS_NAME = {v: k for k, v in STATUS.items()}
globals().update(STATUS)  # GRADIENT_OK, GRADIENT_TOO_SMALL, ... as module constants

GRADIENT_END_ONE_SIDED = 0
GRADIENT_MAX_NDIM = 64
GRADIENT_NO_AXIS = 0xFFFFFFFF
GRADIENT_MESSAGE_SIZE = 256

DTYPE_TAG = {
    np.dtype(np.float64): 0,
    np.dtype(np.float32): 1,
    np.dtype(np.complex128): 2,
    np.dtype(np.complex64): 3,
    np.dtype(np.int8): 4,
    np.dtype(np.int16): 5,
    np.dtype(np.int32): 6,
    np.dtype(np.int64): 7,
    np.dtype(np.uint8): 8,
    np.dtype(np.uint16): 9,
    np.dtype(np.uint32): 10,
    np.dtype(np.uint64): 11,
}
SUPPORTED_DTYPES = tuple(DTYPE_TAG)

# Alignment the library requires (Rust's align_of on x86-64/aarch64).
_ALIGN = {
    np.dtype(np.float64): 8,
    np.dtype(np.float32): 4,
    np.dtype(np.complex128): 8,
    np.dtype(np.complex64): 4,
    np.dtype(np.int8): 1,
    np.dtype(np.int16): 2,
    np.dtype(np.int32): 4,
    np.dtype(np.int64): 8,
    np.dtype(np.uint8): 1,
    np.dtype(np.uint16): 2,
    np.dtype(np.uint32): 4,
    np.dtype(np.uint64): 8,
}

_TYPED_ENTRY = {
    np.dtype(np.float64): "gradient_f64",
    np.dtype(np.float32): "gradient_f32",
    np.dtype(np.complex128): "gradient_c128",
    np.dtype(np.complex64): "gradient_c64",
}


def output_dtype(dtype) -> np.dtype:
    """The dtype numpy (and the library) returns for input of `dtype`."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return np.dtype(np.float64)
    return dtype.newbyteorder("=")


# ---------------------------------------------------------------------------
# C structures and the library


class GradientAxisStruct(ctypes.Structure):
    _fields_ = [
        ("step", ctypes.c_double),
        ("coords", ctypes.POINTER(ctypes.c_double)),
        ("lower", ctypes.c_int32),
        ("upper", ctypes.c_int32),
    ]


class GradientErrorStruct(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_int32),
        ("axis", ctypes.c_uint32),
        ("message", ctypes.c_char * GRADIENT_MESSAGE_SIZE),
    ]


_size_p = ctypes.POINTER(ctypes.c_size_t)
_ssize_p = ctypes.POINTER(ctypes.c_ssize_t)
_axis_p = ctypes.POINTER(GradientAxisStruct)
_err_p = ctypes.POINTER(GradientErrorStruct)
_out_p = ctypes.POINTER(ctypes.c_void_p)

_COMMON = [ctypes.c_void_p, ctypes.c_size_t, _size_p, _ssize_p, _axis_p, ctypes.c_uint64, ctypes.c_uint32, _out_p, _ssize_p, _err_p]


def library_path() -> Path:
    env = os.environ.get("GRADIENT_LIB")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    return repo / "target" / "release" / "libgradient.so"


_lib: Optional[ctypes.CDLL] = None


def lib() -> ctypes.CDLL:
    """The loaded library (loaded on first use)."""
    global _lib
    if _lib is None:
        path = library_path()
        if not path.exists():
            raise OSError(f"{path} does not exist: run `cargo build --release` or set GRADIENT_LIB")
        cdll = ctypes.CDLL(str(path))
        for name in ("gradient_f64", "gradient_f32", "gradient_c128", "gradient_c64"):
            fn = getattr(cdll, name)
            fn.argtypes = _COMMON
            fn.restype = ctypes.c_int32
        cdll.gradient_dtype.argtypes = [ctypes.c_int32] + _COMMON
        cdll.gradient_dtype.restype = ctypes.c_int32
        cdll.gradient_status_name.argtypes = [ctypes.c_int32]
        cdll.gradient_status_name.restype = ctypes.c_char_p
        cdll.gradient_version.argtypes = []
        cdll.gradient_version.restype = ctypes.c_char_p
        _lib = cdll
    return _lib


# ---------------------------------------------------------------------------
# Errors


class GradientError(Exception):
    """A refused call.

    ``status``: the GradientStatus value (an int) or None for checks that only
    exist in a binding; ``name``: its constant name; ``axis``: the axis the
    error concerns or None; ``message``: the library's (or binding's) sentence;
    ``source``: "library" or "binding".
    """

    def __init__(self, status: Optional[int], axis: Optional[int], message: str, source: str = "library", name: Optional[str] = None):
        self.status = status
        self.name = name or STATUS_NAME.get(status, "GRADIENT_UNKNOWN_STATUS")
        self.axis = axis
        self.message = message
        self.source = source
        where = "" if axis is None else f" (axis {axis})"
        super().__init__(f"{self.name}{where}: {message}")


class CoordinateLengthError(GradientError, ValueError):
    """Coordinates whose length differs from their axis (checked by the binding,
    the C API takes the length from the shape). numpy raises ValueError."""

    def __init__(self, axis: int, got: int, length: int):
        super().__init__(
            None,
            axis,
            f"coordinates for axis {axis} have {got} values, but the axis has {length} samples "
            "(numpy: when 1d, distances must match the length of the corresponding dimension)",
            source="binding",
            name="COORDINATE_LENGTH",
        )


# ---------------------------------------------------------------------------
# Raw call


def _arr(ctype, values):
    if values is None:
        return None
    values = list(values)
    return (ctype * max(len(values), 1))(*values)


def call_raw(
    dtype_tag: Optional[int],
    f_ptr: Optional[int],
    ndim: int,
    shape: Optional[Sequence[int]],
    strides: Optional[Sequence[int]],
    axes: Optional[Sequence[tuple]],
    axis_mask: int,
    edge_order: int,
    out_ptrs: Optional[Sequence[Optional[int]]],
    out_strides: Optional[Sequence[int]],
    entry: Optional[str] = None,
    with_error: bool = True,
):
    """One C call with every argument spelled out (None means NULL).

    ``axes`` is a sequence of ``(step, coords_ptr_or_None, lower, upper)``.
    ``entry`` is "gradient_dtype" (default, needs ``dtype_tag``) or one of the
    typed entry points. Returns ``(status, GradientErrorStruct or None)``.
    """
    L = lib()
    shape_a = _arr(ctypes.c_size_t, shape)
    strides_a = _arr(ctypes.c_ssize_t, strides)
    ostrides_a = _arr(ctypes.c_ssize_t, out_strides)
    axes_a = None
    if axes is not None:
        axes_a = (GradientAxisStruct * max(len(axes), 1))()
        for k, (step, cptr, lower, upper) in enumerate(axes):
            axes_a[k].step = step
            axes_a[k].coords = ctypes.cast(ctypes.c_void_p(cptr), ctypes.POINTER(ctypes.c_double)) if cptr else None
            axes_a[k].lower = lower
            axes_a[k].upper = upper
    outs_a = None
    if out_ptrs is not None:
        outs_a = (ctypes.c_void_p * max(len(out_ptrs), 1))(*[p if p else None for p in out_ptrs])
    err = None
    if with_error:
        err = GradientErrorStruct()
        err.status = -12345  # proves the library wrote it
    args = [
        ctypes.c_void_p(f_ptr) if f_ptr else None,
        ctypes.c_size_t(ndim),
        shape_a,
        strides_a,
        axes_a,
        ctypes.c_uint64(axis_mask & 0xFFFFFFFFFFFFFFFF),
        ctypes.c_uint32(edge_order & 0xFFFFFFFF),
        outs_a,
        ostrides_a,
        ctypes.byref(err) if err is not None else None,
    ]
    if entry is None or entry == "gradient_dtype":
        status = L.gradient_dtype(ctypes.c_int32(dtype_tag), *args)
    else:
        status = getattr(L, entry)(*args)
    return status, err


# ---------------------------------------------------------------------------
# Output layouts


@dataclass(frozen=True)
class OutLayout:
    """How the outputs are laid out in one backing buffer.

    ``order``: memory order of the array axes, outermost first (None: C order);
    ``flip``: axes stored backwards (negative strides);
    ``step``: per-axis spacing between elements (gaps stay untouched);
    ``interleave``: outputs interleaved element by element along the innermost
    stored axis (output j at ``[..., j::nout]``) instead of one block after
    another along the outermost one.
    """

    order: Optional[tuple] = None
    flip: tuple = ()
    step: Optional[tuple] = None
    interleave: bool = False
    offset: bool = False  # start each stepped axis at index step-1 instead of 0

    @staticmethod
    def named(name: str, ndim: int) -> "OutLayout":
        if name == "C":
            return OutLayout()
        if name == "F":
            return OutLayout(order=tuple(reversed(range(ndim))), interleave=True)
        if name == "strided":
            return OutLayout(step=(2,) * ndim, offset=True)
        if name == "reversed":
            return OutLayout(flip=tuple(range(ndim)))
        if name == "interleaved":
            return OutLayout(interleave=True)
        raise ValueError(f"unknown output layout {name!r} (C, F, strided, reversed, interleaved, or an OutLayout)")


def make_outputs(shape, dtype, nout: int, layout="C", fill: Optional[bytes] = None):
    """``nout`` arrays of ``shape`` and ``dtype`` sharing one set of strides,
    views into one buffer laid out as ``layout`` (a name or ``OutLayout``).

    Returns ``(outs, buffer, covered)``: ``buffer`` is the backing array
    (filled with the byte pattern ``fill`` if given) and ``covered`` a boolean
    array of the buffer's shape, True where some output element lives; the
    rest must stay untouched by a call.
    """
    shape = tuple(int(n) for n in shape)
    ndim = len(shape)
    if isinstance(layout, str):
        layout = OutLayout.named(layout, ndim)
    dtype = np.dtype(dtype)
    order = tuple(layout.order) if layout.order is not None else tuple(range(ndim))
    step = tuple(layout.step) if layout.step is not None else (1,) * ndim
    phys = [shape[k] * step[k] for k in range(ndim)]
    stored = [phys[k] for k in order]
    # The outputs are stacked along the outermost stored axis, or interleaved
    # along the innermost one, so the buffer has no extra dimension (a
    # 64-dimensional output stays within numpy's 64-dimension limit).
    if ndim == 0:
        if nout:
            raise ValueError("a 0-d array has no axis to differentiate")
        buf_shape = (0,)
    elif layout.interleave:
        buf_shape = tuple(stored[:-1]) + (stored[-1] * nout,)
    else:
        buf_shape = (stored[0] * nout,) + tuple(stored[1:])
    buf = np.empty(buf_shape, dtype=dtype)
    if fill is not None and buf.nbytes:
        raw = buf.reshape(-1).view(np.uint8)
        pat = np.frombuffer(fill * (buf.nbytes // len(fill) + 1), dtype=np.uint8)[: buf.nbytes]
        raw[:] = pat

    def views(b):
        res = []
        inv = tuple(int(i) for i in np.argsort(order))
        for j in range(nout):
            if layout.interleave:
                v = b[..., j::nout]
            else:
                v = b[j * stored[0]:(j + 1) * stored[0]]
            v = v.transpose(inv)
            sl = []
            for k in range(ndim):
                s = step[k]
                start = s - 1 if (layout.offset and s > 1) else 0
                sl.append(slice(start, None, s) if s > 1 else slice(None))
            v = v[tuple(sl)]
            if layout.flip:
                v = v[tuple(slice(None, None, -1) if k in layout.flip else slice(None) for k in range(ndim))]
            res.append(v)
        return res

    outs = views(buf)
    covered = np.zeros(buf_shape, dtype=bool)
    for v in views(covered):
        v[...] = True
    for o in outs:
        assert o.shape == shape, (o.shape, shape)
    return outs, buf, covered


# ---------------------------------------------------------------------------
# The numpy-like entry point


def _prepare_input(f) -> np.ndarray:
    a = np.asarray(f)
    if a.dtype.kind not in "fciu" or a.dtype.newbyteorder("=") not in DTYPE_TAG:
        raise TypeError(
            f"dtype {a.dtype} is not supported by libgradient (float64, float32, complex128, complex64, "
            "int8..int64, uint8..uint64); float16, longdouble, bool, object, datetime64 and timedelta64 are numpy-only"
        )
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    needs_copy = a.ctypes.data % _ALIGN[a.dtype] != 0 or any(
        s % a.itemsize != 0 for n, s in zip(a.shape, a.strides) if n > 1
    )
    if needs_copy:
        a = np.ascontiguousarray(a)
    return a


def _element_strides(a: np.ndarray) -> list:
    # Strides of axes of length <= 1 never move the pointer; numpy may give
    # them any value, so they are passed as 0 unless they are exact multiples.
    res = []
    for n, s in zip(a.shape, a.strides):
        if s % a.itemsize == 0:
            res.append(s // a.itemsize)
        elif n <= 1:
            res.append(0)
        else:  # pragma: no cover - _prepare_input / out checks prevent it
            raise ValueError("stride is not a multiple of the item size")
    return res


def _normalize_axes(axis, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        items = list(axis)
    else:
        items = [axis]
    res = []
    for a in items:
        try:
            k = operator.index(a)
        except TypeError:
            raise TypeError(f"axis must be an integer or a tuple of integers, not {type(a).__name__}") from None
        if -ndim <= k < 0:
            k += ndim
        if not 0 <= k < GRADIENT_MAX_NDIM:
            raise GradientError(
                STATUS["GRADIENT_BAD_AXIS"], None,
                f"axis {a} is out of range for an array with {ndim} dimensions (cannot be expressed in axis_mask)",
                source="binding",
            )
        if k in res:
            raise GradientError(STATUS["GRADIENT_BAD_AXIS"], k, f"repeated axis {k} in axis={axis!r}", source="binding")
        res.append(k)
    return tuple(res)


def _scalar_step(h) -> float:
    if isinstance(h, (complex, np.complexfloating)) or (isinstance(h, np.ndarray) and h.dtype.kind == "c"):
        raise TypeError("complex spacing is not supported by libgradient")
    if isinstance(h, np.ndarray):
        h = h[()]
    return float(h)


def gradient(
    f,
    *varargs,
    axis=None,
    edge_order=1,
    out: Optional[Sequence[np.ndarray]] = None,
    out_layout="C",
    entry: Optional[str] = None,
):
    """numpy.gradient through libgradient. See the module docstring.

    ``out``: optional output arrays, one per selected axis in the order of
    ``axis``, of ``f``'s shape and the output dtype, all with the same strides.
    ``out_layout``: layout of newly allocated outputs ("C", "F", "strided",
    "reversed", "interleaved", or an ``OutLayout``).
    ``entry``: None (typed entry point for float/complex, gradient_dtype for
    integers) or "gradient_dtype" (always the untyped one).
    """
    a = _prepare_input(f)
    ndim = a.ndim
    axes = _normalize_axes(axis, ndim)
    n = len(varargs)
    len_axes = len(axes)

    # Spacing, as numpy parses varargs.
    if n == 0:
        dx = [1.0] * len_axes
    elif n == 1 and np.ndim(varargs[0]) == 0:
        dx = [varargs[0]] * len_axes
    elif n == len_axes:
        dx = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    steps = []  # per selected axis: float step or float64 coordinate array
    for i, d in enumerate(dx):
        if np.ndim(d) == 0:
            steps.append(_scalar_step(d))
            continue
        x = np.asarray(d)
        if x.ndim != 1:
            raise ValueError("distances must be either scalars or 1d")
        if axes[i] < ndim and len(x) != a.shape[axes[i]]:
            raise CoordinateLengthError(axes[i], len(x), a.shape[axes[i]])
        if x.dtype.kind in "iu":
            x = x.astype(np.float64)
        elif x.dtype != np.float64:
            raise TypeError(
                f"coordinates of dtype {x.dtype} are not supported: the C API takes float64 coordinates, "
                "and numpy would difference these in their own precision"
            )
        steps.append(np.ascontiguousarray(x, dtype=np.float64))

    # edge_order: the C library takes a uint32 and accepts only 1 and 2.
    try:
        eo = operator.index(edge_order)
    except TypeError:
        raise GradientError(
            STATUS["GRADIENT_BAD_EDGE_ORDER"], None, f"edge_order must be 1 or 2, got {edge_order!r}", source="binding"
        ) from None
    if not 0 <= eo <= 0xFFFFFFFF:
        raise GradientError(STATUS["GRADIENT_BAD_EDGE_ORDER"], None, f"edge_order must be 1 or 2, got {eo}", source="binding")

    odt = output_dtype(a.dtype)
    if out is None:
        outs, _, _ = make_outputs(a.shape, odt, len_axes, out_layout)
    else:
        outs = list(out)
        if len(outs) != len_axes:
            raise ValueError(f"{len(outs)} outputs given for {len_axes} selected axes")
        for o in outs:
            if not isinstance(o, np.ndarray) or o.shape != a.shape or o.dtype != odt:
                raise ValueError(f"every output must be a {odt} array of shape {a.shape}")
            if not o.flags.writeable:
                raise ValueError("outputs must be writeable")
        if len_axes and len({o.strides for o in outs}) != 1:
            raise ValueError("all outputs must have the same strides (the C API shares out_strides)")
    o_strides = _element_strides(outs[0]) if outs else [0] * ndim

    # The C call takes axes in increasing order; outputs are returned in the
    # order the caller asked for.
    order = sorted(range(len_axes), key=lambda i: axes[i])
    mask = 0
    axis_structs = [(1.0, None, GRADIENT_END_ONE_SIDED, GRADIENT_END_ONE_SIDED)] * ndim
    keep = []
    for i, k in enumerate(axes):
        if k < ndim:
            s = steps[i]
            if isinstance(s, np.ndarray):
                keep.append(s)
                axis_structs[k] = (1.0, s.ctypes.data, GRADIENT_END_ONE_SIDED, GRADIENT_END_ONE_SIDED)
            else:
                axis_structs[k] = (s, None, GRADIENT_END_ONE_SIDED, GRADIENT_END_ONE_SIDED)
        mask |= 1 << k
    out_ptrs = [outs[i].ctypes.data for i in order]

    tag = DTYPE_TAG[a.dtype]
    if entry is None:
        entry = _TYPED_ENTRY.get(a.dtype, "gradient_dtype")
    status, err = call_raw(
        tag, a.ctypes.data, ndim, list(a.shape), _element_strides(a), axis_structs if ndim else None,
        mask, eo, out_ptrs, o_strides, entry=entry,
    )
    del keep
    if status != 0:
        eaxis = None if err.axis == GRADIENT_NO_AXIS else int(err.axis)
        raise GradientError(int(status), eaxis, err.message.decode("utf-8", "replace"))
    if len_axes == 1:
        return outs[0]
    return tuple(outs)


def status_name(status: int) -> str:
    """The library's own name for a status (gradient_status_name)."""
    return lib().gradient_status_name(status).decode()


def version() -> str:
    return lib().gradient_version().decode()
