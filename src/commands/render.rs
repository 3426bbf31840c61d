//! `kubeattest render report.json`: the documents of a saved report, without the cluster.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::{FormatChoice, RenderArgs, EXIT_OK};
use crate::render::{self, Format};

/// Renders a saved report. `overlay` is the `--catalog` given, whose text fills back what
/// the report leaves to its catalog.
pub fn render_saved(args: &RenderArgs, overlay: Option<&std::path::Path>) -> anyhow::Result<u8> {
    let bytes = std::fs::read(&args.report)
        .with_context(|| format!("cannot read {}", args.report.display()))?;
    let mut report = render::json::parse(&bytes)
        .with_context(|| format!("{} is not a kubeattest report.json", args.report.display()))?;
    report.normalize(args.detail);
    // Checks that passed or did not apply are saved without their static text; the catalog
    // gives it back when the report was made with it (same digest). A catalog that does not
    // load leaves the text out; the report itself is rendered all the same.
    if let Ok(catalog) = crate::catalog::load(overlay) {
        report.fill_static_text(&catalog);
    }
    if !args.owner_label.is_empty() && args.owner_label != report.breakdown.owner_labels {
        anyhow::bail!(
            "--owner-label {}: {} was scanned with owner labels [{}]; owners are resolved from the cluster's labels at scan time and report.json keeps no labels, so rescan with `scan --owner-label {}`",
            args.owner_label.join(","),
            args.report.display(),
            report.breakdown.owner_labels.join(", "),
            args.owner_label.join(",")
        );
    }
    let out = match &args.out {
        Some(dir) => dir.clone(),
        None => args
            .report
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    let formats = FormatChoice::expand(&args.format);
    // The PDF appendix hashes the other files of the folder: include the saved report.json.
    let entry = crate::manifest::ManifestEntry::of;
    // Asked for JSON, the report is written again in the current schema (with the detail
    // asked for); otherwise the saved bytes stand, unless they hold what is never written
    // again (an API server address with `user:password@`, dropped when read).
    let cleaned = saved_server(&bytes).as_deref() != report.run.target.server.as_deref();
    let json = if formats.contains(&Format::Json) || cleaned {
        Format::Json.render(&report, &[])?
    } else {
        bytes
    };
    let mut entries = vec![entry("report.json", &json)];
    let mut files = vec![("report.json".to_string(), json)];
    for f in formats.iter().filter(|f| **f != Format::Json) {
        let rendered = f.render(&report, &entries)?;
        entries.push(entry(f.file_name(), &rendered));
        files.push((f.file_name().to_string(), rendered));
    }
    // Beside the saved report, report.json is already there (and ours to list); elsewhere,
    // copy it so the folder is a complete bundle. MANIFEST.json lists only our files.
    let beside = args.out.is_none();
    if beside && !formats.contains(&Format::Json) && !cleaned {
        files.remove(0);
    }
    let also_ours: &[&str] = if beside { &["report.json"] } else { &[] };
    crate::bundle::write_files(&out, &report, &files, also_ours)?;
    if let Some(w) = formats
        .contains(&Format::Sarif)
        .then(|| render::sarif::github_limit_warning(&report))
        .flatten()
    {
        eprintln!("kubeattest: warning: {w}");
    }
    for (name, _) in &files {
        println!("{}", out.join(name).display());
    }
    Ok(EXIT_OK)
}

/// The API server address a saved report.json holds, as written: only that field is
/// kept while the document is read (the rest is skipped, not built into values again).
fn saved_server(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Saved {
        run: Run,
    }
    #[derive(serde::Deserialize)]
    struct Run {
        target: Target,
    }
    #[derive(serde::Deserialize)]
    struct Target {
        server: Option<String>,
    }
    serde_json::from_slice::<Saved>(bytes)
        .ok()?
        .run
        .target
        .server
}
