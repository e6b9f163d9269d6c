//! Whether two strided arrays can share a byte, and whether one overlaps itself.
//!
//! Exact where it answers "disjoint": byte ranges that do not intersect, or
//! element addresses that fall in different residues modulo the gcd of all
//! strides (interleaved layouts such as `gx`, `gy` at offsets 0 and 1 with
//! stride 2). Otherwise the arrays are reported as overlapping, which may
//! refuse an exotic layout that interleaves without touching.

use super::layout::{gcd, Region, Small};

pub(crate) fn may_share(a: &Region, b: &Region) -> bool {
    if a.hi <= b.lo || b.hi <= a.lo {
        return false;
    }
    let g = gcd(a.stride_gcd, b.stride_gcd);
    if g == 0 {
        return true;
    }
    // Every element of `a` starts at a.origin (mod g), every one of `b` at
    // b.origin (mod g); bytes [x, x+ea) and [y, y+eb) meet iff y-x is in (-eb, ea).
    let delta = ((b.origin as i128 - a.origin as i128).rem_euclid(g as i128)) as usize;
    delta < a.elem || g - delta < b.elem
}

/// True unless the axes, sorted by stride, nest: each stride reaches past
/// everything the smaller strides span. Catches zero strides on axes longer
/// than 1 and any layout that maps two indices to one element. The extent
/// has been checked, so the sums cannot overflow.
pub(crate) fn overlaps_itself(shape: &[usize], strides: &[isize]) -> bool {
    let mut long = shape.iter().zip(strides).filter(|(&n, _)| n > 1).map(|(&n, &s)| (n, s.unsigned_abs()));
    // One axis longer than 1 (every 1-D array) nests unless its stride is
    // zero; deciding that without collecting and sorting is most of the cost
    // of validating a small call.
    let mut axes: Small<(usize, usize)> = match (long.next(), long.clone().next()) {
        (None, _) => return false,
        (Some((_, s)), None) => return s == 0,
        (Some(first), Some(_)) => std::iter::once(first).chain(long).collect(),
    };
    axes.sort_unstable_by_key(|&(_, s)| s);
    let mut reach = 1;
    for (n, s) in axes {
        if s < reach {
            return true;
        }
        reach += s * (n - 1);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(origin: usize, elem: usize, axes: &[(usize, isize)]) -> Region {
        let lo = origin as isize + axes.iter().map(|&(n, s)| s.min(0) * (n as isize - 1)).sum::<isize>();
        let hi = origin as isize + axes.iter().map(|&(n, s)| s.max(0) * (n as isize - 1)).sum::<isize>() + elem as isize;
        let stride_gcd = axes.iter().filter(|a| a.0 > 1).fold(0, |g, &(_, s)| gcd(g, s.unsigned_abs()));
        Region { origin, lo: lo as usize, hi: hi as usize, elem, stride_gcd }
    }

    #[test]
    fn interleaved_outputs_do_not_share() {
        // gx at byte 0, gy at byte 8, both with an element stride of 2 doubles, 4x5.
        let gx = region(4096, 8, &[(4, 80), (5, 16)]);
        let gy = region(4104, 8, &[(4, 80), (5, 16)]);
        assert!(!may_share(&gx, &gy));
    }

    #[test]
    fn shifted_by_one_element_shares() {
        let a = region(4096, 8, &[(10, 8)]);
        let b = region(4104, 8, &[(10, 8)]);
        assert!(may_share(&a, &b));
    }

    #[test]
    fn disjoint_ranges_do_not_share() {
        let a = region(4096, 8, &[(10, 8)]);
        assert!(!may_share(&a, &region(4176, 8, &[(10, 8)])));
        assert!(may_share(&a, &region(4168, 8, &[(10, 8)])));
    }

    #[test]
    fn misaligned_interleave_of_bytes_shares() {
        // A float64 array and one starting 4 bytes later with the same strides.
        let a = region(4096, 8, &[(10, 16)]);
        let b = region(4100, 8, &[(10, 16)]);
        assert!(may_share(&a, &b));
    }

    #[test]
    fn self_overlap() {
        assert!(overlaps_itself(&[3], &[0]));
        assert!(!overlaps_itself(&[1, 3], &[0, 1]));
        assert!(overlaps_itself(&[3, 2], &[1, 2]));
        assert!(!overlaps_itself(&[2, 3], &[1, 2]));
        assert!(!overlaps_itself(&[3, 4], &[-1, 3]));
    }
}
