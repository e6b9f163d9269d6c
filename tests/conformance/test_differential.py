"""Differential test: libgradient against numpy.gradient on random cases,
bit for bit (byte equality, signed zeros included; a NaN matches any NaN;
complex parts compared separately).

Every case is generated from its own generator
``numpy.random.default_rng([SEED, chunk, index])``, so any case can be
replayed alone:

    python3 tests/conformance/test_differential.py CHUNK INDEX

prints the case and numpy's and the library's results.

A case is one call: random dtype (all twelve the C API supports), 1 to 5
dimensions with lengths from the minimum (edge_order + 1) up, a random axis
selection (None, an int, a tuple in any order, negative axes), both edge
orders, spacing as numpy takes it (none, one scalar, or a scalar or coordinate
array per axis: uniform, non-uniform, decreasing, repeated, NaN/inf, integer
coordinates of every integer dtype), values with NaN, +-inf, huge and tiny
magnitudes, signed zeros and integer extremes, non-contiguous inputs
(transposed, stepped, negative and zero strides, misaligned views the binding
copies) and non-contiguous outputs (permuted, stepped, reversed, interleaved).
A few cases are invalid (an axis too short for the edge order, edge_order 3):
numpy must raise and the library return the mapped status without writing.

Besides the values, every case checks that the library writes nothing outside
the outputs (the gaps of a strided output buffer keep their fill pattern) and
does not modify the input.

numpy is called with Python floats as scalar spacing (weak scalars, as the C
API documents). The one exception: a zero step with edge_order 2 makes numpy
itself fail (``-1.5 / 0.0`` is a Python ZeroDivisionError), so numpy is then
given a numpy scalar of the array's precision (np.float32 for float32 and
complex64, np.float64 otherwise), which computes the same as a weak zero.
"""

from __future__ import annotations

import math
import sys
import os

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gradient_ctypes as gc  # noqa: E402
from _support import compare_with_numpy, numpy_gradient, record  # noqa: E402

SEED = 20240607
CHUNKS = 48
PER_CHUNK = 500  # CHUNKS * PER_CHUNK = 24,000 cases

DTYPES = [np.dtype(t) for t in (
    np.float64, np.float32, np.complex128, np.complex64,
    np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
)]
INT_DTYPES = [d for d in DTYPES if d.kind in "iu"]
FILL = b"\xa5\x5a\xc3"  # byte pattern of untouched output memory

SPECIAL_F64 = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e300, 5e-324, -5e-324,
               2.2250738585072014e-308, 1e-310, 1.7976931348623157e308, -1.7976931348623157e308, 1.0, -1.0]
SPECIAL_F32 = [3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38,
               1e-40, 3e38, 16777217.0]


# ---------------------------------------------------------------------------
# Generation


def _float_values(rng, size, dt):
    """float64 values for a float (or complex part) array of dtype dt."""
    mode = rng.choice(["normal", "ints", "wide", "mixed"], p=[0.35, 0.2, 0.2, 0.25])
    if mode == "normal":
        v = rng.standard_normal(size) * 10.0 ** rng.uniform(-5, 5)
    elif mode == "ints":
        v = rng.integers(-4, 5, size).astype(np.float64)  # exact steps, many zeros
    elif mode == "wide":
        lim = 300 if dt.itemsize >= 8 and dt != np.complex64 else 37
        v = rng.choice([-1.0, 1.0], size) * 10.0 ** rng.uniform(-lim - 20, lim + 8, size)
    else:
        v = rng.standard_normal(size) * 10.0 ** rng.integers(-30, 30, size)
    p = rng.choice([0.0, 0.05, 0.3])
    if p:
        hit = rng.random(size) < p
        pool = SPECIAL_F64 + (SPECIAL_F32 if dt in (np.float32, np.complex64) else [])
        v[hit] = rng.choice(pool, int(hit.sum()))
    return v


def gen_values(rng, shape, dt):
    size = math.prod(shape)
    if dt.kind == "f":
        with np.errstate(all="ignore"):
            return _float_values(rng, size, dt).astype(dt).reshape(shape)
    if dt.kind == "c":
        with np.errstate(all="ignore"):
            part = np.float32 if dt == np.complex64 else np.float64
            re = _float_values(rng, size, dt).astype(part)
            im = _float_values(rng, size, dt).astype(part) if rng.random() < 0.8 else np.zeros(size, part)
            v = np.empty(size, dt)
            v.real, v.imag = re, im
            return v.reshape(shape)
    info = np.iinfo(dt)
    mode = rng.choice(["full", "small", "extremes"])
    if mode == "full":
        v = rng.integers(info.min, info.max, size, dtype=dt, endpoint=True)
    elif mode == "small":
        v = rng.integers(max(info.min, -50), min(info.max, 50), size, dtype=dt, endpoint=True)
    else:
        v = rng.choice(np.array([info.min, info.max, 0, 1, info.max - 1, info.min // 2 if info.min else 7], dtype=dt), size)
    return v.reshape(shape)


def gen_scalar(rng, dt, edge_order):
    """A spacing scalar for numpy and the same value for the binding."""
    r = rng.random()
    if r < 0.35:
        h = float(rng.choice([1.0, 2.0, 0.5, 0.1, -0.3, 0.25, 3.0, -1.0, 1e-3, 7.0]))
    elif r < 0.45:
        h = int(rng.choice([1, 2, 3, -2, 5]))  # Python int spacing
    elif r < 0.7:
        h = float(rng.uniform(-5, 5))
    elif r < 0.85:
        h = float(rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-40, 40))
    else:
        h = float(rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 5e-324, 1e-310, 1e-300,
                               3.4028234663852886e38, 1e39, 1e-45, 1e-40]))
    if h == 0 and edge_order == 2:
        # Python raises ZeroDivisionError at -1.5 / 0.0 inside numpy.gradient;
        # a numpy scalar of the array's precision computes what a weak zero does.
        h = (np.float32 if dt in (np.float32, np.complex64) else np.float64)(h)
    return h


def gen_coords(rng, n):
    kind = rng.choice(["arange", "arange_int", "offset_uniform", "linspace", "sorted", "random",
                       "decreasing", "repeated", "special", "int_random", "int_decreasing", "huge", "tiny",
                       "noncontig", "list"],
                      p=[0.1, 0.08, 0.06, 0.08, 0.14, 0.06, 0.08, 0.07, 0.05, 0.06, 0.05, 0.04, 0.04, 0.05, 0.04])
    if kind == "arange":
        h = float(rng.choice([1.0, 0.5, 2.0, -1.0, 0.25, 3.0, 1e-3, 1e10]))
        x = np.arange(n) * h
    elif kind == "arange_int":
        dt = INT_DTYPES[rng.integers(len(INT_DTYPES))]
        x = (np.arange(n) * int(rng.choice([1, 2, 3]))).astype(dt)
    elif kind == "offset_uniform":
        x = float(rng.uniform(-3, 3)) + np.arange(n) * float(rng.choice([0.1, 0.3, 0.7, 1.1]))
    elif kind == "linspace":
        x = np.linspace(float(rng.uniform(-5, 0)), float(rng.uniform(0.1, 5)), n)
    elif kind == "sorted":
        x = np.sort(rng.uniform(-10, 10, n))
    elif kind == "random":
        x = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 3)
    elif kind == "decreasing":
        x = -np.sort(rng.uniform(-10, 10, n))
    elif kind == "repeated":
        x = np.sort(rng.integers(0, max(2, n // 2), n)).astype(np.float64)  # equal neighbours: inf/nan
    elif kind == "special":
        x = np.sort(rng.uniform(0, 10, n))
        if n:
            x[rng.integers(n)] = rng.choice([np.nan, np.inf, -np.inf])
    elif kind == "int_random":
        dt = INT_DTYPES[rng.integers(len(INT_DTYPES))]
        info = np.iinfo(dt)
        x = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    elif kind == "int_decreasing":
        dt = INT_DTYPES[rng.integers(len(INT_DTYPES))]
        x = np.arange(n, dtype=dt)[::-1].copy()
    elif kind == "huge":
        x = np.sort(rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(300, 308, n))
    elif kind == "tiny":
        x = np.arange(n) * float(rng.choice([5e-324, 1e-320, 1e-310]))
        if rng.random() < 0.5:
            x = np.sort(x + rng.integers(0, 3, n) * 5e-324)
    elif kind == "noncontig":
        base = np.sort(rng.uniform(-10, 10, 2 * n))
        x = base[::-2] if rng.random() < 0.5 else base[1::2]
    else:  # a Python list of floats or ints
        x = [float(v) for v in np.sort(rng.uniform(-5, 5, n))] if rng.random() < 0.5 else list(range(n))
    return x, kind


def _pick_axes(rng, ndim):
    """Returns (axis argument, selected axes in argument order)."""
    r = rng.random()
    if r < 0.3:
        return None, list(range(ndim))
    if r < 0.6:
        k = int(rng.integers(ndim))
        arg = k - ndim if rng.random() < 0.3 else k
        return arg, [k]
    m = int(rng.integers(0 if rng.random() < 0.03 else 1, ndim + 1))
    sel = [int(k) for k in rng.permutation(ndim)[:m]]
    arg = tuple(k - ndim if rng.random() < 0.25 else k for k in sel)
    return arg, sel


def _shape(rng, ndim, selected, edge_order, invalid):
    budget = {1: 64, 2: 160, 3: 240, 4: 300, 5: 360}[ndim]
    shape = []
    for k in range(ndim):
        lo = edge_order + 1 if k in selected else 0
        if k in selected:
            n = lo + int(rng.geometric(0.35 if ndim > 1 else 0.08)) - 1
        else:
            n = int(rng.choice([0, 1, 1, 2, 3, 4, 5], p=[0.03, 0.17, 0.1, 0.2, 0.2, 0.15, 0.15]))
        shape.append(n)
    while math.prod(shape) > budget:
        k = int(np.argmax(shape))
        lo = edge_order + 1 if k in selected else 1
        if shape[k] <= lo:
            break
        shape[k] -= 1
    if invalid == "too_small":
        k = selected[int(rng.integers(len(selected)))]
        shape[k] = int(rng.integers(0, edge_order + 1))
    return shape


def _input_view(rng, vals, shape, bcast_axes):
    """A view with the values of ``vals`` broadcast to ``shape``, in a random
    memory layout: permuted axes, steps, reversed axes, zero strides, or a
    misaligned field of a packed record (which the binding copies)."""
    dt = vals.dtype
    ndim = vals.ndim
    perm = [int(k) for k in rng.permutation(ndim)] if rng.random() < 0.35 else list(range(ndim))
    steps = [int(rng.choice([2, 3])) if rng.random() < 0.2 else 1 for _ in range(ndim)]
    offs = [int(rng.integers(s)) for s in steps]
    flips = [rng.random() < 0.25 for _ in range(ndim)]
    phys = [vals.shape[k] * steps[k] for k in range(ndim)]
    stored = [phys[k] for k in perm]
    if dt.itemsize > 1 and rng.random() < 0.04:
        rec = np.zeros(stored, dtype=np.dtype([("pad", "u1"), ("v", dt)]))  # packed: misaligned, odd stride
        storage = rec["v"]
        layout = "packed-record field"
    else:
        storage = np.zeros(stored, dtype=dt)
        layout = "plain"
    v = storage.transpose(np.argsort(perm)) if ndim else storage
    v = v[tuple(slice(o, None, s) for o, s in zip(offs, steps))]
    v = v[tuple(slice(None, None, -1) if fl else slice(None) for fl in flips)]
    v[...] = vals
    if bcast_axes:
        v = np.broadcast_to(v, shape)
    desc = f"{layout}, perm {perm}, steps {steps}, flips {[int(x) for x in flips]}, zero-stride axes {sorted(bcast_axes)}"
    return v, desc


def _out_layout(rng, ndim):
    return gc.OutLayout(
        order=tuple(int(k) for k in rng.permutation(ndim)) if rng.random() < 0.3 else None,
        flip=tuple(k for k in range(ndim) if rng.random() < 0.2),
        step=tuple(int(rng.choice([2, 3])) if rng.random() < 0.15 else 1 for _ in range(ndim)),
        interleave=bool(rng.random() < 0.3),
        offset=bool(rng.random() < 0.5),
    )


def gen_case(chunk: int, index: int) -> dict:
    rng = np.random.default_rng([SEED, chunk, index])
    dt = DTYPES[int(rng.integers(len(DTYPES)))]
    ndim = int(rng.choice([1, 2, 3, 4, 5], p=[0.3, 0.3, 0.2, 0.12, 0.08]))
    edge_order = int(rng.choice([1, 2]))
    axis_arg, selected = _pick_axes(rng, ndim)
    invalid = None
    r = rng.random()
    if selected and r < 0.02:
        invalid = "too_small"
    elif r < 0.03:
        invalid = "edge_order_3"
    shape = _shape(rng, ndim, selected, edge_order, invalid)

    # spacing
    spacing_mode = rng.choice(["none", "scalar", "per_axis"], p=[0.2, 0.2, 0.6]) if selected else "none"
    varargs = []
    spacing_desc = []
    if spacing_mode == "scalar":
        h = gen_scalar(rng, dt, edge_order)
        varargs = [h]
        spacing_desc = [f"scalar {h!r}"]
    elif spacing_mode == "per_axis":
        for k in selected:
            if rng.random() < 0.4:
                h = gen_scalar(rng, dt, edge_order)
                varargs.append(h)
                spacing_desc.append(f"axis {k}: scalar {h!r}")
            else:
                x, kind = gen_coords(rng, shape[k])
                varargs.append(x)
                xa = np.asarray(x)
                spacing_desc.append(f"axis {k}: {kind} coords {xa.dtype} {np.array2string(xa, precision=17, max_line_width=10**6)}")

    # values and layouts
    bcast = {k for k in range(ndim) if shape[k] > 1 and rng.random() < 0.08}
    vshape = [1 if k in bcast else n for k, n in enumerate(shape)]
    vals = gen_values(rng, vshape, dt)
    f, in_desc = _input_view(rng, vals, shape, bcast)
    layout = _out_layout(rng, ndim)
    entry = "gradient_dtype" if (dt.kind in "iu" or rng.random() < 0.3) else None
    if invalid == "edge_order_3":
        edge_order = 3
    return dict(
        chunk=chunk, index=index, dtype=dt, shape=tuple(shape), f=f, varargs=varargs, axis=axis_arg,
        selected=selected, edge_order=edge_order, layout=layout, entry=entry, invalid=invalid,
        spacing_desc=spacing_desc, in_desc=in_desc,
    )


def describe(case: dict) -> str:
    f = case["f"]
    lines = [
        f"case chunk={case['chunk']} index={case['index']} (replay: python3 tests/conformance/test_differential.py "
        f"{case['chunk']} {case['index']})",
        f"  dtype {case['dtype']}, shape {case['shape']}, input strides (bytes) {f.strides}, {case['in_desc']}",
        f"  axis={case['axis']!r} edge_order={case['edge_order']} entry={case['entry'] or 'typed'} out layout {case['layout']}",
    ]
    if not case["varargs"]:
        lines.append("  spacing: none (unit)")
    for s in case["spacing_desc"]:
        lines.append(f"  spacing {s}")
    if f.size <= 64:
        lines.append(f"  f = {np.array2string(np.asarray(f), precision=17, max_line_width=10**6, threshold=100)}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Running a case


def run_case(case: dict) -> list:
    """Returns a list of problem strings (empty: the library agrees)."""
    f = case["f"]
    kw = dict(axis=case["axis"], edge_order=case["edge_order"])
    input_before = np.array(f, copy=True)
    try:
        ref = numpy_gradient(f, *case["varargs"], **kw)
        ref_error = None
    except (ValueError, IndexError) as e:
        ref, ref_error = None, e

    odt = gc.output_dtype(case["dtype"])
    nout = len(case["selected"])
    outs, buf, covered = gc.make_outputs(case["shape"], odt, nout, case["layout"], fill=FILL)
    before = buf.copy()
    problems = []
    try:
        ours = gc.gradient(f, *case["varargs"], out=outs, entry=case["entry"], **kw)
        our_error = None
    except gc.GradientError as e:
        ours, our_error = None, e

    if ref_error is not None or case["invalid"]:
        expected = {"too_small": "GRADIENT_TOO_SMALL", "edge_order_3": "GRADIENT_BAD_EDGE_ORDER"}.get(case["invalid"])
        if ref_error is None:
            problems.append(f"numpy accepted an invalid case ({case['invalid']})")
        if our_error is None:
            problems.append(f"numpy raised {type(ref_error).__name__}: {ref_error}; the library succeeded")
        elif our_error.name != expected:
            problems.append(f"numpy raised {type(ref_error).__name__}; the library returned {our_error.name}, expected {expected}")
        if buf.nbytes and not np.array_equal(_uint8(buf), _uint8(before)):
            problems.append("outputs written although the call failed")
        return problems

    if our_error is not None:
        return [f"numpy succeeded; the library refused: {our_error}"]
    problems += compare_with_numpy(ours, ref, f, *case["varargs"], **kw)
    # Returned arrays are the caller's outputs, in the caller's axis order.
    got = list(ours) if isinstance(ours, tuple) else [ours]
    if any(g is not o for g, o in zip(got, outs)):
        problems.append("the binding did not return the given output arrays")
    if buf.size and not np.array_equal(_uint8(buf[~covered]), _uint8(before[~covered])):
        problems.append("bytes outside the outputs were written (gaps of the output buffer changed)")
    if not np.array_equal(_uint8(f), _uint8(input_before)):
        problems.append("the input was modified")
    return problems


def _uint8(a):
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_differential_chunk(chunk):
    failures = []
    for index in range(PER_CHUNK):
        case = gen_case(chunk, index)
        problems = run_case(case)
        record(problems, max(1, len(case["selected"])))
        if problems:
            failures.append(describe(case) + "\n  -> " + "\n  -> ".join(problems))
    if failures:
        shown = "\n\n".join(failures[:5])
        pytest.fail(f"{len(failures)} of {PER_CHUNK} cases in chunk {chunk} differ from numpy:\n\n{shown}", pytrace=False)


def test_case_count():
    assert CHUNKS * PER_CHUNK >= 20_000


# ---------------------------------------------------------------------------
# Hypothesis: a smaller property test whose failures shrink to a minimal case.

try:
    from hypothesis import HealthCheck, Phase, given, settings, strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError:  # pragma: no cover
    st = None

if st is not None:
    _floats = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0.0, -0.0, 5e-324, 1e300, -1e300, 1.0, -1.0]),
    )

    @st.composite
    def _cases(draw):
        dt = draw(st.sampled_from([np.float64, np.float32, np.complex128, np.complex64, np.int64, np.uint8]))
        edge_order = draw(st.sampled_from([1, 2]))
        shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=edge_order + 1, max_side=6))
        if np.dtype(dt).kind in "iu":
            elements = None
        elif np.dtype(dt).kind == "c":
            elements = st.complex_numbers(allow_nan=True, allow_infinity=True, width=64 if dt == np.complex64 else 128)
        else:
            elements = st.floats(allow_nan=True, allow_infinity=True, width=32 if dt == np.float32 else 64)
        f = draw(hnp.arrays(dt, shape, elements=elements))
        axis = draw(st.integers(0, len(shape) - 1))
        spacing = draw(st.one_of(
            st.none(),
            _floats.filter(lambda h: not (h == 0 and edge_order == 2)),
            hnp.arrays(np.float64, shape[axis], elements=_floats),
        ))
        return f, axis, edge_order, spacing

    # Deterministic, no example database, no "explain" phase (it writes
    # patch files into the repository): a failure still shrinks to a minimal case.
    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=[HealthCheck.too_slow])
    @given(_cases())
    def test_hypothesis_bitwise(case):
        f, axis, edge_order, spacing = case
        varargs = [] if spacing is None else [spacing]
        ref = numpy_gradient(f, *varargs, axis=axis, edge_order=edge_order)
        ours = gc.gradient(f, *varargs, axis=axis, edge_order=edge_order)
        problems = compare_with_numpy(ours, ref, f, *varargs, axis=axis, edge_order=edge_order)
        record(problems)
        assert not problems, problems


# ---------------------------------------------------------------------------


def _replay(chunk: int, index: int) -> None:
    case = gen_case(chunk, index)
    print(describe(case))
    problems = run_case(case)
    with np.errstate(all="ignore"):
        try:
            print("numpy:", numpy_gradient(case["f"], *case["varargs"], axis=case["axis"], edge_order=case["edge_order"]))
        except Exception as e:  # noqa: BLE001
            print("numpy raised", repr(e))
    try:
        print("library:", gc.gradient(case["f"], *case["varargs"], axis=case["axis"], edge_order=case["edge_order"]))
    except gc.GradientError as e:
        print("library refused:", e)
    print("problems:", problems or "none")
    from _support import STATS
    if STATS["fma_zero_sign"]:
        print("note: differs from numpy.gradient only in zero signs decided by numpy's fused complex multiply;"
              " equal to the unfused model bit for bit")


if __name__ == "__main__":
    _replay(int(sys.argv[1]), int(sys.argv[2]))
