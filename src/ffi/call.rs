//! One gradient call as C hands it over: every argument validated, in a
//! documented order, before anything is read from the arrays or written.

use std::mem::size_of;

use super::failure::Failure;
use super::layout::{c_order_strides, element_count, null, read_array, view, view_mut, Region};
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

const UNIT_AXIS: GradientAxis = GradientAxis {
    step: 1.0,
    coords: std::ptr::null(),
    lower: GradientEnd::GRADIENT_END_ONE_SIDED as i32,
    upper: GradientEnd::GRADIENT_END_ONE_SIDED as i32,
};

fn check_end(value: i32, axis: usize, which: &str) -> Result<(), Failure> {
    if value == GradientEnd::GRADIENT_END_ONE_SIDED as i32 {
        Ok(())
    } else {
        Err(Failure::on_axis(
            GRADIENT_BAD_END,
            axis,
            format!("axes[{axis}].{which} is {value}, which is not a GradientEnd (only GRADIENT_END_ONE_SIDED = 0 exists)"),
        ))
    }
}

impl<T: Element> RawCall<T, T::Out> {
    /// # Safety
    /// Every non-NULL pointer is valid as the header documents: `shape`,
    /// `strides`, `out_strides` and `axes` for `ndim` entries, `out` for one
    /// pointer per selected axis, each coordinate array for `shape[axis]`
    /// values, and the arrays for every element their shape and strides reach.
    pub(crate) unsafe fn run(self) -> Result<(), Failure> {
        let ndim = self.ndim;
        if ndim > GRADIENT_MAX_NDIM {
            return Err(Failure::new(GRADIENT_BAD_NDIM, format!("ndim is {ndim}, more than the {GRADIENT_MAX_NDIM} axes axis_mask can select")));
        }
        // SAFETY (all reads below): the caller's contract on each pointer.
        let shape = unsafe { read_array(self.shape, ndim, "shape") }?;
        let count = element_count(&shape, size_of::<T>().max(size_of::<T::Out>()))?;
        if let Some(axis) = (ndim..64).find(|&k| self.axis_mask >> k & 1 == 1) {
            return Err(Failure::on_axis(
                GRADIENT_BAD_AXIS,
                axis,
                format!("axis_mask selects axis {axis}, but the array has {ndim} dimensions"),
            ));
        }
        let selected: Vec<usize> = (0..ndim).filter(|&k| self.axis_mask >> k & 1 == 1).collect();
        let edge = EdgeOrder::try_from(self.edge_order)?;
        let axes = if self.axes.is_null() { vec![UNIT_AXIS; ndim] } else { unsafe { read_array(self.axes, ndim, "axes") }? };
        for &k in &selected {
            check_end(axes[k].lower, k, "lower")?;
            check_end(axes[k].upper, k, "upper")?;
        }
        core::check(&shape, &vec![Spacing::default(); ndim], &selected, edge.as_u32())?;
        if selected.is_empty() || count == 0 {
            return Ok(());
        }

        if self.f.is_null() {
            return Err(null("f"));
        }
        let outs = unsafe { read_array(self.out, selected.len(), "out") }?;
        if let Some(j) = outs.iter().position(|p| p.is_null()) {
            return Err(null(&format!("out[{j}] (the output for axis {})", selected[j])));
        }
        let strides = match self.strides.is_null() {
            true => c_order_strides(&shape),
            false => unsafe { read_array(self.strides, ndim, "strides") }?,
        };
        let out_strides = match self.out_strides.is_null() {
            true => c_order_strides(&shape),
            false => unsafe { read_array(self.out_strides, ndim, "out_strides") }?,
        };

        let input = Region::of(self.f, &shape, &strides, "f", "strides")?;
        let mut regions = Vec::with_capacity(outs.len());
        for (j, &p) in outs.iter().enumerate() {
            let r = Region::of(p as *const T::Out, &shape, &out_strides, &format!("out[{j}]"), "out_strides")?;
            if overlaps_itself(&r) {
                return Err(Failure::new(GRADIENT_OVERLAP, format!("out_strides map two indices of out[{j}] to the same element")));
            }
            if may_share(&r, &input) {
                return Err(Failure::on_axis(GRADIENT_OVERLAP, selected[j], format!("out[{j}] shares memory with f")));
            }
            if let Some(i) = regions.iter().position(|q| may_share(&r, q)) {
                return Err(Failure::on_axis(GRADIENT_OVERLAP, selected[j], format!("out[{j}] shares memory with out[{i}]")));
            }
            regions.push(r);
        }
        let mut spacing = vec![Spacing::default(); ndim];
        for &k in &selected {
            let x = axes[k].coords;
            spacing[k] = if x.is_null() {
                Spacing::Step(axes[k].step)
            } else {
                let name = format!("axes[{k}].coords");
                let r = Region::of(x, &shape[k..=k], &[1], &name, &name)?;
                if let Some(j) = regions.iter().position(|q| may_share(&r, q)) {
                    return Err(Failure::on_axis(GRADIENT_OVERLAP, k, format!("out[{j}] shares memory with {name}")));
                }
                // SAFETY: aligned, non-NULL, `shape[k]` values readable by contract.
                Spacing::Coordinates(unsafe { std::slice::from_raw_parts(x, shape[k]) })
            };
        }

        // SAFETY: regions checked above; outputs are pairwise disjoint, not
        // self-overlapping and disjoint from every input.
        let input = unsafe { view(self.f, &shape, &strides) };
        let mut outs: Vec<_> = outs.iter().map(|&p| unsafe { view_mut(p, &shape, &out_strides) }).collect();
        core::gradient_into(&input, &spacing, &selected, edge.as_u32(), &mut outs)?;
        Ok(())
    }
}
