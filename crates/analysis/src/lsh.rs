//! Near-duplicate detection among many programs: MinHash signatures and LSH banding.
//!
//! A nation-wide re-scan never compares all pairs. Each program's winnowed fingerprints
//! (see [`crate::copy::Prepared::fingerprints`]) are summarized by a MinHash signature of
//! [`NUM_HASHES`] values; the signature is cut into [`BANDS`] bands of [`ROWS`] values, and
//! two programs become candidates only when some band is identical (in the same scope, e.g.
//! the same parent organization, so that only siblings are compared). With 16 bands of 4 rows
//! the candidate probability is 1 − (1 − J⁴)¹⁶: 99 % for Jaccard similarity J = 0.7, 50 % at
//! J ≈ 0.5, 5 % at J = 0.25. Candidates are then confirmed by the signature estimate.
//!
//! Buckets are found by sorting `(band key, item)` pairs, not with a hash map of vectors:
//! 16 × 300,000 pairs take 77 MB and sort in well under a second. A bucket of `m` identical
//! bands yields `2m` candidate pairs (each member against the first and the previous one),
//! not `m²`, so a thousand identical cell plans do not explode the scan.

use serde::Serialize;

use crate::copy::mix;

/// Values in a MinHash signature.
pub const NUM_HASHES: usize = 64;
/// Bands for LSH.
pub const BANDS: usize = 16;
/// Rows (signature values) per band.
pub const ROWS: usize = NUM_HASHES / BANDS;

/// A MinHash signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinHash(pub [u32; NUM_HASHES]);

/// Fixed odd multipliers and offsets for the `NUM_HASHES` hash functions `a·x + b`, kept as
/// two arrays (multipliers, offsets) so that the signature loop reads them without
/// shuffling.
struct Params {
    a: [u64; NUM_HASHES],
    b: [u64; NUM_HASHES],
}

fn params() -> &'static Params {
    static P: std::sync::OnceLock<Params> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        let mut p = Params {
            a: [0; NUM_HASHES],
            b: [0; NUM_HASHES],
        };
        let mut s = 0x5151_f00d_u64;
        for i in 0..NUM_HASHES {
            s = mix(s.wrapping_add(0x9e37_79b9_7f4a_7c15));
            p.a[i] = s | 1;
            s = mix(s.wrapping_add(0x9e37_79b9_7f4a_7c15));
            p.b[i] = s;
        }
        p
    })
}

impl MinHash {
    /// The signature of a set of fingerprints (duplicates do not matter).
    pub fn of(fingerprints: &[u64]) -> Self {
        let p = params();
        let mut sig = [u32::MAX; NUM_HASHES];
        for &f in fingerprints {
            let x = mix(f);
            for ((s, a), b) in sig.iter_mut().zip(&p.a).zip(&p.b) {
                let h = (a.wrapping_mul(x).wrapping_add(*b) >> 32) as u32;
                *s = (*s).min(h);
            }
        }
        MinHash(sig)
    }

    /// Whether the signature is of an empty set.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&v| v == u32::MAX)
    }

    /// Estimated Jaccard similarity: the share of equal signature values.
    pub fn similarity(&self, other: &MinHash) -> f64 {
        let eq = self
            .0
            .iter()
            .zip(other.0.iter())
            .filter(|(a, b)| a == b)
            .count();
        eq as f64 / NUM_HASHES as f64
    }
}

/// One program in a scan: its scope (programs are only compared within a scope, e.g. the
/// parent organization's id; use one scope for all to compare everything) and its signature.
#[derive(Debug, Clone, Copy)]
pub struct ScanItem<'a> {
    /// Only items of the same scope are compared.
    pub scope: u64,
    /// The item's MinHash signature.
    pub signature: &'a MinHash,
}

/// A group of near-duplicate programs (indexes into the scanned slice), with the smallest
/// estimated similarity of the pairs that joined it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearDuplicateGroup {
    /// Indexes of the members, ascending.
    pub members: Vec<usize>,
    /// Smallest estimated Jaccard similarity among the confirmed pairs of the group.
    pub min_similarity: f64,
}

/// Figures of a scan, for benchmarks and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ScanStats {
    /// Candidate pairs checked.
    pub candidates: usize,
    /// Pairs confirmed as near-duplicates.
    pub confirmed: usize,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// Groups near-duplicates among `items` (estimated Jaccard ≥ `threshold`, within a scope)
/// with LSH banding; never compares all pairs.
pub fn near_duplicate_groups(
    items: &[ScanItem<'_>],
    threshold: f64,
) -> (Vec<NearDuplicateGroup>, ScanStats) {
    let n = items.len();
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(n * BANDS);
    for (id, it) in items.iter().enumerate() {
        if it.signature.is_empty() {
            continue;
        }
        for band in 0..BANDS {
            let mut h = mix(it.scope ^ (band as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
            for &v in &it.signature.0[band * ROWS..(band + 1) * ROWS] {
                h = mix(h ^ u64::from(v));
            }
            keys.push((h, id as u32));
        }
    }
    keys.sort_unstable();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut min_sim = vec![1.0f64; n];
    let mut stats = ScanStats::default();
    let mut check = |a: u32, b: u32, parent: &mut Vec<u32>, stats: &mut ScanStats| {
        let (ia, ib) = (&items[a as usize], &items[b as usize]);
        if ia.scope != ib.scope {
            return; // A 64-bit key collision across scopes.
        }
        stats.candidates += 1;
        let (ra, rb) = (find(parent, a), find(parent, b));
        if ra == rb {
            return;
        }
        let sim = ia.signature.similarity(ib.signature);
        if sim >= threshold {
            stats.confirmed += 1;
            parent[ra as usize] = rb;
            min_sim[rb as usize] = min_sim[rb as usize].min(min_sim[ra as usize]).min(sim);
        }
    };
    let mut s = 0;
    while s < keys.len() {
        let mut e = s + 1;
        while e < keys.len() && keys[e].0 == keys[s].0 {
            e += 1;
        }
        for t in s + 1..e {
            check(keys[s].1, keys[t].1, &mut parent, &mut stats);
            if t > s + 1 {
                check(keys[t - 1].1, keys[t].1, &mut parent, &mut stats);
            }
        }
        s = e;
    }
    let mut groups: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for i in 0..n as u32 {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i as usize);
    }
    let out = groups
        .into_iter()
        .filter(|(_, m)| m.len() > 1)
        .map(|(r, members)| NearDuplicateGroup {
            members,
            min_similarity: min_sim[r as usize],
        })
        .collect();
    (out, stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        range.map(mix).collect()
    }

    #[test]
    fn similarity_estimates_jaccard() {
        let a = MinHash::of(&set(0..1000));
        let b = MinHash::of(&set(250..1250)); // Jaccard 750/1250 = 0.6
        let s = a.similarity(&b);
        assert!((0.4..0.8).contains(&s), "{s}");
        assert_eq!(a.similarity(&a), 1.0);
    }

    #[test]
    fn groups_near_duplicates_within_scopes() {
        let base = set(0..500);
        let mut near = base.clone();
        near.extend(set(10_000..10_030));
        let other = set(50_000..50_500);
        let sigs = [
            MinHash::of(&base),
            MinHash::of(&near),
            MinHash::of(&other),
            MinHash::of(&base),
        ];
        let items: Vec<ScanItem<'_>> = sigs
            .iter()
            .enumerate()
            .map(|(i, s)| ScanItem {
                scope: if i == 3 { 2 } else { 1 },
                signature: s,
            })
            .collect();
        let (groups, _) = near_duplicate_groups(&items, 0.6);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].members, vec![0, 1]);
    }
}
