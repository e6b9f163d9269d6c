//! Fuzz target: see fuzz/src/lib.rs for what one input exercises and checks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    gradient_fuzz::run(data, gradient_fuzz::Target::F64);
});
