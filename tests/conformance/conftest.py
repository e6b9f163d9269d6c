"""Conformance suite: libgradient against numpy.gradient, bit for bit.

Run from the repository root after ``cargo build --release``:

    python3 -m pytest tests/conformance -q

Set GRADIENT_LIB to test another build of the shared library.
"""

import ctypes
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import gradient_ctypes  # noqa: E402
from _support import STATS  # noqa: E402


def pytest_configure(config):
    path = gradient_ctypes.library_path()
    if not path.exists():
        raise pytest.UsageError(f"{path} not found: run `cargo build --release` first, or set GRADIENT_LIB")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if STATS["cases"] or STATS["mismatches"]:
        terminalreporter.write_line(
            f"conformance: {STATS['cases']} cases compared "
            f"({STATS['outputs']} outputs), {STATS['mismatches']} mismatches"
        )
        if STATS.get("fma_zero_sign"):
            terminalreporter.write_line(
                f"conformance: {STATS['fma_zero_sign']} complex cases differ from numpy only in zero signs that numpy's "
                "fused (FMA) complex multiply decides; they match numpy's unfused formula bit for bit "
                "(set CONFORMANCE_STRICT_COMPLEX_ZEROS=1 to count them as mismatches)"
            )


@pytest.fixture(params=[1, 2], ids=lambda n: f"{n} thread{'s' * (n > 1)}")
def threads(request):
    """The library's thread count for one test, restored to the default after."""
    set_threads = gradient_ctypes.lib().gradient_set_threads
    set_threads.argtypes = [ctypes.c_size_t]
    set_threads.restype = None
    set_threads(request.param)
    yield request.param
    set_threads(0)
