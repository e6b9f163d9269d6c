//! Small dense calls: each axis in turn over the whole array, on slices.
//!
//! A dense array holds its elements exactly once in one slice, in any axis
//! order (C and Fortran order among them). Along an axis of `n` samples
//! `d` elements apart, such a slice is a run of blocks of `n * d`
//! elements, each `n` slabs of `d` contiguous elements, or, for `d == 1`,
//! one lane: no views are needed, and an outer axis computes each output
//! slab in one loop over contiguous input slabs. On small arrays the views,
//! axis reordering and row-by-row dispatch of `flat` cost more than the
//! arithmetic, most rows being the edge of some axis there.

use super::element::Element;
use super::flat::{lane_ends, lane_piece};
use super::stencil::{AxisStencil, EdgeOrder, Spacing, Stencil};
use super::threads;

/// Whether a call with `outputs` outputs on an array of `len` elements,
/// `shape` and `strides` (in elements) takes this path: its input is dense
/// (`is_dense`) and it is too small for threads, which this path does not
/// use. On the AMD test machine, against `flat`, at 1 thread: 0.28x the
/// time on 10x10 float64 with both axes, 0.17x on 8^3, 0.55-0.68x on 48^2
/// and 64^2, 0.28x on 16^3; and, were it used for them, 0.86x on 256^2,
/// 0.93x on 512^2, 1.00x on 1024^2.
pub(crate) fn is_small_dense(len: usize, shape: &[usize], strides: &[isize], outputs: usize) -> bool {
    len.saturating_mul(outputs) < threads::PARALLEL_MIN_ELEMENTS && is_dense(shape, strides)
}

/// Whether `strides` (in elements) lay an array of `shape` out densely:
/// the axes longer than 1, ordered by stride, have strides 1, the first
/// length, the product of the first two, and so on. Such an array reaches
/// every element of its first `shape.iter().product()` exactly once.
fn is_dense(shape: &[usize], strides: &[isize]) -> bool {
    let mut step = 1usize;
    let long = shape.iter().filter(|&&n| n > 1).count();
    for _ in 0..long {
        // The one axis at this stride: a second one, or none, leaves the
        // count short.
        match shape.iter().zip(strides).find(|&(&n, &s)| n > 1 && usize::try_from(s) == Ok(step)) {
            Some((&n, _)) => step *= n,
            None => return false,
        }
    }
    true
}

/// Whether two arrays of `shape` share their strides on every axis longer
/// than 1 (an axis of length 1 has no step, whatever its stride says).
pub(crate) fn laid_out_alike(shape: &[usize], a: &[isize], b: &[isize]) -> bool {
    shape.iter().zip(a).zip(b).all(|((&n, &a), &b)| n <= 1 || a == b)
}

/// `core::compute` for a small dense array (`is_small_dense`) and outputs
/// laid out like it, as slices (views of them cost more to make than the
/// arithmetic): differentiates `f` along each of `axes` into the matching
/// output. Each axis's stencil is made as its turn comes, where it is
/// used: collected beforehand, the stencils were copied (with `memcpy`)
/// on every call.
pub(crate) fn run<T: Element>(
    f: &[T],
    shape: &[usize],
    strides: &[isize],
    spacing: &[Spacing<'_>],
    axes: &[usize],
    edge: EdgeOrder,
    outs: &mut [&mut [T::Out]],
) {
    crate::cpu::widest(
        #[inline(always)]
        || {
            for (&k, out) in axes.iter().zip(outs.iter_mut()) {
                let (n, d) = (shape[k], strides[k].unsigned_abs());
                match &AxisStencil::new::<T>(spacing[k], f.len() / n, edge) {
                    AxisStencil::Weak(s) => axis(s, true, n, d, f, out, edge),
                    AxisStencil::Strong(s) => axis(s, true, n, d, f, out, edge),
                    AxisStencil::NonUniform(s) => axis(s, false, n, d, f, out, edge),
                }
            }
        },
    );
}

/// One axis of `n` samples `d` elements apart. A `uniform` stencil (the
/// same coefficient at every position) computes the interior of a whole
/// block as one row, and that of the row axis over the whole array, the
/// lane ends put back afterwards: short lanes and slabs cost more in loop
/// set-up than in arithmetic. On the AMD test machine, against a loop per
/// lane and per slab: 0.87x the time on 10x10 float64 with both axes,
/// 0.81x on 4^3, 0.85x on 8^3.
#[inline(always)]
fn axis<T: Element, S: Stencil<T>>(stencil: &S, uniform: bool, n: usize, d: usize, f: &[T], out: &mut [T::Out], edge: EdgeOrder) {
    if d == 1 {
        if uniform {
            stencil.lane_interior(f, &mut out[1..f.len() - 1], 1);
            lane_ends(stencil, f, out, n, edge);
        } else {
            for (f, o) in f.chunks_exact(n).zip(out.chunks_exact_mut(n)) {
                lane_piece(stencil, f, o, 0, edge);
            }
        }
        return;
    }
    for (f, out) in f.chunks_exact(n * d).zip(out.chunks_exact_mut(n * d)) {
        let slab = |i: usize| &f[i * d..(i + 1) * d];
        let (first, rest) = out.split_at_mut(d);
        let (middle, last) = rest.split_at_mut((n - 2) * d);
        if uniform {
            S::row(stencil.coef(1), &f[..(n - 2) * d], &f[d..(n - 1) * d], &f[2 * d..], middle);
        } else {
            for (i, o) in (1..).zip(middle.chunks_exact_mut(d)) {
                S::row(stencil.coef(i), slab(i - 1), slab(i), slab(i + 1), o);
            }
        }
        let ends = first.iter_mut().zip(last).zip(slab(0)).zip(slab(1)).zip(slab(n - 2)).zip(slab(n - 1));
        match edge {
            EdgeOrder::First => {
                for (((((a, b), &f0), &f1), &g1), &g0) in ends {
                    (*a, *b) = (stencil.start1(f0, f1), stencil.end1(g1, g0));
                }
            }
            EdgeOrder::Second => {
                for ((((((a, b), &f0), &f1), &g1), &g0), (&f2, &g2)) in ends.zip(slab(2).iter().zip(slab(n - 3))) {
                    (*a, *b) = (stencil.start2(f0, f1, f2), stencil.end2(g2, g1, g0));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_layouts() {
        // C order, Fortran order, and axes in any other order.
        assert!(is_dense(&[3, 4, 5], &[20, 5, 1]));
        assert!(is_dense(&[3, 4, 5], &[1, 3, 12]));
        assert!(is_dense(&[3, 4, 5], &[5, 15, 1]));
        // Axes of length 1 have no step, whatever their stride.
        assert!(is_dense(&[3, 1, 5], &[5, -7, 1]));
        assert!(is_dense(&[1, 1], &[0, 0]));
    }

    #[test]
    fn sparse_or_repeating_layouts() {
        // Every other element; a gap between rows; rows that repeat.
        assert!(!is_dense(&[3, 4], &[8, 2]));
        assert!(!is_dense(&[3, 4], &[5, 1]));
        assert!(!is_dense(&[3, 4], &[0, 1]));
        assert!(!is_dense(&[3, 4], &[1, 1]));
        // Reversed: dense, but element 0 is not the lowest address.
        assert!(!is_dense(&[3, 4], &[-4, 1]));
        assert!(!is_dense(&[4], &[-1]));
    }

    #[test]
    fn layouts_alike_ignore_axes_of_length_1() {
        assert!(laid_out_alike(&[3, 1, 5], &[5, 5, 1], &[5, 99, 1]));
        assert!(!laid_out_alike(&[3, 4], &[4, 1], &[1, 3]));
    }
}
