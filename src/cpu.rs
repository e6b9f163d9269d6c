//! Runs the hot loops compiled for the widest vector instructions the CPU
//! offers, chosen at run time, so that a default build uses AVX2 where the
//! machine has it. The results are the same bits either way: Rust never
//! fuses a multiply and an add, and wider vectors only do more of the same
//! operations at once.

use std::ops::Range;

use ndarray::{s, ArrayView1};

/// The instruction set `widest` runs the hot loops with: `"avx2"`, or
/// `"baseline"` for the build's own target.
pub fn instruction_set() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        return "avx2";
    }
    "baseline"
}

/// Runs `work`, compiled for AVX2 if the CPU has it. `work` must be an
/// `#[inline(always)]` closure, and so must everything down its call tree
/// that should get the wider instructions: target features reach only code
/// inlined into the function that enables them.
#[inline(always)]
pub(crate) fn widest<R>(work: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: `avx2()` has checked that the CPU supports AVX2.
        return unsafe { with_avx2(work) };
    }
    work()
}

/// Whether the CPU has AVX2 and `GRADIENT_CPU=baseline` does not ask for
/// the build's own instruction set (which is how the tests reach both).
#[cfg(target_arch = "x86_64")]
fn avx2() -> bool {
    static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVX2.get_or_init(|| std::env::var_os("GRADIENT_CPU").is_none_or(|v| v != "baseline") && std::is_x86_feature_detected!("avx2"))
}

/// Whether the lines of the contiguous axis, like those of the outer axes,
/// are stored straight from registers (`strided_diff`) rather than through
/// `core::store`'s buffer: on Intel CPUs with AVX2, unless
/// `GRADIENT_CPU=baseline` asks for the build's defaults (which is how the
/// tests reach both). Each way was the faster on one of the test machines
/// (`core::flat`).
pub(crate) fn direct_row_stores() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        avx2() && intel()
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Whether a single contiguous lane (a 1-D input) is stored straight from
/// registers rather than through `core::store`'s buffer: wherever the CPU
/// has AVX2 and `GRADIENT_CPU=baseline` does not ask otherwise. Elsewhere
/// than on Intel CPUs, `strided_diff` then loads each input vector once
/// and shifts it (see there).
pub(crate) fn direct_lane_stores() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        avx2()
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Whether rows read in place through a stride of `step` elements go in
/// pairs (`core::flat`'s `paired_rows`), both axes stored straight from
/// registers: wherever `direct_row_stores`, and elsewhere with AVX2 for
/// every other sample, which `strided_diff_pair` then loads without
/// shuffles across the vector's halves (see there).
pub(crate) fn paired_rows_in_place(step: isize) -> bool {
    direct_row_stores() || step == 2 && direct_lane_stores()
}

/// Whether the CPU is an Intel one.
#[cfg(target_arch = "x86_64")]
fn intel() -> bool {
    static INTEL: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *INTEL.get_or_init(|| {
        // SAFETY: CPUID leaf 0 exists on every x86_64 CPU.
        #[allow(unused_unsafe)]
        let id = unsafe { std::arch::x86_64::__cpuid(0) };
        [id.ebx, id.edx, id.ecx] == [*b"Genu", *b"ineI", *b"ntel"].map(u32::from_le_bytes)
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn with_avx2<R>(work: impl FnOnce() -> R) -> R {
    work()
}

/// Copies `src` into `dst` (same length) with non-temporal stores where
/// the CPU has them: the destination's cache lines are written without
/// being read first and without displacing the input from the cache
/// (`core::store` says when that pays).
/// Call `fence` before the data is handed to another thread or returned.
#[inline]
pub(crate) fn stream<T: bytemuck::Pod>(dst: &mut [T], src: &[T]) {
    let (dst, src): (&mut [u8], &[u8]) = (bytemuck::cast_slice_mut(dst), bytemuck::cast_slice(src));
    assert_eq!(dst.len(), src.len(), "stream: lengths differ");
    #[cfg(target_arch = "x86_64")]
    {
        // Vector stores need aligned addresses: plain copies before and after.
        let head = dst.as_ptr().align_offset(32).min(dst.len());
        let body = (dst.len() - head) / 32 * 32;
        let (d_head, rest) = dst.split_at_mut(head);
        let (d_body, d_tail) = rest.split_at_mut(body);
        let (s_head, rest) = src.split_at(head);
        let (s_body, s_tail) = rest.split_at(body);
        d_head.copy_from_slice(s_head);
        d_tail.copy_from_slice(s_tail);
        // SAFETY: `d_body` and `s_body` have the same length, a multiple of
        // 32, and `d_body` starts on a 32-byte boundary; `avx2()` has checked
        // the CPU for the AVX variant, and SSE2 is part of x86_64.
        unsafe {
            if avx2() {
                stream_avx(d_body, s_body);
            } else {
                stream_sse2(d_body, s_body);
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

/// How far ahead (in bytes) loops that read several rows from memory at
/// once ask for the lines they will read (`prefetch`): the hardware
/// prefetchers alone left such loops waiting for their loads. On the AMD
/// Zen 4 test machine, against no requests, at 1 / 2 threads:
/// - every other column of 4096x8192 float64 (`step2_pair_lanes`, asking
///   for the row read for the first time): 0.76-0.86 / 0.92 of the time
///   (the spread is between builds of the same source); 4-16 KiB ahead
///   gained alike, 1-2 KiB took 1.02-1.24x the time; asking for the other
///   row, which is in cache, too gained nothing more, and alone took 1.08x;
/// - the row axis with coordinates of 4096^2 float64 (`core::flat`'s
///   `table_rows`): 0.88 / 0.93 (both axes: 0.92 at 1 thread), where 2-3
///   KiB ahead gained less and 8 KiB 5% less.
///
/// `strided_diff_lanes` does not ask: the outer axes of 256^3, whose rows
/// another loop read moments before and which come from L2, took
/// 1.03-1.13x the time asking for both rows or the older one, and
/// 0.96-0.99 at 1 thread, 0.99 at 2, asking for the newer one alone.
pub(crate) const AHEAD: usize = 4096;

/// Asks for the cache line that holds `s[i]`, or that address when `i` is
/// past the end, to be brought into L2. Into L1, the same requests took
/// longer than none (presumably they held the miss buffers that the
/// loop's own loads need).
#[inline(always)]
pub(crate) fn prefetch<T>(s: &[T], i: usize) {
    prefetch_at(s.as_ptr().wrapping_add(i));
}

/// `prefetch` for an address that need not be inside anything: a prefetch
/// reads nothing and never faults.
#[inline(always)]
fn prefetch_at<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and never faults, whatever the
    // address; SSE is part of x86_64.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Orders the non-temporal stores of `stream` before every later store, so
/// that another thread which sees the work as done also sees its data.
#[inline]
pub(crate) fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of x86_64.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

/// `out[j] = (next[j] - prev[j]) / w`, or `* w` when `!divide`, for every
/// `j`: the scalar formulas, four at a time, reading `next` and `prev`
/// through their strides. Safe Rust has no vector load from a stride (the
/// compiler leaves such loops scalar), and packing the rows into a
/// contiguous copy first costs a store stream of its own. With `stream`,
/// the whole cache lines of `out` are written with non-temporal stores
/// straight from registers (`fence` is then due, as after `stream`), which
/// also serves contiguous rows that are read from L2 (`core::flat`).
pub(crate) fn strided_diff<E: Float>(out: &mut [E], next: ArrayView1<'_, E>, prev: ArrayView1<'_, E>, w: E, divide: bool, stream: bool) {
    let n = out.len();
    assert!(next.len() == n && prev.len() == n, "strided_diff: lengths differ");
    let scalar = |j: usize| scaled_diff(next[j], prev[j], w, divide);
    let body = vector_body(out, stream);
    #[cfg(target_arch = "x86_64")]
    {
        let (out, next, prev) = (&mut out[body.clone()], next.slice(s![body.start..]), prev.slice(s![body.start..]));
        let unit = next.strides()[0] == 1 && prev.strides()[0] == 1;
        // A lane's interior (`next` two elements on from `prev` in one
        // row), streamed forwards: each vector loaded once, then shifted.
        let backwards = stream && backwards(out.as_ptr(), &[next.as_ptr(), prev.as_ptr()]);
        let shifted = stream && unit && !backwards && !intel() && std::ptr::eq(next.as_ptr(), prev.as_ptr().wrapping_add(2));
        // SAFETY: `next` and `prev` have at least `body.len()` elements
        // (they are as long as `out`), with stride 1 if `unit`, each in one
        // allocation (they are array views); `out` is whole AVX vectors of
        // `E` (so whole vectors of either variant) and, when `stream`,
        // starts on a cache line (`vector_body`); `avx2()` has checked the
        // CPU for the AVX variant, and SSE2 is part of x86_64. If
        // `shifted`, `next` starts inside `prev` (at its third element,
        // both with stride 1), so `prev`'s pointer reaches `out.len() + 2`
        // elements of one allocation.
        unsafe {
            match (avx2(), unit) {
                (true, true) if shifted => with_avx2(#[inline(always)] || shifted_diff_lanes::<E::Sse2>(out, prev.as_ptr(), w, divide)),
                (true, true) => with_avx2(#[inline(always)] || strided_diff_lanes::<E::Avx, true>(out, next, prev, w, divide, stream, backwards)),
                (true, false) => with_avx2(#[inline(always)] || strided_diff_lanes::<E::Avx, false>(out, next, prev, w, divide, stream, backwards)),
                (false, true) => strided_diff_lanes::<E::Sse2, true>(out, next, prev, w, divide, stream, backwards),
                (false, false) => strided_diff_lanes::<E::Sse2, false>(out, next, prev, w, divide, stream, backwards),
            }
        }
    }
    for j in (0..body.start).chain(body.end..n) {
        out[j] = scalar(j);
    }
}

/// Elements `at..at + out.len()` of the row-axis gradient of `f`, rows of
/// `len` elements with a scalar step, into `out`, every whole cache line
/// streamed straight from registers (`fence` is then due): `(f[q + 1] -
/// f[q - 1]) / w` (`* w` when `!divide`) inside a row, `ends(r, last)` at
/// the first and (`last`) the last element of the row that starts at `r`.
/// The vector groups that hold an end are computed one element at a time,
/// from inputs the loop has just brought into cache, so that no line is
/// stored twice or read back for its ends (`core::flat`).
pub(crate) fn lanes_diff<E: Float>(out: &mut [E], f: &[E], at: usize, len: usize, w: E, divide: bool, ends: &dyn Fn(usize, bool) -> E) {
    let n = out.len();
    assert!(len > 8 && f.len() % len == 0 && at + n <= f.len(), "lanes_diff: whole rows of more than 8 elements");
    // Element `e`, `start` being the first row start at or after it.
    let element = |e: usize, start: usize| match e {
        _ if e == start => ends(e, false),
        _ if e + 1 == start => ends(start - len, true),
        _ => scaled_diff(f[e + 1], f[e - 1], w, divide),
    };
    let body = vector_body(out, true);
    #[cfg(target_arch = "x86_64")]
    {
        let (out, at) = (&mut out[body.clone()], at + body.start);
        // SAFETY: `f` holds whole rows of `len` > 8 elements (more than a
        // vector) and `at + out.len() <= f.len()`; `out` is whole cache
        // lines (whole vectors); `avx2()` has checked the CPU for the AVX
        // variant, and SSE2 is part of x86_64.
        unsafe {
            if avx2() {
                with_avx2(#[inline(always)] || lanes_diff_lanes::<E::Avx>(out, f, at, len, w, divide, element));
            } else {
                lanes_diff_lanes::<E::Sse2>(out, f, at, len, w, divide, element);
            }
        }
    }
    for j in (0..body.start).chain(body.end..n) {
        out[j] = element(at + j, (at + j).next_multiple_of(len));
    }
}

/// The vector part of `lanes_diff`, `L::N` at a time, with `element(e,
/// start)` for the groups that hold a row's end.
///
/// # Safety
/// `f` holds whole rows of `len` > 8 elements and `at + out.len() <=
/// f.len()`; `out.len()` is a multiple of `L::N` and `out` is aligned to
/// the vector; the CPU has `L`'s instructions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn lanes_diff_lanes<L: Lanes>(out: &mut [L::E], f: &[L::E], at: usize, len: usize, w: L::E, divide: bool, element: impl Fn(usize, usize) -> L::E) {
    // SAFETY: the CPU has `L`'s instructions.
    let wv = unsafe { L::splat(w) };
    let p = f.as_ptr();
    // The first row start at or after the group's first element: the group
    // `q..q + N` holds a row's end if it is `q + N` or less (`len > N`).
    let mut start = at.next_multiple_of(len);
    for (q, o) in (at..).step_by(L::N).zip(out.chunks_exact_mut(L::N)) {
        if start <= q + L::N {
            // `start` stays the next row start for the whole group (`len > N`).
            // SAFETY: `o` is `L::N` elements, aligned to the vector.
            unsafe { L::store(o.as_mut_ptr(), L::gather(|i| element(q + i, start)), true) };
            if start < q + L::N {
                start += len;
            }
            continue;
        }
        // SAFETY: no row starts in `q..=q + N`, so `q - 1` and `q + N` are
        // in the same row, inside `f`; `o` is `L::N` aligned elements.
        unsafe { L::store(o.as_mut_ptr(), scaled_diff_lanes::<L>(L::load::<true>(p.add(q + 1), 1), L::load::<true>(p.add(q - 1), 1), wv, divide), true) };
    }
}

/// `out[j] = ((c[0] * p[j]) + (c[1] * h[j])) + (c[2] * x[j])` for every `j`
/// (numpy's weighted sum with coordinates, same operations in the same
/// order: Rust does not fuse them), four at a time, with the whole cache
/// lines of `out` written by non-temporal stores straight from registers,
/// as `strided_diff` does with `stream` (`fence` is then due).
pub(crate) fn streamed_comb(out: &mut [f64], c: [f64; 3], p: &[f64], h: &[f64], x: &[f64]) {
    let n = out.len();
    let (p, h, x) = (&p[..n], &h[..n], &x[..n]);
    let body = vector_body(out, true);
    #[cfg(target_arch = "x86_64")]
    {
        let (out, p, h, x) = (&mut out[body.clone()], &p[body.clone()], &h[body.clone()], &x[body.clone()]);
        // SAFETY: all four are `body.len()` long, a multiple of 4, and `out`
        // starts on a cache line; `avx2()` has checked the CPU for the AVX
        // variant, and SSE2 is part of x86_64.
        unsafe {
            if avx2() {
                with_avx2(#[inline(always)] || streamed_comb_lanes::<Avx>(out, c, p, h, x));
            } else {
                streamed_comb_lanes::<Sse2>(out, c, p, h, x);
            }
        }
    }
    for j in (0..body.start).chain(body.end..n) {
        out[j] = c[0] * p[j] + c[1] * h[j] + c[2] * x[j];
    }
}

/// `(hi - lo) / w`, or `* w` when `!divide`: the scalar form of the loops
/// above (`core::Element::diff_weak` and `times_weak` for float64 and
/// float32).
#[inline(always)]
fn scaled_diff<E: Float>(hi: E, lo: E, w: E, divide: bool) -> E {
    if divide { (hi - lo) / w } else { (hi - lo) * w }
}

/// `scaled_diff`, `L::N` at a time.
///
/// # Safety
/// The CPU has `L`'s instructions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn scaled_diff_lanes<L: Lanes>(hi: L::V, lo: L::V, w: L::V, divide: bool) -> L::V {
    // SAFETY: the caller's contract.
    unsafe {
        let d = L::sub(hi, lo);
        if divide { L::div(d, w) } else { L::mul(d, w) }
    }
}

/// The elements of `out` that the vector loops write: whole AVX vectors
/// from the start, or with `stream` whole cache lines only (a line that
/// also took plain stores would be read from memory for them). Empty off
/// x86_64, where the scalar loop does everything.
fn vector_body<E>(out: &[E], stream: bool) -> Range<usize> {
    if cfg!(not(target_arch = "x86_64")) {
        return 0..0;
    }
    let n = out.len();
    // A cache line, or an AVX vector, of elements.
    let (head, group) = if stream { (out.as_ptr().align_offset(64).min(n), 64 / size_of::<E>()) } else { (0, 32 / size_of::<E>()) };
    head..head + (n - head) / group * group
}

/// A float type that the loops above are written for, and its vectors.
pub(crate) trait Float: Copy + std::ops::Sub<Output = Self> + std::ops::Mul<Output = Self> + std::ops::Div<Output = Self> {
    #[cfg(target_arch = "x86_64")]
    type Avx: Shifts<E = Self>;
    #[cfg(target_arch = "x86_64")]
    type Sse2: ShiftsBy2<E = Self>;
}

impl Float for f64 {
    #[cfg(target_arch = "x86_64")]
    type Avx = Avx;
    #[cfg(target_arch = "x86_64")]
    type Sse2 = Sse2;
}

impl Float for f32 {
    #[cfg(target_arch = "x86_64")]
    type Avx = AvxF32;
    #[cfg(target_arch = "x86_64")]
    type Sse2 = Sse2F32;
}

/// One vector width of one float type, so that each loop above is written
/// once for AVX2 (`Avx`, `AvxF32`, to be run under `with_avx2`) and SSE2
/// (`Sse2`, `Sse2F32`).
#[cfg(target_arch = "x86_64")]
pub(crate) trait Lanes {
    type E: Copy;
    type V: Copy;
    /// Elements per vector.
    const N: usize;
    unsafe fn splat(x: Self::E) -> Self::V;
    /// `N` elements from `p`, `s` apart (`s` is 1 if `UNIT`); it may read
    /// the memory between them too, which must therefore be in the same
    /// allocation (as the elements of an array view are).
    unsafe fn load<const UNIT: bool>(p: *const Self::E, s: isize) -> Self::V;
    /// `N` elements from `p`, 2 apart (reading the memory between them),
    /// in an order of the vector's own that `in_order` undoes. A loop whose
    /// arithmetic is element by element puts them in order once, before
    /// the store, instead of once per load: the shuffles that do it in the
    /// load (`load` through a stride of 2) compile to two `vperm2f128`
    /// each, microcoded on AMD Zen. There, in hand-written C, both axes of
    /// every other column of 4096^2 float64 took 30.9 ms this way against
    /// 41.2 with those shuffles. (Those shuffles had replaced four scalar
    /// loads: on the Intel test machine the outer axis of every other
    /// column of 4096^2 then took 0.72x the time, both axes 0.96x.) The
    /// loops check for a stride of 2 once and call this instead of `load`.
    #[inline(always)]
    unsafe fn load_step2(p: *const Self::E) -> Self::V {
        unsafe { Self::load::<false>(p, 2) }
    }
    /// Puts a vector of `load_step2`'s order back in element order.
    #[inline(always)]
    unsafe fn in_order(v: Self::V) -> Self::V {
        v
    }
    unsafe fn sub(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn div(a: Self::V, b: Self::V) -> Self::V;
    /// Non-temporal if `stream` (`p` then aligned to the vector).
    unsafe fn store(p: *mut Self::E, v: Self::V, stream: bool);
    /// `e(0)` to `e(N - 1)`, put together in registers (a vector load of
    /// elements just stored waits for every store before them,
    /// non-temporal ones included).
    unsafe fn gather(e: impl Fn(usize) -> Self::E) -> Self::V;
}

#[cfg(target_arch = "x86_64")]
pub(crate) struct Avx;

#[cfg(target_arch = "x86_64")]
pub(crate) struct Sse2;

#[cfg(target_arch = "x86_64")]
pub(crate) struct AvxF32;

#[cfg(target_arch = "x86_64")]
pub(crate) struct Sse2F32;

/// The methods of `Lanes` that are one intrinsic each, named in the order
/// splat, sub, add, mul, div, non-temporal store, plain store.
#[cfg(target_arch = "x86_64")]
macro_rules! one_intrinsic_each {
    ($e:ty, $splat:ident, $sub:ident, $add:ident, $mul:ident, $div:ident, $stream:ident, $storeu:ident) => {
        #[inline(always)]
        unsafe fn splat(x: $e) -> Self::V {
            unsafe { std::arch::x86_64::$splat(x) }
        }
        #[inline(always)]
        unsafe fn sub(a: Self::V, b: Self::V) -> Self::V {
            unsafe { std::arch::x86_64::$sub(a, b) }
        }
        #[inline(always)]
        unsafe fn add(a: Self::V, b: Self::V) -> Self::V {
            unsafe { std::arch::x86_64::$add(a, b) }
        }
        #[inline(always)]
        unsafe fn mul(a: Self::V, b: Self::V) -> Self::V {
            unsafe { std::arch::x86_64::$mul(a, b) }
        }
        #[inline(always)]
        unsafe fn div(a: Self::V, b: Self::V) -> Self::V {
            unsafe { std::arch::x86_64::$div(a, b) }
        }
        #[inline(always)]
        unsafe fn store(p: *mut $e, v: Self::V, stream: bool) {
            unsafe {
                if stream {
                    std::arch::x86_64::$stream(p, v);
                } else {
                    std::arch::x86_64::$storeu(p, v);
                }
            }
        }
    };
}

// SAFETY (every method): the caller's contract; the intrinsics inline only
// into code compiled with their feature (`with_avx2` for `Avx` and
// `AvxF32`).
#[cfg(target_arch = "x86_64")]
impl Lanes for Avx {
    type E = f64;
    type V = std::arch::x86_64::__m256d;
    const N: usize = 4;
    one_intrinsic_each!(f64, _mm256_set1_pd, _mm256_sub_pd, _mm256_add_pd, _mm256_mul_pd, _mm256_div_pd, _mm256_stream_pd, _mm256_storeu_pd);
    #[inline(always)]
    unsafe fn load<const UNIT: bool>(p: *const f64, s: isize) -> Self::V {
        use std::arch::x86_64::*;
        unsafe {
            if UNIT {
                return _mm256_loadu_pd(p);
            }
            let lo = _mm_loadh_pd(_mm_load_sd(p), p.offset(s));
            let hi = _mm_loadh_pd(_mm_load_sd(p.offset(2 * s)), p.offset(3 * s));
            _mm256_insertf128_pd(_mm256_castpd128_pd256(lo), hi, 1)
        }
    }
    /// `p[0], p[4], p[2], p[6]`; `p + 3` rather than `p + 4` reads nothing
    /// past `p + 6`.
    #[inline(always)]
    unsafe fn load_step2(p: *const f64) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm256_shuffle_pd::<0b1010>(_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(3))) }
    }
    #[inline(always)]
    unsafe fn in_order(v: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_permute4x64_pd::<0xD8>(v) }
    }
    #[inline(always)]
    unsafe fn gather(e: impl Fn(usize) -> f64) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_setr_pd(e(0), e(1), e(2), e(3)) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Lanes for Sse2 {
    type E = f64;
    type V = std::arch::x86_64::__m128d;
    const N: usize = 2;
    one_intrinsic_each!(f64, _mm_set1_pd, _mm_sub_pd, _mm_add_pd, _mm_mul_pd, _mm_div_pd, _mm_stream_pd, _mm_storeu_pd);
    #[inline(always)]
    unsafe fn load<const UNIT: bool>(p: *const f64, s: isize) -> Self::V {
        use std::arch::x86_64::*;
        unsafe {
            if UNIT {
                return _mm_loadu_pd(p);
            }
            _mm_loadh_pd(_mm_load_sd(p), p.offset(s))
        }
    }
    #[inline(always)]
    unsafe fn gather(e: impl Fn(usize) -> f64) -> Self::V {
        unsafe { std::arch::x86_64::_mm_setr_pd(e(0), e(1)) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Lanes for AvxF32 {
    type E = f32;
    type V = std::arch::x86_64::__m256;
    const N: usize = 8;
    one_intrinsic_each!(f32, _mm256_set1_ps, _mm256_sub_ps, _mm256_add_ps, _mm256_mul_ps, _mm256_div_ps, _mm256_stream_ps, _mm256_storeu_ps);
    #[inline(always)]
    unsafe fn load<const UNIT: bool>(p: *const f32, s: isize) -> Self::V {
        use std::arch::x86_64::*;
        unsafe {
            if UNIT {
                return _mm256_loadu_ps(p);
            }
            let e = |i: isize| *p.offset(i * s);
            _mm256_setr_ps(e(0), e(1), e(2), e(3), e(4), e(5), e(6), e(7))
        }
    }
    /// Elements 0, 1, 4, 5, 2, 3, 6, 7 of the eight (the pairs in
    /// `Avx::load_step2`'s order); `p + 7` reads nothing past `p + 14`.
    #[inline(always)]
    unsafe fn load_step2(p: *const f32) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm256_shuffle_ps::<0b11_01_10_00>(_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(7))) }
    }
    #[inline(always)]
    unsafe fn in_order(v: Self::V) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm256_castpd_ps(_mm256_permute4x64_pd::<0xD8>(_mm256_castps_pd(v))) }
    }
    #[inline(always)]
    unsafe fn gather(e: impl Fn(usize) -> f32) -> Self::V {
        unsafe { std::arch::x86_64::_mm256_setr_ps(e(0), e(1), e(2), e(3), e(4), e(5), e(6), e(7)) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Lanes for Sse2F32 {
    type E = f32;
    type V = std::arch::x86_64::__m128;
    const N: usize = 4;
    one_intrinsic_each!(f32, _mm_set1_ps, _mm_sub_ps, _mm_add_ps, _mm_mul_ps, _mm_div_ps, _mm_stream_ps, _mm_storeu_ps);
    #[inline(always)]
    unsafe fn load<const UNIT: bool>(p: *const f32, s: isize) -> Self::V {
        use std::arch::x86_64::*;
        unsafe {
            if UNIT {
                return _mm_loadu_ps(p);
            }
            let e = |i: isize| *p.offset(i * s);
            _mm_setr_ps(e(0), e(1), e(2), e(3))
        }
    }
    #[inline(always)]
    unsafe fn gather(e: impl Fn(usize) -> f32) -> Self::V {
        unsafe { std::arch::x86_64::_mm_setr_ps(e(0), e(1), e(2), e(3)) }
    }
}

/// Vectors of consecutive elements moved by one element across two
/// vectors, for the loops that load each input vector once for two uses.
#[cfg(target_arch = "x86_64")]
pub(crate) trait Shifts: Lanes {
    /// Elements `1..=N` of `a` followed by `b`: `a[1..], b[0]`.
    unsafe fn after(a: Self::V, b: Self::V) -> Self::V;
    /// Elements `N - 1..2N - 1` of `a` followed by `b`: `a[N - 1], b[..N - 1]`.
    unsafe fn before(a: Self::V, b: Self::V) -> Self::V;
}

/// Vectors of consecutive elements moved by two elements across two
/// vectors (`shifted_diff_lanes`), for the 128-bit types: on 256 bits that
/// takes a shuffle across the vector's halves (see there). Their streamed
/// stores come out in the legacy SSE encoding even inside `with_avx2`
/// (seen in the disassembly): free on AMD's Zen, but a penalty on Intel
/// CPUs while 256-bit loops have left the registers' upper halves in use,
/// one more reason this stays off Intel.
#[cfg(target_arch = "x86_64")]
pub(crate) trait ShiftsBy2: Lanes {
    /// Elements `2..N + 2` of `a` followed by `b`: `a[2..], b[..2]`.
    unsafe fn after2(a: Self::V, b: Self::V) -> Self::V;
}

#[cfg(target_arch = "x86_64")]
impl ShiftsBy2 for Sse2 {
    #[inline(always)]
    unsafe fn after2(_: Self::V, b: Self::V) -> Self::V {
        b
    }
}

#[cfg(target_arch = "x86_64")]
impl ShiftsBy2 for Sse2F32 {
    #[inline(always)]
    unsafe fn after2(a: Self::V, b: Self::V) -> Self::V {
        unsafe { std::arch::x86_64::_mm_shuffle_ps::<0b01_00_11_10>(a, b) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Shifts for Avx {
    #[inline(always)]
    unsafe fn after(a: Self::V, b: Self::V) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm256_permute4x64_pd::<0b00_11_10_01>(_mm256_blend_pd::<0b0001>(a, b)) }
    }
    #[inline(always)]
    unsafe fn before(a: Self::V, b: Self::V) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm256_permute4x64_pd::<0b10_01_00_11>(_mm256_blend_pd::<0b1000>(b, a)) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Shifts for AvxF32 {
    #[inline(always)]
    unsafe fn after(a: Self::V, b: Self::V) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm256_permutevar8x32_ps(_mm256_blend_ps::<0b0000_0001>(a, b), _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 0)) }
    }
    #[inline(always)]
    unsafe fn before(a: Self::V, b: Self::V) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm256_permutevar8x32_ps(_mm256_blend_ps::<0b1000_0000>(b, a), _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6)) }
    }
}

/// `out_along[j]`, the row axis at column `c = cols.start + j` of the row
/// `here` (`scaled_diff(here[c + 1], here[c - 1], wa)`), and
/// `out_across[j]`, an outer axis at that column from `ahead` and `here`
/// (`scaled_diff(ahead[c], here[c], wc)`), in one loop that loads each
/// vector of `here` once for both. The whole cache lines of both are
/// streamed from registers (`fence` is then due); they must sit alike
/// against cache lines.
pub(crate) fn strided_diff_pair<E: Float>(
    out_along: &mut [E],
    out_across: &mut [E],
    here: ArrayView1<'_, E>,
    ahead: ArrayView1<'_, E>,
    cols: Range<usize>,
    (wa, da): (E, bool),
    (wc, dc): (E, bool),
) {
    let n = cols.len();
    assert!(out_along.len() == n && out_across.len() == n && cols.start >= 1 && cols.end < here.len() && ahead.len() == here.len(), "strided_diff_pair: lengths");
    assert_eq!(out_along.as_ptr().align_offset(64), out_across.as_ptr().align_offset(64), "strided_diff_pair: outputs sit differently");
    let c0 = cols.start;
    let body = vector_body(out_along, true);
    #[cfg(target_arch = "x86_64")]
    let body = if avx2() {
        let (a, b) = (&mut out_along[body.clone()], &mut out_across[body.clone()]);
        // SAFETY: `here` and `ahead` are array views as long as each other,
        // `c0 >= 1` and `c0 + body.end <= cols.end < here.len()`; `a` and
        // `b` are as long, whole cache lines (`vector_body`, and the
        // outputs sit alike), so whole aligned vectors; `avx2()` has
        // checked the CPU; `UNIT` only with stride 1.
        unsafe {
            if here.strides()[0] == 1 && ahead.strides()[0] == 1 {
                with_avx2(#[inline(always)] || pair_lanes::<E::Avx, true>(a, b, here, ahead, c0 + body.start, (wa, da), (wc, dc)));
            } else if here.strides()[0] == 2 && ahead.strides()[0] == 2 {
                with_avx2(#[inline(always)] || step2_pair_lanes::<E::Avx>(a, b, here.as_ptr(), ahead.as_ptr(), c0 + body.start, (wa, da), (wc, dc)));
            } else {
                with_avx2(#[inline(always)] || pair_lanes::<E::Avx, false>(a, b, here, ahead, c0 + body.start, (wa, da), (wc, dc)));
            }
        }
        body
    } else {
        0..0
    };
    for j in (0..body.start).chain(body.end..n) {
        let c = c0 + j;
        out_along[j] = scaled_diff(here[c + 1], here[c - 1], wa, da);
        out_across[j] = scaled_diff(ahead[c], here[c], wc, dc);
    }
}

/// The vector part of `strided_diff_pair` from column `c0` on. The row
/// axis shifts its neighbours out of the vectors loaded for the outer axis
/// even for contiguous rows: two more unaligned loads per vector took
/// 1.03-1.07x the time on 4096^2 float64 on the Intel test machine.
///
/// # Safety
/// `a` and `b` are as long, a multiple of `L::N`, aligned to the vector;
/// `here` and `ahead` are as long, with `c0 >= 1` and `c0 + a.len() <
/// here.len()`, and stride 1 if `UNIT`; the CPU has `L`'s instructions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn pair_lanes<L: Shifts, const UNIT: bool>(a: &mut [L::E], b: &mut [L::E], here: ArrayView1<'_, L::E>, ahead: ArrayView1<'_, L::E>, c0: usize, (wa, da): (L::E, bool), (wc, dc): (L::E, bool)) {
    let (h, sh, x, sx) = (here.as_ptr(), here.strides()[0], ahead.as_ptr(), ahead.strides()[0]);
    let len = here.len();
    let n = L::N;
    // SAFETY: every vector loaded is `N` columns inside `0..len` of `here`
    // or `ahead` (each in one allocation): `c0 - 1` and, for each vector
    // `c` (`c + N <= c0 + a.len() < len`), `c`, `c + 1` and, where it fits,
    // `c + N`; each store is one aligned vector of `a` or `b`; the CPU has
    // `L`'s instructions.
    unsafe {
        let (wav, wcv) = (L::splat(wa), L::splat(wc));
        let at = |c: usize| L::load::<UNIT>(h.offset(c as isize * sh), sh);
        let mut cur = at(c0);
        let mut before = at(c0 - 1);
        for ((c, oa), ob) in (c0..).step_by(n).zip(a.chunks_exact_mut(n)).zip(b.chunks_exact_mut(n)) {
            let (after, next) = if c + 2 * n <= len {
                let next = at(c + n);
                (L::after(cur, next), next)
            } else {
                (at(c + 1), cur)
            };
            L::store(oa.as_mut_ptr(), scaled_diff_lanes::<L>(after, before, wav, da), true);
            L::store(ob.as_mut_ptr(), scaled_diff_lanes::<L>(L::load::<UNIT>(x.offset(c as isize * sx), sx), cur, wcv, dc), true);
            before = L::before(cur, next);
            cur = next;
        }
    }
}

/// `pair_lanes` for rows of every other sample (strides of 2), each
/// vector loaded in `load_step2`'s order and put back in order once, for
/// its store. The row axis loads its neighbours apart rather than shifting
/// them, which would take a shuffle across the vector's halves. On the
/// AMD test machine, in hand-written C, both axes of every other column of
/// 4096^2 float64 took 29.2 ms this way, 28.8 with the shifts (float64
/// only), and 31.8 one axis after the other.
///
/// # Safety
/// `a` and `b` are as long, a multiple of `L::N`, aligned to the vector;
/// `h` and `x` point to rows of `len` samples 2 apart, each in one
/// allocation, with `c0 >= 1` and `c0 + a.len() < len`; the CPU has `L`'s
/// instructions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn step2_pair_lanes<L: Lanes>(a: &mut [L::E], b: &mut [L::E], h: *const L::E, x: *const L::E, c0: usize, (wa, da): (L::E, bool), (wc, dc): (L::E, bool)) {
    // SAFETY: every vector loaded is `N` samples inside columns `c0 - 1..c0
    // + a.len() + 1` of one row (`c + N <= c0 + a.len()`); each store is
    // one aligned vector of `a` or `b`; the CPU has `L`'s instructions.
    unsafe {
        let (wav, wcv) = (L::splat(wa), L::splat(wc));
        let at = |row: *const L::E, c: usize| L::load_step2(row.add(2 * c));
        // Each vector reads one cache line of each row (for the AVX types).
        // `here` was read as `ahead` two rows before, and is still in cache.
        let ahead = AHEAD / size_of::<L::E>();
        for ((c, oa), ob) in (c0..).step_by(L::N).zip(a.chunks_exact_mut(L::N)).zip(b.chunks_exact_mut(L::N)) {
            prefetch_at(x.wrapping_add(2 * c + ahead));
            L::store(oa.as_mut_ptr(), L::in_order(scaled_diff_lanes::<L>(at(h, c + 1), at(h, c - 1), wav, da)), true);
            L::store(ob.as_mut_ptr(), L::in_order(scaled_diff_lanes::<L>(at(x, c), at(h, c), wcv, dc)), true);
        }
    }
}

/// The vector part of `strided_diff`, `L::N` at a time, from the last
/// vector back to the first if `backwards` (see there).
///
/// # Safety
/// `next` and `prev` have at least `out.len()` elements, each in one
/// allocation, and stride 1 if `UNIT`; `out.len()` is a multiple of
/// `L::N`; `out` is aligned to the vector if `stream`; the CPU has `L`'s
/// instructions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn strided_diff_lanes<L: Lanes, const UNIT: bool>(
    out: &mut [L::E],
    next: ArrayView1<'_, L::E>,
    prev: ArrayView1<'_, L::E>,
    w: L::E,
    divide: bool,
    stream: bool,
    backwards: bool,
) {
    let (x, sx, p, sp) = (next.as_ptr(), next.strides()[0], prev.as_ptr(), prev.strides()[0]);
    // SAFETY: the CPU has `L`'s instructions.
    let wv = unsafe { L::splat(w) };
    if !UNIT && sx == 2 && sp == 2 {
        each_chunk(out, L::N, backwards, #[inline(always)] |j, o| {
            let at = |q: *const L::E| q.wrapping_add(2 * j);
            // SAFETY: elements `j..j + L::N` of `next` and `prev` exist,
            // 2 apart, and `load_step2` reads from the first of them to the
            // last; `o` is `L::N` elements, aligned if `stream`.
            unsafe { L::store(o.as_mut_ptr(), L::in_order(scaled_diff_lanes::<L>(L::load_step2(at(x)), L::load_step2(at(p)), wv, divide)), stream) };
        });
        return;
    }
    each_chunk(out, L::N, backwards, #[inline(always)] |j, o| {
        let j = j as isize;
        // SAFETY: elements `j..j + L::N` of `next` and `prev` exist (see the
        // function's contract); `o` is `L::N` elements, aligned if `stream`.
        unsafe { L::store(o.as_mut_ptr(), scaled_diff_lanes::<L>(L::load::<UNIT>(x.offset(j * sx), sx), L::load::<UNIT>(p.offset(j * sp), sp), wv, divide), stream) };
    });
}

/// `out[j] = scaled_diff(p[j + 2], p[j])` for every `j`, forwards, each
/// vector of `p` loaded once: as the upper operand of one vector and, by
/// `after2`, of the one before. Loading `p[j + 2..]` apart, as
/// `strided_diff_lanes` does, puts each load a few bytes past the store
/// just made when `out` sits like `p` one element on (a lane's interior,
/// outputs laid out like the input): 4K aliasing (`backwards`), which no
/// direction avoids. On the AMD test machine, in hand-written C over 10^7
/// float64, that took 28 ms, the store's buffer 9.7, this 8.5 and a
/// streamed copy 7.3. In 128-bit vectors (`ShiftsBy2`) it took 7.4 ms
/// against 7.9 in 256-bit ones, whose shift (`vperm2f128`) is microcoded
/// there.
///
/// # Safety
/// `p` points to `out.len() + 2` elements of one allocation; `out.len()` is
/// a multiple of `L::N` and `out` is aligned to the vector; the CPU has
/// `L`'s instructions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn shifted_diff_lanes<L: ShiftsBy2>(out: &mut [L::E], p: *const L::E, w: L::E, divide: bool) {
    let n = out.len();
    if n == 0 {
        return;
    }
    // SAFETY: every load is `L::N` elements inside `p[..n + 2]` (`n >= N`);
    // each store is one aligned vector of `out`; the CPU has `L`'s
    // instructions.
    unsafe {
        let wv = L::splat(w);
        // The last vector apart: its `next` would reach past `p[n + 2]`.
        let (body, last) = out.split_at_mut(n - L::N);
        let mut cur = L::load::<true>(p, 1);
        for (j, o) in (0..).step_by(L::N).zip(body.chunks_exact_mut(L::N)) {
            let next = L::load::<true>(p.add(j + L::N), 1);
            L::store(o.as_mut_ptr(), scaled_diff_lanes::<L>(L::after2(cur, next), cur, wv, divide), true);
            cur = next;
        }
        L::store(last.as_mut_ptr(), scaled_diff_lanes::<L>(L::load::<true>(p.add(n - L::N + 2), 1), cur, wv, divide), true);
    }
}

/// Runs `step(j, o)` for each chunk `o` of `size` elements of `out` in
/// turn, `j` being the index of its first element, from the last chunk
/// back to the first if `backwards`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn each_chunk<E>(out: &mut [E], size: usize, backwards: bool, mut step: impl FnMut(usize, &mut [E])) {
    let chunks = out.chunks_exact_mut(size).enumerate();
    if backwards {
        for (k, o) in chunks.rev() {
            step(k * size, o);
        }
    } else {
        for (k, o) in chunks {
            step(k * size, o);
        }
    }
}

/// Whether a loop that streams `out` from registers, each vector right
/// after loading the same elements of `inputs`, should run backwards.
/// A load waits for every earlier store still queued whose address has
/// the same low 12 bits (4K aliasing), and a streamed store stays queued
/// long: forwards, an output a little above an input (modulo 4 KiB) puts
/// each of its stores in the way of the next loads. On the AMD test
/// machine, in hand-written C, `(next - prev) * 0.5` streamed over 4096^2
/// float64 took 3.5x the time with the output 32 bytes above the inputs,
/// 1.6x at 64 bytes, 1.1x at 128; backwards it took the time it takes
/// with no offset, and the mirror image held below the inputs. So the
/// loop runs in the direction that keeps its nearest input furthest.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
fn backwards<E>(out: *const E, inputs: &[*const E]) -> bool {
    const PAGE: usize = 4096;
    let (mut above, mut below) = (PAGE, PAGE);
    for &input in inputs {
        let d = (out as usize).wrapping_sub(input as usize) % PAGE;
        if d != 0 {
            above = above.min(d);
            below = below.min(PAGE - d);
        }
    }
    above < below
}

/// The vector part of `streamed_comb`, `L::N` at a time.
///
/// # Safety
/// All four are as long, a multiple of `L::N`; `out` aligned to the vector;
/// the CPU has `L`'s instructions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn streamed_comb_lanes<L: Lanes<E = f64>>(out: &mut [f64], c: [f64; 3], p: &[f64], h: &[f64], x: &[f64]) {
    // SAFETY: the CPU has `L`'s instructions.
    let (a, b, c) = unsafe { (L::splat(c[0]), L::splat(c[1]), L::splat(c[2])) };
    let backwards = backwards(out.as_ptr(), &[p.as_ptr(), h.as_ptr(), x.as_ptr()]);
    each_chunk(out, L::N, backwards, #[inline(always)] |j, o| {
        // SAFETY: elements `j..j + L::N` of `p`, `h` and `x` exist (they
        // are as long as `out`); `o` is `L::N` aligned elements.
        unsafe {
            let (pj, hj, xj) = (L::load::<true>(p.as_ptr().add(j), 1), L::load::<true>(h.as_ptr().add(j), 1), L::load::<true>(x.as_ptr().add(j), 1));
            L::store(o.as_mut_ptr(), L::add(L::add(L::mul(a, pj), L::mul(b, hj)), L::mul(c, xj)), true);
        }
    });
}

/// # Safety
/// `d.len() == s.len()`, a multiple of 32; `d` 32-byte aligned; AVX present.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn stream_avx(d: &mut [u8], s: &[u8]) {
    use std::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_stream_si256};
    let backwards = backwards(d.as_ptr(), &[s.as_ptr()]);
    each_chunk(d, 32, backwards, #[inline(always)] |j, d| {
        // SAFETY: 32 readable bytes at `s + j`, 32 writable aligned bytes at `d`.
        unsafe { _mm256_stream_si256(d.as_mut_ptr().cast::<__m256i>(), _mm256_loadu_si256(s.as_ptr().add(j).cast::<__m256i>())) };
    });
}

/// # Safety
/// `d.len() == s.len()`, a multiple of 16; `d` 16-byte aligned.
#[cfg(target_arch = "x86_64")]
unsafe fn stream_sse2(d: &mut [u8], s: &[u8]) {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
    let backwards = backwards(d.as_ptr(), &[s.as_ptr()]);
    each_chunk(d, 16, backwards, #[inline(always)] |j, d| {
        // SAFETY: 16 readable bytes at `s + j`, 16 writable aligned bytes at `d`.
        unsafe { _mm_stream_si128(d.as_mut_ptr().cast::<__m128i>(), _mm_loadu_si128(s.as_ptr().add(j).cast::<__m128i>())) };
    });
}

#[cfg(test)]
mod tests {
    /// Run once as is and once with `GRADIENT_CPU=baseline` (the test
    /// script does both), so that each run checks the setting took effect.
    #[test]
    fn instruction_set_follows_the_cpu_and_the_environment() {
        let baseline = std::env::var_os("GRADIENT_CPU").is_some_and(|v| v == "baseline");
        #[cfg(target_arch = "x86_64")]
        let expected = if !baseline && std::is_x86_feature_detected!("avx2") { "avx2" } else { "baseline" };
        #[cfg(not(target_arch = "x86_64"))]
        let expected = "baseline";
        assert_eq!(super::instruction_set(), expected);
    }

    /// Elements enough for an output of up to 256 elements anywhere in a
    /// 4 KiB page (`placed`).
    const PAGE_AND_MORE: usize = 4096 / 4 + 256 + 64;

    /// `start` plus a whole number of cache lines into `mem`: where an
    /// output streamed from `inputs` runs backwards, or forwards, as asked
    /// (`super::backwards`), so that the tests reach both directions.
    fn placed<E>(mem: &[E], start: usize, inputs: &[*const E], backwards: bool) -> usize {
        let line = 64 / size_of::<E>();
        let at = (0..4096 / 64).map(|k| start + k * line).find(|&at| super::backwards(mem[at..].as_ptr(), inputs) == backwards);
        at.expect("a page holds outputs on either side of every input")
    }

    /// The direction keeps the stores away from the loads that come after
    /// them: backwards only when the output sits closer above an input
    /// than below one (modulo 4 KiB), never for an output at an input's
    /// own offset.
    #[test]
    fn backwards_when_an_input_is_just_below() {
        let at = |a: usize| a as *const f64;
        assert!(super::backwards(at(0x10_0020), &[at(0x20_0000)]));
        assert!(!super::backwards(at(0x10_0000), &[at(0x20_0020)]));
        assert!(!super::backwards(at(0x10_0010), &[at(0x20_0010), at(0x7f_0010)]));
        assert!(super::backwards(at(0x10_0040), &[at(0x20_0010), at(0x20_0000)]));
        assert!(!super::backwards(at(0x10_0040), &[at(0x20_0010), at(0x20_0060)]));
        assert!(super::backwards(at(0x10_0800 - 8), &[at(0)]));
        assert!(!super::backwards(at(0x10_0800 + 8), &[at(0)]));
    }

    /// Every length and output offset around a cache line, with unit,
    /// wider and negative strides, lanes' interiors among them, on both
    /// copies, float64 and float32:
    /// the scalar formulas' bits, and nothing written outside the output.
    #[test]
    fn strided_diff_is_the_scalar_formula() {
        strided_diff_matches(|x: f64| x, f64::to_bits);
        strided_diff_matches(|x: f64| x as f32, |x| u64::from(x.to_bits()));
    }

    /// `strided_diff_is_the_scalar_formula` for the type that `of` makes.
    fn strided_diff_matches<E: super::Float>(of: impl Fn(f64) -> E, bits: impl Fn(E) -> u64) {
        use ndarray::{s, ArrayView1};
        let src: Vec<E> = (0..400).map(|i| of(f64::from((i * 37) % 101) * 0.37 - 11.0)).collect();
        let a = ArrayView1::from(&src[..]);
        let nan = of(f64::NAN);
        // `next` two on from `prev` is a lane's interior (`shifted_diff_lanes`).
        for (step, gap) in [1, 2, 3, -1, -2].into_iter().flat_map(|step| [(step, 5), (step, 2)]) {
            for len in [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64] {
                let (next, prev) = (a.slice(s![gap..; step]), a.slice(s![..; step]));
                let (next, prev) = (next.slice(s![..len]), prev.slice(s![..len]));
                for (start, backwards) in (0..16).flat_map(|start| [(start, false), (start, true)]) {
                    for (w, divide) in [(0.5, false), (3.0, true)] {
                        let w = of(w);
                        for stream in [false, true] {
                            let mut out = vec![nan; PAGE_AND_MORE];
                            let start = placed(&out, start, &[next.as_ptr(), prev.as_ptr()], backwards);
                            super::strided_diff(&mut out[start..start + len], next, prev, w, divide, stream);
                            super::fence();
                            for (i, &o) in out.iter().enumerate() {
                                let want = match i.checked_sub(start).filter(|&j| j < len) {
                                    Some(j) if divide => (next[j] - prev[j]) / w,
                                    Some(j) => (next[j] - prev[j]) * w,
                                    None => nan,
                                };
                                assert_eq!(bits(o), bits(want), "step {step}, gap {gap}, len {len}, start {start}, index {i}");
                            }
                        }
                    }
                }
            }
        }
    }

    /// The 128-bit lane interior, which `strided_diff` takes only off
    /// Intel CPUs, called directly so that every machine tests it: every
    /// whole number of vectors up to 64 elements, at every aligned place
    /// in a cache line, float64 and float32: the scalar formulas' bits,
    /// and nothing written outside the output.
    #[test]
    fn shifted_diff_is_the_scalar_formula() {
        shifted_diff_matches::<super::Sse2>(|x: f64| x, f64::to_bits);
        shifted_diff_matches::<super::Sse2F32>(|x: f64| x as f32, |x| u64::from(x.to_bits()));
    }

    /// `shifted_diff_is_the_scalar_formula` for `L`, whose elements `of`
    /// makes.
    fn shifted_diff_matches<L: super::ShiftsBy2>(of: impl Fn(f64) -> L::E, bits: impl Fn(L::E) -> u64)
    where
        L::E: super::Float,
    {
        let src: Vec<L::E> = (0..80).map(|i| of(f64::from((i * 37) % 101) * 0.37 - 11.0)).collect();
        let nan = of(f64::NAN);
        for len in (0..=64).step_by(L::N) {
            for start in (0..64 / size_of::<L::E>()).step_by(L::N) {
                for (w, divide) in [(of(0.5), false), (of(3.0), true)] {
                    let mut out = vec![nan; 160];
                    let at = out.as_ptr().align_offset(64) + start;
                    // SAFETY: `src` holds `len + 2` elements; `out[at..]` is
                    // aligned to the vector and `len` a whole number of
                    // them; SSE2 is part of x86_64.
                    unsafe { super::shifted_diff_lanes::<L>(&mut out[at..at + len], src.as_ptr(), w, divide) };
                    super::fence();
                    for (i, &o) in out.iter().enumerate() {
                        let want = i.checked_sub(at).filter(|&j| j < len).map_or(nan, |j| super::scaled_diff(src[j + 2], src[j], w, divide));
                        assert_eq!(bits(o), bits(want), "len {len}, start {start}, index {i}");
                    }
                }
            }
        }
    }

    /// `strided_diff_pair` as two scalar formulas, float64 and float32:
    /// every stride of `strided_diff_is_the_scalar_formula`, column ranges
    /// that start at 1 or further in and end at the row's last column or
    /// before it, both outputs at every offset in a line (alike), and
    /// nothing written outside them.
    #[test]
    fn strided_diff_pair_is_two_scalar_formulas() {
        strided_diff_pair_matches(|x: f64| x, f64::to_bits);
        strided_diff_pair_matches(|x: f64| x as f32, |x| u64::from(x.to_bits()));
    }

    /// `strided_diff_pair_is_two_scalar_formulas` for the type that `of`
    /// makes.
    fn strided_diff_pair_matches<E: super::Float>(of: impl Fn(f64) -> E, bits: impl Fn(E) -> u64) {
        use ndarray::{s, ArrayView1};
        let src: Vec<E> = (0..600).map(|i| of(f64::from((i * 37) % 101) * 0.37 - 11.0)).collect();
        let a = ArrayView1::from(&src[..]);
        let nan = of(f64::NAN);
        for step in [1, 2, 3, -1, -2] {
            for len in [3, 4, 9, 17, 33, 40, 65, 80] {
                let (here, ahead) = (a.slice(s![3..; step]), a.slice(s![..; step]));
                let (here, ahead) = (here.slice(s![..len]), ahead.slice(s![..len]));
                for cols in [1..len - 1, 1..len - 2, 3..len - 1, 2..len / 2 + 1] {
                    for start in 0..16 {
                        let (wa, wc) = ((of(0.5), false), (of(3.0), true));
                        let (mut along, mut across) = (vec![nan; 128], vec![nan; 128]);
                        let n = cols.len();
                        // Both buffers start alike in their first line.
                        let sa = along.as_ptr().align_offset(64) + start;
                        let sc = across.as_ptr().align_offset(64) + start;
                        super::strided_diff_pair(&mut along[sa..sa + n], &mut across[sc..sc + n], here, ahead, cols.clone(), wa, wc);
                        super::fence();
                        for i in 0..128_usize {
                            let c = |from: usize| i.checked_sub(from).filter(|&j| j < n).map(|j| cols.start + j);
                            let want = c(sa).map_or(nan, |c| (here[c + 1] - here[c - 1]) * wa.0);
                            assert_eq!(bits(along[i]), bits(want), "along: step {step}, len {len}, cols {cols:?}, start {start}, index {i}");
                            let want = c(sc).map_or(nan, |c| (ahead[c] - here[c]) / wc.0);
                            assert_eq!(bits(across[i]), bits(want), "across: step {step}, len {len}, cols {cols:?}, start {start}, index {i}");
                        }
                    }
                }
            }
        }
    }

    /// Every length and output offset around a cache line, on both copies:
    /// numpy's unfused weighted sum bit for bit (the data makes a fused
    /// multiply-add or another order round differently), and nothing
    /// written outside the output.
    #[test]
    fn streamed_comb_is_the_scalar_formula() {
        let src: Vec<f64> = (0..200).map(|i| f64::from((i * 37) % 101) * 0.37 - 11.0 + 1e-9 * f64::from(i)).collect();
        let c = [-0.7310585786300049, 0.1192029220221176, 0.6118556566078873];
        for len in [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64] {
            let (p, h, x) = (&src[..len], &src[1..=len], &src[2..len + 2]);
            for (start, backwards) in (0..8).flat_map(|start| [(start, false), (start, true)]) {
                let mut out = vec![f64::NAN; PAGE_AND_MORE];
                let start = placed(&out, start, &[p.as_ptr(), h.as_ptr(), x.as_ptr()], backwards);
                super::streamed_comb(&mut out[start..start + len], c, p, h, x);
                super::fence();
                for (i, o) in out.iter().enumerate() {
                    let want = match i.checked_sub(start).filter(|&j| j < len) {
                        Some(j) => c[0] * p[j] + c[1] * h[j] + c[2] * x[j],
                        None => f64::NAN,
                    };
                    assert_eq!(o.to_bits(), want.to_bits(), "len {len}, start {start}, index {i}");
                }
            }
        }
    }

    /// Every length and destination offset around the vector width, on
    /// both copies (the test script also runs with `GRADIENT_CPU=baseline`).
    #[test]
    fn stream_copies_every_byte_and_nothing_else() {
        let src: Vec<f64> = (0..300).map(|i| i as f64 * 1.5 - 7.0).collect();
        for (start, backwards) in (0..8).flat_map(|start| [(start, false), (start, true)]) {
            for len in [0, 1, 3, 4, 5, 8, 17, 64, 255] {
                let mut dst = vec![f64::NAN; PAGE_AND_MORE];
                let start = placed(&dst, start, &[src.as_ptr()], backwards);
                super::stream(&mut dst[start..start + len], &src[..len]);
                super::fence();
                for (i, d) in dst.iter().enumerate() {
                    let want = if (start..start + len).contains(&i) { src[i - start] } else { f64::NAN };
                    assert_eq!(d.to_bits(), want.to_bits(), "start {start}, len {len}, index {i}");
                }
            }
        }
    }
}
