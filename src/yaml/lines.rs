//! The line of each field path of an object read from a file.

use std::collections::BTreeMap;

/// The line of each field path of an object read from a file, kept compactly: a 64-bit hash
/// of the path beside its line, sorted by hash, instead of one heap string per YAML node.
///
/// A manifest object has one entry per field, list item and key; keeping the paths as strings
/// made lines the largest part of a big scan's memory (about 11 KB per object). Lookups hash
/// the asked path the same way; two paths of one object sharing a 64-bit hash is the only
/// way to get a wrong line, and with a few hundred paths per object that chance is ~1e-15.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldLines {
    /// Path hashes, sorted.
    hashes: Box<[u64]>,
    /// The line of the path whose hash is at the same index.
    lines: Box<[u32]>,
}

impl FieldLines {
    /// The line of a field path, if it was recorded.
    pub fn get(&self, path: &str) -> Option<u32> {
        let h = path_hash(path);
        self.hashes
            .binary_search(&h)
            .ok()
            .and_then(|i| self.lines.get(i).copied())
    }

    /// How many paths have a line.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether no path has a line (objects not read from a file).
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Moves every line down by `by` (an object read from a part of a stream).
    pub(crate) fn shift(&mut self, by: u32) {
        self.lines.iter_mut().for_each(|l| *l += by);
    }
}

impl From<BTreeMap<String, u32>> for FieldLines {
    fn from(map: BTreeMap<String, u32>) -> FieldLines {
        FieldLines::from_hashes(map.iter().map(|(p, l)| (path_hash(p), *l)).collect())
    }
}

impl FieldLines {
    /// From (path hash, line) pairs in any order.
    pub(crate) fn from_hashes(mut pairs: Vec<(u64, u32)>) -> FieldLines {
        pairs.sort_unstable();
        // Keep the first of equal hashes: the same rule whichever map built it.
        pairs.dedup_by_key(|(h, _)| *h);
        let (hashes, lines): (Vec<u64>, Vec<u32>) = pairs.into_iter().unzip();
        FieldLines {
            hashes: hashes.into_boxed_slice(),
            lines: lines.into_boxed_slice(),
        }
    }
}

/// FNV-1a, 64 bits: stable across runs and builds (unlike `std`'s randomly seeded hasher).
pub(crate) fn path_hash(path: &str) -> u64 {
    extend(FNV_OFFSET, path)
}

/// The FNV-1a hash of an empty path: where [`extend`] starts.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The hash of a path continued by `more`: `extend(path_hash(a), b) == path_hash(a + b)`, so
/// a tree's paths are hashed as it is walked, without building them.
pub(crate) fn extend(hash: u64, more: &str) -> u64 {
    more.bytes().fold(hash, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// [`extend`] by a list index, `[i]`, without formatting it.
pub(crate) fn extend_index(hash: u64, i: usize) -> u64 {
    let mut digits = [0u8; 20];
    let mut n = i;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let h = extend(hash, "[");
    let h = digits[at..].iter().fold(h, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    extend(h, "]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_extend_like_the_joined_text() {
        for (a, b) in [("", "kind"), ("spec", ".containers"), ("x[1]", "[22]")] {
            assert_eq!(extend(path_hash(a), b), path_hash(&format!("{a}{b}")));
        }
        for i in [0, 7, 10, 123_456] {
            assert_eq!(
                extend_index(path_hash("a"), i),
                path_hash(&format!("a[{i}]"))
            );
        }
    }
}
