"""Shared helpers of the conformance suite: bit-exact comparison with numpy
and the counters behind the closing line
``conformance: N cases compared, M mismatches`` (printed by conftest.py)."""

from __future__ import annotations

import numpy as np

import gradient_ctypes as gc

# Filled in by every test that compares the library with numpy.
STATS = {"cases": 0, "outputs": 0, "mismatches": 0, "deliberate": 0}

_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _real_bits_differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise: True where a and b differ as bit patterns, except that a
    NaN matches any NaN (numpy pins neither sign nor payload of NaN)."""
    a = np.ascontiguousarray(a)
    b = np.ascontiguousarray(b)
    u = _UINT[a.dtype.itemsize]
    differ = a.view(u) != b.view(u)
    both_nan = np.isnan(a) & np.isnan(b)
    return differ & ~both_nan


def differing(ours: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Boolean array of ``ref``'s shape: True where the results differ bit for
    bit (signed zeros count; NaN == NaN; complex parts compared separately)."""
    if ref.dtype.kind == "c":
        return _real_bits_differ(ours.real, ref.real) | _real_bits_differ(ours.imag, ref.imag)
    return _real_bits_differ(ours, ref)


def _fmt(v) -> str:
    if isinstance(v, (complex, np.complexfloating)):
        return f"({_fmt(v.real)}{'+' if not str(_fmt(v.imag)).startswith('-') else ''}{_fmt(v.imag)}j)"
    v = float(v)
    if np.isnan(v) or np.isinf(v):
        return repr(v)
    return f"{v!r}[{v.hex()}]"


def compare_outputs(ours, ref, limit: int = 4) -> list:
    """Problems found comparing one result (an array or a tuple of arrays) with
    numpy's, as short strings; empty when they agree bit for bit."""
    problems = []
    if isinstance(ref, tuple):
        if not isinstance(ours, tuple):
            return [f"numpy returned a tuple of {len(ref)}, the binding {type(ours).__name__}"]
        if len(ours) != len(ref):
            return [f"numpy returned {len(ref)} outputs, the binding {len(ours)}"]
        pairs = list(zip(ours, ref))
    else:
        if not isinstance(ours, np.ndarray):
            return [f"numpy returned an array, the binding {type(ours).__name__}"]
        pairs = [(ours, ref)]
    for j, (o, r) in enumerate(pairs):
        if o.dtype != r.dtype:
            problems.append(f"output {j}: dtype {o.dtype}, numpy {r.dtype}")
            continue
        if o.shape != r.shape:
            problems.append(f"output {j}: shape {o.shape}, numpy {r.shape}")
            continue
        bad = differing(o, r)
        if bad.any():
            idx = np.argwhere(bad)
            shown = []
            for ix in idx[:limit]:
                t = tuple(int(i) for i in ix)
                shown.append(f"{t}: ours {_fmt(o[t])} numpy {_fmt(r[t])}")
            problems.append(f"output {j}: {len(idx)} of {r.size} elements differ; " + "; ".join(shown))
    return problems


def record(problems: list, outputs: int = 1) -> None:
    STATS["cases"] += 1
    STATS["outputs"] += outputs
    if problems:
        STATS["mismatches"] += 1


def numpy_gradient(f, *varargs, **kw):
    """numpy.gradient with floating-point warnings silenced."""
    with np.errstate(all="ignore"):
        return np.gradient(f, *varargs, **kw)


LAYOUTS = ("C", "F", "strided", "reversed", "interleaved")


def check_against_numpy(f, *varargs, layouts=LAYOUTS, **kw):
    """Runs numpy.gradient and the binding (in every output layout given, and
    through both entry points for float/complex input), asserts bit equality
    and that the result has numpy's type (array or tuple). Returns the
    binding's result in C layout."""
    ref = numpy_gradient(f, *varargs, **kw)
    first = None
    entries = [None]
    if np.asarray(f).dtype in gc._TYPED_ENTRY:
        entries.append("gradient_dtype")
    for entry in entries:
        for layout in layouts:
            ours = gc.gradient(f, *varargs, out_layout=layout, entry=entry, **kw)
            problems = compare_with_numpy(ours, ref, f, *varargs, **kw)
            record(problems, len(ref) if isinstance(ref, tuple) else 1)
            assert not problems, f"layout {layout}, entry {entry or 'typed'}: " + " | ".join(problems)
            if first is None:
                first = ours
    return first


# ---------------------------------------------------------------------------
# numpy's complex multiply is not one function of its operands.
#
# numpy 2.x vectorises complex multiplication with Highway's MulComplex, which
# on CPUs with FMA (x86-64-v3, e.g. AVX2 machines) is a fused multiply-add-sub:
# re = fma(a_re, x, -(a_im*y)), im = fma(a_re, y, a_im*x). Its scalar
# fallback loop, numpy's scalar math (numpy.gradient's 1-D edge terms are numpy
# scalars) and CPUs without FMA compute a_re*x - a_im*y unfused. With a real
# coefficient (a_im = +0) the two agree on every value except the sign of a
# zero component when a product underflows (exact product tiny and nonzero,
# rounded to zero): fused gives the product's sign, unfused the IEEE sign of
# (+-0) +- (+-0). Which one numpy.gradient uses therefore depends on the CPU
# and on the memory layout (a C-ordered 2-D complex64 array gives -0.0 where
# the same values with a reversed column stride give +0.0).
#
# libgradient implements the unfused formula (SEMANTICS.md section 2). So that
# the suite is exact and does not depend on the CPU, a complex result that
# differs from numpy.gradient only in the sign of zero components is checked,
# bit for bit, against ``gradient_unfused`` below: numpy.gradient's own code
# with the complex products written out as the unfused real operations. Such
# cases are counted separately (STATS["fma_zero_sign"]); set
# CONFORMANCE_STRICT_COMPLEX_ZEROS=1 to count them as mismatches instead.

import os as _os

STATS["fma_zero_sign"] = 0
STRICT_COMPLEX_ZEROS = _os.environ.get("CONFORMANCE_STRICT_COMPLEX_ZEROS") == "1"


def _cmul(a, z):
    """``a * z`` for a real coefficient ``a`` (Python float, numpy float64
    scalar or array) and complex array ``z``, promoted as numpy promotes it,
    with numpy's unfused complex product (a + 0i)(x + iy)."""
    rt = np.result_type(a, z)
    ft = np.float32 if rt == np.complex64 else np.float64
    with np.errstate(all="ignore"):
        ar = np.asarray(a, dtype=np.float64).astype(ft) if not isinstance(a, np.ndarray) else a.astype(ft)
        zr = np.asarray(z.real, dtype=ft)
        zi = np.asarray(z.imag, dtype=ft)
        zero = ft(0.0)
        re = ar * zr - zero * zi
        im = ar * zi + zero * zr
    out = np.empty(np.broadcast(re, im).shape, dtype=rt)
    out.real = re
    out.imag = im
    return out


def gradient_unfused(f, *varargs, axis=None, edge_order=1):
    """numpy.gradient (numpy/lib/_function_base_impl.py, numpy 2.x) for
    complex ``f`` on valid arguments, its ``a * f[...]`` products replaced by
    ``_cmul``. Every other operation is numpy's own."""
    f = np.asanyarray(f)
    N = f.ndim
    axes = tuple(range(N)) if axis is None else np.lib.array_utils.normalize_axis_tuple(axis, N)
    len_axes = len(axes)
    n = len(varargs)
    if n == 0:
        dx = [1.0] * len_axes
    elif n == 1 and np.ndim(varargs[0]) == 0:
        dx = list(varargs) * len_axes
    else:
        dx = list(varargs)
        for i, distances in enumerate(dx):
            distances = np.asanyarray(distances)
            if distances.ndim == 0:
                continue
            if np.issubdtype(distances.dtype, np.integer):
                distances = distances.astype(np.float64)
            diffx = np.diff(distances)
            if (diffx == diffx[0]).all():
                diffx = diffx[0]
            dx[i] = diffx
    outvals = []
    slice1 = [slice(None)] * N
    slice2 = [slice(None)] * N
    slice3 = [slice(None)] * N
    slice4 = [slice(None)] * N
    with np.errstate(all="ignore"):
        for ax, ax_dx in zip(axes, dx):
            out = np.empty_like(f, dtype=f.dtype)
            uniform_spacing = np.ndim(ax_dx) == 0
            slice1[ax] = slice(1, -1)
            slice2[ax] = slice(None, -2)
            slice3[ax] = slice(1, -1)
            slice4[ax] = slice(2, None)
            if uniform_spacing:
                out[tuple(slice1)] = (f[tuple(slice4)] - f[tuple(slice2)]) / (2.0 * ax_dx)
            else:
                dx1 = ax_dx[0:-1]
                dx2 = ax_dx[1:]
                a = -(dx2) / (dx1 * (dx1 + dx2))
                b = (dx2 - dx1) / (dx1 * dx2)
                c = dx1 / (dx2 * (dx1 + dx2))
                shape = np.ones(N, dtype=int)
                shape[ax] = -1
                a = a.reshape(shape)
                b = b.reshape(shape)
                c = c.reshape(shape)
                out[tuple(slice1)] = (_cmul(a, f[tuple(slice2)]) + _cmul(b, f[tuple(slice3)])) + _cmul(c, f[tuple(slice4)])
            if edge_order == 1:
                slice1[ax] = 0
                slice2[ax] = 1
                slice3[ax] = 0
                dx_0 = ax_dx if uniform_spacing else ax_dx[0]
                out[tuple(slice1)] = (f[tuple(slice2)] - f[tuple(slice3)]) / dx_0
                slice1[ax] = -1
                slice2[ax] = -1
                slice3[ax] = -2
                dx_n = ax_dx if uniform_spacing else ax_dx[-1]
                out[tuple(slice1)] = (f[tuple(slice2)] - f[tuple(slice3)]) / dx_n
            else:
                slice1[ax] = 0
                slice2[ax] = 0
                slice3[ax] = 1
                slice4[ax] = 2
                if uniform_spacing:
                    a = -1.5 / ax_dx
                    b = 2.0 / ax_dx
                    c = -0.5 / ax_dx
                else:
                    dx1 = ax_dx[0]
                    dx2 = ax_dx[1]
                    a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
                    b = (dx1 + dx2) / (dx1 * dx2)
                    c = -dx1 / (dx2 * (dx1 + dx2))
                out[tuple(slice1)] = (_cmul(a, f[tuple(slice2)]) + _cmul(b, f[tuple(slice3)])) + _cmul(c, f[tuple(slice4)])
                slice1[ax] = -1
                slice2[ax] = -3
                slice3[ax] = -2
                slice4[ax] = -1
                if uniform_spacing:
                    a = 0.5 / ax_dx
                    b = -2.0 / ax_dx
                    c = 1.5 / ax_dx
                else:
                    dx1 = ax_dx[-2]
                    dx2 = ax_dx[-1]
                    a = (dx2) / (dx1 * (dx1 + dx2))
                    b = -(dx2 + dx1) / (dx1 * dx2)
                    c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
                out[tuple(slice1)] = (_cmul(a, f[tuple(slice2)]) + _cmul(b, f[tuple(slice3)])) + _cmul(c, f[tuple(slice4)])
            outvals.append(out)
            slice1[ax] = slice(None)
            slice2[ax] = slice(None)
            slice3[ax] = slice(None)
            slice4[ax] = slice(None)
    if len_axes == 1:
        return outvals[0]
    return tuple(outvals)


def _zero_sign_only(ours: np.ndarray, ref: np.ndarray) -> bool:
    """True when every difference is a zero component whose sign differs."""
    bad = differing(ours, ref)
    for part in (np.real, np.imag):
        o, r = part(ours), part(ref)
        d = _real_bits_differ(o, r)
        if (d & ~((o == 0) & (r == 0))).any():
            return False
    return bool(bad.any())


def compare_with_numpy(ours, ref, f, *varargs, **kw) -> list:
    """``compare_outputs``, except that for complex input a result differing
    from numpy.gradient only in zero signs is accepted when it equals
    ``gradient_unfused`` bit for bit (counted in STATS["fma_zero_sign"])."""
    problems = compare_outputs(ours, ref)
    if not problems or STRICT_COMPLEX_ZEROS or np.asarray(f).dtype.kind != "c":
        return problems
    refs = ref if isinstance(ref, tuple) else (ref,)
    got = ours if isinstance(ours, tuple) else (ours,)
    if len(refs) != len(got) or not all(
        o.shape == r.shape and o.dtype == r.dtype and (not differing(o, r).any() or _zero_sign_only(o, r))
        for o, r in zip(got, refs)
    ):
        return problems
    model = gradient_unfused(f, *varargs, **kw)
    model_problems = compare_outputs(ours, model)
    if model_problems:
        return problems + ["and the unfused model differs too: " + " | ".join(model_problems)]
    STATS["fma_zero_sign"] += 1
    return []
