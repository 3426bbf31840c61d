//! The built-in demo cluster: a small kubeadm-like cluster compiled into the binary (see
//! `src/collect/demo/README.md` for what it contains and which flaws it carries).

use crate::collect::manifests::add_stream;
use crate::collect::CollectError;
use crate::inventory::{Coverage, Inventory, Origin, SourceKind, Target};

/// How many days before the run the demo's sample vulnerability scan is dated: more than the
/// default `--max-scan-age` (7 days), so `image-scan-stale` fails on the demo whatever the date.
pub fn scan_age() -> chrono::Duration {
    chrono::Duration::days(12)
}

/// Collects the demo cluster.
pub fn collect() -> Result<Inventory, CollectError> {
    let files = crate::catalog::demo_files();
    let mut target = Target {
        name: "demo".into(),
        ..Target::default()
    };
    if let Some((file, text)) = files.iter().find(|(f, _)| *f == "cluster.json") {
        target = serde_json::from_str(text).map_err(|e| CollectError::Demo {
            file: file.to_string(),
            message: e.to_string(),
        })?;
    }
    target.source = Some(SourceKind::Demo);
    let mut inv = Inventory::new(target, true);
    if let Some((file, text)) = files.iter().find(|(f, _)| *f == "node-facts.json") {
        inv.node_facts = serde_json::from_str(text).map_err(|e| CollectError::Demo {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        inv.coverage
            .push(Coverage::ok(format!("demo/{file}"), inv.node_facts.len()));
    }
    // The sample vulnerability scan (`scans/`, Trivy's `trivy k8s --format json` shape) is
    // evidence about the demo's images, not objects: it is read as `--vulnerabilities` would.
    let mut evidence = crate::vulnerabilities::Evidence::default();
    // Its timestamps are moved to midnight UTC `scan_age()` before today, so the demo's
    // report reads the same on any day (the file's own date would make the scan a day older
    // every day) and on every run of a day.
    let scanned_at = (chrono::Utc::now().date_naive() - scan_age())
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc());
    for (file, text) in files.iter().filter(|(f, _)| f.starts_with("scans/")) {
        let name = format!("demo/{file}");
        let mut scans =
            crate::vulnerabilities::parse(&name, text).map_err(|message| CollectError::Demo {
                file: file.to_string(),
                message,
            })?;
        inv.coverage
            .push(Coverage::ok(format!("vulnerabilities {name}"), scans.len()));
        for scan in scans.iter_mut().filter(|s| s.scanned_at.is_some()) {
            scan.scanned_at = scanned_at;
        }
        evidence.files += 1;
        evidence.scans.append(&mut scans);
    }
    if evidence.files > 0 {
        inv.vulnerabilities = Some(evidence);
    }
    for (file, text) in files.iter().filter(|(f, _)| {
        *f != "cluster.json" && *f != "node-facts.json" && !f.starts_with("scans/")
    }) {
        let origin = |line| Origin::Demo {
            file: file.to_string(),
            line,
        };
        let (count, skipped, error) = add_stream(&mut inv, text, &origin);
        if let Some(e) = error.or_else(|| skipped.first().map(|(l, w)| format!("{l}: {w}"))) {
            return Err(CollectError::Demo {
                file: file.to_string(),
                message: e,
            });
        }
        inv.coverage
            .push(Coverage::ok(format!("demo/{file}"), count));
    }
    inv.finish();
    Ok(inv)
}
