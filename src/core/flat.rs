//! The fast path for contiguous arrays: the input and every output dense in
//! memory, in the same axis order (C order, Fortran order, or any other);
//! a strided input is first packed into dense rows (see the end).
//!
//! The array is then a sequence of rows along its axis of smallest stride,
//! and every input row an axis reads is a sub-slice at a fixed distance, so
//! locating one costs integer arithmetic instead of n-dimensional views.
//!
//! With scalar steps (numpy's default), a run of rows that is interior for
//! every other axis is one flat span in which each output is
//! `op(f[m + d], f[m - d], w)`, with one distance `d` per axis: `span`
//! computes one axis over a piece of the span, then the next, and `block`
//! puts the lane edges back afterwards. On this project's 2-core AMD test
//! machine (kernel v669) reading three input rows in one loop cost more
//! than reading two in one loop and one in another: one axis after another
//! over blocks of 2^17 elements made 4096^2 and 256^3 float64 with all
//! axes 15-20% faster than computing all axes together, 16 elements at a
//! time (hand-written C loops showed the same). On an earlier image of that
//! machine the fused loop had been the faster one.
//!
//! The pieces (`pipeline`) are 2^14 elements or more (`IN_PLACE_PIECE`
//! when the input is read in place), and each outer axis
//! runs as many pieces behind the row axis as its distance spans, so that
//! the rows it reads were read moments before. On the 2-core Intel test
//! machine (kernel v1045, 2 MiB of L2 per core), a whole block of 32 rows
//! of 4096 float64 per axis, the outer axis rereading it from L2, took
//! 1.1x the time of that pipeline in hand-written C (every other column of
//! 4096x8192: 1.2x). In the library, against whole blocks, at 1 / 2
//! threads: 0.95-0.97 / 0.98 of the time on 4096^2, 0.86 / 0.83 reading
//! every other column of it, 0.90 / 0.91 with coordinates on both axes,
//! 0.93 on 1024^2 and 0.87 on 512^2 with coordinates (not streamed), and
//! within 1% on 256^3, where pieces of 2^10 elements took 1.24x the time.
//!
//! An outer axis reads each input row twice, the second time two of its
//! steps after the first: 1 MiB later for the first axis of 256^3
//! float64, further than L2 keeps it on the Intel test machine (in
//! hand-written C, `(f[i + d] - f[i - d]) * 0.5` over 2^24 float64 took
//! 1.0x the time of a copy for d = 256, 1.1x for 4096, 1.45x for 65536).
//! Where that step is 512 KiB or more, blocks are tiles, an even share of
//! the rows from one index of the axis to the next, and each thread goes
//! down its columns of tiles (`Call::tiles`): the axis then rereads a tile
//! two tiles after the first read. Against blocks of whole rows in order,
//! at 1 / 2 threads: 0.91-0.95 / 0.91-0.93 of the time on 256^3 float64
//! (edge order 1 or 2), 0.76-0.78 / 0.73-0.76 on 64x512x512, 0.71-0.74 /
//! 0.69-0.72 on float32 128x512x512. float32 256^3 (a step of 256 KiB)
//! took 1.02-1.03x the time tiled, and is not.
//!
//! With coordinates on some axis, `rule_rows` computes the same runs of
//! rows in the same pieces, with each row's formula for each axis chosen
//! once and then one loop over the row. Coordinates along the row go
//! several rows at a time, so that each load of their weights (in L2 for
//! long rows) serves them all: two rows, or four (`store::ROWS`) when the
//! outputs stream. On 4096^2 float64 with coordinates on both axes, two
//! rows at a time had taken 0.78x the time of one at 1 thread, 0.84x at 2,
//! and four took 0.88-0.95x the time of two at 1 thread, 0.94x at 2.
//!
//! Calls whose outputs are larger than the cache write them past it
//! (`store`), and then compute the row axis first in each run: it reads its
//! rows from memory, and the outer axes find most of theirs in L2. On the
//! test machine, 4096^2 float64 with both axes took 0.61x the time of plain
//! stores that way in hand-written C, and 0.97x with the row axis last (the
//! library: 0.76-0.80x). Smaller calls keep the plans' order, in which
//! coordinate rows had measured 4-10% faster.
//!
//! The outer axes of such calls, on float64 and float32 (the type's
//! `STRIDED_DIFF`, and float64's `STREAMED_COMB` with coordinates), store
//! each output line straight from registers instead of going through the
//! store's buffer (`span`, `streamed_row`).
//! On the AMD machine, in hand-written C, `(f[i + d] - f[i - d]) * 0.5`
//! over 4096^2 float64 through the buffer took 0.7-1.0x the time of direct
//! non-temporal stores for d = 1, and 1.17-1.32x for d of 1024 to 8192.
//! In the library, at 1 / 2 threads, direct stores took 0.82 / 0.92 of the
//! buffer's time on 4096^2 with both axes, 0.75-0.79 / 0.75-0.94 on 256^3,
//! 0.81-0.86 / 0.93 with coordinates on both axes of 4096^2, and
//! 0.73-0.78 / 0.80 for the axis across the rows alone.
//!
//! On the Intel machine the buffer lost for d = 1 as well (C: 1.15-1.25x
//! the time of direct stores, wherever the buffer sat against the input),
//! so there the row axis with a scalar step stores directly too
//! (`crate::cpu::direct_row_stores`). Against the buffer, at 1 / 2
//! threads: 0.74-0.76 / 0.67 of the time for the row axis alone, 0.77-0.78
//! / 0.79 on 4096^2 with both axes, 0.85-0.86 / 0.87-0.88 on 256^3.
//!
//! A lane end stored plainly into a line already streamed reads that line
//! back from memory. In hand-written C on 256^3 (all axes, pipelined, on
//! the Intel machine) the ends took 30 ms written after each run, against
//! 26.5 without them, 47.7 written right after each row, 32.5 with each
//! row's two end lines stored plainly, and 26.7 with those lines built
//! aside and streamed whole. `streamed_rows` does the last, for rows read
//! in place and, on Intel CPUs, for rows of `WHOLE_LANE_MIN_LEN` or more.
//! Against the ends stored plainly, at 1 / 2 threads: 0.83-0.89 /
//! 0.89-0.92 of the time on every other column of 4096^2, 0.93-0.96 /
//! 0.98-1.02 on 4096^2. A lane at a time costs shorter rows more than it
//! saves (the row axis alone of 256^3: 1.21x the time), so on Intel CPUs
//! rows from `INLINE_ENDS_MIN_LEN` up take `crate::cpu::lanes_diff`
//! instead: one loop over a piece of rows that computes the vector groups
//! holding an end one element at a time, from inputs it has just loaded.
//! Against the ends stored after each run, at 1 / 2 threads: 0.93 / 0.92-0.93
//! of the time on 256^3 (edge order 1 or 2), 0.80 for its row axis alone,
//! 0.94-0.95 / 0.95 on 32768x512, 0.96 on 16384x1024.
//!
//! Outputs that do not start on a cache line (numpy's and `malloc`'s start
//! 16 bytes into one) have lines that straddle two rows, and pieces of a
//! run that begin on a row would share such lines too. `streamed_rows`
//! builds the straddling lines aside with the lane ends (`lines`), as
//! `streamed_outer_rows` does for outer axes with coordinates, and
//! `pipeline` starts each piece on a line of its output. On the Intel
//! machine, with outputs 16 bytes into a line, against plain stores into
//! the shared lines, at 1 / 2 threads: 0.78 / 0.80 of the time on every
//! other column of 4096^2, 0.91-0.92 / 0.94 on 4096^2, 0.92 / 0.98 on
//! float32 4096^2, and at 1 thread 0.86 for the axis across the rows of
//! 4096^2 with coordinates; aligned outputs take the time they took.
//!
//! Each block is run through `crate::cpu::widest` (AVX2 where the CPU has
//! it), which is why everything `block` calls on those paths is
//! `#[inline(always)]`.
//!
//! The remaining rows (edges of an outer axis) are done row by row, all axes
//! in `PIECE`-sized turns.
//!
//! A strided input (stepped, reversed, rows cut from longer rows) whose
//! outputs are contiguous in its axis order is copied block by block into
//! contiguous rows (`Call::window`), which then take the same path: each
//! input element is gathered once (next to a block's ends along the
//! outermost axis, twice), every loop after that runs over contiguous rows
//! in cache, and the outputs stream as for a contiguous input. A stepped
//! 4096^2 float64 input took 0.66x the time of `kernel`'s strided loops at
//! 1 thread, every other sample of 256^3 0.35x.
//!
//! Packing reads the input in one loop and writes the outputs in others.
//! A 2-D float64 or float32 input with scalar steps, rows of 256 elements
//! or more and outputs that stream is instead read in place, away from its
//! first and last rows (`rows_in_place`, with `cpu::strided_diff`'s
//! vector loads through the stride): the row axis then writes its outputs
//! while it reads the input from memory, and the outer axis finds its rows
//! in cache. Against packing, at 1 / 2 threads: 0.84 / 0.86 of the time on
//! every other column of 4096^2, 0.76 / 0.82 with the columns reversed,
//! 0.89 / 0.83 on rows cut from longer rows.
//!
//! With both axes, the row axis of row `r` and the outer axis of row
//! `r + 1`, which reads rows `r` and `r + 2`, go in one loop
//! (`paired_rows`, `cpu::strided_diff_pair`) on Intel CPUs, wherever the
//! two outputs' rows sit alike against cache lines (as numpy's do for rows
//! of a whole number of lines): each vector of row `r`, read from memory
//! two rows before as row `r + 2`, is loaded from cache once for both, and
//! the row axis shifts it by one element instead of loading it twice
//! more. The input rows loaded per output row pair go from three to two.
//! Against one axis after the other, at 1 / 2 threads: 0.93 / 0.93 of the
//! time on every other column of 4096^2 float64, 0.78 / 0.81 on every
//! other column of 32768x512; float32 4096^2, every third column and
//! 1024x16384 took the time they took.
//!
//! Rows of every other sample go in pairs on other CPUs with AVX2 too
//! (`cpu::paired_rows_in_place`), with loads that leave their samples out
//! of order until the store (`cpu::Lanes::load_step2`) and no shifts. On
//! the AMD test machine, every other column of 4096^2 float64 took 0.86 /
//! 0.93 of the time of one axis after the other at 1 / 2 threads, and
//! 28.3 / 18.7 ms in all against 49 / 28 with the loads that put the
//! samples in order (two `vperm2f128` each, microcoded there).
//!
//! `span` pairs the rows of contiguous input the same way where the call
//! has just those two axes, the outer axis then rereading each row from
//! cache once instead of twice, on float64 rows of 1024 or more
//! (`Element::CONTIGUOUS_PAIR_MIN_LEN`). Against its pipeline, at 1 / 2
//! threads: 0.96 / 0.97 of the time on 4096^2 float64 (the same with
//! the input and outputs 16 bytes into a line), 0.90-0.92 / 0.91-0.93 on
//! 16384x1024, 0.94 / 0.95 on 8192x2048, 0.95 / 0.93 on 256x65536, 0.93 /
//! 0.95 on the last two axes of 16x512x2048; 32768x512 took the time it
//! took. On float32 it saved nothing at 2 threads on 4096^2 and cost 1.03-
//! 1.07x the time on 8192x2048 (1.10-1.14x on 16384x1024), and with all
//! three axes of 3-D inputs (the third one in its own pass) pairs took
//! 1.14x the time on 256^3 and 1.00-1.04x with rows of 2048 and 4096.
//!
//! float32 took the buffer's path everywhere until it had a `STRIDED_DIFF`
//! and a `LANES_DIFF` too. With them, on the Intel machine, against the
//! buffer, at 1 / 2 threads: 0.82-0.83 / 0.83-0.88 of the time on 4096^2
//! float32, 0.94-0.96 with coordinates on both axes of it, 0.73-0.74 /
//! 0.72 on every other column of it (read in place), 0.74 / 0.78 on 256^3
//! (0.87 at 1 thread with `STRIDED_DIFF` alone), 0.75-0.76 on 512x256x256
//! and 16384x1024, 0.80-0.83 on 2*10^7 samples (`kernel`'s single lane).

use std::cell::Cell;
use std::cmp::Reverse;
use std::ops::Range;

use ndarray::{ArrayBase, ArrayView1, ArrayView2, ArrayViewD, ArrayViewMutD, Axis, Ix2, IxDyn, RawData, Slice};
use smallvec::SmallVec;

use super::element::{Element, LanesDiff, PairDiff, StridedDiff};
use super::kernel::AxisPlan;
use super::lines::{per_line, stream_rows};
use super::stencil::{AxisStencil, EdgeOrder, Scale, Stencil, WeakUniform};
use super::store::{self, Store};
use super::threads;

/// Output elements written for one axis before turning to the next, on rows
/// outside the spans (fewer cost more in dispatch than they gain).
/// 4096 (pieces in L2 rather than L1) was no faster on 4096^2 with
/// coordinates on both axes and 1.4x slower on 64x262144, on huge pages.
const PIECE: usize = 256;

/// Rows of runs with scalar steps at least this long, and shorter than
/// `WHOLE_LANE_MIN_LEN`, are written with their ends by `cpu::lanes_diff`
/// (`Call::own_ends`). Shorter rows keep their ends stored after each run:
/// `lanes_diff` computes each vector group that holds an end one element at
/// a time, which would be most of such a row.
const INLINE_ENDS_MIN_LEN: usize = 64;

/// Rows of runs with scalar steps at least this long are written one lane
/// at a time (`streamed_rows`). On the Intel test machine, against
/// `cpu::lanes_diff`, that took 0.96 of the time on 4096^2 float64 at 2
/// threads (1.00 at 1), 0.97-0.99 for its row axis alone.
const WHOLE_LANE_MIN_LEN: usize = 4096;

/// Input elements per piece of a `pipeline`d run: fewer cost more in
/// per-piece dispatch than they gain.
const PIPE_ELEMENTS: usize = 1 << 14;

/// Output elements per piece of `rows_in_place`, fewer than
/// `PIPE_ELEMENTS`: a strided input brings in all the memory between the
/// samples it uses, and the outer axis rereads that input one step after
/// the row axis, so the less was read in between the nearer it is found
/// (4096 samples of every other float64 span 64 KiB). On the Intel test
/// machine, against pieces of 4 rows (16384 elements), reading every other
/// column took 0.92 / 0.92 of the time on 4096^2 at 1 / 2 threads, 0.87
/// on 32768x512 and 0.85 on 1024x16384 (1 thread), every third column of
/// 4096^2 0.82; pieces of 2048 to 8192 elements were within noise of each
/// other.
const IN_PLACE_PIECE: usize = 4096;

/// Inputs whose furthest axis reads this many bytes away or more go tile
/// by tile (`Call::tiles`).
const TILE_MIN_DISTANCE: usize = 512 << 10;

/// Bytes of input per tile, at most. On the Intel test machine, against
/// this, 256^3 float64 took 1.00-1.04x the time with tiles of 128 KiB and
/// about 1.05x with 64 KiB.
const TILE_BYTES: usize = 256 << 10;

/// `pipeline`'s pieces for runs of contiguous rows of `len` elements: a
/// whole number of `store::ROWS` rows, `PIPE_ELEMENTS` or more.
fn row_pieces(len: usize) -> usize {
    PIPE_ELEMENTS.div_ceil(len).next_multiple_of(store::ROWS) * len
}

type Small<T> = SmallVec<[T; 4]>;

/// Runs the call if its layout allows; returns false, touching nothing, if
/// not.
pub(crate) fn run<T: Element>(
    f: &ArrayViewD<'_, T>,
    plans: &[AxisPlan<'_, T::Weak>],
    outs: &mut [ArrayViewMutD<'_, T::Out>],
    edge: EdgeOrder,
) -> bool {
    let order = traversal_order(f);
    if order.len() < 2 || plans.is_empty() {
        return false;
    }
    let outermost_planned = plans.iter().any(|p| p.axis == order[0]);
    let f = reorder(f.view(), &order);
    let stream = store::streams::<T::Out>(f.len() * plans.len());
    let steps = scalar_steps(plans);
    let dims: Small<usize> = f.shape().into();
    let len = dims[dims.len() - 1];
    let total_rows = f.len() / len;
    let slice_rows = total_rows / dims[0];
    let input = match f.to_slice() {
        Some(fs) => Input::Dense(fs),
        None if len >= PACK_MIN_LEN && slice_rows * len <= PACK_MAX_SLICE => {
            // The outermost axis's neighbours are outside a block.
            let halo = if outermost_planned { edge.min_len() - 1 } else { 0 };
            let in_place = T::STRIDED_DIFF.is_some() && !steps.is_empty() && stream && len >= IN_PLACE_MIN_LEN;
            let rows = in_place.then(|| f.view().into_dimensionality::<Ix2>().ok()).flatten();
            Input::Strided { f: f.view(), slice_rows, halo, rows }
        }
        None => return false,
    };
    let mut os: Small<&mut [T::Out]> = Small::new();
    for o in outs.iter_mut() {
        let o = reorder(o.view_mut(), &order);
        if !o.is_standard_layout() {
            return false;
        }
        os.push(o.into_slice().expect("standard layout"));
    }
    let axes: Small<Walk> = plans
        .iter()
        .map(|p| {
            let k = order.iter().position(|&k| k == p.axis).expect("a selected axis has length > 1");
            let dist = dims[k + 1..].iter().product::<usize>();
            Walk { n: dims[k], rows: dist / len, dist }
        })
        .collect();
    let mut order: Small<usize> = (0..plans.len()).collect();
    if stream {
        order.sort_by_key(|&k| axes[k].rows != 0);
    }
    let call = Call { input, len, plans, steps, axes, order, edge, stream };
    threads::run(f.len() * plans.len(), |parallel| {
        let mut rows = threads::rows_per_block(total_rows, len, parallel);
        if let Input::Strided { slice_rows, .. } = call.input {
            rows = rows.div_ceil(slice_rows) * slice_rows;
        }
        // Blocks of one tile, taken tile column by tile column (`slab`
        // blocks per slab), or blocks of whole rows in order.
        let (rows, slab) = call.tiles().unwrap_or((rows, 1));
        let chunks = os.iter_mut().map(|o| o.chunks_mut(rows * len));
        threads::for_each_block(chunks, parallel, |b| (b % slab, b / slab), |packed: &mut Vec<T>, b, mut outs| {
            crate::cpu::widest(
                #[inline(always)]
                || {
                    let first = b * rows;
                    let rows = first..first + outs[0].len() / len;
                    let mut store = Store::new(call.stream);
                    match call.in_place(rows.clone()) {
                        Some((f, diff)) => rows_in_place(&call, f, diff, &mut outs, first),
                        None => block(&call, call.window(rows, packed), &mut store, &mut outs, first),
                    }
                    store.finish();
                },
            )
        });
    });
    true
}

/// Axes of length > 1, largest stride first; the last is the row axis.
fn traversal_order<T>(f: &ArrayViewD<'_, T>) -> Small<usize> {
    let mut axes: Small<usize> = (0..f.ndim()).filter(|&k| f.len_of(Axis(k)) > 1).collect();
    // Stable, so equal strides keep their order. (ndarray gives axes of
    // length 1 a zero stride, which is why they are dropped, not sorted.)
    axes.sort_by_key(|&k| Reverse(f.strides()[k].unsigned_abs()));
    axes
}

/// `a` without the axes missing from `order` (all of length 1), the others
/// arranged as `order` lists them.
fn reorder<S: RawData>(mut a: ArrayBase<S, IxDyn>, order: &[usize]) -> ArrayBase<S, IxDyn> {
    for k in (0..a.ndim()).rev() {
        if !order.contains(&k) {
            a = a.index_axis_move(Axis(k), 0);
        }
    }
    let kept = |k: usize| k - (0..k).filter(|j| !order.contains(j)).count();
    let perm: Small<usize> = order.iter().map(|&k| kept(k)).collect();
    a.permuted_axes(IxDyn(&perm))
}

/// How a plan's axis advances as rows go by.
struct Walk {
    /// Length of the axis.
    n: usize,
    /// Rows per step along the axis (0 for the row axis itself).
    rows: usize,
    /// Elements per step along the axis.
    dist: usize,
}

/// Where one axis stands at the current row.
#[derive(Clone, Copy)]
struct Position {
    /// Index along the axis.
    i: usize,
    /// Rows left before it advances.
    left: usize,
}

impl Walk {
    fn at(&self, row: usize) -> Position {
        if self.rows == 0 {
            return Position { i: 0, left: 0 };
        }
        Position { i: row / self.rows % self.n, left: self.rows - row % self.rows }
    }
}

/// What one plan computes for the current row, with the input rows it reads.
enum Job<'a, T> {
    /// The row is the plan's lane.
    Along,
    /// Central difference at this index, from the rows before and after.
    Interior(usize, &'a [T], &'a [T]),
    /// One-sided difference at index 0, from the first rows.
    Start([&'a [T]; 3]),
    /// One-sided difference at the last index, from the last rows.
    End([&'a [T]; 3]),
}

/// Rows shorter than this are not worth packing (the row-by-row copy would
/// cost more than it saves); such inputs take `kernel`'s path.
const PACK_MIN_LEN: usize = 64;

/// Shorter rows are packed even where `rows_in_place` could read them: the
/// per-row cost outweighs the gain. On the test machine, float64 taking
/// every other sample, 100000x64 took 1.28x the time of packing in place,
/// 65536x128 0.97x, 32768x256 0.87x, 16384x512 0.88x, 4096x4096 0.87x.
const IN_PLACE_MIN_LEN: usize = 256;

/// Inputs whose outermost axis has more elements per index than this are
/// not packed either: a block packs whole indices, with up to two more on
/// each side, and this bounds that copy (5 * 4 MiB of float64 per thread).
const PACK_MAX_SLICE: usize = 1 << 19;

/// The input, rows of `Call::len` elements in traversal order.
enum Input<'a, T> {
    /// Contiguous: blocks read it in place.
    Dense(&'a [T]),
    /// Any other strides: each block packs the rows it reads, whole indices
    /// of the outermost axis (`slice_rows` rows each) at a time, with
    /// `halo` more on either side. `rows` is the same array as rows and
    /// columns when blocks away from its edges can read it in place
    /// instead (`rows_in_place`).
    Strided { f: ArrayViewD<'a, T>, slice_rows: usize, halo: usize, rows: Option<ArrayView2<'a, T>> },
}

/// Consecutive input rows, contiguous: element `e` of the array (in
/// traversal order) is `data[e - origin]`.
#[derive(Clone, Copy)]
struct Rows<'a, T> {
    data: &'a [T],
    origin: usize,
}

impl<'a, T> Rows<'a, T> {
    fn elems(&self, e: Range<usize>) -> &'a [T] {
        &self.data[e.start - self.origin..e.end - self.origin]
    }
}

/// How the row axis writes its own lane ends (`Call::own_ends`).
enum OwnEnds<T: Element> {
    /// One lane at a time (`streamed_rows`).
    Lanes(StridedDiff<T>),
    /// In one loop over each piece of rows.
    Inline(LanesDiff<T>),
}

/// A type's loop for one axis of rows read in place, and for two at once.
type PairLoops<T> = (StridedDiff<T>, PairDiff<T>);

/// What every block of one call shares.
struct Call<'a, T: Element> {
    input: Input<'a, T>,
    len: usize,
    plans: &'a [AxisPlan<'a, T::Weak>],
    /// One per plan when every axis has a scalar step, else empty. (Not an
    /// `Option`: the compiler hoisted the inline-or-heap test of a SmallVec
    /// inside `None` out of the loop, a branch on uninitialised memory that
    /// valgrind reports.)
    steps: Small<Scale<T::Weak>>,
    /// One per plan.
    axes: Small<Walk>,
    /// The plans in the order the runs of interior rows compute them: the
    /// row axis first when streaming (see the module comment).
    order: Small<usize>,
    edge: EdgeOrder,
    /// Whether the outputs are streamed past the cache (`store`).
    stream: bool,
}

impl<'a, T: Element> Call<'a, T> {
    /// How the row axis of runs with scalar steps writes its lane ends
    /// itself, every line streamed from registers (`span`), where the call
    /// does not leave them to be stored after each run (see the module
    /// comment).
    fn own_ends(&self) -> Option<OwnEnds<T>> {
        if !self.rows_from_registers() || self.len < INLINE_ENDS_MIN_LEN {
            return None;
        }
        match (T::STRIDED_DIFF, T::LANES_DIFF) {
            (Some(diff), _) if self.len >= WHOLE_LANE_MIN_LEN => Some(OwnEnds::Lanes(diff)),
            (_, Some(lanes)) => Some(OwnEnds::Inline(lanes)),
            _ => None,
        }
    }

    /// Rows per tile and tiles per slab, where blocks are tiles (see the
    /// module comment): a dense input whose outputs stream and whose
    /// furthest axis reads `TILE_MIN_DISTANCE` bytes or more away, across
    /// slabs of several rows (the rows from one index of that axis to the
    /// next). A tile is the largest even share of a slab's rows that is no
    /// more than `TILE_BYTES`; where that is under a quarter of it (a slab
    /// of a prime number of rows), the blocks stay whole rows.
    fn tiles(&self) -> Option<(usize, usize)> {
        let Input::Dense(_) = self.input else { return None };
        let slab = self.axes.iter().map(|w| w.rows).max()?;
        if !self.stream || slab < 2 || slab * self.len * size_of::<T>() < TILE_MIN_DISTANCE {
            return None;
        }
        let least = (slab * self.len * size_of::<T>()).div_ceil(TILE_BYTES);
        let tiles = (least..=slab).find(|t| slab % t == 0)?;
        let rows = slab / tiles;
        (rows * self.len * size_of::<T>() >= TILE_BYTES / 4).then_some((rows, tiles))
    }

    /// The input as rows and columns, and the type's strided loop, when
    /// every row in `rows` is interior for the outer axis (or that axis is
    /// not computed) and the input is one that `rows_in_place` reads.
    fn in_place(&self, rows: Range<usize>) -> Option<(ArrayView2<'a, T>, StridedDiff<T>)> {
        let (Input::Strided { rows: Some(f), .. }, Some(diff)) = (&self.input, T::STRIDED_DIFF) else { return None };
        let outer = self.axes.iter().any(|w| w.rows != 0);
        (!outer || rows.start >= 1 && rows.end < f.nrows()).then_some((*f, diff))
    }

    /// Whether steps are scalar, the outputs stream and the CPU is one
    /// where the row axis stores its lines from registers.
    fn rows_from_registers(&self) -> bool {
        self.stream && !self.steps.is_empty() && crate::cpu::direct_row_stores()
    }

    /// The type's loops for rows that go in pairs (`paired_rows`), where
    /// rows are stored from registers, or where rows read in place through
    /// a stride of `step` (`rows_in_place`) are
    /// (`crate::cpu::paired_rows_in_place`).
    fn pair(&self, step: Option<isize>) -> Option<PairLoops<T>> {
        let (Some(diff), Some(pair)) = (T::STRIDED_DIFF, T::PAIR_DIFF) else { return None };
        let registers = step.map_or_else(crate::cpu::direct_row_stores, crate::cpu::paired_rows_in_place);
        (self.stream && !self.steps.is_empty() && registers).then_some((diff, pair))
    }

    /// The input rows that computing rows `rows` reads: the input itself, or
    /// those rows and their neighbours along the outermost axis, copied into
    /// `packed`. Packing reads a strided input once, at the cost of a copy
    /// that stays in cache, and lets every loop after it run over
    /// contiguous rows.
    #[inline(always)]
    fn window<'s>(&'s self, rows: Range<usize>, packed: &'s mut Vec<T>) -> Rows<'s, T> {
        match self.input {
            Input::Dense(fs) => Rows { data: fs, origin: 0 },
            Input::Strided { ref f, slice_rows, halo, .. } => {
                let n = f.len_of(Axis(0));
                let a = (rows.start / slice_rows).saturating_sub(halo);
                let b = (rows.end.div_ceil(slice_rows) + halo).min(n);
                let part = f.slice_axis(Axis(0), Slice::from(a..b));
                // Written only where it grows: later blocks reuse it.
                let any = *part.iter().next().expect("a block has rows");
                packed.resize(part.len(), any);
                let mut dst = ArrayViewMutD::from_shape(part.raw_dim(), &mut packed[..]).expect("as many elements");
                dst.assign(&part);
                Rows { data: packed, origin: a * slice_rows * self.len }
            }
        }
    }
}

/// Rows `first..` of the array, as many as `outs` hold, from `src`.
#[inline(always)]
fn block<T: Element>(call: &Call<'_, T>, src: Rows<'_, T>, store: &mut Store<T::Out>, outs: &mut [&mut [T::Out]], first: usize) {
    let Call { len, plans, ref steps, ref axes, edge, .. } = *call;
    let end = first + outs[0].len() / len;
    let row = |r: usize| src.elems(r * len..(r + 1) * len);
    let mut r = first;
    while r < end {
        let at: Small<Position> = axes.iter().map(|w| w.at(r)).collect();
        let rows = interior_rows(axes, &at).min(end - r);
        if rows > 0 {
            if steps.is_empty() {
                rule_rows(call, src, store, outs, first, r..r + rows);
            } else {
                span(call, src, store, outs, first, r..r + rows);
            }
            // `span` computed the row axis's lane ends inside the run as
            // interior points (unless the axis writes its own, see
            // `Call::own_ends`) and `rule_rows` left them: put the edges
            // there.
            if let Some(k) = axes.iter().position(|w| w.rows == 0).filter(|_| call.own_ends().is_none()) {
                let out = &mut outs[k][(r - first) * len..(r - first + rows) * len];
                let f = src.elems(r * len..(r + rows) * len);
                match &plans[k].stencil {
                    AxisStencil::Weak(s) => lane_ends(s, f, out, len, edge),
                    AxisStencil::Strong(s) => lane_ends(s, f, out, len, edge),
                    AxisStencil::NonUniform(s) => lane_ends(s, f, out, len, edge),
                }
            }
            r += rows;
            continue;
        }
        let here = row(r);
        let jobs: Small<Job<'_, T>> = axes
            .iter()
            .zip(&at)
            .map(|(w, p)| {
                // Row `r` is at index `p.i`; index `q` is `q - p.i` steps away.
                let other = |q: usize| row(r + q * w.rows - p.i * w.rows);
                // Edge order 1 reads two rows; the third is a placeholder.
                let k = edge.min_len() - 1;
                match p.i {
                    _ if w.rows == 0 => Job::Along,
                    0 => Job::Start([other(0), other(1), other(k)]),
                    i if i == w.n - 1 => Job::End([other(i - k), other(i - 1), other(i)]),
                    i => Job::Interior(i, other(i - 1), other(i + 1)),
                }
            })
            .collect();
        let base = (r - first) * len;
        for a in (0..len).step_by(PIECE) {
            let b = (a + PIECE).min(len);
            for ((plan, job), out) in plans.iter().zip(&jobs).zip(outs.iter_mut()) {
                apply(&plan.stencil, job, here, &mut out[base + a..base + b], a, edge);
            }
        }
        r += 1;
    }
}

/// Rows `first..` of a strided 2-D input with scalar steps, as many as
/// `outs` hold, every one interior for the outer axis (or that axis not
/// computed), read in place (see the module comment): both axes together
/// where `paired_rows` can, else a piece at a time (`pipeline`), each
/// output row of the outer axis one `diff` of two input rows and the row
/// axis lane by lane, as `streamed_rows` writes them.
#[inline(always)]
fn rows_in_place<T: Element>(call: &Call<'_, T>, f: ArrayView2<'_, T>, diff: StridedDiff<T>, outs: &mut [&mut [T::Out]], first: usize) {
    let Call { len, plans, ref axes, stream, .. } = *call;
    debug_assert!(stream, "read in place only when streaming");
    let rows = first..first + outs[0].len() / len;
    if call.pair(Some(f.strides()[1])).is_some_and(|loops| paired_rows(call, loops, outs, first, rows.clone(), |r| f.row(r))) {
        return;
    }
    pipeline(
        call,
        outs,
        first,
        rows,
        IN_PLACE_PIECE,
        |_| true,
        #[inline(always)]
        |k, elems, out| {
            let AxisStencil::Weak(st) = &plans[k].stencil else { unreachable!("scalar steps on every axis") };
            streamed_rows(call, diff, st, axes[k].rows == 0, elems.start, out, |r| f.row(r));
        },
    );
}

/// Elements `start..` of the array (rows of `call.len`) into `out`, as
/// `stream_rows` writes them: the row axis of a scalar step `st` (ends
/// included) from lanes `f(r)`, or an outer axis at that step from input
/// rows `f(r + 1)` and `f(r - 1)`, every line streamed, with `diff`'s loop
/// for the lines inside a row.
#[inline(always)]
fn streamed_rows<'a, T: Element + 'a>(
    call: &Call<'_, T>,
    diff: StridedDiff<T>,
    st: &WeakUniform<T::Weak>,
    along: bool,
    start: usize,
    out: &mut [T::Out],
    f: impl Fn(usize) -> ArrayView1<'a, T>,
) {
    let len = call.len;
    let (w, divide) = st.scale().parts();
    let taps = |r: usize, cols: Range<usize>| {
        let cut = |v: ArrayView1<'a, T>, by: isize| v.slice_axis_move(Axis(0), Slice::from(cols.start as isize + by..cols.end as isize + by));
        if along { (cut(f(r), 1), cut(f(r), -1)) } else { (cut(f(r + 1), 0), cut(f(r - 1), 0)) }
    };
    let cols = if along { 1..len - 1 } else { 0..len };
    stream_rows(
        [out],
        start,
        len,
        cols,
        #[inline(always)]
        |r, cols, [o]| {
            let (next, prev) = taps(r, cols);
            diff(o, next, prev, w, divide, true)
        },
        #[inline(always)]
        |r, c| [in_place_value(call, st, along, &f, r, c)],
    );
}

/// Column `c` of row `r` of the row axis (`along`) or of an outer axis at
/// a scalar step `st`, from input rows `f(r)`.
#[inline(always)]
fn in_place_value<'a, T: Element + 'a>(
    call: &Call<'_, T>,
    st: &WeakUniform<T::Weak>,
    along: bool,
    f: &impl Fn(usize) -> ArrayView1<'a, T>,
    r: usize,
    c: usize,
) -> T::Out {
    let (len, edge) = (call.len, call.edge);
    let (w, divide) = st.scale().parts();
    let interior = move |x: T, p: T| if divide { T::diff_weak(x, p, w) } else { T::times_weak(x, p, w) };
    match c {
        _ if !along => interior(f(r + 1)[c], f(r - 1)[c]),
        0 => st.lane_start(edge, |i| f(r)[i]),
        c if c == len - 1 => st.lane_end(edge, len, |i| f(r)[i]),
        c => interior(f(r)[c + 1], f(r)[c - 1]),
    }
}

/// The row axis and an outer axis a row apart (`call.axes[k].rows == 1`)
/// of rows `rows`, every one interior for that axis, into `outs` (which
/// start at row `first`), with the type's loop for both at once: the row
/// axis of row `r` beside the outer axis of row `r + 1`, which reads rows
/// `r` and `r + 2`, so that each vector of row `r` (read two rows before,
/// as row `r + 2`) is loaded once for both (see the module comment). The
/// outer axis's first row and the row axis's last take `streamed_rows`.
/// Returns false, touching nothing, unless the call has just two such
/// axes, with scalar steps, whose outputs sit alike against cache lines for
/// the rows computed together.
#[inline(always)]
fn paired_rows<'a, T: Element + 'a>(
    call: &Call<'_, T>,
    (diff, pair): PairLoops<T>,
    outs: &mut [&mut [T::Out]],
    first: usize,
    rows: Range<usize>,
    row: impl Fn(usize) -> ArrayView1<'a, T> + Copy,
) -> bool {
    let Call { len, plans, ref axes, .. } = *call;
    let (Some(ka), Some(kc)) = (axes.iter().position(|w| w.rows == 0), axes.iter().position(|w| w.rows == 1)) else { return false };
    let (AxisStencil::Weak(sa), AxisStencil::Weak(sc)) = (&plans[ka].stencil, &plans[kc].stencil) else { return false };
    let [oa, oc] = match outs {
        [x, y] if ka == 0 => [x, y],
        [x, y] => [y, x],
        _ => return false,
    };
    let part = (rows.start - first) * len..(rows.end - first) * len;
    let (oa, oc, n) = (&mut oa[part.clone()], &mut oc[part], rows.len());
    // Row `rows.start + q` of the row axis beside row `rows.start + q + 1` of the outer.
    if n < 2 || oa.as_ptr().align_offset(64) != oc[len..].as_ptr().align_offset(64) {
        return false;
    }
    streamed_rows(call, diff, sc, false, rows.start * len, &mut oc[..len], row);
    let (along, across) = (&mut oa[..(n - 1) * len], &mut oc[len..]);
    let (pa, pc) = (sa.scale().parts(), sc.scale().parts());
    stream_rows(
        [along, across],
        rows.start * len,
        len,
        1..len - 1,
        #[inline(always)]
        |r, cols, [a, c]| pair(a, c, row(r), row(r + 2), cols, pa, pc),
        #[inline(always)]
        |r, c| [in_place_value(call, sa, true, &row, r, c), in_place_value(call, sc, false, &row, r + 1, c)],
    );
    streamed_rows(call, diff, sa, true, (rows.end - 1) * len, &mut oa[(n - 1) * len..], row);
    true
}

/// How many rows from the one at `at` on have every axis but the row axis
/// strictly inside its range (0 if this one does not).
fn interior_rows(axes: &[Walk], at: &[Position]) -> usize {
    axes.iter()
        .zip(at)
        .filter(|(w, _)| w.rows > 0)
        .map(|(w, p)| if p.i == 0 || p.i + 1 >= w.n { 0 } else { (w.n - 2 - p.i) * w.rows + p.left })
        .min()
        .unwrap_or(usize::MAX)
}

#[inline(always)]
fn apply<T: Element>(stencil: &AxisStencil<'_, T::Weak>, job: &Job<'_, T>, here: &[T], out: &mut [T::Out], a: usize, edge: EdgeOrder) {
    match stencil {
        AxisStencil::Weak(s) => piece(s, job, here, out, a, edge),
        AxisStencil::Strong(s) => piece(s, job, here, out, a, edge),
        AxisStencil::NonUniform(s) => piece(s, job, here, out, a, edge),
    }
}

/// Each plan's scalar step, or none if some axis has coordinates.
fn scalar_steps<W: Copy>(plans: &[AxisPlan<'_, W>]) -> Small<Scale<W>> {
    let steps: Option<Small<Scale<W>>> = plans
        .iter()
        .map(|p| match &p.stencil {
            AxisStencil::Weak(s) => Some(s.scale()),
            _ => None,
        })
        .collect();
    steps.unwrap_or_default()
}

/// Rows `rows` of the array, interior for every axis but the row axis,
/// written to `outs[..]` from row `first` on. The row axis is treated as
/// interior too (the caller then restores the lane edges), unless it
/// writes its ends itself (`Call::own_ends`): with scalar steps
/// every output is `op(f[m + d], f[m - d], w)`, one distance `d` per axis,
/// and each axis is computed over a piece of rows at a time (`pipeline`),
/// but for rows that go in pairs (`paired_rows`, see the module comment).
#[inline(always)]
fn span<T: Element>(call: &Call<'_, T>, src: Rows<'_, T>, store: &mut Store<T::Out>, outs: &mut [&mut [T::Out]], first: usize, rows: Range<usize>) {
    let Call { len, plans, ref steps, ref axes, edge, .. } = *call;
    let lane = |r: usize| src.elems(r * len..(r + 1) * len).into();
    if len >= T::CONTIGUOUS_PAIR_MIN_LEN && call.pair(None).is_some_and(|loops| paired_rows(call, loops, outs, first, rows.clone(), lane)) {
        return;
    }
    pipeline(
        call,
        outs,
        first,
        rows,
        row_pieces(len),
        |_| true,
        #[inline(always)]
        |k, elems, out| match (call.own_ends(), &plans[k].stencil, axes[k].rows) {
            (Some(OwnEnds::Lanes(diff)), AxisStencil::Weak(st), 0) => {
                streamed_rows(call, diff, st, true, elems.start, out, lane);
            }
            (Some(OwnEnds::Inline(lanes)), AxisStencil::Weak(st), 0) => {
                let (w, divide) = st.scale().parts();
                let ends = |r: usize, last: bool| {
                    let lane = &src.data[r..r + len];
                    if last { st.lane_end(edge, len, |i| lane[i]) } else { st.lane_start(edge, |i| lane[i]) }
                };
                lanes(out, src.data, elems.start - src.origin, len, w, divide, &ends);
            }
            _ => axis_span(steps[k], &axes[k], src.data, store, out, elems.start - src.origin..elems.end - src.origin),
        },
    );
}

/// Calls `work(k, elems, out)` for every plan `k` in `call.order` and every
/// piece of `rows` (`piece` elements, row `r` starting at element `r *
/// call.len`), `elems` being its elements and `out` those of `outs[k]`
/// (which start at row `first`). The outer axes lag behind the row axis by
/// as many pieces as their distance spans: both rows an outer axis reads
/// were then read by the row axis moments before and are in cache,
/// wherever the run is long.
/// Computing one axis over a whole run and then the next instead rereads
/// the run from further away (see the module comment). Where `on_lines(k)`,
/// pieces inside the run start on a cache line of their output, so that no
/// line is written by two pieces (`lines`). `work` must be an
/// `#[inline(always)]` closure (see `crate::cpu::widest`).
#[inline(always)]
fn pipeline<T: Element>(
    call: &Call<'_, T>,
    outs: &mut [&mut [T::Out]],
    first: usize,
    rows: Range<usize>,
    piece: usize,
    on_lines: impl Fn(usize) -> bool,
    mut work: impl FnMut(usize, Range<usize>, &mut [T::Out]),
) {
    let Call { len, ref axes, ref order, .. } = *call;
    let pieces = (rows.len() * len).div_ceil(piece);
    let lag = |k: usize| (axes[k].rows * len).div_ceil(piece);
    let most = order.iter().map(|&k| lag(k)).max().unwrap_or(0);
    let base = first * len;
    // Elements of each output before its first cache line.
    let lead: Small<usize> = outs.iter().map(|o| o.as_ptr().align_offset(64)).collect();
    let bound = |k: usize, i: usize| {
        let e = (rows.start * len + i * piece).min(rows.end * len);
        let at = base + lead[k];
        match per_line::<T::Out>() {
            Some(line) if on_lines(k) && i != 0 && i != pieces && e >= at + line => (at + (e - at) / line * line).max(rows.start * len),
            _ => e,
        }
    };
    for step in 0..pieces + most {
        for &k in order {
            if let Some(i) = step.checked_sub(lag(k)).filter(|&i| i < pieces) {
                let part = bound(k, i)..bound(k, i + 1);
                let out = &mut outs[k][part.start - base..part.end - base];
                work(k, part, out);
            }
        }
    }
}

#[inline(always)]
fn axis_span<T: Element>(
    step: Scale<T::Weak>,
    axis: &Walk,
    fs: &[T],
    store: &mut Store<T::Out>,
    out: &mut [T::Out],
    elems: Range<usize>,
) {
    // The row axis skips the piece's elements at row ends, which may be the
    // array's: the caller puts the lane edges there. (`axis.n` is the row
    // length, and rows start at multiples of it in `fs` too.)
    let end = |e: usize| usize::from(axis.rows == 0 && e % axis.n == 0);
    let (lo, hi, d) = (elems.start + end(elems.start), elems.end - end(elems.end), axis.dist);
    let (prev, next) = (&fs[lo - d..hi - d], &fs[lo + d..hi + d]);
    let out = &mut out[lo - elems.start..hi - elems.start];
    // As in `streamed_row`.
    if let (Some(diff), true, true) = (T::STRIDED_DIFF, axis.rows != 0 || crate::cpu::direct_row_stores(), store.streams()) {
        let (w, divide) = step.parts();
        return diff(out, next.into(), prev.into(), w, divide, true);
    }
    match step {
        Scale::Multiply(w) => fill_diff(store, out, prev, next, w, T::times_weak),
        Scale::Divide(w) => fill_diff(store, out, prev, next, w, T::diff_weak),
    }
}

/// `out[j] = op(next[j], prev[j], w)` through `store`.
#[inline(always)]
fn fill_diff<T: Element>(
    store: &mut Store<T::Out>,
    out: &mut [T::Out],
    prev: &[T],
    next: &[T],
    w: T::Weak,
    op: impl Fn(T, T, T::Weak) -> T::Out,
) {
    store.fill(
        out,
        #[inline(always)]
        |a, out| {
            let n = out.len();
            for ((o, &x), &p) in out.iter_mut().zip(&next[a..a + n]).zip(&prev[a..a + n]) {
                *o = op(x, p, w);
            }
        },
    );
}

/// What one axis computes at the interior positions of one row:
/// `rule(prev, here, next)`, with `prev` and `next` at the axis's distance.
#[derive(Clone, Copy)]
enum Rule<'a, W> {
    Weak(Scale<W>),
    Strong(Scale<f64>),
    /// Coordinates along an outer axis: one set of weights per row.
    Weights([f64; 3]),
    /// Coordinates along the row: weights `[k][j - 1]` for column `j`.
    Table([&'a [f64]; 3]),
}

impl<'a, W: Copy> Rule<'a, W> {
    /// For a row at index `i` along the axis (`along`: the row is the
    /// axis's lane).
    fn new(stencil: &'a AxisStencil<'a, W>, i: usize, along: bool) -> Self {
        match stencil {
            AxisStencil::Weak(s) => Rule::Weak(s.scale()),
            AxisStencil::Strong(s) => Rule::Strong(s.scale()),
            // An array with two axes of length > 1 has several lanes along
            // each, so coordinate weights are tabulated.
            AxisStencil::NonUniform(s) if along => Rule::Table(s.table().expect("several lanes")),
            AxisStencil::NonUniform(s) => Rule::Weights(Stencil::<f64>::coef(s, i)),
        }
    }

    /// Columns `j..j + o.len()` of the row: the formula chosen once, then
    /// one loop that the compiler vectorises.
    #[inline(always)]
    fn apply<T: Element<Weak = W>>(self, j: usize, o: &mut [T::Out], p: &[T], h: &[T], x: &[T]) {
        match self {
            Rule::Weak(Scale::Divide(w)) => each_column(o, p, h, x, |p, _, x| T::diff_weak(x, p, w)),
            Rule::Weak(Scale::Multiply(w)) => each_column(o, p, h, x, |p, _, x| T::times_weak(x, p, w)),
            Rule::Strong(Scale::Divide(w)) => each_column(o, p, h, x, |p, _, x| T::diff_strong(x, p, w)),
            Rule::Strong(Scale::Multiply(w)) => each_column(o, p, h, x, |p, _, x| T::times_strong(x, p, w)),
            Rule::Weights(c) => each_column(o, p, h, x, |p, h, x| T::comb_strong(c, p, h, x)),
            Rule::Table([a, b, c]) => {
                let n = o.len();
                let w = a[j - 1..j - 1 + n].iter().zip(&b[j - 1..j - 1 + n]).zip(&c[j - 1..j - 1 + n]);
                for ((((o, &p), &h), &x), ((&a, &b), &c)) in o.iter_mut().zip(&p[..n]).zip(&h[..n]).zip(&x[..n]).zip(w) {
                    *o = T::comb_strong([a, b, c], p, h, x);
                }
            }
        }
    }
}

/// `Rule::Table` at columns `cols` of the `N` rows that make up `out`, row
/// `r` reading the input `f(r)`: its columns `cols.start - 1..cols.end + 1`.
#[inline(always)]
fn table_run<'a, T: Element, const N: usize>(
    store: &mut Store<T::Out>,
    t: [&[f64]; 3],
    out: &mut [T::Out],
    cols: Range<usize>,
    f: impl Fn(usize) -> &'a [T],
) {
    let f: [_; N] = std::array::from_fn(f);
    let mut rest = out;
    let len = rest.len() / N;
    let outs = std::array::from_fn(|_| {
        let (row, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        &mut row[cols.clone()]
    });
    let ask = store.streams();
    store.fill_rows(
        outs,
        #[inline(always)]
        |a, o| table_rows(t, cols.start + a, o, f.map(|row| &row[a..]), ask),
    );
}

/// Over how many bytes of each row `table_rows` computes per round of
/// requests for the lines ahead (rounds of 256 or 1024 gained less).
const TABLE_ROUND: usize = 512;

/// `Rule::Table` for columns `j..` of `N` rows at once, each read from
/// its input starting at column `j - 1`; with `ask`, for inputs larger
/// than the cache, asking for the rows' later columns as they go
/// (`crate::cpu::AHEAD`; in cache, 512^2 float64 with coordinates took
/// 1.13x the time with the requests).
#[inline(always)]
fn table_rows<T: Element, const N: usize>([a, b, c]: [&[f64]; 3], j: usize, outs: [&mut [T::Out]; N], rows: [&[T]; N], ask: bool) {
    let n = outs[0].len();
    if !ask {
        return table_columns([a, b, c].map(|t| &t[j - 1..j - 1 + n]), outs, rows);
    }
    let mut outs = outs;
    let (ahead, round, line) = (crate::cpu::AHEAD / size_of::<T>(), TABLE_ROUND / size_of::<T>(), (64 / size_of::<T>()).max(1));
    let mut i = 0;
    while i < n {
        let end = (i + round).min(n);
        for row in rows {
            for l in (0..round).step_by(line) {
                crate::cpu::prefetch(row, i + ahead + l);
            }
        }
        let w = [a, b, c].map(|t| &t[j - 1 + i..j - 1 + end]);
        table_columns(w, outs.each_mut().map(|o| &mut o[i..end]), rows.map(|row| &row[i..]));
        i = end;
    }
}

/// The loop of `table_rows` over its columns, each row's output `o[i]`
/// from its input `row[i..i + 3]`. One slice per row rather than one per
/// tap: with three, the loop's pointers outnumber the registers and are
/// reloaded from the stack on every pass. On the Intel test machine,
/// against that, the row axis with coordinates of 4096^2 float64 took 0.92
/// of the time, both axes 0.94 (1 thread).
#[inline(always)]
fn table_columns<T: Element, const N: usize>([a, b, c]: [&[f64]; 3], outs: [&mut [T::Out]; N], rows: [&[T]; N]) {
    let n = outs[0].len();
    let (a, b, c) = (&a[..n], &b[..n], &c[..n]);
    let outs = outs.map(|o| &mut o[..n]);
    let rows = rows.map(|s| &s[..n + 2]);
    for i in 0..n {
        let w = [a[i], b[i], c[i]];
        for r in 0..N {
            outs[r][i] = T::comb_strong(w, rows[r][i], rows[r][i + 1], rows[r][i + 2]);
        }
    }
}

/// `o[i] = op(p[i], h[i], x[i])` for every `i`.
#[inline(always)]
fn each_column<T: Copy, O>(o: &mut [O], p: &[T], h: &[T], x: &[T], op: impl Fn(T, T, T) -> O) {
    let n = o.len();
    for (((o, &p), &h), &x) in o.iter_mut().zip(&p[..n]).zip(&h[..n]).zip(&x[..n]) {
        *o = op(p, h, x);
    }
}

/// Rows `rows` of the array, interior for every axis but the row axis,
/// written to `outs[..]` from row `first` on, a piece of rows at a time
/// (`pipeline`, as `span` does), each row with its own rule. The row axis's
/// own ends are left to the caller.
#[inline(always)]
fn rule_rows<T: Element>(call: &Call<'_, T>, src: Rows<'_, T>, store: &mut Store<T::Out>, outs: &mut [&mut [T::Out]], first: usize, rows: Range<usize>) {
    let outer = |k: usize| call.stream && call.axes[k].rows != 0 && streams_outer::<T>(&call.plans[k].stencil);
    pipeline(
        call,
        outs,
        first,
        rows,
        row_pieces(call.len),
        outer,
        #[inline(always)]
        |k, elems, out| {
            if outer(k) {
                streamed_outer_rows(call, k, src, out, elems);
            } else {
                axis_rule_rows(call, k, src, store, out, elems.start / call.len..elems.end / call.len);
            }
        },
    );
}

/// Plan `k` of [`rule_rows`] over `rows`, into `out` (those rows of its
/// output).
#[inline(always)]
fn axis_rule_rows<T: Element>(call: &Call<'_, T>, k: usize, src: Rows<'_, T>, store: &mut Store<T::Out>, out: &mut [T::Out], rows: Range<usize>) {
    let (plan, axis, len) = (&call.plans[k], &call.axes[k], call.len);
    let (d, along) = (axis.dist, axis.rows == 0);
    let (lo, hi) = if along { (1, len - 1) } else { (0, len) };
    let mut q = rows.start;
    while q < rows.end {
        let rule = Rule::new(&plan.stencil, axis.at(q).i, along);
        let (m, at) = (q * len, (q - rows.start) * len);
        let taps = |m: usize| (src.elems(m + lo - d..m + hi - d), src.elems(m + lo..m + hi), src.elems(m + lo + d..m + hi + d));
        let (p, h, x) = taps(m);
        // Coordinates along the row: several rows share each load of
        // the weights, whose table (24 bytes a column) is in L2 for long
        // rows. Four rows spill registers, which costs more than it saves
        // when the data is in cache: 512^2 float64 with coordinates on
        // both axes took 1.18x the time of two rows at a time.
        if let Rule::Table(t) = rule {
            let n = if store.streams() { store::ROWS } else { 2 };
            if q + n <= rows.end {
                // Each row's whole input: columns `lo - 1..hi + 1`.
                let (outs, f) = (&mut out[at..at + n * len], |r: usize| src.elems(m + r * len..m + (r + 1) * len));
                if n == 2 {
                    table_run::<T, 2>(store, t, outs, lo..hi, f);
                } else {
                    table_run::<T, { store::ROWS }>(store, t, outs, lo..hi, f);
                }
                q += n;
                continue;
            }
        }
        store.fill(
            &mut out[at + lo..at + hi],
            #[inline(always)]
            |a, o| rule.apply(lo + a, o, &p[a..], &h[a..], &x[a..]),
        );
        q += 1;
    }
}

/// Elements `elems` of the outer axis of plan `k` of [`rule_rows`] into
/// `out`, each row with its own rule, which the type streams
/// (`streams_outer`): every whole line is streamed, those that straddle
/// two rows too (`stream_rows`).
#[inline(always)]
fn streamed_outer_rows<T: Element>(call: &Call<'_, T>, k: usize, src: Rows<'_, T>, out: &mut [T::Out], elems: Range<usize>) {
    let (plan, axis, len) = (&call.plans[k], &call.axes[k], call.len);
    let d = axis.dist;
    // `stream_rows` asks for the same row's rule element after element.
    let first = elems.start / len;
    let last = Cell::new((first, Rule::new(&plan.stencil, axis.at(first).i, false)));
    let rule = |q: usize| {
        if last.get().0 != q {
            last.set((q, Rule::new(&plan.stencil, axis.at(q).i, false)));
        }
        last.get().1
    };
    let taps = |e: Range<usize>| (src.elems(e.start - d..e.end - d), src.elems(e.clone()), src.elems(e.start + d..e.end + d));
    stream_rows(
        [out],
        elems.start,
        len,
        0..len,
        #[inline(always)]
        |r, cols, [o]| {
            let (p, h, x) = taps(r * len + cols.start..r * len + cols.end);
            streamed_row::<T>(rule(r), o, p, h, x);
        },
        #[inline(always)]
        |r, c| {
            let (p, h, x) = taps(r * len + c..r * len + c + 1);
            let mut v = [<T::Out as bytemuck::Zeroable>::zeroed()];
            rule(r).apply::<T>(c, &mut v, p, h, x);
            v
        },
    );
}

/// Whether the type has a loop for the rules of an outer axis with
/// `stencil` that stores whole output lines straight from registers
/// (`streamed_row`).
fn streams_outer<T: Element>(stencil: &AxisStencil<'_, T::Weak>) -> bool {
    match stencil {
        AxisStencil::Weak(_) => T::STRIDED_DIFF.is_some(),
        AxisStencil::NonUniform(_) => T::STREAMED_COMB.is_some(),
        AxisStencil::Strong(_) => false,
    }
}

/// One row of an outer axis, computed by the type's loop that stores whole
/// output lines straight from registers (see the module comment), where
/// `streams_outer` says it has one.
#[inline(always)]
fn streamed_row<T: Element>(rule: Rule<'_, T::Weak>, out: &mut [T::Out], p: &[T], h: &[T], x: &[T]) {
    match (rule, T::STRIDED_DIFF, T::STREAMED_COMB) {
        (Rule::Weak(step), Some(diff), _) => {
            let (w, divide) = step.parts();
            diff(out, x.into(), p.into(), w, divide, true);
        }
        (Rule::Weights(c), _, Some(comb)) => comb(out, c, p, h, x),
        _ => unreachable!("streams_outer holds"),
    }
}

/// Positions `a..a + out.len()` of one plan's output row.
#[inline(always)]
fn piece<T: Element, S: Stencil<T>>(stencil: &S, job: &Job<'_, T>, here: &[T], out: &mut [T::Out], a: usize, edge: EdgeOrder) {
    let b = a + out.len();
    match *job {
        Job::Along => lane_piece(stencil, here, out, a, edge),
        Job::Interior(i, prev, next) => S::row(stencil.coef(i), &prev[a..b], &here[a..b], &next[a..b], out),
        // `rows` are the first or last three slabs (edge order 1 reads
        // only two, the third is a placeholder), seen as a lane of three.
        Job::Start(rows) => {
            for (j, o) in (a..b).zip(out) {
                *o = stencil.lane_start(edge, |q| rows[q][j]);
            }
        }
        Job::End(rows) => {
            for (j, o) in (a..b).zip(out) {
                *o = stencil.lane_end(edge, 3, |q| rows[q][j]);
            }
        }
    }
}

/// Positions `a..a + out.len()` of the lane `f`, edges included.
#[inline(always)]
pub(super) fn lane_piece<T: Element, S: Stencil<T>>(stencil: &S, f: &[T], out: &mut [T::Out], a: usize, edge: EdgeOrder) {
    let n = f.len();
    let b = a + out.len();
    let (lo, hi) = (a.max(1), b.min(n - 1));
    if lo < hi {
        stencil.lane_interior(f, &mut out[lo - a..hi - a], lo);
    }
    if a == 0 {
        out[0] = stencil.lane_start(edge, |i| f[i]);
    }
    if b == n {
        out[n - 1 - a] = stencil.lane_end(edge, n, |i| f[i]);
    }
}

/// The edge values of every lane of `f` (lanes of `len` elements).
#[inline(always)]
pub(super) fn lane_ends<T: Element, S: Stencil<T>>(stencil: &S, f: &[T], out: &mut [T::Out], len: usize, edge: EdgeOrder) {
    for (f, o) in f.chunks_exact(len).zip(out.chunks_exact_mut(len)) {
        o[0] = stencil.lane_start(edge, |i| f[i]);
        o[len - 1] = stencil.lane_end(edge, len, |i| f[i]);
    }
}
