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
    if args.fail_on_new.is_some() && !drift.same_target {
        anyhow::bail!(
            "{} and {} are runs of different targets ({} and {}): --fail-on-new gates drift between runs of one target; compare runs of the same cluster (or manifests)",
            args.old.display(),
            args.new.display(),
            drift.old.target,
            drift.new.target
        );
    }
    print!("{}", drift.text());
    if !args.format.is_empty() {
        let out = args.out.clone().unwrap_or_else(|| PathBuf::from("drift"));
        let mut formats = args.format.clone();
        formats.sort();
        formats.dedup();
        let mut files = Vec::new();
        for f in formats {
            files.push(match f {
                DiffFormat::Json => {
                    let mut b = serde_json::to_vec_pretty(&drift)?;
                    b.push(b'\n');
                    ("drift.json", b)
                }
                DiffFormat::Csv => ("drift.csv", drift.csv()?),
                DiffFormat::Html => ("drift.html", drift.html().into_bytes()),
            });
        }
        check_drift_out(&out, &[args.old.as_path(), args.new.as_path()])?;
        for (name, bytes) in files {
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

/// The drift files, and how the start of each of ours reads.
const DRIFT_FILES: [(&str, &[u8]); 3] = [
    ("drift.json", b"{\n  \"old\": {"),
    ("drift.csv", b"change,severity,check,"),
    ("drift.html", b"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>kubeattest drift report</title>"),
];

/// Refuses a drift folder that would replace what we did not write (rule 8): a path that is,
/// holds or lies inside one of the compared runs, a file, or a folder holding anything but
/// drift files of ours.
fn check_drift_out(out: &Path, inputs: &[&Path]) -> anyhow::Result<()> {
    // Overlap with an input (or a device at the path) is refused whatever is there; what
    // may be replaced is decided below, file by file.
    let policy = crate::bundle::OutPolicy {
        force: true,
        inputs: inputs.iter().map(|p| p.to_path_buf()).collect(),
    };
    crate::bundle::check_out(out, &policy)?;
    let entries = match std::fs::read_dir(out) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if out.exists() => anyhow::bail!(
            "--out {}: is a file, not a drift folder; choose another --out",
            out.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", out.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", out.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if crate::bundle::is_our_temp_file(&name) {
            continue;
        }
        let ours = DRIFT_FILES
            .iter()
            .find(|(n, _)| *n == name)
            .is_some_and(|(_, head)| crate::bundle::starts_with(&entry.path(), head));
        if !ours {
            anyhow::bail!(
                "--out {}: holds {name}, which is not a drift report of ours; choose a new or empty folder",
                out.display()
            );
        }
    }
    Ok(())
}
