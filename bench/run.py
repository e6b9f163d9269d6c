#!/usr/bin/env python3
"""libgradient benchmark: the library against numpy.gradient, a plain copy of
the same bytes (the memory-bandwidth ceiling) and a straightforward C loop.

    python3 bench/run.py            # full run (a few minutes), writes
                                    # BENCHMARKS.md and bench/benchmarks.png
    python3 bench/run.py --quick    # small sizes, < 1 minute (CI smoke run);
                                    # writes target/bench/BENCHMARKS-quick.md
    python3 bench/run.py --quick --no-write   # print only

Steps: `cargo build --release` (skip with --no-build), compile bench/bench.c
with gcc -O3 -fopenmp for the instruction set the library's hot loops run
with here (baseline x86-64, plus -mavx2 when the library reports "avx2"; no
-march=native), so the C loop gets the same one, then for every workload
run the C program (library, copy and C loop, at 1 thread and at all cores,
interleaved rep by rep) and time numpy.gradient on the same workload.

Timings are figures, not assertions: targets are printed with a "met?"
column and never make the run fail. The run fails only when something is
broken: a build error, a crash, or the C loop and the library disagreeing on
the output bytes (which would make the C-loop comparison meaningless).
"""

import argparse
import ctypes
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
BUILD_DIR = ROOT / "target" / "bench"
LIB_DIR = ROOT / "target" / "release"
CFLAGS = ["-O3", "-fopenmp", "-ffp-contract=off", "-std=gnu11", "-Wall", "-Wextra"]
CFLAGS_NOTE = (
    "bench.c is compiled with `-O3 -fopenmp -ffp-contract=off`, plus `-mavx2` when the library "
    "reports that its hot loops run with AVX2 (`gradient_instruction_set()`), and deliberately "
    "without `-march=native`: the C loop gets the same instruction set as the library (and no "
    "FMA contraction, which numpy's formulas forbid anyway)."
)

# Workloads whose library time is also measured, interleaved, next to the
# reference "2d" (uniform, contiguous) in the same C process.
LAYOUT_RATIOS = [
    ("2d_nonuniform", "non-uniform / uniform", 1.25),
    ("2d_transposed", "transposed / contiguous", 1.5),
    ("2d_stepped", "stepped / contiguous", 1.5),
]
CONTIGUOUS_F64_ALL_AXES = ["1d", "2d", "3d", "3d_edge2"]
BW_TARGET = 85.0
NUMPY_TARGET_1T, NUMPY_TARGET_ALL = 4.0, 6.0
SMALL_TARGET = 30.0

DESCRIPTIONS = {
    "1d": "contiguous",
    "2d": "C order, both axes",
    "3d": "C order, all three axes",
    "3d_edge2": "C order, all three axes, edge_order=2",
    "1d_nonuniform": "coordinate array (random steps in [0.5, 1.5))",
    "2d_nonuniform": "C order, coordinate arrays (random steps in [0.5, 1.5)) on both axes",
    "2d_f32": "C order, both axes",
    "2d_transposed": "column-major input and column-major outputs (numpy: np.asfortranarray)",
    "2d_stepped": "every 2nd column of an (R, 2C) array (numpy: a[:, ::2]); C-order outputs",
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def output_of(cmd):
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------

def build(args):
    if not args.no_build:
        log("== cargo build --release")
        run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    lib = LIB_DIR / "libgradient.so"
    if not lib.exists():
        sys.exit(f"bench: {lib} not found; run `cargo build --release` first")
    # The library records its SONAME; cargo does not make that name (CMake does).
    soname = LIB_DIR / "libgradient.so.0"
    if not soname.exists():
        soname.symlink_to("libgradient.so")
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    exe = BUILD_DIR / "bench"
    cc = os.environ.get("CC", "gcc")
    built = ctypes.CDLL(str(lib))
    built.gradient_instruction_set.restype = ctypes.c_char_p
    same_set = ["-mavx2"] if built.gradient_instruction_set() == b"avx2" else []
    cmd = [cc, *CFLAGS, *same_set, f"-I{ROOT / 'include'}", str(BENCH_DIR / "bench.c"), f"-L{LIB_DIR}", "-lgradient",
           f"-Wl,-rpath,{LIB_DIR}", "-o", str(exe)]
    log("== " + " ".join(cmd))
    run(cmd)
    return exe, cmd


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------

def run_c(exe, workload, args, nthreads, reps=None):
    cmd = [str(exe), "--workload", workload, "--threads", str(nthreads)]
    if args.quick:
        cmd.append("--quick")
    if reps or args.reps:
        cmd += ["--reps", str(reps or args.reps)]
    env = dict(os.environ)
    # Idle OpenMP threads must sleep, not spin, or they would steal the cores
    # from the library's threads in the next measurement.
    env["OMP_WAIT_POLICY"] = "passive"
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed (exit {out.returncode}):\n{out.stderr}{out.stdout}")
    if out.stderr.strip():
        log(out.stderr.rstrip())
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    meta = next(r for r in rows if r["kind"] == "meta")
    return meta, [r for r in rows if r["kind"] != "meta"]


def numpy_input(row, rng):
    """The same workload as the C program describes it, as a numpy call."""
    shape = tuple(row["shape"])
    dtype = np.float32 if row["dtype"] == "float32" else np.float64
    layout = row["layout"]
    if layout == "C":
        f = rng.uniform(-1, 1, shape).astype(dtype)
    elif layout == "F":
        f = np.asfortranarray(rng.uniform(-1, 1, shape).astype(dtype))
    elif layout == "stepped":
        base = rng.uniform(-1, 1, (shape[0], 2 * shape[1])).astype(dtype)
        f = base[:, ::2]
    else:
        raise ValueError(layout)
    spacing = []
    if row["spacing"] == "coordinates":
        spacing = [np.cumsum(rng.uniform(0.5, 1.5, n)) for n in shape]
    return f, spacing, {"edge_order": row["edge_order"]}


class GradientAxis(ctypes.Structure):
    _fields_ = [("step", ctypes.c_double), ("coords", ctypes.POINTER(ctypes.c_double)),
                ("lower", ctypes.c_int32), ("upper", ctypes.c_int32)]


class GradientErrorStruct(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int32), ("axis", ctypes.c_uint32), ("message", ctypes.c_char * 256)]


def load_library():
    lib = ctypes.CDLL(str(LIB_DIR / "libgradient.so"))
    for name in ("gradient_f64", "gradient_f32"):
        fn = getattr(lib, name)
        fn.restype = ctypes.c_int32
        fn.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t),
                       ctypes.POINTER(ctypes.c_ssize_t), ctypes.POINTER(GradientAxis), ctypes.c_uint64,
                       ctypes.c_uint32, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ssize_t),
                       ctypes.POINTER(GradientErrorStruct)]
    lib.gradient_set_threads.argtypes = [ctypes.c_size_t]
    lib.gradient_set_threads.restype = None
    return lib


def library_call(lib, f, spacing, edge_order):
    """A ready-to-time call of the library on numpy arrays, and its outputs
    (laid out as numpy lays out its own: np.empty_like(f))."""
    nd, item = f.ndim, f.itemsize
    outs = [np.empty_like(f) for _ in range(nd)]
    shape = (ctypes.c_size_t * nd)(*f.shape)
    strides = (ctypes.c_ssize_t * nd)(*(s // item for s in f.strides))
    out_strides = (ctypes.c_ssize_t * nd)(*(s // item for s in outs[0].strides))
    axes = (GradientAxis * nd)()
    coords = [np.ascontiguousarray(x, dtype=np.float64) for x in spacing]
    for k in range(nd):
        axes[k].step = 1.0
        if coords:
            axes[k].coords = coords[k].ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    out_ptrs = (ctypes.c_void_p * nd)(*(o.ctypes.data for o in outs))
    err = GradientErrorStruct()
    fn = lib.gradient_f32 if f.dtype == np.float32 else lib.gradient_f64
    args = (f.ctypes.data, nd, shape, strides, axes, (1 << nd) - 1, edge_order, out_ptrs, out_strides,
            ctypes.byref(err))

    def call():
        status = fn(*args)
        if status != 0:
            raise RuntimeError(f"libgradient status {status}: {err.message.decode()}")

    call.keep = (coords, shape, strides, out_strides, axes, out_ptrs, err)  # keep alive
    return call, outs


# Calls per side in each round of `time_numpy`; the first of each is not
# timed. Calling the library right after numpy.gradient (which has just freed
# its large outputs) or after 10 ms of idling cost 25-45% more on the
# development VM than calling it again, and numpy's own first call of a
# round pays the same, so each side is timed in back-to-back calls, as a
# program calling either one in a loop would see it.
ROUND_CALLS = 3


def time_numpy(lib, f, spacing, kw, reps, thread_counts):
    """numpy.gradient, and the library on the same arrays through ctypes,
    alternating in rounds so that the numpy/ours ratio is side by side
    (ctypes adds a few microseconds per call: nothing at these sizes)."""
    call, outs = library_call(lib, f, spacing, kw["edge_order"])
    ref = np.gradient(f, *spacing, **kw)  # warm-up
    if f.ndim == 1:
        ref = [ref]
    for t in thread_counts:
        lib.gradient_set_threads(t)
        call()  # warm-up, touches the outputs
    same = all(a.tobytes() == b.tobytes() for a, b in zip(ref, outs))
    del ref
    np_samples, ours = [], {t: [] for t in thread_counts}
    for _ in range(reps):
        for i in range(ROUND_CALLS):
            t0 = time.perf_counter()
            r = np.gradient(f, *spacing, **kw)
            t1 = time.perf_counter()
            del r  # freed outside the timed region; numpy allocates its outputs per call
            if i > 0:
                np_samples.append((t1 - t0) * 1e3)
        for t in thread_counts:
            lib.gradient_set_threads(t)
            for i in range(ROUND_CALLS):
                t0 = time.perf_counter()
                call()
                if i > 0:
                    ours[t].append((time.perf_counter() - t0) * 1e3)
    lib.gradient_set_threads(0)
    return {"numpy_ms": statistics.median(np_samples), "numpy_ms_samples": np_samples,
            "py_ours_ms": {t: statistics.median(v) for t, v in ours.items()},
            "py_ours_ms_samples": ours, "numpy_identical": same}


def time_numpy_small(n, reps, calls):
    f = np.random.default_rng(1).uniform(-1, 1, n)
    np.gradient(f)
    return [t / calls * 1e6 for t in timeit.repeat(lambda: np.gradient(f), number=calls, repeat=reps)]


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

def fmt_ms(x):
    if x is None:
        return "-"
    return f"{x:#.3g}" if x < 10 else f"{x:.1f}" if x < 1000 else f"{x:.0f}"


def fmt_x(x):
    return "-" if x is None else f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def fmt_pct(x):
    return "-" if x is None else f"{x:.0f}%"


def md_table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def met(ok):
    return "yes" if ok else "**no**"


# What the benchmark program reports about the library it ran.
META_KEYS = ("library_version", "instruction_set")


def analyse(results, nproc):
    """Derived figures per workload and thread count."""
    for w in results["workloads"]:
        for t, r in w["c"].items():
            kinds = ["copy_loop", "copy_memcpy", "copy_whole", "copy_stream"]
            r["ceiling_kind"] = min(kinds, key=lambda k: r[k + "_ms"])
            ceiling = r["ceiling_ms"] = r[r["ceiling_kind"] + "_ms"]
            r["pct_copy"] = 100.0 * ceiling / r["ours_ms"]
            # numpy/ours from the Python loop that times both, interleaved.
            r["numpy_over_ours"] = w["numpy_ms"] / w["py_ours_ms"][t]
            r["cloop_over_ours"] = r["cloop_ms"] / r["ours_ms"]
            r["ours_gbs"] = (r["bytes_read"] + r["bytes_written"]) / (r["ours_ms"] * 1e-3) / 1e9
            if "ref_ours_ms" in r:
                r["ratio_to_ref"] = r["ours_ms"] / r["ref_ours_ms"]


def build_report(results, args):
    nproc = results["nproc"]
    T = [1, nproc] if nproc > 1 else [1]
    tl = {1: "1t", nproc: f"{nproc}t"}
    ws = results["workloads"]
    by = {w["name"]: w for w in ws}
    m = results["machine"]
    lines = []
    add = lines.append

    add(f"Machine: {m['cpu']}, {nproc} cores ({m['cpus']} CPUs online); {m['os']}")
    add(f"Date: {m['date']}; numpy {m['numpy']}, Python {m['python']}; {m['gcc']}; {m['rustc']}")
    add(f"libgradient {results['library_version']} ({m['git']}), hot loops built for {results['instruction_set']}; "
        f"mode: {'quick' if args.quick else 'full'}; "
        f"load average at start {m['load_start']}, at end {m['load_end']}")
    add(f"'{nproc}t' = all cores: gradient_set_threads({nproc}) and omp_set_num_threads({nproc}); "
        "numpy.gradient is single-threaded.")
    add("")

    add("### Workloads")
    add("")
    rows = []
    for w in ws:
        r = w["c"][1]
        rows.append([w["name"], "x".join(map(str, w["shape"])), w["dtype"], DESCRIPTIONS.get(w["name"], ""),
                     "[" + ", ".join(map(str, r["strides"])) + "]", r["edge_order"],
                     f"{r['bytes_read'] / 2**20:.0f}", f"{r['bytes_written'] / 2**20:.0f}"])
    add(md_table(["workload", "shape", "dtype", "layout / spacing", "input strides (elements)", "edge order",
                  "MiB read", "MiB written"], rows))
    add("")
    add("Every axis is differentiated (one output per axis); spacing is numpy's default 1.0 unless stated. "
        "MiB read/written are the logical bytes the copy ceiling moves.")
    add("")
    add("### Times (median ms)")
    add("")
    hdr = ["workload", "shape", "dtype", "numpy"]
    for t in T:
        hdr += [f"ours {tl[t]}"]
    for t in T:
        hdr += [f"C loop {tl[t]}"]
    for t in T:
        hdr += [f"copy {tl[t]}"]
    rows = []
    for w in ws:
        c = w["c"]
        row = [w["name"], "x".join(map(str, w["shape"])), w["dtype"], fmt_ms(w["numpy_ms"])]
        row += [fmt_ms(c[t]["ours_ms"]) for t in T]
        row += [fmt_ms(c[t]["cloop_ms"]) for t in T]
        row += [fmt_ms(c[t]["ceiling_ms"]) for t in T]
        rows.append(row)
    add(md_table(hdr, rows))
    add("")
    add("copy = the bandwidth ceiling: the fastest of four plain copies moving the same bytes (see below).")
    if len(T) > 1 and ws:
        sp = statistics.median(w["c"][1]["ceiling_ms"] / w["c"][nproc]["ceiling_ms"] for w in ws)
        add(f"Copy speed-up from 1 to {nproc} threads (median over workloads): {sp:.2f}x"
            + (" -- the memory system is saturated by one core here (or the other cores were busy), so "
               "all-core figures cannot improve much on 1-thread ones." if sp < 1.3 else "."))
    add("")

    add("### Ratios")
    add("")
    hdr = ["workload"]
    hdr += [f"numpy/ours {tl[t]}" for t in T]
    hdr += [f"% of copy bw {tl[t]}" for t in T]
    hdr += [f"C loop/ours {tl[t]}" for t in T]
    hdr += [f"ours GB/s {tl[t]}" for t in T]
    hdr += ["numpy / ours " + " / ".join(tl[t] for t in T) + " (same loop, ms)", "same bytes as numpy",
            "same bytes as C loop"]
    rows = []
    for w in ws:
        c = w["c"]
        row = [w["name"]]
        row += [fmt_x(c[t]["numpy_over_ours"]) for t in T]
        row += [fmt_pct(c[t]["pct_copy"]) for t in T]
        row += [fmt_x(c[t]["cloop_over_ours"]) for t in T]
        row += [f"{c[t]['ours_gbs']:.1f}" for t in T]
        row += [" / ".join(fmt_ms(x) for x in [w["numpy_ms"]] + [w["py_ours_ms"][t] for t in T])]
        row += ["yes" if w["numpy_identical"] else "**NO**"]
        row += ["yes" if c[1]["identical"] else "**NO**"]
        rows.append(row)
    add(md_table(hdr, rows))
    add("")
    add("numpy/ours: numpy.gradient and the same library call (through ctypes, on the same numpy arrays, "
        f"outputs laid out like numpy's) timed in one Python loop, alternating in rounds of {ROUND_CALLS} "
        "calls of each (the first of each round not timed); their medians are in the "
        "'same loop' column (ctypes adds microseconds, nothing at these sizes). Every other ratio "
        "comes from the C program. 'same bytes as numpy': the library's outputs equal numpy's bit for bit.")
    add("")

    add("### Layout and spacing (library time relative to 2d, measured interleaved in one process)")
    add("")
    hdr = ["ratio"] + [f"{tl[t]}" for t in T] + [f"copies {tl[t]}" for t in T] + ["target", "met?"]
    rows = []
    for name, label, target in LAYOUT_RATIOS:
        if name not in by:
            continue
        c = by[name]["c"]
        vals = [c[t]["ratio_to_ref"] for t in T]
        copies = [f"{c[t]['copy_stepped_ms'] / c[t]['copy_stream_ms']:.2f}x" if "copy_stepped_ms" in c[t] else "-" for t in T]
        rows.append([label] + [f"{v:.2f}x" for v in vals] + copies + [f"<= {target}x", met(all(v <= target for v in vals))])
    add(md_table(hdr, rows))
    add("")
    add("copies: for the stepped input, the copy of its samples from their storage (every cache line of it "
        "read, twice the bytes) over the copy of the same bytes stored contiguously, both with non-temporal "
        "stores, timed in the same process: the least that its extra memory traffic costs a gradient.")
    add("")

    small = results.get("small")
    if small:
        add(f"### Small arrays: {small['n']}-element float64, many calls (median time per call, microseconds)")
        add("")
        hdr = ["numpy"] + [f"ours {tl[t]}" for t in T] + ["C loop", "memcpy 800 B"]
        hdr += [f"numpy/ours {tl[t]}" for t in T] + [f"C loop/ours {tl[t]}" for t in T]
        c = small["c"]
        row = [f"{small['numpy_us']:.2f}"] + [f"{c[t]['ours_us']:.3f}" for t in T]
        row += [f"{c[1]['cloop_us']:.3f}", f"{c[1]['copy_us']:.3f}"]
        row += [fmt_x(small["numpy_us"] / c[t]["ours_us"]) for t in T]
        row += [f"{c[t]['cloop_us'] / c[t]['ours_us']:.2f}x" for t in T]
        add(md_table(hdr, [row]))
        add("")
        add("numpy's time is from Python (`timeit`, the way numpy is called); the library's from C "
            "through its C ABI (a ctypes call would add its own overhead).")
        add("")

    add("### Targets (figures, never a failure)")
    add("")
    hdr = ["target", "workload"]
    for t in T:
        hdr += [f"{tl[t]}", f"met? {tl[t]}"]
    rows = []

    def target_row(label, wname, vals, oks):
        row = [label, wname]
        for v, ok in zip(vals, oks):
            row += [v, met(ok)]
        rows.append(row)

    for n in CONTIGUOUS_F64_ALL_AXES:
        if n in by:
            v = [by[n]["c"][t]["pct_copy"] for t in T]
            target_row(f">= {BW_TARGET:.0f}% of copy bandwidth", n, [fmt_pct(x) for x in v], [x >= BW_TARGET for x in v])
    for w in ws:
        v = [w["c"][t]["numpy_over_ours"] for t in T]
        goals = [NUMPY_TARGET_1T if t == 1 else NUMPY_TARGET_ALL for t in T]
        target_row(f">= {NUMPY_TARGET_1T:.0f}x (1t) / {NUMPY_TARGET_ALL:.0f}x (all) faster than numpy", w["name"],
                   [fmt_x(x) for x in v], [x >= g for x, g in zip(v, goals)])
    for name, label, target in LAYOUT_RATIOS:
        if name in by:
            v = [by[name]["c"][t]["ratio_to_ref"] for t in T]
            target_row(f"{label} <= {target}x", name, [f"{x:.2f}x" for x in v], [x <= target for x in v])
    for w in ws:
        v = [w["c"][t]["cloop_over_ours"] for t in T]
        target_row("no slower than the C loop (C loop/ours >= 1)", w["name"], [fmt_x(x) for x in v],
                   [x >= 1.0 for x in v])
    if small:
        v = [small["c"][t]["cloop_us"] / small["c"][t]["ours_us"] for t in T]
        target_row("no slower than the C loop (C loop/ours >= 1)", "small100", [fmt_x(x) for x in v],
                   [x >= 1.0 for x in v])
        v = [small["numpy_us"] / small["c"][t]["ours_us"] for t in T]
        target_row(f">= {SMALL_TARGET:.0f}x faster than numpy per call", "small100", [fmt_x(x) for x in v],
                   [x >= SMALL_TARGET for x in v])
    add(md_table(hdr, rows))
    missed = sum(r.count("**no**") for r in rows)
    add("")
    add(f"{len(rows) * len(T) - missed} of {len(rows) * len(T)} target figures met.")
    return "\n".join(lines)


METHOD = """\
## What is measured

Every figure is a median over several repetitions. The C program
(`bench/bench.c`) times three things per workload, interleaved rep by rep
(so that drift and other processes hit them alike), at 1 thread and at all
cores, after one warm-up call of each that touches every output page:

* **ours**: `gradient_f64` / `gradient_f32` through the C ABI, numpy's default
  spacing (`step = 1.0`, or coordinate arrays for `2d_nonuniform`); every
  axis selected. Thread count via `gradient_set_threads(1)` and
  `gradient_set_threads(nproc)`.
* **copy** (the bandwidth ceiling): a copy of *the same bytes*: the input's
  bytes read once, and every output's bytes written once. For a gradient
  over all `k` axes of an array of `N` elements that is `N` elements read and
  `k*N` written (2-D: read `N` doubles, write `2N`; 3-D: read `N`, write
  `3N`), the least memory traffic any implementation can do. It is run four
  ways and the fastest counts: a plain `-O3` loop storing each input element
  into each of the `k` outputs (one pass); glibc `memcpy` of 16 KiB blocks
  of the input into each output (the input is read from memory once);
  plain `memcpy(out_j, in, bytes)` per output (glibc may use non-temporal
  stores there; for `k > 1` it reads the input `k` times); and the one-pass
  loop with non-temporal stores (`_mm256_stream_pd`, or SSE2's without
  AVX), which write each output cache line without reading it first, as
  the library does for outputs of 32 MiB or more. All four are
  split over threads (OpenMP) at the all-cores count. "% of copy
  bandwidth" is `copy time / our time`; the copy itself does no
  arithmetic, so 100% is the practical limit. For the stepped input the
  copy moves the same *logical* bytes as the contiguous case (its storage,
  twice as large, is not counted, although every cache line of it is read:
  a stepped gradient moves about 4/3 of the contiguous traffic in 2-D;
  the layout table's "copies" column times a copy that reads it all);
  for the transposed input the bytes are the same as for the contiguous one.
* **C loop**: the obvious nested loops with numpy's formulas (same
  operations, same order, so the same bytes), one pass per axis, compiled
  `-O3`; at all cores each pass is an OpenMP `#pragma omp parallel for`
  over its outer loop. Column-major data is walked in memory order; the
  stepped input with its strides. The program checks once per workload
  that the C loop's outputs and the library's are byte-identical, which
  makes it a fair comparison (column "same bytes as C loop").

numpy (`numpy.gradient`, single-threaded) is timed from Python on the same
workload (same shape, dtype, layout, spacing), right after the C program
for that workload, alternating with the same library call made through
ctypes (at 1 thread and at all cores): the numpy/ours ratios come from that
loop, so both sides see the same machine. They alternate in rounds of a few
back-to-back calls each, the first of a round not timed: on the development
VM a large call made right after numpy.gradient (which has just freed its
outputs), or after 10 ms of idling, took 25-45% longer than the same call
made again at once, so the rounds time each side as a loop calling it
would. numpy allocates its
outputs on every call, as it always does; the library writes into
preallocated outputs, as its C API is meant to be used. The same loop checks
that the library's outputs equal numpy's byte for byte. For the 100-element
case, the C program (per-call time of the library through its C ABI) and
`timeit` of numpy alternate in rounds; the C program first runs one
untimed round of each of its loops, without which its first timed phase
(the library at 1 thread) measured up to 1.3x the time of the same calls
right after it. The
layout ratios (non-uniform, transposed, stepped against the contiguous 2d
case) come from one C process that times both, interleaved.

The benchmark links `target/release/libgradient.so` (rpath set), as built
by `cargo build --release`. The machine may be shared with other processes;
the load average is printed to judge the noise.
"""


def plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("bench: matplotlib not installed, no figure (pip install matplotlib)")
        return False
    nproc = results["nproc"]
    T = [1, nproc] if nproc > 1 else [1]
    ws = results["workloads"]
    names = [w["name"] for w in ws]
    x = np.arange(len(ws))
    fig, axs = plt.subplots(2, 2, figsize=(15, 10))

    series = [("numpy", [w["numpy_ms"] for w in ws], "tab:gray")]
    colors = {"ours": ["tab:blue", "navy"], "C loop": ["tab:orange", "saddlebrown"], "copy": ["tab:green", "darkgreen"]}
    for key, field in [("ours", "ours_ms"), ("C loop", "cloop_ms"), ("copy", "ceiling_ms")]:
        for i, t in enumerate(T):
            series.append((f"{key} {t}t", [w["c"][t][field] for w in ws], colors[key][i]))
    ax = axs[0][0]
    width = 0.8 / len(series)
    for i, (label, vals, col) in enumerate(series):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, vals, width, label=label, color=col)
    ax.set_yscale("log")
    if ws:  # none when only small100 was asked for
        top = max(max(v) for _, v, _ in series)
        bottom = min(min(v) for _, v, _ in series)
        ax.set_ylim(bottom / 2, top * 8)  # room for the legend above the bars
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel("median time (ms, log scale)")
    ax.set_title("Time per call (lower is better)")
    ax.legend(fontsize=8, ncol=4, loc="upper center")

    def bars(ax, field, title, ylabel, targets):
        width = 0.8 / len(T)
        for i, t in enumerate(T):
            vals = [w["c"][t][field] for w in ws]
            ax.bar(x + (i - (len(T) - 1) / 2) * width, vals, width, label=f"ours {t}t", color=colors["ours"][i])
        for val, label, style in targets:
            ax.axhline(val, color="red", linestyle=style, linewidth=1, label=label)
        ax.set_xticks(x, names, rotation=30, ha="right")
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)

    bars(axs[0][1], "numpy_over_ours", "Speed-up over numpy.gradient", "numpy time / our time",
         [(NUMPY_TARGET_1T, f"target {NUMPY_TARGET_1T:.0f}x (1t)", "--"),
          (NUMPY_TARGET_ALL, f"target {NUMPY_TARGET_ALL:.0f}x (all cores)", ":")])
    bars(axs[1][0], "pct_copy", "Share of copy bandwidth (copy time / our time)", "%",
         [(BW_TARGET, f"target {BW_TARGET:.0f}% (contiguous float64)", "--")])

    ax = axs[1][1]
    small = results.get("small")
    if small:
        c = small["c"]
        labels = ["numpy"] + [f"ours {t}t" for t in T] + ["C loop", "memcpy"]
        vals = [small["numpy_us"]] + [c[t]["ours_us"] for t in T] + [c[1]["cloop_us"], c[1]["copy_us"]]
        cols = ["tab:gray"] + colors["ours"][: len(T)] + ["tab:orange", "tab:green"]
        ax.bar(labels, vals, color=cols)
        ax.set_yscale("log")
        for i, v in enumerate(vals):
            ax.text(i, v, f"{v:.3g}", ha="center", va="bottom", fontsize=8)
        ax.set_ylabel("microseconds per call (log scale)")
        ax.set_title(f"{small['n']}-element float64 arrays, time per call")
    m = results["machine"]
    fig.suptitle(f"libgradient {results['library_version']} vs numpy {m['numpy']}: {m['cpu']}, {nproc} cores, "
                 f"{m['date'][:10]}{' (quick)' if results['quick'] else ''}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def machine_info():
    cpu = platform.processor() or "unknown CPU"
    for line in output_of(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
            break
    git = output_of(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) or "no git"
    if output_of(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"]):
        git += " + uncommitted changes"
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "gcc": output_of([os.environ.get("CC", "gcc"), "--version"]).splitlines()[0] if output_of(
            [os.environ.get("CC", "gcc"), "--version"]) else "gcc",
        "rustc": output_of(["rustc", "--version"]) or "rustc ?",
        "git": git,
        "load_start": "%.2f %.2f %.2f" % os.getloadavg(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes and few reps (CI smoke run, < 1 minute)")
    ap.add_argument("--reps", type=int, default=0, help="repetitions per measurement (default: per workload)")
    ap.add_argument("--numpy-reps", type=int, default=0, help="rounds of numpy.gradient against the library (default 7, quick 3)")
    ap.add_argument("--threads", type=int, default=0, help="the 'all cores' thread count (default: every CPU)")
    ap.add_argument("--workloads", default="", help="comma-separated subset (default: all; see bench --list)")
    ap.add_argument("--no-build", action="store_true", help="skip `cargo build --release`")
    ap.add_argument("--no-write", action="store_true", help="print only: write no report, figure or JSON")
    ap.add_argument("--md", type=Path, help="report path (default BENCHMARKS.md; quick: target/bench/BENCHMARKS-quick.md)")
    ap.add_argument("--png", type=Path, help="figure path (default bench/benchmarks.png; quick: target/bench/benchmarks-quick.png)")
    args = ap.parse_args()

    t_start = time.perf_counter()
    exe, cc_cmd = build(args)
    log("== " + CFLAGS_NOTE)
    nproc = args.threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()) or 1
    machine = machine_info()
    all_names = output_of([str(exe), "--list"]).split()
    names = [n for n in args.workloads.split(",") if n] if args.workloads else all_names
    unknown = set(names) - set(all_names)
    if unknown:
        sys.exit(f"bench: unknown workloads {sorted(unknown)}; known: {all_names}")
    numpy_reps = args.numpy_reps or (3 if args.quick else 7)
    rng = np.random.default_rng(0)

    results = {"quick": args.quick, "nproc": nproc, "machine": machine, "workloads": [], "compile": cc_cmd}
    lib = load_library()
    thread_counts = [1, nproc] if nproc > 1 else [1]
    for name in names:
        t0 = time.perf_counter()
        if name == "small100":
            # C (ours, C loop, memcpy per call) and numpy (from Python)
            # alternate in rounds, so that both see the same machine.
            rounds, per_round = (2, 3) if args.quick else (4, 3)
            c_rows, np_samples = [], []
            for _ in range(rounds):
                meta, rows = run_c(exe, name, args, nproc, reps=per_round)
                c_rows += rows
                calls = max(1, rows[0]["calls_per_rep"] // 10)
                np_samples += time_numpy_small(rows[0]["n"], per_round, calls)
            small = {"n": c_rows[0]["n"], "numpy_us": statistics.median(np_samples), "numpy_us_samples": np_samples,
                     "c": {}}
            for t in thread_counts:
                rs = [r for r in c_rows if r["threads"] == t]
                small["c"][t] = {k: statistics.median(r[k] for r in rs) for k in ("ours_us", "copy_us", "cloop_us")}
                small["c"][t]["identical"] = all(r["identical"] for r in rs)
                small["c"][t]["rounds"] = rs
            results["small"] = small
            results.update({k: meta[k] for k in META_KEYS})
            log(f"-- small100: {time.perf_counter() - t0:.1f} s")
            continue
        meta, rows = run_c(exe, name, args, nproc)
        results.update({k: meta[k] for k in META_KEYS})
        f, spacing, kw = numpy_input(rows[0], rng)
        w = {"name": name, "shape": rows[0]["shape"], "dtype": rows[0]["dtype"],
             "c": {r["threads"]: r for r in rows}}
        w.update(time_numpy(lib, f, spacing, kw, numpy_reps, thread_counts))
        del f, spacing
        results["workloads"].append(w)
        log(f"-- {name}: {time.perf_counter() - t0:.1f} s")
    machine["load_end"] = "%.2f %.2f %.2f" % os.getloadavg()

    analyse(results, nproc)
    report = build_report(results, args)
    print()
    print(report)
    print()
    print(CFLAGS_NOTE)

    mismatched = [w["name"] for w in results["workloads"]
                  if not all(r["identical"] for r in w["c"].values()) or not w["numpy_identical"]]
    if results.get("small") and not all(r["identical"] for r in results["small"]["c"].values()):
        mismatched.append("small100")

    if not args.no_write:
        md = args.md or (BUILD_DIR / "BENCHMARKS-quick.md" if args.quick else ROOT / "BENCHMARKS.md")
        png = args.png or (BUILD_DIR / "benchmarks-quick.png" if args.quick else BENCH_DIR / "benchmarks.png")
        raw = BUILD_DIR / ("results-quick.json" if args.quick else "results.json")
        md.parent.mkdir(parents=True, exist_ok=True)
        png.parent.mkdir(parents=True, exist_ok=True)
        raw.parent.mkdir(parents=True, exist_ok=True)
        have_png = plot(results, png)
        try:
            png_rel = os.path.relpath(png, md.parent)
        except ValueError:
            png_rel = str(png)
        cmd = "python3 bench/run.py" + (" --quick" if args.quick else "")
        text = [
            "# Benchmarks",
            "",
            f"Generated by `{cmd}` (do not edit by hand; rerun it). Raw samples: "
            f"`{os.path.relpath(raw, ROOT)}` (not committed).",
            "",
            build_report(results, args),
            "",
            f"![benchmark figures]({png_rel})" if have_png else "(matplotlib not installed: no figure)",
            "",
            METHOD,
            "## Build",
            "",
            CFLAGS_NOTE,
            "",
            "```",
            " ".join(c.replace(str(ROOT), "$PWD") for c in cc_cmd),
            "```",
            "",
        ]
        md.write_text("\n".join(text))
        raw.write_text(json.dumps(results, indent=1, default=str))
        log(f"== wrote {md}" + (f", {png}" if have_png else "") + f", {raw}")
    log(f"== total {time.perf_counter() - t_start:.0f} s")
    if mismatched:
        log(f"bench: ERROR: the library's outputs differ from the C loop's or numpy's for {mismatched} "
            "(see the 'same bytes' columns): the comparison is not like for like")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
