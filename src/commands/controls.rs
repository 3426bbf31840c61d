//! `kubeattest controls list`: frameworks, their items and the checks deciding them. A
//! catalog given with `--catalog` is input: its text is written with control characters
//! escaped.

use std::io::Write as _;

use crate::catalog::Catalog;
use crate::cli::EXIT_OK;
use crate::commands::select_frameworks;
use crate::quote::escape_controls as esc;

/// Lists framework items.
pub fn controls_list(catalog: &Catalog, framework: Option<&str>) -> anyhow::Result<u8> {
    let ids: Vec<String> = framework.map(|f| vec![f.to_string()]).unwrap_or_default();
    let frameworks = select_frameworks(catalog, &ids)?;
    let mut out = std::io::stdout().lock();
    for fw in frameworks {
        let mapped = fw.items.iter().filter(|i| !i.checks.is_empty()).count();
        writeln!(
            out,
            "{} — {} {} ({} items, {} mapped to checks, {} manual)",
            esc(&fw.id),
            esc(&fw.title),
            esc(&fw.version),
            fw.items.len(),
            mapped,
            fw.items.len() - mapped
        )?;
        for item in &fw.items {
            let checks = if item.checks.is_empty() {
                "manual".to_string()
            } else {
                esc(&item.checks.join(", ")).into_owned()
            };
            let label = if item.automated {
                "automated"
            } else {
                "manual"
            };
            writeln!(
                out,
                "  {:<8} [{label:<9}] {}  → {checks}",
                esc(&item.id),
                esc(&item.title)
            )?;
        }
    }
    Ok(EXIT_OK)
}
