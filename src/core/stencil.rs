//! Per-axis difference stencils: the coefficients numpy derives from the
//! spacing, computed once per axis and applied to every lane.

use super::element::{Element, ExactReciprocal};

/// Spacing along one axis, as numpy's `varargs` give it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spacing<'a> {
    /// A uniform step, given as a plain number (numpy's Python float).
    Step(f64),
    /// Sample coordinates, one per sample along the axis.
    Coordinates(&'a [f64]),
}

impl Default for Spacing<'_> {
    fn default() -> Self {
        Spacing::Step(1.0)
    }
}

/// Accuracy of the one-sided differences at the two ends of an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeOrder {
    First,
    Second,
}

impl EdgeOrder {
    /// The fewest samples an axis needs for this edge order.
    pub fn min_len(self) -> usize {
        match self {
            EdgeOrder::First => 2,
            EdgeOrder::Second => 3,
        }
    }

    pub fn as_u32(self) -> u32 {
        self.min_len() as u32 - 1
    }
}

impl TryFrom<u32> for EdgeOrder {
    type Error = super::Error;
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        match value {
            1 => Ok(EdgeOrder::First),
            2 => Ok(EdgeOrder::Second),
            other => Err(super::Error::EdgeOrder(other)),
        }
    }
}

/// The arithmetic for one axis. `Coef` is whatever the interior formula needs
/// at one position along the axis; the kernels fetch it once per slab (or
/// once per position of a lane) and apply it to every element.
pub(crate) trait Stencil<T: Element>: Sync {
    type Coef: Copy;
    /// Coefficient for interior output position `i` (`1..n-1`).
    fn coef(&self, i: usize) -> Self::Coef;
    fn interior(c: Self::Coef, prev: T, here: T, next: T) -> T::Out;
    /// `interior` over contiguous rows that share one coefficient, written as
    /// zipped slices so that the compiler vectorises it. `prev`, `here` and
    /// `next` are at least as long as `out`.
    #[inline(always)]
    fn row(c: Self::Coef, prev: &[T], here: &[T], next: &[T], out: &mut [T::Out]) {
        let n = out.len();
        for (((o, &p), &h), &x) in out.iter_mut().zip(&prev[..n]).zip(&here[..n]).zip(&next[..n]) {
            *o = Self::interior(c, p, h, x);
        }
    }
    /// `out[j]` at positions `lo + j` of a contiguous lane `f`.
    fn lane_interior(&self, f: &[T], out: &mut [T::Out], lo: usize);
    /// Edge order 1: `out[0]` from `f[0], f[1]`.
    fn start1(&self, f0: T, f1: T) -> T::Out;
    /// Edge order 1: `out[n-1]` from `f[n-2], f[n-1]`.
    fn end1(&self, f_2: T, f_1: T) -> T::Out;
    /// Edge order 2: `out[0]` from `f[0], f[1], f[2]`.
    fn start2(&self, f0: T, f1: T, f2: T) -> T::Out;
    /// Edge order 2: `out[n-1]` from `f[n-3], f[n-2], f[n-1]`.
    fn end2(&self, f_3: T, f_2: T, f_1: T) -> T::Out;
    /// `out[0]` of a lane at this edge order; `f(i)` is sample `i`.
    #[inline(always)]
    fn lane_start(&self, edge: EdgeOrder, f: impl Fn(usize) -> T) -> T::Out {
        match edge {
            EdgeOrder::First => self.start1(f(0), f(1)),
            EdgeOrder::Second => self.start2(f(0), f(1), f(2)),
        }
    }
    /// `out[n-1]` of a lane of `n` samples at this edge order.
    #[inline(always)]
    fn lane_end(&self, edge: EdgeOrder, n: usize, f: impl Fn(usize) -> T) -> T::Out {
        match edge {
            EdgeOrder::First => self.end1(f(n - 2), f(n - 1)),
            EdgeOrder::Second => self.end2(f(n - 3), f(n - 2), f(n - 1)),
        }
    }
}

/// `(-1.5/h, 2/h, -0.5/h)` and `(0.5/h, -2/h, 1.5/h)`, in float64 as numpy
/// computes them from a Python float or a float64 scalar; multiplied by
/// `1/h` where that is exact, which gives the same bits (see `Scale`).
/// Edge order 1 reads none of them: NaN then, without the arithmetic,
/// which a small call would spend on nothing.
fn uniform_edge2(h: f64, edge: EdgeOrder) -> ([f64; 3], [f64; 3]) {
    if edge == EdgeOrder::First {
        return ([f64::NAN; 3], [f64::NAN; 3]);
    }
    let (start, end) = ([-1.5, 2.0, -0.5], [0.5, -2.0, 1.5]);
    match h.exact_reciprocal() {
        Some(r) => (start.map(|c| c * r), end.map(|c| c * r)),
        None => (start.map(|c| c / h), end.map(|c| c / h)),
    }
}

/// How a uniform interior applies its divisor `2h`, and a one-sided end its
/// divisor `h`: numpy divides; when the divisor has an exact reciprocal,
/// multiplying by it gives the same bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scale<W> {
    Divide(W),
    Multiply(W),
}

impl<W: Copy> Scale<W> {
    fn new(d: W, reciprocal: impl Fn(W) -> Option<W>) -> Self {
        reciprocal(d).map_or(Scale::Divide(d), Scale::Multiply)
    }

    /// `divide(hi, lo, d)` or `multiply(hi, lo, r)`.
    #[inline(always)]
    fn apply<T, O>(self, hi: T, lo: T, divide: impl Fn(T, T, W) -> O, multiply: impl Fn(T, T, W) -> O) -> O {
        match self {
            Scale::Divide(d) => divide(hi, lo, d),
            Scale::Multiply(r) => multiply(hi, lo, r),
        }
    }

    /// The divisor or factor, and whether it divides.
    pub(crate) fn parts(self) -> (W, bool) {
        match self {
            Scale::Divide(w) => (w, true),
            Scale::Multiply(w) => (w, false),
        }
    }
}

/// `out[j] = op(next[j], prev[j])`, one loop per way of scaling so that
/// the choice is made once per row, not per element.
///
/// The elements before `out`'s first 32-byte boundary go first, in a loop
/// of their own, so that the main loop's 256-bit stores never straddle two
/// cache lines. A lane's interior starts one element into its output, so
/// its stores are misaligned whenever the output is aligned. On the AMD
/// test machine this took calls on a 1000-sample lane to 0.76-0.98 of the
/// time, by the output's offset, and on a 100-sample lane to 0.84-0.93.
#[inline(always)]
fn uniform_row<T: Copy, O, W: Copy>(
    scale: Scale<W>,
    prev: &[T],
    next: &[T],
    out: &mut [O],
    divide: impl Fn(T, T, W) -> O,
    multiply: impl Fn(T, T, W) -> O,
) {
    let split = out.as_ptr().align_offset(32).min(out.len());
    let (head, body) = out.split_at_mut(split);
    for (out, from) in [(head, 0), (body, split)] {
        let n = out.len();
        let pairs = out.iter_mut().zip(&next[from..from + n]).zip(&prev[from..from + n]);
        match scale {
            Scale::Divide(d) => pairs.for_each(|((o, &x), &p)| *o = divide(x, p, d)),
            Scale::Multiply(r) => pairs.for_each(|((o, &x), &p)| *o = multiply(x, p, r)),
        }
    }
}

/// The interior of a contiguous lane as one row: `prev = f[lo-1..]`,
/// `next = f[lo+1..]`.
#[inline(always)]
fn lane_as_row<T: Element, S: Stencil<T>>(c: S::Coef, f: &[T], out: &mut [T::Out], lo: usize) {
    let n = out.len();
    S::row(c, &f[lo - 1..lo - 1 + n], &f[lo..lo + n], &f[lo + 1..lo + 1 + n], out);
}

/// A scalar step: every constant takes the array's precision (weak scalar).
pub(crate) struct WeakUniform<W> {
    twice: Scale<W>,
    step: Scale<W>,
    start: [W; 3],
    end: [W; 3],
}

impl<W: Copy> WeakUniform<W> {
    /// How the interior applies the step.
    pub(crate) fn scale(&self) -> Scale<W> {
        self.twice
    }

    pub(crate) fn new(h: f64, edge: EdgeOrder, weak: impl Fn(f64) -> W, reciprocal: impl Fn(W) -> Option<W>) -> Self {
        let (start, end) = uniform_edge2(h, edge);
        WeakUniform {
            twice: Scale::new(weak(2.0 * h), &reciprocal),
            step: Scale::new(weak(h), reciprocal),
            start: start.map(&weak),
            end: end.map(&weak),
        }
    }
}

impl<T: Element> Stencil<T> for WeakUniform<T::Weak> {
    type Coef = Scale<T::Weak>;
    #[inline(always)]
    fn coef(&self, _: usize) -> Scale<T::Weak> {
        self.twice
    }
    #[inline(always)]
    fn interior(twice: Scale<T::Weak>, prev: T, _: T, next: T) -> T::Out {
        twice.apply(next, prev, T::diff_weak, T::times_weak)
    }
    #[inline(always)]
    fn row(twice: Scale<T::Weak>, prev: &[T], _: &[T], next: &[T], out: &mut [T::Out]) {
        uniform_row(twice, prev, next, out, T::diff_weak, T::times_weak);
    }
    #[inline(always)]
    fn lane_interior(&self, f: &[T], out: &mut [T::Out], lo: usize) {
        lane_as_row::<T, Self>(self.twice, f, out, lo);
    }
    #[inline(always)]
    fn start1(&self, f0: T, f1: T) -> T::Out {
        self.step.apply(f1, f0, T::diff_weak, T::times_weak)
    }
    #[inline(always)]
    fn end1(&self, f_2: T, f_1: T) -> T::Out {
        self.step.apply(f_1, f_2, T::diff_weak, T::times_weak)
    }
    #[inline(always)]
    fn start2(&self, f0: T, f1: T, f2: T) -> T::Out {
        T::comb_weak(self.start, f0, f1, f2)
    }
    #[inline(always)]
    fn end2(&self, f_3: T, f_2: T, f_1: T) -> T::Out {
        T::comb_weak(self.end, f_3, f_2, f_1)
    }
}

/// Coordinates whose steps are all exactly equal: numpy reduces them to a
/// float64 scalar step, which is strong.
pub(crate) struct StrongUniform {
    twice: Scale<f64>,
    step: Scale<f64>,
    start: [f64; 3],
    end: [f64; 3],
}

impl StrongUniform {
    fn new(h: f64, edge: EdgeOrder, reciprocal: impl Fn(f64) -> Option<f64>) -> Self {
        let (start, end) = uniform_edge2(h, edge);
        StrongUniform { twice: Scale::new(2.0 * h, &reciprocal), step: Scale::new(h, reciprocal), start, end }
    }

    /// How the interior applies the step.
    pub(crate) fn scale(&self) -> Scale<f64> {
        self.twice
    }
}

impl<T: Element> Stencil<T> for StrongUniform {
    type Coef = Scale<f64>;
    #[inline(always)]
    fn coef(&self, _: usize) -> Scale<f64> {
        self.twice
    }
    #[inline(always)]
    fn interior(twice: Scale<f64>, prev: T, _: T, next: T) -> T::Out {
        twice.apply(next, prev, T::diff_strong, T::times_strong)
    }
    #[inline(always)]
    fn row(twice: Scale<f64>, prev: &[T], _: &[T], next: &[T], out: &mut [T::Out]) {
        uniform_row(twice, prev, next, out, T::diff_strong, T::times_strong);
    }
    #[inline(always)]
    fn lane_interior(&self, f: &[T], out: &mut [T::Out], lo: usize) {
        lane_as_row::<T, Self>(self.twice, f, out, lo);
    }
    #[inline(always)]
    fn start1(&self, f0: T, f1: T) -> T::Out {
        self.step.apply(f1, f0, T::diff_strong, T::times_strong)
    }
    #[inline(always)]
    fn end1(&self, f_2: T, f_1: T) -> T::Out {
        self.step.apply(f_1, f_2, T::diff_strong, T::times_strong)
    }
    #[inline(always)]
    fn start2(&self, f0: T, f1: T, f2: T) -> T::Out {
        T::comb_strong(self.start, f0, f1, f2)
    }
    #[inline(always)]
    fn end2(&self, f_3: T, f_2: T, f_1: T) -> T::Out {
        T::comb_strong(self.end, f_3, f_2, f_1)
    }
}

/// Coordinates with unequal steps: second-order three-point weights.
pub(crate) struct NonUniform<'a> {
    coords: &'a [f64],
    /// `table[k][i-1]` is weight `k` of output position `i`, when the axis
    /// has several lanes to share them; one array per weight, so that a
    /// lane loads them as vectors without shuffling (3% faster on 4096^2).
    /// A single lane uses each weight once: it computes them as it goes (the
    /// same operations, so the same bits), which spares a table three times
    /// the size of the data.
    table: Option<[Vec<f64>; 3]>,
    first_step: f64,
    last_step: f64,
    start: [f64; 3],
    end: [f64; 3],
}

/// numpy's interior weights `(a, b, c)` from the steps `p` before and `q`
/// after a sample.
#[inline(always)]
fn weights(p: f64, q: f64) -> [f64; 3] {
    [-q / (p * (p + q)), (q - p) / (p * q), p / (q * (p + q))]
}

impl<'a> NonUniform<'a> {
    /// `x` has `n >= 2` entries; `lanes` is how many lanes share them.
    fn new(x: &'a [f64], lanes: usize) -> Self {
        let n = x.len();
        let step = |i: usize| x[i + 1] - x[i];
        let table = (lanes > 1).then(|| {
            let mut table: [Vec<f64>; 3] = std::array::from_fn(|_| Vec::with_capacity(n - 2));
            for i in 1..n - 1 {
                for (column, w) in table.iter_mut().zip(weights(step(i - 1), step(i))) {
                    column.push(w);
                }
            }
            table
        });
        let (start, end) = if n >= 3 {
            let (p, q) = (step(0), step(1));
            let start = [-(2.0 * p + q) / (p * (p + q)), (p + q) / (p * q), -p / (q * (p + q))];
            let (p, q) = (step(n - 3), step(n - 2));
            let end = [q / (p * (p + q)), -(q + p) / (p * q), (2.0 * q + p) / (q * (p + q))];
            (start, end)
        } else {
            ([f64::NAN; 3], [f64::NAN; 3])
        };
        NonUniform { coords: x, table, first_step: step(0), last_step: step(n - 2), start, end }
    }

    /// The weights `(a, b, c)` of positions `1..n-1`, one array each, if
    /// tabulated.
    pub(crate) fn table(&self) -> Option<[&[f64]; 3]> {
        self.table.as_ref().map(|t| t.each_ref().map(Vec::as_slice))
    }
}

impl<T: Element> Stencil<T> for NonUniform<'_> {
    type Coef = [f64; 3];
    #[inline(always)]
    fn coef(&self, i: usize) -> [f64; 3] {
        match &self.table {
            Some(t) => t.each_ref().map(|w| w[i - 1]),
            None => weights(self.coords[i] - self.coords[i - 1], self.coords[i + 1] - self.coords[i]),
        }
    }
    #[inline(always)]
    fn interior(c: [f64; 3], prev: T, here: T, next: T) -> T::Out {
        T::comb_strong(c, prev, here, next)
    }
    #[inline(always)]
    fn lane_interior(&self, f: &[T], out: &mut [T::Out], lo: usize) {
        let n = out.len();
        let (prev, here, next) = (&f[lo - 1..lo - 1 + n], &f[lo..lo + n], &f[lo + 1..lo + 1 + n]);
        if let Some(t) = &self.table {
            let [a, b, c] = t.each_ref().map(|w| &w[lo - 1..lo - 1 + n]);
            for j in 0..n {
                out[j] = T::comb_strong([a[j], b[j], c[j]], prev[j], here[j], next[j]);
            }
        } else {
            let x = &self.coords[lo - 1..lo + n + 1];
            let (xp, xh, xn) = (&x[..n], &x[1..n + 1], &x[2..n + 2]);
            for j in 0..n {
                let c = weights(xh[j] - xp[j], xn[j] - xh[j]);
                out[j] = T::comb_strong(c, prev[j], here[j], next[j]);
            }
        }
    }
    #[inline(always)]
    fn start1(&self, f0: T, f1: T) -> T::Out {
        T::diff_strong(f1, f0, self.first_step)
    }
    #[inline(always)]
    fn end1(&self, f_2: T, f_1: T) -> T::Out {
        T::diff_strong(f_1, f_2, self.last_step)
    }
    #[inline(always)]
    fn start2(&self, f0: T, f1: T, f2: T) -> T::Out {
        T::comb_strong(self.start, f0, f1, f2)
    }
    #[inline(always)]
    fn end2(&self, f_3: T, f_2: T, f_1: T) -> T::Out {
        T::comb_strong(self.end, f_3, f_2, f_1)
    }
}

/// The stencil numpy would use for one axis.
pub(crate) enum AxisStencil<'a, W> {
    Weak(WeakUniform<W>),
    Strong(StrongUniform),
    NonUniform(NonUniform<'a>),
}

impl<'a, W: Copy> AxisStencil<'a, W> {
    /// For an axis along which the array has `lanes` lanes, at edge order
    /// `edge` (a uniform stencil for edge order 1 holds no edge-order-2
    /// weights: see `uniform_edge2`).
    /// `coordinates.len() >= 2` has been checked by the caller. Inlined, so
    /// that the stencil is built where the caller keeps it, not copied
    /// there (a stall on every small call).
    #[inline(always)]
    pub(crate) fn new<T: Element<Weak = W>>(spacing: Spacing<'a>, lanes: usize, edge: EdgeOrder) -> Self {
        match spacing {
            Spacing::Step(h) => AxisStencil::Weak(WeakUniform::new(h, edge, T::weak, T::weak_reciprocal)),
            Spacing::Coordinates(x) => {
                let h = x[1] - x[0];
                // Exact equality, as numpy's `(diffx == diffx[0]).all()`.
                if x.windows(2).all(|w| w[1] - w[0] == h) {
                    AxisStencil::Strong(StrongUniform::new(h, edge, T::strong_reciprocal))
                } else {
                    AxisStencil::NonUniform(NonUniform::new(x, lanes))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_steps_reduce_to_a_strong_scalar() {
        let x = [0.0, 1.0, 2.0, 3.0];
        assert!(matches!(AxisStencil::new::<f64>(Spacing::Coordinates(&x), 1, EdgeOrder::First), AxisStencil::<'_, f64>::Strong(_)));
        // 0.1 steps that differ in the last bit are not uniform for numpy.
        let y = [0.0, 0.1, 0.2, 0.3];
        assert!(matches!(AxisStencil::new::<f64>(Spacing::Coordinates(&y), 1, EdgeOrder::First), AxisStencil::<'_, f64>::NonUniform(_)));
    }

    #[test]
    fn a_single_lane_computes_the_weights_a_table_holds() {
        let x: Vec<f64> = (0..40).map(|i| f64::from(i) * 0.7 + f64::from(i * i % 7) * 0.013).collect();
        let f: Vec<f64> = (0..40).map(|i| f64::from(i * i % 11) - 3.5).collect();
        let (one, shared) = (NonUniform::new(&x, 1), NonUniform::new(&x, 2));
        assert!(one.table.is_none() && shared.table().is_some_and(|t| t[2].len() == 38));
        let (mut a, mut b) = ([0.0; 38], [0.0; 38]);
        Stencil::<f64>::lane_interior(&one, &f, &mut a, 1);
        Stencil::<f64>::lane_interior(&shared, &f, &mut b, 1);
        for i in 1..39 {
            let (p, q) = (x[i] - x[i - 1], x[i + 1] - x[i]);
            let expected = -q / (p * (p + q)) * f[i - 1] + (q - p) / (p * q) * f[i] + p / (q * (p + q)) * f[i + 1];
            assert_eq!(a[i - 1].to_bits(), expected.to_bits(), "position {i}");
            assert_eq!(b[i - 1].to_bits(), expected.to_bits(), "position {i}");
            let c = Stencil::<f64>::coef(&one, i);
            assert_eq!(c.map(f64::to_bits), Stencil::<f64>::coef(&shared, i).map(f64::to_bits));
        }
    }

    #[test]
    fn uniform_ends_are_numpys_quotients_for_every_step() {
        // Powers of two (multiplied by their reciprocals), others (divided),
        // and a subnormal power of two, which has no exact reciprocal.
        let steps = [1.0, 0.5, -4.0, 2f64.powi(-1000), 2f64.powi(1000), 0.3, -7.0, 1e-310];
        let f = [1.0 / 3.0, -2.7, 1e300, 5e-324, -0.0, 1.3e-308];
        for h in steps {
            for edge in [EdgeOrder::First, EdgeOrder::Second] {
                let weak = WeakUniform::new(h, edge, |x| x, f64::exact_reciprocal);
                let strong = StrongUniform::new(h, edge, f64::exact_reciprocal);
                for w in f.windows(3) {
                    let (a, b, c) = (w[0], w[1], w[2]);
                    let mut ends = vec![
                        (Stencil::<f64>::start1(&weak, a, b), (b - a) / h),
                        (Stencil::<f64>::end1(&weak, a, b), (b - a) / h),
                        (Stencil::<f64>::start1(&strong, a, b), (b - a) / h),
                        (Stencil::<f64>::end1(&strong, a, b), (b - a) / h),
                    ];
                    if edge == EdgeOrder::Second {
                        let start2 = -1.5 / h * a + 2.0 / h * b + -0.5 / h * c;
                        let end2 = 0.5 / h * a + -2.0 / h * b + 1.5 / h * c;
                        ends.extend([
                            (Stencil::<f64>::start2(&weak, a, b, c), start2),
                            (Stencil::<f64>::end2(&weak, a, b, c), end2),
                            (Stencil::<f64>::start2(&strong, a, b, c), start2),
                            (Stencil::<f64>::end2(&strong, a, b, c), end2),
                        ]);
                    }
                    for (got, expected) in ends {
                        assert_eq!(got.to_bits(), expected.to_bits(), "h = {h:e}, {edge:?}, samples {w:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn uniform_rows_are_the_formula_at_every_alignment() {
        let f: Vec<f64> = (0..48).map(|i| f64::from(i * i % 13) * 0.37 - 1.1).collect();
        for scale in [Scale::Divide(3.0), Scale::Multiply(0.5)] {
            for offset in 0..4 {
                for n in 0..=40 {
                    let mut buffer = [f64::NAN; 48];
                    uniform_row(scale, &f[..n], &f[2..2 + n], &mut buffer[offset..offset + n], |x, p, d| (x - p) / d, |x, p, r| (x - p) * r);
                    for (j, o) in buffer.iter().enumerate() {
                        let expected = match (j.checked_sub(offset).filter(|&k| k < n), scale) {
                            (None, _) => f64::NAN,
                            (Some(k), Scale::Divide(d)) => (f[k + 2] - f[k]) / d,
                            (Some(k), Scale::Multiply(r)) => (f[k + 2] - f[k]) * r,
                        };
                        assert_eq!(o.to_bits(), expected.to_bits(), "offset {offset}, length {n}, element {j}");
                    }
                }
            }
        }
    }

    #[test]
    fn nan_coordinates_are_not_uniform() {
        let x = [0.0, f64::NAN, 2.0];
        assert!(matches!(AxisStencil::new::<f64>(Spacing::Coordinates(&x), 1, EdgeOrder::First), AxisStencil::<'_, f64>::NonUniform(_)));
    }

    #[test]
    fn edge_order_parses_only_one_and_two() {
        assert_eq!(EdgeOrder::try_from(1), Ok(EdgeOrder::First));
        assert_eq!(EdgeOrder::try_from(2), Ok(EdgeOrder::Second));
        assert!(EdgeOrder::try_from(0).is_err());
        assert!(EdgeOrder::try_from(3).is_err());
    }
}
