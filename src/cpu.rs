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

/// Copies `src` into `dst` (same length) with non-temporal stores where
/// the CPU has them: the destination's cache lines are written without
/// being read first and without displacing the input from the cache
/// (`core::store` says when that pays).
/// Call `fence` before the data is handed to another thread or returned.
#[inline]
pub(crate) fn stream<T: bytemuck::Pod>(dst: &mut [T], src: &[T]) {
    let (dst, src): (&mut [u8], &[u8]) = (bytemuck::cast_slice_mut(dst), bytemuck::cast_slice(src));
    assert_eq!(dst.len(), src.len(), "stream: lengths differ");
    #[cfg(target_arch = "x86_64")]
    {
        // Vector stores need aligned addresses: plain copies before and after.
        let head = dst.as_ptr().align_offset(32).min(dst.len());
        let body = (dst.len() - head) / 32 * 32;
        let (d_head, rest) = dst.split_at_mut(head);
        let (d_body, d_tail) = rest.split_at_mut(body);
        let (s_head, rest) = src.split_at(head);
        let (s_body, s_tail) = rest.split_at(body);
        d_head.copy_from_slice(s_head);
        d_tail.copy_from_slice(s_tail);
        // SAFETY: `d_body` and `s_body` have the same length, a multiple of
        // 32, and `d_body` starts on a 32-byte boundary; `avx2()` has checked
        // the CPU for the AVX variant, and SSE2 is part of x86_64.
        unsafe {
            if avx2() {
                stream_avx(d_body, s_body);
            } else {
                stream_sse2(d_body, s_body);
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

/// Orders the non-temporal stores of `stream` before every later store, so
/// that another thread which sees the work as done also sees its data.
#[inline]
pub(crate) fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of x86_64.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

/// # Safety
/// `d.len() == s.len()`, a multiple of 32; `d` 32-byte aligned; AVX present.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn stream_avx(d: &mut [u8], s: &[u8]) {
    use std::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_stream_si256};
    for (d, s) in d.chunks_exact_mut(32).zip(s.chunks_exact(32)) {
        // SAFETY: 32 readable bytes at `s`, 32 writable aligned bytes at `d`.
        unsafe { _mm256_stream_si256(d.as_mut_ptr().cast::<__m256i>(), _mm256_loadu_si256(s.as_ptr().cast::<__m256i>())) };
    }
}

/// # Safety
/// `d.len() == s.len()`, a multiple of 16; `d` 16-byte aligned.
#[cfg(target_arch = "x86_64")]
unsafe fn stream_sse2(d: &mut [u8], s: &[u8]) {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
    for (d, s) in d.chunks_exact_mut(16).zip(s.chunks_exact(16)) {
        // SAFETY: 16 readable bytes at `s`, 16 writable aligned bytes at `d`.
        unsafe { _mm_stream_si128(d.as_mut_ptr().cast::<__m128i>(), _mm_loadu_si128(s.as_ptr().cast::<__m128i>())) };
    }
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

    /// Every length and destination offset around the vector width, on
    /// both copies (the test script also runs with `GRADIENT_CPU=baseline`).
    #[test]
    fn stream_copies_every_byte_and_nothing_else() {
        let src: Vec<f64> = (0..300).map(|i| i as f64 * 1.5 - 7.0).collect();
        for start in 0..8 {
            for len in [0, 1, 3, 4, 5, 8, 17, 64, 255] {
                let mut dst = vec![f64::NAN; 300];
                super::stream(&mut dst[start..start + len], &src[..len]);
                super::fence();
                for (i, d) in dst.iter().enumerate() {
                    let want = if (start..start + len).contains(&i) { src[i - start] } else { f64::NAN };
                    assert_eq!(d.to_bits(), want.to_bits(), "start {start}, len {len}, index {i}");
                }
            }
        }
    }
}
