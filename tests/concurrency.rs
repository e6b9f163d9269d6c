//! Many threads calling the C ABI at once, exactly as C would (raw pointers
//! through `gradient::ffi`), must get exactly the results of single-threaded
//! calls, with no write outside their own outputs.
//!
//! Eight workers make a few hundred calls each on a mix of cases: arrays
//! large enough for the blocked, multi-threaded path (>= 65536 elements) and
//! small ones; inputs shared read-only by every thread (C order, Fortran
//! order, reversed, transposed and padded views); float64, float32, int32
//! (through `gradient_dtype`) and complex128; unit steps, scalar steps and
//! coordinates; contiguous, reversed and interleaved (`gx`, `gy` at offsets 0
//! and 1 with stride 2) outputs; and calls that must fail. Meanwhile
//! `gradient_set_threads` is changed concurrently (1, 2, 3 and 0, the
//! default) by the workers and by one more thread.
//!
//! Every result is compared with a reference computed once, before the
//! stress, with `gradient_set_threads(1)`; polynomial cases are also checked
//! against their exact derivatives (f = x^2 with edge order 2 gives 2x
//! exactly for small integers). Guard bytes around every output, and the
//! inputs after the stress, must be unchanged.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use gradient::ffi::{self, GradientAxis, GradientError, GradientStatus};

/// Tests in this file change the process-wide thread setting: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

const WORKERS: usize = 8;
/// Calls per worker; `GRADIENT_STRESS_CALLS` overrides it.
const CALLS_PER_WORKER: usize = 150;
/// Bytes of guard before and after every output buffer.
const GUARD: usize = 64;
const FILL: u8 = 0xA5;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Ty {
    F64,
    F32,
    I32,
    C128,
}

impl Ty {
    fn out_size(self) -> usize {
        match self {
            Ty::F64 | Ty::I32 => 8,
            Ty::F32 => 4,
            Ty::C128 => 16,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum OutLayout {
    /// One C-order buffer per output, `out_strides` NULL.
    Contiguous,
    /// One buffer per output, every axis reversed (negative `out_strides`).
    Reversed,
    /// All outputs in one buffer, element `j` of each group of `m` belongs
    /// to output `j` (`gx`, `gy` at offsets 0 and 1 with stride 2).
    Interleaved,
    /// `out[0]` is the input itself (a private copy): must be refused.
    OverInput,
}

struct Axis {
    step: f64,
    coords: Option<Arc<Vec<f64>>>,
}

struct Case {
    name: &'static str,
    ty: Ty,
    /// Shared, read-only storage of the input (8-byte aligned).
    data: Arc<Vec<u64>>,
    /// Byte offset of element zero in `data`.
    origin: usize,
    shape: Vec<usize>,
    strides: Option<Vec<isize>>,
    axes: Option<Vec<Axis>>,
    mask: u64,
    edge: u32,
    layout: OutLayout,
    /// The status the call must return.
    status: GradientStatus,
    /// Exact derivatives (C order, one per selected axis), when known.
    exact: Option<Vec<Vec<f64>>>,
}

impl Case {
    fn count(&self) -> usize {
        self.shape.iter().product()
    }
    fn outputs(&self) -> usize {
        self.mask.count_ones() as usize
    }
}

/// Output elements of one call, C order, as raw bytes per output.
#[derive(Debug)]
struct Outcome {
    status: GradientStatus,
    outputs: Vec<Vec<u8>>,
}

fn c_order(shape: &[usize]) -> Vec<isize> {
    let mut s = vec![0isize; shape.len()];
    let mut step = 1isize;
    for k in (0..shape.len()).rev() {
        s[k] = step;
        step *= shape[k].max(1) as isize;
    }
    s
}

/// Byte offsets (from element zero) of every element, C order.
fn offsets(shape: &[usize], strides: &[isize], elem: usize) -> Vec<isize> {
    let count: usize = shape.iter().product();
    let mut out = Vec::with_capacity(count);
    let mut index = vec![0usize; shape.len()];
    for _ in 0..count {
        out.push(index.iter().zip(strides).map(|(&i, &s)| i as isize * s).sum::<isize>() * elem as isize);
        for k in (0..shape.len()).rev() {
            index[k] += 1;
            if index[k] < shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
    out
}

/// Makes one call as C would, checking guards and the error report.
fn run(case: &Case) -> Result<Outcome, String> {
    let count = case.count();
    let nout = case.outputs();
    let osz = case.ty.out_size();
    let c = c_order(&case.shape);
    // Buffers, as u64 words for alignment, filled with FILL.
    let words = |bytes: usize| vec![u64::from_ne_bytes([FILL; 8]); (bytes + 2 * GUARD).div_ceil(8)];
    let mut private_input: Option<Vec<u64>> = None;
    let (mut buffers, out_strides, starts): (Vec<Vec<u64>>, Option<Vec<isize>>, Vec<(usize, usize)>) = match case.layout {
        OutLayout::Contiguous => ((0..nout).map(|_| words(count * osz)).collect(), None, (0..nout).map(|j| (j, GUARD)).collect()),
        OutLayout::Reversed => (
            (0..nout).map(|_| words(count * osz)).collect(),
            Some(c.iter().map(|&s| -s).collect()),
            (0..nout).map(|j| (j, GUARD + (count - 1) * osz)).collect(),
        ),
        OutLayout::Interleaved => (
            vec![words(count * osz * nout)],
            Some(c.iter().map(|&s| s * nout as isize).collect()),
            (0..nout).map(|j| (0, GUARD + j * osz)).collect(),
        ),
        OutLayout::OverInput => {
            private_input = Some(case.data.as_ref().clone());
            ((0..nout).map(|_| words(count * osz)).collect(), None, (0..nout).map(|j| (j, GUARD)).collect())
        }
    };
    let before: Vec<Vec<u64>> = buffers.clone();
    let input_ptr: *const u8 = match &private_input {
        Some(p) => unsafe { (p.as_ptr() as *const u8).add(case.origin) },
        None => unsafe { (case.data.as_ptr() as *const u8).add(case.origin) },
    };
    let mut out_ptrs: Vec<*mut u8> =
        starts.iter().map(|&(b, off)| unsafe { (buffers[b].as_mut_ptr() as *mut u8).add(off) }).collect();
    if case.layout == OutLayout::OverInput {
        out_ptrs[0] = input_ptr as *mut u8;
    }
    let axes: Option<Vec<GradientAxis>> = case.axes.as_ref().map(|axes| {
        axes.iter()
            .map(|a| GradientAxis {
                step: a.step,
                coords: a.coords.as_ref().map_or(std::ptr::null(), |x| x.as_ptr()),
                lower: 0,
                upper: 0,
            })
            .collect()
    });
    let mut error = GradientError { status: GradientStatus::GRADIENT_INTERNAL_ERROR, axis: 7, message: [b'x' as _; 256] };
    let shape = case.shape.as_ptr();
    let strides = case.strides.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    let axes_ptr = axes.as_ref().map_or(std::ptr::null(), |a| a.as_ptr());
    let os = out_strides.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    let nd = case.shape.len();
    // SAFETY: every pointer covers what shape and strides describe.
    let status = unsafe {
        match case.ty {
            Ty::F64 => ffi::gradient_f64(input_ptr.cast(), nd, shape, strides, axes_ptr, case.mask, case.edge, out_ptrs.as_ptr().cast(), os, &mut error),
            Ty::F32 => ffi::gradient_f32(input_ptr.cast(), nd, shape, strides, axes_ptr, case.mask, case.edge, out_ptrs.as_ptr().cast(), os, &mut error),
            Ty::C128 => ffi::gradient_c128(input_ptr.cast(), nd, shape, strides, axes_ptr, case.mask, case.edge, out_ptrs.as_ptr().cast(), os, &mut error),
            Ty::I32 => ffi::gradient_dtype(
                ffi::GradientDtype::GRADIENT_INT32 as i32,
                input_ptr.cast(),
                nd,
                shape,
                strides,
                axes_ptr,
                case.mask,
                case.edge,
                out_ptrs.as_ptr().cast(),
                os,
                &mut error,
            ),
        }
    };
    let name = case.name;
    if error.status != status {
        return Err(format!("{name}: GradientError.status {:?} but returned {status:?}", error.status));
    }
    let msg_len = error.message.iter().position(|&b| b == 0).ok_or(format!("{name}: message not NUL-terminated"))?;
    if (status == GradientStatus::GRADIENT_OK) != (msg_len == 0) {
        return Err(format!("{name}: status {status:?} with a message of {msg_len} bytes"));
    }
    if let Some(p) = &private_input {
        if p != case.data.as_ref() {
            return Err(format!("{name}: the input was written"));
        }
    }
    if status != GradientStatus::GRADIENT_OK {
        if buffers != before {
            return Err(format!("{name}: failed with {status:?} but wrote to an output buffer"));
        }
        return Ok(Outcome { status, outputs: vec![] });
    }
    // Collect outputs and check that nothing else in the buffers changed.
    let out_st = out_strides.unwrap_or_else(|| c.clone());
    let offs = offsets(&case.shape, &out_st, osz);
    let mut touched: Vec<Vec<bool>> = buffers.iter().map(|b| vec![false; b.len() * 8]).collect();
    let mut outputs = Vec::with_capacity(nout);
    for &(b, start) in &starts {
        let bytes: &[u8] = unsafe { std::slice::from_raw_parts(buffers[b].as_ptr() as *const u8, buffers[b].len() * 8) };
        let mut v = Vec::with_capacity(count * osz);
        for &o in &offs {
            let at = (start as isize + o) as usize;
            v.extend_from_slice(&bytes[at..at + osz]);
            touched[b][at..at + osz].iter_mut().for_each(|t| *t = true);
        }
        outputs.push(v);
    }
    for (b, buf) in buffers.iter_mut().enumerate() {
        let now: &[u8] = unsafe { std::slice::from_raw_parts(buf.as_ptr() as *const u8, buf.len() * 8) };
        let then: &[u8] = unsafe { std::slice::from_raw_parts(before[b].as_ptr() as *const u8, buf.len() * 8) };
        if let Some(i) = (0..now.len()).find(|&i| !touched[b][i] && now[i] != then[i]) {
            return Err(format!("{name}: byte {i} of output buffer {b} changed but belongs to no output element"));
        }
    }
    Ok(Outcome { status, outputs })
}

/// Equal bit for bit, except that any NaN matches any NaN (per component).
fn same(ty: Ty, a: &[u8], b: &[u8]) -> Option<usize> {
    let float = matches!(ty, Ty::F32);
    let w = if float { 4 } else { 8 };
    (0..a.len() / w).find(|&i| {
        let (x, y) = (&a[i * w..i * w + w], &b[i * w..i * w + w]);
        if x == y {
            return false;
        }
        if float {
            let (p, q) = (f32::from_ne_bytes(x.try_into().unwrap()), f32::from_ne_bytes(y.try_into().unwrap()));
            !(p.is_nan() && q.is_nan())
        } else {
            let (p, q) = (f64::from_ne_bytes(x.try_into().unwrap()), f64::from_ne_bytes(y.try_into().unwrap()));
            !(p.is_nan() && q.is_nan())
        }
    })
}

fn check(case: &Case, got: &Outcome, want: &Outcome) -> Result<(), String> {
    if got.status != want.status {
        return Err(format!("{}: status {:?}, reference {:?}", case.name, got.status, want.status));
    }
    for (j, (g, w)) in got.outputs.iter().zip(&want.outputs).enumerate() {
        if let Some(i) = same(case.ty, g, w) {
            return Err(format!("{}: output {j} differs from the single-threaded reference at component {i}", case.name));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Cases

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn small(&mut self) -> f64 {
        (self.next() % 2001) as f64 / 8.0 - 125.0
    }
}

fn storage_f64(v: &[f64]) -> Arc<Vec<u64>> {
    Arc::new(v.iter().map(|x| x.to_bits()).collect())
}

fn storage_f32(v: &[f32]) -> Arc<Vec<u64>> {
    let mut words = vec![0u64; v.len().div_ceil(2)];
    let bytes = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr() as *mut u8, words.len() * 8) };
    for (i, x) in v.iter().enumerate() {
        bytes[4 * i..4 * i + 4].copy_from_slice(&x.to_ne_bytes());
    }
    Arc::new(words)
}

fn storage_i32(v: &[i32]) -> Arc<Vec<u64>> {
    storage_f32(&v.iter().map(|&x| f32::from_bits(x as u32)).collect::<Vec<_>>())
}

#[allow(clippy::too_many_arguments)]
fn case(
    name: &'static str,
    ty: Ty,
    data: Arc<Vec<u64>>,
    origin: usize,
    shape: &[usize],
    strides: Option<Vec<isize>>,
    axes: Option<Vec<Axis>>,
    mask: u64,
    edge: u32,
    layout: OutLayout,
) -> Case {
    Case {
        name,
        ty,
        data,
        origin,
        shape: shape.to_vec(),
        strides,
        axes,
        mask,
        edge,
        layout,
        status: GradientStatus::GRADIENT_OK,
        exact: None,
    }
}

fn unit(n: usize) -> Option<Vec<Axis>> {
    Some((0..n).map(|_| Axis { step: 1.0, coords: None }).collect())
}

fn cases() -> Vec<Case> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut all = Vec::new();

    // f(i, j) = i^2 + 3 j^2 on 300 x 256 (76800 elements), shared by the
    // next two cases: exact d/di = 2i, d/dj = 6j with edge order 2.
    let (n0, n1) = (300usize, 256usize);
    let poly: Vec<f64> = (0..n0 * n1).map(|l| ((l / n1) as f64).powi(2) + 3.0 * ((l % n1) as f64).powi(2)).collect();
    let poly = storage_f64(&poly);
    let exact = vec![
        (0..n0 * n1).map(|l| 2.0 * (l / n1) as f64).collect::<Vec<_>>(),
        (0..n0 * n1).map(|l| 6.0 * (l % n1) as f64).collect::<Vec<_>>(),
    ];
    let mut c = case("poly2d f64, both axes", Ty::F64, poly.clone(), 0, &[n0, n1], None, None, 0b11, 2, OutLayout::Contiguous);
    c.exact = Some(exact.clone());
    all.push(c);
    let mut c = case("poly2d f64, interleaved gx gy", Ty::F64, poly.clone(), 0, &[n0, n1], None, unit(2), 0b11, 2, OutLayout::Interleaved);
    c.exact = Some(exact);
    all.push(c);
    // The same storage seen transposed (256 x 300): d/dj of i^2... as axis 1.
    let mut c = case("poly2d f64 transposed, axis 1, reversed out", Ty::F64, poly.clone(), 0, &[n1, n0], Some(vec![1, n1 as isize]), None, 0b10, 2, OutLayout::Reversed);
    c.exact = Some(vec![(0..n0 * n1).map(|l| 2.0 * (l % n0) as f64).collect()]);
    all.push(c);

    // Reversed 1-D view of g[i] = 0.25 i^2 (100000 elements), step 0.5:
    // the view v[i] = g[n-1-i] has exact derivative -(n-1-i).
    let n = 100_000usize;
    let g: Vec<f64> = (0..n).map(|i| 0.25 * (i as f64).powi(2)).collect();
    let mut c = case(
        "reversed 1-D f64, step 0.5",
        Ty::F64,
        storage_f64(&g),
        (n - 1) * 8,
        &[n],
        Some(vec![-1]),
        Some(vec![Axis { step: 0.5, coords: None }]),
        1,
        2,
        OutLayout::Contiguous,
    );
    c.exact = Some(vec![(0..n).map(|i| -((n - 1 - i) as f64)).collect()]);
    all.push(c);

    // Random values in Fortran order, 40 x 50 x 40 (80000), axes 0 and 2,
    // non-uniform coordinates on axis 2, a few NaNs.
    let (a, b, d) = (40usize, 50usize, 40usize);
    let mut vals: Vec<f64> = (0..a * b * d).map(|_| rng.small()).collect();
    vals[17] = f64::NAN;
    vals[40_000] = f64::INFINITY;
    let x: Vec<f64> = (0..d).scan(0.0, |acc, i| {
        *acc += 0.5 + (i % 3) as f64 * 0.25;
        Some(*acc)
    }).collect();
    all.push(case(
        "fortran 3-D f64, coordinates",
        Ty::F64,
        storage_f64(&vals),
        0,
        &[a, b, d],
        Some(vec![1, a as isize, (a * b) as isize]),
        Some(vec![Axis { step: 0.7, coords: None }, Axis { step: 1.0, coords: None }, Axis { step: 1.0, coords: Some(Arc::new(x)) }]),
        0b101,
        1,
        OutLayout::Contiguous,
    ));

    // float32, padded rows (256 x 280 inside 256 x 300), scalar step 0.1:
    // float32 arithmetic with float32-rounded constants.
    let (r, cols, pitch) = (256usize, 280usize, 300usize);
    let v: Vec<f32> = (0..r * pitch).map(|_| rng.small() as f32).collect();
    all.push(case(
        "padded 2-D f32, step 0.1",
        Ty::F32,
        storage_f32(&v),
        0,
        &[r, cols],
        Some(vec![pitch as isize, 1]),
        Some(vec![Axis { step: 0.1, coords: None }, Axis { step: 0.1, coords: None }]),
        0b11,
        2,
        OutLayout::Interleaved,
    ));

    // int32 through gradient_dtype, 300 x 256, step 2 on axis 0, uniform
    // coordinates on axis 1.
    let v: Vec<i32> = (0..300 * 256).map(|l| ((l * 7919) % 2001) - 1000).collect();
    all.push(case(
        "int32 2-D via gradient_dtype",
        Ty::I32,
        storage_i32(&v),
        0,
        &[300, 256],
        None,
        Some(vec![Axis { step: 2.0, coords: None }, Axis { step: 1.0, coords: Some(Arc::new((0..256).map(|i| 3.0 * i as f64).collect())) }]),
        0b11,
        1,
        OutLayout::Contiguous,
    ));

    // complex128, 70000 samples, edge order 2, step 0.25.
    let v: Vec<f64> = (0..2 * 70_000).map(|_| rng.small()).collect();
    all.push(case(
        "complex128 1-D",
        Ty::C128,
        storage_f64(&v),
        0,
        &[70_000],
        None,
        Some(vec![Axis { step: 0.25, coords: None }]),
        1,
        2,
        OutLayout::Reversed,
    ));

    // Small arrays: always on the calling thread.
    let f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
    let mut c = case("small worked vector", Ty::F64, storage_f64(&f), 0, &[6], None, None, 1, 1, OutLayout::Contiguous);
    c.exact = Some(vec![vec![1.0, 1.5, 2.5, 3.5, 4.5, 5.0]]);
    all.push(c);
    let sq: Vec<f64> = (0..5).map(|i| (i * i) as f64).collect();
    let mut c = case("small x^2 edge 2", Ty::F64, storage_f64(&sq), 0, &[5], None, None, 1, 2, OutLayout::Reversed);
    c.exact = Some(vec![vec![0.0, 2.0, 4.0, 6.0, 8.0]]);
    all.push(c);
    let v: Vec<f64> = (0..35).map(|_| rng.small()).collect();
    all.push(case(
        "small 5x7 coordinates",
        Ty::F64,
        storage_f64(&v),
        0,
        &[5, 7],
        None,
        Some(vec![Axis { step: 1.0, coords: Some(Arc::new(vec![0.0, 1.0, 1.5, 3.5, 4.0])) }, Axis { step: -0.5, coords: None }]),
        0b11,
        2,
        OutLayout::Interleaved,
    ));

    // Calls that must fail, concurrently with the rest.
    let mut c = case("edge order 3", Ty::F64, poly.clone(), 0, &[n0, n1], None, None, 0b11, 3, OutLayout::Contiguous);
    c.status = GradientStatus::GRADIENT_BAD_EDGE_ORDER;
    all.push(c);
    let mut c = case("too small axis", Ty::F64, poly.clone(), 0, &[2, 1000], None, None, 0b11, 2, OutLayout::Contiguous);
    c.status = GradientStatus::GRADIENT_TOO_SMALL;
    all.push(c);
    let mut c = case("output over the input", Ty::F64, poly, 0, &[n0, n1], None, None, 0b01, 1, OutLayout::OverInput);
    c.status = GradientStatus::GRADIENT_OVERLAP;
    all.push(c);
    all
}

#[test]
fn many_threads_get_the_single_threaded_results() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let calls: usize = std::env::var("GRADIENT_STRESS_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(CALLS_PER_WORKER);
    let start = Instant::now();
    let cases = Arc::new(cases());
    let snapshots: Vec<Vec<u64>> = cases.iter().map(|c| c.data.as_ref().clone()).collect();

    // References, single-threaded, before any concurrency.
    ffi::gradient_set_threads(1);
    assert_eq!(ffi::gradient_threads(), 1);
    let reference: Vec<Outcome> = cases.iter().map(|c| run(c).unwrap_or_else(|e| panic!("{e}"))).collect();
    for (c, r) in cases.iter().zip(&reference) {
        assert_eq!(r.status, c.status, "{}: status", c.name);
        if let Some(exact) = &c.exact {
            for (j, (got, want)) in r.outputs.iter().zip(exact).enumerate() {
                for (i, w) in want.iter().enumerate() {
                    let g = f64::from_ne_bytes(got[8 * i..8 * i + 8].try_into().unwrap());
                    assert_eq!(g, *w, "{}: output {j} element {i} is not the exact derivative", c.name);
                }
            }
        }
    }
    // One multi-threaded call of each, still alone: tells a wrong parallel
    // path apart from a concurrency problem.
    ffi::gradient_set_threads(2);
    for (c, r) in cases.iter().zip(&reference) {
        let got = run(c).unwrap_or_else(|e| panic!("{e}"));
        check(c, &got, r).unwrap_or_else(|e| panic!("2 threads, one call at a time: {e}"));
    }

    eprintln!("references and one-at-a-time checks of {} cases: {:.1?}", cases.len(), start.elapsed());

    // The stress.
    let start = Instant::now();
    let reference = Arc::new(reference);
    // The workers, the setting flipper and this thread.
    let barrier = Arc::new(Barrier::new(WORKERS + 2));
    let done = Arc::new(AtomicBool::new(false));
    let flipper = {
        let (barrier, done) = (barrier.clone(), done.clone());
        thread::spawn(move || {
            barrier.wait();
            let mut flips = 0u64;
            while !done.load(Ordering::Relaxed) {
                ffi::gradient_set_threads([2, 1, 0, 3][flips as usize % 4]);
                assert!(ffi::gradient_threads() >= 1);
                flips += 1;
                thread::sleep(Duration::from_micros(200));
            }
            flips
        })
    };
    let workers: Vec<_> = (0..WORKERS)
        .map(|t| {
            let (cases, reference, barrier) = (cases.clone(), reference.clone(), barrier.clone());
            thread::spawn(move || -> Vec<String> {
                let mut failures = Vec::new();
                barrier.wait();
                for i in 0..calls {
                    if i % 7 == t % 7 {
                        ffi::gradient_set_threads([1, 2, 0][(t + i) % 3]);
                    }
                    let k = (t * 5 + i * 3) % cases.len();
                    match run(&cases[k]) {
                        Ok(got) => {
                            if let Err(e) = check(&cases[k], &got, &reference[k]) {
                                failures.push(format!("worker {t} call {i}: {e}"));
                            }
                        }
                        Err(e) => failures.push(format!("worker {t} call {i}: {e}")),
                    }
                }
                failures
            })
        })
        .collect();
    barrier.wait();
    let failures: Vec<String> = workers.into_iter().flat_map(|w| w.join().expect("worker panicked")).collect();
    done.store(true, Ordering::Relaxed);
    let flips = flipper.join().expect("flipper panicked");
    ffi::gradient_set_threads(0);
    eprintln!("stress: {WORKERS} workers x {calls} calls, {flips} setting changes: {:.1?}", start.elapsed());

    assert!(failures.is_empty(), "{} of {} calls failed; first ones:\n{}", failures.len(), WORKERS * calls, failures[..failures.len().min(10)].join("\n"));
    assert!(flips > 0);
    for (c, snap) in cases.iter().zip(&snapshots) {
        assert!(c.data.as_ref() == snap, "{}: the shared input changed", c.name);
    }
}

/// Threads whose calls fail in different ways at the same time each get
/// their own status and message: nothing is kept per process or per thread.
#[test]
fn concurrent_errors_are_reported_per_call() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let f: Vec<f64> = (0..64).map(|i| i as f64).collect();
    let f = Arc::new(f);
    let threads: Vec<_> = (0..WORKERS)
        .map(|t| {
            let f = f.clone();
            thread::spawn(move || {
                for i in 0..300 {
                    let mut out = vec![-1.0f64; 64];
                    let outs = [out.as_mut_ptr()];
                    let shape = [8usize, 8];
                    let mut error = GradientError { status: GradientStatus::GRADIENT_OK, axis: 0, message: [0; 256] };
                    let (mask, edge, want) = match (t + i) % 4 {
                        0 => (0b01u64, 1u32, GradientStatus::GRADIENT_OK),
                        1 => (0b100, 1, GradientStatus::GRADIENT_BAD_AXIS),
                        2 => (0b10, 7, GradientStatus::GRADIENT_BAD_EDGE_ORDER),
                        _ => (0b01, 1, GradientStatus::GRADIENT_NULL_POINTER),
                    };
                    let fp = if want == GradientStatus::GRADIENT_NULL_POINTER { std::ptr::null() } else { f.as_ptr() };
                    // SAFETY: f and out hold the 64 elements shape describes.
                    let status = unsafe {
                        ffi::gradient_f64(fp, 2, shape.as_ptr(), std::ptr::null(), std::ptr::null(), mask, edge, outs.as_ptr(), std::ptr::null(), &mut error)
                    };
                    assert_eq!(status, want, "thread {t} call {i}");
                    assert_eq!(error.status, want, "thread {t} call {i}: GradientError.status");
                    let msg = unsafe { std::ffi::CStr::from_ptr(error.message.as_ptr()) }.to_string_lossy().into_owned();
                    if want == GradientStatus::GRADIENT_OK {
                        assert!(msg.is_empty(), "thread {t} call {i}: message on success: {msg}");
                        assert_eq!(out[8..16], [8.0; 8], "thread {t} call {i}: d/di of 8i + j");
                    } else {
                        assert!(!msg.is_empty(), "thread {t} call {i}: no message for {want:?}");
                        assert!(out.iter().all(|&v| v == -1.0), "thread {t} call {i}: output written on {want:?}");
                        if want == GradientStatus::GRADIENT_BAD_AXIS {
                            assert_eq!(error.axis, 2, "thread {t} call {i}: axis of BAD_AXIS");
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread panicked");
    }
}
