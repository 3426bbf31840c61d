//! `oscal-assessment-results.json`: the run as a NIST OSCAL 1.1.2 assessment-results
//! document, for GRC platforms.
//!
//! One result (the run) with: an observation per check (its counts) and per finding that did
//! not pass (its evidence), each naming its subject (object, node and file: the same object
//! in two overlays is two subjects) as an inventory item of `local-definitions`; a risk per
//! exception that waived findings (status `deviation-approved`, deadline its expiry); a
//! finding per framework item whose target is the item (`objective-id` `cis-1.12_5.2.2`:
//! OSCAL tokens cannot start with a digit) with state `satisfied` (pass) or `not-satisfied`
//! (anything else, waived included, with the kubeattest status as a prop, reason `fail` or
//! `other`, and the waivers' risks as `related-risks`); and, as back-matter resources, the
//! kubeattest catalog (what `import-ap` names: no OSCAL assessment plan is written) and the
//! bundle files already written with their SHA-256. UUIDs are derived from the run id and
//! names (SHA-256, shaped as version-5 UUIDs, which OSCAL's UUID pattern requires) and never
//! repeat within a document, so the same report always gives the same document.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use serde_json::{json, Value};

use crate::bundle::ManifestEntry;
use crate::exceptions::Waiver;
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

/// What tells subjects apart: object, node and file with line (the same object in two
/// overlays, or two documents of one file, are different subjects, as in SARIF's
/// fingerprints).
fn subject_key(s: &Subject) -> String {
    format!(
        "{}/{}/{}/{}/{}:{}",
        s.kind,
        s.namespace.as_deref().unwrap_or(""),
        s.name,
        s.node.as_deref().unwrap_or(""),
        s.file.as_deref().unwrap_or(""),
        s.line.unwrap_or(0)
    )
}

/// Names already given a UUID in this document: a repeated name gets ` #2`, ` #3`…, so no
/// two things share a UUID (OSCAL's are "globally unique"), whatever the input repeats.
#[derive(Default)]
struct Names(HashMap<String, usize>);

impl Names {
    fn unique(&mut self, name: String) -> String {
        let n = self.0.entry(name.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            name
        } else {
            format!("{name} #{n}")
        }
    }
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
    // The file tells apart the same object in two files.
    let description = match (&s.file, s.line) {
        (Some(f), Some(l)) => format!("{} ({f}:{l})", s.display()),
        (Some(f), None) => format!("{} ({f})", s.display()),
        _ => s.display(),
    };
    json!({
        "uuid": uuid(run, &format!("subject {}", subject_key(s))),
        "description": description,
        "props": props,
    })
}

fn finding_observation(run: &str, f: &Finding, collected: &str, name: &str) -> Value {
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
        "uuid": uuid(run, name),
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

/// The findings one exception waived, with their observations.
struct Waived<'r> {
    waiver: &'r Waiver,
    checks: Vec<&'r str>,
    subjects: Vec<String>,
    observations: Vec<String>,
}

/// How many waived subjects a risk's statement names.
const RISK_SUBJECTS: usize = 10;

/// The UUID of the risk an exception (by its `file:line`) stands for.
fn risk_uuid(run: &str, source: &str) -> String {
    uuid(run, &format!("risk {source}"))
}

/// An exception's waived findings as an accepted deviation: a risk with status
/// `deviation-approved` until the exception's last valid day.
fn risk(run: &str, w: &Waived) -> Value {
    let e = w.waiver;
    let mut description = format!(
        "Waived by the exception at {}; justification: {}; approved by {}; valid until {} (its last day)",
        e.source, e.justification, e.approver, e.expires
    );
    if let Some(t) = &e.ticket {
        description.push_str(&format!("; ticket {t}"));
    }
    let mut subjects = w
        .subjects
        .iter()
        .take(RISK_SUBJECTS)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if w.subjects.len() > RISK_SUBJECTS {
        subjects.push_str(&format!(" and {} more", w.subjects.len() - RISK_SUBJECTS));
    }
    let mut props = vec![
        prop("exception", &e.source),
        prop("approver", &e.approver),
        prop("expires", &e.expires.to_string()),
    ];
    if let Some(t) = &e.ticket {
        props.push(prop("ticket", t));
    }
    let mut r = json!({
        "uuid": risk_uuid(run, &e.source),
        "title": text(&format!("Accepted deviation: {} ({})", w.checks.join(", "), e.source)),
        "description": text(&description),
        "statement": text(&format!(
            "{} finding(s) that did not pass are accepted, not fixed, until {}: {subjects}",
            w.subjects.len(),
            e.expires
        )),
        "props": props,
        "status": "deviation-approved",
        // The end of the last valid day: after it, what it waived fails again.
        "deadline": format!("{}T23:59:59Z", e.expires),
    });
    if !w.observations.is_empty() {
        r["related-observations"] = w
            .observations
            .iter()
            .map(|u| json!({ "observation-uuid": u }))
            .collect();
    }
    r
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
    let mut names = Names::default();
    // Per exception (by its `file:line`), what it waived.
    let mut waived: BTreeMap<&str, Waived> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.status != Status::Pass) {
        let key = subject_key(&f.subject);
        let name = names.unique(format!("observation {} {key}", f.check));
        subjects
            .entry(key)
            .or_insert_with(|| inventory_item(run, &f.subject));
        let o = finding_observation(run, f, collected, &name);
        let id = uuid(run, &name);
        if let (Status::Waived, Some(w)) = (f.status, &f.waiver) {
            let group = waived.entry(w.source.as_str()).or_insert_with(|| Waived {
                waiver: w,
                checks: Vec::new(),
                subjects: Vec::new(),
                observations: Vec::new(),
            });
            if !group.checks.contains(&f.check.as_str()) {
                group.checks.push(f.check.as_str());
            }
            group.subjects.push(f.subject.display());
            group.observations.push(id.clone());
        }
        by_check.entry(f.check.as_str()).or_default().push(id);
        observations.push(o);
    }
    let mut risks = Vec::new();
    let mut risks_by_check: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for w in waived.values() {
        let id = risk_uuid(run, &w.waiver.source);
        for c in &w.checks {
            risks_by_check.entry(*c).or_default().push(id.clone());
        }
        risks.push(risk(run, w));
    }
    let mut findings = Vec::new();
    for fw in &report.frameworks {
        for item in &fw.items {
            // Waived is not satisfied: the deviation is accepted (a risk), not gone.
            let satisfied = item.status == Status::Pass;
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
            if item.status == Status::Waived {
                status["remarks"] =
                    "Waived: an accepted deviation (see related-risks), not a pass.".into();
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
            let mut seen = std::collections::HashSet::new();
            let related: Vec<Value> = item
                .checks
                .iter()
                .filter_map(|c| by_check.get(c.as_str()))
                .flatten()
                .filter(|u| seen.insert(u.as_str()))
                .map(|u| json!({ "observation-uuid": u }))
                .collect();
            if !related.is_empty() {
                f["related-observations"] = Value::Array(related);
            }
            let related: Vec<Value> = item
                .checks
                .iter()
                .filter_map(|c| risks_by_check.get(c.as_str()))
                .flatten()
                .filter(|u| seen.insert(u.as_str()))
                .map(|u| json!({ "risk-uuid": u }))
                .collect();
            if !related.is_empty() {
                f["related-risks"] = Value::Array(related);
            }
            findings.push(f);
        }
    }
    // No OSCAL assessment plan is written: what plays its part is the catalog, named here
    // for `import-ap` to point at (report.json, when written, is not a plan either).
    let catalog = &report.run.catalog;
    let plan = uuid(run, "assessment plan");
    let mut resources = vec![json!({
        "uuid": plan,
        "title": text(&format!("kubeattest catalog {}", catalog.version)),
        "description": text(&format!(
            "No OSCAL assessment plan exists for this run. What was assessed and how is the kubeattest catalog built into kubeattest {} (catalog {}, digest {}), with the frameworks of this run: {}.",
            report.run.tool.version,
            catalog.version,
            catalog.digest,
            report.run.scope.frameworks.join(", ")
        )),
        "props": [prop("catalog-version", &catalog.version), prop("catalog-digest", &catalog.digest)],
    })];
    resources.extend(bundle.iter().map(|e| {
        json!({
            "uuid": uuid(run, &format!("file {}", e.name)),
            "title": e.name,
            "props": [prop("size", &e.size.to_string())],
            "rlinks": [{
                "href": e.name,
                "hashes": [{ "algorithm": "SHA-256", "value": e.sha256 }],
            }],
        })
    }));
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
    if !risks.is_empty() {
        result["risks"] = Value::Array(risks);
    }
    if !findings.is_empty() {
        result["findings"] = Value::Array(findings);
    }
    let ar = json!({
        "uuid": uuid(run, "assessment-results"),
        "metadata": {
            "title": text(&format!("kubeattest assessment results: {}", report.run.target.name)),
            "last-modified": report.run.finished_at,
            "version": report.run.tool.version,
            "oscal-version": OSCAL_VERSION,
            "props": [prop("run-id", run), prop("catalog-version", &report.run.catalog.version), prop("catalog-digest", &report.run.catalog.digest)],
        },
        "import-ap": {
            "href": format!("#{plan}"),
            "remarks": "Not an OSCAL assessment plan: kubeattest writes none. The back-matter resource named here is the kubeattest catalog the run assessed against.",
        },
        "results": [result],
        "back-matter": { "resources": resources },
    });
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
    fn repeated_names_get_their_own_uuid() {
        let mut names = Names::default();
        let a = names.unique("observation x k".into());
        let b = names.unique("observation x k".into());
        let c = names.unique("observation x k".into());
        assert_eq!(a, "observation x k");
        assert_eq!(
            (b.as_str(), c.as_str()),
            ("observation x k #2", "observation x k #3")
        );
        assert_ne!(uuid("run", &a), uuid("run", &b));
    }

    #[test]
    fn tokens_start_with_a_letter() {
        assert_eq!(token("5.2.2"), "_5.2.2");
        assert_eq!(token("cis-1.12_5.2.2"), "cis-1.12_5.2.2");
    }
}
