//! Turning a C pointer, shape and strides into checked facts: the bytes the
//! array spans, with every product and sum checked for overflow, and finally
//! an ndarray view.

use std::mem::{align_of, size_of};

use ndarray::{ArrayBase, ArrayView1, ArrayViewD, ArrayViewMut1, ArrayViewMutD, Axis, Dimension, Ix1, IxDyn, RawData, ShapeBuilder};
use smallvec::SmallVec;

use super::failure::Failure;
use super::types::GradientStatus::{self, GRADIENT_MISALIGNED, GRADIENT_NULL_POINTER, GRADIENT_OVERFLOW};

/// The `n` values of a C array, borrowed for the call (which never keeps
/// them). NULL is accepted only for `n == 0`. Borrowed rather than copied:
/// on a 100-element call the copies, returned by value, cost more than
/// the arithmetic.
///
/// # Safety
/// `ptr` is NULL or valid for reading `n` values, which nothing changes
/// during `'a`.
pub(crate) unsafe fn read_array<'a, T>(ptr: *const T, n: usize, name: &str) -> Result<&'a [T], Failure> {
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::new(GRADIENT_NULL_POINTER, format!("{name} is NULL, but it must hold {n} entries")));
    }
    // SAFETY: non-NULL, and the caller guarantees `n` readable values.
    Ok(unsafe { std::slice::from_raw_parts(ptr, n) })
}

/// Like [`read_array`], but NULL means "not given" whatever `n` is.
///
/// # Safety
/// As for [`read_array`].
pub(crate) unsafe fn read_optional<'a, T>(ptr: *const T, n: usize, name: &str) -> Result<Option<&'a [T]>, Failure> {
    match ptr.is_null() {
        true => Ok(None),
        // SAFETY: the caller's contract.
        false => unsafe { read_array(ptr, n, name) }.map(Some),
    }
}

/// Per-axis or per-output values: inline up to four, the common case, so
/// that a call on a small array does not allocate.
pub(crate) type Small<T> = SmallVec<[T; 4]>;

/// Which argument an array came from, for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arg {
    Input,
    Output(usize),
    Coords(usize),
}

impl Arg {
    fn name(self) -> String {
        match self {
            Arg::Input => "f".to_string(),
            Arg::Output(j) => format!("out[{j}]"),
            Arg::Coords(k) => format!("axes[{k}].coords"),
        }
    }

    fn strides_name(self) -> String {
        match self {
            Arg::Input => "strides".to_string(),
            Arg::Output(_) => "out_strides".to_string(),
            Arg::Coords(_) => self.name(),
        }
    }
}

fn overflow(name: &str, what: &str) -> Failure {
    Failure::new(GRADIENT_OVERFLOW, format!("{name}: {what} overflows the address space"))
}

/// Number of elements; also checks that many elements of `elem` bytes fit
/// in `isize::MAX` bytes, as every Rust allocation must.
pub(crate) fn element_count(shape: &[usize], elem: usize) -> Result<usize, Failure> {
    let count = shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n));
    match count {
        Some(c) if c.checked_mul(elem).is_some_and(|b| b <= isize::MAX as usize) => Ok(c),
        _ => Err(overflow("shape", "the element count times the element size")),
    }
}

/// Writes the strides of a C-order (row-major, last axis contiguous) array
/// of `shape` into `strides` (as long), in elements. Only called once
/// `element_count` has accepted the shape. Written in place rather than
/// returned: a small vector returned by value is copied out with wider
/// loads than built it, and each such load waits for the stores.
pub(crate) fn c_order_strides(shape: &[usize], strides: &mut [isize]) {
    let mut step = 1usize;
    for (s, &n) in strides.iter_mut().zip(shape).rev() {
        *s = step as isize;
        step = step.saturating_mul(n.max(1));
    }
}

/// The bytes a non-empty strided array touches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Region {
    /// Address of element zero (the pointer the caller gave).
    pub origin: usize,
    /// Lowest address touched.
    pub lo: usize,
    /// One past the highest address touched.
    pub hi: usize,
    pub elem: usize,
    /// gcd of the byte strides of the axes longer than 1 (0 if there are none).
    pub stride_gcd: usize,
}

pub(crate) fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Region {
    /// Checks that `ptr` is aligned for `T` and that every element address
    /// `ptr + sum(i_k * strides[k]) * size_of::<T>()` is computable without
    /// overflow or wrap-around. The array must hold at least one element.
    /// Inlined: its result, returned through memory, stalled every call.
    #[inline(always)]
    pub(crate) fn of<T>(ptr: *const T, shape: &[usize], strides: &[isize], arg: Arg) -> Result<Self, Failure> {
        let origin = ptr as usize;
        if origin % align_of::<T>() != 0 {
            return Err(Failure::new(
                GRADIENT_MISALIGNED,
                format!("{} ({origin:#x}) is not aligned to {} bytes", arg.name(), align_of::<T>()),
            ));
        }
        let elem = size_of::<T>() as isize;
        let too_far = |what: &str| overflow(&arg.strides_name(), what);
        let (mut lo, mut hi, mut stride_gcd) = (0isize, 0isize, 0usize);
        for (&n, &s) in shape.iter().zip(strides) {
            let reach = isize::try_from(n - 1)
                .ok()
                .and_then(|m| m.checked_mul(s))
                .and_then(|r| r.checked_mul(elem))
                .ok_or_else(|| too_far("a stride times its axis length"))?;
            let sum = if reach < 0 { lo.checked_add(reach).map(|v| lo = v) } else { hi.checked_add(reach).map(|v| hi = v) };
            sum.ok_or_else(|| too_far("the extent"))?;
            if n > 1 {
                stride_gcd = gcd(stride_gcd, s.unsigned_abs() * elem as usize);
            }
        }
        let end = hi.checked_add(elem).ok_or_else(|| too_far("the extent"))?;
        end.checked_sub(lo).ok_or_else(|| too_far("the extent"))?;
        match (origin.checked_add_signed(lo), origin.checked_add_signed(end)) {
            (Some(lo), Some(hi)) if lo > 0 => Ok(Region { origin, lo, hi, elem: elem as usize, stride_gcd }),
            _ => Err(too_far(&format!("the range of addresses {} spans", arg.name()))),
        }
    }
}

/// The lowest-address element and the absolute strides: ndarray's raw
/// constructors accept only non-negative strides, so negative axes are built
/// mirrored and flipped back with [`flip_negative`]. One loop into the
/// `IxDyn` itself: this runs on every call, and collecting through iterators
/// cost more than the arithmetic on a small array.
fn canonical(shape: &[usize], strides: &[isize]) -> (isize, IxDyn) {
    let mut abs = IxDyn::zeros(shape.len());
    let mut offset = 0;
    for ((a, &n), &s) in abs.slice_mut().iter_mut().zip(shape).zip(strides) {
        let (o, a1) = canonical1(n, s);
        offset += o;
        *a = a1;
    }
    (offset, abs)
}

/// [`canonical`] for one axis.
fn canonical1(n: usize, s: isize) -> (isize, usize) {
    match n > 1 {
        true if s < 0 => (s * (n as isize - 1), s.unsigned_abs()),
        true => (0, s as usize),
        // The stride of an axis of length 1 is never used; zero it, since
        // its absolute value may not fit (isize::MIN).
        false => (0, 0),
    }
}

/// Undoes the mirroring of [`canonical`].
fn flip_negative<S: RawData>(v: &mut ArrayBase<S, IxDyn>, shape: &[usize], strides: &[isize]) {
    for (k, (&n, &s)) in shape.iter().zip(strides).enumerate() {
        if n > 1 && s < 0 {
            v.invert_axis(Axis(k));
        }
    }
}

/// # Safety
/// `Region::of(ptr, shape, strides, ..)` succeeded, the array is non-empty,
/// and every element is readable for `'a`, with no writer during `'a`.
pub(crate) unsafe fn view<'a, T>(ptr: *const T, shape: &[usize], strides: &[isize]) -> ArrayViewD<'a, T> {
    if let ([n], [s]) = (shape, strides) {
        // SAFETY: the caller's contract.
        return unsafe { view1(ptr, *n, *s) }.into_dyn();
    }
    let (offset, abs) = canonical(shape, strides);
    // SAFETY: the Region check proved the whole extent addressable; the
    // caller guarantees it is readable.
    let mut v = unsafe { ArrayViewD::from_shape_ptr(IxDyn(shape).strides(abs), ptr.offset(offset)) };
    flip_negative(&mut v, shape, strides);
    v
}

/// # Safety
/// As for [`view`], and the elements are writable, pairwise distinct, and
/// accessed by nothing else during `'a`.
pub(crate) unsafe fn view_mut<'a, T>(ptr: *mut T, shape: &[usize], strides: &[isize]) -> ArrayViewMutD<'a, T> {
    if let ([n], [s]) = (shape, strides) {
        // SAFETY: the caller's contract.
        return unsafe { view_mut1(ptr, *n, *s) }.into_dyn();
    }
    let (offset, abs) = canonical(shape, strides);
    // SAFETY: as in `view`; exclusivity is the caller's guarantee.
    let mut v = unsafe { ArrayViewMutD::from_shape_ptr(IxDyn(shape).strides(abs), ptr.offset(offset)) };
    flip_negative(&mut v, shape, strides);
    v
}

// One-dimensional arrays are the common small call: their views are built
// with a fixed dimension, which costs a fraction of an `IxDyn` one.

/// [`view`] of a 1-D array of `n` elements `s` apart.
///
/// # Safety
/// As for [`view`].
pub(crate) unsafe fn view1<'a, T>(ptr: *const T, n: usize, s: isize) -> ArrayView1<'a, T> {
    let (offset, abs) = canonical1(n, s);
    // SAFETY: as in `view`.
    let mut v = unsafe { ArrayView1::from_shape_ptr(Ix1(n).strides(Ix1(abs)), ptr.offset(offset)) };
    if s < 0 && n > 1 {
        v.invert_axis(Axis(0));
    }
    v
}

/// [`view_mut`] of a 1-D array of `n` elements `s` apart.
///
/// # Safety
/// As for [`view_mut`].
pub(crate) unsafe fn view_mut1<'a, T>(ptr: *mut T, n: usize, s: isize) -> ArrayViewMut1<'a, T> {
    let (offset, abs) = canonical1(n, s);
    // SAFETY: as in `view_mut`.
    let mut v = unsafe { ArrayViewMut1::from_shape_ptr(Ix1(n).strides(Ix1(abs)), ptr.offset(offset)) };
    if s < 0 && n > 1 {
        v.invert_axis(Axis(0));
    }
    v
}

/// The status used when a pointer is NULL.
pub(crate) fn null(name: &str) -> Failure {
    Failure::new(GradientStatus::GRADIENT_NULL_POINTER, format!("{name} is NULL"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_order_strides_are_row_major() {
        let mut strides = [0; 3];
        c_order_strides(&[2, 3, 4], &mut strides);
        assert_eq!(strides, [12, 4, 1]);
        c_order_strides(&[2, 0, 4], &mut strides);
        assert_eq!(strides, [4, 4, 1]);
    }

    #[test]
    fn element_count_refuses_overflow() {
        assert!(element_count(&[usize::MAX, 2], 8).is_err());
        assert!(element_count(&[1 << 61], 8).is_err());
        assert_eq!(element_count(&[0, usize::MAX], 8), Ok(0));
    }

    #[test]
    fn region_spans_negative_strides() {
        let buf = [0f64; 12];
        let base = buf.as_ptr() as usize;
        let p = unsafe { buf.as_ptr().add(11) };
        let r = Region::of(p, &[3, 4], &[-4, -1], Arg::Input).unwrap();
        assert_eq!((r.lo, r.hi, r.stride_gcd), (base, base + 96, 8));
    }

    #[test]
    fn any_stride_on_an_axis_of_length_one_is_harmless() {
        let buf = [1.0f64, 2.0, 3.0];
        let v = unsafe { view(buf.as_ptr(), &[1, 3], &[isize::MIN, 1]) };
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), vec![1.0, 2.0, 3.0]);
        assert!(Region::of(buf.as_ptr(), &[1, 3], &[isize::MIN, 1], Arg::Input).is_ok());
    }

    #[test]
    fn views_follow_negative_strides_in_one_and_more_dimensions() {
        let buf = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
        let v = unsafe { view(buf.as_ptr().add(4), &[3], &[-2]) };
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), vec![5.0, 3.0, 1.0]);
        let v = unsafe { view(buf.as_ptr().add(1), &[1], &[isize::MIN]) };
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), vec![2.0]);
        let v = unsafe { view(buf.as_ptr().add(5), &[2, 3], &[-3, -1]) };
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), vec![6.0, 5.0, 4.0, 3.0, 2.0, 1.0]);
    }

    #[test]
    fn region_refuses_wrapping_strides() {
        let buf = [0f64; 4];
        let e = Region::of(buf.as_ptr(), &[2], &[isize::MAX / 4], Arg::Input).unwrap_err();
        assert_eq!(e.status, GRADIENT_OVERFLOW);
        assert!(e.message.contains("strides"));
    }
}
