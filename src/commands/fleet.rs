//! `kubeattest fleet DIR… --out DIR`: one report over many clusters' report folders.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;

use crate::bundle::{self, BundleError, OutPolicy};
use crate::cli::{FleetArgs, FleetFormat, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE};
use crate::fleet::{self, read, Fleet, Rollup};
use crate::manifest::{ManifestEntry, FILE_NAME as MANIFEST};

/// Reads every report folder under the paths given, one at a time, and writes the fleet
/// report. Exit 0: every folder counted; 3: some were rejected (listed in the report and on
/// standard error); 2: none could be counted.
pub fn fleet(args: &FleetArgs) -> anyhow::Result<u8> {
    let as_of = match &args.as_of {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .with_context(|| {
                format!("--as-of `{t}` is not an RFC 3339 time (e.g. 2026-12-01T00:00:00Z)")
            })?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    let key = args
        .key
        .as_deref()
        .map(crate::signature::read_verifying_key)
        .transpose()?;
    let policy = OutPolicy {
        force: args.force,
        inputs: args.dirs.clone(),
    };
    // Refuse a bad --out before reading anything.
    bundle::check_out(&args.out, &policy)?;

    let (found, missing) = read::discover(&args.dirs);
    let mut rollup = Rollup::new();
    for r in missing {
        rollup.reject(r);
    }
    // With a pinned key only copies signed by it are read, and a forged copy is rejected by
    // its signature; without one, differing copies of a run cannot be told apart.
    let conflicting = if key.is_some() {
        Default::default()
    } else {
        read::conflicting_copies(&found)
    };
    for dir in &found {
        if let Some((id, dirs)) = conflicting.iter().find(|(_, dirs)| dirs.contains(dir)) {
            let all: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            rollup.reject(read::Rejection {
                path: dir.display().to_string(),
                reason: format!(
                    "conflicting copies of run {id} ({}): their report.json differ, so at least one was altered; none is counted (sign runs with `scan --sign` and pass `--key` so that only runs signed by that key are read)",
                    all.join(", ")
                ),
            });
            continue;
        }
        match read::read_run(dir, key.as_ref()) {
            Ok(run) => rollup.add(run),
            Err(reason) => rollup.reject(read::Rejection {
                path: dir.display().to_string(),
                reason,
            }),
        }
    }
    let counted = rollup.runs();
    let inputs = args.dirs.iter().map(|d| d.display().to_string()).collect();
    let report = rollup.finish(as_of, args.stale_after, &args.stale_after_text(), inputs);
    for r in &report.rejected {
        eprintln!(
            "kubeattest: rejected: {}: {}",
            crate::quote::escape_controls(&r.path),
            crate::quote::bounded(&r.reason, 2_000)
        );
    }
    if counted == 0 {
        eprintln!(
            "kubeattest: error: no intact report folder found under {}; give folders written by `kubeattest scan` (with report.json)",
            args.dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(EXIT_USAGE);
    }
    let files = render(&report, &args.format)?;
    write(&args.out, &report, &files, &policy)?;
    if !args.quiet {
        print!("{}", text(&report));
        println!("fleet report written to {}", args.out.display());
    }
    Ok(if report.rejected.is_empty() {
        EXIT_OK
    } else {
        EXIT_INCOMPLETE
    })
}

/// The files of the fleet report, in a fixed order.
fn render(report: &Fleet, formats: &[FleetFormat]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut formats = FleetFormat::expand(formats);
    formats.sort();
    formats.dedup();
    let mut files = Vec::new();
    for f in formats {
        let (name, bytes) = match f {
            FleetFormat::Json => {
                let mut b = serde_json::to_vec_pretty(report)?;
                b.push(b'\n');
                ("fleet.json", b)
            }
            FleetFormat::Csv => ("fleet.csv", fleet::csv::render(report)?),
            FleetFormat::Html => ("fleet.html", fleet::html::render(report)?),
            FleetFormat::Pdf => ("fleet.pdf", fleet::pdf::render(report)?),
            FleetFormat::All => continue,
        };
        files.push((name.to_string(), bytes));
    }
    Ok(files)
}

#[derive(Serialize)]
struct FleetManifest<'a> {
    run_id: String,
    kind: &'a str,
    tool: crate::results::Tool,
    files: Vec<ManifestEntry>,
}

/// Writes the files and their MANIFEST.json into a folder built beside `dir` and swapped
/// into place, replacing only what `policy` allows (as `scan --out` does).
fn write(
    dir: &Path,
    report: &Fleet,
    files: &[(String, Vec<u8>)],
    policy: &OutPolicy,
) -> anyhow::Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "fleet".into());
    let tmp: PathBuf = parent.join(format!(".{base}.tmp-{}", std::process::id()));
    bundle::remove_any(&tmp);
    let result = (|| -> anyhow::Result<()> {
        std::fs::create_dir_all(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut entries = Vec::new();
        for (name, bytes) in files {
            let p = tmp.join(name);
            let mut f = std::fs::File::create(&p)
                .with_context(|| format!("cannot write {}", p.display()))?;
            f.write_all(bytes)
                .and_then(|()| f.sync_all())
                .with_context(|| format!("cannot write {}", p.display()))?;
            entries.push(ManifestEntry::of(name, bytes));
        }
        let manifest = FleetManifest {
            run_id: format!("fleet-{}", report.as_of),
            kind: "fleet",
            tool: crate::results::Tool {
                name: "kubeattest".into(),
                version: report.tool_version.clone(),
            },
            files: entries,
        };
        let mut bytes = serde_json::to_vec_pretty(&manifest)?;
        bytes.push(b'\n');
        let mp = tmp.join(MANIFEST);
        std::fs::write(&mp, bytes).with_context(|| format!("cannot write {}", mp.display()))?;
        bundle::check_out(dir, policy)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let aside = parent.join(format!(".{base}.old-{}", std::process::id()));
    match bundle::swap_in(&tmp, dir, &aside) {
        Ok(Some(previous)) => bundle::remove_any(&previous),
        Ok(None) => {}
        Err(source) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(BundleError::Io {
                path: dir.to_path_buf(),
                source,
            }
            .into());
        }
    }
    Ok(())
}

/// The summary printed on standard output; cluster names and what the reports say are
/// written with their control characters escaped.
fn text(report: &Fleet) -> String {
    use crate::quote::escape_controls as esc;
    let mut out = format!(
        "{} cluster(s), {} run(s) counted, {} rejected; as of {}\n",
        report.totals.clusters, report.totals.runs, report.totals.rejected, report.as_of
    );
    for c in &report.clusters {
        let scores: Vec<String> = c
            .frameworks
            .iter()
            .map(|f| {
                let d = fleet::delta_text(f.delta);
                format!(
                    "{} {}{}",
                    esc(&f.id),
                    fleet::score_text(f.summary.score),
                    if d.is_empty() {
                        String::new()
                    } else {
                        format!(" ({d})")
                    }
                )
            })
            .collect();
        let why = report.attention(c);
        out.push_str(&format!(
            "  {}  {}  {}{}\n",
            esc(&c.name),
            esc(&c.latest.started_at),
            scores.join(", "),
            if why.is_empty() {
                String::new()
            } else {
                format!("  [{}]", esc(&why.join("; ")))
            }
        ));
    }
    out
}
