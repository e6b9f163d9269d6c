//! Large arrays are cut into blocks and spread over threads; the result must
//! not depend on either. The reference is written straight from numpy's
//! formulas (SEMANTICS.md section 1), one lane at a time.

use gradient::{gradient_into, set_threads, Spacing};
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, ShapeBuilder};

/// numpy's gradient of one lane, float64, scalar step or coordinates.
fn reference_lane(f: &[f64], x: Option<&[f64]>, h: f64, edge: u32) -> Vec<f64> {
    let n = f.len();
    let mut out = vec![0.0; n];
    let steps: Option<Vec<f64>> = x.map(|x| x.windows(2).map(|w| w[1] - w[0]).collect());
    let uniform = match &steps {
        None => Some(h),
        Some(d) if d.iter().all(|&v| v == d[0]) => Some(d[0]),
        Some(_) => None,
    };
    match uniform {
        Some(h) => {
            for i in 1..n - 1 {
                out[i] = (f[i + 1] - f[i - 1]) / (2.0 * h);
            }
            if edge == 1 {
                out[0] = (f[1] - f[0]) / h;
                out[n - 1] = (f[n - 1] - f[n - 2]) / h;
            } else {
                out[0] = (-1.5 / h) * f[0] + (2.0 / h) * f[1] + (-0.5 / h) * f[2];
                out[n - 1] = (0.5 / h) * f[n - 3] + (-2.0 / h) * f[n - 2] + (1.5 / h) * f[n - 1];
            }
        }
        None => {
            let d = steps.unwrap();
            for i in 1..n - 1 {
                let (p, q) = (d[i - 1], d[i]);
                out[i] = (-q / (p * (p + q))) * f[i - 1] + ((q - p) / (p * q)) * f[i] + (p / (q * (p + q))) * f[i + 1];
            }
            if edge == 1 {
                out[0] = (f[1] - f[0]) / d[0];
                out[n - 1] = (f[n - 1] - f[n - 2]) / d[n - 2];
            } else {
                let (p, q) = (d[0], d[1]);
                out[0] = (-(2.0 * p + q) / (p * (p + q))) * f[0] + ((p + q) / (p * q)) * f[1] + (-p / (q * (p + q))) * f[2];
                let (p, q) = (d[n - 3], d[n - 2]);
                out[n - 1] = (q / (p * (p + q))) * f[n - 3] + (-(q + p) / (p * q)) * f[n - 2]
                    + ((2.0 * q + p) / (q * (p + q))) * f[n - 1];
            }
        }
    }
    out
}

fn reference(f: &ArrayViewD<'_, f64>, axis: usize, spacing: Spacing<'_>, edge: u32) -> ArrayD<f64> {
    let mut out = ArrayD::zeros(f.raw_dim());
    let (x, h) = match spacing {
        Spacing::Step(h) => (None, h),
        Spacing::Coordinates(x) => (Some(x), 0.0),
    };
    for (mut o, l) in out.lanes_mut(Axis(axis)).into_iter().zip(f.lanes(Axis(axis))) {
        let lane: Vec<f64> = l.iter().copied().collect();
        for (o, v) in o.iter_mut().zip(reference_lane(&lane, x, h, edge)) {
            *o = v;
        }
    }
    out
}

/// Deterministic pseudo-random values with a wide spread of magnitudes.
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 10f64.powi((s % 7) as i32 - 3)
        })
        .collect()
}

fn same_bits(a: &ArrayD<f64>, b: &ArrayD<f64>) -> bool {
    a.iter().zip(b.iter()).all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

/// Mixed steps: 2*0.5 = 1 is a power of two, 2*1.5 and 2*2.5 are not.
fn mixed_steps(k: usize) -> f64 {
    0.5 + k as f64
}

fn check(f: ArrayViewD<'_, f64>, coords: &[Vec<f64>], edge: u32, fortran_out: bool) {
    check_steps(f, coords, edge, fortran_out, mixed_steps)
}

/// Axes with empty `coords` get the scalar step `step(axis)`.
fn check_steps(f: ArrayViewD<'_, f64>, coords: &[Vec<f64>], edge: u32, fortran_out: bool, step: fn(usize) -> f64) {
    let axes: Vec<usize> = (0..f.ndim()).collect();
    check_axes(f, coords, &axes, edge, fortran_out, step)
}

/// As `check_steps`, differentiating only `axes`.
fn check_axes(f: ArrayViewD<'_, f64>, coords: &[Vec<f64>], axes: &[usize], edge: u32, fortran_out: bool, step: fn(usize) -> f64) {
    let spacing: Vec<Spacing<'_>> = coords
        .iter()
        .enumerate()
        .map(|(k, c)| if c.is_empty() { Spacing::Step(step(k)) } else { Spacing::Coordinates(c) })
        .collect();
    let expected: Vec<ArrayD<f64>> = axes.iter().map(|&k| reference(&f, k, spacing[k], edge)).collect();
    for threads in [1, 2, 3] {
        set_threads(threads);
        let shape = IxDyn(f.shape());
        let mut outs: Vec<ArrayD<f64>> =
            axes.iter().map(|_| ArrayD::zeros(if fortran_out { shape.clone().f() } else { shape.clone().into() })).collect();
        let mut views: Vec<_> = outs.iter_mut().map(|o| o.view_mut()).collect();
        gradient_into(&f, &spacing, axes, edge, &mut views).unwrap();
        for (k, (got, want)) in outs.iter().zip(&expected).enumerate() {
            assert!(same_bits(got, want), "axis {k}, shape {:?}, strides {:?}, {threads} threads", f.shape(), f.strides());
        }
    }
    set_threads(0);
}

fn coords_for(shape: &[usize], nonuniform: bool) -> Vec<Vec<f64>> {
    shape
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            if !nonuniform || k % 2 == 1 {
                Vec::new()
            } else {
                let mut x = 0.0;
                (0..n).map(|i| {
                    x += 0.25 + (i % 5) as f64 * 0.125;
                    x
                }).collect()
            }
        })
        .collect()
}

/// An `r` x `c` array and its transpose (Fortran-order outputs), edge
/// orders 1 and 2, scalar steps and coordinates.
fn check_2d_both_orders(r: usize, c: usize, seed: u64) {
    let a = ArrayD::from_shape_vec(IxDyn(&[r, c]), values(r * c, seed)).unwrap();
    for edge in [1, 2] {
        for nonuniform in [false, true] {
            check(a.view(), &coords_for(&[r, c], nonuniform), edge, false);
            check(a.t().into_dyn(), &coords_for(&[c, r], nonuniform), edge, true);
        }
    }
}

#[test]
fn two_dimensional_blocks_and_threads() {
    let (r, c) = (301, 517);
    check_2d_both_orders(r, c, 1);
}

/// Rows of many of the contiguous path's pieces (256 elements), with a
/// partial last piece, and longer than a block (2^17 elements).
#[test]
fn rows_of_several_pieces() {
    let (r, c) = (5, (1 << 17) + 809);
    check_2d_both_orders(r, c, 4);
}

/// Some axes of several, the row axis among them or not: the spans then
/// start at the array's first element and end at its last.
#[test]
fn some_axes_of_several() {
    for shape in [&[300usize, 517][..], &[12, 40, 300]] {
        let n = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(shape), values(n, 6)).unwrap();
        let last = shape.len() - 1;
        for axes in [vec![last], vec![0], vec![0, last]] {
            for nonuniform in [false, true] {
                for edge in [1, 2] {
                    check_axes(a.view(), &coords_for(shape, nonuniform), &axes, edge, false, mixed_steps);
                }
            }
        }
    }
}

/// Coordinates with equal steps (numpy then uses a float64 scalar step,
/// divided or multiplied by its exact reciprocal) next to unequal ones.
#[test]
fn equal_step_coordinates_beside_unequal_ones() {
    for shape in [&[37usize, 45][..], &[9, 20, 33]] {
        let n = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(shape), values(n, 5)).unwrap();
        for h in [0.75, 0.5] {
            let mut coords = coords_for(shape, true);
            for (c, &len) in coords.iter_mut().zip(shape) {
                if c.is_empty() {
                    *c = (0..len).map(|i| i as f64 * h).collect();
                }
            }
            for edge in [1, 2] {
                check(a.view(), &coords, edge, false);
            }
        }
    }
}

#[test]
fn three_dimensional_strided_views() {
    let shape = [40, 70, 60];
    let a = ArrayD::from_shape_vec(IxDyn(&shape), values(shape.iter().product(), 2)).unwrap();
    let stepped = a.slice_each_axis(|d| ndarray::Slice::new(0, None, if d.axis.index() == 2 { 2 } else { 1 }));
    let mut reversed = a.view();
    reversed.invert_axis(Axis(1));
    let mut permuted = a.view();
    permuted = permuted.permuted_axes(IxDyn(&[2, 0, 1]));
    for view in [a.view(), stepped, reversed, permuted] {
        let shape = view.shape().to_vec();
        check(view.clone(), &coords_for(&shape, true), 2, false);
        check(view, &coords_for(&shape, false), 1, true);
    }
}

#[test]
fn one_dimensional_long_lane() {
    let n = 300_001;
    let a = ArrayD::from_shape_vec(IxDyn(&[n]), values(n, 3)).unwrap();
    check(a.view(), &coords_for(&[n], true), 2, false);
    check(a.view(), &coords_for(&[n], false), 1, false);
}

/// Two to five axes, short and long rows; small arrays (`&[517, 3]`,
/// `&[3, 4, 5, 6, 7]`) and larger ones with the same short rows.
const SHAPES: [&[usize]; 8] =
    [&[301, 517], &[517, 3], &[11000, 3], &[3, 3, 900], &[40, 70, 60], &[9, 8, 7, 33], &[3, 4, 5, 6, 7], &[5, 6, 7, 8, 9]];

/// Scalar steps on every axis, all powers of two (multiplied by the exact
/// reciprocal) or none (divided): contiguous arrays then take the span
/// loops, for any number of axes.
#[test]
fn uniform_steps_on_every_axis() {
    for shape in SHAPES {
        let n = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(shape), values(n, shape.len() as u64)).unwrap();
        let fortran = ArrayD::from_shape_vec(IxDyn(shape).f(), values(n, 7)).unwrap();
        let none = coords_for(shape, false);
        for step in [(|_| 1.0) as fn(usize) -> f64, |k| 0.25 * (1 << k) as f64, |k| 0.1 + 0.3 * k as f64] {
            for edge in [1, 2] {
                check_steps(a.view(), &none, edge, false, step);
                check_steps(fortran.view(), &none, edge, true, step);
            }
        }
    }
}

/// Coordinates on every axis, and on every other axis beside scalar steps:
/// contiguous arrays then take the rule rows, for any number of axes.
#[test]
fn coordinates_on_every_axis() {
    for shape in SHAPES {
        let n = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(shape), values(n, 9)).unwrap();
        let fortran = ArrayD::from_shape_vec(IxDyn(shape).f(), values(n, 10)).unwrap();
        let some = coords_for(shape, true);
        let every: Vec<Vec<f64>> = (0..shape.len()).map(|k| coords_for(&shape[k..], true).swap_remove(0)).collect();
        for coords in [&some, &every] {
            for edge in [1, 2] {
                check(a.view(), coords, edge, false);
                check(fortran.view(), coords, edge, true);
            }
        }
    }
}
