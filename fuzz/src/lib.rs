//! The harness shared by the fuzz targets.
//!
//! One fuzz input becomes one call of the C ABI (`gradient_f64`,
//! `gradient_f32`, `gradient_c128`, `gradient_c64` or `gradient_dtype`, as
//! C would make it, with raw pointers) with an arbitrary `ndim` (0, > 64
//! included), shape, input and output strides (positive, negative, zero,
//! huge), spacing (steps 0, NaN, inf; coordinates repeated, NaN, uniform or
//! not), axis mask (bits >= ndim included), edge order (0..4 and beyond), end
//! rules, dtype tag (invalid ones included), NULL pointers, misaligned
//! pointers, and outputs that overlap the input, each other or the
//! coordinates, or interleave (`gx`, `gy` at offsets 0 and 1 with stride 2).
//!
//! All arrays live in one arena with guard zones, so that every layout is
//! possible and every byte can be checked afterwards. The harness never hands
//! the library a layout that reaches outside the arena unless the call must be
//! refused before memory is touched (an extent that overflows or wraps, or an
//! earlier argument error): it predicts the status from the documented
//! validation order (include/gradient.h, src/ffi/call.rs), from its own
//! arithmetic of extents (in i128), and from its own overlap computation
//! (byte by byte), and skips inputs whose outcome it cannot make safe.
//!
//! After the call:
//! - the status must be the predicted one (an output layout that the library
//!   may conservatively refuse as overlapping allows GRADIENT_OVERLAP too);
//!   GRADIENT_INTERNAL_ERROR (a caught panic) is always a failure;
//! - on error, not one byte of the arena (input, outputs, coordinates,
//!   guards) has changed, and the `GradientError` agrees with the status;
//! - on success, every output element equals an independent reference written
//!   from /work/shared/SEMANTICS.md and numpy's loops, lane by lane, bit for
//!   bit (a NaN matches any NaN, per component), and every other byte of the
//!   arena (the input included) is unchanged.
//! AddressSanitizer, which instruments the library too, catches any access
//! outside the arena, the exact-size `shape`/`strides`/`axes`/`out` arrays
//! and the one-element coordinate arrays given for unselected axes.

use std::ffi::c_void;
use std::ptr;

use arbitrary::Unstructured;
use gradient::ffi::{self, GradientAxis, GradientError, GradientStatus};

/// Which C functions a fuzz target calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `gradient_f64` only.
    F64,
    /// `gradient_f32` only.
    F32,
    /// `gradient_dtype` with every tag (valid or not), and the typed
    /// `gradient_f64/f32/c128/c64` entries.
    Dtype,
}

const OK: i32 = 0;
const NULL_POINTER: i32 = 1;
const BAD_NDIM: i32 = 2;
const BAD_AXIS: i32 = 3;
const BAD_EDGE_ORDER: i32 = 4;
const TOO_SMALL: i32 = 5;
const BAD_END: i32 = 6;
const OVERFLOW: i32 = 7;
const MISALIGNED: i32 = 8;
const OVERLAP: i32 = 9;
const BAD_DTYPE: i32 = 10;
const INTERNAL_ERROR: i32 = 11;
const NO_AXIS: u32 = u32::MAX;

/// Largest element count of a call the harness lets the library compute
/// (enough for the blocked and the multi-threaded paths, >= 65536).
const MAX_COUNT: usize = 1 << 17;
/// Largest arena, in bytes.
const MAX_ARENA: i128 = 1 << 24;
/// Every arena byte no array element covers starts as this.
const SENTINEL: u8 = 0xA5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Kind {
    F64 = 0,
    F32 = 1,
    C128 = 2,
    C64 = 3,
    I8 = 4,
    I16 = 5,
    I32 = 6,
    I64 = 7,
    U8 = 8,
    U16 = 9,
    U32 = 10,
    U64 = 11,
}

const KINDS: [Kind; 12] = [
    Kind::F64,
    Kind::F32,
    Kind::C128,
    Kind::C64,
    Kind::I8,
    Kind::I16,
    Kind::I32,
    Kind::I64,
    Kind::U8,
    Kind::U16,
    Kind::U32,
    Kind::U64,
];

impl Kind {
    fn size(self) -> usize {
        use Kind::*;
        match self {
            I8 | U8 => 1,
            I16 | U16 => 2,
            F32 | I32 | U32 => 4,
            F64 | I64 | U64 | C64 => 8,
            C128 => 16,
        }
    }
    fn align(self) -> usize {
        match self {
            Kind::C128 => 8,
            Kind::C64 => 4,
            k => k.size(),
        }
    }
    /// The output type numpy gives this input type.
    fn out(self) -> Kind {
        match self {
            Kind::F32 => Kind::F32,
            Kind::C128 => Kind::C128,
            Kind::C64 => Kind::C64,
            _ => Kind::F64,
        }
    }
}

/// The C entry point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    F64,
    F32,
    C128,
    C64,
    Dtype(i32),
}

// ---------------------------------------------------------------------------
// Decoding helpers. Exhausted input decodes as 0, which maps to common, valid
// choices everywhere.

fn byte(u: &mut Unstructured) -> u8 {
    u.arbitrary().unwrap_or(0)
}
fn word(u: &mut Unstructured) -> u64 {
    u.arbitrary().unwrap_or(0)
}
fn pick<T: Copy>(u: &mut Unstructured, items: &[T]) -> T {
    items[byte(u) as usize % items.len()]
}

/// Element and coordinate values: from the fuzz input while it lasts, then
/// from a generator seeded by it (large arrays would exhaust any input).
struct Values<'u, 'a> {
    u: &'u mut Unstructured<'a>,
    state: u64,
}

impl Values<'_, '_> {
    fn byte(&mut self) -> u8 {
        if !self.u.is_empty() {
            return byte(self.u);
        }
        (self.next() >> 56) as u8
    }
    fn bits(&mut self) -> u64 {
        if self.u.len() >= 8 {
            return word(self.u);
        }
        self.next()
    }
    fn next(&mut self) -> u64 {
        // splitmix64
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn small(&mut self) -> f64 {
        (self.byte() as i8 / 4) as f64
    }
    fn f64(&mut self) -> f64 {
        const SPECIAL: [f64; 16] = [
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            f64::MIN,
            1e308,
            0.1,
            1.0 / 3.0,
            -2.5,
            1e-300,
            9007199254740993.0,
        ];
        match self.byte() % 16 {
            0..=9 => self.small(),
            10 | 11 => SPECIAL[self.byte() as usize % SPECIAL.len()],
            12 => f64::from_bits(self.bits()),
            13 => self.small() * 0.1,
            _ => self.small() * self.small(),
        }
    }
    fn f32(&mut self) -> f32 {
        match self.byte() % 16 {
            12 => f32::from_bits(self.bits() as u32),
            10 => [f32::MAX, f32::MIN, f32::MIN_POSITIVE, 1e-45, 3.4e38, 0.1, 16777217.0][self.byte() as usize % 7],
            _ => self.f64() as f32,
        }
    }
    fn int(&mut self) -> u64 {
        match self.byte() % 8 {
            0..=4 => self.small() as i64 as u64,
            5 => [0, 1, u64::MAX, 1 << 63, (1 << 63) - 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]
                [self.byte() as usize % 14],
            _ => self.bits(),
        }
    }
    /// One element of `kind`, as its native bytes.
    fn element(&mut self, kind: Kind, out: &mut [u8]) {
        use Kind::*;
        match kind {
            F64 => out.copy_from_slice(&self.f64().to_ne_bytes()),
            F32 => out.copy_from_slice(&self.f32().to_ne_bytes()),
            C128 => {
                out[..8].copy_from_slice(&self.f64().to_ne_bytes());
                out[8..].copy_from_slice(&self.f64().to_ne_bytes());
            }
            C64 => {
                out[..4].copy_from_slice(&self.f32().to_ne_bytes());
                out[4..].copy_from_slice(&self.f32().to_ne_bytes());
            }
            _ => out.copy_from_slice(&self.int().to_ne_bytes()[..kind.size()]),
        }
    }
}

fn gen_step(u: &mut Unstructured) -> f64 {
    const STEPS: [f64; 20] = [
        1.0,
        2.0,
        0.5,
        0.1,
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1.0,
        3.0,
        1e-300,
        1e300,
        5e-324,
        f64::MAX,
        0.3,
        -0.25,
        1e-8,
        7.0,
        f64::MIN_POSITIVE,
    ];
    match byte(u) {
        0..=199 => STEPS[byte(u) as usize % STEPS.len()],
        200..=219 => (byte(u) as i8) as f64 / 8.0,
        _ => f64::from_bits(word(u)),
    }
}

fn gen_coords(v: &mut Values, n: usize) -> Vec<f64> {
    let mode = v.byte() % 8;
    let start = v.small();
    let step = match v.byte() % 4 {
        0 => 1.0,
        1 => 0.5,
        2 => 0.1,
        _ => v.small(),
    };
    let mut x = Vec::with_capacity(n);
    let mut acc = start;
    for i in 0..n {
        let value = match mode {
            // uniform (exactly equal steps when start and step are exact)
            0 | 1 => start + step * i as f64,
            // strictly increasing, unequal steps
            2 | 3 => {
                acc += 1.0 + (v.byte() % 4) as f64 * 0.5;
                acc
            }
            // repeated values: zero steps
            4 => (i / 2) as f64,
            // decreasing
            5 => start - step * i as f64,
            // anything, NaN and inf included
            _ => v.f64(),
        };
        x.push(value);
    }
    x
}

/// Strides (in elements) for `shape`: a permuted contiguous layout, padded,
/// some axes reversed, some replaced by zero, small or huge values.
fn gen_strides(u: &mut Unstructured, shape: &[usize]) -> Vec<isize> {
    let ndim = shape.len();
    let mut order: Vec<usize> = (0..ndim).rev().collect(); // innermost first: C order
    match byte(u) % 4 {
        1 => order.reverse(), // Fortran order
        2 => {
            for i in (1..ndim).rev() {
                let j = byte(u) as usize % (i + 1);
                order.swap(i, j);
            }
        }
        _ => {}
    }
    let mut strides = vec![0isize; ndim];
    let mut running: i128 = 1;
    for &k in &order {
        let pad = match byte(u) % 8 {
            6 => 2,
            7 => 3,
            _ => 1,
        };
        let s = (running * pad).min(isize::MAX as i128);
        strides[k] = s as isize;
        running = (s * shape[k].max(1) as i128).min(isize::MAX as i128);
    }
    const HUGE: [isize; 14] = [
        isize::MAX,
        isize::MIN,
        isize::MIN + 1,
        1 << 40,
        -(1 << 40),
        1 << 61,
        -(1 << 61),
        1 << 59,
        isize::MAX / 8,
        isize::MAX / 8 + 1,
        isize::MAX / 16 + 1,
        1 << 62,
        -(1 << 62),
        (1 << 44) + 3,
    ];
    for s in strides.iter_mut() {
        match byte(u) {
            0..=179 => {}
            180..=219 => *s = -*s,
            220..=229 => *s = 0,
            230..=244 => *s = (byte(u) as i8 / 8) as isize,
            _ => *s = pick(u, &HUGE),
        }
    }
    strides
}

// ---------------------------------------------------------------------------
// Layout arithmetic: the harness's own, in i128.

fn c_order(shape: &[usize]) -> Vec<isize> {
    let mut s = vec![0isize; shape.len()];
    let mut step: i128 = 1;
    for k in (0..shape.len()).rev() {
        s[k] = step.min(isize::MAX as i128) as isize;
        step *= shape[k].max(1) as i128;
        step = step.min(isize::MAX as i128);
    }
    s
}

/// `(lo, end)` in bytes relative to element zero, or None when a stride
/// times a length, a partial extent, or the byte extent leaves `isize`.
fn extent(shape: &[usize], strides: &[isize], elem: usize) -> Option<(i128, i128)> {
    let fits = |v: i128| v >= isize::MIN as i128 && v <= isize::MAX as i128;
    let (mut lo, mut hi) = (0i128, 0i128);
    for (&n, &s) in shape.iter().zip(strides) {
        let m = n as i128 - 1;
        if !fits(m) {
            return None;
        }
        let r = m * s as i128;
        if !fits(r) {
            return None;
        }
        let r = r * elem as i128;
        if !fits(r) {
            return None;
        }
        if r < 0 {
            lo += r;
        } else {
            hi += r;
        }
        if !fits(lo) || !fits(hi) {
            return None;
        }
    }
    let end = hi + elem as i128;
    if !fits(end) || !fits(hi - lo) {
        return None;
    }
    Some((lo, end))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Misaligned,
    Overflow,
    /// Inside the arena: `[lo, hi)` are offsets into it.
    Fits { lo: usize, hi: usize },
    /// Neither refused nor inside the arena: must never reach the library.
    Unsafe,
}

/// One strided array as the library will see it.
#[derive(Debug)]
struct Region {
    class: Class,
    /// Offset of element zero in the arena (meaningful when it fits).
    origin: usize,
    elem: usize,
    /// Byte offsets (from `origin`) of every element, C order.
    offsets: Vec<i128>,
    /// `(length, |stride| in bytes)`.
    axes: Vec<(usize, u128)>,
}

fn region(addr: usize, base: usize, len: usize, shape: &[usize], strides: &[isize], kind_size: usize, align: usize) -> Region {
    let axes = shape.iter().zip(strides).map(|(&n, &s)| (n, s.unsigned_abs() as u128 * kind_size as u128)).collect();
    let mut r = Region { class: Class::Unsafe, origin: addr.wrapping_sub(base), elem: kind_size, offsets: Vec::new(), axes };
    if addr % align != 0 {
        r.class = Class::Misaligned;
        return r;
    }
    let Some((lo, end)) = extent(shape, strides, kind_size) else {
        r.class = Class::Overflow;
        return r;
    };
    let (lo_addr, hi_addr) = (addr as i128 + lo, addr as i128 + end);
    if lo_addr <= 0 || hi_addr > usize::MAX as i128 {
        r.class = Class::Overflow;
        return r;
    }
    let count = shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n)).unwrap_or(usize::MAX);
    if lo_addr >= base as i128 && hi_addr <= (base + len) as i128 && count <= MAX_COUNT {
        r.class = Class::Fits { lo: (lo_addr - base as i128) as usize, hi: (hi_addr - base as i128) as usize };
        r.offsets = element_offsets(shape, strides, kind_size);
    }
    r
}

fn element_offsets(shape: &[usize], strides: &[isize], elem: usize) -> Vec<i128> {
    let count: usize = shape.iter().product();
    let mut offsets = Vec::with_capacity(count);
    let mut index = vec![0usize; shape.len()];
    let mut off: i128 = 0;
    for _ in 0..count {
        offsets.push(off * elem as i128);
        for k in (0..shape.len()).rev() {
            index[k] += 1;
            off += strides[k] as i128;
            if index[k] < shape[k] {
                break;
            }
            off -= strides[k] as i128 * shape[k] as i128;
            index[k] = 0;
        }
    }
    offsets
}

fn bitset(r: &Region, len: usize) -> Vec<u64> {
    let mut bits = vec![0u64; len / 64 + 1];
    for &o in &r.offsets {
        let a = (r.origin as i128 + o) as usize;
        for b in a..a + r.elem {
            bits[b / 64] |= 1 << (b % 64);
        }
    }
    bits
}

/// Whether two arrays (both inside the arena) share a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Share {
    /// They do: the library must refuse.
    Must,
    /// They do not, and the library's documented exact tests (disjoint byte
    /// ranges, or different residues modulo the gcd of all strides) see it.
    MustNot,
    /// They do not, but a conservative test may still refuse.
    Either,
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn share(a: &Region, b: &Region, len: usize) -> Share {
    let (Class::Fits { lo: alo, hi: ahi }, Class::Fits { lo: blo, hi: bhi }) = (a.class, b.class) else { unreachable!() };
    let (x, y) = (bitset(a, len), bitset(b, len));
    if x.iter().zip(&y).any(|(p, q)| p & q != 0) {
        return Share::Must;
    }
    if ahi <= blo || bhi <= alo {
        return Share::MustNot;
    }
    let g = a.axes.iter().chain(&b.axes).filter(|&&(n, _)| n > 1).fold(0u128, |g, &(_, s)| gcd(g, s));
    if g != 0 {
        let delta = (b.origin as i128 - a.origin as i128).rem_euclid(g as i128) as u128;
        if delta >= a.elem as u128 && g - delta >= b.elem as u128 {
            return Share::MustNot;
        }
    }
    Share::Either
}

/// Whether two indices of one (aligned) output map to the same element.
fn self_share(r: &Region) -> Share {
    let mut offs = r.offsets.clone();
    offs.sort_unstable();
    if offs.windows(2).any(|w| w[0] == w[1]) {
        return Share::Must;
    }
    // Axes that nest (each stride reaching past what the smaller ones span)
    // are certainly fine.
    let mut axes: Vec<(usize, u128)> = r.axes.iter().copied().filter(|&(n, _)| n > 1).collect();
    axes.sort_unstable_by_key(|&(_, s)| s);
    let mut reach = r.elem as u128;
    for (n, s) in axes {
        if s < reach {
            return Share::Either;
        }
        reach += s * (n as u128 - 1);
    }
    Share::MustNot
}

// ---------------------------------------------------------------------------
// The reference: SEMANTICS.md's formulas, per lane, with numpy's precision
// rules for each dtype and numpy's complex loops.

#[derive(Clone, Copy, Debug)]
enum Plan<'a> {
    /// A scalar step (a Python float: weak).
    Weak(f64),
    /// Coordinates with all steps equal: a float64 scalar (strong).
    Strong(f64),
    /// Steps of unequal coordinates.
    Steps(&'a [f64]),
}

fn edge2(plan: Plan, n: usize) -> ([f64; 3], [f64; 3]) {
    match plan {
        Plan::Weak(h) | Plan::Strong(h) => ([-1.5 / h, 2.0 / h, -0.5 / h], [0.5 / h, -2.0 / h, 1.5 / h]),
        Plan::Steps(d) => {
            let (p, q) = (d[0], d[1]);
            let start = [(-(2.0 * p + q)) / (p * (p + q)), (p + q) / (p * q), (-p) / (q * (p + q))];
            let (p, q) = (d[n - 3], d[n - 2]);
            let end = [q / (p * (p + q)), (-(q + p)) / (p * q), (2.0 * q + p) / (q * (p + q))];
            (start, end)
        }
    }
}

fn interior(d: &[f64], i: usize) -> [f64; 3] {
    let (p, q) = (d[i - 1], d[i]);
    [(-q) / (p * (p + q)), (q - p) / (p * q), p / (q * (p + q))]
}

/// `(first step, last step)` used by edge order 1.
fn ends1(plan: Plan, n: usize) -> (f64, f64) {
    match plan {
        Plan::Weak(h) | Plan::Strong(h) => (h, h),
        Plan::Steps(d) => (d[0], d[n - 2]),
    }
}

fn ref_f64(f: &[f64], plan: Plan, edge: u32) -> Vec<f64> {
    let n = f.len();
    let mut o = vec![0.0; n];
    for i in 1..n - 1 {
        o[i] = match plan {
            Plan::Weak(h) | Plan::Strong(h) => (f[i + 1] - f[i - 1]) / (2.0 * h),
            Plan::Steps(d) => {
                let c = interior(d, i);
                c[0] * f[i - 1] + c[1] * f[i] + c[2] * f[i + 1]
            }
        };
    }
    if edge == 1 {
        let (h0, h1) = ends1(plan, n);
        o[0] = (f[1] - f[0]) / h0;
        o[n - 1] = (f[n - 1] - f[n - 2]) / h1;
    } else {
        let (s, e) = edge2(plan, n);
        o[0] = s[0] * f[0] + s[1] * f[1] + s[2] * f[2];
        o[n - 1] = e[0] * f[n - 3] + e[1] * f[n - 2] + e[2] * f[n - 1];
    }
    o
}

fn ref_f32(f: &[f32], plan: Plan, edge: u32) -> Vec<f32> {
    let n = f.len();
    let mut o = vec![0.0f32; n];
    let w = |x: f32| x as f64;
    match plan {
        Plan::Weak(h) => {
            // Every constant computed in float64, rounded once to float32;
            // then all arithmetic in float32.
            let twice = (2.0 * h) as f32;
            for i in 1..n - 1 {
                o[i] = (f[i + 1] - f[i - 1]) / twice;
            }
            if edge == 1 {
                let h = h as f32;
                o[0] = (f[1] - f[0]) / h;
                o[n - 1] = (f[n - 1] - f[n - 2]) / h;
            } else {
                let (s, e) = edge2(plan, n);
                let (s, e) = (s.map(|c| c as f32), e.map(|c| c as f32));
                o[0] = s[0] * f[0] + s[1] * f[1] + s[2] * f[2];
                o[n - 1] = e[0] * f[n - 3] + e[1] * f[n - 2] + e[2] * f[n - 1];
            }
        }
        Plan::Strong(_) | Plan::Steps(_) => {
            // float64 constants are strong: the float32 difference is
            // promoted, products and sums are float64, rounded on store.
            for i in 1..n - 1 {
                o[i] = match plan {
                    Plan::Strong(h) => (w(f[i + 1] - f[i - 1]) / (2.0 * h)) as f32,
                    Plan::Steps(d) => {
                        let c = interior(d, i);
                        (c[0] * w(f[i - 1]) + c[1] * w(f[i]) + c[2] * w(f[i + 1])) as f32
                    }
                    Plan::Weak(_) => unreachable!(),
                };
            }
            if edge == 1 {
                let (h0, h1) = ends1(plan, n);
                o[0] = (w(f[1] - f[0]) / h0) as f32;
                o[n - 1] = (w(f[n - 1] - f[n - 2]) / h1) as f32;
            } else {
                let (s, e) = edge2(plan, n);
                o[0] = (s[0] * w(f[0]) + s[1] * w(f[1]) + s[2] * w(f[2])) as f32;
                o[n - 1] = (e[0] * w(f[n - 3]) + e[1] * w(f[n - 2]) + e[2] * w(f[n - 1])) as f32;
            }
        }
    }
    o
}

/// numpy's complex loops for one precision: `(a + 0i) * z`, `z / (r + 0i)`
/// (Smith's method as numpy writes it, with its branches for a zero and for
/// a NaN divisor), `+` and `-`.
macro_rules! complex_ref {
    ($mul:ident, $div:ident, $add:ident, $sub:ident, $f:ty) => {
        fn $mul(a: $f, z: ($f, $f)) -> ($f, $f) {
            let (br, bi) = z;
            (a * br - 0.0 * bi, a * bi + 0.0 * br)
        }
        fn $div(z: ($f, $f), r: $f) -> ($f, $f) {
            let (ar, ai) = z;
            let (br, bi): ($f, $f) = (r, 0.0);
            let (abs_br, abs_bi) = (br.abs(), bi.abs());
            if abs_br >= abs_bi {
                if abs_br == 0.0 && abs_bi == 0.0 {
                    (ar / abs_br, ai / abs_br)
                } else {
                    let rat = bi / br;
                    let scl = 1.0 / (br + bi * rat);
                    ((ar + ai * rat) * scl, (ai - ar * rat) * scl)
                }
            } else {
                let rat = br / bi;
                let scl = 1.0 / (bi + br * rat);
                ((ar * rat + ai) * scl, (ai * rat - ar) * scl)
            }
        }
        fn $add(a: ($f, $f), b: ($f, $f)) -> ($f, $f) {
            (a.0 + b.0, a.1 + b.1)
        }
        fn $sub(a: ($f, $f), b: ($f, $f)) -> ($f, $f) {
            (a.0 - b.0, a.1 - b.1)
        }
    };
}
complex_ref!(cmul64, cdiv64, cadd64, csub64, f64);
complex_ref!(cmul32, cdiv32, cadd32, csub32, f32);

type C64 = (f64, f64);
type C32 = (f32, f32);

fn comb64(c: [f64; 3], a: C64, b: C64, d: C64) -> C64 {
    cadd64(cadd64(cmul64(c[0], a), cmul64(c[1], b)), cmul64(c[2], d))
}

fn ref_c128(f: &[C64], plan: Plan, edge: u32) -> Vec<C64> {
    let n = f.len();
    let mut o = vec![(0.0, 0.0); n];
    for i in 1..n - 1 {
        o[i] = match plan {
            Plan::Weak(h) | Plan::Strong(h) => cdiv64(csub64(f[i + 1], f[i - 1]), 2.0 * h),
            Plan::Steps(d) => comb64(interior(d, i), f[i - 1], f[i], f[i + 1]),
        };
    }
    if edge == 1 {
        let (h0, h1) = ends1(plan, n);
        o[0] = cdiv64(csub64(f[1], f[0]), h0);
        o[n - 1] = cdiv64(csub64(f[n - 1], f[n - 2]), h1);
    } else {
        let (s, e) = edge2(plan, n);
        o[0] = comb64(s, f[0], f[1], f[2]);
        o[n - 1] = comb64(e, f[n - 3], f[n - 2], f[n - 1]);
    }
    o
}

fn ref_c64(f: &[C32], plan: Plan, edge: u32) -> Vec<C32> {
    let n = f.len();
    let mut o = vec![(0.0f32, 0.0f32); n];
    let widen = |z: C32| (z.0 as f64, z.1 as f64);
    let narrow = |z: C64| (z.0 as f32, z.1 as f32);
    match plan {
        Plan::Weak(h) => {
            let comb = |c: [f32; 3], a: C32, b: C32, d: C32| cadd32(cadd32(cmul32(c[0], a), cmul32(c[1], b)), cmul32(c[2], d));
            let twice = (2.0 * h) as f32;
            for i in 1..n - 1 {
                o[i] = cdiv32(csub32(f[i + 1], f[i - 1]), twice);
            }
            if edge == 1 {
                let h = h as f32;
                o[0] = cdiv32(csub32(f[1], f[0]), h);
                o[n - 1] = cdiv32(csub32(f[n - 1], f[n - 2]), h);
            } else {
                let (s, e) = edge2(plan, n);
                let (s, e) = (s.map(|c| c as f32), e.map(|c| c as f32));
                o[0] = comb(s, f[0], f[1], f[2]);
                o[n - 1] = comb(e, f[n - 3], f[n - 2], f[n - 1]);
            }
        }
        Plan::Strong(_) | Plan::Steps(_) => {
            for i in 1..n - 1 {
                o[i] = match plan {
                    Plan::Strong(h) => narrow(cdiv64(widen(csub32(f[i + 1], f[i - 1])), 2.0 * h)),
                    Plan::Steps(d) => narrow(comb64(interior(d, i), widen(f[i - 1]), widen(f[i]), widen(f[i + 1]))),
                    Plan::Weak(_) => unreachable!(),
                };
            }
            if edge == 1 {
                let (h0, h1) = ends1(plan, n);
                o[0] = narrow(cdiv64(widen(csub32(f[1], f[0])), h0));
                o[n - 1] = narrow(cdiv64(widen(csub32(f[n - 1], f[n - 2])), h1));
            } else {
                let (s, e) = edge2(plan, n);
                o[0] = narrow(comb64(s, widen(f[0]), widen(f[1]), widen(f[2])));
                o[n - 1] = narrow(comb64(e, widen(f[n - 3]), widen(f[n - 2]), widen(f[n - 1])));
            }
        }
    }
    o
}

fn rd<const N: usize>(mem: &[u8], at: usize) -> [u8; N] {
    mem[at..at + N].try_into().unwrap()
}

/// Input element at byte offset `at`, converted as numpy converts it before
/// differencing (integers to float64).
enum Lane {
    F64(Vec<f64>),
    F32(Vec<f32>),
    C128(Vec<C64>),
    C64(Vec<C32>),
}

fn read_lane(mem: &[u8], kind: Kind, addrs: impl Iterator<Item = usize>) -> Lane {
    use Kind::*;
    match kind {
        F32 => Lane::F32(addrs.map(|a| f32::from_ne_bytes(rd(mem, a))).collect()),
        C128 => Lane::C128(addrs.map(|a| (f64::from_ne_bytes(rd(mem, a)), f64::from_ne_bytes(rd(mem, a + 8)))).collect()),
        C64 => Lane::C64(addrs.map(|a| (f32::from_ne_bytes(rd(mem, a)), f32::from_ne_bytes(rd(mem, a + 4)))).collect()),
        _ => Lane::F64(
            addrs
                .map(|a| match kind {
                    F64 => f64::from_ne_bytes(rd(mem, a)),
                    I8 => i8::from_ne_bytes(rd(mem, a)) as f64,
                    I16 => i16::from_ne_bytes(rd(mem, a)) as f64,
                    I32 => i32::from_ne_bytes(rd(mem, a)) as f64,
                    I64 => i64::from_ne_bytes(rd(mem, a)) as f64,
                    U8 => u8::from_ne_bytes(rd(mem, a)) as f64,
                    U16 => u16::from_ne_bytes(rd(mem, a)) as f64,
                    U32 => u32::from_ne_bytes(rd(mem, a)) as f64,
                    U64 => u64::from_ne_bytes(rd(mem, a)) as f64,
                    _ => unreachable!(),
                })
                .collect(),
        ),
    }
}

fn same64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}
fn same32(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

// ---------------------------------------------------------------------------
// One call.

#[derive(Debug, Clone, Copy)]
enum OutPlace {
    Null,
    /// Its own place in the arena, `pad` bytes after the previous array.
    Fresh { pad: usize, misalign: usize },
    /// `out[0]`'s origin plus `(j % m) * elem` (with out_strides scaled by m).
    Interleaved,
    /// Another output's origin plus `elems` elements.
    Near { other: usize, elems: isize },
    /// The input's origin plus `bytes`.
    AtInput { bytes: isize },
    /// An address near the top or the bottom of the address space.
    Raw(usize),
}

#[derive(Debug, Clone, Copy)]
enum CoordPlace {
    Null,
    Fresh { misalign: usize },
    /// Reads the input's bytes as coordinates (read-only sharing is legal).
    AtInput { bytes: isize },
    /// Shares bytes with an output: must be refused when it really does.
    AtOutput { j: usize, bytes: isize },
    /// A one-element allocation, for axes that are not selected (ignored).
    Tiny,
}

#[derive(Debug)]
struct Call {
    entry: Entry,
    kind: Option<Kind>,
    ndim: usize,
    shape: Option<Vec<usize>>,
    strides: Option<Vec<isize>>,
    out_strides: Option<Vec<isize>>,
    interleave: usize,
    steps: Option<Vec<(f64, i32, i32)>>,
    coords: Vec<CoordPlace>,
    mask: u64,
    edge: u32,
    f_place: OutPlace,
    outs: Option<Vec<OutPlace>>,
    error: bool,
    threads: usize,
    guard: usize,
}

fn decode(u: &mut Unstructured, target: Target) -> Call {
    let entry = match target {
        Target::F64 => Entry::F64,
        Target::F32 => Entry::F32,
        Target::Dtype => match byte(u) {
            0..=191 => Entry::Dtype(byte(u) as i32 % 12),
            192..=199 => Entry::F64,
            200..=207 => Entry::F32,
            208..=223 => Entry::C128,
            224..=239 => Entry::C64,
            _ => Entry::Dtype(pick(u, &[-1, 12, 13, 100, i32::MIN, i32::MAX, -12, 255])),
        },
    };
    let kind = match entry {
        Entry::F64 => Some(Kind::F64),
        Entry::F32 => Some(Kind::F32),
        Entry::C128 => Some(Kind::C128),
        Entry::C64 => Some(Kind::C64),
        Entry::Dtype(t) => KINDS.get(usize::try_from(t).unwrap_or(usize::MAX)).copied(),
    };
    let ndim = match byte(u) {
        0..=179 => 1 + byte(u) as usize % 3 + (byte(u) % 2) as usize, // 1..=4
        180..=194 => 0,
        195..=224 => 5 + byte(u) as usize % 12,
        225..=244 => 17 + byte(u) as usize % 48,
        _ => pick(u, &[65, 66, 100, 1000, 1 << 32, usize::MAX]),
    };
    let listed = ndim.min(65);
    const HUGE: [usize; 12] = [
        1 << 31,
        1 << 32,
        1 << 40,
        1 << 59,
        1 << 60,
        (1 << 60) + 1,
        1 << 61,
        1 << 62,
        1 << 63,
        usize::MAX,
        usize::MAX / 3,
        isize::MAX as usize,
    ];
    let mut shape = Vec::with_capacity(listed);
    for k in 0..listed {
        let r = byte(u);
        let n = if k >= 4 && r < 200 {
            1
        } else {
            match r {
                0..=169 => 1 + r as usize % 6,
                170..=179 => 0,
                180..=204 => 1,
                205..=234 => 7 + byte(u) as usize,
                _ => pick(u, &HUGE),
            }
        };
        shape.push(n);
    }
    let low = if ndim >= 64 { u64::MAX } else { (1u64 << ndim) - 1 };
    let mask = match byte(u) {
        0..=149 => {
            let m = word(u) & low;
            if m == 0 {
                1 & low
            } else {
                m
            }
        }
        150..=169 => low,
        170..=184 => 0,
        185..=204 => 1u64.checked_shl(byte(u) as u32 % ndim.clamp(1, 64) as u32).unwrap_or(0) & low,
        205..=219 => 1u64.checked_shl(ndim as u32).unwrap_or(1 << 63) | (word(u) & low),
        _ => word(u),
    };
    let edge = match byte(u) {
        0..=119 => 1,
        120..=239 => 2,
        _ => pick(u, &[0, 3, 4, u32::MAX, 1 << 31]),
    };
    let strides = if byte(u) < 100 || ndim > 64 { None } else { Some(gen_strides(u, &shape)) };
    let (out_strides, interleave) = match byte(u) {
        0..=109 => (None, 1),
        110..=189 => (Some(gen_strides(u, &shape)), 1),
        _ => {
            let m = 2 + byte(u) as usize % 3;
            let s = c_order(&shape).iter().map(|&s| s.saturating_mul(m as isize)).collect();
            (Some(s), m)
        }
    };
    let selected: Vec<usize> = (0..ndim.min(64)).filter(|&k| mask >> k & 1 == 1).collect();
    let mut coords = vec![CoordPlace::Null; listed];
    let steps = if byte(u) < 90 || ndim > 64 {
        None
    } else {
        let mut v = Vec::with_capacity(ndim);
        for k in 0..ndim {
            let step = gen_step(u);
            let (lower, upper) = match byte(u) {
                0..=229 => (0, 0),
                230..=241 => (pick(u, &[1, -1, 2, i32::MIN, i32::MAX]), 0),
                _ => (0, pick(u, &[1, -1, 2, i32::MIN, i32::MAX])),
            };
            v.push((step, lower, upper));
            let is_selected = selected.contains(&k);
            coords[k] = match byte(u) {
                0..=139 => CoordPlace::Null,
                140..=214 => CoordPlace::Fresh { misalign: 0 },
                215..=224 => CoordPlace::AtInput { bytes: (byte(u) as i8) as isize },
                225..=234 => CoordPlace::AtOutput { j: byte(u) as usize % selected.len().max(1), bytes: (byte(u) as i8) as isize },
                235..=244 if !is_selected => CoordPlace::Tiny,
                _ => CoordPlace::Fresh { misalign: 1 + byte(u) as usize % 7 },
            };
        }
        Some(v)
    };
    let fresh = |u: &mut Unstructured| OutPlace::Fresh { pad: pick(u, &[0, 0, 8, 16, 64]), misalign: 0 };
    let raw = |u: &mut Unstructured| {
        OutPlace::Raw(pick(u, &[8, 16, 4096, usize::MAX & !15, usize::MAX - 4095, (isize::MAX as usize) & !15, 1 << 62]))
    };
    let f_place = match byte(u) {
        0..=234 => fresh(u),
        235..=244 => OutPlace::Fresh { pad: 0, misalign: 1 + byte(u) as usize % 7 },
        245..=249 => OutPlace::Null,
        _ => raw(u),
    };
    let nout = mask.count_ones() as usize;
    let outs = if byte(u) >= 250 {
        None
    } else {
        let mut v = Vec::with_capacity(nout);
        for j in 0..nout {
            let r = byte(u);
            v.push(if interleave > 1 && j > 0 && r < 200 {
                OutPlace::Interleaved
            } else {
                match r {
                    0..=209 => fresh(u),
                    210..=219 if j > 0 => OutPlace::Near { other: byte(u) as usize % j, elems: (byte(u) as i8 / 16) as isize },
                    220..=229 => OutPlace::AtInput { bytes: (byte(u) as i8) as isize },
                    230..=237 => OutPlace::Fresh { pad: 0, misalign: 1 + byte(u) as usize % 7 },
                    238..=245 => OutPlace::Null,
                    246..=255 => raw(u),
                    _ => fresh(u),
                }
            });
        }
        Some(v)
    };
    let error = byte(u) < 220;
    let threads = pick(u, &[1, 1, 2, 0, 3]);
    let guard = pick(u, &[64, 16, 0]);
    let shape = if ndim > 0 && byte(u) == 255 { None } else { Some(shape) };
    Call { entry, kind, ndim, shape, strides, out_strides, interleave, steps, coords, mask, edge, f_place, outs, error, threads, guard }
}

/// What the documented validation order says the call must return.
#[derive(Debug)]
struct Prediction {
    status: i32,
    /// The axis `GradientError::axis` must name, when the status implies one.
    axis: Option<u32>,
    /// A layout the library may conservatively refuse was met before the
    /// predicted outcome: GRADIENT_OVERLAP is then acceptable too.
    overlap_ok: bool,
}

fn fail(status: i32, axis: Option<usize>, overlap_ok: bool) -> Option<Prediction> {
    Some(Prediction { status, axis: axis.map(|a| a as u32), overlap_ok })
}

/// Everything laid out and ready to call.
struct Setup {
    arena: Vec<u128>,
    len: usize,
    f_addr: usize,
    out_addrs: Vec<usize>,
    coord_addrs: Vec<usize>,
    tiny: Vec<Box<[f64; 1]>>,
    strides: Vec<isize>,
    out_strides: Vec<isize>,
}

/// Outcomes seen so far: index 0..=11 a status, 12 skipped (unsafe layout or
/// known bug), 13 successful calls whose values were compared.
pub static OUTCOMES: [std::sync::atomic::AtomicU64; 14] = [const { std::sync::atomic::AtomicU64::new(0) }; 14];

fn tally(i: usize) {
    OUTCOMES[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

pub fn run(data: &[u8], target: Target) {
    let mut u = Unstructured::new(data);
    let call = decode(&mut u, target);
    let seed = word(&mut u);
    let mut values = Values { u: &mut u, state: seed };
    check_call(&call, &mut values);
}

/// Places an array of extent `ext` (relative `[lo, end)`) after `cursor`;
/// returns the position of its element zero.
fn place_fresh(placed: &mut Vec<(i128, i128)>, ext: Option<(i128, i128)>, pad: usize, misalign: usize, cursor: &mut i128) -> i128 {
    let (lo, end) = ext.unwrap_or((0, 16));
    let start = align_up(*cursor + pad as i128, 16);
    let origin = start - lo + misalign as i128;
    *cursor = origin + end;
    placed.push((start, *cursor + 16));
    origin
}

fn align_up(x: i128, a: i128) -> i128 {
    (x + a - 1).div_euclid(a) * a
}

fn check_call(call: &Call, values: &mut Values) {
    // Sizes for layout when the tag is invalid (the call fails first anyway).
    let kind = call.kind.unwrap_or(Kind::F64);
    let (isz, osz) = (kind.size(), kind.out().size());
    let ndim_ok = call.ndim <= 64;
    let shape: Vec<usize> = call.shape.clone().unwrap_or_else(|| vec![1; call.ndim.min(65)]);
    let count = shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n));
    let small = ndim_ok && count.is_some_and(|c| c <= MAX_COUNT && c > 0);
    let strides = if !ndim_ok { vec![] } else { call.strides.clone().unwrap_or_else(|| c_order(&shape)) };
    let out_strides = if !ndim_ok { vec![] } else { call.out_strides.clone().unwrap_or_else(|| c_order(&shape)) };
    let selected: Vec<usize> = (0..call.ndim.min(64)).filter(|&k| call.mask >> k & 1 == 1).collect();

    // ---- placement, in positions relative to an arbitrary zero
    let ext = |st: &[isize], e: usize| if small { extent(&shape, st, e).filter(|&(lo, end)| end - lo <= MAX_ARENA) } else { None };
    let (in_ext, out_ext) = (ext(&strides, isz), ext(&out_strides, osz));
    let mut cursor: i128 = 0;
    let mut placed: Vec<(i128, i128)> = Vec::new(); // [lo, hi) of everything placed
    enum Addr {
        Null,
        Rel(i128),
        Abs(usize),
    }
    let f_pos = match call.f_place {
        OutPlace::Fresh { pad, misalign } => Addr::Rel(place_fresh(&mut placed, in_ext, pad, misalign, &mut cursor)),
        OutPlace::Raw(a) => Addr::Abs(a),
        _ => Addr::Null,
    };
    let f_rel = match f_pos {
        Addr::Rel(p) => p,
        _ => 0,
    };
    let mut out_pos: Vec<Addr> = Vec::new();
    for (j, place) in call.outs.iter().flatten().enumerate() {
        let rel = |p: &Addr| match p {
            Addr::Rel(r) => Some(*r),
            _ => None,
        };
        let pos = match *place {
            OutPlace::Null => Addr::Null,
            OutPlace::Raw(a) => Addr::Abs(a),
            OutPlace::Fresh { pad, misalign } => Addr::Rel(place_fresh(&mut placed, out_ext, pad, misalign, &mut cursor)),
            OutPlace::Interleaved => match rel(&out_pos[0]) {
                Some(o0) => Addr::Rel(o0 + ((j % call.interleave) * osz) as i128),
                None => Addr::Rel(place_fresh(&mut placed, out_ext, 0, 0, &mut cursor)),
            },
            OutPlace::Near { other, elems } => match rel(&out_pos[other]) {
                Some(o) => Addr::Rel(o + (elems * osz as isize) as i128),
                None => Addr::Rel(place_fresh(&mut placed, out_ext, 0, 0, &mut cursor)),
            },
            OutPlace::AtInput { bytes } => Addr::Rel(f_rel + bytes as i128),
        };
        if let (Addr::Rel(p), Some((lo, end))) = (&pos, out_ext) {
            placed.push((p + lo, p + end));
        }
        out_pos.push(pos);
    }
    if let (Addr::Rel(p), Some((lo, end))) = (&f_pos, in_ext) {
        placed.push((p + lo, p + end));
    }
    let mut coord_pos: Vec<Option<i128>> = vec![None; call.coords.len()];
    if call.steps.is_some() {
        for (k, place) in call.coords.iter().enumerate() {
            let n = shape[k] as i128;
            let len = if small { 8 * n } else { 16 };
            let pos = match *place {
                CoordPlace::Fresh { misalign } => {
                    let start = align_up(cursor + 8, 16);
                    cursor = start + len + misalign as i128;
                    Some(start + misalign as i128)
                }
                CoordPlace::AtInput { bytes } => Some(f_rel + bytes as i128),
                CoordPlace::AtOutput { j, bytes } => match out_pos.get(j) {
                    Some(Addr::Rel(o)) => Some(o + bytes as i128),
                    _ => Some(f_rel + bytes as i128),
                },
                CoordPlace::Null | CoordPlace::Tiny => None,
            };
            if let Some(p) = pos {
                placed.push((p, p + len));
            }
            coord_pos[k] = pos;
        }
    }
    placed.push((0, 16));
    let min_lo = placed.iter().map(|p| p.0).min().unwrap();
    let max_hi = placed.iter().map(|p| p.1).max().unwrap();
    let shift = align_up(call.guard as i128 - min_lo, 16);
    let len = max_hi + shift + call.guard as i128;
    if len > MAX_ARENA {
        return;
    }
    let len = len as usize;
    let mut arena = vec![u128::from_ne_bytes([SENTINEL; 16]); len.div_ceil(16)];
    let base = arena.as_mut_ptr() as usize;
    let abs = |p: &Addr| match p {
        Addr::Null => 0usize,
        Addr::Rel(r) => (base as i128 + r + shift) as usize,
        Addr::Abs(a) => *a,
    };
    let mut setup = Setup {
        len,
        f_addr: abs(&f_pos),
        out_addrs: out_pos.iter().map(abs).collect(),
        coord_addrs: coord_pos.iter().map(|p| p.map_or(0, |r| (base as i128 + r + shift) as usize)).collect(),
        tiny: Vec::new(),
        strides,
        out_strides,
        arena: Vec::new(),
    };
    for (k, place) in call.coords.iter().enumerate() {
        if matches!(place, CoordPlace::Tiny) && call.steps.is_some() {
            let b = Box::new([f64::NAN]);
            setup.coord_addrs[k] = b.as_ptr() as usize;
            setup.tiny.push(b);
        }
    }

    // ---- predict
    let Some(prediction) = predict(call, &shape, &selected, &setup, base) else { return tally(12) };

    // ---- fill the arena: input elements, then fresh coordinates
    {
        // SAFETY: the arena is `len.div_ceil(16) * 16 >= len` bytes.
        let mem = unsafe { std::slice::from_raw_parts_mut(base as *mut u8, len) };
        let in_region = if small { region(setup.f_addr, base, len, &shape, &setup.strides, isz, kind.align()) } else { Region { class: Class::Unsafe, origin: 0, elem: isz, offsets: vec![], axes: vec![] } };
        if let Class::Fits { .. } = in_region.class {
            let mut buf = [0u8; 16];
            for &o in &in_region.offsets {
                let a = (in_region.origin as i128 + o) as usize;
                values.element(kind, &mut buf[..isz]);
                mem[a..a + isz].copy_from_slice(&buf[..isz]);
            }
        }
        for (k, place) in call.coords.iter().enumerate() {
            if let CoordPlace::Fresh { .. } = place {
                if small && call.steps.is_some() {
                    let a = setup.coord_addrs[k] - base;
                    for (i, x) in gen_coords(values, shape[k]).into_iter().enumerate() {
                        mem[a + 8 * i..a + 8 * i + 8].copy_from_slice(&x.to_ne_bytes());
                    }
                }
            }
        }
    }
    setup.arena = arena;
    let before: Vec<u8> = bytes(&setup).to_vec();

    // ---- call
    let (status, error) = invoke(call, &shape, &setup);
    let after: Vec<u8> = bytes(&setup).to_vec();
    tally(status.clamp(0, 11) as usize);

    // ---- judge
    let ctx = || format!("{call:#?}\nshape {shape:?} strides {:?} out_strides {:?}\nprediction {prediction:?}\nstatus {status}", setup.strides, setup.out_strides);
    assert_ne!(status, INTERNAL_ERROR, "GRADIENT_INTERNAL_ERROR (a panic inside the library): {}\n{}", message(&error), ctx());
    let accepted = status == prediction.status || (status == OVERLAP && prediction.overlap_ok);
    assert!(accepted, "wrong status {status} ({}), expected {}\n{}", message(&error), prediction.status, ctx());
    if let Some(e) = &error {
        assert_eq!(e.status as i32, status, "GradientError.status differs from the returned status\n{}", ctx());
        let msg = &e.message;
        let nul = msg.iter().position(|&c| c == 0);
        assert!(nul.is_some(), "GradientError.message is not NUL-terminated\n{}", ctx());
        if status == OK {
            assert_eq!(nul, Some(0), "message not empty on success\n{}", ctx());
            assert_eq!(e.axis, NO_AXIS, "axis set on success\n{}", ctx());
        } else {
            assert!(nul.unwrap() > 0, "empty message on error\n{}", ctx());
            if status == prediction.status {
                if let Some(axis) = prediction.axis {
                    assert_eq!(e.axis, axis, "GradientError.axis\n{}", ctx());
                }
            }
            assert!(e.axis == NO_AXIS || (e.axis as usize) < call.ndim || status == BAD_AXIS, "axis {} out of range\n{}", e.axis, ctx());
        }
    }
    if status != OK {
        if let Some(i) = before.iter().zip(&after).position(|(a, b)| a != b) {
            panic!("failed call (status {status}) changed arena byte {i} (input or output or guard)\n{}", ctx());
        }
        return;
    }
    verify_outputs(call, &shape, &selected, &setup, base, &before, &after, &ctx);
}

fn bytes(setup: &Setup) -> &[u8] {
    // SAFETY: the arena holds at least `len` bytes.
    unsafe { std::slice::from_raw_parts(setup.arena.as_ptr() as *const u8, setup.len) }
}

fn message(e: &Option<Box<GradientError>>) -> String {
    match e {
        None => String::new(),
        Some(e) => {
            let end = e.message.iter().position(|&c| c == 0).unwrap_or(e.message.len());
            e.message[..end].iter().map(|&c| c as u8 as char).collect()
        }
    }
}

fn predict(call: &Call, shape: &[usize], selected: &[usize], s: &Setup, base: usize) -> Option<Prediction> {
    let Some(kind) = call.kind else { return fail(BAD_DTYPE, None, false) };
    if call.ndim > 64 {
        return fail(BAD_NDIM, None, false);
    }
    if call.ndim > 0 && call.shape.is_none() {
        return fail(NULL_POINTER, None, false);
    }
    let elem = kind.size().max(kind.out().size());
    let count = shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n));
    match count {
        Some(c) if (c as u128) * (elem as u128) <= isize::MAX as u128 => {}
        _ => return fail(OVERFLOW, None, false),
    }
    let count = count.unwrap();
    if let Some(bad) = (call.ndim..64).find(|&k| call.mask >> k & 1 == 1) {
        return fail(BAD_AXIS, Some(bad), false);
    }
    if call.edge != 1 && call.edge != 2 {
        return fail(BAD_EDGE_ORDER, None, false);
    }
    if let Some(steps) = &call.steps {
        for &k in selected {
            if steps[k].1 != 0 || steps[k].2 != 0 {
                return fail(BAD_END, Some(k), false);
            }
        }
    }
    if let Some(&k) = selected.iter().find(|&&k| shape[k] < call.edge as usize + 1) {
        return fail(TOO_SMALL, Some(k), false);
    }
    if selected.is_empty() || count == 0 {
        return fail(OK, None, false);
    }
    if s.f_addr == 0 {
        return fail(NULL_POINTER, None, false);
    }
    if call.outs.is_none() {
        return fail(NULL_POINTER, None, false);
    }
    if s.out_addrs.iter().take(selected.len()).any(|&a| a == 0) {
        return fail(NULL_POINTER, None, false);
    }
    let mut overlap_ok = false;
    let input = region(s.f_addr, base, s.len, shape, &s.strides, kind.size(), kind.align());
    match input.class {
        Class::Misaligned => return fail(MISALIGNED, None, overlap_ok),
        Class::Overflow => return fail(OVERFLOW, None, overlap_ok),
        Class::Unsafe => return None,
        Class::Fits { .. } => {}
    }
    let out_kind = kind.out();
    let mut regions: Vec<Region> = Vec::new();
    for (j, &a) in s.out_addrs.iter().take(selected.len()).enumerate() {
        let r = region(a, base, s.len, shape, &s.out_strides, out_kind.size(), out_kind.align());
        match r.class {
            Class::Misaligned => return fail(MISALIGNED, None, overlap_ok),
            Class::Overflow => return fail(OVERFLOW, None, overlap_ok),
            Class::Unsafe => return None,
            Class::Fits { .. } => {}
        }
        match self_share(&r) {
            Share::Must => return fail(OVERLAP, None, overlap_ok),
            Share::Either => overlap_ok = true,
            Share::MustNot => {}
        }
        let mut verdicts = vec![share(&r, &input, s.len)];
        verdicts.extend(regions.iter().map(|q| share(&r, q, s.len)));
        for v in verdicts {
            match v {
                Share::Must => return fail(OVERLAP, Some(selected[j]), overlap_ok),
                Share::Either => overlap_ok = true,
                Share::MustNot => {}
            }
        }
        regions.push(r);
    }
    if call.steps.is_some() {
        for &k in selected {
            let a = s.coord_addrs[k];
            if a == 0 {
                continue;
            }
            let r = region(a, base, s.len, &shape[k..=k], &[1], 8, 8);
            match r.class {
                Class::Misaligned => return fail(MISALIGNED, None, overlap_ok),
                Class::Overflow => return fail(OVERFLOW, None, overlap_ok),
                Class::Unsafe => return None,
                Class::Fits { .. } => {}
            }
            for q in &regions {
                match share(&r, q, s.len) {
                    Share::Must => return fail(OVERLAP, Some(k), overlap_ok),
                    Share::Either => overlap_ok = true,
                    Share::MustNot => {}
                }
            }
        }
    }
    fail(OK, None, overlap_ok)
}

fn invoke(call: &Call, shape: &[usize], s: &Setup) -> (i32, Option<Box<GradientError>>) {
    ffi::gradient_set_threads(call.threads);
    // Exact-size arrays, so that AddressSanitizer sees any read past them.
    let shape_arr: Vec<usize> = shape.to_vec();
    let shape_ptr = if call.shape.is_some() { shape_arr.as_ptr() } else { ptr::null() };
    let strides_arr: Option<Vec<isize>> = call.strides.clone();
    let out_strides_arr: Option<Vec<isize>> = call.out_strides.clone();
    let axes_arr: Option<Vec<GradientAxis>> = call.steps.as_ref().map(|steps| {
        steps
            .iter()
            .enumerate()
            .map(|(k, &(step, lower, upper))| GradientAxis { step, coords: s.coord_addrs[k] as *const f64, lower, upper })
            .collect()
    });
    let outs_arr: Option<Vec<*mut c_void>> = call.outs.as_ref().map(|_| s.out_addrs.iter().map(|&a| a as *mut c_void).collect());
    let mut error = call.error.then(|| {
        Box::new(GradientError { status: GradientStatus::GRADIENT_INTERNAL_ERROR, axis: 0x1234_5678, message: [b'x' as _; 256] })
    });
    let sp = strides_arr.as_ref().map_or(ptr::null(), |v| v.as_ptr());
    let osp = out_strides_arr.as_ref().map_or(ptr::null(), |v| v.as_ptr());
    let ap = axes_arr.as_ref().map_or(ptr::null(), |v| v.as_ptr());
    let op = outs_arr.as_ref().map_or(ptr::null(), |v| v.as_ptr());
    let ep = error.as_mut().map_or(ptr::null_mut(), |e| &mut **e as *mut GradientError);
    let (f, nd, m, e) = (s.f_addr, call.ndim, call.mask, call.edge);
    // SAFETY: every pointer is valid for what the arguments describe, or the
    // harness has predicted a refusal that must come before any access.
    let status = unsafe {
        match call.entry {
            Entry::F64 => ffi::gradient_f64(f as _, nd, shape_ptr, sp, ap, m, e, op as _, osp, ep),
            Entry::F32 => ffi::gradient_f32(f as _, nd, shape_ptr, sp, ap, m, e, op as _, osp, ep),
            Entry::C128 => ffi::gradient_c128(f as _, nd, shape_ptr, sp, ap, m, e, op as _, osp, ep),
            Entry::C64 => ffi::gradient_c64(f as _, nd, shape_ptr, sp, ap, m, e, op as _, osp, ep),
            Entry::Dtype(t) => ffi::gradient_dtype(t, f as _, nd, shape_ptr, sp, ap, m, e, op, osp, ep),
        }
    };
    (status as i32, error)
}

#[allow(clippy::too_many_arguments)]
fn verify_outputs(
    call: &Call,
    shape: &[usize],
    selected: &[usize],
    s: &Setup,
    base: usize,
    before: &[u8],
    after: &[u8],
    ctx: &dyn Fn() -> String,
) {
    let kind = call.kind.unwrap();
    let count = shape.iter().try_fold(1usize, |a, &n| a.checked_mul(n)).unwrap_or(0);
    let mut covered = vec![false; s.len];
    if !selected.is_empty() && count > 0 {
        tally(13);
        let input = region(s.f_addr, base, s.len, shape, &s.strides, kind.size(), kind.align());
        let ok = kind.out();
        let out_offsets = element_offsets(shape, &s.out_strides, ok.size());
        let cst = c_order(shape);
        for (j, &k) in selected.iter().enumerate() {
            let out_origin = s.out_addrs[j] - base;
            let n = shape[k];
            let plan_steps: Vec<f64>;
            let plan = match (&call.steps, s.coord_addrs.get(k)) {
                (Some(steps), Some(&a)) if a != 0 => {
                    let x: Vec<f64> = (0..n).map(|i| f64::from_ne_bytes(rd(before, a - base + 8 * i))).collect();
                    plan_steps = x.windows(2).map(|w| w[1] - w[0]).collect();
                    let _ = steps;
                    if plan_steps.iter().all(|&d| d == plan_steps[0]) {
                        Plan::Strong(plan_steps[0])
                    } else {
                        Plan::Steps(&plan_steps)
                    }
                }
                (Some(steps), _) => Plan::Weak(steps[k].0),
                (None, _) => Plan::Weak(1.0),
            };
            let stride_k = cst[k] as usize;
            for start in (0..count).filter(|&l| (l / stride_k) % n == 0) {
                let lane: Vec<usize> = (0..n).map(|i| start + i * stride_k).collect();
                let src = read_lane(before, kind, lane.iter().map(|&l| (input.origin as i128 + input.offsets[l]) as usize));
                let outs: Vec<usize> = lane.iter().map(|&l| (out_origin as i128 + out_offsets[l]) as usize).collect();
                for &a in &outs {
                    for c in &mut covered[a..a + ok.size()] {
                        assert!(!*c, "two output elements at one address on success\n{}", ctx());
                        *c = true;
                    }
                }
                let bad = |i: usize, want: String, got: String| -> ! {
                    panic!("wrong value: axis {k} lane starting at C-order element {start}, position {i}: expected {want}, got {got}\n{}", ctx())
                };
                match src {
                    Lane::F64(f) => {
                        for (i, w) in ref_f64(&f, plan, call.edge).into_iter().enumerate() {
                            let g = f64::from_ne_bytes(rd(after, outs[i]));
                            if !same64(w, g) {
                                bad(i, format!("{w:e} ({:#x})", w.to_bits()), format!("{g:e} ({:#x})", g.to_bits()));
                            }
                        }
                    }
                    Lane::F32(f) => {
                        for (i, w) in ref_f32(&f, plan, call.edge).into_iter().enumerate() {
                            let g = f32::from_ne_bytes(rd(after, outs[i]));
                            if !same32(w, g) {
                                bad(i, format!("{w:e} ({:#x})", w.to_bits()), format!("{g:e} ({:#x})", g.to_bits()));
                            }
                        }
                    }
                    Lane::C128(f) => {
                        for (i, w) in ref_c128(&f, plan, call.edge).into_iter().enumerate() {
                            let g = (f64::from_ne_bytes(rd(after, outs[i])), f64::from_ne_bytes(rd(after, outs[i] + 8)));
                            if !same64(w.0, g.0) || !same64(w.1, g.1) {
                                bad(i, format!("{w:?}"), format!("{g:?}"));
                            }
                        }
                    }
                    Lane::C64(f) => {
                        for (i, w) in ref_c64(&f, plan, call.edge).into_iter().enumerate() {
                            let g = (f32::from_ne_bytes(rd(after, outs[i])), f32::from_ne_bytes(rd(after, outs[i] + 4)));
                            if !same32(w.0, g.0) || !same32(w.1, g.1) {
                                bad(i, format!("{w:?}"), format!("{g:?}"));
                            }
                        }
                    }
                }
            }
        }
    }
    for i in 0..s.len {
        if !covered[i] && before[i] != after[i] {
            panic!("successful call changed arena byte {i}, which no output element covers (input, coordinates or guard)\n{}", ctx());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replays the committed seed corpus (no sanitizer, stable Rust):
    /// `cd fuzz && cargo test --lib`.
    #[test]
    fn corpus_replays_cleanly() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut n = 0;
        for (dir, target) in [("gradient_f64", Target::F64), ("gradient_f32", Target::F32), ("gradient_dtype", Target::Dtype)] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
            for e in entries {
                let data = std::fs::read(e.unwrap().path()).unwrap();
                run(&data, target);
                n += 1;
            }
        }
        eprintln!("replayed {n} corpus files");
    }

    /// Random inputs through the whole harness (no sanitizer): a quick check
    /// of the harness itself. `GRADIENT_FUZZ_SMOKE=N` sets the count.
    #[test]
    fn random_inputs_smoke() {
        let n: u64 = std::env::var("GRADIENT_FUZZ_SMOKE").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for i in 0..n {
            let len = (next() % 300) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let target = [Target::F64, Target::F32, Target::Dtype][i as usize % 3];
            run(&data, target);
        }
        let names = ["OK", "NULL", "NDIM", "AXIS", "EDGE", "SMALL", "END", "OVERFLOW", "MISALIGNED", "OVERLAP", "DTYPE", "INTERNAL", "skipped", "compared"];
        for (name, c) in names.iter().zip(&OUTCOMES) {
            eprintln!("{name:>10} {}", c.load(std::sync::atomic::Ordering::Relaxed));
        }
    }

    #[test]
    fn worked_vectors_from_semantics() {
        let f = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
        assert_eq!(ref_f64(&f, Plan::Weak(1.0), 1), vec![1.0, 1.5, 2.5, 3.5, 4.5, 5.0]);
        let x = [0.0, 1.0, 1.5, 3.5, 4.0, 6.0];
        let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(ref_f64(&f, Plan::Steps(&d), 1), vec![1.0, 2.9999999999999996, 3.5, 6.700000000000001, 6.899999999999999, 2.5]);
        let sq = [0.0, 4.0, 9.0, 36.0, 64.0];
        let x = [0.0, 2.0, 3.0, 6.0, 8.0];
        let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(ref_f64(&sq, Plan::Steps(&d), 2), vec![0.0, 4.0, 6.0, 12.0, 15.999999999999996]);
        let r = ref_f64(&[1.0, 2.0, 4.0], Plan::Steps(&[0.0, 1.0]), 1);
        assert_eq!(r[0], f64::INFINITY);
        assert!(r[1].is_nan());
        assert_eq!(r[2], 2.0);
        // complex division by a zero step gives infinities, as numpy's loop does
        let z = ref_c128(&[(0.0, 0.0), (1.0, -1.0)], Plan::Weak(0.0), 1);
        assert_eq!(z[0], (f64::INFINITY, f64::NEG_INFINITY));
    }
}
