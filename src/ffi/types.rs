//! The C-visible types. Numbers of enum constants are part of the ABI and
//! never change meaning; new ones are only ever appended.

#![allow(non_camel_case_types)]

use std::os::raw::c_char;

/// Result of every call. `GRADIENT_OK` is 0; everything else is an error,
/// and on error no output byte has been written.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradientStatus {
    /// Success.
    GRADIENT_OK = 0,
    /// A pointer that must not be NULL is NULL (`shape`, `f`, `out`, `out[j]`).
    GRADIENT_NULL_POINTER = 1,
    /// `ndim` is larger than `GRADIENT_MAX_NDIM` (64).
    GRADIENT_BAD_NDIM = 2,
    /// `axis_mask` selects an axis that does not exist (bit `k >= ndim`).
    GRADIENT_BAD_AXIS = 3,
    /// `edge_order` is neither 1 nor 2.
    GRADIENT_BAD_EDGE_ORDER = 4,
    /// A selected axis has fewer than `edge_order + 1` samples.
    GRADIENT_TOO_SMALL = 5,
    /// `axes[k].lower` or `axes[k].upper` is not a known `GradientEnd`.
    GRADIENT_BAD_END = 6,
    /// The element count, a stride times a length, or a byte extent does not
    /// fit in `size_t`/`ptrdiff_t`, or the addresses it spans wrap around.
    GRADIENT_OVERFLOW = 7,
    /// A data pointer is not aligned for its element type.
    GRADIENT_MISALIGNED = 8,
    /// An output shares memory with the input, with another output, with
    /// coordinates, or with itself (for example a zero output stride).
    GRADIENT_OVERLAP = 9,
    /// `dtype` is not a known `GradientDtype`.
    GRADIENT_BAD_DTYPE = 10,
    /// A bug inside the library (a caught Rust panic); please report it.
    GRADIENT_INTERNAL_ERROR = 11,
}

/// What happens at one end of an axis. Only numpy's one-sided differences
/// exist today; the field is there so periodic and halo ends can come
/// without changing the struct.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradientEnd {
    /// numpy's one-sided difference of order `edge_order`.
    GRADIENT_END_ONE_SIDED = 0,
}

/// Element type of the input for `gradient_dtype`. Integer inputs produce
/// `double` output, as numpy converts them to float64 first; floating and
/// complex inputs produce output of their own type.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradientDtype {
    GRADIENT_FLOAT64 = 0,
    GRADIENT_FLOAT32 = 1,
    GRADIENT_COMPLEX128 = 2,
    GRADIENT_COMPLEX64 = 3,
    GRADIENT_INT8 = 4,
    GRADIENT_INT16 = 5,
    GRADIENT_INT32 = 6,
    GRADIENT_INT64 = 7,
    GRADIENT_UINT8 = 8,
    GRADIENT_UINT16 = 9,
    GRADIENT_UINT32 = 10,
    GRADIENT_UINT64 = 11,
}

/// Spacing and end rules for one array axis.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GradientAxis {
    /// Uniform sample spacing, used when `coords` is NULL (numpy's default is 1.0).
    pub step: f64,
    /// NULL, or `shape[axis]` sample coordinates (numpy's coordinate array).
    pub coords: *const f64,
    /// End rule at index 0: a `GradientEnd`.
    pub lower: i32,
    /// End rule at index `shape[axis] - 1`: a `GradientEnd`.
    pub upper: i32,
}

/// Where a failed call says what went wrong. Written on every call that
/// receives a non-NULL pointer: `status` as returned, `axis` the axis the
/// error concerns (or `GRADIENT_NO_AXIS`), `message` a NUL-terminated
/// sentence naming the offending argument (empty on success).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GradientError {
    pub status: GradientStatus,
    pub axis: u32,
    pub message: [c_char; GRADIENT_MESSAGE_SIZE],
}

/// `double _Complex` / `std::complex<double>` / Go `complex128` / Julia `ComplexF64`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientComplex128 {
    pub re: f64,
    pub im: f64,
}

/// `float _Complex` / `std::complex<float>` / Go `complex64` / Julia `ComplexF32`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientComplex64 {
    pub re: f32,
    pub im: f32,
}

/// Size of `GradientError::message`, terminating NUL included.
pub const GRADIENT_MESSAGE_SIZE: usize = 256;
/// `GradientError::axis` when the error concerns no particular axis.
pub const GRADIENT_NO_AXIS: u32 = 0xFFFF_FFFF;
/// Most dimensions an array may have (one bit of `axis_mask` each).
pub const GRADIENT_MAX_NDIM: usize = 64;
