//! The safe core: numpy's gradient over ndarray views. Knows nothing of C.

#![forbid(unsafe_code)]

mod element;
mod error;
mod flat;
mod kernel;
mod lines;
mod small;
mod stencil;
mod store;
mod threads;

use ndarray::{ArrayD, ArrayView1, ArrayViewD, ArrayViewMut1, ArrayViewMutD, Ix1};
use smallvec::SmallVec;

pub use element::Element;
pub use error::Error;
pub use stencil::{EdgeOrder, Spacing};
pub use threads::{set_threads, threads};
pub(crate) use small::{is_small_dense, laid_out_alike, run as compute_dense};
use kernel::AxisPlan;
use stencil::AxisStencil;

/// Checks the selected `axes` (increasing, in range, long enough for `edge`)
/// against an input `shape`.
pub fn check_selection(shape: &[usize], axes: &[usize], edge: EdgeOrder) -> Result<(), Error> {
    let ndim = shape.len();
    let mut previous: Option<usize> = None;
    for &axis in axes {
        if axis >= ndim {
            return Err(Error::AxisOutOfRange { axis, ndim });
        }
        if let Some(previous) = previous.filter(|&p| p >= axis) {
            return Err(Error::AxesNotIncreasing { axis, previous });
        }
        previous = Some(axis);
    }
    match axes.iter().find(|&&axis| shape[axis] < edge.min_len()) {
        Some(&axis) => Err(Error::TooSmall { axis, len: shape[axis], edge_order: edge.as_u32() }),
        None => Ok(()),
    }
}

/// Checks a call's arguments against an input `shape`, in the order the
/// errors are reported, and returns the parsed edge order.
///
/// `spacing` has one entry per array axis (entries of axes that are not
/// selected are ignored); `axes` lists the selected axes in increasing order.
pub fn check(shape: &[usize], spacing: &[Spacing<'_>], axes: &[usize], edge_order: u32) -> Result<EdgeOrder, Error> {
    let edge = EdgeOrder::try_from(edge_order)?;
    let ndim = shape.len();
    if spacing.len() != ndim {
        return Err(Error::SpacingCount { got: spacing.len(), ndim });
    }
    check_selection(shape, axes, edge)?;
    for &axis in axes {
        if let Spacing::Coordinates(x) = spacing[axis] {
            if x.len() != shape[axis] {
                return Err(Error::CoordinatesLength { axis, got: x.len(), len: shape[axis] });
            }
        }
    }
    Ok(edge)
}

/// numpy.gradient of `f` along each of `axes`, written into `outs` (one per
/// selected axis, same shape as `f`, any strides). Nothing is written unless
/// every argument is valid.
pub fn gradient_into<T: Element>(
    f: &ArrayViewD<'_, T>,
    spacing: &[Spacing<'_>],
    axes: &[usize],
    edge_order: u32,
    outs: &mut [ArrayViewMutD<'_, T::Out>],
) -> Result<(), Error> {
    let edge = check(f.shape(), spacing, axes, edge_order)?;
    if outs.len() != axes.len() {
        return Err(Error::OutputCount { got: outs.len(), selected: axes.len() });
    }
    for (out, &axis) in outs.iter().zip(axes) {
        if out.shape() != f.shape() {
            return Err(Error::OutputShape { axis, got: out.shape().to_vec(), expected: f.shape().to_vec() });
        }
    }
    if f.is_empty() {
        return Ok(());
    }
    compute(f, spacing, axes, edge, outs);
    Ok(())
}

/// The work of [`gradient_into`] once every check has passed and `f` is
/// non-empty. The C layer calls it directly: it has validated the same facts
/// itself (in its documented order), and repeating the walks costs more than
/// the arithmetic on a small array.
pub(crate) fn compute<T: Element>(
    f: &ArrayViewD<'_, T>,
    spacing: &[Spacing<'_>],
    axes: &[usize],
    edge: EdgeOrder,
    outs: &mut [ArrayViewMutD<'_, T::Out>],
) {
    if let ([axis], [out]) = (axes, &mut *outs) {
        if let (Ok(f), Ok(out)) = (f.view().into_dimensionality::<Ix1>(), out.view_mut().into_dimensionality::<Ix1>()) {
            return compute_lane(f, spacing[*axis], edge, out);
        }
    }
    let (shape, strides) = (f.shape(), f.strides());
    if is_small_dense(f.len(), shape, strides, outs.len()) && outs.iter().all(|o| laid_out_alike(shape, strides, o.strides())) {
        let slices: Option<SmallVec<[&mut [T::Out]; 4]>> = outs.iter_mut().map(|o| o.as_slice_memory_order_mut()).collect();
        if let (Some(fs), Some(mut os)) = (f.as_slice_memory_order(), slices) {
            return compute_dense(fs, shape, strides, spacing, axes, edge, &mut os);
        }
    }
    let plan = |axis: usize| AxisPlan { axis, stencil: AxisStencil::new::<T>(spacing[axis], f.len() / shape[axis], edge) };
    // One axis is the common case: a plan on the stack, not a SmallVec of
    // them, saves copying several hundred bytes per call.
    if let [axis] = *axes {
        kernel::run(f, std::slice::from_ref(&plan(axis)), outs, edge);
    } else {
        let plans: SmallVec<[AxisPlan<'_, T::Weak>; 4]> = axes.iter().map(|&axis| plan(axis)).collect();
        kernel::run(f, &plans, outs, edge);
    }
}

/// [`compute`] for a 1-D array and its one output. The C layer builds these
/// views for its most common small call: of a fixed dimension, they cost
/// a fraction of dynamic ones to make.
pub(crate) fn compute_lane<T: Element>(f: ArrayView1<'_, T>, spacing: Spacing<'_>, edge: EdgeOrder, out: ArrayViewMut1<'_, T::Out>) {
    let plan = AxisPlan { axis: 0, stencil: AxisStencil::new::<T>(spacing, 1, edge) };
    kernel::run_lane(f, &plan, out, edge);
}

/// The longest lane [`compute_short_lane`] takes.
pub(crate) const SHORT_LANE: usize = threads::BLOCK_ELEMENTS;

/// [`compute_lane`] for a contiguous lane of `2..=SHORT_LANE` samples, as
/// slices of equal length: the C layer's most common call, for which even
/// 1-D views cost a fifth of the time.
pub(crate) fn compute_short_lane<T: Element>(f: &[T], spacing: Spacing<'_>, edge: EdgeOrder, out: &mut [T::Out]) {
    let plan = AxisPlan { axis: 0, stencil: AxisStencil::new::<T>(spacing, 1, edge) };
    kernel::short_lane(f, &plan, out, edge);
}

/// Like [`gradient_into`], returning newly allocated C-order arrays.
pub fn gradient<T: Element>(
    f: &ArrayViewD<'_, T>,
    spacing: &[Spacing<'_>],
    axes: &[usize],
    edge_order: u32,
) -> Result<Vec<ArrayD<T::Out>>, Error>
where
    T::Out: Default,
{
    let mut outs: Vec<ArrayD<T::Out>> = axes.iter().map(|_| ArrayD::default(f.raw_dim())).collect();
    let mut views: Vec<_> = outs.iter_mut().map(|o| o.view_mut()).collect();
    gradient_into(f, spacing, axes, edge_order, &mut views)?;
    Ok(outs)
}
