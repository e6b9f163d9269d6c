//! Element arithmetic, operation for operation as numpy performs it.
//!
//! numpy's type promotion decides in which precision each step runs. A scalar
//! step is a Python float, which NEP 50 treats as "weak": it takes the array's
//! precision (`Weak`). Steps derived from coordinate arrays are float64 numpy
//! values, which are "strong": the arithmetic runs in float64 (or complex128)
//! and the result is rounded to the output type on store.

use ndarray::ArrayView1;
use num_complex::{Complex32, Complex64};

/// `1/d` when `x * (1/d) == x / d` for every `x`: for a normal power of two
/// the reciprocal is exact, so both are the same real number, correctly
/// rounded (NaN, infinities and signed zeros included). Dividing is several
/// times slower than multiplying, and numpy's default steps (1, so a divisor
/// of 2) are powers of two.
pub(crate) trait ExactReciprocal: Sized {
    fn exact_reciprocal(self) -> Option<Self>;
}

macro_rules! exact_reciprocal {
    ($($f:ty),*) => {$(
        impl ExactReciprocal for $f {
            #[inline]
            fn exact_reciprocal(self) -> Option<$f> {
                let mantissa = (1 << (<$f>::MANTISSA_DIGITS - 1)) - 1;
                (self.is_normal() && self.to_bits() & mantissa == 0).then(|| 1.0 / self)
            }
        }
    )*};
}
exact_reciprocal!(f32, f64);

/// An input element type and the rules numpy applies to it.
pub trait Element: Copy + Send + Sync + 'static {
    /// What numpy returns for this input type.
    type Out: bytemuck::Pod + Send + Sync;
    /// A Python float converted to the precision it acquires next to `Self`.
    type Weak: Copy + Send + Sync + 'static;

    fn weak(x: f64) -> Self::Weak;
    /// `(hi - lo) / d` with a weak divisor.
    fn diff_weak(hi: Self, lo: Self, d: Self::Weak) -> Self::Out;
    /// `(hi - lo) / d` with a float64 divisor.
    fn diff_strong(hi: Self, lo: Self, d: f64) -> Self::Out;
    /// The reciprocal of a weak divisor when [`Self::times_weak`] by it
    /// rounds exactly as [`Self::diff_weak`] by the divisor does.
    fn weak_reciprocal(d: Self::Weak) -> Option<Self::Weak>;
    /// The reciprocal of a float64 divisor when [`Self::times_strong`] by it
    /// rounds exactly as [`Self::diff_strong`] by the divisor does.
    fn strong_reciprocal(d: f64) -> Option<f64>;
    /// `(hi - lo) * r`, with `r` from [`Self::weak_reciprocal`].
    fn times_weak(hi: Self, lo: Self, r: Self::Weak) -> Self::Out;
    /// `(hi - lo) * r`, with `r` from [`Self::strong_reciprocal`].
    fn times_strong(hi: Self, lo: Self, r: f64) -> Self::Out;
    /// `((a*f0) + (b*f1)) + (c*f2)` with weak coefficients.
    fn comb_weak(c: [Self::Weak; 3], f0: Self, f1: Self, f2: Self) -> Self::Out;
    /// `((a*f0) + (b*f1)) + (c*f2)` with float64 coefficients.
    fn comb_strong(c: [f64; 3], f0: Self, f1: Self, f2: Self) -> Self::Out;

    /// A vector loop for [`Self::diff_weak`] or [`Self::times_weak`] over
    /// rows read through their strides, where this type has one.
    const STRIDED_DIFF: Option<StridedDiff<Self>> = None;

    /// A loop for [`Self::comb_strong`] over contiguous rows that writes
    /// whole output cache lines with non-temporal stores, where this type
    /// has one.
    const STREAMED_COMB: Option<StreamedComb<Self>> = None;

    /// A loop for the row axis with a scalar step, lane ends included,
    /// that writes whole output cache lines with non-temporal stores, where
    /// this type has one.
    const LANES_DIFF: Option<LanesDiff<Self>> = None;

    /// A loop for the row axis and an outer axis a row apart, with scalar
    /// steps, at once (rows read through their strides), that writes whole
    /// output cache lines with non-temporal stores, where this type has
    /// one.
    const PAIR_DIFF: Option<PairDiff<Self>> = None;

    /// The shortest contiguous rows that go through [`Self::PAIR_DIFF`]
    /// too (see `flat`'s module comment), where the row axis's per-row
    /// work does not outweigh the load saved.
    const CONTIGUOUS_PAIR_MIN_LEN: usize = usize::MAX;
}

/// `f(out, next, prev, d, divide, stream)`: `out[j]` is
/// [`Element::diff_weak`] (`divide`) or [`Element::times_weak`] of
/// `next[j]`, `prev[j]` and `d`, with `stream` as for `crate::cpu::stream`.
pub type StridedDiff<T> = fn(&mut [<T as Element>::Out], ArrayView1<'_, T>, ArrayView1<'_, T>, <T as Element>::Weak, bool, bool);

/// `f(out, f, at, len, d, divide, ends)`: `out[j]` is element `at + j` of
/// the gradient along rows of `len` elements of `f`, with
/// [`Element::diff_weak`] (`divide`) or [`Element::times_weak`] by `d`
/// inside each row and `ends(r, last)` at the first and (`last`) the last
/// element of the row that starts at element `r`, streamed as for
/// `crate::cpu::stream`.
pub type LanesDiff<T> = fn(&mut [<T as Element>::Out], &[T], usize, usize, <T as Element>::Weak, bool, &dyn Fn(usize, bool) -> <T as Element>::Out);

/// `f(along, across, here, ahead, cols, (da, divide_a), (dc, divide_c))`:
/// at column `c = cols.start + j`, `along[j]` is [`Element::diff_weak`]
/// (`divide_a`) or [`Element::times_weak`] of `here[c + 1]`, `here[c - 1]`
/// and `da`, and `across[j]` the same of `ahead[c]`, `here[c]` and `dc`,
/// streamed as for `crate::cpu::stream`.
pub type PairDiff<T> = fn(
    &mut [<T as Element>::Out],
    &mut [<T as Element>::Out],
    ArrayView1<'_, T>,
    ArrayView1<'_, T>,
    std::ops::Range<usize>,
    (<T as Element>::Weak, bool),
    (<T as Element>::Weak, bool),
);

/// `f(out, c, p, h, x)`: `out[j]` is [`Element::comb_strong`] of `c`,
/// `p[j]`, `h[j]` and `x[j]`, streamed as for `crate::cpu::stream`.
pub type StreamedComb<T> = fn(&mut [<T as Element>::Out], [f64; 3], &[T], &[T], &[T]);

impl Element for f64 {
    type Out = f64;
    type Weak = f64;
    #[inline(always)]
    fn weak(x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn diff_weak(hi: f64, lo: f64, d: f64) -> f64 {
        (hi - lo) / d
    }
    #[inline(always)]
    fn diff_strong(hi: f64, lo: f64, d: f64) -> f64 {
        (hi - lo) / d
    }
    fn weak_reciprocal(d: f64) -> Option<f64> {
        d.exact_reciprocal()
    }
    fn strong_reciprocal(d: f64) -> Option<f64> {
        d.exact_reciprocal()
    }
    #[inline(always)]
    fn times_weak(hi: f64, lo: f64, r: f64) -> f64 {
        (hi - lo) * r
    }
    #[inline(always)]
    fn times_strong(hi: f64, lo: f64, r: f64) -> f64 {
        (hi - lo) * r
    }
    #[inline(always)]
    fn comb_weak(c: [f64; 3], f0: f64, f1: f64, f2: f64) -> f64 {
        c[0] * f0 + c[1] * f1 + c[2] * f2
    }
    #[inline(always)]
    fn comb_strong(c: [f64; 3], f0: f64, f1: f64, f2: f64) -> f64 {
        c[0] * f0 + c[1] * f1 + c[2] * f2
    }
    const STRIDED_DIFF: Option<StridedDiff<f64>> = Some(crate::cpu::strided_diff);
    const STREAMED_COMB: Option<StreamedComb<f64>> = Some(crate::cpu::streamed_comb);
    const LANES_DIFF: Option<LanesDiff<f64>> = Some(crate::cpu::lanes_diff);
    const PAIR_DIFF: Option<PairDiff<f64>> = Some(crate::cpu::strided_diff_pair);
    const CONTIGUOUS_PAIR_MIN_LEN: usize = 1024;
}

impl Element for f32 {
    type Out = f32;
    type Weak = f32;
    #[inline(always)]
    fn weak(x: f64) -> f32 {
        x as f32
    }
    #[inline(always)]
    fn diff_weak(hi: f32, lo: f32, d: f32) -> f32 {
        (hi - lo) / d
    }
    #[inline(always)]
    fn diff_strong(hi: f32, lo: f32, d: f64) -> f32 {
        // The difference is taken in float32, then promoted.
        (f64::from(hi - lo) / d) as f32
    }
    fn weak_reciprocal(d: f32) -> Option<f32> {
        d.exact_reciprocal()
    }
    fn strong_reciprocal(d: f64) -> Option<f64> {
        d.exact_reciprocal()
    }
    #[inline(always)]
    fn times_weak(hi: f32, lo: f32, r: f32) -> f32 {
        (hi - lo) * r
    }
    #[inline(always)]
    fn times_strong(hi: f32, lo: f32, r: f64) -> f32 {
        (f64::from(hi - lo) * r) as f32
    }
    #[inline(always)]
    fn comb_weak(c: [f32; 3], f0: f32, f1: f32, f2: f32) -> f32 {
        c[0] * f0 + c[1] * f1 + c[2] * f2
    }
    #[inline(always)]
    fn comb_strong(c: [f64; 3], f0: f32, f1: f32, f2: f32) -> f32 {
        f64::comb_strong(c, f64::from(f0), f64::from(f1), f64::from(f2)) as f32
    }
    const STRIDED_DIFF: Option<StridedDiff<f32>> = Some(crate::cpu::strided_diff);
    const LANES_DIFF: Option<LanesDiff<f32>> = Some(crate::cpu::lanes_diff);
    const PAIR_DIFF: Option<PairDiff<f32>> = Some(crate::cpu::strided_diff_pair);
}

/// numpy converts integer input to float64 before differencing, so unsigned
/// data never wraps and every rule is the float64 one.
macro_rules! integer_element {
    ($($t:ty),*) => {$(
        impl Element for $t {
            type Out = f64;
            type Weak = f64;
            #[inline(always)]
            fn weak(x: f64) -> f64 {
                x
            }
            #[inline(always)]
            fn diff_weak(hi: $t, lo: $t, d: f64) -> f64 {
                f64::diff_weak(hi as f64, lo as f64, d)
            }
            #[inline(always)]
            fn diff_strong(hi: $t, lo: $t, d: f64) -> f64 {
                f64::diff_strong(hi as f64, lo as f64, d)
            }
            fn weak_reciprocal(d: f64) -> Option<f64> {
                d.exact_reciprocal()
            }
            fn strong_reciprocal(d: f64) -> Option<f64> {
                d.exact_reciprocal()
            }
            #[inline(always)]
            fn times_weak(hi: $t, lo: $t, r: f64) -> f64 {
                f64::times_weak(hi as f64, lo as f64, r)
            }
            #[inline(always)]
            fn times_strong(hi: $t, lo: $t, r: f64) -> f64 {
                f64::times_strong(hi as f64, lo as f64, r)
            }
            #[inline(always)]
            fn comb_weak(c: [f64; 3], f0: $t, f1: $t, f2: $t) -> f64 {
                f64::comb_weak(c, f0 as f64, f1 as f64, f2 as f64)
            }
            #[inline(always)]
            fn comb_strong(c: [f64; 3], f0: $t, f1: $t, f2: $t) -> f64 {
                f64::comb_strong(c, f0 as f64, f1 as f64, f2 as f64)
            }
        }
    )*};
}
integer_element!(i8, i16, i32, i64, u8, u16, u32, u64);

/// numpy's complex loops, written once for both precisions.
macro_rules! complex_ops {
    ($mul:ident, $div:ident, $c:ty, $f:ty) => {
        /// `(a + 0i) * z` as numpy's complex multiply computes it.
        #[inline(always)]
        fn $mul(a: $f, z: $c) -> $c {
            <$c>::new(a * z.re - 0.0 * z.im, a * z.im + 0.0 * z.re)
        }

        /// `z / (r + 0i)` as numpy's complex divide computes it (Smith's
        /// method, with its own branch for a zero divisor).
        #[inline(always)]
        fn $div(z: $c, r: $f) -> $c {
            let r_abs = r.abs();
            if r_abs >= 0.0 {
                if r_abs == 0.0 {
                    <$c>::new(z.re / r_abs, z.im / r_abs)
                } else {
                    let rat = 0.0 / r;
                    let scl = 1.0 / (r + 0.0 * rat);
                    <$c>::new((z.re + z.im * rat) * scl, (z.im - z.re * rat) * scl)
                }
            } else {
                // r is NaN: numpy's other branch, whose every term is NaN.
                let rat = r / 0.0;
                let scl = 1.0 / (0.0 + r * rat);
                <$c>::new((z.re * rat + z.im) * scl, (z.im * rat - z.re) * scl)
            }
        }
    };
}
complex_ops!(mul_c64, div_c64, Complex64, f64);
complex_ops!(mul_c32, div_c32, Complex32, f32);

#[inline(always)]
fn widen(z: Complex32) -> Complex64 {
    Complex64::new(f64::from(z.re), f64::from(z.im))
}

#[inline(always)]
fn narrow(z: Complex64) -> Complex32 {
    Complex32::new(z.re as f32, z.im as f32)
}

impl Element for Complex64 {
    type Out = Complex64;
    type Weak = f64;
    #[inline(always)]
    fn weak(x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn diff_weak(hi: Complex64, lo: Complex64, d: f64) -> Complex64 {
        div_c64(hi - lo, d)
    }
    #[inline(always)]
    fn diff_strong(hi: Complex64, lo: Complex64, d: f64) -> Complex64 {
        div_c64(hi - lo, d)
    }
    // numpy's complex division does not reduce to a multiplication in its
    // corner cases (signed zeros, infinite parts), so it is always kept.
    fn weak_reciprocal(_: f64) -> Option<f64> {
        None
    }
    fn strong_reciprocal(_: f64) -> Option<f64> {
        None
    }
    fn times_weak(hi: Complex64, lo: Complex64, r: f64) -> Complex64 {
        Self::diff_weak(hi, lo, 1.0 / r)
    }
    fn times_strong(hi: Complex64, lo: Complex64, r: f64) -> Complex64 {
        Self::diff_strong(hi, lo, 1.0 / r)
    }
    #[inline(always)]
    fn comb_weak(c: [f64; 3], f0: Complex64, f1: Complex64, f2: Complex64) -> Complex64 {
        mul_c64(c[0], f0) + mul_c64(c[1], f1) + mul_c64(c[2], f2)
    }
    #[inline(always)]
    fn comb_strong(c: [f64; 3], f0: Complex64, f1: Complex64, f2: Complex64) -> Complex64 {
        Self::comb_weak(c, f0, f1, f2)
    }
}

impl Element for Complex32 {
    type Out = Complex32;
    type Weak = f32;
    #[inline(always)]
    fn weak(x: f64) -> f32 {
        x as f32
    }
    #[inline(always)]
    fn diff_weak(hi: Complex32, lo: Complex32, d: f32) -> Complex32 {
        div_c32(hi - lo, d)
    }
    #[inline(always)]
    fn diff_strong(hi: Complex32, lo: Complex32, d: f64) -> Complex32 {
        narrow(div_c64(widen(hi - lo), d))
    }
    // numpy's complex division does not reduce to a multiplication in its
    // corner cases (signed zeros, infinite parts), so it is always kept.
    fn weak_reciprocal(_: f32) -> Option<f32> {
        None
    }
    fn strong_reciprocal(_: f64) -> Option<f64> {
        None
    }
    fn times_weak(hi: Complex32, lo: Complex32, r: f32) -> Complex32 {
        Self::diff_weak(hi, lo, 1.0 / r)
    }
    fn times_strong(hi: Complex32, lo: Complex32, r: f64) -> Complex32 {
        Self::diff_strong(hi, lo, 1.0 / r)
    }
    #[inline(always)]
    fn comb_weak(c: [f32; 3], f0: Complex32, f1: Complex32, f2: Complex32) -> Complex32 {
        mul_c32(c[0], f0) + mul_c32(c[1], f1) + mul_c32(c[2], f2)
    }
    #[inline(always)]
    fn comb_strong(c: [f64; 3], f0: Complex32, f1: Complex32, f2: Complex32) -> Complex32 {
        narrow(Complex64::comb_strong(c, widen(f0), widen(f1), widen(f2)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float32_weak_divisor_is_rounded_once() {
        // 2*0.1 rounded to float32 first, then a float32 division.
        let d = f32::weak(2.0 * 0.1);
        assert_eq!(f32::diff_weak(1.0, 0.0, d), 1.0f32 / 0.2f32);
    }

    #[test]
    fn only_normal_powers_of_two_have_exact_reciprocals() {
        assert_eq!(2.0f64.exact_reciprocal(), Some(0.5));
        assert_eq!(0.25f32.exact_reciprocal(), Some(4.0));
        // 2^1023: the reciprocal 2^-1023 is subnormal but exact.
        assert_eq!(f64::from_bits(0x7FE0_0000_0000_0000).exact_reciprocal(), Some(f64::from_bits(1 << 51)));
        for d in [3.0, 0.1, 0.0, -0.0, f64::INFINITY, f64::NAN, f64::from_bits(1)] {
            assert_eq!(d.exact_reciprocal(), None, "{d:e}");
        }
        assert_eq!((-4.0f64).exact_reciprocal(), Some(-0.25));
    }

    #[test]
    fn multiplying_by_an_exact_reciprocal_matches_dividing() {
        let samples = [1.0, -3.7, 1e-310, -5e-324, f64::MAX, f64::MIN_POSITIVE, f64::INFINITY, -0.0, 0.0, 7.0 / 3.0];
        for k in [-1074, -1022, -1, 0, 1, 60, 1023] {
            let Some(r) = 2.0f64.powi(k).exact_reciprocal() else { continue };
            let d = 2.0f64.powi(k);
            for &hi in &samples {
                for &lo in &samples {
                    let (q, m) = (f64::diff_weak(hi, lo, d), f64::times_weak(hi, lo, r));
                    assert!(q.to_bits() == m.to_bits() || (q.is_nan() && m.is_nan()), "{hi:e} {lo:e} {d:e}");
                }
            }
        }
    }

    #[test]
    fn unsigned_input_never_wraps() {
        assert_eq!(u8::diff_weak(0, 5, 1.0), -5.0);
    }

    #[test]
    fn complex_zero_divisor_gives_infinities_not_nan() {
        let z = Complex64::diff_weak(Complex64::new(1.0, -1.0), Complex64::new(0.0, 0.0), 0.0);
        assert_eq!((z.re, z.im), (f64::INFINITY, f64::NEG_INFINITY));
    }

    #[test]
    fn complex_infinite_part_turns_other_into_nan() {
        // (inf + 0i) / 2: numpy computes im = (0 - inf*0)*0.5 = NaN.
        let z = Complex64::diff_weak(Complex64::new(f64::INFINITY, 0.0), Complex64::new(0.0, 0.0), 2.0);
        assert_eq!(z.re, f64::INFINITY);
        assert!(z.im.is_nan());
    }
}
