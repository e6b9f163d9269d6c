//! How the kernels store their outputs. An output larger than the cache
//! cannot stay there for the caller anyway, and plain stores make the CPU
//! read every output cache line from memory before overwriting it: a third
//! of a 1-D gradient's memory traffic, two fifths of a 2-D one's. Such
//! outputs are computed a chunk at a time into a buffer that stays in L1,
//! which `crate::cpu::stream` then copies out with non-temporal stores
//! (float64 and float32 outer axes, on Intel CPUs the row axis too, and a
//! 1-D lane on CPUs with AVX2, store theirs straight from registers
//! instead, see `core::flat` and `core::kernel`).
//! The results are the same bits; only where they travel through changes.
//! (Figures in the README, under Performance.)

use bytemuck::Pod;

/// Calls whose outputs add up to at least this many bytes stream them: the
/// last-level cache of the test machine (32 MiB); smaller outputs may still
/// be in cache when the caller reads them.
const STREAM_MIN_BYTES: usize = 32 << 20;

/// Output elements computed into the buffer per streamed copy (4 KiB of
/// float64: in L1 with the input rows that produce them).
const CHUNK: usize = 512;

/// The most rows [`Store::fill_rows`] takes at once, and the elements of
/// each per streamed copy. On the test machine (hand-written C, outputs
/// streamed), a loop over four rows of 4096 float64 with coordinates along
/// them in 256-element chunks took 0.8x the time of two rows in chunks of
/// 256, 512 or 1024; four rows in 128-element chunks took 1.7x.
pub(crate) const ROWS: usize = 4;
const ROW_CHUNK: usize = 256;

/// Room for `CHUNK` elements, or for `ROWS` rows of `ROW_CHUNK`.
const BUFFER: usize = if CHUNK > ROWS * ROW_CHUNK { CHUNK } else { ROWS * ROW_CHUNK };

/// Where a kernel writes: straight into the output, or through a buffer.
pub(crate) enum Store<O> {
    Direct,
    Streamed(Box<Buffer<O>>),
}

/// Cache-line aligned: with the heap's 16-byte alignment, 10^7 samples
/// took 1.2-1.5x the time of plain stores instead of 0.8-0.9x.
#[repr(align(64))]
pub(crate) struct Buffer<O>([O; BUFFER]);

/// Whether a call that writes `elements` output elements of type `O` in all
/// should stream them.
pub(crate) fn streams<O>(elements: usize) -> bool {
    elements.saturating_mul(size_of::<O>()) >= STREAM_MIN_BYTES
}

impl<O: Pod> Store<O> {
    /// One per block of work (each thread needs its own buffer).
    pub(crate) fn new(stream: bool) -> Self {
        if stream {
            Store::Streamed(Box::new(Buffer([O::zeroed(); BUFFER])))
        } else {
            Store::Direct
        }
    }

    /// Whether the outputs go through the buffer.
    pub(crate) fn streams(&self) -> bool {
        matches!(self, Store::Streamed(_))
    }

    /// Fills `out` by calling `fill(a, part)`, where `part` stands for
    /// `out[a..a + part.len()]`: once for the whole of `out`, or chunk by
    /// chunk through the buffer. `fill` must be an `#[inline(always)]`
    /// closure for the caller's instruction set to reach it.
    #[inline(always)]
    pub(crate) fn fill(&mut self, out: &mut [O], mut fill: impl FnMut(usize, &mut [O])) {
        let Store::Streamed(buf) = self else { return fill(0, out) };
        // Chunks end on cache-line boundaries, so that only the first and
        // last line of `out` are written partly by plain stores.
        let misaligned = (out.as_ptr() as usize % 64) / size_of::<O>().max(1);
        let mut a = 0;
        let mut n = CHUNK - misaligned;
        while a < out.len() {
            n = n.min(out.len() - a);
            fill(a, &mut buf.0[..n]);
            crate::cpu::stream(&mut out[a..a + n], &buf.0[..n]);
            a += n;
            n = CHUNK;
        }
    }

    /// [`Self::fill`] for `N` outputs of the same length at once, for loops
    /// that share their loads between rows: `fill(a, parts)`.
    #[inline(always)]
    pub(crate) fn fill_rows<const N: usize>(&mut self, mut outs: [&mut [O]; N], mut fill: impl FnMut(usize, [&mut [O]; N])) {
        const { assert!(N <= ROWS) };
        let Store::Streamed(buf) = self else { return fill(0, outs) };
        let mut parts = buf.0.chunks_exact_mut(ROW_CHUNK);
        let mut parts: [&mut [O]; N] = std::array::from_fn(|_| parts.next().expect("N <= ROWS"));
        // Chunks end on cache lines of the first output (and of the others
        // when rows are a whole number of lines long, as they usually are).
        let misaligned = (outs[0].as_ptr() as usize % 64) / size_of::<O>().max(1);
        let len = outs[0].len();
        let mut a = 0;
        let mut n = ROW_CHUNK - misaligned;
        while a < len {
            n = n.min(len - a);
            fill(a, parts.each_mut().map(|p| &mut p[..n]));
            for (o, p) in outs.iter_mut().zip(&parts) {
                crate::cpu::stream(&mut o[a..a + n], &p[..n]);
            }
            a += n;
            n = ROW_CHUNK;
        }
    }

    /// Makes the streamed stores visible to other threads: due at the end
    /// of every block of work.
    pub(crate) fn finish(&self) {
        if let Store::Streamed(_) = self {
            crate::cpu::fence();
        }
    }
}
