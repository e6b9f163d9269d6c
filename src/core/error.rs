//! Why a gradient cannot be computed, naming the argument and the axis.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    #[error("edge_order must be 1 or 2, got {0}")]
    EdgeOrder(u32),

    #[error("axis {axis} is out of range for an array with {ndim} dimensions")]
    AxisOutOfRange { axis: usize, ndim: usize },

    #[error("axes must be listed in increasing order without repeats, but axis {axis} follows axis {previous}")]
    AxesNotIncreasing { axis: usize, previous: usize },

    #[error(
        "axis {axis} has {len} samples: edge_order {edge_order} needs at least {} (shape of array too small to calculate a numerical gradient)",
        edge_order + 1
    )]
    TooSmall { axis: usize, len: usize, edge_order: u32 },

    #[error("spacing has {got} entries for an array with {ndim} dimensions")]
    SpacingCount { got: usize, ndim: usize },

    #[error("coordinates for axis {axis} have {got} values, but the axis has {len} samples")]
    CoordinatesLength { axis: usize, got: usize, len: usize },

    #[error("{got} outputs given for {selected} selected axes")]
    OutputCount { got: usize, selected: usize },

    #[error("output for axis {axis} has shape {got:?}, but the input has shape {expected:?}")]
    OutputShape { axis: usize, got: Vec<usize>, expected: Vec<usize> },
}

impl Error {
    /// The axis the error is about, when there is one.
    pub fn axis(&self) -> Option<usize> {
        match *self {
            Error::AxisOutOfRange { axis, .. }
            | Error::AxesNotIncreasing { axis, .. }
            | Error::TooSmall { axis, .. }
            | Error::CoordinatesLength { axis, .. }
            | Error::OutputShape { axis, .. } => Some(axis),
            Error::EdgeOrder(_) | Error::SpacingCount { .. } | Error::OutputCount { .. } => None,
        }
    }
}
