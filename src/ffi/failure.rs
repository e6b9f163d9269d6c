//! An error on its way to the caller, and the one place where it crosses the
//! C boundary: panics are caught and the `GradientError` is filled in.

use std::any::Any;
use std::os::raw::c_char;
use std::panic::{self, UnwindSafe};

use super::types::{GradientError, GradientStatus, GRADIENT_MESSAGE_SIZE, GRADIENT_NO_AXIS};
use crate::core::Error;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub status: GradientStatus,
    pub axis: Option<usize>,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(status: GradientStatus, message: impl Into<String>) -> Self {
        Failure { status, axis: None, message: message.into() }
    }

    pub(crate) fn on_axis(status: GradientStatus, axis: usize, message: impl Into<String>) -> Self {
        Failure { status, axis: Some(axis), message: message.into() }
    }

    fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Failure::new(GradientStatus::GRADIENT_INTERNAL_ERROR, format!("internal error (please report): {what}"))
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        use GradientStatus::*;
        let status = match e {
            Error::EdgeOrder(_) => GRADIENT_BAD_EDGE_ORDER,
            Error::AxisOutOfRange { .. } => GRADIENT_BAD_AXIS,
            Error::TooSmall { .. } => GRADIENT_TOO_SMALL,
            // The C layer builds these arguments itself; reaching here is a bug.
            Error::AxesNotIncreasing { .. }
            | Error::SpacingCount { .. }
            | Error::CoordinatesLength { .. }
            | Error::OutputCount { .. }
            | Error::OutputShape { .. } => GRADIENT_INTERNAL_ERROR,
        };
        Failure { status, axis: e.axis(), message: e.to_string() }
    }
}

/// Runs one C entry point's body: catches a panic, reports into `error`.
///
/// # Safety
/// `error` is NULL or valid for writing one `GradientError`.
pub(crate) unsafe fn report(error: *mut GradientError, body: impl FnOnce() -> Result<(), Failure> + UnwindSafe) -> GradientStatus {
    let result = panic::catch_unwind(body).unwrap_or_else(|payload| Err(Failure::from_panic(payload)));
    let (status, axis, message) = match &result {
        Ok(()) => (GradientStatus::GRADIENT_OK, None, ""),
        Err(f) => (f.status, f.axis, f.message.as_str()),
    };
    // SAFETY: the caller guarantees `error` is NULL or writable.
    if let Some(error) = unsafe { error.as_mut() } {
        error.status = status;
        error.axis = axis.map_or(GRADIENT_NO_AXIS, |a| a as u32);
        write_message(&mut error.message, message);
    }
    status
}

/// Copies `message` NUL-terminated, cut at a character boundary if too long.
fn write_message(dst: &mut [c_char; GRADIENT_MESSAGE_SIZE], message: &str) {
    let mut end = message.len().min(GRADIENT_MESSAGE_SIZE - 1);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    for (d, &b) in dst.iter_mut().zip(&message.as_bytes()[..end]) {
        *d = b as c_char;
    }
    dst[end] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn blank() -> GradientError {
        GradientError { status: GradientStatus::GRADIENT_OK, axis: 0, message: [b'x' as c_char; GRADIENT_MESSAGE_SIZE] }
    }

    #[test]
    fn a_panic_becomes_an_internal_error_status() {
        let mut e = blank();
        let status = unsafe { report(&mut e, || panic!("boom in the core")) };
        assert_eq!(status, GradientStatus::GRADIENT_INTERNAL_ERROR);
        assert_eq!(e.status, status);
        let msg = unsafe { CStr::from_ptr(e.message.as_ptr()) }.to_str().unwrap();
        assert!(msg.contains("boom in the core"), "{msg}");
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        let mut e = blank();
        let long = "é".repeat(300);
        let status = unsafe { report(&mut e, || Err(Failure::new(GradientStatus::GRADIENT_OVERLAP, long))) };
        assert_eq!(status, GradientStatus::GRADIENT_OVERLAP);
        let msg = unsafe { CStr::from_ptr(e.message.as_ptr()) }.to_str().unwrap();
        assert_eq!(msg.len(), 254);
        assert_eq!(e.axis, GRADIENT_NO_AXIS);
    }

    #[test]
    fn success_clears_the_message_and_null_error_is_allowed() {
        let mut e = blank();
        assert_eq!(unsafe { report(&mut e, || Ok(())) }, GradientStatus::GRADIENT_OK);
        assert_eq!(e.message[0], 0);
        assert_eq!(unsafe { report(std::ptr::null_mut(), || Ok(())) }, GradientStatus::GRADIENT_OK);
    }
}
