//! numpy.gradient, bit for bit, for Rust and through a C ABI.
//!
//! [`core`] is the safe implementation over ndarray views; [`ffi`] is the C
//! interface whose header cbindgen generates into `include/gradient.h`.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod core;
mod cpu;
pub mod ffi;

pub use crate::cpu::instruction_set;
pub use crate::core::{check, check_selection, gradient, gradient_into, set_threads, threads, EdgeOrder, Element, Error, Spacing};
