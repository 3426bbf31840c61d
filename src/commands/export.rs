//! `kubeattest export vap --framework ID [--action Deny|Warn|Audit]`: admission policies
//! enforcing a framework's `fields` checks.

use anyhow::Context as _;

use crate::catalog::Catalog;
use crate::cli::{VapArgs, EXIT_OK};
use crate::export::vap;

/// Writes the policies (standard output, or `--out FILE`) and lists what was not exported
/// on standard error.
pub fn vap(catalog: &Catalog, args: &VapArgs) -> anyhow::Result<u8> {
    for ns in &args.exclude_namespace {
        if !is_namespace_name(ns.trim()) {
            anyhow::bail!(
                "--exclude-namespace {ns:?} is not a namespace name: use lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit"
            );
        }
    }
    let frameworks = crate::commands::select_frameworks(catalog, &args.framework)?;
    let export = vap::export(catalog, &frameworks);
    let yaml = vap::to_yaml(&export, &frameworks, args.action, &args.exclude_namespace);
    match &args.out {
        Some(path) => crate::bundle::write_atomic(path, yaml.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            use std::io::Write as _;
            std::io::stdout().write_all(yaml.as_bytes())?;
        }
    }
    if !args.quiet {
        eprintln!(
            "kubeattest: exported {} check(s) as ValidatingAdmissionPolicies; {} not exported:",
            export.policies.len(),
            export.skipped.len()
        );
        for s in &export.skipped {
            eprintln!("  {}: {}", s.check, s.reason);
        }
    }
    Ok(EXIT_OK)
}

/// Whether `name` can name a namespace (an RFC 1123 label, as the API server requires).
fn is_namespace_name(name: &str) -> bool {
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|&c| alnum(c) || c == b'-')
        && b.first().copied().is_some_and(alnum)
        && b.last().copied().is_some_and(alnum)
}

#[cfg(test)]
mod tests {
    #[test]
    fn namespace_names_are_rfc_1123_labels() {
        for ok in ["kube-system", "a", "ns-1", &"a".repeat(63)] {
            assert!(super::is_namespace_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "Kube", "a_b", "a\nkind: X", &"a".repeat(64)] {
            assert!(!super::is_namespace_name(bad), "{bad}");
        }
    }
}
