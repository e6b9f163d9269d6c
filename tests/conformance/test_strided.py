"""Strided inputs whose outputs are contiguous in the input's axis order,
which the library copies block by block into contiguous rows before
differentiating (`Call::window` in src/core/flat.rs), against
numpy.gradient bit for bit, at 1 and 2 threads.

Each case spans several blocks (2^17 elements each), so that blocks meet in
the middle of the array and read their neighbours' rows; the cases cover
both edge orders (edge order 2 reads two indices past a block), a first axis
that is not differentiated (no rows beyond the block are read), a first axis
of three indices (every block reaches both ends), rows of exactly the
shortest length packed and one shorter, indices of the first axis too large
to pack (those take the strided loops), and every dtype family."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _support import check_against_numpy  # noqa: E402


def coordinates(rng, n):
    return np.cumsum(rng.uniform(0.5, 1.5, n))


# name -> (input, spacing, keyword arguments), from a seeded generator.
CASES = {
    "2d, every other column": lambda rng: (rng.standard_normal((700, 1402))[:, ::2], (), {}),
    "2d, every other column, edge order 2, only the first axis": lambda rng: (
        rng.standard_normal((700, 1402))[:, ::2], (0.5,), {"edge_order": 2, "axis": 0}),
    "2d, every third row, only the second axis": lambda rng: (
        rng.standard_normal((2400, 333))[::3], (), {"axis": 1}),
    "2d, columns reversed, coordinates on the first axis": lambda rng: (
        rng.standard_normal((900, 517))[:, ::-1], (coordinates(rng, 900), 2.0), {}),
    "2d, rows of 64 taken from rows of 80, edge order 2": lambda rng: (rng.standard_normal((5000, 80))[:, :64], (), {"edge_order": 2}),
    "2d, rows of 63 taken from rows of 80": lambda rng: (rng.standard_normal((5000, 80))[:, :63], (), {}),
    "3d, every other sample of the last axis, edge order 2": lambda rng: (
        rng.standard_normal((37, 61, 2 * 131))[:, :, ::2], (), {"edge_order": 2}),
    "3d, every other plane, coordinates on the middle axis": lambda rng: (
        rng.standard_normal((2 * 23, 129, 130))[::2], (0.25, coordinates(rng, 129), 1.0), {}),
    "3d, three planes, edge order 2": lambda rng: (
        rng.standard_normal((3, 300, 2 * 300))[:, :, ::2], (), {"edge_order": 2}),
    "3d, indices of the first axis too large to pack": lambda rng: (
        rng.standard_normal((3, 800, 2 * 700))[:, :, ::2], (), {"edge_order": 2}),
    "3d float32, axes permuted and stepped": lambda rng: (
        rng.standard_normal((2 * 90, 70, 110)).astype(np.float32).transpose(2, 1, 0)[:, ::-1, ::2], (), {}),
    "2d int16, every other column": lambda rng: (
        rng.integers(-30000, 30000, (420, 1300), dtype=np.int16)[:, ::2], (), {}),
    "2d complex128, every other column, edge order 2": lambda rng: (
        (rng.standard_normal((420, 1300)) + 1j * rng.standard_normal((420, 1300)))[:, ::2], (), {"edge_order": 2}),
}


@pytest.mark.parametrize("name", CASES)
def test_strided_input_matches_numpy(name, threads):
    f, spacing, kw = CASES[name](np.random.default_rng(list(name.encode())))
    assert not f.flags.c_contiguous and not f.flags.f_contiguous
    assert f.size > 2 << 17, "fewer than two blocks"
    check_against_numpy(f, *spacing, **kw)
