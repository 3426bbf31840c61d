//! `kubeattest diff OLD NEW`: drift between two report folders or `report.json` files.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::cli::{DiffArgs, DiffFormat, EXIT_GATE, EXIT_OK};
use crate::diff;
use crate::results::Report;

/// Reads a report folder (its `report.json`) or a `report.json` file (schema 1 or 2).
pub fn read_report(path: &Path) -> anyhow::Result<Report> {
    let file: PathBuf = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_path_buf()
    };
    let bytes = std::fs::read(&file).with_context(|| {
        format!(
            "cannot read {}; give a report folder or a report.json written by `kubeattest scan`",
            file.display()
        )
    })?;
    crate::render::json::parse(&bytes)
        .with_context(|| format!("{} is not a kubeattest report.json", file.display()))
}

/// Compares two runs; prints the text summary, writes the drift report formats asked for.
pub fn diff(args: &DiffArgs) -> anyhow::Result<u8> {
    let old = read_report(&args.old)?;
    let new = read_report(&args.new)?;
    let drift = diff::diff(&old, &new);
    print!("{}", drift.text());
    if !args.format.is_empty() {
        let out = args.out.clone().unwrap_or_else(|| PathBuf::from("drift"));
        let mut formats = args.format.clone();
        formats.sort();
        formats.dedup();
        for f in formats {
            let (name, bytes) = match f {
                DiffFormat::Json => {
                    let mut b = serde_json::to_vec_pretty(&drift)?;
                    b.push(b'\n');
                    ("drift.json", b)
                }
                DiffFormat::Csv => ("drift.csv", drift.csv()?),
                DiffFormat::Html => ("drift.html", drift.html().into_bytes()),
            };
            let p = out.join(name);
            crate::bundle::write_atomic(&p, &bytes)
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
        println!("\ndrift report written to {}", out.display());
    }
    Ok(match args.fail_on_new {
        Some(min) if drift.has_new_at_or_above(min) => EXIT_GATE,
        _ => EXIT_OK,
    })
}
