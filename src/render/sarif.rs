//! `report.sarif`: SARIF 2.1.0 for code-scanning tools (GitHub code scanning, Azure DevOps,
//! SARIF viewers).
//!
//! One rule per check (title, rationale and remediation as help, severity as `level` and
//! `security-severity`); one result per failing or warn finding. A manifest finding points
//! at the line of the offending field (the first observation that did not hold whose
//! source is `file:line`), else at the object's line; the YAML reader keeps lines, not
//! columns, so regions carry `startLine` only. Every result also names its subject as a
//! logical location (`Kind/namespace/name`), which is all a cluster finding has. Waived
//! findings are results with an external suppression carrying the exception's
//! justification. Findings that could not be assessed (`error`) and sources that could not
//! be read become tool execution notifications: a SARIF consumer must not read them as
//! clean.

use foldhash::HashMap;
use std::io::Write;

use serde_json::{json, Map, Value};

use crate::catalog::Severity;
use crate::render::RenderError;
use crate::results::{CheckResult, Finding, Report, Status, Subject};

/// The `$schema` written in the document.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The most results GitHub code scanning accepts in one run: it rejects a file with more.
pub const GITHUB_MAX_RESULTS: usize = 25_000;

/// Whether a finding of this status is a result (the others are notifications or left out).
fn is_result(status: Status) -> bool {
    matches!(status, Status::Fail | Status::Warn | Status::Waived)
}

/// A warning for standard error when the document holds more results than GitHub code
/// scanning accepts in one run (the output is not cut: other consumers take it whole).
pub fn github_limit_warning(report: &Report) -> Option<String> {
    limit_warning(
        report
            .findings
            .iter()
            .filter(|f| is_result(f.status))
            .count(),
    )
}

fn limit_warning(results: usize) -> Option<String> {
    (results > GITHUB_MAX_RESULTS).then(|| {
        format!(
            "the SARIF output holds {results} results; GitHub code scanning accepts at most {GITHUB_MAX_RESULTS} per run and rejects the whole file above that: select fewer checks (--check, --skip) or scan fewer manifests or namespaces per upload, each with its own category"
        )
    })
}

/// The SARIF level of a failure of this severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score: ≥9 critical, ≥7 high, ≥4 medium).
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// `privileged-container` → `PrivilegedContainer` (SARIF's `name` is a readable identifier).
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule(check: &CheckResult, items: &[String]) -> Value {
    let rationale = check.rationale.trim();
    let remediation = check.remediation.trim();
    let help = format!("{rationale}\n\nRemediation:\n{remediation}");
    let markdown = format!("{rationale}\n\n**Remediation**\n\n{remediation}");
    let mut tags = vec![
        "security".to_string(),
        "kubernetes".to_string(),
        "compliance".to_string(),
    ];
    tags.extend(items.iter().cloned());
    let mut props = Map::new();
    props.insert(
        "security-severity".into(),
        security_severity(check.severity).into(),
    );
    props.insert("severity".into(), check.severity.as_str().into());
    props.insert("tags".into(), json!(tags));
    if !check.peers.is_empty() {
        props.insert("peers".into(), json!(check.peers));
    }
    let mut r = Map::new();
    r.insert("id".into(), check.id.clone().into());
    r.insert("name".into(), rule_name(&check.id).into());
    r.insert("shortDescription".into(), json!({ "text": check.title }));
    r.insert(
        "fullDescription".into(),
        json!({ "text": if rationale.is_empty() { check.title.as_str() } else { rationale } }),
    );
    r.insert("help".into(), json!({ "text": help, "markdown": markdown }));
    if let Some(uri) = check
        .references
        .iter()
        .find(|u| u.starts_with("https://") || u.starts_with("http://"))
    {
        r.insert("helpUri".into(), uri.clone().into());
    }
    r.insert(
        "defaultConfiguration".into(),
        json!({ "level": level(check.severity) }),
    );
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

/// `file:line` → (file, line), when the source is one. A space marks a source that is not a
/// path (`node cp-1: static pod …`, `api /api/v1/…`), unless it is the subject's own file
/// (`manifests/my app.yaml`).
fn file_line<'a>(source: &'a str, subject_file: Option<&str>) -> Option<(&'a str, u32)> {
    let (file, line) = source.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    let path_like = !file.contains(' ') || subject_file == Some(file);
    (line > 0 && !file.is_empty() && path_like).then_some((file, line))
}

/// A path as a URI reference: absolute paths become `file://` URIs, relative ones stay
/// relative; bytes outside the unreserved set (and `/`) are percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Where a finding points in a file: the first observation that did not hold and names a
/// `file:line`, else any observation that does, else the subject's own line.
fn physical(f: &Finding) -> Option<(String, u32)> {
    let not_holding = f.observations.iter().filter(|o| !o.holds);
    let any = f.observations.iter();
    let own = f.subject.file.as_deref();
    not_holding
        .chain(any)
        .find_map(|o| file_line(&o.source, own))
        .map(|(file, line)| (file.to_string(), line))
        .or_else(|| Some((own?.to_string(), f.subject.line?)))
}

/// Where a finding with no file stands (a node's file, a component, a namespace no manifest
/// declares): a relative URI naming it, `kubernetes/[node/NODE/]KIND/[NAMESPACE/]NAME`, at
/// line 1. GitHub code scanning refuses a whole upload when one result lacks a physical
/// location, as container-image scanners' SARIF names the image.
fn logical_uri(s: &Subject) -> String {
    let mut parts: Vec<&str> = vec!["kubernetes"];
    if let Some(node) = &s.node {
        parts.extend(["node", node]);
    }
    parts.push(&s.kind);
    if let Some(ns) = &s.namespace {
        parts.push(ns);
    }
    // A file's absolute path continues the URI's path.
    parts.push(s.name.trim_start_matches('/'));
    uri(&parts.join("/"))
}

fn logical(s: &Subject) -> Value {
    let qualified = match &s.namespace {
        Some(ns) => format!("{}/{ns}/{}", s.kind, s.name),
        None => format!("{}/{}", s.kind, s.name),
    };
    let mut l = Map::new();
    l.insert("name".into(), s.name.to_string().into());
    l.insert("fullyQualifiedName".into(), qualified.into());
    l.insert("kind".into(), "resource".into());
    Value::Object(l)
}

fn result(f: &Finding, check: Option<&CheckResult>, index: usize) -> Value {
    let original = f
        .waiver
        .as_ref()
        .map(|w| w.original_status)
        .unwrap_or(f.status);
    let level = if original == Status::Warn {
        "warning"
    } else {
        level(f.severity)
    };
    let text = if f.message.is_empty() {
        let title = check.map_or(f.check.as_str(), |c| c.title.as_str());
        format!("{title}: {}", f.subject.display())
    } else {
        format!("{} ({})", f.message, f.subject.display())
    };
    let mut location = Map::new();
    let (artifact, line) = physical(f)
        .map(|(file, line)| (uri(&file), line))
        .unwrap_or_else(|| (logical_uri(&f.subject), 1));
    location.insert(
        "physicalLocation".into(),
        json!({
            "artifactLocation": { "uri": artifact },
            "region": { "startLine": line },
        }),
    );
    location.insert("logicalLocations".into(), json!([logical(&f.subject)]));
    let mut r = Map::new();
    r.insert("ruleId".into(), f.check.clone().into());
    r.insert("ruleIndex".into(), index.into());
    r.insert("kind".into(), "fail".into());
    r.insert("level".into(), level.into());
    r.insert("message".into(), json!({ "text": text }));
    r.insert("locations".into(), json!([Value::Object(location)]));
    // Stable across runs (no line), distinct per node and per file: the same object in two
    // overlays, or the same path on three nodes, are different results.
    let fingerprint = crate::bundle::sha256_hex(
        format!(
            "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            f.check,
            f.subject.kind,
            f.subject.namespace.as_deref().unwrap_or(""),
            f.subject.name,
            f.subject.node.as_deref().unwrap_or(""),
            artifact
        )
        .as_bytes(),
    );
    r.insert(
        "partialFingerprints".into(),
        json!({ "kubeattestFinding/v2": fingerprint }),
    );
    if let Some(w) = &f.waiver {
        let mut properties = json!({
            "approver": w.approver,
            "expires": w.expires.to_string(),
            "source": w.source,
        });
        if let Some(ticket) = &w.ticket {
            properties["ticket"] = ticket.as_str().into();
        }
        r.insert(
            "suppressions".into(),
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": w.justification,
                "properties": properties,
            }]),
        );
    }
    let mut props = Map::new();
    props.insert("status".into(), f.status.as_str().into());
    props.insert("subject".into(), json!(f.subject));
    if !f.observations.is_empty() {
        props.insert("observations".into(), json!(f.observations));
    }
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

/// Builds the SARIF document.
pub fn document(report: &Report) -> Value {
    let items = report.items_by_check(" ");
    let index: HashMap<&str, usize> = report
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let rules: Vec<Value> = report
        .checks
        .iter()
        .map(|c| rule(c, items.get(c.id.as_str()).map_or(&[][..], Vec::as_slice)))
        .collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for f in &report.findings {
        let i = index.get(f.check.as_str()).copied().unwrap_or(0);
        match f.status {
            s if is_result(s) => results.push(result(f, report.checks.get(i), i)),
            Status::Error => notifications.push(json!({
                "level": "error",
                "message": { "text": format!("{}: {} could not be assessed: {}", f.check, f.subject.display(), f.message) },
                "associatedRule": { "id": f.check, "index": i },
            })),
            _ => {}
        }
    }
    for c in report.coverage.iter().filter(|c| c.is_failure()) {
        notifications.push(json!({
            "level": "error",
            "message": { "text": format!("not read: {}", c.error.as_deref().unwrap_or(&c.source)) },
        }));
    }
    let mut invocation = Map::new();
    // Input that could not be read is a run that did not do all it was asked.
    invocation.insert(
        "executionSuccessful".into(),
        (!report.coverage_incomplete()).into(),
    );
    if !report.run.started_at.is_empty() {
        invocation.insert("startTimeUtc".into(), report.run.started_at.clone().into());
    }
    if !report.run.finished_at.is_empty() {
        invocation.insert("endTimeUtc".into(), report.run.finished_at.clone().into());
    }
    if !notifications.is_empty() {
        invocation.insert(
            "toolExecutionNotifications".into(),
            Value::Array(notifications),
        );
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": report.run.tool.name,
                "version": report.run.tool.version,
                "semanticVersion": report.run.tool.version,
                "rules": rules,
            }},
            "automationDetails": { "id": format!("kubeattest/{}/{}", report.run.target.name, report.run.id) },
            "invocations": [Value::Object(invocation)],
            "results": results,
            "properties": {
                "catalog": report.run.catalog,
                "frameworks": report.frameworks.iter().map(|f| json!({
                    "id": f.id, "version": f.version, "score": f.summary.score,
                })).collect::<Vec<_>>(),
            },
        }],
    })
}

/// Writes the SARIF document.
pub fn write(report: &Report, w: &mut dyn Write) -> Result<(), RenderError> {
    serde_json::to_writer_pretty(&mut *w, &document(report))?;
    w.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_results_than_github_takes_give_a_warning() {
        assert_eq!(limit_warning(GITHUB_MAX_RESULTS), None);
        let w = limit_warning(GITHUB_MAX_RESULTS + 1).expect("warning");
        assert!(
            w.contains("25001 results") && w.contains("at most 25000"),
            "{w}"
        );
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(rule_name("privileged-container"), "PrivilegedContainer");
    }

    #[test]
    fn sources_split_into_file_and_line() {
        assert_eq!(file_line("k8s/a.yaml:12", None), Some(("k8s/a.yaml", 12)));
        assert_eq!(file_line("api /api/v1/pods", None), None);
        assert_eq!(file_line("pod kube-system/x command", None), None);
        assert_eq!(file_line("node cp-1: static pod /etc/x.yaml:3", None), None);
        // A path with a space is the subject's own file.
        assert_eq!(
            file_line("sp ace/d s.yaml:16", Some("sp ace/d s.yaml")),
            Some(("sp ace/d s.yaml", 16))
        );
    }

    #[test]
    fn findings_without_a_file_get_a_uri_naming_the_subject() {
        let s = Subject {
            kind: "File".into(),
            name: "/etc/cni/net.d/10-flannel.conflist".into(),
            node: Some("cp-1".into()),
            ..Subject::default()
        };
        assert_eq!(
            logical_uri(&s),
            "kubernetes/node/cp-1/File/etc/cni/net.d/10-flannel.conflist"
        );
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("k8s/my app.yaml"), "k8s/my%20app.yaml");
        assert_eq!(uri("/tmp/a.yaml"), "file:///tmp/a.yaml");
    }
}
