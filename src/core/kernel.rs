//! Loops that apply the stencils of all selected axes in one pass, for any
//! strides. (Outputs contiguous in the input's axis order take the faster
//! `flat` path.)
//!
//! The array is cut into blocks along its outermost axis (largest stride),
//! small enough to stay in cache (`threads::BLOCK_ELEMENTS`), and every
//! selected axis is differentiated block by block: the input is read from
//! memory about once however many axes are selected. Blocks are
//! independent, so they are also the unit of work for threads, and each is
//! run through `crate::cpu::widest` (AVX2 where the CPU has it), which is
//! why the functions below are `#[inline(always)]`.
//!
//! Outputs of large calls are written past the cache (`store`) wherever
//! they are contiguous along the loop that writes them.
//!
//! Within a block, two traversals, chosen by memory layout: when the
//! differentiated axis has the smallest stride, each lane is walked along its
//! length (`lane`); otherwise slabs perpendicular to the axis are combined
//! row by row (`across_slabs`), so the inner loop runs over the contiguous
//! axis.

use ndarray::{ArrayView1, ArrayViewD, ArrayViewMut1, ArrayViewMutD, Axis, Slice, Zip};

use super::element::{Element, StridedDiff};
use super::flat::{self, lane_piece};
use super::stencil::{AxisStencil, EdgeOrder, Scale, Stencil};
use super::store::{self, Store};
use super::threads;

/// The stencil of one selected axis.
pub(crate) struct AxisPlan<'a, W> {
    pub axis: usize,
    pub stencil: AxisStencil<'a, W>,
}

/// Differentiates `f` along every planned axis into the matching output.
pub(crate) fn run<T: Element>(
    f: &ArrayViewD<'_, T>,
    plans: &[AxisPlan<'_, T::Weak>],
    outs: &mut [ArrayViewMutD<'_, T::Out>],
    edge: EdgeOrder,
) {
    if flat::run(f, plans, outs, edge) {
        return;
    }
    let m = outermost(f);
    let n = f.len_of(Axis(m));
    let slab = f.len() / n;
    // A lane that computes its coordinate weights as it goes (the only lane
    // along its axis, see `NonUniform`) is limited by their divisions, not
    // by memory: streaming would only add the copy through the buffer (10^7
    // samples took 0.86-0.89x the time without it at 1 thread, within 5%
    // either way at 2).
    let computes_weights = plans.iter().any(|p| matches!(&p.stencil, AxisStencil::NonUniform(s) if s.table().is_none()));
    let stream = store::streams::<T::Out>(f.len() * plans.len()) && !computes_weights;
    // Streaming, the innermost axis goes first, as in `flat` (and for the
    // same reason): 10% faster on a stepped 4096^2 input at 1 thread.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    if stream {
        order.sort_by_key(|&k| !is_innermost(f, plans[k].axis));
    }
    threads::run(f.len() * plans.len(), |parallel| {
        let rows = threads::rows_per_block(n, slab, parallel);
        if rows >= n {
            let mut store = Store::new(stream);
            for &k in &order {
                apply(&plans[k], f, &mut outs[k], 0, edge, &mut store);
            }
            store.finish();
            return;
        }
        let chunks = outs.iter_mut().map(|out| out.axis_chunks_iter_mut(Axis(m), rows));
        threads::for_each_block(chunks, parallel, |b| b, |(): &mut (), b, mut chunks| {
            let start = b * rows;
            let inside = f.slice_axis(Axis(m), Slice::from(start..(start + rows).min(n)));
            crate::cpu::widest(
                #[inline(always)]
                || {
                    let mut store = Store::new(stream);
                    for &k in &order {
                        let (plan, out) = (&plans[k], &mut chunks[k]);
                        if plan.axis == m {
                            // Needs the neighbouring rows outside the block.
                            apply(plan, f, out, start, edge, &mut store);
                        } else {
                            apply(plan, &inside, out, 0, edge, &mut store);
                        }
                    }
                    store.finish();
                },
            )
        });
    });
}

/// [`run`] for a 1-D array and its one output.
pub(crate) fn run_lane<T: Element>(f: ArrayView1<'_, T>, plan: &AxisPlan<'_, T::Weak>, mut out: ArrayViewMut1<'_, T::Out>, edge: EdgeOrder) {
    if f.len() <= super::SHORT_LANE {
        if let (Some(fs), Some(os)) = (f.as_slice(), out.as_slice_mut()) {
            return short_lane(fs, plan, os, edge);
        }
    }
    run(&f.into_dyn(), std::slice::from_ref(plan), &mut [out.into_dyn()], edge);
}

/// One contiguous lane of at most [`SHORT_LANE`](super::SHORT_LANE)
/// samples, one block: no threads, no store buffer. The block set-up and
/// the dynamic-dimension conversions of `run` would cost more than the
/// arithmetic, and so would views.
pub(crate) fn short_lane<T: Element>(f: &[T], plan: &AxisPlan<'_, T::Weak>, out: &mut [T::Out], edge: EdgeOrder) {
    crate::cpu::widest(
        #[inline(always)]
        move || match &plan.stencil {
            AxisStencil::Weak(s) => lane_piece(s, f, out, 0, edge),
            AxisStencil::Strong(s) => lane_piece(s, f, out, 0, edge),
            AxisStencil::NonUniform(s) => lane_piece(s, f, out, 0, edge),
        },
    );
}

/// The axis of length > 1 with the largest stride (0 if there is none).
fn outermost<T>(f: &ArrayViewD<'_, T>) -> usize {
    (0..f.ndim()).filter(|&k| f.len_of(Axis(k)) > 1).max_by_key(|&k| f.strides()[k].unsigned_abs()).unwrap_or(0)
}

/// The axis of length > 1 with the smallest stride. (ndarray gives axes of
/// length 1 a zero stride, so they must not count.)
fn innermost<T>(f: &ArrayViewD<'_, T>) -> Option<usize> {
    (0..f.ndim()).filter(|&k| f.len_of(Axis(k)) > 1).min_by_key(|&k| f.strides()[k].unsigned_abs())
}

/// True when no other axis of length > 1 has a smaller stride than `axis`.
fn is_innermost<T>(f: &ArrayViewD<'_, T>, axis: usize) -> bool {
    innermost(f).is_none_or(|k| k == axis || f.strides()[k].unsigned_abs() == f.strides()[axis].unsigned_abs())
}

/// `out` holds positions `start..start + out.len_of(axis)` along `axis`; `f`
/// holds the whole axis.
#[inline(always)]
fn apply<T: Element>(
    plan: &AxisPlan<'_, T::Weak>,
    f: &ArrayViewD<'_, T>,
    out: &mut ArrayViewMutD<'_, T::Out>,
    start: usize,
    edge: EdgeOrder,
    store: &mut Store<T::Out>,
) {
    match &plan.stencil {
        AxisStencil::Weak(s) => match T::STRIDED_DIFF {
            // A single lane, streamed, on CPUs with AVX2: its lines are
            // stored straight from registers (`crate::cpu::strided_diff`).
            // 10^7 float64 took 0.75-0.78x the time of the buffer at 1
            // thread, 0.79-0.87x at 2 on the Intel test machine, and
            // 0.81-0.82x / 0.98x on the AMD one (then 0.92x / 0.93x of
            // that in 128-bit vectors, `crate::cpu::ShiftsBy2`).
            Some(diff) if f.ndim() == 1 && store.streams() && crate::cpu::direct_lane_stores() => {
                single_lane(s, f, out, start, edge, store, Some((diff, s.scale())));
            }
            _ => differentiate(s, f, out, plan.axis, start, edge, store),
        },
        AxisStencil::Strong(s) => differentiate(s, f, out, plan.axis, start, edge, store),
        AxisStencil::NonUniform(s) => differentiate(s, f, out, plan.axis, start, edge, store),
    }
}

#[inline(always)]
fn differentiate<T: Element, S: Stencil<T>>(
    stencil: &S,
    f: &ArrayViewD<'_, T>,
    out: &mut ArrayViewMutD<'_, T::Out>,
    axis: usize,
    start: usize,
    edge: EdgeOrder,
    store: &mut Store<T::Out>,
) {
    if f.ndim() == 1 {
        single_lane(stencil, f, out, start, edge, store, None);
    } else if is_innermost(f, axis) {
        Zip::from(out.lanes_mut(Axis(axis)))
            .and(f.lanes(Axis(axis)))
            .for_each(|o, f| lane(stencil, f, o, start, edge, store, None));
    } else {
        across_slabs(stencil, f, out, axis, start, edge, store);
    }
}

/// A 1-D `f`: skips the n-dimensional lane machinery, which costs more
/// than the arithmetic on a short array.
#[inline(always)]
fn single_lane<T: Element, S: Stencil<T>>(
    stencil: &S,
    f: &ArrayViewD<'_, T>,
    out: &mut ArrayViewMutD<'_, T::Out>,
    start: usize,
    edge: EdgeOrder,
    store: &mut Store<T::Out>,
    direct: Option<DirectDiff<T>>,
) {
    let f = f.view().into_dimensionality().expect("one dimension");
    let o = out.view_mut().into_dimensionality().expect("one dimension");
    lane(stencil, f, o, start, edge, store, direct);
}

/// The type's loop for a scalar step that stores whole output lines straight
/// from registers, and that step: for `lane` to use instead of the store's
/// buffer.
type DirectDiff<T> = (StridedDiff<T>, Scale<<T as Element>::Weak>);

#[inline(always)]
fn lane<T: Element, S: Stencil<T>>(
    stencil: &S,
    f: ArrayView1<'_, T>,
    mut o: ArrayViewMut1<'_, T::Out>,
    start: usize,
    edge: EdgeOrder,
    store: &mut Store<T::Out>,
    direct: Option<DirectDiff<T>>,
) {
    let n = f.len();
    let end = start + o.len();
    let (lo, hi) = (start.max(1), end.min(n - 1));
    if lo < hi {
        let mut inner = o.slice_axis_mut(Axis(0), Slice::from(lo - start..hi - start));
        match (f.as_slice(), inner.as_slice_mut(), direct) {
            (_, Some(os), Some((diff, step))) => {
                let (w, divide) = step.parts();
                let tap = |by: isize| f.slice_axis(Axis(0), Slice::from(lo as isize + by..hi as isize + by));
                diff(os, tap(1), tap(-1), w, divide, true);
            }
            (Some(fs), Some(os), None) => store.fill(
                os,
                #[inline(always)]
                |a, o| stencil.lane_interior(fs, o, lo + a),
            ),
            (None, Some(os), None) => store.fill(
                os,
                #[inline(always)]
                |a, o| strided_lane(stencil, &f, ArrayViewMut1::from(o), lo + a),
            ),
            (_, None, _) => strided_lane(stencil, &f, inner, lo),
        }
    }
    if start == 0 {
        o[0] = stencil.lane_start(edge, |i| f[i]);
    }
    if end == n {
        o[n - 1 - start] = stencil.lane_end(edge, n, |i| f[i]);
    }
}

/// `o[j]` at positions `lo + j` of the lane `f`: zipped views walk by
/// stride, without bounds checks.
#[inline(always)]
fn strided_lane<T: Element, S: Stencil<T>>(stencil: &S, f: &ArrayView1<'_, T>, o: ArrayViewMut1<'_, T::Out>, lo: usize) {
    let part = |a: usize| f.slice_axis(Axis(0), Slice::from(a..a + o.len()));
    let (p, h, x) = (part(lo - 1), part(lo), part(lo + 1));
    let mut g = lo;
    Zip::from(o).and(p).and(h).and(x).for_each(|o, &p, &h, &x| {
        *o = S::interior(stencil.coef(g), p, h, x);
        g += 1;
    });
}

#[inline(always)]
fn across_slabs<T: Element, S: Stencil<T>>(
    stencil: &S,
    f: &ArrayViewD<'_, T>,
    out: &mut ArrayViewMutD<'_, T::Out>,
    axis: usize,
    start: usize,
    edge: EdgeOrder,
    store: &mut Store<T::Out>,
) {
    let ax = Axis(axis);
    let n = f.len_of(ax);
    let end = start + out.len_of(ax);
    let (lo, hi) = (start.max(1), end.min(n - 1));
    let part = |a: usize, b: usize| f.slice_axis(ax, Slice::from(a..b));
    if lo < hi {
        let coefs: Vec<S::Coef> = (lo..hi).map(|g| stencil.coef(g)).collect();
        let o = out.slice_axis_mut(ax, Slice::from(lo - start..hi - start));
        slab_interior::<T, S>(&coefs, axis, part(lo - 1, hi - 1), part(lo, hi), part(lo + 1, hi + 1), o, store);
    }
    let slab = |g: usize| f.index_axis(ax, g);
    if start == 0 {
        let o = out.index_axis_mut(ax, 0);
        match edge {
            EdgeOrder::First => Zip::from(o).and(slab(0)).and(slab(1)).for_each(|o, &a, &b| *o = stencil.start1(a, b)),
            EdgeOrder::Second => {
                Zip::from(o).and(slab(0)).and(slab(1)).and(slab(2)).for_each(|o, &a, &b, &c| *o = stencil.start2(a, b, c))
            }
        }
    }
    if end == n {
        let o = out.index_axis_mut(ax, n - 1 - start);
        match edge {
            EdgeOrder::First => Zip::from(o).and(slab(n - 2)).and(slab(n - 1)).for_each(|o, &a, &b| *o = stencil.end1(a, b)),
            EdgeOrder::Second => Zip::from(o)
                .and(slab(n - 3))
                .and(slab(n - 2))
                .and(slab(n - 1))
                .for_each(|o, &a, &b, &c| *o = stencil.end2(a, b, c)),
        }
    }
}

/// `o = interior(coef, prev, here, next)` element-wise, where the three
/// inputs are `f` shifted by -1, 0, +1 along `axis` and `coefs[j]` belongs
/// to position `j` along it. One pass over rows of the contiguous axis.
#[inline(always)]
fn slab_interior<T: Element, S: Stencil<T>>(
    coefs: &[S::Coef],
    axis: usize,
    prev: ArrayViewD<'_, T>,
    here: ArrayViewD<'_, T>,
    next: ArrayViewD<'_, T>,
    mut o: ArrayViewMutD<'_, T::Out>,
    store: &mut Store<T::Out>,
) {
    let inner = Axis(innermost(&prev).filter(|&k| k != axis).unwrap_or(if axis == 0 { 1 } else { 0 }));
    // Coefficients broadcast over every axis but `axis`.
    let mut shape = vec![1; o.ndim()];
    shape[axis] = coefs.len();
    let coefs = ArrayView1::from(coefs).into_shape_with_order(shape).expect("length matches");
    let coefs = coefs.broadcast(o.raw_dim()).expect("broadcast along the other axes");
    let row = |mut o: ArrayViewMut1<'_, T::Out>, p: ArrayView1<'_, T>, h: ArrayView1<'_, T>, x: ArrayView1<'_, T>, c: ArrayView1<'_, S::Coef>| {
        let c = c[0];
        let zipped = |o: ArrayViewMut1<'_, T::Out>, a: usize| {
            let s = Slice::from(a..a + o.len());
            let (p, h, x) = (p.slice_axis(Axis(0), s), h.slice_axis(Axis(0), s), x.slice_axis(Axis(0), s));
            Zip::from(o).and(p).and(h).and(x).for_each(|o, &p, &h, &x| *o = S::interior(c, p, h, x));
        };
        match (o.as_slice_mut(), p.as_slice(), h.as_slice(), x.as_slice()) {
            (Some(os), Some(p), Some(h), Some(x)) => store.fill(
                os,
                #[inline(always)]
                |a, o| S::row(c, &p[a..], &h[a..], &x[a..], o),
            ),
            (Some(os), ..) => store.fill(
                os,
                #[inline(always)]
                |a, o| zipped(ArrayViewMut1::from(o), a),
            ),
            _ => zipped(o, 0),
        }
    };
    Zip::from(o.lanes_mut(inner))
        .and(prev.lanes(inner))
        .and(here.lanes(inner))
        .and(next.lanes(inner))
        .and(coefs.lanes(inner))
        .for_each(row);
}
