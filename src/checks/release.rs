//! Release versions, and how one stands against the releases that fixed a vulnerability
//! (one fixed release per minor line, as Kubernetes projects publish them).

use crate::catalog::reader::Reader;
use crate::yaml::Node;

/// A `major.minor.patch` version.
pub type Version = (u64, u64, u64);

/// Parses `v1.2.3`, `1.2.3`, `1.2` (patch 0); what follows `-`, `+` or `@` is ignored.
pub fn parse(s: &str) -> Option<Version> {
    let mut it = numbers(s)?.split('.').map(|p| p.parse::<u64>());
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

/// Whether a version gives all three numbers (`v1.22.3`, not `v1.22`).
pub fn has_patch(s: &str) -> bool {
    numbers(s).is_some_and(|n| n.split('.').count() == 3)
}

/// The numbers of a version: without the leading `v` and what follows `-`, `+` or `@`.
fn numbers(s: &str) -> Option<&str> {
    s.trim_start_matches('v').split(['-', '@', '+']).next()
}

/// What follows the numbers of a version (`-eks-1a2b3c`, `-gke.301`, `+k3s1`, `-rc.0`): a
/// vendor's or a pre-release build, which may hold fixes its number does not show.
pub fn build_suffix(s: &str) -> Option<&str> {
    s.find(['-', '+']).map(|i| &s[i..]).filter(|x| x.len() > 1)
}

/// Whether a version is a pre-release (`-rc.0`, `-rc0`, `-beta.1`, `-alpha.2`, and
/// `-rc.0.12+0123abcd` built from after it): semver orders it before the release of the same
/// number. Vendor suffixes (`-eks-1a2b3c`, `-gke.301`, `+k3s1`) are releases, not pre-releases.
pub fn is_prerelease(s: &str) -> bool {
    let Some(rest) = s.find('-').map(|i| &s[i + 1..]) else {
        return false;
    };
    // A `+` before the `-` makes the `-` part of build metadata, not a pre-release.
    if s.find('+').is_some_and(|plus| plus < s.len() - rest.len()) {
        return false;
    }
    let first = rest.split(['.', '-', '+']).next().unwrap_or_default();
    let first = first.to_ascii_lowercase();
    ["alpha", "beta", "rc"].iter().any(|p| {
        first
            .strip_prefix(p)
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    })
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
    /// A pre-release of the fixed release of its own line (`1.21.5-rc.0` for the fix 1.21.5):
    /// before the fix in semver order, and whether it already carries the fix is not told by
    /// its number.
    PreReleaseOfFix(Version),
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

/// Where the version written `text` stands against `fixed`, with its numbers; `None` when
/// it is not a version. A pre-release of its line's fix is [`Standing::PreReleaseOfFix`];
/// pre-releases of earlier numbers predate the fix like their releases.
pub fn standing_of(text: &str, fixed: &[Version]) -> Option<(Version, Standing)> {
    let v = parse(text)?;
    let standing = match standing(v, fixed) {
        Standing::Fixed if is_prerelease(text) => {
            match fixed.iter().find(|f| (f.0, f.1) == (v.0, v.1)) {
                Some(fix) if v == *fix => Standing::PreReleaseOfFix(*fix),
                _ => Standing::Fixed,
            }
        }
        other => other,
    };
    Some((v, standing))
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
    fn pre_releases_are_told_from_vendor_builds() {
        for pre in [
            "v1.21.5-rc.0",
            "v1.21.5-rc0",
            "v1.21.5-beta.1",
            "v1.21.5-alpha.2",
            "v1.21.5-rc.0.12+0123abcd",
            "v1.12.1-RC1",
        ] {
            assert!(is_prerelease(pre), "{pre}");
        }
        for release in [
            "v1.21.5",
            "v1.21.5-eks-bc4871b",
            "v1.20.11-gke.1300",
            "v1.29.3+k3s1",
            "v1.29.3+rke2r1",
            "v1.29.3+k3s1-rc.1",
            "v1.21.5-rcx",
            "v1.21.5-alphabet",
        ] {
            assert!(!is_prerelease(release), "{release}");
        }
        let fixed = [(1, 20, 11), (1, 21, 5)];
        let at = |t: &str| standing_of(t, &fixed).map(|(_, s)| s);
        assert_eq!(
            at("v1.21.5-rc.0"),
            Some(Standing::PreReleaseOfFix((1, 21, 5)))
        );
        assert_eq!(
            at("v1.21.5-rc.0.12+0123abcd"),
            Some(Standing::PreReleaseOfFix((1, 21, 5)))
        );
        assert_eq!(
            at("v1.21.4-rc.1"),
            Some(Standing::Predates(Some((1, 21, 5))))
        );
        assert_eq!(at("v1.21.6-rc.0"), Some(Standing::Fixed));
        assert_eq!(at("v1.21.5-eks-bc4871b"), Some(Standing::Fixed));
        assert_eq!(at("v1.21.5+k3s1"), Some(Standing::Fixed));
        assert_eq!(at("v1.21.5"), Some(Standing::Fixed));
        assert_eq!(at("latest"), None);
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
