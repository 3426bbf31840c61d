//! `openreports.yaml`: OpenReports (`openreports.io/v1alpha1`) resources for Kubernetes
//! dashboards such as policy-reporter, as a YAML stream a user applies with `kubectl apply`
//! (kubeattest never writes to a cluster).
//!
//! One `Report` per namespace holding the findings about that namespace's objects, and one
//! `ClusterReport` for cluster-scoped subjects (nodes, cluster facts, RBAC cluster objects).
//! Each finding is one result: `policy` = check id, `rule` = the first framework item the
//! check decides (`cis-1.12/5.2.2`; all of them in `properties.items`), `result` =
//! pass/fail/warn/error, or `skip` for manual, not_applicable and waived (the waiver's
//! justification in `properties`), `severity`, the subject in `resources`, and the
//! offending field's `file:line` or API path in `properties.source`. `summary` counts the
//! results listed. No timestamps: the same report gives the same stream.

use foldhash::HashMap;
use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{json, Map, Value};

use crate::render::RenderError;
use crate::results::{Finding, Report, Status};

/// API version of the resources written.
pub const API_VERSION: &str = "openreports.io/v1alpha1";

/// The name of every resource written (one per namespace, so they do not collide).
pub const NAME: &str = "kubeattest";

fn result_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Warn => "warn",
        Status::Error => "error",
        Status::Manual | Status::NotApplicable | Status::Waived => "skip",
    }
}

fn result(f: &Finding, report: &Report, items: &HashMap<&str, Vec<String>>) -> Value {
    let title = report
        .check(&f.check)
        .map_or(f.check.as_str(), |c| c.title.as_str());
    let message = if f.message.is_empty() {
        title.to_string()
    } else {
        f.message.clone()
    };
    let mut resource = Map::new();
    if let Some(v) = &f.subject.api_version {
        resource.insert("apiVersion".into(), v.to_string().into());
    }
    resource.insert("kind".into(), f.subject.kind.to_string().into());
    resource.insert("name".into(), f.subject.name.to_string().into());
    if let Some(ns) = &f.subject.namespace {
        resource.insert("namespace".into(), ns.to_string().into());
    }
    let mut props: BTreeMap<&str, String> = BTreeMap::new();
    props.insert("status", f.status.as_str().into());
    let its = items.get(f.check.as_str());
    if let Some(its) = its {
        props.insert("items", its.join(", "));
    }
    if let Some(o) = f
        .observations
        .iter()
        .find(|o| !o.holds)
        .or(f.observations.first())
    {
        props.insert("source", o.source.clone());
        props.insert("path", o.path.clone());
        props.insert("expected", o.expected.clone());
    } else if let (Some(file), Some(line)) = (&f.subject.file, f.subject.line) {
        props.insert("source", format!("{file}:{line}"));
    }
    if let Some(w) = &f.waiver {
        props.insert("waiver", w.justification.clone());
        props.insert("approver", w.approver.clone());
        props.insert("expires", w.expires.to_string());
    }
    let mut r = Map::new();
    r.insert("source".into(), "kubeattest".into());
    r.insert("policy".into(), f.check.clone().into());
    if let Some(first) = its.and_then(|i| i.first()) {
        r.insert("rule".into(), first.clone().into());
    }
    r.insert("category".into(), title.into());
    r.insert("severity".into(), f.severity.as_str().into());
    r.insert("result".into(), result_word(f.status).into());
    r.insert("scored".into(), (f.status != Status::Manual).into());
    r.insert("message".into(), message.into());
    r.insert("resources".into(), json!([Value::Object(resource)]));
    r.insert("properties".into(), json!(props));
    Value::Object(r)
}

fn summary(results: &[Value]) -> Value {
    let mut counts: BTreeMap<&str, usize> = ["pass", "fail", "warn", "error", "skip"]
        .into_iter()
        .map(|k| (k, 0))
        .collect();
    for r in results {
        if let Some(n) = r["result"].as_str().and_then(|w| counts.get_mut(w)) {
            *n += 1;
        }
    }
    json!(counts)
}

fn resource(report: &Report, kind: &str, namespace: Option<&str>, results: Vec<Value>) -> Value {
    let mut meta = Map::new();
    meta.insert("name".into(), NAME.into());
    if let Some(ns) = namespace {
        meta.insert("namespace".into(), ns.into());
    }
    meta.insert(
        "labels".into(),
        json!({ "app.kubernetes.io/managed-by": "kubeattest" }),
    );
    meta.insert(
        "annotations".into(),
        json!({
            "kubeattest.io/run-id": report.run.id,
            "kubeattest.io/target": report.run.target.name,
            "kubeattest.io/catalog": report.run.catalog.version,
        }),
    );
    json!({
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": Value::Object(meta),
        "source": "kubeattest",
        "summary": summary(&results),
        "results": results,
    })
}

/// The documents: one `Report` per namespace (sorted), then the `ClusterReport`.
pub fn documents(report: &Report) -> Vec<Value> {
    let items = report.items_by_check("/");
    let mut by_ns: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut cluster = Vec::new();
    for entry in report.listed() {
        let f = entry.to_finding();
        let r = result(&f, report, &items);
        match entry.subject().namespace.as_deref() {
            Some(ns) if !ns.is_empty() => by_ns.entry(ns).or_default().push(r),
            _ => cluster.push(r),
        }
    }
    let mut docs: Vec<Value> = by_ns
        .into_iter()
        .map(|(ns, results)| resource(report, "Report", Some(ns), results))
        .collect();
    docs.push(resource(report, "ClusterReport", None, cluster));
    docs
}

/// Writes the YAML stream.
pub fn write(report: &Report, w: &mut dyn Write) -> Result<(), RenderError> {
    writeln!(
        w,
        "# OpenReports from kubeattest run {} (apply with: kubectl apply -f FILE)",
        report.run.id
    )?;
    for doc in documents(report) {
        w.write_all(b"---\n")?;
        let text = serde_saphyr::to_string(&doc).map_err(|e| RenderError::Yaml(e.to_string()))?;
        w.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            w.write_all(b"\n")?;
        }
    }
    Ok(())
}
