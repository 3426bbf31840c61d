//! `kubeattest export vap --framework ID [--action Deny|Warn|Audit]`: admission policies
//! enforcing a framework's `fields` checks.

use anyhow::Context as _;

use crate::catalog::Catalog;
use crate::cli::{VapArgs, EXIT_OK};
use crate::export::vap;

/// Writes the policies (standard output, or `--out FILE`) and lists what was not exported
/// on standard error.
pub fn vap(catalog: &Catalog, args: &VapArgs) -> anyhow::Result<u8> {
    let frameworks = crate::commands::select_frameworks(catalog, &args.framework)?;
    let export = vap::export(catalog, &frameworks);
    let yaml = vap::to_yaml(&export, &frameworks, args.action);
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
