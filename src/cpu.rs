//! Runs the hot loops compiled for the widest vector instructions the CPU
//! offers, chosen at run time, so that a default build uses AVX2 where the
//! machine has it. The results are the same bits either way: Rust never
//! fuses a multiply and an add, and wider vectors only do more of the same
//! operations at once.

/// The instruction set `widest` runs the hot loops with: `"avx2"`, or
/// `"baseline"` for the build's own target.
pub fn instruction_set() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        return "avx2";
    }
    "baseline"
}

/// Runs `work`, compiled for AVX2 if the CPU has it. `work` must be an
/// `#[inline(always)]` closure, and so must everything down its call tree
/// that should get the wider instructions: target features reach only code
/// inlined into the function that enables them.
#[inline(always)]
pub(crate) fn widest<R>(work: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: `avx2()` has checked that the CPU supports AVX2.
        return unsafe { with_avx2(work) };
    }
    work()
}

/// Whether the CPU has AVX2 and `GRADIENT_CPU=baseline` does not ask for
/// the build's own instruction set (which is how the tests reach both).
#[cfg(target_arch = "x86_64")]
fn avx2() -> bool {
    static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVX2.get_or_init(|| std::env::var_os("GRADIENT_CPU").is_none_or(|v| v != "baseline") && std::is_x86_feature_detected!("avx2"))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn with_avx2<R>(work: impl FnOnce() -> R) -> R {
    work()
}

#[cfg(test)]
mod tests {
    /// Run once as is and once with `GRADIENT_CPU=baseline` (the test
    /// script does both), so that each run checks the setting took effect.
    #[test]
    fn instruction_set_follows_the_cpu_and_the_environment() {
        let baseline = std::env::var_os("GRADIENT_CPU").is_some_and(|v| v == "baseline");
        #[cfg(target_arch = "x86_64")]
        let expected = if !baseline && std::is_x86_feature_detected!("avx2") { "avx2" } else { "baseline" };
        #[cfg(not(target_arch = "x86_64"))]
        let expected = "baseline";
        assert_eq!(super::instruction_set(), expected);
    }
}
