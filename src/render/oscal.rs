//! `oscal-assessment-results.json`: the run as a NIST OSCAL 1.1.2 assessment-results
//! document, for GRC platforms.
//!
//! One result (the run) with: an observation per check (its counts) and per finding that did
//! not pass (its evidence), each naming its subject as an inventory item of
//! `local-definitions`; a finding per framework item whose target is the item
//! (`objective-id` `cis-1.12_5.2.2`: OSCAL tokens cannot start with a digit) with state
//! `satisfied` (pass, waived) or `not-satisfied` (anything else, with the kubeattest status
//! as a prop and reason `fail` or `other`); and the bundle files already written as
//! back-matter resources with their SHA-256. UUIDs are derived from the run id and names
//! (SHA-256, shaped as version-5 UUIDs, which OSCAL's UUID pattern requires), so the same
//! report always gives the same document.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Value};

use crate::bundle::ManifestEntry;
use crate::render::RenderError;
use crate::results::{Finding, Report, Status, Subject};

/// The OSCAL version written.
pub const OSCAL_VERSION: &str = "1.1.2";

/// A name-based UUID: SHA-256 of `run id` + `name`, with the version (5) and variant bits set.
pub fn uuid(run: &str, name: &str) -> String {
    let h = crate::bundle::sha256_hex(format!("{run}\u{0}{name}").as_bytes());
    let b = h.as_bytes();
    let mut s = String::with_capacity(36);
    for (i, c) in b.iter().take(32).enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            s.push('-');
        }
        let c = *c as char;
        match i {
            12 => s.push('5'),
            16 => s.push(match c.to_digit(16).unwrap_or(0) & 0x3 {
                0 => '8',
                1 => '9',
                2 => 'a',
                _ => 'b',
            }),
            _ => s.push(c),
        }
    }
    s
}

/// An OSCAL token: letters, digits, `.`, `-`, `_`, starting with a letter or `_`.
fn token(s: &str) -> String {
    let mut t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        t.insert(0, '_');
    }
    t
}

/// An OSCAL string: no leading or trailing whitespace, never empty.
fn text(s: &str) -> String {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        "(none)".into()
    } else {
        t
    }
}

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": "https://kubeattest.dev/ns/oscal", "value": text(value) })
}

fn subject_key(s: &Subject) -> String {
    format!(
        "{}/{}/{}/{}",
        s.kind,
        s.namespace.as_deref().unwrap_or(""),
        s.name,
        s.node.as_deref().unwrap_or("")
    )
}

fn inventory_item(run: &str, s: &Subject) -> Value {
    let mut props = vec![prop("kind", &s.kind), prop("name", &s.name)];
    if let Some(ns) = &s.namespace {
        props.push(prop("namespace", ns));
    }
    if let Some(f) = &s.file {
        props.push(prop("file", f));
    }
    if let Some(n) = &s.node {
        props.push(prop("node", n));
    }
    json!({
        "uuid": uuid(run, &format!("subject {}", subject_key(s))),
        "description": s.display(),
        "props": props,
    })
}

fn finding_observation(run: &str, f: &Finding, collected: &str) -> Value {
    let evidence: Vec<Value> = f
        .observations
        .iter()
        .filter(|o| !o.holds)
        .chain(f.observations.iter().filter(|o| o.holds))
        .take(10)
        .map(|o| {
            let observed = if o.observed.is_null() {
                "(not set)".to_string()
            } else {
                crate::checks::condition::render(&o.observed)
            };
            json!({
                "description": format!("{}: {} = {observed}; expected {}", o.source, o.path, o.expected),
            })
        })
        .collect();
    let mut o = json!({
        "uuid": uuid(run, &format!("observation {} {}", f.check, subject_key(&f.subject))),
        "title": text(&format!("{} {} {}", f.status.as_str(), f.check, f.subject.display())),
        "description": if f.message.is_empty() { f.check.clone() } else { f.message.clone() },
        "props": [prop("check", &f.check), prop("status", f.status.as_str()), prop("severity", f.severity.as_str())],
        "methods": ["TEST"],
        "types": ["finding"],
        "subjects": [{
            "subject-uuid": uuid(run, &format!("subject {}", subject_key(&f.subject))),
            "type": "inventory-item",
            "title": text(&f.subject.display()),
        }],
        "collected": collected,
    });
    if !evidence.is_empty() {
        o["relevant-evidence"] = Value::Array(evidence);
    }
    o
}

/// Builds the document; `bundle` lists the files already written beside it.
pub fn document(report: &Report, bundle: &[ManifestEntry]) -> Value {
    let run = report.run.id.as_str();
    let collected = report.run.finished_at.as_str();
    let mut observations = Vec::new();
    let mut by_check: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for c in &report.checks {
        let counts: Vec<String> = Status::ALL
            .iter()
            .filter(|s| c.counts.get(**s) > 0)
            .map(|s| format!("{} {}", c.counts.get(*s), s.as_str()))
            .collect();
        let id = uuid(run, &format!("check {}", c.id));
        observations.push(json!({
            "uuid": id,
            "title": text(&c.title),
            "description": format!("{}: {} ({})", c.id, c.status.as_str(), if counts.is_empty() { text(&c.message) } else { counts.join(", ") }),
            "props": [prop("check", &c.id), prop("status", c.status.as_str()), prop("severity", c.severity.as_str())],
            "methods": ["TEST"],
            "collected": collected,
        }));
        by_check.entry(c.id.as_str()).or_default().push(id);
    }
    let mut subjects: BTreeMap<String, Value> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.status != Status::Pass) {
        subjects
            .entry(subject_key(&f.subject))
            .or_insert_with(|| inventory_item(run, &f.subject));
        let o = finding_observation(run, f, collected);
        if let Some(id) = o["uuid"].as_str() {
            by_check
                .entry(f.check.as_str())
                .or_default()
                .push(id.to_string());
        }
        observations.push(o);
    }
    let mut findings = Vec::new();
    for fw in &report.frameworks {
        for item in &fw.items {
            let satisfied = matches!(item.status, Status::Pass | Status::Waived);
            let mut status =
                json!({ "state": if satisfied { "satisfied" } else { "not-satisfied" } });
            if !satisfied {
                status["reason"] = if item.status == Status::Fail {
                    "fail"
                } else {
                    "other"
                }
                .into();
            }
            let target_id = token(&format!("{}_{}", fw.id, item.id));
            let mut f = json!({
                "uuid": uuid(run, &format!("finding {} {}", fw.id, item.id)),
                "title": text(&format!("{} {} {}", fw.id, item.id, item.title)),
                "description": text(&item.message),
                "props": [prop("framework", &fw.id), prop("item", &item.id), prop("status", item.status.as_str())],
                "target": {
                    "type": "objective-id",
                    "target-id": target_id,
                    "title": text(&item.title),
                    "status": status,
                },
            });
            let related: Vec<Value> = item
                .checks
                .iter()
                .filter_map(|c| by_check.get(c.as_str()))
                .flatten()
                .map(|u| json!({ "observation-uuid": u }))
                .collect();
            if !related.is_empty() {
                f["related-observations"] = Value::Array(related);
            }
            findings.push(f);
        }
    }
    let resources: Vec<Value> = bundle
        .iter()
        .map(|e| {
            json!({
                "uuid": uuid(run, &format!("file {}", e.name)),
                "title": e.name,
                "props": [prop("size", &e.size.to_string())],
                "rlinks": [{
                    "href": e.name,
                    "hashes": [{ "algorithm": "SHA-256", "value": e.sha256 }],
                }],
            })
        })
        .collect();
    let import_ap = bundle.iter().find(|e| e.name == "report.json").map_or_else(
        || "report.json".to_string(),
        |e| format!("#{}", uuid(run, &format!("file {}", e.name))),
    );
    let mut result = json!({
        "uuid": uuid(run, "result"),
        "title": text(&format!("kubeattest run {} on {}", run, report.run.target.name)),
        "description": text(&format!("Frameworks: {}. Sources: {}.", report.run.scope.frameworks.join(", "), report.run.scope.sources.join(", "))),
        "start": report.run.started_at,
        "end": report.run.finished_at,
        "reviewed-controls": { "control-selections": [{ "include-all": {} }] },
    });
    if !subjects.is_empty() {
        // Subjects are declared in the result's local definitions.
        result["local-definitions"] =
            json!({ "inventory-items": subjects.into_values().collect::<Vec<_>>() });
    }
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
    }
    if !findings.is_empty() {
        result["findings"] = Value::Array(findings);
    }
    let mut ar = json!({
        "uuid": uuid(run, "assessment-results"),
        "metadata": {
            "title": text(&format!("kubeattest assessment results: {}", report.run.target.name)),
            "last-modified": report.run.finished_at,
            "version": report.run.tool.version,
            "oscal-version": OSCAL_VERSION,
            "props": [prop("run-id", run), prop("catalog-version", &report.run.catalog.version), prop("catalog-digest", &report.run.catalog.digest)],
        },
        "import-ap": { "href": import_ap },
        "results": [result],
    });
    if !resources.is_empty() {
        ar["back-matter"] = json!({ "resources": resources });
    }
    json!({ "assessment-results": ar })
}

/// Writes the document.
pub fn write(
    report: &Report,
    bundle: &[ManifestEntry],
    w: &mut dyn Write,
) -> Result<(), RenderError> {
    serde_json::to_writer_pretty(&mut *w, &document(report, bundle))?;
    w.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_deterministic_and_shaped_as_v5() {
        let a = uuid("run", "x");
        assert_eq!(a, uuid("run", "x"));
        assert_ne!(a, uuid("run", "y"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn tokens_start_with_a_letter() {
        assert_eq!(token("5.2.2"), "_5.2.2");
        assert_eq!(token("cis-1.12_5.2.2"), "cis-1.12_5.2.2");
    }
}
