//! How many threads a call may use: a process-wide setting, since a thread
//! count is a property of the machine and the program, not of one call.
//! Results do not depend on it: every output element is computed by the same
//! operations whichever thread computes it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use smallvec::SmallVec;

/// 0 means "not set": use `GRADIENT_NUM_THREADS` or every core.
static REQUESTED: AtomicUsize = AtomicUsize::new(0);

/// Below this many output elements per call, threads cost more than they save.
pub(crate) const PARALLEL_MIN_ELEMENTS: usize = 1 << 16;

/// Sets the number of threads later calls use; 0 restores the default.
pub fn set_threads(n: usize) {
    REQUESTED.store(n, Ordering::Relaxed);
}

/// The number of threads a large call uses now.
pub fn threads() -> usize {
    match REQUESTED.load(Ordering::Relaxed) {
        0 => default_threads(),
        n => n,
    }
}

fn default_threads() -> usize {
    static DEFAULT: OnceLock<usize> = OnceLock::new();
    *DEFAULT.get_or_init(|| {
        std::env::var("GRADIENT_NUM_THREADS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    })
}

/// One pool per thread count ever requested, kept for the process lifetime
/// so that alternating settings do not rebuild pools.
fn pool(n: usize) -> Option<Arc<ThreadPool>> {
    static POOLS: Mutex<Vec<(usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = pools.iter().find(|(k, _)| *k == n) {
        return Some(p.clone());
    }
    let p = Arc::new(ThreadPoolBuilder::new().num_threads(n).thread_name(|i| format!("gradient-{i}")).build().ok()?);
    pools.push((n, p.clone()));
    Some(p)
}

/// Runs `work(parallel)`, inside a pool of the configured size when the job
/// is large enough to pay for it; `parallel` says whether to split it.
pub(crate) fn run<R: Send>(elements: usize, work: impl FnOnce(bool) -> R + Send) -> R {
    let n = threads();
    if n > 1 && elements >= PARALLEL_MIN_ELEMENTS {
        if let Some(p) = pool(n) {
            return p.install(|| work(true));
        }
    }
    work(false)
}

/// Input elements per block (1 MiB of float64). Each axis was computed over
/// a whole block before the next (as `kernel` still does; `flat` now goes
/// a piece at a time), so longer blocks meant longer unbroken streams; on
/// this project's 2-core AMD test machine 2^17 made 4096^2 and 256^3
/// float64 with all axes 15-20% faster than 2^14 (which kept a block and its
/// outputs in L2), and larger blocks gained nothing more.
pub(crate) const BLOCK_ELEMENTS: usize = 1 << 17;

/// How many of `n` rows of `row_elements` make a block; when `parallel`,
/// few enough that every thread gets several blocks.
pub(crate) fn rows_per_block(n: usize, row_elements: usize, parallel: bool) -> usize {
    let rows = (BLOCK_ELEMENTS / row_elements.max(1)).clamp(1, n.max(1));
    if parallel {
        rows.min(n.div_ceil(4 * rayon::current_num_threads()).max(1))
    } else {
        rows
    }
}

/// Runs `work(scratch, b, pieces)` for every block `b`, where `pieces`
/// holds the `b`-th chunk of every output (`outputs` yields each output's
/// chunks in order), on the pool's threads when `parallel`, in the order of
/// `key(b)` (each thread takes a run of consecutive blocks in that order).
/// `scratch` is reused from block to block by the thread that runs them.
pub(crate) fn for_each_block<C: Send, I: IntoIterator<Item = C>, S: Default, K: Ord>(
    outputs: impl IntoIterator<Item = I>,
    parallel: bool,
    key: impl Fn(usize) -> K,
    work: impl Fn(&mut S, usize, SmallVec<[C; 4]>) + Sync + Send,
) {
    let mut blocks: Vec<(usize, SmallVec<[C; 4]>)> = Vec::new();
    for chunks in outputs {
        for (b, chunk) in chunks.into_iter().enumerate() {
            if b == blocks.len() {
                blocks.push((b, SmallVec::new()));
            }
            blocks[b].1.push(chunk);
        }
    }
    blocks.sort_by_key(|&(b, _)| key(b));
    if parallel {
        blocks.into_par_iter().for_each_init(S::default, |s, (b, c)| work(s, b, c));
    } else {
        let mut s = S::default();
        blocks.into_iter().for_each(|(b, c)| work(&mut s, b, c));
    }
}
