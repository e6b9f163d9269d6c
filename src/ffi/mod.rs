//! The C interface. Each entry point hands its raw arguments to
//! [`call::RawCall::run`], which validates them and calls the safe core, inside
//! [`failure::report`], which catches panics and fills in the error.
//!
//! Conventions (README, "API"): statuses are returned, never stored per
//! thread; outputs are written only on success; shapes and strides count
//! elements, not bytes; nothing is retained after a call returns.

mod call;
mod failure;
mod layout;
mod overlap;
pub mod types;

use std::ffi::c_void;
use std::os::raw::c_char;

use num_complex::{Complex32, Complex64};

use call::RawCall;
use failure::{report, Failure};
pub use types::*;

/// Gradient of a float64 array, bit-identical to `numpy.gradient`.
///
/// - `f`: the input; element `(i_0, ..., i_{ndim-1})` is at
///   `f[i_0*strides[0] + ... + i_{ndim-1}*strides[ndim-1]]`.
/// - `ndim`, `shape`: dimensions (at most 64); `shape` may be NULL when `ndim` is 0.
/// - `strides`: `ndim` strides in elements, may be negative or zero; NULL means C order.
/// - `axes`: `ndim` entries, one per array axis; NULL means unit spacing everywhere.
///   Entries of axes that are not selected are ignored.
/// - `axis_mask`: bit `k` set differentiates along axis `k`.
/// - `edge_order`: 1 or 2.
/// - `out`: one pointer per selected axis, in increasing axis order, each to
///   an array of `shape` laid out by `out_strides`.
/// - `out_strides`: `ndim` strides in elements shared by every output; NULL means C order.
/// - `error`: NULL, or filled in on return (see `GradientError`).
///
/// Returns `GRADIENT_OK`, or an error status with nothing written to `out`.
/// No axis selected, or an unselected axis of length 0, is a successful call
/// that writes nothing; `f` and `out` may then be NULL.
///
/// # Safety
/// Every non-NULL pointer must be valid for the extent its arguments
/// describe: `shape`, `strides`, `out_strides` and `axes` for `ndim` entries,
/// `out` for one pointer per selected axis, `axes[k].coords` for `shape[k]`
/// values, `f` for reading and each `out[j]` for writing every element the
/// shape and strides reach. Outputs must not be accessed by other threads
/// during the call.
#[no_mangle]
pub unsafe extern "C" fn gradient_f64(
    f: *const f64,
    ndim: usize,
    shape: *const usize,
    strides: *const isize,
    axes: *const GradientAxis,
    axis_mask: u64,
    edge_order: u32,
    out: *const *mut f64,
    out_strides: *const isize,
    error: *mut GradientError,
) -> GradientStatus {
    let call = RawCall { f, ndim, shape, strides, axes, axis_mask, edge_order, out, out_strides };
    // SAFETY: the caller's contract is the one `run` and `report` require.
    unsafe { report(error, || call.run()) }
}

/// Gradient of a float32 array, following numpy's float32 rules: a scalar
/// `step` is rounded to float32 with the arithmetic in float32; coordinate
/// arrays make the arithmetic float64, rounded once on store.
///
/// # Safety
/// As for `gradient_f64`.
#[no_mangle]
pub unsafe extern "C" fn gradient_f32(
    f: *const f32,
    ndim: usize,
    shape: *const usize,
    strides: *const isize,
    axes: *const GradientAxis,
    axis_mask: u64,
    edge_order: u32,
    out: *const *mut f32,
    out_strides: *const isize,
    error: *mut GradientError,
) -> GradientStatus {
    let call = RawCall { f, ndim, shape, strides, axes, axis_mask, edge_order, out, out_strides };
    // SAFETY: as in `gradient_f64`.
    unsafe { report(error, || call.run()) }
}

/// Gradient of a complex128 array (`double _Complex` layout), with numpy's
/// complex multiply and divide.
///
/// # Safety
/// As for `gradient_f64`.
#[no_mangle]
pub unsafe extern "C" fn gradient_c128(
    f: *const GradientComplex128,
    ndim: usize,
    shape: *const usize,
    strides: *const isize,
    axes: *const GradientAxis,
    axis_mask: u64,
    edge_order: u32,
    out: *const *mut GradientComplex128,
    out_strides: *const isize,
    error: *mut GradientError,
) -> GradientStatus {
    let call = RawCall { f, ndim, shape, strides, axes, axis_mask, edge_order, out, out_strides }.cast::<Complex64, Complex64>();
    // SAFETY: as in `gradient_f64`; `GradientComplex128` and `Complex64`
    // are both `repr(C)` pairs of f64.
    unsafe { report(error, || call.run()) }
}

/// Gradient of a complex64 array (`float _Complex` layout), following numpy's
/// complex64 precision rules.
///
/// # Safety
/// As for `gradient_f64`.
#[no_mangle]
pub unsafe extern "C" fn gradient_c64(
    f: *const GradientComplex64,
    ndim: usize,
    shape: *const usize,
    strides: *const isize,
    axes: *const GradientAxis,
    axis_mask: u64,
    edge_order: u32,
    out: *const *mut GradientComplex64,
    out_strides: *const isize,
    error: *mut GradientError,
) -> GradientStatus {
    let call = RawCall { f, ndim, shape, strides, axes, axis_mask, edge_order, out, out_strides }.cast::<Complex32, Complex32>();
    // SAFETY: as in `gradient_c128`.
    unsafe { report(error, || call.run()) }
}

/// Gradient of an array of any `GradientDtype`, given as untyped pointers.
/// Outputs are `double` for integer inputs and of the input's own type
/// otherwise. An unknown `dtype` returns `GRADIENT_BAD_DTYPE`.
///
/// # Safety
/// As for `gradient_f64`, with `f` and every `out[j]` pointing to elements
/// of the types `dtype` implies.
#[no_mangle]
pub unsafe extern "C" fn gradient_dtype(
    dtype: i32,
    f: *const c_void,
    ndim: usize,
    shape: *const usize,
    strides: *const isize,
    axes: *const GradientAxis,
    axis_mask: u64,
    edge_order: u32,
    out: *const *mut c_void,
    out_strides: *const isize,
    error: *mut GradientError,
) -> GradientStatus {
    macro_rules! typed {
        ($t:ty) => {{
            let call = RawCall { f, ndim, shape, strides, axes, axis_mask, edge_order, out, out_strides };
            let call = call.cast::<$t, <$t as crate::core::Element>::Out>();
            // SAFETY: as in `gradient_f64`, for the element type `dtype` names.
            unsafe { report(error, || call.run()) }
        }};
    }
    use GradientDtype::*;
    match dtype {
        d if d == GRADIENT_FLOAT64 as i32 => typed!(f64),
        d if d == GRADIENT_FLOAT32 as i32 => typed!(f32),
        d if d == GRADIENT_COMPLEX128 as i32 => typed!(Complex64),
        d if d == GRADIENT_COMPLEX64 as i32 => typed!(Complex32),
        d if d == GRADIENT_INT8 as i32 => typed!(i8),
        d if d == GRADIENT_INT16 as i32 => typed!(i16),
        d if d == GRADIENT_INT32 as i32 => typed!(i32),
        d if d == GRADIENT_INT64 as i32 => typed!(i64),
        d if d == GRADIENT_UINT8 as i32 => typed!(u8),
        d if d == GRADIENT_UINT16 as i32 => typed!(u16),
        d if d == GRADIENT_UINT32 as i32 => typed!(u32),
        d if d == GRADIENT_UINT64 as i32 => typed!(u64),
        other => {
            let failure = Failure::new(GradientStatus::GRADIENT_BAD_DTYPE, format!("dtype is {other}, which is not a GradientDtype"));
            // SAFETY: `error` is NULL or writable by contract.
            unsafe { report(error, || Err(failure)) }
        }
    }
}

/// The name of a status constant, such as `"GRADIENT_TOO_SMALL"`, or
/// `"GRADIENT_UNKNOWN_STATUS"`. The string is static; do not free it.
#[no_mangle]
pub extern "C" fn gradient_status_name(status: i32) -> *const c_char {
    use GradientStatus::*;
    let name: &'static [u8] = match status {
        s if s == GRADIENT_OK as i32 => b"GRADIENT_OK\0",
        s if s == GRADIENT_NULL_POINTER as i32 => b"GRADIENT_NULL_POINTER\0",
        s if s == GRADIENT_BAD_NDIM as i32 => b"GRADIENT_BAD_NDIM\0",
        s if s == GRADIENT_BAD_AXIS as i32 => b"GRADIENT_BAD_AXIS\0",
        s if s == GRADIENT_BAD_EDGE_ORDER as i32 => b"GRADIENT_BAD_EDGE_ORDER\0",
        s if s == GRADIENT_TOO_SMALL as i32 => b"GRADIENT_TOO_SMALL\0",
        s if s == GRADIENT_BAD_END as i32 => b"GRADIENT_BAD_END\0",
        s if s == GRADIENT_OVERFLOW as i32 => b"GRADIENT_OVERFLOW\0",
        s if s == GRADIENT_MISALIGNED as i32 => b"GRADIENT_MISALIGNED\0",
        s if s == GRADIENT_OVERLAP as i32 => b"GRADIENT_OVERLAP\0",
        s if s == GRADIENT_BAD_DTYPE as i32 => b"GRADIENT_BAD_DTYPE\0",
        s if s == GRADIENT_INTERNAL_ERROR as i32 => b"GRADIENT_INTERNAL_ERROR\0",
        _ => b"GRADIENT_UNKNOWN_STATUS\0",
    };
    name.as_ptr().cast()
}

/// The library's version, `"MAJOR.MINOR.PATCH"`, as built. Compare with the
/// header's `GRADIENT_VERSION_STRING` to detect a header/library mismatch.
#[no_mangle]
pub extern "C" fn gradient_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The instruction set the hot loops run with, chosen once per process from
/// what the CPU offers: `"avx2"`, or `"baseline"` (the build's own target;
/// also what the environment variable `GRADIENT_CPU=baseline` asks for).
/// Results are the same bits either way. Static string.
#[no_mangle]
pub extern "C" fn gradient_instruction_set() -> *const c_char {
    match crate::cpu::instruction_set() {
        "avx2" => c"avx2".as_ptr(),
        _ => c"baseline".as_ptr(),
    }
}

/// Sets how many threads later calls may use, process-wide; 0 restores the
/// default (the `GRADIENT_NUM_THREADS` environment variable if set, else
/// every core). Results are identical for every thread count; small arrays
/// always run on the calling thread. Safe to call from any thread.
#[no_mangle]
pub extern "C" fn gradient_set_threads(n: usize) {
    crate::core::set_threads(n);
}

/// The number of threads a large call uses now.
#[no_mangle]
pub extern "C" fn gradient_threads() -> usize {
    crate::core::threads()
}
