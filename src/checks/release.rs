//! Release versions, and how one stands against the releases that fixed a vulnerability
//! (one fixed release per minor line, as Kubernetes projects publish them).

use crate::catalog::reader::Reader;
use crate::yaml::Node;

/// A `major.minor.patch` version.
pub type Version = (u64, u64, u64);

/// Parses `v1.2.3`, `1.2.3`, `1.2` (patch 0); what follows `-`, `+` or `@` is ignored.
pub fn parse(s: &str) -> Option<Version> {
    let s = s.trim_start_matches('v');
    let s = s.split(['-', '@', '+']).next()?;
    let mut it = s.split('.').map(|p| p.parse::<u64>());
    let major = it.next()?.ok()?;
    let minor = it.next()?.ok()?;
    let patch = match it.next() {
        Some(p) => p.ok()?,
        None => 0,
    };
    if it.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

/// What follows the numbers of a version (`-eks-1a2b3c`, `-gke.301`, `+k3s1`, `-rc.0`): a
/// vendor's or a pre-release build, which may hold fixes its number does not show.
pub fn build_suffix(s: &str) -> Option<&str> {
    s.find(['-', '+']).map(|i| &s[i..]).filter(|x| x.len() > 1)
}

/// `1.2.3`.
pub fn words(v: Version) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

/// `1.19.15, 1.20.11, 1.21.5` (in order).
pub fn list_words(fixed: &[Version]) -> String {
    fixed
        .iter()
        .map(|v| words(*v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a version stands against the fixed releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// At or after the fixed release of its own line.
    Fixed,
    /// A line newer than every line with a listed fix (released with the fix).
    NewerLine,
    /// Before the fix: `Some(fix)` of its own line, `None` when its line is older than every
    /// line with a fix (it never got one).
    Predates(Option<Version>),
}

/// Where `v` stands against `fixed` (sorted, one release per line). A line between two listed
/// lines counts as fixed: it was released after the oldest fix.
pub fn standing(v: Version, fixed: &[Version]) -> Standing {
    if let Some(fix) = fixed.iter().find(|f| (f.0, f.1) == (v.0, v.1)) {
        return if v >= *fix {
            Standing::Fixed
        } else {
            Standing::Predates(Some(*fix))
        };
    }
    let line = |f: &Version| (f.0, f.1);
    match (fixed.first(), fixed.last()) {
        (Some(oldest), _) if (v.0, v.1) < line(oldest) => Standing::Predates(None),
        (_, Some(newest)) if (v.0, v.1) > line(newest) => Standing::NewerLine,
        _ => Standing::Fixed,
    }
}

/// Reads `fixed_versions` (at least one; each a version such as `1.21.5`), sorted; problems
/// are reported at the key's line.
pub fn read_fixed(node: &Node, r: &mut Reader, what: &str) -> Vec<Version> {
    let line = node.get("fixed_versions").map_or(node.line, |n| n.line);
    let mut fixed = Vec::new();
    for v in r.string_list(node, "fixed_versions", what) {
        match parse(&v) {
            Some(x) => fixed.push(x),
            None => r.error(line, format!("{what}: `{v}` is not a version like 1.12.1")),
        }
    }
    fixed.sort_unstable();
    fixed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(parse("v1.9.4"), Some((1, 9, 4)));
        assert_eq!(parse("1.12"), Some((1, 12, 0)));
        assert_eq!(parse("v1.12.1-rc0"), Some((1, 12, 1)));
        assert_eq!(parse("v1.21.4+k3s1"), Some((1, 21, 4)));
        assert_eq!(parse("latest"), None);
        assert_eq!(parse("1.2.3.4"), None);
        assert_eq!(build_suffix("v1.21.4-eks-033ce7e"), Some("-eks-033ce7e"));
        assert_eq!(build_suffix("v1.21.4+k3s1"), Some("+k3s1"));
        assert_eq!(build_suffix("v1.21.4"), None);
    }

    #[test]
    fn standing_follows_each_line_fix() {
        let fixed = [(1, 19, 15), (1, 20, 11), (1, 21, 5), (1, 22, 2)];
        assert_eq!(standing((1, 21, 5), &fixed), Standing::Fixed);
        assert_eq!(standing((1, 21, 9), &fixed), Standing::Fixed);
        assert_eq!(
            standing((1, 21, 4), &fixed),
            Standing::Predates(Some((1, 21, 5)))
        );
        assert_eq!(standing((1, 18, 20), &fixed), Standing::Predates(None));
        assert_eq!(standing((1, 33, 4), &fixed), Standing::NewerLine);
        assert_eq!(
            standing((1, 12, 0), &[(1, 11, 5), (1, 12, 1)]),
            Standing::Predates(Some((1, 12, 1)))
        );
        // A line between two listed lines came out after the oldest fix.
        assert_eq!(
            standing((1, 20, 0), &[(1, 19, 15), (1, 21, 5)]),
            Standing::Fixed
        );
    }
}
