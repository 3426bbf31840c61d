//! `kubeattest attest template --framework ID`: a ready-to-fill attestations file.

use std::io::Write as _;

use anyhow::Context as _;

use crate::catalog::Catalog;
use crate::cli::EXIT_OK;

/// Prints the template for one framework.
pub fn template(catalog: &Catalog, framework: &str) -> anyhow::Result<u8> {
    let fw = catalog.framework(framework).with_context(|| {
        let known: Vec<&str> = catalog.frameworks.iter().map(|f| f.id.as_str()).collect();
        format!(
            "unknown framework `{framework}`; known: {}",
            known.join(", ")
        )
    })?;
    let mut out = std::io::stdout().lock();
    out.write_all(crate::attestations::template(fw).as_bytes())?;
    Ok(EXIT_OK)
}
