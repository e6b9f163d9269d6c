//! Loops that apply a stencil along one axis of an n-dimensional view.
//!
//! Two traversals, chosen by memory layout: when the differentiated axis is
//! the one with the smallest stride, each lane is walked along its length
//! (`along_lanes`); otherwise whole slabs perpendicular to the axis are
//! combined element by element (`across_slabs`), so the inner loop runs over
//! the contiguous axis and the neighbouring slabs stay in cache.

use ndarray::{ArrayView1, ArrayViewD, ArrayViewMut1, ArrayViewMutD, Axis, Zip};

use super::element::Element;
use super::stencil::{EdgeOrder, Stencil};

pub(crate) fn differentiate<T: Element, S: Stencil<T>>(
    stencil: &S,
    f: &ArrayViewD<'_, T>,
    out: &mut ArrayViewMutD<'_, T::Out>,
    axis: usize,
    edge: EdgeOrder,
) {
    if is_innermost(f, axis) {
        along_lanes(stencil, f, out, axis, edge);
    } else {
        across_slabs(stencil, f, out, axis, edge);
    }
}

/// True when no other axis of length > 1 has a smaller stride than `axis`.
fn is_innermost<T>(f: &ArrayViewD<'_, T>, axis: usize) -> bool {
    let mine = f.strides()[axis].unsigned_abs();
    f.shape()
        .iter()
        .zip(f.strides())
        .enumerate()
        .all(|(k, (&len, &stride))| k == axis || len <= 1 || stride.unsigned_abs() >= mine)
}

fn along_lanes<T: Element, S: Stencil<T>>(
    stencil: &S,
    f: &ArrayViewD<'_, T>,
    out: &mut ArrayViewMutD<'_, T::Out>,
    axis: usize,
    edge: EdgeOrder,
) {
    Zip::from(out.lanes_mut(Axis(axis)))
        .and(f.lanes(Axis(axis)))
        .for_each(|o, f| lane(stencil, f, o, edge));
}

fn lane<T: Element, S: Stencil<T>>(stencil: &S, f: ArrayView1<'_, T>, mut o: ArrayViewMut1<'_, T::Out>, edge: EdgeOrder) {
    let n = f.len();
    match (f.as_slice(), o.as_slice_mut()) {
        (Some(f), Some(o)) => {
            let o = &mut o[..n];
            lane_with(stencil, n, |i| f[i], |i, v| o[i] = v, edge)
        }
        _ => lane_with(stencil, n, |i| f[i], |i, v| o[i] = v, edge),
    }
}

#[inline(always)]
fn lane_with<T: Element, S: Stencil<T>>(
    stencil: &S,
    n: usize,
    get: impl Fn(usize) -> T,
    mut set: impl FnMut(usize, T::Out),
    edge: EdgeOrder,
) {
    for i in 1..n - 1 {
        set(i, S::interior(stencil.coef(i), get(i - 1), get(i), get(i + 1)));
    }
    match edge {
        EdgeOrder::First => {
            set(0, stencil.start1(get(0), get(1)));
            set(n - 1, stencil.end1(get(n - 2), get(n - 1)));
        }
        EdgeOrder::Second => {
            set(0, stencil.start2(get(0), get(1), get(2)));
            set(n - 1, stencil.end2(get(n - 3), get(n - 2), get(n - 1)));
        }
    }
}

fn across_slabs<T: Element, S: Stencil<T>>(
    stencil: &S,
    f: &ArrayViewD<'_, T>,
    out: &mut ArrayViewMutD<'_, T::Out>,
    axis: usize,
    edge: EdgeOrder,
) {
    let ax = Axis(axis);
    let n = f.len_of(ax);
    let slab = |i: usize| f.index_axis(ax, i);
    for (i, o) in out.axis_iter_mut(ax).enumerate() {
        if i == 0 || i == n - 1 {
            let first = i == 0;
            match (edge, first) {
                (EdgeOrder::First, true) => {
                    Zip::from(o).and(slab(0)).and(slab(1)).for_each(|o, &a, &b| *o = stencil.start1(a, b))
                }
                (EdgeOrder::First, false) => {
                    Zip::from(o).and(slab(n - 2)).and(slab(n - 1)).for_each(|o, &a, &b| *o = stencil.end1(a, b))
                }
                (EdgeOrder::Second, true) => Zip::from(o)
                    .and(slab(0))
                    .and(slab(1))
                    .and(slab(2))
                    .for_each(|o, &a, &b, &c| *o = stencil.start2(a, b, c)),
                (EdgeOrder::Second, false) => Zip::from(o)
                    .and(slab(n - 3))
                    .and(slab(n - 2))
                    .and(slab(n - 1))
                    .for_each(|o, &a, &b, &c| *o = stencil.end2(a, b, c)),
            }
        } else {
            let coef = stencil.coef(i);
            Zip::from(o)
                .and(slab(i - 1))
                .and(slab(i))
                .and(slab(i + 1))
                .for_each(|o, &a, &b, &c| *o = S::interior(coef, a, b, c));
        }
    }
}
