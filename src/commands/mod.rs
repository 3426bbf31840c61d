//! The body of each subcommand, one module each; `cli` parses the command line and calls
//! them. Each returns the exit code (see `cli` for their meaning).

pub mod attest;
pub mod catalog;
pub mod controls;
pub mod diff;
pub mod explain;
pub mod export;
pub mod exposure;
pub mod fleet;
pub mod node;
pub mod render;
pub mod scan;
pub mod select;
pub mod snapshot;
pub mod verify;
pub mod who_can;

use anyhow::Context as _;

use crate::catalog::{Catalog, Framework};
use crate::inventory::Inventory;

/// The frameworks named by `ids` (all when empty; aliases `cis`, `nsa`, `pss` name every
/// framework whose id starts with `alias-`), or which ids are unknown.
pub fn select_frameworks<'c>(
    catalog: &'c Catalog,
    ids: &[String],
) -> anyhow::Result<Vec<&'c Framework>> {
    if ids.is_empty() {
        return Ok(catalog.frameworks.iter().collect());
    }
    let mut out: Vec<&Framework> = Vec::new();
    for id in ids {
        let exact = catalog.framework(id);
        let found: Vec<&Framework> = match exact {
            Some(f) => vec![f],
            None => catalog
                .frameworks
                .iter()
                .filter(|f| select::framework_matches(&f.id, id))
                .collect(),
        };
        if found.is_empty() {
            None::<()>.with_context(|| {
                let known: Vec<&str> = catalog.frameworks.iter().map(|f| f.id.as_str()).collect();
                format!(
                    "unknown framework `{id}`; known: {} (aliases: cis, nsa, pss, hygiene)",
                    known.join(", ")
                )
            })?;
        }
        for f in found {
            if !out.iter().any(|o| o.id == f.id) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// Prints on stderr every source that was not read in full (sources skipped on purpose not
/// under `--quiet`).
pub fn report_coverage(inv: &Inventory, quiet: bool) {
    for c in inv.coverage.iter().filter(|c| c.status != "ok") {
        let why = c.error.as_deref().unwrap_or("");
        let level = match c.status.as_str() {
            "warning" => "warning",
            _ if c.is_failure() => "error",
            // What was skipped on purpose is news, not a problem: not under --quiet.
            _ if quiet => continue,
            _ => "skipped",
        };
        eprintln!("kubeattest: {level}: {}", crate::quote::bounded(why, 2_000));
    }
}
