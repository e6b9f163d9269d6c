//! One gradient call as C hands it over: every argument validated, in a
//! documented order, before anything is read from the arrays or written.

use std::mem::{align_of, size_of};

use super::failure::Failure;
use super::layout::{c_order_strides, element_count, null, read_array, read_optional, view, view1, view_mut, view_mut1, Arg, Region, Small};
use super::overlap::{may_share, overlaps_itself};
use super::types::GradientStatus::*;
use super::types::{GradientAxis, GradientEnd, GRADIENT_MAX_NDIM};
use crate::core::{self, EdgeOrder, Element, Spacing};

/// The raw arguments of `gradient_f64` and its siblings.
pub(crate) struct RawCall<T, O> {
    pub f: *const T,
    pub ndim: usize,
    pub shape: *const usize,
    pub strides: *const isize,
    pub axes: *const GradientAxis,
    pub axis_mask: u64,
    pub edge_order: u32,
    pub out: *const *mut O,
    pub out_strides: *const isize,
}

/// `GradientEnd::GRADIENT_END_ONE_SIDED` as `GradientAxis` stores it.
const ONE_SIDED: i32 = GradientEnd::GRADIENT_END_ONE_SIDED as i32;

const UNIT_AXIS: GradientAxis = GradientAxis { step: 1.0, coords: std::ptr::null(), lower: ONE_SIDED, upper: ONE_SIDED };

/// What [`RawCall::plain_lane`] accepts.
struct PlainLane<'a, T, O> {
    f: &'a [T],
    out: &'a mut [O],
    step: f64,
    edge: EdgeOrder,
}

/// The set bits of a mask, lowest first.
struct Bits(u64);

impl Iterator for Bits {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        (self.0 != 0).then(|| {
            let k = self.0.trailing_zeros() as usize;
            self.0 &= self.0 - 1;
            k
        })
    }
}

fn check_end(value: i32, axis: usize, which: &str) -> Result<(), Failure> {
    if value == ONE_SIDED {
        Ok(())
    } else {
        Err(Failure::on_axis(
            GRADIENT_BAD_END,
            axis,
            format!("axes[{axis}].{which} is {value}, which is not a GradientEnd (only GRADIENT_END_ONE_SIDED = 0 exists)"),
        ))
    }
}

impl<T, O> RawCall<T, O> {
    /// The same call with its element pointers read as `U` and `P`: for the
    /// C complex structs (laid out as the core's complex types) and for
    /// untyped pointers. Only `run` reads through them.
    pub(crate) fn cast<U, P>(self) -> RawCall<U, P> {
        let RawCall { f, ndim, shape, strides, axes, axis_mask, edge_order, out, out_strides } = self;
        RawCall { f: f.cast(), ndim, shape, strides, axes, axis_mask, edge_order, out: out.cast(), out_strides }
    }

    /// Entry `k` of `axes`.
    ///
    /// # Safety
    /// `k < ndim`, and `axes` is NULL or holds `ndim` entries.
    unsafe fn axis(&self, k: usize) -> GradientAxis {
        if self.axes.is_null() { UNIT_AXIS } else { unsafe { *self.axes.add(k) } }
    }

    /// The spacing of axis `k`, of length `n`, its coordinates (if any)
    /// checked against the outputs' `regions`; unselected axes take the
    /// default, which is never read. Inlined: its result, returned through
    /// memory, stalled every call.
    ///
    /// # Safety
    /// As for `axis`, and the coordinates of a selected axis are NULL or
    /// hold `n` values.
    #[inline(always)]
    unsafe fn spacing<'a>(&self, k: usize, n: usize, regions: &[Region]) -> Result<Spacing<'a>, Failure> {
        if self.axis_mask >> k & 1 == 0 {
            return Ok(Spacing::default());
        }
        // SAFETY: the caller's contract.
        let GradientAxis { step, coords: x, .. } = unsafe { self.axis(k) };
        if x.is_null() {
            Ok(Spacing::Step(step))
        } else {
            let r = Region::of(x, &[n], &[1], Arg::Coords(k))?;
            if let Some(j) = regions.iter().position(|q| may_share(&r, q)) {
                return Err(Failure::on_axis(GRADIENT_OVERLAP, k, format!("out[{j}] shares memory with axes[{k}].coords")));
            }
            // SAFETY: aligned, non-NULL, `n` values readable by contract.
            Ok(Spacing::Coordinates(unsafe { std::slice::from_raw_parts(x, n) }))
        }
    }
}

impl<T: Element> RawCall<T, T::Out> {
    /// # Safety
    /// Every non-NULL pointer is valid as the header documents: `shape`,
    /// `strides`, `out_strides` and `axes` for `ndim` entries, `out` for one
    /// pointer per selected axis, each coordinate array for `shape[axis]`
    /// values, and the arrays for every element their shape and strides reach.
    pub(crate) unsafe fn run(self) -> Result<(), Failure> {
        // SAFETY: the caller's contract.
        if let Some(PlainLane { f, out, step, edge }) = unsafe { self.plain_lane() } {
            core::compute_short_lane(f, Spacing::Step(step), edge, out);
            return Ok(());
        }
        let ndim = self.ndim;
        if ndim > GRADIENT_MAX_NDIM {
            return Err(Failure::new(GRADIENT_BAD_NDIM, format!("ndim is {ndim}, more than the {GRADIENT_MAX_NDIM} axes axis_mask can select")));
        }
        // SAFETY (all reads below): the caller's contract on each pointer.
        let shape = unsafe { read_array(self.shape, ndim, "shape") }?;
        let count = element_count(shape, size_of::<T>().max(size_of::<T::Out>()))?;
        let beyond = self.axis_mask.checked_shr(ndim as u32).unwrap_or(0);
        if beyond != 0 {
            let axis = ndim + beyond.trailing_zeros() as usize;
            return Err(Failure::on_axis(
                GRADIENT_BAD_AXIS,
                axis,
                format!("axis_mask selects axis {axis}, but the array has {ndim} dimensions"),
            ));
        }
        let selected: Small<usize> = Bits(self.axis_mask).collect();
        let edge = EdgeOrder::try_from(self.edge_order)?;
        for &k in &selected {
            // SAFETY: `k < ndim`.
            let GradientAxis { lower, upper, .. } = unsafe { self.axis(k) };
            check_end(lower, k, "lower")?;
            check_end(upper, k, "upper")?;
        }
        core::check_selection(shape, &selected, edge)?;
        if selected.is_empty() || count == 0 {
            return Ok(());
        }

        if self.f.is_null() {
            return Err(null("f"));
        }
        let outs = unsafe { read_array(self.out, selected.len(), "out") }?;
        if let Some(j) = outs.iter().position(|p| p.is_null()) {
            let axis = selected[j];
            return Err(Failure::on_axis(GRADIENT_NULL_POINTER, axis, format!("out[{j}] (the output for axis {axis}) is NULL")));
        }
        // Borrowed by whichever of the two is NULL: computed at most once.
        let mut c_order: Small<isize> = Small::new();
        if self.strides.is_null() || self.out_strides.is_null() {
            c_order.resize(ndim, 0);
            c_order_strides(shape, &mut c_order);
        }
        let c_order = &c_order[..];
        let given_strides = unsafe { read_optional(self.strides, ndim, "strides") }?;
        let strides = given_strides.unwrap_or(c_order);
        let given_out_strides = unsafe { read_optional(self.out_strides, ndim, "out_strides") }?;
        let out_strides = given_out_strides.unwrap_or(c_order);

        let input = Region::of(self.f, shape, strides, Arg::Input)?;
        // Dense, the input and each output reach exactly the `count`
        // elements from their pointer on, each once.
        let small_dense = core::is_small_dense(count, shape, strides, outs.len()) && core::laid_out_alike(shape, strides, out_strides);
        let mut regions: Small<Region> = Small::new();
        for (j, &p) in outs.iter().enumerate() {
            // Kept before it is checked: a `Region` pushed after the checks
            // was copied by wider loads than stored it (3 ns of a 60 ns call).
            regions.push(Region::of(p as *const T::Out, shape, out_strides, Arg::Output(j))?);
            let (r, earlier) = regions.split_last().expect("just pushed");
            // Once: every output has the same shape and strides, and the
            // first Region check has bounded the sums this adds up. A dense
            // layout cannot overlap itself.
            if j == 0 && !small_dense && overlaps_itself(shape, out_strides) {
                return Err(Failure::new(GRADIENT_OVERLAP, "out_strides map two indices to the same output element"));
            }
            if may_share(r, &input) {
                return Err(Failure::on_axis(GRADIENT_OVERLAP, selected[j], format!("out[{j}] shares memory with f")));
            }
            if let Some(i) = earlier.iter().position(|q| may_share(r, q)) {
                return Err(Failure::on_axis(GRADIENT_OVERLAP, selected[j], format!("out[{j}] shares memory with out[{i}]")));
            }
        }
        // SAFETY (views): regions checked above; outputs are pairwise
        // disjoint, not self-overlapping and disjoint from every input.
        // Everything `core::gradient_into` would check has been checked above.
        if let (&[p], &[n], &[s], &[os]) = (outs, shape, strides, out_strides) {
            let step = unsafe { self.spacing(0, n, &regions) }?;
            let (input, out) = unsafe { (view1(self.f, n, s), view_mut1(p, n, os)) };
            core::compute_lane(input, step, edge, out);
            return Ok(());
        }
        // Pushed: collected through `Result`, or filled in after
        // `from_elem`, they took longer on small calls.
        let mut steps: Small<Spacing<'_>> = Small::new();
        for (k, &n) in shape.iter().enumerate() {
            steps.push(unsafe { self.spacing(k, n, &regions) }?);
        }
        if small_dense {
            // SAFETY: see `small_dense`; the outputs are disjoint from the
            // input and from each other (checked above).
            let f = unsafe { std::slice::from_raw_parts(self.f, count) };
            let mut outs: Small<&mut [T::Out]> = outs.iter().map(|&p| unsafe { std::slice::from_raw_parts_mut(p, count) }).collect();
            core::compute_dense(f, shape, strides, &steps, &selected, edge, &mut outs);
            return Ok(());
        }
        let input = unsafe { view(self.f, shape, strides) };
        if let [p] = *outs {
            // A single output stays on the stack: a SmallVec of views
            // is several hundred bytes to fill and move on every call.
            let mut out = unsafe { view_mut(p, shape, out_strides) };
            core::compute(&input, &steps, &selected, edge, std::slice::from_mut(&mut out));
        } else {
            let mut outs: Small<_> = outs.iter().map(|&p| unsafe { view_mut(p, shape, out_strides) }).collect();
            core::compute(&input, &steps, &selected, edge, &mut outs);
        }
        Ok(())
    }

    /// The input, output, step and edge order of a call that plainly
    /// passes every check of [`run`](Self::run): one short lane, both
    /// arrays contiguous and aligned, in byte ranges apart, a scalar step,
    /// one-sided ends. It only ever accepts; any other call, and every
    /// error, takes the general checks. The many-small-calls case is this
    /// one, and the general checks cost two thirds of a 100-element call
    /// (of 174 ns on the AMD test machine).
    ///
    /// # Safety
    /// As for `run`.
    #[inline(always)]
    unsafe fn plain_lane<'a>(&self) -> Option<PlainLane<'a, T, T::Out>> {
        if self.ndim != 1 || self.axis_mask != 1 || self.shape.is_null() || self.f.is_null() || self.out.is_null() {
            return None;
        }
        // SAFETY (reads): the caller's contract, each pointer non-NULL and
        // `ndim` is 1.
        let (n, p) = unsafe { (*self.shape, *self.out) };
        let edge = EdgeOrder::try_from(self.edge_order).ok()?;
        let unit = |strides: *const isize| strides.is_null() || unsafe { *strides } == 1;
        if !(edge.min_len()..=core::SHORT_LANE).contains(&n) || !unit(self.strides) || !unit(self.out_strides) {
            return None;
        }
        let GradientAxis { step, coords, lower, upper } = unsafe { self.axis(0) };
        if !coords.is_null() || lower != ONE_SIDED || upper != ONE_SIDED {
            return None;
        }
        // A short lane is far below the element count `run` refuses.
        let (f_lo, out_lo) = (self.f as usize, p as usize);
        let f_hi = f_lo.checked_add(n * size_of::<T>())?;
        let out_hi = out_lo.checked_add(n * size_of::<T::Out>())?;
        let aligned = f_lo % align_of::<T>() == 0 && out_lo % align_of::<T::Out>() == 0;
        if p.is_null() || !aligned || (f_lo < out_hi && out_lo < f_hi) {
            return None;
        }
        // SAFETY: non-NULL, aligned, `n` elements each by contract, and
        // their bytes apart.
        let (f, out) = unsafe { (std::slice::from_raw_parts(self.f, n), std::slice::from_raw_parts_mut(p, n)) };
        Some(PlainLane { f, out, step, edge })
    }
}
