"""Calls whose outputs add up to 32 MiB or more, which the library writes past
the cache with non-temporal stores (through a small buffer, src/core/store.rs;
the outer axes of float64 and float32 straight from registers, src/cpu.rs,
and on Intel CPUs the row axis and a 1-D lane with a scalar step too, lane
ends included, unless GRADIENT_CPU=baseline), all but the 1-D call with
coordinates, which is limited by its divisions and keeps plain stores.
Against numpy.gradient bit for bit: contiguous and column-major inputs, odd
row lengths (so that rows start at every alignment), stepped, reversed and
cut inputs (with scalar steps, read in place: src/core/flat.rs,
rows_in_place), both axes of 2-D in one loop (paired_rows), scalar steps that divide and that multiply, coordinates,
both edge orders, 1 to 3 dimensions, float64 and float32, every output
layout, outputs that start anywhere in a cache line, at 1 and 2 threads."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gradient_ctypes as gc  # noqa: E402
from _support import check_against_numpy, compare_with_numpy, numpy_gradient  # noqa: E402


def coordinates(rng, n):
    return np.cumsum(rng.uniform(0.5, 1.5, n))


# name -> (input, spacing, keyword arguments), from a seeded generator.
CASES = {
    "2d float64, unit steps": lambda rng: (rng.standard_normal((2048, 1101)), (), {}),
    "2d float64 column-major, steps that divide, edge order 2": lambda rng: (
        np.asfortranarray(rng.standard_normal((1101, 2048))), (0.3, 2.5), {"edge_order": 2}),
    "2d float64, coordinates on both axes": lambda rng: (
        rng.standard_normal((1030, 2051)), (coordinates(rng, 1030), coordinates(rng, 2051)), {}),
    "2d float64, coordinates and a step, edge order 2": lambda rng: (
        rng.standard_normal((2051, 1030)), (coordinates(rng, 2051), 0.75), {"edge_order": 2}),
    "2d float32, coordinates along rows of odd length, edge order 2": lambda rng: (
        rng.standard_normal((2101, 2053)).astype(np.float32), (1.0, coordinates(rng, 2053)), {"edge_order": 2}),
    "2d float32, rows of 4096, steps that divide": lambda rng: (
        rng.standard_normal((2100, 4096)).astype(np.float32), (0.3, 2.5), {}),
    "2d float32, every other column, edge order 2": lambda rng: (
        rng.standard_normal((2100, 8200)).astype(np.float32)[:, ::2], (), {"edge_order": 2}),
    "2d float32, every third column, reversed rows, along the rows only": lambda rng: (
        rng.standard_normal((4100, 7000)).astype(np.float32)[::-1, ::3], (), {"axis": 1}),
    "1d float32, every other sample": lambda rng: (
        rng.standard_normal(18_000_001).astype(np.float32)[::2], (0.3,), {}),
    "2d float64, rows of 4096, steps that divide, edge order 2": lambda rng: (
        rng.standard_normal((1030, 4096)), (0.3, 2.5), {"edge_order": 2}),
    "2d float64, rows of 4103, along the rows only": lambda rng: (
        rng.standard_normal((2100, 4103)), (), {"axis": 1}),
    "2d float64, every other column": lambda rng: (rng.standard_normal((2048, 2202))[:, ::2], (), {}),
    "2d float64, columns reversed, steps that divide, edge order 2": lambda rng: (
        rng.standard_normal((2048, 1101))[:, ::-1], (0.3, 2.5), {"edge_order": 2}),
    "2d float64, rows cut from longer rows, a step that divides": lambda rng: (
        rng.standard_normal((4096, 1200))[:, 5:1106], (1.5, 0.5), {}),
    # Both axes at once, each input row loaded once for both (src/core/flat.rs,
    # paired_rows): rows whose outputs' cache lines fall alike from row to row.
    "2d float64, every other column, rows of 4096, steps that divide, edge order 2": lambda rng: (
        rng.standard_normal((1030, 8192))[:, ::2], (0.3, 2.5), {"edge_order": 2}),
    "2d float32, every other column, rows of 4096": lambda rng: (
        rng.standard_normal((2100, 8192)).astype(np.float32)[:, ::2], (), {}),
    "2d float64, every third column reversed, rows of 1024, steps that multiply": lambda rng: (
        rng.standard_normal((4100, 3072))[:, ::-3], (1.5, 0.5), {}),
    "2d float32, rows of 512 cut from longer rows, edge order 2": lambda rng: (
        rng.standard_normal((16400, 600)).astype(np.float32)[:, 40:552], (), {"edge_order": 2}),
    # The same loop over contiguous float64 rows of 1024 or more (span), and
    # over the last two axes of 3-D (column-major: test_column_major_outputs).
    "2d float64, rows of 1024, edge order 2": lambda rng: (rng.standard_normal((2100, 1024)), (), {"edge_order": 2}),
    "3d float64, rows of 1024, the last two axes, steps that divide": lambda rng: (
        rng.standard_normal((6, 350, 1024)), (0.3, 2.5), {"axis": (1, 2)}),
    "2d float64, every third column, along the rows only": lambda rng: (
        rng.standard_normal((2048, 6609))[:, ::3], (), {"axis": 1}),
    "2d float64, every other row and column, across the rows only, edge order 2": lambda rng: (
        rng.standard_normal((4400, 4400))[::2, ::2], (), {"axis": 0, "edge_order": 2}),
    "2d float64, rows reversed, edge order 2": lambda rng: (
        rng.standard_normal((2048, 1101))[::-1], (coordinates(rng, 2048), 1.0), {"edge_order": 2}),
    "1d float64, unit step": lambda rng: (rng.standard_normal(4_500_001), (), {}),
    "1d float64, every other sample reversed, a step that divides, edge order 2": lambda rng: (
        rng.standard_normal(9_000_003)[::-2], (0.3,), {"edge_order": 2}),
    "1d float64, coordinates, edge order 2": lambda rng: (
        rng.standard_normal(4_500_001), (coordinates(rng, 4_500_001),), {"edge_order": 2}),
    "3d float64, unit steps": lambda rng: (rng.standard_normal((130, 257, 131)), (), {}),
    "3d float64, steps that divide around a coordinate axis, edge order 2": lambda rng: (
        rng.standard_normal((131, 129, 261)), (0.3, coordinates(rng, 129), 2.5), {"edge_order": 2}),
    "3d float32, unit steps, edge order 2": lambda rng: (
        rng.standard_normal((130, 257, 131)).astype(np.float32), (), {"edge_order": 2}),
    "3d float32, a coordinate axis among steps": lambda rng: (
        rng.standard_normal((130, 257, 261)).astype(np.float32), (1.5, coordinates(rng, 257), 0.5), {}),
    # Planes of 1 MiB or more, which go tile by tile (src/core/flat.rs,
    # Call::tiles): 8 tiles of 64 rows; 3 of 100 rows with coordinates
    # across the planes; 32 of 160 rows across an axis left out.
    "3d float64, planes of 1 MiB, edge order 2": lambda rng: (
        rng.standard_normal((40, 512, 260)), (), {"edge_order": 2}),
    "3d float32, planes of 600 kB, coordinates across them, steps that divide": lambda rng: (
        rng.standard_normal((64, 300, 500)).astype(np.float32), (coordinates(rng, 64), 0.3, 2.5), {}),
    "4d float64, the first and third axes": lambda rng: (
        rng.standard_normal((6, 20, 256, 130)), (), {"axis": (0, 2)}),
    "2d complex128, one axis": lambda rng: (
        rng.standard_normal((1500, 1501)) + 1j * rng.standard_normal((1500, 1501)), (), {"axis": 1}),
    "2d complex128, coordinates along rows of odd length": lambda rng: (
        rng.standard_normal((1500, 1501)) + 1j * rng.standard_normal((1500, 1501)), (coordinates(rng, 1501),), {"axis": 1}),
    "2d int16 (float64 outputs)": lambda rng: (
        rng.integers(-30000, 30000, (2048, 1101), dtype=np.int16), (), {}),
}


@pytest.mark.parametrize("name", CASES)
def test_large_call_matches_numpy(name, threads):
    f, spacing, kw = CASES[name](np.random.default_rng(list(name.encode())))
    outputs = f.ndim if "axis" not in kw else np.size(kw["axis"])
    assert f.size * outputs * gc.output_dtype(f.dtype).itemsize >= 32 << 20, "too small to stream"
    check_against_numpy(f, *spacing, **kw)


def at_offset(shape, offset, dtype=np.float64):
    """An array of `shape` that starts `offset` bytes past a cache line
    (numpy's and malloc's large arrays start 16 bytes past one)."""
    n, item = int(np.prod(shape)), np.dtype(dtype).itemsize
    raw = np.empty(n * item + 128, dtype=np.uint8)
    start = -raw.ctypes.data % 64 + offset
    return raw[start:start + n * item].view(dtype).reshape(shape)


# Rows read in place, rows written whole lanes at a time on Intel CPUs, and
# the same rows read contiguously: the lines that straddle two output rows
# are built aside and streamed (src/core/lines.rs); shorter rows, written
# with their ends in one loop (cpu::lanes_diff); an outer axis with
# coordinates, streamed row by row (rule_rows); a 1-D lane, whose lines are
# stored straight from registers, forwards from vectors shifted or
# backwards, as the outputs sit (src/core/kernel.rs, src/cpu.rs); float32,
# whose lines hold 16 elements.
OFFSET_CASES = {
    "every other column": lambda rng: (rng.standard_normal((1030, 8192))[:, ::2], (), {}),
    "rows of 4096, edge order 2": lambda rng: (rng.standard_normal((1030, 4096)), (), {"edge_order": 2}),
    "rows of 4099, along the rows only": lambda rng: (rng.standard_normal((2100, 4099)), (), {"axis": 1}),
    "rows of 1001, steps that divide, edge order 2": lambda rng: (
        rng.standard_normal((4200, 1001)), (0.3, 2.5), {"edge_order": 2}),
    "rows of 67, along the rows only": lambda rng: (rng.standard_normal((65000, 67)), (), {"axis": 1}),
    "coordinates across rows of 1003, edge order 2": lambda rng: (
        rng.standard_normal((4200, 1003)), (coordinates(rng, 4200), 1.0), {"edge_order": 2}),
    "1d, a step that multiplies": lambda rng: (rng.standard_normal(4_200_001), (0.5,), {}),
    "1d float32, a step that divides": lambda rng: (rng.standard_normal(8_400_001).astype(np.float32), (3.0,), {}),
    "float32, every other column": lambda rng: (rng.standard_normal((1030, 16400)).astype(np.float32)[:, ::2], (), {}),
    "float32, rows of 4096, edge order 2": lambda rng: (
        rng.standard_normal((2100, 4096)).astype(np.float32), (), {"edge_order": 2}),
    "float32, rows of 1001, steps that divide": lambda rng: (
        rng.standard_normal((8400, 1001)).astype(np.float32), (0.3, 2.5), {}),
    "planes of 1 MiB, rows of 259 (tiles)": lambda rng: (rng.standard_normal((40, 512, 259)), (), {}),
    "float32, every other column, rows of 4096": lambda rng: (
        rng.standard_normal((2100, 8192)).astype(np.float32)[:, ::2], (), {}),
    "rows of 1024, steps that multiply": lambda rng: (rng.standard_normal((2100, 1024)), (1.5, 0.5), {}),
}


@pytest.mark.parametrize("offset", [0, 8, 16, 24, 56])
@pytest.mark.parametrize("name", OFFSET_CASES)
def test_outputs_anywhere_in_a_cache_line(name, offset, threads):
    f, spacing, kw = OFFSET_CASES[name](np.random.default_rng(list(name.encode())))
    outs = [at_offset(f.shape, offset, gc.output_dtype(f.dtype)) for _ in range(1 if "axis" in kw else f.ndim)]
    for o in outs:
        o.fill(np.nan)
    ours = gc.gradient(f, *spacing, out=outs, **kw)
    problems = compare_with_numpy(ours, numpy_gradient(f, *spacing, **kw), f, *spacing, **kw)
    assert not problems, " | ".join(problems)


@pytest.mark.parametrize("stepped", [True, False])
@pytest.mark.parametrize("offsets", [(0, 24), (16, 8)])
def test_outputs_placed_differently(offsets, stepped, threads):
    """Outputs whose cache lines do not fall alike take one axis at a time
    (src/core/flat.rs, paired_rows)."""
    f = np.random.default_rng(7).standard_normal((1030, 8192 if stepped else 4096))
    f = f[:, ::2] if stepped else f
    outs = [at_offset(f.shape, offset) for offset in offsets]
    for o in outs:
        o.fill(np.nan)
    ours = gc.gradient(f, out=outs)
    problems = compare_with_numpy(ours, numpy_gradient(f), f)
    assert not problems, " | ".join(problems)


@pytest.mark.parametrize("shape, spacing, kw", [
    ((1101, 2048), (0.3, 2.5), {"edge_order": 2}),
    ((4096, 1030), (1.5, 0.5), {}),
])
def test_column_major_outputs(shape, spacing, kw, threads):
    """A column-major input into column-major outputs, as numpy allocates
    them for it, which take the contiguous path in the input's axis order
    (src/core/flat.rs); columns of 4096 go in pairs there (span), the row
    axis being the first output."""
    f = np.asfortranarray(np.random.default_rng(list(shape)).standard_normal(shape))
    outs = [np.full(shape, np.nan, order="F") for _ in range(2)]
    ours = gc.gradient(f, *spacing, out=outs, **kw)
    problems = compare_with_numpy(ours, numpy_gradient(f, *spacing, **kw), f, *spacing, **kw)
    assert not problems, " | ".join(problems)
